#!/bin/bash
# Instructions per packet (issue 5's deterministic figure): vrd and DPDK's
# l3fwd (LPM) forward the same pcap with the same routes under valgrind's
# callgrind, which counts instructions whatever the machine's noise.
#
#   tests/bench/instr.sh [--routes N] [--packets "N1 N2"]
#
# Each DUT reads the pcap once from a net_pcap port and sends to a
# net_null port (it frees what it is given). callgrind counts only inside
# the per-burst packet handling, with what it calls (FIB lookups, rewrite,
# the transmit into net_null): vrd's data_burst and l3fwd's
# l3fwd_lpm_send_packets, the latter made out of line in the script's
# copy of the example as vrd's is in the source. The receive calls and
# empty polls are not counted. Two runs, N1 and N2 packets: instructions
# per packet is the difference of the counts over the difference of the
# packets, so fixed costs (first-touch, partial last bursts) cancel out.
# vrd leaves by itself (--exit-idle); l3fwd gets SIGINT.
#
# l3fwd also classifies every packet before that loop: net_pcap gives no
# packet type, so with --parse-ptype its receive callback reads each
# frame's EtherType (lpm_cb_parse_ptype), work vrd does inside
# data_burst. That callback's non-empty calls are counted too, apart
# (the script moves them into lpm_parse_ptype_burst; the empty polls'
# calls stay uncounted): l3fwd_ptype_instr_per_pkt, and
# l3fwd_all_instr_per_pkt the sum. l3fwd_instr_per_pkt stays the loop
# alone, the figure of earlier sessions.
# The last line is one JSON object:
#   {"vrd_instr_per_pkt": ..., "l3fwd_instr_per_pkt": ...,
#    "l3fwd_ptype_instr_per_pkt": ..., "l3fwd_all_instr_per_pkt": ...,
#    "routes": ..., "packets": [N1, N2]}
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
NROUTES=100000 PACKETS="4000 24000"
CMDLINE="tests/bench/instr.sh${*:+ $*}"
while [ $# -gt 0 ]; do
  case $1 in
    --routes) NROUTES=${2-}; shift;;
    --packets) PACKETS=${2-}; shift;;
    -h|--help) sed -n '2,/^source/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0;;
    *) echo "instr.sh: unknown option $1 (see --help)"; exit 2;;
  esac
  shift
done
opt_int instr.sh --routes "$NROUTES" 1 10000000
read -r N1 N2 EXTRA <<< "$PACKETS"
[ -n "$N2" ] && [ -z "$EXTRA" ] || { echo "instr.sh: --packets '$PACKETS': two counts, N1 N2"; exit 2; }
opt_int instr.sh "--packets (N1)" "$N1" 100 10000000
opt_int instr.sh "--packets (N2)" "$N2" $((N1 + 100)) 10000000
[ "$(id -u)" -eq 0 ] || { echo "instr.sh: run as root"; exit 2; }
command -v valgrind >/dev/null || skip "valgrind is not installed"
TABLE=$SHARED/data/fullview-2024-v4.txt.gz
[ -f "$TABLE" ] || skip "no route table $TABLE"
ninja -C "$BUILD" dataplane/vrd >/dev/null || { echo "instr.sh: build failed"; exit 1; }
W=/tmp/$T.instr; mkdir -p $W
trap 'lib_cleanup; rm -rf $W' EXIT

routes_subset "$NROUTES" $W/routes
# The pcaps (pcap_to_vrd). vrd's summary at exit says what it forwarded;
# a run that did not forward every packet is refused, since its count
# would be that of the drop path.
for n in $N1 $N2; do
  pcap_to_vrd $W/routes $n $W/in_$n.pcap || { echo "instr.sh: pcap"; exit 1; }
done
$PY -c "from scapy.all import wrpcap; wrpcap('$W/empty.pcap', [])"

cg_total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}'; }
# cg_fn FILE FN: FN's inclusive count.
cg_fn() { callgrind_annotate --inclusive=yes "$1" 2>/dev/null | awk -v f="$2" '$0 ~ ":" f " " {gsub(",", "", $1); print $1; exit}'; }

vrd_run() { # N: prints the instructions counted
  local n=$1 ns=${T}cg$1
  pcap_vrd_conf $W/vrd_$n.conf $W/routes "net_pcap_p1,rx_pcap=$W/in_$n.pcap,tx_pcap=/dev/null"
  ns_add $ns
  ip netns exec $ns valgrind --tool=callgrind --collect-atstart=no --toggle-collect=data_burst \
    --callgrind-out-file=$W/vrd_$n.cg "$BUILD/dataplane/vrd" --slice $T-cg$n --socket $W/vrd_$n.sock \
    --fpm off --exit-idle 2000 --config $W/vrd_$n.conf \
    -- --no-huge -m 1024 --no-pci --lcores=0@0,1@0 --file-prefix=$T-cg$n >$W/vrd_$n.log 2>&1
  # Called in $(...): the namespace goes here, lib_cleanup never hears of it.
  ip netns del $ns
  grep -q "exiting (--exit-idle)" $W/vrd_$n.log || { tail -5 $W/vrd_$n.log >&2; return 1; }
  # (sent counts what the kernel sends through the TAPs too)
  grep -Eq "^vrd: received $n, sent [0-9]+, dropped 0, punted 0" $W/vrd_$n.log ||
    { echo "instr.sh: vrd did not forward all $n packets: $(grep '^vrd: received' $W/vrd_$n.log)" >&2; return 1; }
  cg_total $W/vrd_$n.cg
}

L3FWD=$W/ex/l3fwd/build/l3fwd
# The packet-type callback's work on received packets, out of line: the
# callback becomes lpm_parse_ptype_burst, called by a new
# lpm_cb_parse_ptype only when the burst holds packets.
PTYPE_WRAPPER='uint16_t\
lpm_cb_parse_ptype(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[],\
		   uint16_t nb_pkts, uint16_t max_pkts, void *user_param)\
{\
	if (nb_pkts == 0)\
		return 0;\
	return lpm_parse_ptype_burst(port, queue, pkts, nb_pkts, max_pkts, user_param);\
}\
'
l3fwd_run() { # N: prints the instructions counted in the loop, then in the callback
  local n=$1 p
  # Its packet handling out of line, so that callgrind counts it apart
  # from the receive calls and the empty polls, as vrd's.
  example_build $W/ex l3fwd "$L3FWD_SED;
    /^static inline void$/{N;s/^static inline void\nl3fwd_lpm_send_packets/static __attribute__((noinline)) void\nl3fwd_lpm_send_packets/};
    /^uint16_t$/{N;s/^uint16_t\nlpm_cb_parse_ptype(uint16_t port __rte_unused/static __attribute__((noipa)) uint16_t\nlpm_parse_ptype_burst(uint16_t port __rte_unused/};
    /^\/\* Return ipv4\/ipv6 lpm fwd lookup struct. \*\/$/i $PTYPE_WRAPPER" ||
    { echo "instr.sh: l3fwd did not build" >&2; return 1; }
  grep -q 'noinline)) void' $W/ex/l3fwd/l3fwd_lpm_sse.h && grep -q '^lpm_parse_ptype_burst' $W/ex/l3fwd/l3fwd_lpm.c &&
    grep -q 'return lpm_parse_ptype_burst' $W/ex/l3fwd/l3fwd_lpm.c || { echo "instr.sh: l3fwd patch" >&2; return 1; }
  # callgrind finds them by name: no clone (.constprop, .isra) may stand in.
  for f in l3fwd_lpm_send_packets lpm_parse_ptype_burst; do
    nm "$L3FWD-shared" | grep -c " $f\$" >/dev/null || { echo "instr.sh: no symbol $f in l3fwd" >&2; return 1; }
  done
  l3fwd_rules $W/routes $W
  valgrind --tool=callgrind --collect-atstart=no --toggle-collect=l3fwd_lpm_send_packets \
    --toggle-collect=lpm_parse_ptype_burst \
    --callgrind-out-file=$W/l3fwd_$n.cg $L3FWD -l 0 --no-huge -m 1024 --no-pci --file-prefix=$T-l3$n \
    --vdev "net_pcap0,rx_pcap=$W/in_$n.pcap,tx_pcap=/dev/null" --vdev "net_null1,no-rx=1" \
    -- -p 0x3 --lookup=lpm --parse-ptype --config="(0,0,0),(1,0,0)" --eth-dest=1,02:00:00:00:00:02 \
    --rule_ipv4=$W/l3fwd-v4.cfg --rule_ipv6=$W/l3fwd-v6.cfg >$W/l3fwd_$n.log 2>&1 &
  p=$!
  wait_for 600 grep -q "entering main loop" $W/l3fwd_$n.log || { kill $p; tail -5 $W/l3fwd_$n.log >&2; return 1; }
  sleep 10      # the pcap is read at once; then empty polls, not counted
  kill -INT $p; wait $p
  local all cb
  all=$(cg_total $W/l3fwd_$n.cg) cb=$(cg_fn $W/l3fwd_$n.cg lpm_parse_ptype_burst)
  [ -n "$all" ] && [ -n "$cb" ] || { echo "instr.sh: no counts in $W/l3fwd_$n.cg" >&2; return 1; }
  echo "$((all - cb)) $cb"
}

per_pkt() { awk -v a="$1" -v b="$2" -v n1="$N1" -v n2="$N2" 'BEGIN { if (a == "" || b == "") print "null"; else printf "%.1f", (b - a) / (n2 - n1) }'; }
echo "instr.sh: $NROUTES routes, pcaps of $N1 and $N2 packets (60-byte UDP), under callgrind"
v1=$(vrd_run $N1) && v2=$(vrd_run $N2) || echo "instr.sh: vrd under callgrind failed"
echo "vrd:   ${v1:-?} and ${v2:-?} instructions in the loop -> $(per_pkt "${v1:-}" "${v2:-}") per packet"
r1=$(l3fwd_run $N1) && r2=$(l3fwd_run $N2) || echo "instr.sh: l3fwd under callgrind failed"
read -r l1 c1 <<< "${r1:-}"; read -r l2 c2 <<< "${r2:-}"
echo "l3fwd: ${l1:-?} and ${l2:-?} instructions in the loop -> $(per_pkt "${l1:-}" "${l2:-}") per packet"
echo "l3fwd: ${c1:-?} and ${c2:-?} in the packet-type callback -> $(per_pkt "${c1:-}" "${c2:-}") per packet"
sum() { [ -n "$1" ] && [ -n "$2" ] && echo $(($1 + $2)); }
echo "command: $CMDLINE"
jq -cn --argjson v "$(per_pkt "${v1:-}" "${v2:-}")" --argjson l "$(per_pkt "${l1:-}" "${l2:-}")" \
  --argjson c "$(per_pkt "${c1:-}" "${c2:-}")" \
  --argjson t "$(per_pkt "$(sum "${l1:-}" "${c1:-}")" "$(sum "${l2:-}" "${c2:-}")")" \
  --argjson r "$NROUTES" --argjson a "$N1" --argjson b "$N2" \
  '{vrd_instr_per_pkt: $v, l3fwd_instr_per_pkt: $l, l3fwd_ptype_instr_per_pkt: $c,
    l3fwd_all_instr_per_pkt: $t, routes: $r, packets: [$a, $b]}'
