#!/bin/bash
# BGP: a peer (FRR in its own namespace, plain kernel) announces N prefixes
# of the real IPv4 table (100k by default, VR_BGP_ROUTES to change) to a
# slice running vrd with zebra and bgpd. vrd's FIB equals FRR's RIB
# exactly; withdrawals remove routes; restarting vrd midway, then zebra
# midway, the FIB converges back to the RIB each time.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/frr_lib.sh"
trap 'frr_cleanup; lib_cleanup' EXIT
command -v vtysh >/dev/null || skip "frr is not installed"
V4=$SHARED/data/fullview-2024-v4.txt.gz
[ -f "$V4" ] || skip "no routing table in $SHARED/data"
N_ROUTES=${VR_BGP_ROUTES:-100000}
hugepages_prepare
W=$(mktemp -d /tmp/$T.bgp.XXXX)
R=${T}r P=${T}p S=${T}s FR=${T}fr FP=${T}fp
ns_add "$R"; ns_add "$P"
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=0
ip link add vp netns "$R" type veth peer name eth0 netns "$P"
ip -n "$R" link set vp up; ip -n "$P" link set eth0 up
ip -n "$P" addr add 10.9.0.2/24 dev eth0
ip netns exec "$P" ethtool -K eth0 tx off >/dev/null   # see veth_host
hide_from_kernel "$R" vp

# The peer's table: N prefixes as kernel blackhole routes, redistributed.
zcat "$V4" | head -n "$N_ROUTES" | tr -d "\r" | sed 's/^/route add blackhole /' > $W/batch
ip -n "$P" -batch $W/batch || fail "loading the peer's kernel table"
cat > $W/peer.conf <<CONF
router bgp 65002
 bgp router-id 10.9.0.2
 no bgp ebgp-requires-policy
 neighbor 10.9.0.1 remote-as 65001
 neighbor 10.9.0.1 timers connect 5
 address-family ipv4 unicast
  redistribute kernel
 exit-address-family
CONF
cat > $W/vrd.conf <<CONF
port add p1 devargs net_af_packet_p1,iface=vp
addr add 10.9.0.1/24 dev p1
CONF
cat > $W/r.conf <<CONF
fpm address 127.0.0.1
router bgp 65001
 bgp router-id 10.9.0.1
 no bgp ebgp-requires-policy
 neighbor 10.9.0.2 remote-as 65002
 neighbor 10.9.0.2 timers connect 5
CONF
vrd_start "$R" "$S" --config $W/vrd.conf -- -m 1024 --no-pci || { fail "vrd"; lib_exit; }
frr_start "$R" "$FR" $W/r.conf bgpd || fail "FRR in the slice"
frr_start "$P" "$FP" $W/peer.conf bgpd || fail "FRR in the peer"

bgp_count() { vrctl "$S" route show --json | jq '[.[] | select(.origin == "bgp")] | length'; }
want() { [ "$(bgp_count)" -eq "$1" ]; }
compare() {
  vtysh_n "$FR" -c 'show ip route json' > $W/frr.json
  vtysh_n "$FR" -c 'show ipv6 route json' > $W/frr6.json
  vrctl "$S" route show --json > $W/vrd.json
  $PY "$TOP/tests/frr/compare_rib.py" --ignore-linklocal $W/frr.json $W/frr6.json $W/vrd.json > $W/cmp.txt
}
wait_for 300 want "$N_ROUTES" && ok "$N_ROUTES BGP routes in vrd" || fail "vrd has $(bgp_count) BGP routes of $N_ROUTES: $(vrctl "$S" fpm show)"
compare && ok "vrd's FIB equals FRR's RIB: $(tail -1 $W/cmp.txt)" || { head -5 $W/cmp.txt; tail -1 $W/cmp.txt; fail "FIB differs from RIB"; }
first=$(zcat "$V4" | head -1 | tr -d "\r")
vrctl "$S" route show "$first" --json | jq -e '.[0].nexthops[0].via == "10.9.0.2" and .[0].nexthops[0].type == "forward"' >/dev/null \
  && ok "$first via the peer, resolved (neighbour learned from the kernel)" || fail "$first: $(vrctl "$S" route show "$first")"

# Withdraw a tenth.
W_N=$((N_ROUTES / 10))
head -n "$W_N" $W/batch | sed 's/^route add/route del/' > $W/withdraw
ip -n "$P" -batch $W/withdraw
wait_for 120 want $((N_ROUTES - W_N)) && ok "withdrawals removed $W_N routes" || fail "after withdrawals: $(bgp_count)"
vrctl "$S" route show "$first" --json | jq -e 'length == 0' >/dev/null && ok "withdrawn $first is gone" || fail "$first still there"
compare && ok "FIB equals RIB after withdrawals" || { head -5 $W/cmp.txt; fail "FIB differs after withdrawals"; }

# vrd restarts: zebra replays into the new vrd.
kill "$VRD_PID"; wait "$VRD_PID" 2>/dev/null
vrd_start "$R" "$S" --config $W/vrd.conf -- -m 1024 --no-pci || fail "vrd restart"
wait_for 300 want $((N_ROUTES - W_N)) && ok "after a vrd restart all routes are back" || fail "after vrd restart: $(bgp_count)"
wait_for 30 compare && ok "FIB equals RIB after the vrd restart" || { head -5 $W/cmp.txt; fail "FIB differs after vrd restart"; }

# zebra restarts (bgpd with it); the peer withdraws more meanwhile.
frr_kill "$FR"
head -n $((2 * W_N)) $W/batch | tail -n "$W_N" | sed 's/^route add/route del/' > $W/withdraw2
ip -n "$P" -batch $W/withdraw2
[ "$(bgp_count)" -eq $((N_ROUTES - W_N)) ] && ok "FIB kept while zebra is down" || fail "FIB changed while zebra was down"
frr_start "$R" "$FR" $W/r.conf bgpd || fail "FRR restart"
wait_for 300 want $((N_ROUTES - 2 * W_N)) && ok "after a zebra restart the stale routes were swept" || fail "after zebra restart: $(bgp_count)"
wait_for 30 compare && ok "FIB equals RIB after the zebra restart" || { head -5 $W/cmp.txt; fail "FIB differs after zebra restart"; }
lib_exit
