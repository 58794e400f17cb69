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
#   tests/bench/replay.sh [--routes N] [--packets N] [--rounds N] [--seconds S]
#   --routes N    random prefixes of the full IPv4 table in both (100000)
#   --packets N   distinct packets in the pcap, 60-byte UDP to random
#                 addresses in the routes (4000; net_pcap keeps them all
#                 in mbufs, so at most 6000)
#   --rounds N    l3fwd-vrd turns (default 3)
#   --seconds S   seconds each DUT forwards per turn (default 4)
#
# The last line is one JSON object: each turn's busy cycles per packet for
# both, their medians and the ratio vrd/l3fwd.
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
example_build $W/ex l3fwd "$L3FWD_SED" || { echo "replay.sh: l3fwd did not build"; exit 1; }
hugepages_prepare
taskset -p -c 0 $$ >/dev/null

routes_subset "$NROUTES" $W/routes
l3fwd_rules $W/routes $W
pcap_to_vrd $W/routes "$NPKT" $W/in.pcap || { echo "replay.sh: pcap"; exit 1; }
pcap_vrd_conf $W/vrd.conf $W/routes "net_pcap_p1,rx_pcap=$W/in.pcap,infinite_rx=1"

vrd_turn() { # prints busy cycles per packet
  local ns=${T}rp s=$T-rp st
  ns_add $ns
  vrd_start $ns $s --fpm off --busy-poll --config $W/vrd.conf \
    -- -m 1024 --no-pci --lcores=0@0,1@1 --file-prefix=$T-rpv >&2 || return 1
  vrctl $s stats clear
  sleep "$SECS"
  st=$(vrctl $s stats --json)
  kill "$VRD_PID"; wait "$VRD_PID" 2>/dev/null
  # Run in $(...): lib_cleanup never hears of the namespace or the log.
  ip netns del $ns; rm -f /tmp/$s.vrd.log
  echo "$st" | jq -e '.totals.tx_packets > 0 and .totals.drops_total == 0 and .totals.punts_total == 0' >/dev/null ||
    { echo "replay.sh: vrd did not forward every packet: $(echo "$st" | jq -c '.totals | {rx_packets, tx_packets, drops_total, punts_total}')" >&2; return 1; }
  echo "$st" | jq '.totals.cycles_per_packet * 10 | round / 10'
}
l3fwd_turn() {
  local p
  l3fwd_cmd $W $T-rpl net_pcap0,rx_pcap=$W/in.pcap,infinite_rx=1 net_null1,no-rx=1 02:00:00:00:00:02
  taskset -c 1 "${L3FWD_CMD[@]}" >$W/l3fwd.log 2>&1 &
  p=$!; LIB_PIDS+=($p)
  wait_for 600 grep -q "entering main loop" $W/l3fwd.log || { kill $p; tail -5 $W/l3fwd.log >&2; return 1; }
  sleep "$SECS"
  kill $p; wait $p 2>/dev/null
  l3fwd_busy $W/l3fwd.log
}

L=() V=()
for r in $(seq "$ROUNDS"); do
  l=$(l3fwd_turn) && [ "$l" != null ] || { echo "replay.sh: l3fwd's turn failed"; exit 1; }
  v=$(vrd_turn) || exit 1
  L+=("$l"); V+=("$v")
  echo "replay.sh: turn $r: l3fwd $l busy cycles/packet, vrd $v"
done
echo "command: $CMDLINE"
jq -cn --argjson l "[$(IFS=,; echo "${L[*]}")]" --argjson v "[$(IFS=,; echo "${V[*]}")]" \
  --argjson r "$NROUTES" --argjson n "$NPKT" --argjson s "$SECS" '
  def median: sort | .[length / 2 | floor];
  {l3fwd_cycles_per_pkt: $l, vrd_cycles_per_pkt: $v, l3fwd_median: ($l | median),
   vrd_median: ($v | median), ratio: (($v | median) / ($l | median) * 1000 | round / 1000),
   routes: $r, packets: $n, seconds: $s}'
