#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine that has only the .NET SDK:
# installs the real brokers the tests start (redis-server, nats-server), Node.js with npm (the
# TypeScript client's tests) and Chromium (the pages' browser tests), restores, builds, tests.
set -euo pipefail
cd "$(dirname "$0")"

sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
# The browser tests drive Debian's chromium with playwright-core (clients/typescript/test/browser).
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The Debian packages start system-wide servers; the tests start their own on free ports.
  $sudo_cmd systemctl disable --now redis-server nats-server >/dev/null 2>&1 || true
fi

dotnet restore Suite.sln
dotnet build Suite.sln --no-restore -c Release
log=$(mktemp)
client_log=$(mktemp)
export SUITE_TEST_REPORT
SUITE_TEST_REPORT=$(mktemp)
trap 'rm -f "$log" "$client_log" "$SUITE_TEST_REPORT"' EXIT
status=0
# One test project at a time: several of them start many real servers and processes, and on a
# 2-core machine running them side by side only trades time for timeouts.
dotnet test --solution Suite.sln --no-build -c Release --max-parallel-test-modules 1 "$@" 2>&1 | tee "$log" || status=$?
# One plain closing line, so any reader of the log sees the count without knowing the runner.
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
skipped=$(grep -E '^\s+skipped: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
# The TypeScript client (clients/typescript): unit tests, then against the embedded suite and the
# launcher built above (README "TypeScript client"), then the demo and ops pages in headless Chromium
# (README "Pages"; its build writes dist/www, which the embedded suite serves from this checkout);
# node's test runner prints TAP counts.
client_status=0
(cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error && npm test) 2>&1 | tee "$client_log" || client_status=$?
client_passed=$(grep -E '^# pass [0-9]+' "$client_log" | tail -1 | grep -oE '[0-9]+' || echo 0)
client_failed=$(grep -E '^# fail [0-9]+' "$client_log" | tail -1 | grep -oE '[0-9]+' || echo 0)
client_skipped=$(grep -E '^# skipped [0-9]+' "$client_log" | tail -1 | grep -oE '[0-9]+' || echo 0)
if [ "$client_status" -ne 0 ]; then
  status=$client_status
  # A failed install or build runs no test: count it as one failure so the line says so.
  [ "$client_failed" -gt 0 ] || client_failed=1
fi
# What tests report besides passing (tests/Suite.Testing/TestReport.cs): the fuzz targets' input
# counts (SUITE_FUZZ_ITERATIONS per target; README "Fuzzing"), the chaos tests' sent / received / duplicates.
sort "$SUITE_TEST_REPORT"
# The failed tests' names and first lines, again at the end: a CI page that shows only the tail of
# the log still says which test failed and why (the runner prints "failed <name> (<time>)").
if grep -qE '^\s*failed [^:]' "$log"; then
  echo "failed tests (first lines of each):"
  awk '/^[[:space:]]*failed [^:]/ { n = 12 } n > 0 { print; n-- }' "$log" | cut -c1-400
fi
echo "typescript client: ${client_passed} passed, ${client_failed} failed, ${client_skipped} skipped"
echo "tests: $((passed + client_passed)) passed, $((failed + client_failed)) failed, $((skipped + client_skipped)) skipped"
exit "$status"
