# Smoke test body, sourced by t_smoke_af_packet.sh and t_smoke_af_xdp.sh
# with MODE set. Kernel hosts h1 and h2 in namespaces, joined by veth to
# vrd's ports in namespace r, where ip_forward is off: only vrd can carry
# traffic between them. The full Internet tables are loaded.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
hugepages_prepare
R=${T}r H1=${T}h1 H2=${T}h2 S=${T}s
V4=$SHARED/data/fullview-2024-v4.txt.gz
V6=$SHARED/data/fullview-2024-v6.txt.gz
[ -f "$V4" ] && [ -f "$V6" ] || skip "no routing tables in $SHARED/data"

ns_add "$R"; ns_add "$H1"; ns_add "$H2"
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
veth_host "$R" vh1 "$H1" 10.0.1.2/24 10.0.1.1 2001:db8:1::2/64 2001:db8:1::1
veth_host "$R" vh2 "$H2" 10.0.2.2/24 10.0.2.1 2001:db8:2::2/64 2001:db8:2::1
# Destinations taken from the tables, answered by h2.
ip -n "$H2" addr add 1.0.0.1/32 dev lo
ip -n "$H2" addr add 2001:200::1/128 dev lo
case $MODE in
  af_packet)
    hide_from_kernel "$R" vh1; hide_from_kernel "$R" vh2
    DEV1=net_af_packet_vh1,iface=vh1${QPAIRS:+,qpairs=$QPAIRS}
    DEV2=net_af_packet_vh2,iface=vh2${QPAIRS:+,qpairs=$QPAIRS};;
  af_xdp)
    for v in vh1 vh2; do
      ip netns exec "$R" sysctl -qw net.ipv4.conf.$v.forwarding=0 net.ipv6.conf.$v.disable_ipv6=1
    done
    DEV1=net_af_xdp_vh1,iface=vh1; DEV2=net_af_xdp_vh2,iface=vh2;;
esac

vrd_start "$R" "$S" -- -m 768 --no-pci ${EAL_EXTRA:-} || { fail "vrd start"; lib_exit; }
nw=$(stat_get "$S" '.workers | length')
[ "$nw" = "${WORKERS:-1}" ] && ok "$nw worker(s)" || fail "$nw workers, expected ${WORKERS:-1}"
vrctl "$S" port add p1 devargs "$DEV1" || fail "port add p1 ($MODE)"
vrctl "$S" port add p2 devargs "$DEV2" || fail "port add p2 ($MODE)"
vrctl "$S" addr add 10.0.1.1/24 dev p1
vrctl "$S" addr add 10.0.2.1/24 dev p2
vrctl "$S" addr add 2001:db8:1::1/64 dev p1
vrctl "$S" addr add 2001:db8:2::1/64 dev p2
mac() { ip -n "$1" link show eth0 | awk '/ether/ {print $2}'; }
vrctl "$S" neigh add 10.0.1.2 lladdr "$(mac "$H1")" dev p1
vrctl "$S" neigh add 10.0.2.2 lladdr "$(mac "$H2")" dev p2
vrctl "$S" neigh add 2001:db8:1::2 lladdr "$(mac "$H1")" dev p1
vrctl "$S" neigh add 2001:db8:2::2 lladdr "$(mac "$H2")" dev p2
vrctl "$S" route load "$V4" via 10.0.2.2 || fail "route load v4"
vrctl "$S" route load "$V6" via 2001:db8:2::2 || fail "route load v6"
n=$(vrctl "$S" route show --json | jq length)
# 901,899 + 160,147 from the files, plus addresses, connected and
# neighbour routes (a file prefix may coincide with none of them here).
[ "$n" -ge 1062046 ] && ok "full tables loaded: $n routes" || fail "route count $n"
# Every IPv4 table vrd made on the way (rebuilds) passed fib4_dir_probe:
# the data path reads DIR-24-8 itself, not through rte_fib_lookup_bulk.
fb=$(stat_get "$S" '.fib.ipv4_lookup_rte_fib_vrfs')
[ "$fb" = 0 ] && ok "IPv4 lookups read the DIR-24-8 table directly ($(stat_get "$S" '.fib.ipv4_rebuilds') rebuilds)" ||
  fail "fib.ipv4_lookup_rte_fib_vrfs is $fb: the table's layout was not the one fib/ reads"
vrctl "$S" route lookup 1.0.0.1 | grep -q "1.0.0.0/24 via 10.0.2.2 dev p2 (forward)" \
  && ok "lookup 1.0.0.1 -> 1.0.0.0/24 via h2" || fail "lookup 1.0.0.1: $(vrctl "$S" route lookup 1.0.0.1)"

# Hosts' neighbour entries for the router come from ARP/ND through the
# exception path; the first pings also prove that.
ip netns exec "$H1" ping -c 3 -i 0.2 -W 2 10.0.1.1 >/dev/null && ok "h1 pings vrd's address (exception path)" || fail "ping 10.0.1.1"
ip netns exec "$H1" ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::1 >/dev/null && ok "h1 pings vrd's IPv6 address" || fail "ping6 2001:db8:1::1"
ip netns exec "$H2" ping -c 1 -W 2 10.0.2.1 >/dev/null
ip netns exec "$H2" ping -6 -c 1 -W 2 2001:db8:2::1 >/dev/null

vrctl "$S" stats clear
ip netns exec "$H1" ping -c 5 -i 0.2 -W 2 1.0.0.1 >/dev/null && ok "IPv4 ping h1 -> 1.0.0.1 (full-table route) -> h2" || fail "ping 1.0.0.1"
ip netns exec "$H1" ping -6 -c 5 -i 0.2 -W 2 2001:200::1 >/dev/null && ok "IPv6 ping h1 -> 2001:200::1 -> h2" || fail "ping6 2001:200::1"
for dst in 10.0.2.2 2001:db8:2::2; do
  ip netns exec "$H2" $PY "$TOP/tests/smoke/udp.py" recv "$dst" 9000 4 > /tmp/$T.udp &
  sleep 0.5
  ip netns exec "$H1" $PY "$TOP/tests/smoke/udp.py" send "$dst" 9000 500
  wait $!
  got=$(cat /tmp/$T.udp)
  [ "$got" -eq 500 ] && ok "UDP h1 -> $dst: 500/500" || fail "UDP h1 -> $dst: $got/500"
done
fwd=$(stat_get "$S" '.ports[] | select(.name=="p2") | .tx_packets')
unres=$(stat_get "$S" '.totals.punts.unresolved')
[ "$fwd" -ge 1010 ] && ok "vrd forwarded $fwd packets out of p2" || fail "p2 tx $fwd < 1010"
[ "$unres" -eq 0 ] && ok "no packet needed the kernel to forward it" || fail "$unres unresolved punts"

# TTL 1: vrd punts, the kernel answers with time exceeded (RFC 1812 5.3.1).
# The kernel needs a route for the destination to get that far (zebra
# installs them in a slice with FRR); here it has only its connected
# ones, so give it defaults through the TAPs, as zebra would.
ip -n "$R" route add default via 10.0.2.2 dev p2
ip -n "$R" -6 route add default via 2001:db8:2::2 dev p2
out=$(ip netns exec "$H1" ping -c 1 -t 1 -W 2 1.0.0.1 2>&1)
echo "$out" | grep -q "From 10.0.1.1 .*Time to live exceeded" && ok "TTL 1: ICMP time exceeded from 10.0.1.1" || fail "TTL 1: $out"
out=$(ip netns exec "$H1" ping -6 -c 1 -t 1 -W 2 2001:200::1 2>&1)
echo "$out" | grep -qi "From 2001:db8:1::1 .*Time exceeded" && ok "hop limit 1: ICMPv6 time exceeded from 2001:db8:1::1" || fail "hop limit 1: $out"
ttl=$(stat_get "$S" '.totals.punts.ttl_expired')
[ "$ttl" -ge 2 ] && ok "ttl_expired punts counted ($ttl)" || fail "ttl_expired $ttl"

# Garbage from h1 while good traffic flows: counted, and the good flows on.
before=$(stat_get "$S" '.totals.drops_total')
ip netns exec "$H2" $PY "$TOP/tests/smoke/udp.py" recv 10.0.2.2 9001 6 > /tmp/$T.udp &
recv_pid=$!
sleep 0.5
ip netns exec "$H1" $PY - "$(ip -n "$R" link show vh1 | awk '/ether/ {print $2}')" <<'PYEOF' &
import random, sys
from scapy.all import Ether, IP, UDP, Raw, sendp, conf
conf.verb = 0
rnd = random.Random(7)
mac = sys.argv[1]
bad = []
for i in range(300):
    kind = i % 5
    if kind == 0:
        bad.append(Ether(dst=mac) / IP(src="10.0.1.2", dst="1.0.0.1", chksum=0x1234) / UDP())
    elif kind == 1:
        bad.append(Ether(dst=mac) / IP(src="10.0.1.2", dst="1.0.0.1", ihl=4) / UDP())
    elif kind == 2:
        bad.append(Ether(dst=mac) / IP(src="10.0.1.2", dst="1.0.0.1", len=1400) / UDP())
    elif kind == 3:
        bad.append(Ether(dst=mac) / IP(src="127.0.0.1", dst="1.0.0.1") / UDP())
    else:
        bad.append(Ether(dst=mac, type=0x0800) / Raw(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 60)))))
sendp(bad, iface="eth0")
PYEOF
garbage_pid=$!
ip netns exec "$H1" $PY "$TOP/tests/smoke/udp.py" send 10.0.2.2 9001 300
wait "$garbage_pid" "$recv_pid"
got=$(cat /tmp/$T.udp)
after=$(stat_get "$S" '.totals.drops_total')
[ "$got" -eq 300 ] && ok "good UDP kept flowing during a garbage burst: 300/300" || fail "UDP during garbage: $got/300"
[ $((after - before)) -ge 300 ] && ok "garbage counted under drop reasons: $((after - before))" || fail "drops rose by $((after - before)) < 300"
for r in ip_checksum ip_hdr_len martian_src; do
  v=$(stat_get "$S" ".totals.drops.$r")
  [ "$v" -ge 60 ] && ok "drops.$r = $v" || fail "drops.$r = $v < 60"
done

# The kernel is not forwarding: sysctls off, and without vrd nothing passes.
[ "$(ip netns exec "$R" sysctl -n net.ipv4.ip_forward)" = 0 ] && ok "ip_forward off in the router namespace" || fail "ip_forward on"
kill "$VRD_PID"; wait "$VRD_PID" 2>/dev/null
ip netns exec "$H1" ping -c 2 -i 0.2 -W 1 1.0.0.1 >/dev/null && fail "ping passes without vrd" || ok "without vrd, h1 cannot reach h2"
lib_exit
