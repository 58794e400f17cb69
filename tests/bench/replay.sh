#!/bin/bash
# Cycles per packet without a generator (issue 5): vrd and DPDK's l3fwd
# (LPM) each forward a pcap replayed from memory (net_pcap, infinite_rx)
# into net_null, alone on CPU 1, for --seconds; they take turns, --rounds
# times. Both count busy cycles alike: the TSC around each non-empty
# burst's handling, the transmit into net_null included, the receive call
# not (vrd's counters; l3fwd's from l3fwd_busy.h). No packet crosses
# CPUs and no generator shares the machine, so the figure is the DUTs' own
# work per packet, and it moves far less with the host's noise than the
# rates of forward.sh or versus.sh do. Every packet must be forwarded
# (vrd's drops and punts are checked), else the run is refused.
#
# This host's noise comes in phases of about a second (something else
# sharing the core's caches, docs/performance.md), which can move a turn's average by a third. So each
# turn is also read in 0.3 s intervals (vrd's counters; l3fwd_busy.h's
# interval lines), and the turn's quietest interval, the lowest busy
# cycles per packet, is kept beside its average: the DUT's cost when the
# host leaves it alone, measured the same way for both.
#
#   tests/bench/replay.sh [--routes N] [--packets N] [--rounds N] [--seconds S]
#   --routes N    random prefixes of the full IPv4 table in both (100000)
#   --packets N   distinct packets in the pcap, 60-byte UDP to random
#                 addresses in the routes (4000; net_pcap keeps them all
#                 in mbufs, so at most 6000)
#   --rounds N    l3fwd-vrd turns (default 3)
#   --seconds S   seconds each DUT forwards per turn (default 4)
#
# l3fwd's packet-type callback is timed too, apart. net_pcap gives no
# packet type, so with --parse-ptype l3fwd reads each frame's EtherType
# in a receive callback (lpm_cb_parse_ptype), inside the receive call
# and so outside its busy cycles, work vrd does inside its own. The
# script's copy of l3fwd wraps the callback's non-empty calls in a TSC
# pair (l3fwd_busy.h's vr_ptype_account); l3fwd_all is its busy cycles
# and these together. That pair's own cost is in l3fwd_all, as vrd's
# one pair per burst is in vrd's figure.
#
# The wall figure is the rate as each program runs untimed: the TSC's
# whole advance over the packets forwarded, receive calls, polls of idle
# ports and TAPs, callback and bookkeeping included, so cycles per packet
# at full load, the inverse of the packet rate on one core. vrd's is
# read from its stats answers (each carries the TSC of its reading,
# totals.tsc); l3fwd's from a second, untimed copy (l3fwd_busy.h's
# VR_L3FWD_WALL: stock l3fwd but for a packet count), run in a turn of
# its own, so that the TSC pairs of the timed copy (two a 32-packet
# burst) do not slow it. vrd's includes its own busy-cycle counting, as
# shipped.
#
# The last line is one JSON object: each turn's busy cycles per packet for
# both, their medians and the ratio vrd/l3fwd; the same for the turns'
# quietest intervals (*_quiet); for l3fwd_all, l3fwd with its
# callback (ratio_all, ratio_all_quiet); and the wall figures (*_wall,
# ratio_wall, and their quietest intervals' ratio_wall_quiet).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
NROUTES=100000 NPKT=4000 ROUNDS=3 SECS=4
CMDLINE="tests/bench/replay.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case $1 in
    --routes) NROUTES=${2-}; shift;;
    --packets) NPKT=${2-}; shift;;
    --rounds) ROUNDS=${2-}; shift;;
    --seconds) SECS=${2-}; shift;;
    -h|--help) sed -n '2,/^source/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0;;
    *) echo "replay.sh: unknown option $1 (see --help)"; exit 2;;
  esac
  shift
done
opt_int replay.sh --routes "$NROUTES" 1 10000000
opt_int replay.sh --packets "$NPKT" 100 6000
opt_int replay.sh --rounds "$ROUNDS" 1 100
opt_secs replay.sh --seconds "$SECS" 1 600
[ "$(id -u)" -eq 0 ] || { echo "replay.sh: run as root"; exit 2; }
TABLE=$SHARED/data/fullview-2024-v4.txt.gz
[ -f "$TABLE" ] || skip "no route table $TABLE (set VR_SHARED)"
[ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs"
W=/tmp/$T.replay; mkdir -p $W
trap 'lib_cleanup; rm -rf $W' EXIT
ninja -C "$BUILD" dataplane/vrd ctl/vrctl >$W/build.log 2>&1 || { tail -20 $W/build.log; echo "replay.sh: build failed"; exit 1; }
# The callback timed (bench_lib.sh's L3FWD_PTYPE_SED; see above).
l3fwd_timed_build $W/ex replay.sh || exit 1
# The untimed copy for the wall figure: stock l3fwd but for a packet
# count (l3fwd_busy.h's VR_L3FWD_WALL).
example_build $W/exw l3fwd "/^#include \"l3fwd_lpm_sse.h\"\$/i #define VR_L3FWD_WALL 1
$L3FWD_SED" || { echo "replay.sh: l3fwd (untimed) did not build"; exit 1; }
grep -q '^#define VR_L3FWD_WALL 1' $W/exw/l3fwd/l3fwd_lpm.c ||
  { echo "replay.sh: l3fwd's untimed copy lacks VR_L3FWD_WALL"; exit 1; }
hugepages_prepare
taskset -p -c 0 $$ >/dev/null

routes_subset "$NROUTES" $W/routes
l3fwd_rules $W/routes $W
pcap_to_vrd $W/routes "$NPKT" $W/in.pcap || { echo "replay.sh: pcap"; exit 1; }
pcap_vrd_conf $W/vrd.conf $W/routes "net_pcap_p1,rx_pcap=$W/in.pcap,infinite_rx=1"

# interval_sum: all "CYCLES PACKETS" lines together as cycles per packet,
# or null.
interval_sum() {
  awk '{ c += $1; p += $2 } END { if (p > 0) printf "%.1f\n", c / p; else print "null" }'
}

# interval_min: the lowest of "CYCLES PACKETS" lines (one per interval)
# as cycles per packet, or null.
interval_min() {
  awk '$2 > 0 { v = $1 / $2; if (!n++ || v < m) m = v } END { if (n) printf "%.1f\n", m; else print "null" }'
}

vrd_turn() { # prints the turn's busy cycles per packet, then its quietest interval's
  local ns=${T}rp s=$T-rp st prev cur k
  ns_add $ns
  vrd_start $ns $s --fpm off --busy-poll --config $W/vrd.conf \
    -- -m 1024 --no-pci --lcores=0@0,1@1 --file-prefix=$T-rpv >&2 || return 1
  vrctl $s stats clear
  vrd_sampler /run/vrplane/$s.sock 0.3 $((SECS * 10 / 3)) > $W/vrd_samples ||
    { echo "replay.sh: vrd's stats sampler failed" >&2; return 1; }
  awk 'NR > 1 { print $1 - c, $2 - p, $3 - t } { c = $1; p = $2; t = $3 }' $W/vrd_samples > $W/vrd_intervals
  st=$(vrctl $s stats --json)
  kill "$VRD_PID"; wait "$VRD_PID" 2>/dev/null
  # Run in $(...): lib_cleanup never hears of the namespace or the log.
  ip netns del $ns; rm -f /tmp/$s.vrd.log
  echo "$st" | jq -e '.totals.tx_packets > 0 and .totals.drops_total == 0 and .totals.punts_total == 0' >/dev/null ||
    { echo "replay.sh: vrd did not forward every packet: $(echo "$st" | jq -c '.totals | {rx_packets, tx_packets, drops_total, punts_total}')" >&2; return 1; }
  echo "$st" | jq '.totals.cycles_per_packet * 10 | round / 10'
  interval_min < $W/vrd_intervals
  # wall: the TSC's advance between answers over the packets between them
  awk '{ print $3, $2 }' $W/vrd_intervals | interval_sum
  awk '{ print $3, $2 }' $W/vrd_intervals | interval_min
}
# vrd_sampler SOCKET EVERY N: N + 1 lines "BUSY_CYCLES PACKETS TSC", a
# stats answer every EVERY seconds, from one process on CPU 0. Not vrctl
# and jq per sample: starting two processes every 0.3 s on this host (a
# sample then took 45 ms) slowed the worker on the other CPU, by 1 to
# 1.5 wall cycles a packet against a turn with two samples only, which
# l3fwd, printing its own intervals, never paid.
vrd_sampler() {
  $PY - "$@" <<'PY'
import json, socket, sys, time
path, every, n = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
def sample():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b'{"argv":["stats"],"json":true}')
    s.shutdown(socket.SHUT_WR)
    reply = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        reply += d
    s.close()
    head, body = reply.split(b"\n", 1)
    if json.loads(head)["errno"] != 0:
        sys.exit("stats: " + head.decode())
    st = json.loads(body)
    return (sum(w["busy_cycles"] for w in st["workers"]),
            sum(w["busy_packets"] for w in st["workers"]), st["totals"]["tsc"])
due = time.monotonic()
for i in range(n + 1):
    print("%d %d %d" % sample(), flush=True)
    due += every
    if i < n:
        time.sleep(max(0.0, due - time.monotonic()))
PY
}
l3fwd_turn() { # the same for l3fwd, then both for l3fwd with its callback
  local p
  l3fwd_cmd $W $T-rpl net_pcap0,rx_pcap=$W/in.pcap,infinite_rx=1 net_null1,no-rx=1 02:00:00:00:00:02
  taskset -c 1 "${L3FWD_CMD[@]}" >$W/l3fwd.log 2>&1 &
  p=$!; LIB_PIDS+=($p)
  wait_for $L3FWD_LOAD_S grep -q "entering main loop" $W/l3fwd.log || { kill $p; tail -5 $W/l3fwd.log >&2; return 1; }
  sleep "$SECS"
  kill $p; wait $p 2>/dev/null
  l3fwd_busy $W/l3fwd.log
  awk '/^l3fwd interval:/ { print $3, $5 }' $W/l3fwd.log | interval_min
  l3fwd_all $W/l3fwd.log
  awk '/^l3fwd interval:/ { print $3 + $7, $5 }' $W/l3fwd.log | interval_min
}
l3fwd_wall_turn() { # the untimed copy: wall cycles per packet, then the quietest interval's
  local p
  l3fwd_cmd $W $T-rpw net_pcap0,rx_pcap=$W/in.pcap,infinite_rx=1 net_null1,no-rx=1 02:00:00:00:00:02
  L3FWD_CMD[0]=$W/exw/l3fwd/build/l3fwd
  taskset -c 1 "${L3FWD_CMD[@]}" >$W/l3fwd_wall.log 2>&1 &
  p=$!; LIB_PIDS+=($p)
  wait_for $L3FWD_LOAD_S grep -q "entering main loop" $W/l3fwd_wall.log || { kill $p; tail -5 $W/l3fwd_wall.log >&2; return 1; }
  sleep "$SECS"
  kill $p; wait $p 2>/dev/null
  awk '/^l3fwd wall:/ { print $3, $5 }' $W/l3fwd_wall.log | interval_sum
  awk '/^l3fwd wall:/ { print $3, $5 }' $W/l3fwd_wall.log | interval_min
}

L=() V=() LQ=() VQ=() LA=() LAQ=() LW=() LWQ=() VW=() VWQ=()
for r in $(seq "$ROUNDS"); do
  read -r -d '' l lq la laq < <(l3fwd_turn)
  [ -n "${l:-}" ] && [ "$l" != null ] && [ "${lq:-null}" != null ] &&
    [ "${la:-null}" != null ] && [ "${laq:-null}" != null ] || { echo "replay.sh: l3fwd's turn failed"; exit 1; }
  read -r -d '' lw lwq < <(l3fwd_wall_turn)
  [ "${lw:-null}" != null ] && [ "${lwq:-null}" != null ] || { echo "replay.sh: l3fwd's untimed turn failed"; exit 1; }
  read -r -d '' v vq vw vwq < <(vrd_turn)
  [ -n "${v:-}" ] && [ "${vq:-null}" != null ] && [ "${vw:-null}" != null ] &&
    [ "${vwq:-null}" != null ] || { echo "replay.sh: vrd's turn failed"; exit 1; }
  L+=("$l"); V+=("$v"); LQ+=("$lq"); VQ+=("$vq"); LA+=("$la"); LAQ+=("$laq")
  LW+=("$lw"); LWQ+=("$lwq"); VW+=("$vw"); VWQ+=("$vwq")
  echo "replay.sh: turn $r: l3fwd $l busy cycles/packet (quietest 0.3 s: $lq; with its packet-type callback $la ($laq)), vrd $v ($vq); wall: l3fwd untimed $lw ($lwq), vrd $vw ($vwq)"
done
echo "command: $CMDLINE"
jq -cn --argjson l "$(json_list "${L[@]}")" --argjson v "$(json_list "${V[@]}")" \
  --argjson lq "$(json_list "${LQ[@]}")" --argjson vq "$(json_list "${VQ[@]}")" \
  --argjson la "$(json_list "${LA[@]}")" --argjson laq "$(json_list "${LAQ[@]}")" \
  --argjson lw "$(json_list "${LW[@]}")" --argjson lwq "$(json_list "${LWQ[@]}")" \
  --argjson vw "$(json_list "${VW[@]}")" --argjson vwq "$(json_list "${VWQ[@]}")" \
  --argjson r "$NROUTES" --argjson n "$NPKT" --argjson s "$SECS" '
  def median: sort | .[length / 2 | floor];
  def ratio(a; b): (a | median) / (b | median) * 1000 | round / 1000;
  {l3fwd_cycles_per_pkt: $l, vrd_cycles_per_pkt: $v, l3fwd_median: ($l | median),
   vrd_median: ($v | median), ratio: ratio($v; $l),
   l3fwd_quiet: $lq, vrd_quiet: $vq, l3fwd_quiet_median: ($lq | median),
   vrd_quiet_median: ($vq | median), ratio_quiet: ratio($vq; $lq),
   l3fwd_all_cycles_per_pkt: $la, l3fwd_all_median: ($la | median), ratio_all: ratio($v; $la),
   l3fwd_all_quiet: $laq, l3fwd_all_quiet_median: ($laq | median),
   ratio_all_quiet: ratio($vq; $laq),
   l3fwd_wall: $lw, vrd_wall: $vw, l3fwd_wall_median: ($lw | median),
   vrd_wall_median: ($vw | median), ratio_wall: ratio($vw; $lw),
   l3fwd_wall_quiet: $lwq, vrd_wall_quiet: $vwq, l3fwd_wall_quiet_median: ($lwq | median),
   vrd_wall_quiet_median: ($vwq | median), ratio_wall_quiet: ratio($vwq; $lwq),
   routes: $r, packets: $n, seconds: $s}'
