#!/usr/bin/env bash
# The benchmark: the suite in each mode and the peers, same machine, same load, one report.
#
#   bash bench/run.sh                       # default (small) set: embedded, redis and both peers, ~14 min on 2 cores
#   bash bench/run.sh --set full            # every mode (nats too), 20k idle connections, 30 s fan-out, 10k storm,
#                                           # one edge alone holding 100k idle connections (or what the open-files limit allows)
#   bash bench/run.sh --modes "nats seed-ws"
#
# Modes: edge (the edge alone: fanout-local with 1,000 connections at 10,000 and 50,000 deliveries/s,
# one start each, beside ../shared/tools/send-floor built with cc: issue 10's per-delivery floor), embedded (all services in one process, in-memory components), redis and nats (the
# multi-process launcher: 2 edges, 3 services, 5+ sidecars, the broker), seed-ws and signalr (the
# peers in ../shared/peers, 2 instances each over one redis-server; PEERS_DIR overrides).
# Every system is started by the load generator (tests/Load) and stopped by it; this script also runs
# each generator in its own process group and kills that group afterwards, then checks that no
# server process is left. Servers are pinned to CPU 0 and the load to CPU 1 (SERVER_CPUS /
# LOAD_CPUS; empty lets them float).
# The fan-out rate sweep (fanout-sweep: the fanout shape at 5, 10, 20, 40, 50 msg/s per sender, 3 s warm-up
# + 5 s measured per step, stopping after the first step that falls behind) runs for redis and seed-ws
# in the small set (~1-2 min more), for every mode in the full set.
# Output: bench/results/<timestamp>/<mode>-<scenario>.json and report.md (machine, settings, a table
# per scenario with each suite figure's ratio to each peer, server CPU per process, the sweep, and
# the targets of issues 5, 9 and 10 met or missed).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
set_name=small
modes_given=0
modes="edge embedded redis seed-ws signalr"
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --set) set_name="$2"; shift 2 ;;
    --modes) modes="$2"; modes_given=1; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
out="${out:-$root/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"

# Warm-up and idle windows are long enough for a dozen .NET processes on one core to finish most of
# their tier-1 compilation: with 5 s the fan-out measured the JIT (docs/benchmarks.md, 2026-12-05),
# and a connect "idle" window of 5 s right after 3,000 connects measured their aftermath.
# The connect scenario holds held_n connections through its baseline, so memory per connection is the
# slope from held_n to held_n + connect_n: from an empty server, (after - before) / N also counted
# pools and heaps that grow once, and read the Node peer at -2.8 KiB per connection (2026-12-06).
case "$set_name" in
  small) one_edge_n=0; connect_n=3000; held_n=3000; fanout_t=10s; warmup_t=30s; direct_n=500; direct_rate=500; notify_n=500; notify_rate=30; storm_n=1000; short_t=5s
         sweep_modes="redis seed-ws"; sweep_t=5s; sweep_warmup_t=3s; local_t=10s ;;
  full)  one_edge_n=100000; connect_n=15000; held_n=5000; fanout_t=30s; warmup_t=15s; direct_n=5000; direct_rate=2000; notify_n=5000; notify_rate=30; storm_n=10000; short_t=20s
         sweep_modes="embedded redis nats seed-ws signalr"; sweep_t=10s; sweep_warmup_t=5s; local_t=20s
         [ "$modes_given" = 1 ] || modes="edge embedded redis nats seed-ws signalr" ;;
  *) echo "bench/run.sh: --set is small or full" >&2; exit 2 ;;
esac
# The peers' published figures were taken at this fan-out: 20 rooms x 50 members, one sender per
# room at 10 msg/s = 9,800 deliveries/s.
fanout_opts=(--fanout.rooms 20 --fanout.members 50 --fanout.senders 1 --fanout.sender-rate 10 --fanout.duration "$fanout_t" --fanout.warmup-duration "$warmup_t")
# The same shape from 4,900 to 49,000 deliveries/s. Both the suite and seed-ws kept up at 39,200/s
# on one core (2026-12-06), so the sweep goes one step further to find where they fall behind; the
# suite's edge takes at most 50 msg/s per connection (Connections:MessagesPerSecond), which the
# suite's modes raise to 100 for the run (a client limit, not what is measured).
sweep_opts=(--fanout-sweep.rooms 20 --fanout-sweep.members 50 --fanout-sweep.senders 1 --fanout-sweep.rates 5,10,20,40,50
  --fanout-sweep.duration "$sweep_t" --fanout-sweep.warmup-duration "$sweep_warmup_t" --fanout-sweep.drain-timeout 10s)

cores="$(nproc)"
if [ "$cores" -ge 2 ]; then SERVER_CPUS="${SERVER_CPUS-0}"; LOAD_CPUS="${LOAD_CPUS-1}"; else SERVER_CPUS=""; LOAD_CPUS=""; fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

echo "building (Release)..." >&2
for project in services/dapr-emulator services/edge services/presence services/room services/notification services/suite services/launcher tests/Load; do
  dotnet build -c Release "$project" -v quiet -nologo >&2
done
command -v redis-server >/dev/null || echo "note: redis-server missing (sudo apt-get install redis-server); redis and peer modes will fail" >&2
command -v nats-server >/dev/null || echo "note: nats-server missing (sudo apt-get install nats-server); mode nats will fail" >&2

load=(dotnet "$root/tests/Load/bin/Release/net10.0/Suite.Load.dll")
group=""
groups=()
stop_group() {
  if [ -n "$group" ]; then kill -TERM -- "-$group" 2>/dev/null || true; sleep 1; kill -KILL -- "-$group" 2>/dev/null || true; group=""; fi
}
trap stop_group EXIT
trap 'stop_group; exit 130' INT TERM

# Issue 10's floor: what one send() of a small frame costs on this machine, measured in this run.
send_floor() {
  local src="$root/../shared/tools/send-floor/send-floor.c" dir line
  if [ ! -f "$src" ] || ! command -v cc >/dev/null; then echo "note: send-floor not run (needs $src and cc)" >&2; return 0; fi
  dir="$(mktemp -d)"
  cc -O2 -o "$dir/send-floor" "$src"
  line="$("$dir/send-floor" 1000 200 120)"
  rm -rf "$dir"
  echo "send-floor: $line" >&2
  local us; us="$(sed -n 's/.*server CPU \([0-9.]*\) us per send.*/\1/p' <<< "$line")"
  printf '{"scenario":"send-floor","target":{"mode":"send-floor"},"settings":{"connections":1000,"rounds":200,"frameBytes":120},"figures":{"cpuMicrosPerSend":%s}}\n' "$us" > "$out/send-floor.json"
}

# Runs one load generator in its own process group, waits for it and stops the group; a failure is
# recorded under <name> (details in <log>).
run_generator() {
  local name="$1" log="$2"; shift 2
  set +e
  setsid "${pin[@]}" "${load[@]}" "$@" > /dev/null 2> >(tee -a "$log" >&2) &
  pid=$!
  group=$pid
  groups+=("$pid")
  wait "$pid"
  status=$?
  set -e
  stop_group
  [ "$status" -eq 0 ] || { echo "== $name failed (exit $status); see $log" >&2; failed_modes+=("$name"); }
}

# The edge alone, one start per rate; servers and load pinned as for the other modes.
edge_alone() {
  local rate
  for rate in 10 50; do
    echo "== edge: fanout-local, 1,000 connections at ${rate}/s each" >&2
    run_generator "edge at ${rate}/s" "$out/edge.log" fanout-local --mode edge "${server_pin[@]}" --connections 1000 --rate "$rate" \
      --duration "$local_t" --warmup-duration 30s --connect-rate 2000 --drain-timeout 30s --out "$out/edge-fanout-local-$rate.json"
  done
  send_floor
  if [ "$one_edge_n" -gt 0 ]; then one_edge_idle; fi
}

# Issue 10's 100,000 idle connections on one edge (full set): as many as the open-files limit lets
# both the edge and the generator hold (each needs one descriptor per connection and a few hundred of
# its own); the report projects fewer to 100,000 from the measured slope and says so.
one_edge_idle() {
  local total limit; limit="$(ulimit -n)"; total="$one_edge_n"
  if [ "$limit" != unlimited ] && [ "$total" -gt $((limit - 1000)) ]; then
    total=$((limit - 1000))
    echo "note: the open-files limit is $limit, so one edge holds $total idle connections, not $one_edge_n (the report projects $one_edge_n)" >&2
  fi
  echo "== edge: $total idle connections on one edge" >&2
  run_generator "edge, $total idle connections" "$out/edge.log" connect --mode edge "${server_pin[@]}" --connect-rate 2000 \
    --connect.connections $((total - total / 4)) --connect.held $((total / 4)) --connect.settle 30s --out "$out/edge-connect.json"
}

failed_modes=()
for mode in $modes; do
  pin=()
  if [ -n "$LOAD_CPUS" ] && command -v taskset >/dev/null; then pin=(taskset -c "$LOAD_CPUS"); fi
  server_pin=()
  if [ -n "$SERVER_CPUS" ]; then server_pin=(--edge-cpus "$SERVER_CPUS"); fi
  if [ "$mode" = edge ]; then edge_alone; continue; fi
  sweep=""
  case " $sweep_modes " in *" $mode "*) sweep=",fanout-sweep" ;; esac
  suite_opts=()
  case "$mode" in
    embedded|redis|nats) scenarios="connect,fanout$sweep,direct,notify,storm"; suite_opts=(--edge-env Connections__MessagesPerSecond=100) ;;
    seed-ws|signalr) scenarios="connect,fanout$sweep,storm" ;;
    *) echo "bench/run.sh: unknown mode $mode" >&2; exit 2 ;;
  esac
  echo "== $mode: $scenarios" >&2
  # One system start per mode; --<scenario>.<option> sizes one scenario.
  run_generator "$mode" "$out/$mode.log" "$scenarios" --mode "$mode" "${server_pin[@]}" "${suite_opts[@]}" --out-dir "$out" \
    --connect-rate 2000 --drain-timeout 60s ${PEERS_DIR:+--peers-dir "$PEERS_DIR"} \
    --connect.connections "$connect_n" --connect.held "$held_n" --connect.settle 30s "${fanout_opts[@]}" "${sweep_opts[@]}" \
    --direct.connections "$direct_n" --direct.rate "$direct_rate" --direct.duration "$short_t" --direct.warmup-duration "$warmup_t" \
    --notify.connections "$notify_n" --notify.rooms 10 --notify.rate "$notify_rate" --notify.duration "$short_t" --notify.warmup-duration "$warmup_t" \
    --storm.connections "$storm_n" --storm.storm-deadline 30s
done

# What this script started: its generators' process groups, and anything run from this checkout
# or from the peers' build cache.
left="$(for g in "${groups[@]}"; do pgrep -ag "$g" || true; done; pgrep -af "$root/(services|tests)/|suite-bench-peers" | grep -v pgrep || true)"
if [ -n "$left" ]; then
  echo "bench/run.sh: processes left behind:" >&2
  echo "$left" >&2
  exit 1
fi

{
  echo "# Benchmark $(date -u +%Y-%m-%d) ($set_name set)"
  echo
  echo "Command: \`bash bench/run.sh --set $set_name --modes \"$modes\"\` at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Servers pinned to CPU ${SERVER_CPUS:-any}, load generator to CPU ${LOAD_CPUS:-any}."
  echo
  "${load[@]}" report $(ls "$out"/*.json)
} > "$out/report.md"
cat "$out/report.md"
if [ "${#failed_modes[@]}" -gt 0 ]; then echo "failed modes: ${failed_modes[*]}" >&2; exit 1; fi
