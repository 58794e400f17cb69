#!/bin/bash
# vrd --exit-idle: a pcap replayed once through vrd, which then leaves by
# itself (the deterministic mode tests/bench/instr.sh runs under
# callgrind). Every packet of the input is in the output, TTL decremented.
# timeout: 60
source "$(dirname "$0")/../lib.sh"
W=$(mktemp -d /tmp/$T.idle.XXXX)
trap 'lib_cleanup; rm -rf $W' EXIT
$PY - $W <<'PY' || { echo "FAIL: pcap"; exit 1; }
import sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
d = sys.argv[1]
# net_pcap's MACs follow creation order: p2 first (..:00), then p1 (..:01).
wrpcap(d + "/in.pcap", [Ether(dst="02:70:63:61:70:01", src="02:00:00:00:00:01") /
                        IP(src="10.0.1.2", dst="198.51.100.%d" % (i % 250 + 1), ttl=64) /
                        UDP(dport=9) / Raw(b"x" * 18) for i in range(500)])
wrpcap(d + "/empty.pcap", [])
PY
cat > $W/vrd.conf <<CONF
port add p2 devargs net_pcap_p2,rx_pcap=$W/empty.pcap,tx_pcap=$W/out.pcap
addr add 10.0.2.1/24 dev p2
neigh add 10.0.2.2 lladdr 02:00:00:00:00:02 dev p2
route add 198.51.100.0/24 via 10.0.2.2
port add p1 devargs net_pcap_p1,rx_pcap=$W/in.pcap,tx_pcap=$W/p1.pcap
CONF
ns_add ${T}r
start=$SECONDS
ip netns exec ${T}r timeout 40 "$VRD" --slice $T-idle --socket $W/s.sock --fpm off --exit-idle 500 \
  --config $W/vrd.conf -- --no-huge -m 1024 --no-pci --file-prefix=$T-idle > $W/log 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "exiting (--exit-idle)" $W/log && ok "vrd left by itself after the replay" || { tail -5 $W/log; fail "vrd exit: rc $rc"; }
# Its summary line: what it received, forwarded, dropped and punted.
grep -Eq "^vrd: received 500, sent (50[0-9]|5[1-9][0-9]), dropped 0, punted 0, [0-9.]+ busy cycles/packet$" $W/log &&
  ok "summary at exit: $(grep '^vrd: received' $W/log)" || fail "summary: $(grep '^vrd: received' $W/log)"
n=$($PY -c "
from scapy.all import rdpcap, IP
p = rdpcap('$W/out.pcap')
# The kernel behind p2's TAP may send its own (IPv6 ND): only IPv4 counts.
print(sum(1 for x in p if IP in x), sum(1 for x in p if IP in x and x[IP].ttl == 63 and x.dst == '02:00:00:00:00:02'))" 2>$W/py.err)
[ "$n" = "500 500" ] && ok "all 500 packets forwarded once, TTL 63, to the neighbour's MAC" || fail "output: $n $(tail -2 $W/py.err)"
out=$("$VRD" --slice x --exit-idle 0 2>&1) && fail "--exit-idle 0 accepted" || ok "refused: $out"
lib_exit
