#!/bin/bash
# Forwarding benchmark: vrd's busy cycles per forwarded packet and its
# forwarding rate, 64-byte frames, the full IPv4 table loaded (with
# --ipv6: 82-byte frames, the smallest that carry IPv6 UDP and vrgen's
# stamp, and the full IPv6 table), on virtio-user ports. vrgen
# (dataplane/gen) sends on one vhost-user port and receives on another;
# vrd forwards between them:
#
#   vrgen tx (net_vhost0) --> p1  vrd  p2 --> vrgen rx (net_vhost1)
#     vhost-user server    virtio-user ports     vhost-user server
#
# On two CPUs: vrgen on CPU 0 (with vrd's control thread, mostly asleep),
# vrd's worker alone on CPU 1, busy polling.
#
#   tests/bench/forward.sh [--quick] [--duration S] [--rounds N] [--warmup S]
#       [--routes N | --table FILE] [--flows N] [--frame-size B] [--rate PPS]
#       [--queue-size N] [--virtio-args A] [--gen-args A] [--keep-logs]
#       [--ipv6]
#   --quick        3 s measured (3 rounds of 1 s) instead of 10 (5 of 2 s)
#   --duration S   seconds measured, split into --rounds rounds
#   --rounds N     vrd's counters are cleared and read N times; the figures
#                  are the medians of the rounds that nothing disturbed
#   --warmup S     seconds of traffic before the first round (default 2)
#   --routes N     a random sample of N prefixes of the full table instead
#                  of all of it (to see what the table's size costs)
#   --table FILE   another route file (prefixes, plain or gzip; those of
#                  the family sent are used)
#   --flows N      distinct destinations vrgen cycles through (default 4096)
#   --frame-size B Ethernet frame size with FCS (default 64; 82 with --ipv6)
#   --rate PPS     offered load (default 0: as fast as vrd takes it)
#   --queue-size N descriptors per virtio-user ring (default 256, DPDK's)
#   --virtio-args A  more devargs for vrd's virtio-user ports, e.g.
#                  packed_vq=1 or mrg_rxbuf=0,in_order=1 (default: none)
#   --gen-args A   more vrgen options, e.g. "--tx-backoff 1000"
#   --keep-logs    keep vrgen's and vrd's logs in /tmp
#   --ipv6         IPv6 traffic and routes (default table: the full IPv6 one)
# Environment: VR_SHARED, VR_BUILD (see tests/lib.sh); VR_PERF_OUT: a file
# to write the result section (markdown) to, for docs/performance.md.
#
# A round is "disturbed" when vrd's worker got less than 95% of CPU 1 or
# vrgen less than 90% of CPU 0 (schedstat): something else ran there.
#
# The last line of the output is one JSON object: mpps (packets vrd sent
# out of p2 per second), cycles_per_pkt (the worker's TSC cycles in polls
# that returned packets, divided by those packets; the receive call itself
# is not in them, see dataplane/worker.c), all_cycles_per_pkt (all the
# worker's cycles, receive calls and empty polls included, per packet: the
# full cost when the worker never idles, an upper bound otherwise), drops
# by reason, vrgen's rates, and, before and after, the CPU 0 <-> CPU 1
# cache line round trip and the latency of a load on CPU 1 in a 256 KB and
# a 16 MB ring (vrgen --cpu-latency; on a VM they move with the host's
# placement of the vCPUs and with its other guests, and the figures with
# them).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

DURATION=10 ROUNDS= WARMUP=2 TABLE_GIVEN= ROUTES=0 FLOWS=4096 FRAME= RATE=0 KEEP=0 VARGS= GARGS= IPV=4
TABLE=
CMDLINE="tests/bench/forward.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case $1 in
    --quick) DURATION=3;;
    --duration) DURATION=${2-}; shift;;
    --rounds) ROUNDS=${2-}; shift;;
    --warmup) WARMUP=${2-}; shift;;
    --routes) ROUTES=${2-}; shift;;
    --table) TABLE=${2-}; TABLE_GIVEN=1; shift;;
    --flows) FLOWS=${2-}; shift;;
    --frame-size) FRAME=${2-}; shift;;
    --rate) RATE=${2-}; shift;;
    --virtio-args) VARGS=${2-}; shift;;
    --queue-size) QUEUE_SIZE=${2-}; shift;;
    --gen-args) GARGS=${2-}; shift;;
    --keep-logs) KEEP=1;;
    --ipv6) IPV=6;;
    -h|--help) sed -n '2,/^source/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0;;
    *) echo "forward.sh: unknown option $1 (see --help)"; exit 2;;
  esac
  shift
done
opt_secs forward.sh --duration "$DURATION" 1 3600
[ -z "$ROUNDS" ] || opt_int forward.sh --rounds "$ROUNDS" 1 1000
opt_secs forward.sh --warmup "$WARMUP" 0 600
opt_int forward.sh --routes "$ROUTES" 0 10000000
opt_int forward.sh --flows "$FLOWS" 1 16777216
# IPv6: the smallest frame that holds IPv6, UDP and vrgen's stamp.
if [ "$IPV" = 6 ]; then FRAME_MIN=82; else FRAME_MIN=64; fi
FRAME=${FRAME:-$FRAME_MIN}
opt_int forward.sh --frame-size "$FRAME" $FRAME_MIN 1518
TABLE=${TABLE:-$SHARED/data/fullview-2024-v$IPV.txt.gz}
opt_int forward.sh --rate "$RATE" 0 1000000000
[ -z "$TABLE_GIVEN" ] || [ -f "$TABLE" ] ||
  { echo "forward.sh: --table '$TABLE': no such file"; exit 2; }
if [ -z "$ROUNDS" ]; then
  ROUNDS=$(echo "$DURATION" | awk '{ r = int($1 / 2); print r < 3 ? 3 : r }')
fi
ROUND_S=$(echo "$DURATION $ROUNDS" | awk '{ printf "%.3f", $1 / $2 }')
awk -v r="$ROUND_S" 'BEGIN { exit !(r >= 0.5) }' ||
  { echo "forward.sh: --duration $DURATION in --rounds $ROUNDS makes rounds of $ROUND_S s: at least 0.5 s each"; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "forward.sh: run as root"; exit 2; }
queue_size_check forward.sh
[ -f "$TABLE" ] || skip "no route table $TABLE (set VR_SHARED)"
[ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs"

VRGEN=$BUILD/dataplane/gen/vrgen
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" "$TOP" >/dev/null || { echo "forward.sh: meson setup failed"; exit 1; }
fi
ninja -C "$BUILD" dataplane/vrd ctl/vrctl dataplane/gen/vrgen >/tmp/$T.build.log 2>&1 ||
  { tail -30 /tmp/$T.build.log; echo "forward.sh: build failed"; exit 1; }
rm -f /tmp/$T.build.log

# vrd -m 1024 and vrgen -m 512, both --in-memory (hugetlb memfds: nothing
# is left in /dev/hugepages, whatever happens).
hugepages_prepare
NEED_PAGES=800
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [ "${free:-0}" -lt $NEED_PAGES ]; then
  echo $(( $(cat /proc/sys/vm/nr_hugepages) + NEED_PAGES - ${free:-0} )) > /proc/sys/vm/nr_hugepages 2>/dev/null
  free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
fi
[ "${free:-0}" -ge $NEED_PAGES ] || { echo "forward.sh: $free free 2 MB hugepages, $NEED_PAGES needed"; exit 1; }

# Everything this script starts (vrctl, jq, ...) stays off the worker's
# CPU; vrd pins its own threads (EAL --lcores).
taskset -p -c 0 $$ >/dev/null

R=${T}r S=${T}s
SOCK_A=/tmp/$T-a.sock SOCK_B=/tmp/$T-b.sock GO=/tmp/$T.go
GEN_LOG=/tmp/$T.vrgen.log VRD_LOG=/tmp/$S.vrd.log ROUTES_FILE=
bench_cleanup() {
  lib_cleanup
  rm -f "$SOCK_A" "$SOCK_B" "$GO" "$GO.tmp" ${ROUTES_FILE:+"$ROUTES_FILE"}
  [ "$KEEP" = 1 ] || rm -f "$GEN_LOG" "$VRD_LOG"
  # --in-memory leaves no files; check that none of ours are there.
  if ls /dev/hugepages 2>/dev/null | grep -q "^$T"; then
    echo "forward.sh: removing leftover hugepage files"; rm -f /dev/hugepages/"$T"*
  fi
}
trap bench_cleanup EXIT
die() {
  echo "forward.sh: $*"
  [ -f "$GEN_LOG" ] && { echo "--- vrgen log:"; tail -20 "$GEN_LOG"; }
  [ -f "$VRD_LOG" ] && { echo "--- vrd log:"; tail -20 "$VRD_LOG"; }
  exit 1
}
now() { date +%s.%N; }

if [ "$ROUTES" -gt 0 ]; then
  ROUTES_FILE=/tmp/$T.routes
  routes_subset "$ROUTES" "$ROUTES_FILE" "$IPV"
  ROUTE_SRC=$ROUTES_FILE
  TABLE_DESC="$ROUTES random prefixes of $(basename "$TABLE")"
else
  ROUTE_SRC=$TABLE
  TABLE_DESC="$(basename "$TABLE")"
fi

# The cost of moving a cache line between the two CPUs bounds what
# virtio-user can do (every packet and ring update crosses); on a VM it
# changes as the host moves vCPUs. Measured before and after the run.
xlat() { timeout 20 "$VRGEN" --cpu-latency 0,1 2>/dev/null | tail -n 1 | jq -c . 2>/dev/null || echo null; }
XLAT_BEFORE=$(xlat)

# 1. vrgen: vhost-user servers; it prints its MACs, then waits for both
#    links and for the go file (which carries vrd p1's MAC). It sends until
#    told to stop.
rm -f "$SOCK_A" "$SOCK_B" "$GO"
GEN_V6=; [ "$IPV" = 4 ] || GEN_V6=1
GEN_CMD=("$VRGEN" --tx "net_vhost0,iface=$SOCK_A,queues=1"
  --rx "net_vhost1,iface=$SOCK_B,queues=1" --routes "$ROUTE_SRC"
  --go-file "$GO" --flows "$FLOWS" --frame-size "$FRAME" --rate "$RATE"
  --warmup "$WARMUP" --duration 0 --wait 300 --quiet $GARGS ${GEN_V6:+--ipv6}
  -- -l 0 --file-prefix "$T-gen" --in-memory --single-file-segments -m 512
  --no-pci --no-telemetry --log-level '*:warning')
taskset -c 0 "${GEN_CMD[@]}" >"$GEN_LOG" 2>&1 &
GEN_PID=$!
LIB_PIDS+=("$GEN_PID")
for _ in $(seq 300); do
  grep -q "^vrgen: port rx" "$GEN_LOG" && break
  kill -0 "$GEN_PID" 2>/dev/null || die "vrgen did not start"
  sleep 0.1
done
RX_MAC=$(awk '/^vrgen: port rx/ {print $NF}' "$GEN_LOG")
[ -n "$RX_MAC" ] || die "vrgen printed no MAC"

# 2. vrd in its own namespace (it makes TAPs), worker on CPU 1.
ns_add "$R"
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=0
VRD_ARGS=(--busy-poll -- --lcores=0@0,1@1 -m 1024 --no-pci)
DEV1=$(virtio_dev 0 "$SOCK_A" "$VARGS")
DEV2=$(virtio_dev 1 "$SOCK_B" "$VARGS")
vrd_start "$R" "$S" "${VRD_ARGS[@]}" || die "vrd did not start"
vrctl "$S" port add p1 devargs "$DEV1" >/dev/null || die "port add p1"
vrctl "$S" port add p2 devargs "$DEV2" >/dev/null || die "port add p2"
# vrgen's source (10.0.1.2 or 2001:db8:1::2) is on p1's link; every route
# leaves p2 towards vrgen's receiving port.
if [ "$IPV" = 4 ]; then A1=10.0.1.1/24 A2=10.0.2.1/24 NH=10.0.2.2
else A1=2001:db8:1::1/64 A2=2001:db8:2::1/64 NH=2001:db8:2::2; fi
vrctl "$S" addr add $A1 dev p1 || die "addr p1"
vrctl "$S" addr add $A2 dev p2 || die "addr p2"
vrctl "$S" neigh add $NH lladdr "$RX_MAC" dev p2 || die "neigh"
load=$(vrctl "$S" route load "$ROUTE_SRC" via $NH 2>&1) || die "route load: $load"
echo "forward.sh: vrd: $load"
P1_MAC=$(vrctl "$S" port show --json | jq -r '.[] | select(.name=="p1") | .mac')
links=$(vrctl "$S" port show --json | jq -r '[.[].link] | join(",")')
[ "$links" = "up,up" ] || die "vrd's links: $links"
nroutes=$(vrctl "$S" route show --json | jq length)
WORKER_TID=
for t in /proc/$VRD_PID/task/*; do
  [ "$(cat "$t/comm" 2>/dev/null)" = rte-worker-1 ] && WORKER_TID=${t##*/}
done
[ -n "$WORKER_TID" ] || echo "forward.sh: vrd's worker thread not found: CPU shares unknown"

# 3. Go (the file appears whole: vrgen reads the MAC from it). Warm up,
#    then rounds: clear vrd's counters, wait, read them.
echo "$P1_MAC" >"$GO.tmp" && mv "$GO.tmp" "$GO"
for _ in $(seq 100); do
  grep -q "^vrgen: sending" "$GEN_LOG" && break
  kill -0 "$GEN_PID" 2>/dev/null || die "vrgen exited before sending"
  sleep 0.1
done
grep -q "^vrgen: sending" "$GEN_LOG" || die "vrgen does not send"
echo "forward.sh: $TABLE_DESC ($nroutes routes in vrd), $FLOWS flows, $FRAME-byte frames, warm-up $WARMUP s, $ROUNDS rounds of $ROUND_S s"

# The machine may be shared: how much of its CPU each busy-polling thread
# actually got (schedstat: ns on the CPU) tells whether something else
# disturbed a round.
ROUND_FILTER=$(cat <<'EOF'
  ($secs | tonumber) as $t |
  ($s.ports[] | select(.name=="p1")) as $p1 |
  ($s.ports[] | select(.name=="p2")) as $p2 |
  ([$s.workers[].busy_cycles] | add) as $cyc |
  ([$s.workers[].busy_packets] | add) as $pk |
  ([$s.workers[].busy_polls] | add) as $polls |
  (($wns | tonumber) / ($t * 1e9)) as $wshare |
  (($gns | tonumber) / ($t * 1e9)) as $gshare |
  {seconds: $t, forwarded: $p2.tx_packets, received: $p1.rx_packets,
   mpps: ($p2.tx_packets / $t / 1e6),
   cycles_per_pkt: (if $pk > 0 then $cyc / $pk else null end),
   busy_cycles: $cyc, busy_packets: $pk, busy_polls: $polls,
   worker_busy: ($cyc / ($s.totals.tsc_hz * $t)),
   all_cycles_per_pkt: (if $p2.tx_packets > 0 then $s.totals.tsc_hz * $t * ([$wshare, 1] | min) / $p2.tx_packets else null end),
   drops: $s.totals.drops, punts: $s.totals.punts_total,
   tsc_hz: $s.totals.tsc_hz,
   worker_cpu_share: $wshare, vrgen_cpu_share: $gshare,
   disturbed: ($wshare < 0.95 or $gshare < 0.90)}
EOF
)
sleep "$WARMUP"
rounds=()
for r in $(seq "$ROUNDS"); do
  kill -0 "$GEN_PID" 2>/dev/null || die "vrgen stopped during the measurement"
  g0=$(sched_ns "$GEN_PID"); w0=$(sched_ns "${WORKER_TID:-0}")
  t0=$(now); vrctl "$S" stats clear; t1=$(now)
  sleep "$ROUND_S"
  t2=$(now); stats=$(vrctl "$S" stats --json); t3=$(now)
  g1=$(sched_ns "$GEN_PID"); w1=$(sched_ns "${WORKER_TID:-0}")
  # The counters were cleared and read somewhere inside each vrctl call.
  secs=$(echo "($t2 + $t3) / 2 - ($t0 + $t1) / 2" | bc -l)
  one=$(jq -c -n --argjson s "$stats" --arg secs "$secs" --arg wns $((w1 - w0)) \
    --arg gns $((g1 - g0)) "$ROUND_FILTER") || die "bad stats: $stats"
  rounds+=("$one")
  echo "$one" | jq -r --arg r "$r" '"forward.sh: round \($r): \(.mpps * 1000 | round / 1000) Mpps, \(.cycles_per_pkt // 0 | . * 10 | round / 10) cycles/pkt, \(.busy_packets / ([.busy_polls, 1] | max) * 10 | round / 10) pkts/poll, drops \(.drops | add), CPU shares: worker \(.worker_cpu_share * 100 | round) %, vrgen \(.vrgen_cpu_share * 100 | round) %\(if .disturbed then " DISTURBED" else "" end)"'
done

# 4. Stop vrgen (SIGTERM: it prints its counts and closes its ports).
kill -TERM "$GEN_PID" 2>/dev/null
for _ in $(seq 100); do kill -0 "$GEN_PID" 2>/dev/null || break; sleep 0.1; done
wait "$GEN_PID"; gen_rc=$?
[ $gen_rc -eq 0 ] || die "vrgen failed (exit $gen_rc)"
gen_json=$(tail -n 1 "$GEN_LOG")
echo "$gen_json" | jq -e .tx >/dev/null 2>&1 || die "no JSON from vrgen"
grep -v '^{' "$GEN_LOG" | grep -v "^EAL: No free .* kB hugepages" | sed 's/^/  /'
# vrd off CPU 1 before the second latency probe.
kill -TERM "$VRD_PID" 2>/dev/null
for _ in $(seq 100); do kill -0 "$VRD_PID" 2>/dev/null || break; sleep 0.1; done
XLAT_AFTER=$(xlat)

# 5. Figures: medians over the undisturbed rounds (over all of them, with
#    a warning, when every round was disturbed); totals over all rounds.
result=$(printf '%s\n' "${rounds[@]}" | jq -c -s --argjson g "$gen_json" \
  --arg table "$TABLE_DESC" --argjson routes "$nroutes" --argjson flows "$FLOWS" \
  --argjson frame "$FRAME" --argjson rate "$RATE" --arg vargs "$VARGS" --argjson qsz "$QUEUE_SIZE" \
  --argjson ipv "$IPV" --argjson xb "$XLAT_BEFORE" --argjson xa "$XLAT_AFTER" '
  def median: sort | if length == 0 then null
    elif length % 2 == 1 then .[length / 2 | floor]
    else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def r(n): if . == null then null else (. * pow(10; n) | round) / pow(10; n) end;
  . as $all |
  ([.[] | select(.disturbed | not)]) as $calm |
  (if ($calm | length) > 0 then $calm else $all end) as $use |
  ([$all[].drops | to_entries[]] | group_by(.key)
     | map({key: .[0].key, value: (map(.value) | add)})
     | map(select(.value > 0)) | from_entries) as $drops |
  {mpps: ([$use[].mpps] | median | r(3)),
   cycles_per_pkt: ([$use[] | .cycles_per_pkt | select(. != null)] | median | r(1)),
   cycles_per_pkt_min: ([$use[] | .cycles_per_pkt | select(. != null)] | min | r(1)),
   cycles_per_pkt_max: ([$use[] | .cycles_per_pkt | select(. != null)] | max | r(1)),
   mpps_min: ([$use[].mpps] | min | r(3)), mpps_max: ([$use[].mpps] | max | r(3)),
   rounds: ($all | length), disturbed_rounds: ([$all[] | select(.disturbed)] | length),
   seconds: ([$all[].seconds] | add | r(3)),
   forwarded: ([$all[].forwarded] | add), received: ([$all[].received] | add),
   drops: ($drops | [.[]] | add // 0), drops_by_reason: $drops,
   punts: ([$all[].punts] | add),
   pkts_per_busy_poll: (([$use[].busy_packets] | add) / ([([$use[].busy_polls] | add), 1] | max) | r(1)),
   worker_busy: ([$use[].worker_busy] | median | r(3)),
   all_cycles_per_pkt: ([$use[] | .all_cycles_per_pkt | select(. != null)] | median | r(1)),
   worker_cpu_share: ([$all[].worker_cpu_share] | min | r(3)),
   vrgen_cpu_share: ([$all[].vrgen_cpu_share] | min | r(3)),
   tsc_hz: $all[0].tsc_hz,
   vrgen_tx_mpps: $g.tx_mpps, vrgen_rx_mpps: $g.rx_mpps,
   vrgen_tx: $g.tx, vrgen_rx: $g.rx, vrgen_tx_retries: $g.tx_retries,
   vrgen_lost: $g.lost,
   table: $table, routes: $routes, flows: $flows, frame_size: $frame, ip_version: $ipv,
   offered_pps: $rate, queue_size: $qsz, virtio_args: $vargs,
   cpu0_cpu1_round_trip_cycles: [$xb.round_trip_cycles, $xa.round_trip_cycles],
   cpu1_load_256k_cycles: [$xb.load_256k_cycles, $xa.load_256k_cycles],
   cpu1_load_16m_cycles: [$xb.load_16m_cycles, $xa.load_16m_cycles]}') || die "cannot compute the result"

echo "$result" | jq -r '
  "forward.sh: vrd forwarded \(.forwarded) packets in \(.seconds) s (\(.rounds) rounds, \(.disturbed_rounds) disturbed)",
  "forward.sh: rate \(.mpps) Mpps (median; \(.mpps_min) to \(.mpps_max))",
  "forward.sh: worker: \(.cycles_per_pkt) busy cycles/packet (median; \(.cycles_per_pkt_min) to \(.cycles_per_pkt_max)), TSC \(.tsc_hz / 1e7 | round / 100) GHz, \(.pkts_per_busy_poll) packets per busy poll, busy \(.worker_busy * 100 | round) % of the time",
  "forward.sh: worker: \(.all_cycles_per_pkt) cycles/packet counting all its cycles (receive calls and empty polls too: the full cost per packet when it never idles)",
  "forward.sh: drops \(.drops)\(if .drops > 0 then " (" + (.drops_by_reason | to_entries | map("\(.key) \(.value)") | join(", ")) + ")" else "" end), punts \(.punts)",
  "forward.sh: vrgen: tx \(.vrgen_tx_mpps) Mpps, rx \(.vrgen_rx_mpps) Mpps, tx ring full \(.vrgen_tx_retries) times, \(.vrgen_lost) lost over its whole run",
  "forward.sh: cache line round trip CPU 0 <-> CPU 1: \(.cpu0_cpu1_round_trip_cycles[0]) cycles before, \(.cpu0_cpu1_round_trip_cycles[1]) after",
  "forward.sh: a dependent load on CPU 1, 256 KB / 16 MB ring: \(.cpu1_load_256k_cycles[0]) / \(.cpu1_load_16m_cycles[0]) cycles before, \(.cpu1_load_256k_cycles[1]) / \(.cpu1_load_16m_cycles[1]) after",
  "forward.sh: least CPU time received in a round: vrd worker \(.worker_cpu_share * 100 | round) % of CPU 1, vrgen \(.vrgen_cpu_share * 100 | round) % of CPU 0"'
if [ "$(echo "$result" | jq '.disturbed_rounds == .rounds')" = true ]; then
  echo "forward.sh: WARNING: other processes took CPU time from vrd's worker or vrgen in every round: the figures are disturbed (see top)"
fi
odd=$(echo "$result" | jq -r '[.drops_by_reason | to_entries[] | select(.key != "tx_full") | "\(.key) \(.value)"] + (if .punts > 0 then ["punts \(.punts)"] else [] end) | join(", ")')
[ -z "$odd" ] || echo "forward.sh: WARNING: unexpected drops or punts (only tx_full is expected, when vrgen does not keep up): $odd"
cpp=$(echo "$result" | jq -r '.cycles_per_pkt // "none"')
# Issue 2's target is for IPv4.
if [ "$IPV" = 4 ]; then
  if [ "$cpp" != none ] && [ "$(echo "$cpp <= 120" | bc -l)" = 1 ]; then
    echo "forward.sh: $cpp cycles/packet: within the 120 target"
  else
    echo "forward.sh: $cpp cycles/packet: ABOVE the 120 target"
  fi
fi

if [ -n "${VR_PERF_OUT:-}" ]; then
  cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  md_filter=$(cat <<'EOF'
"## Forwarding: vrd on virtio-user ports

`\($cmd)`, \($date): \(.table), \(.routes) routes in vrd's FIB;
\(.frame_size)-byte frames (FCS included), \(.queue_size) descriptors per virtio-user ring, UDP/IPv\(.ip_version) to \(.flows) random
addresses inside random prefixes of the table, \(if .offered_pps > 0 then "offered at \(.offered_pps) pps" else "offered as fast as vrd takes them" end);
\($model), 2 CPUs: vrgen (vhost-user servers) on CPU 0 with vrd's control
thread, vrd's worker alone on CPU 1, busy polling. \($warm) s of warm-up,
then \(.rounds) rounds, \(.seconds) s in all; medians over the rounds that
nothing else disturbed (\(.rounds - .disturbed_rounds) of \(.rounds)).

| | |
|---|---|
| forwarding rate (out of p2) | \(.mpps) Mpps (\(.mpps_min) to \(.mpps_max)) |
| worker busy cycles per packet | \(.cycles_per_pkt) (\(.cycles_per_pkt_min) to \(.cycles_per_pkt_max)), TSC \(.tsc_hz / 1e7 | round / 100) GHz |
| packets per busy poll | \(.pkts_per_busy_poll) |
| worker busy (receive calls excluded) | \(.worker_busy * 100 | round) % of its time |
| all worker cycles per packet (receive included) | \(.all_cycles_per_pkt) |
| drops | \(.drops)\(if .drops > 0 then " (" + (.drops_by_reason | to_entries | map("\(.key) \(.value)") | join(", ")) + ")" else "" end) |
| vrgen sent / received | \(.vrgen_tx_mpps) / \(.vrgen_rx_mpps) Mpps |
| cache line round trip CPU 0 <-> 1 (before, after) | \(.cpu0_cpu1_round_trip_cycles[0]), \(.cpu0_cpu1_round_trip_cycles[1]) cycles |
| a load on CPU 1 in a 16 MB ring (before, after) | \(.cpu1_load_16m_cycles[0]), \(.cpu1_load_16m_cycles[1]) cycles |

vrd: `vrd --slice NAME \($vrd_args)`, ports `\($dev1)` and `\($dev2)`.
vrgen: `\($gen_cmd)`."
EOF
)
  echo "$result" | jq -r --arg cmd "$CMDLINE" --arg model "$cpu_model" \
    --arg date "$(date -u +%Y-%m-%d)" --arg warm "$WARMUP" \
    --arg vrd_args "${VRD_ARGS[*]}" --arg dev1 "$DEV1" --arg dev2 "$DEV2" \
    --arg gen_cmd "vrgen ${GEN_CMD[*]:1}" "$md_filter" >"$VR_PERF_OUT" &&
    echo "forward.sh: result section written to $VR_PERF_OUT" ||
    echo "forward.sh: cannot write $VR_PERF_OUT"
fi
echo "$result"
