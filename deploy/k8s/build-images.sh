#!/usr/bin/env bash
# Builds the four service images with the .NET SDK's container publishing: no Dockerfile and no
# container daemon. Each image is written as a tarball (artifacts/images/<service>.tar.gz) to load
# with `docker load` / `podman load` or push with any OCI tool, or pushed straight to a registry when
# REGISTRY is set (then the SDK needs that registry's credentials, e.g. from `docker login`).
# The base image (mcr.microsoft.com/dotnet/aspnet) is pulled from its registry.
#
#   deploy/k8s/build-images.sh                     # tarballs, tag "latest"
#   TAG=1.4.0 REGISTRY=registry.example.com deploy/k8s/build-images.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
tag="${TAG:-latest}"
mkdir -p artifacts/images
for service in edge presence room notification; do
  project="services/$service/Suite.${service^}.csproj"
  args=(-c Release --os linux --arch x64 -t:PublishContainer
        -p:ContainerRepository="gateway-suite/$service" -p:ContainerImageTag="$tag")
  if [ -n "${REGISTRY:-}" ]; then
    args+=(-p:ContainerRegistry="$REGISTRY")
  else
    args+=(-p:ContainerArchiveOutputPath="$PWD/artifacts/images/$service.tar.gz")
  fi
  dotnet publish "$project" "${args[@]}"
done
