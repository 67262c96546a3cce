#!/usr/bin/env bash
# The soak (issue 11): the suite under steady mixed traffic with clients leaving and resuming, for a
# long time; passes when nothing accepted was lost or shown twice and every suite process's RSS grew
# by less than 5 % from the end of the warm-up to the end. Opt-in: not part of ./test.sh.
#
#   bash bench/soak.sh                         # 20 minutes over Redis (the multi-process suite)
#   bash bench/soak.sh --minutes 3             # a short run, to see that it works
#   bash bench/soak.sh --mode nats|embedded    # another mode
#   bash bench/soak.sh --no-build              # skip the Release build (already built)
#   bash bench/soak.sh -- --soak.rooms 20      # anything after -- goes to the load generator
#
# Load: 10 rooms x 20 members (1 sender at 5 msg/s, 19 receivers: ~950 room deliveries/s), 20
# direct-message pairs at 20 msg/s, 5 acknowledged business events/s to one user each; one receiver
# leaves every second for 2 s and resumes with `since`, a quarter of them drop at once every 5 min
# (the first at 2.5 min). Memory is sampled every 30 s; the warm-up is the first 2 minutes (a third
# of shorter runs). Servers are pinned to CPU 0 and the generator to CPU 1, as in bench/run.sh
# (SERVER_CPUS / LOAD_CPUS; empty lets them float).
# Output: bench/results/soak-<timestamp>/<mode>-soak.json (every count, each process's samples) and
# report.md (the verdict, a table per stream, memory per process), and logs/ (redis, nats: each service's
# and sidecar's own output, warnings and errors). Exit 0 on pass, 1 on fail.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
minutes=20
mode=redis
out=""
build=1
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --mode) mode="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "bench/soak.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$mode" in embedded|redis|nats) ;; *) echo "bench/soak.sh: --mode is redis, nats or embedded" >&2; exit 2 ;; esac
if ! [[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ ]] || awk "BEGIN { exit !($minutes <= 0) }"; then
  echo "bench/soak.sh: --minutes wants a positive number, got '$minutes'" >&2; exit 2
fi
# The warm-up: 2 minutes, or a third of a run shorter than 6 minutes (memory needs samples after it).
warmup="$(awk "BEGIN { print ($minutes >= 6) ? 120 : $minutes * 20 }")"
out="${out:-$root/bench/results/soak-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"

cores="$(nproc)"
if [ "$cores" -ge 2 ]; then SERVER_CPUS="${SERVER_CPUS-0}"; LOAD_CPUS="${LOAD_CPUS-1}"; else SERVER_CPUS=""; LOAD_CPUS=""; fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ "$build" = 1 ]; then
  echo "building (Release)..." >&2
  for project in services/dapr-emulator services/edge services/presence services/room services/notification services/suite services/launcher tests/Load; do
    dotnet build -c Release "$project" -v quiet -nologo >&2
  done
fi

load=(dotnet "$root/tests/Load/bin/Release/net10.0/Suite.Load.dll")
pin=()
if [ -n "$LOAD_CPUS" ] && command -v taskset >/dev/null; then pin=(taskset -c "$LOAD_CPUS"); fi
server_pin=()
if [ -n "$SERVER_CPUS" ]; then server_pin=(--edge-cpus "$SERVER_CPUS"); fi
group=""
stop_group() {
  if [ -n "$group" ]; then kill -TERM -- "-$group" 2>/dev/null || true; sleep 1; kill -KILL -- "-$group" 2>/dev/null || true; group=""; fi
}
trap stop_group EXIT
trap 'stop_group; exit 130' INT TERM

# The idempotency windows (room and notification keep each key for 10 minutes by default) fill for
# their whole length by design; set shorter than the warm-up, they are full before memory is judged,
# so what is judged is whether anything grows without bound. (An --edge-env after -- overrides them.)
windows=(--edge-env Rooms__IdempotencyWindow=00:01:00 --edge-env Notification__IdempotencyWindow=00:01:00)

echo "== soak over $mode: $minutes min (warm-up ${warmup} s) -> $out" >&2
set +e
# The services' and sidecars' warnings, to find out afterwards where a message owed at the end went.
logs=()
if [ "$mode" != embedded ]; then logs=(--suite-logs "$out/logs"); fi
setsid "${pin[@]}" "${load[@]}" soak --mode "$mode" "${server_pin[@]}" --out-dir "$out" "${logs[@]}" \
  --source-addresses 8 --connect-rate 200 --drain-timeout 120s \
  --soak.duration "${minutes}m" --soak.warmup-duration "${warmup}s" \
  --soak.rooms 10 --soak.members 20 --soak.sender-rate 5 --soak.pairs 20 --soak.rate 20 --soak.notify-rate 5 \
  --soak.churn-interval 1s --soak.churn-away 2s --soak.burst-interval 5m --soak.burst-share 0.25 \
  --soak.sample-interval 30s --soak.rss-growth-limit 5 "${windows[@]}" "${extra[@]}" \
  > /dev/null 2> >(tee "$out/$mode.log" >&2) &
pid=$!
group=$pid
wait "$pid"
status=$?
set -e
stop_group
# What is still alive of the generator's process group (a zombie has exited: only its reaping is left).
alive() { for p in $(pgrep -g "$pid" || true); do ps -o stat=,pid=,args= -p "$p" 2>/dev/null | grep -v '^Z' || true; done; }
left="$(alive)"
if [ -n "$left" ]; then sleep 3; left="$(alive)"; fi
if [ -n "$left" ]; then echo "bench/soak.sh: processes left behind:" >&2; echo "$left" >&2; exit 1; fi
[ "$status" -eq 0 ] || { echo "== the soak failed to run (exit $status); see $out/$mode.log" >&2; exit 1; }

{
  echo "# Soak $(date -u +%Y-%m-%d), $minutes min over $mode"
  echo
  echo "Command: \`bash bench/soak.sh --minutes $minutes --mode $mode${extra[*]:+ -- ${extra[*]}}\` at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Servers pinned to CPU ${SERVER_CPUS:-any}, load generator to CPU ${LOAD_CPUS:-any}."
  echo
  "${load[@]}" report "$out/$mode-soak.json"
} > "$out/report.md"
cat "$out/report.md"
grep -q '"pass": true' "$out/$mode-soak.json"
