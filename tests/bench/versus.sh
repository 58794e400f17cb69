#!/bin/bash
# vrd and DPDK's l3fwd head to head at full speed, alternating.
#
#   vrgen tx (net_vhost0) --> port 0  DUT  port 1 --> vrgen rx (net_vhost1)
#
# The same vrgen, ports and routes as forward.sh and modes.sh (virtio-user
# with --queue-size descriptors, 256 by default; --routes random prefixes
# of the full table in both DUTs, every route out of port 1), but no
# search: vrgen sends
# --frame-size frames as fast as the DUT takes them for --seconds and counts
# what comes back. The DUTs take turns, l3fwd then vrd, --pairs times, so
# that a machine whose speed drifts (a VM whose host moves its vCPUs)
# weighs on both alike; the figure to read is the ratio within a pair.
# vrgen on CPU 0, the DUT's poller alone on CPU 1, as in forward.sh.
#
#   tests/bench/versus.sh [--pairs N] [--seconds S] [--routes N]
#       [--vrd-args "ARGS"] [--queue-size N] [--frame-size B]
#       [--dut-ports virtio|vhost] [--profile]
#   --pairs N       l3fwd-vrd pairs (default 3)
#   --seconds S     measured seconds per run, after 2 s of warm-up (default 7)
#   --routes N      random prefixes of the full table (default 100000)
#   --vrd-args A    more vrd options, e.g. "--mbufs 32768"
#   --queue-size N  descriptors per virtio-user ring (default 256, DPDK's)
#   --frame-size B  Ethernet frame size with FCS (default 64)
#   --dut-ports P   virtio (the default, as drawn above): the DUT on
#                   virtio-user, vrgen on the vhost-user side, which copies
#                   every packet in and out, so vrgen is the bottleneck and
#                   the ratio measures how much the DUT slows vrgen. vhost:
#                   the other way round; the DUT makes the copies, which
#                   brings it close to saturation at 64 bytes (vrd: about
#                   90% of its cycles in work), so the ratio leans towards
#                   the DUTs' capacity (copies included, the same in both).
#   --profile       sample CPU 1 with perf (cpu-clock, 4999 Hz) over each
#                   run's measured seconds and split the DUT's time by
#                   object: its own code (vrd, l3fwd) against DPDK's
#                   libraries (the drivers: vhost, virtio, mempool), and
#                   the own code's nanoseconds a packet forwarded (its
#                   share of the seconds over vrgen's rate). The sampling's
#                   interrupts cost both DUTs alike, but perf itself runs
#                   on CPU 0 with vrgen: rates while profiling are lower
#                   than without (vrgen's share of CPU 0 about 0.93
#                   against 0.98) and compare only with each other. "Own"
#                   is by file: DPDK code inlined from headers (l3fwd's
#                   rte_lpm lookup, the ethdev and mempool fast paths)
#                   counts as the DUT's; with the DUT not saturated it
#                   holds its empty polls' loops too. l3fwd's holds the
#                   TSC reads of its timing (l3fwd_busy.h: four a 32-packet
#                   burst, about 1.4 ns a packet here), vrd's its own (two
#                   a burst of 32 to 64, 0.3 to 0.7 ns).
#
# Both DUTs' busy cycles per packet are reported, counted alike: the TSC
# around each non-empty burst's handling, the receive call left out (vrd's
# own counters; l3fwd's from tests/bench/l3fwd_busy.h, built into the
# script's copy of l3fwd). They depend little on who the bottleneck is.
# l3fwd's are given twice: its loop's, and with its packet-type callback
# (bench_lib.sh's L3FWD_PTYPE_SED), which runs inside the receive call
# and is its first touch of each header vrgen wrote on the other core
# (10 to 13 cycles a packet at 64 bytes): the second is the one to set
# beside vrd's, whose own first touch is in its busy cycles.
#
# The last line is one JSON object: every run's rates, with --profile the
# DUTs' shares of CPU 1 (own code, DPDK's libraries), each DUT's busy
# cycles per packet in each run (l3fwd's with its callback too), vrgen's
# share of CPU 0 in each run, and the median of the pairs' ratios
# vrd/l3fwd (before session 17 the upper of the two middle ratios when
# the pairs were even).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

PAIRS=3 SECS=7 NROUTES=100000 VRD_ARGS= FRAME=64 DUT_PORTS=virtio PROFILE=0
TABLE=$SHARED/data/fullview-2024-v4.txt.gz
while [ $# -gt 0 ]; do
  case $1 in
    --pairs) PAIRS=${2-}; shift;;
    --seconds) SECS=${2-}; shift;;
    --routes) NROUTES=${2-}; shift;;
    --vrd-args) VRD_ARGS=${2-}; shift;;
    --queue-size) QUEUE_SIZE=${2-}; shift;;
    --frame-size) FRAME=${2-}; shift;;
    --dut-ports) DUT_PORTS=${2-}; shift;;
    --profile) PROFILE=1;;
    -h|--help) sed -n '2,/^source/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0;;
    *) echo "versus.sh: unknown option $1 (see --help)"; exit 2;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || { echo "versus.sh: run as root"; exit 2; }
queue_size_check versus.sh
opt_int versus.sh --pairs "$PAIRS" 1 100
opt_secs versus.sh --seconds "$SECS" 1 3600
opt_int versus.sh --routes "$NROUTES" 1 10000000
opt_int versus.sh --frame-size "$FRAME" 64 1518
case $DUT_PORTS in virtio|vhost) ;; *) echo "versus.sh: --dut-ports: '$DUT_PORTS' is neither virtio nor vhost"; exit 2;; esac
[ -f "$TABLE" ] || skip "no route table $TABLE (set VR_SHARED)"
[ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs"
if [ "$PROFILE" = 1 ]; then
  command -v perf >/dev/null && perf record -q -o /dev/null -- true >/dev/null 2>&1 ||
    { echo "versus.sh: --profile needs a working perf (apt-get install linux-perf; perf record failed here)"; exit 2; }
fi

VRGEN=$BUILD/dataplane/gen/vrgen
W=/tmp/$T.versus
mkdir -p "$W"
trap 'lib_cleanup; rm -rf "$W"' EXIT
ninja -C "$BUILD" dataplane/vrd ctl/vrctl dataplane/gen/vrgen >"$W/build.log" 2>&1 ||
  { tail -30 "$W/build.log"; echo "versus.sh: build failed"; exit 1; }
l3fwd_timed_build "$W/ex" versus.sh || exit 1
ROUTES=$W/routes
routes_subset "$NROUTES" "$ROUTES"
l3fwd_rules "$ROUTES" "$W"
hugepages_prepare
taskset -p -c 0 $$ >/dev/null

# gen_start A B: vrgen on CPU 0, sending on A and receiving on B (ports
# of either kind); sets GP and GEN_RX_MAC.
gen_start() {
  taskset -c 0 "$VRGEN" --tx "$1" --rx "$2" --routes "$ROUTES" \
    --go-file "$W/go" --flows 4096 --frame-size "$FRAME" --rate 0 --warmup 2 \
    --duration 0 --wait "$GEN_GO_WAIT_S" --quiet -- -l 0 --file-prefix "$T-gen" --in-memory \
    --single-file-segments -m 512 --no-pci --no-telemetry --log-level '*:warning' >"$W/gen.log" 2>&1 &
  GP=$!; LIB_PIDS+=("$GP")
  for _ in $(seq 300); do grep -q "^vrgen: port rx" "$W/gen.log" && break; sleep 0.1; done
  GEN_RX_MAC=$(awk '/^vrgen: port rx/ {print $NF}' "$W/gen.log")
  [ -n "$GEN_RX_MAC" ] || { echo "versus.sh: vrgen did not start" >&2; tail -5 "$W/gen.log" >&2; return 1; }
}

# dut_start DUT DEV1 DEV2: the DUT forwarding DEV1 -> DEV2 towards
# $GEN_RX_MAC, its poller on CPU 1; sets DP, and MAC (DEV1's).
dut_start() {
  local dut=$1 d1=$2 d2=$3 s=$T-v ns=${T}v
  if [ "$dut" = l3fwd ]; then
    l3fwd_cmd "$W" "$T-l3" "$d1" "$d2" "$GEN_RX_MAC"
    taskset -c 1 "${L3FWD_CMD[@]}" >"$W/dut.log" 2>&1 &
    DP=$!; LIB_PIDS+=("$DP")
    # Its ports' MACs print before it loads the routes (minutes for the
    # full table): wait for its main loop.
    wait_for "$L3FWD_LOAD_S" grep -q 'entering main loop' "$W/dut.log" ||
      { echo "versus.sh: l3fwd did not reach its main loop in $L3FWD_LOAD_S s" >&2; tail -3 "$W/dut.log" >&2; return 1; }
    # l3fwd prints each port's MAC as "Port N ... Address:XX:XX:..."
    MAC=$(grep -o 'Address:[0-9A-Fa-f:]*' "$W/dut.log" | head -1 | cut -d: -f2- | tr 'A-F' 'a-f')
  else
    # shellcheck disable=SC2086
    vrd_up "$ns" "$s" "$d1" "$d2" $VRD_ARGS --busy-poll -- --lcores=0@0,1@1 -m 1024 --no-pci >&2 ||
      { echo "versus.sh: vrd set-up failed" >&2; return 1; }
    DP=$VRD_PID
    MAC=$(vrctl "$s" port show --json | jq -r '.[] | select(.name=="p1") | .mac')
  fi
  [ -n "$MAC" ] || { echo "versus.sh: $dut did not start" >&2; tail -5 "$W/dut.log" >&2; return 1; }
}

# dso_shares PERF-DATA: "OWN LIBS", the percentages of CPU 1's samples in
# the DUT's own executable (vrd, or the example's l3fwd-shared) and in
# DPDK's shared libraries.
dso_shares() {
  perf report -i "$1" --sort dso --stdio --no-children -q 2>/dev/null |
    awk '{ p = $1; sub("%", "", p); n++ } $2 == "vrd" || $2 ~ /^l3fwd/ { o += p } $2 ~ /^librte_/ { d += p }
         END { if (n) printf "%.1f %.1f", o, d }'
}

# gen_run DUT: one run; prints "MPPS CYCLES ALL SHARE OWN LIBS": CYCLES the DUT's
# busy cycles per packet (both count them alike), ALL l3fwd's with its
# packet-type callback (vrd's: the same as CYCLES), SHARE the part of
# CPU 0 that vrgen's polling thread got from the go to the end
# (schedstat), which tells whether the DUT's threads on CPU 0 (vrd's
# control thread; l3fwd has none there) took any from it; OWN and LIBS
# dso_shares' (null without --profile).
# With --dut-ports virtio, vrgen's vhost-user ports are the servers and
# start first; with vhost, the DUT's are, and vrgen's receiving
# virtio-user port takes a fixed MAC the DUT is told in advance.
gen_run() {
  local dut=$1 cyc=null all=null s=$T-v ns=${T}v g0 g1 t0 t1 shares="null null"
  rm -f "$W/a.sock" "$W/b.sock" "$W/go"
  if [ "$DUT_PORTS" = virtio ]; then
    gen_start "net_vhost0,iface=$W/a.sock,queues=1" "net_vhost1,iface=$W/b.sock,queues=1" || return 1
    dut_start "$dut" "$(virtio_dev 0 "$W/a.sock" "mac=$L3FWD_MAC")" "$(virtio_dev 1 "$W/b.sock")" || return 1
  else
    GEN_RX_MAC=02:00:00:00:0e:02
    dut_start "$dut" "net_vhost0,iface=$W/a.sock,queues=1" "net_vhost1,iface=$W/b.sock,queues=1" || return 1
    gen_start "$(virtio_dev 0 "$W/a.sock")" "$(virtio_dev 1 "$W/b.sock" "mac=$GEN_RX_MAC")" || return 1
  fi
  g0=$(sched_ns "$GP"); t0=$(date +%s%N)
  echo "$MAC" >"$W/go.tmp" && mv "$W/go.tmp" "$W/go"
  if [ "$PROFILE" = 1 ]; then
    # vrgen's measured seconds follow its 2 s of warm-up. perf runs on
    # CPU 0 with vrgen (CPU 1 is the DUT's): no build-ids to collect at
    # its end, and the report waits until vrgen has stopped.
    sleep 2
    perf record -q -B -C 1 -e cpu-clock -F 4999 -o "$W/perf.data" -- sleep "$SECS" >"$W/perf.log" 2>&1 ||
      { echo "versus.sh: perf record failed" >&2; tail -3 "$W/perf.log" >&2; return 1; }
  else
    sleep $((SECS + 2))
  fi
  g1=$(sched_ns "$GP"); t1=$(date +%s%N)
  if [ "$dut" = vrd ]; then
    cyc=$(vrd_cycles "$s"); all=$cyc
  fi
  kill -TERM "$GP"; wait "$GP" 2>/dev/null
  kill "$DP"; wait "$DP" 2>/dev/null
  if [ "$PROFILE" = 1 ]; then
    shares=$(dso_shares "$W/perf.data")
    [ -n "$shares" ] || shares="null null"
  fi
  # l3fwd prints its busy cycles as it exits (l3fwd_busy.h).
  [ "$dut" = l3fwd ] && { cyc=$(l3fwd_busy "$W/dut.log"); all=$(l3fwd_all "$W/dut.log"); }
  # (An empty figure would shift the fields the caller reads.)
  cyc=${cyc:-null} all=${all:-null}
  [ "$dut" = vrd ] && { ip netns del "$ns"; rm -rf /var/run/dpdk/*"$s"*; }
  rm -rf /var/run/dpdk/*"$T"-gen* /var/run/dpdk/*"$T"-l3*
  # vrgen's summary covers the measured part only (after the warm-up).
  local mpps; mpps=$(tail -n 1 "$W/gen.log" | jq '.rx_mpps' 2>/dev/null)
  [ -n "$mpps" ] && [ "$mpps" != null ] || { echo "versus.sh: no vrgen summary" >&2; tail -5 "$W/gen.log" >&2; return 1; }
  echo "$mpps $cyc $all $(printf '%.4f' "$(echo "($g1 - $g0) / ($t1 - $t0)" | bc -l)") $shares"
}

# own_ns PCT MPPS: nanoseconds of own code a packet, "null" when unknown.
own_ns() {
  if [ "$1" != null ] && [ "$(echo "$2 > 0" | bc -l)" = 1 ]; then printf '%.1f' "$(echo "$1 * 10 / $2" | bc -l)"; else echo null; fi
}
L3=() LC=() LA=() VR=() CY=() GL=() GV=() LO=() LD=() VO=() VD=() LN=() VN=()
for p in $(seq "$PAIRS"); do
  gen_run l3fwd >"$W/run" || exit 1
  read -r m lc la gl lo ld <"$W/run"
  L3+=("$m"); LC+=("$lc"); LA+=("$la"); GL+=("$gl"); LO+=("$lo"); LD+=("$ld"); LN+=("$(own_ns "$lo" "$m")")
  gen_run vrd >"$W/run" || exit 1
  read -r v c _ gv vo vd <"$W/run"
  VR+=("$v"); CY+=("$c"); GV+=("$gv"); VO+=("$vo"); VD+=("$vd"); VN+=("$(own_ns "$vo" "$v")")
  echo "versus.sh: pair $p: l3fwd $m Mpps ($lc busy cycles/packet, $la with its callback), vrd $v Mpps ($c), vrd/l3fwd $(echo "$v / $m" | bc -l | cut -c1-5); vrgen's share of CPU 0: $gl, $gv"
  [ "$PROFILE" = 1 ] && echo "versus.sh: pair $p: CPU 1 in own code / DPDK's libraries: l3fwd $lo% / $ld%, vrd $vo% / $vd%; own code a packet: l3fwd ${LN[-1]} ns, vrd ${VN[-1]} ns"
done
jq -c -n --argjson l "$(json_list "${L3[@]}")" --argjson v "$(json_list "${VR[@]}")" \
  --argjson c "$(json_list "${CY[@]}")" --argjson lc "$(json_list "${LC[@]}")" --argjson la "$(json_list "${LA[@]}")" --argjson r "$NROUTES" --argjson s "$SECS" \
  --argjson f "$FRAME" --argjson q "$QUEUE_SIZE" \
  --argjson gl "$(json_list "${GL[@]}")" --argjson gv "$(json_list "${GV[@]}")" \
  --argjson lo "$(json_list "${LO[@]}")" --argjson ld "$(json_list "${LD[@]}")" --argjson vo "$(json_list "${VO[@]}")" --argjson vd "$(json_list "${VD[@]}")" \
  --argjson ln "$(json_list "${LN[@]}")" --argjson vn "$(json_list "${VN[@]}")" \
  '{l3fwd_mpps: $l, vrd_mpps: $v, vrd_cycles_per_pkt: $c, l3fwd_cycles_per_pkt: $lc, l3fwd_all_cycles_per_pkt: $la, routes: $r, seconds: $s,
    frame_size: $f, queue_size: $q, gen_cpu_share_l3fwd: $gl, gen_cpu_share_vrd: $gv,
    l3fwd_own_pct: $lo, l3fwd_dpdk_pct: $ld, vrd_own_pct: $vo, vrd_dpdk_pct: $vd,
    l3fwd_own_ns_per_pkt: $ln, vrd_own_ns_per_pkt: $vn,
    ratio_median: ([range(0; $l | length) | select($l[.] > 0)] | map($v[.] / $l[.]) | sort |
      if length == 0 then null
      else (if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end) * 1000 | round / 1000 end)}'
