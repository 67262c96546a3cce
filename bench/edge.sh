#!/usr/bin/env bash
# Edge alone (issue 3): memory per idle authenticated connection, and local fan-out msgs/s.
# Builds Release, starts one edge (as a child of the load generator), runs `connect` and
# `fanout-local`, writes bench/results/edge-*.json and bench/results/edge.md, prints the table.
# Leaves no process behind: the load generator kills the edge it started on any exit, and this
# script stops the generator if it is interrupted.
#
# Sizes (environment): CONNECT_N=5000 FANOUT_N=1000 RATE=50 RATE_LOW=10 DURATION=10s SETTLE=5s
# (RATE_LOW x FANOUT_N = 10,000 deliveries/s, about the load the peers' latency figures were taken at.)
# Pinning: EDGE_CPUS=0 LOAD_CPUS=1 on a machine with 2+ cores (server on one core, load on the other);
# set both empty to let them float.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="$root/bench/results"
mkdir -p "$results"

CONNECT_N="${CONNECT_N:-5000}"
FANOUT_N="${FANOUT_N:-1000}"
RATE="${RATE:-50}"
RATE_LOW="${RATE_LOW:-10}"
DURATION="${DURATION:-10s}"
SETTLE="${SETTLE:-5s}"
cores="$(nproc)"
if [ "$cores" -ge 2 ]; then EDGE_CPUS="${EDGE_CPUS-0}"; LOAD_CPUS="${LOAD_CPUS-1}"; else EDGE_CPUS=""; LOAD_CPUS=""; fi

# One fd per connection on each side, plus slack.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "building (Release)..." >&2
dotnet build -c Release services/edge -v quiet -nologo >&2
dotnet build -c Release tests/Load -v quiet -nologo >&2

load_pid=""
stop() {
  if [ -n "$load_pid" ] && kill -0 "$load_pid" 2>/dev/null; then
    kill -TERM "$load_pid" 2>/dev/null || true
    wait "$load_pid" 2>/dev/null || true
  fi
}
trap stop EXIT
trap 'stop; exit 130' INT TERM

run() {
  local tag="$1" name="$2"; shift 2
  local pin=()
  if command -v taskset >/dev/null && [ -n "$LOAD_CPUS" ]; then pin=(taskset -c "$LOAD_CPUS"); fi
  local edge_pin=()
  if [ -n "$EDGE_CPUS" ]; then edge_pin=(--edge-cpus "$EDGE_CPUS"); fi
  echo "== $tag: $name $*" >&2
  "${pin[@]}" dotnet tests/Load/bin/Release/net10.0/Suite.Load.dll "$name" "$@" "${edge_pin[@]}" \
    --out "$results/edge-$tag.json" >/dev/null &
  load_pid=$!
  wait "$load_pid"
  load_pid=""
}

run connect connect --connections "$CONNECT_N" --connect-rate 2000 --settle "$SETTLE"
run fanout-local-low fanout-local --connections "$FANOUT_N" --rate "$RATE_LOW" --duration "$DURATION"
run fanout-local fanout-local --connections "$FANOUT_N" --rate "$RATE" --duration "$DURATION"

dotnet tests/Load/bin/Release/net10.0/Suite.Load.dll report \
  "$results/edge-connect.json" "$results/edge-fanout-local-low.json" "$results/edge-fanout-local.json" | tee "$results/edge.md"
