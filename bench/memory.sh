#!/usr/bin/env bash
# Where an idle authenticated edge connection's memory goes (issue 5): starts one edge (Release,
# the same environment the load generator gives its child edge), opens 200 connections and closes
# them (warm-up), takes a heap dump at 0 connections, opens N idle authenticated connections with
# the load generator (mode urls), takes a second dump, and prints live bytes per connection by type
# (dump 2 - dump 1) / N. Both dumps follow the full blocking GC that dotnet-gcdump induces.
#
# Needs the diagnostics tools (exact versions): dotnet tool install --tool-path /work/tools dotnet-gcdump --version 10.0.750501
#                                               dotnet tool install --tool-path /work/tools dotnet-dump --version 10.0.750501
# Sizes per type come from `dotnet-dump analyze … dumpheap -stat` (exact sizes of strings and arrays;
# `dotnet-gcdump report` lists only their base size). The .gcdump files are kept for PerfView / VS.
# Environment: N=5000 TOOLS=/work/tools OUT=bench/results/memory TOP=40; extra edge env as arguments
# (e.g. bash bench/memory.sh DOTNET_gcServer=1). Leaves no process behind.
# MODE=embedded measures the embedded suite instead (services/suite: edge, presence, room,
# notification and their in-memory sidecars in one process), so the dumps also hold what presence
# and the in-memory state store keep per connection; SUITE_DIR=<its build output folder> (default
# services/suite/bin/Release/net10.0) measures another build, e.g. a copy of the one before a change.
# HELD=<count> opens and holds that many connections (user ids of their own) before the first dump,
# so the figures are the slope between HELD and HELD + N, as the connect scenario's --held reads it.
# KEEP_DUMPS=1 keeps the heap dumps (for gcroot and the like); *.strings lists the strings by value.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
MODE="${MODE:-edge}"; N="${N:-5000}"; TOOLS="${TOOLS:-/work/tools}"; OUT="${OUT:-$root/bench/results/memory}"; TOP="${TOP:-40}"
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
port="$(free_port)"; dead="$(free_port)"; key=suite-load-signing-key-0123456789abcdef
quiet=(Logging__LogLevel__Default=Warning Logging__LogLevel__Suite.Edge.Connections.ConnectionLifecycle=None
  Logging__LogLevel__Suite.Edge.Upstream=None Logging__LogLevel__Suite.Edge.Inbox=None)
dotnet build -c Release tests/Load -v quiet -nologo >&2
if [ "$MODE" = embedded ]; then
  SUITE_DIR="${SUITE_DIR:-$root/services/suite/bin/Release/net10.0}"
  [ "$SUITE_DIR" = "$root/services/suite/bin/Release/net10.0" ] && dotnet build -c Release services/suite -v quiet -nologo >&2
  # services/suite's EmbeddedSuite.DevelopmentSigningKey: the embedded suite takes no other key.
  key=development-only-signing-key-change-me-0123456789
  env Connections__AdmissionsPerSecond=1000000 "${quiet[@]}" "$@" \
    dotnet "$SUITE_DIR/Suite.Embedded.dll" --port "$port" --no-pages >"$OUT/edge.log" 2>&1 &
else
  dotnet build -c Release services/edge -v quiet -nologo >&2
  env ASPNETCORE_URLS="http://127.0.0.1:$port" ASPNETCORE_ENVIRONMENT=Production Edge__EdgeId=edge-0 \
    Edge__PresenceAddress="http://127.0.0.1:$dead" Edge__RoomAddress="http://127.0.0.1:$dead" Edge__NotificationAddress="http://127.0.0.1:$dead" Auth__SigningKey="$key" Auth__Audience=suite-edge Auth__Issuer=suite-load \
    Connections__AdmissionsPerSecond=1000000 "${quiet[@]}" "$@" \
    dotnet services/edge/bin/Release/net10.0/Suite.Edge.dll >"$OUT/edge.log" 2>&1 &
fi
edge=$!
load=""; held=""
cleanup() { [ -n "$load" ] && kill "$load" 2>/dev/null; [ -n "$held" ] && kill "$held" 2>/dev/null; kill "$edge" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done

gen=(dotnet tests/Load/bin/Release/net10.0/Suite.Load.dll connect --mode urls --url "ws://127.0.0.1:$port/ws" --edge-id edge-0 --signing-key "$key" --warmup 0 --connect-rate 2000)
dump() { # name: gcdump (induces a full GC), then a heap core dump summarised by type
  "$TOOLS/dotnet-gcdump" collect -p "$edge" -o "$OUT/$1.gcdump" >/dev/null 2>&1
  grep VmRSS "/proc/$edge/status" | sed "s/^/$1 /" >&2
  # The mappings (GC regions, malloc arenas, stacks, code) and the GC's own figures, for the part of
  # RSS outside the managed heap.
  cp "/proc/$edge/smaps" "$OUT/$1.smaps"
  curl -sf "http://127.0.0.1:$port/metrics" | grep -E '^dotnet_gc_last_collection|^dotnet_process_memory|^dotnet_gc_heap_total' >"$OUT/$1.gc" || true
  "$TOOLS/dotnet-dump" collect -p "$edge" --type Heap -o "$OUT/$1.dmp" >/dev/null
  "$TOOLS/dotnet-dump" analyze "$OUT/$1.dmp" -c "dumpheap -stat" -c exit >"$OUT/$1.stat"
  # Size and free space per generation (and the pinned and large object heaps): where the free space is.
  "$TOOLS/dotnet-dump" analyze "$OUT/$1.dmp" -c "gcheapstat" -c exit >"$OUT/$1.gens"
  # Strings by value (count, size): which ids and keys a connection holds, and how many copies of each.
  "$TOOLS/dotnet-dump" analyze "$OUT/$1.dmp" -c "dumpheap -strings" -c exit >"$OUT/$1.strings"
  [ -n "${KEEP_DUMPS:-}" ] || rm -f "$OUT/$1.dmp"
}
"${gen[@]}" --connections 200 --settle 1s >/dev/null 2>"$OUT/warmup.log"
sleep 3
if [ "${HELD:-0}" -gt 0 ]; then
  # The generator's held fleet (user ids from 2,000,000) stays open; its one later connection comes after the dumps.
  "${gen[@]}" --held "$HELD" --connections 1 --settle 3600s >/dev/null 2>"$OUT/held.log" &
  held=$!
  until grep -q "held: idle for" "$OUT/held.log"; do sleep 1; kill -0 "$held"; done
  sleep 10
fi
dump zero
"${gen[@]}" --connections "$N" --settle 600s >/dev/null 2>"$OUT/load.log" &
load=$!
until grep -q "idle for" "$OUT/load.log"; do sleep 1; kill -0 "$load"; done
sleep 10
dump idle

python3 - "$OUT/zero.stat" "$OUT/idle.stat" "$N" "$TOP" <<'PY'
import re, sys, collections
def load(path):
    d = collections.defaultdict(lambda: [0, 0])
    for line in open(path):
        m = re.match(r'\s*[0-9a-f]{8,16}\s+([\d,]+)\s+([\d,]+)\s+(.*)$', line)
        if m:
            d[m.group(3).strip()][0] += int(m.group(2).replace(',', ''))
            d[m.group(3).strip()][1] += int(m.group(1).replace(',', ''))
    return d
a, b, n, top = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
free = (b["Free"][0] - a["Free"][0]) / n  # gaps between live objects, not objects
total = (sum(v[0] for v in b.values()) - sum(v[0] for v in a.values())) / n - free
print(f"live heap per connection: {total:,.0f} bytes ({n} connections); free space in the heap: {free:,.0f} bytes per connection")
rows = sorted(((b[t][0] - a[t][0]) / n, (b[t][1] - a[t][1]) / n, t) for t in set(a) | set(b) if t != "Free")[::-1]
for size, count, t in rows[:top]:
    print(f"{size:8.0f} B {count:6.2f}/conn  {t}")
PY

# Strings by shape (digits, hex ids and GUIDs folded), so the ids and keys held per connection show
# up as one row each with their copies per connection.
python3 - "$OUT/zero.strings" "$OUT/idle.strings" "$N" <<'PY'
import re, sys, collections
def load(path):
    d, on = collections.defaultdict(lambda: [0, 0]), False
    for line in open(path):
        on = on or line.startswith('Statistics:')
        m = on and re.match(r'\s*([\d,]+)\s+([\d,]+)\s(.*)$', line.rstrip('\n'))
        if m:
            k = re.sub(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<uuid>', m.group(3))
            k = re.sub(r'\d+', '#', re.sub(r'[0-9a-f]{32}', '<hexid>', k))
            d[k][0] += int(m.group(1).replace(',', '')); d[k][1] += int(m.group(2).replace(',', ''))
    return d
a, b, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
print("strings by shape (size, copies per connection; values cut at 64 characters):")
for size, count, k in sorted(((b[k][1] - a[k][1]) / n, (b[k][0] - a[k][0]) / n, k) for k in set(a) | set(b))[::-1][:12]:
    print(f"{size:8.0f} B {count:6.2f}/conn  {k}")
PY
