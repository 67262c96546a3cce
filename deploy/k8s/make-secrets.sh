#!/usr/bin/env bash
# Writes the Secrets' values the base reads (base/secrets/*.env, ignored by git) from their
# *.env.example: fresh random API tokens and service key, and the edge's JWT settings you pass.
# An existing file is kept (re-running does not rotate anything; delete a file to make it anew).
#
#   deploy/k8s/make-secrets.sh --authority https://login.example.com/ --audience gateway
#   deploy/k8s/make-secrets.sh --hs256 --audience gateway --issuer https://tokens.example.com
#   deploy/k8s/make-secrets.sh ... --redis-password "$REDIS_PASSWORD"
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/base/secrets"
authority="" audience="" issuer="" hs256=false redis_password=""
while [ $# -gt 0 ]; do
  case "$1" in
    --authority) authority="$2"; shift 2 ;;
    --audience) audience="$2"; shift 2 ;;
    --issuer) issuer="$2"; shift 2 ;;
    --hs256) hs256=true; shift ;;
    --redis-password) redis_password="$2"; shift 2 ;;
    *) echo "make-secrets.sh: unknown argument $1 (see the header of this script)" >&2; exit 2 ;;
  esac
done

write() { # file, content
  if [ -e "$dir/$1" ]; then echo "kept    $1"; return; fi
  umask 077
  printf '%s\n' "$2" > "$dir/$1"
  echo "wrote   $1"
}

# The JWT settings first, so a missing argument writes nothing.
auth=""
if [ ! -e "$dir/edge-auth.env" ]; then
  if [ -n "$authority" ] && [ -n "$audience" ] && [ "$hs256" = false ]; then
    auth="$(printf 'Auth__Authority=%s\nAuth__Audience=%s' "$authority" "$audience")"
  elif [ "$hs256" = true ] && [ -n "$audience" ] && [ -n "$issuer" ] && [ -z "$authority" ]; then
    # Outside Development the edge refuses an HS256 key without audience and issuer.
    auth="$(printf 'Auth__SigningKey=%s\nAuth__Audience=%s\nAuth__Issuer=%s' "$(openssl rand -hex 32)" "$audience" "$issuer")"
  else
    echo "make-secrets.sh: edge-auth.env needs --authority URL --audience AUD, or --hs256 --audience AUD --issuer ISS" >&2
    exit 2
  fi
fi

write dapr-api-token.env "token=$(openssl rand -hex 32)"
write app-api-token.env "token=$(openssl rand -hex 32)"
write service-key.env "key=$(openssl rand -hex 32)"
write redis.env "password=$redis_password"
write edge-auth.env "$auth"
if [ "$hs256" = true ] && [ -n "$auth" ]; then
  echo "        the HS256 key is in $dir/edge-auth.env: give it to your token issuer"
fi
