#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine that has only the .NET SDK:
# installs the real brokers the tests start (redis-server, nats-server), restores, builds, tests.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The Debian packages start system-wide servers; the tests start their own on free ports.
  $sudo_cmd systemctl disable --now redis-server nats-server >/dev/null 2>&1 || true
fi

dotnet restore Suite.sln
dotnet build Suite.sln --no-restore -c Release
log=$(mktemp)
export SUITE_TEST_REPORT
SUITE_TEST_REPORT=$(mktemp)
trap 'rm -f "$log" "$SUITE_TEST_REPORT"' EXIT
status=0
# One test project at a time: several of them start many real servers and processes, and on a
# 2-core machine running them side by side only trades time for timeouts.
dotnet test --solution Suite.sln --no-build -c Release --max-parallel-test-modules 1 "$@" 2>&1 | tee "$log" || status=$?
# One plain closing line, so any reader of the log sees the count without knowing the runner.
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
skipped=$(grep -E '^\s+skipped: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
# What tests report besides passing (tests/Suite.Testing/TestReport.cs): the fuzz targets' input
# counts (SUITE_FUZZ_ITERATIONS per target; README "Fuzzing"), the chaos tests' sent / received / duplicates.
sort "$SUITE_TEST_REPORT"
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
