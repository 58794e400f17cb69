#!/bin/bash
# Three slices in a line, r1 - r2 - r3, each a vrd with zebra and ospfd in
# its own namespace, plus a costly backup link r1 - r3. Addresses are set
# by zebra on the TAPs (vrd learns them through rtnetlink), OSPF speaks
# through the exception path, routes reach vrd over FPM. Hosts h1 (on r1)
# and h3 (on r3) reach each other through vrd alone; taking the r1 - r2
# link down reroutes over the backup.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/frr_lib.sh"
trap 'frr_cleanup; lib_cleanup' EXIT
command -v vtysh >/dev/null || skip "frr is not installed"
hugepages_prepare
W=$(mktemp -d /tmp/$T.ospf.XXXX)
for n in 1 2 3; do ns_add ${T}r$n; ip netns exec ${T}r$n sysctl -qw net.ipv4.ip_forward=0; done
ns_add ${T}h1; ns_add ${T}h3

# link A B: veth vAB in rA <-> vBA in rB, both hidden from the kernel.
link() {
  ip link add v$1$2 netns ${T}r$1 type veth peer name v$2$1 netns ${T}r$2
  ip -n ${T}r$1 link set v$1$2 up; ip -n ${T}r$2 link set v$2$1 up
  hide_from_kernel ${T}r$1 v$1$2; hide_from_kernel ${T}r$2 v$2$1
}
link 1 2; link 2 3; link 1 3
veth_host ${T}r1 vh1 ${T}h1 10.1.0.2/24 10.1.0.1
veth_host ${T}r3 vh3 ${T}h3 10.3.0.2/24 10.3.0.1
hide_from_kernel ${T}r1 vh1; hide_from_kernel ${T}r3 vh3

# router N "PORT:VETH:ADDR:COST ..."
router() {
  local n=$1 spec=$2 p v a c conf=$W/r$1.conf
  vrd_start ${T}r$n ${T}s$n -- -m 384 --no-pci --lcores=0@0,1@1 || return 1
  eval "VRD$n=$VRD_PID"
  { echo "fpm address 127.0.0.1"
    for e in $spec; do
      IFS=: read -r p v a c <<< "$e"
      vrctl ${T}s$n port add $p devargs net_af_packet_$p,iface=$v >/dev/null || return 1
      echo "interface $p"; echo " ip address $a"
      [ -n "$c" ] && printf ' ip ospf network point-to-point\n ip ospf hello-interval 1\n ip ospf dead-interval 4\n ip ospf cost %s\n' "$c"
    done
    printf 'router ospf\n ospf router-id 10.255.0.%s\n network 10.0.0.0/8 area 0\n' "$n"
  } > "$conf"
  frr_start ${T}r$n ${T}f$n "$conf" ospfd
}
router 1 "h:vh1:10.1.0.1/24 l12:v12:10.12.0.1/30:10 l13:v13:10.13.0.1/30:100" || fail "r1"
router 2 "l21:v21:10.12.0.2/30:10 l23:v23:10.23.0.1/30:10" || fail "r2"
router 3 "h:vh3:10.3.0.1/24 l32:v32:10.23.0.2/30:10 l31:v31:10.13.0.2/30:100" || fail "r3"

vrctl ${T}s1 addr show | grep -q "10.12.0.1/30 dev l12" && ok "vrd learned zebra's addresses from the kernel" || fail "addresses: $(vrctl ${T}s1 addr show)"
route_via() { vrctl ${T}s$1 route show "$2" --json | jq -e --arg v "$3" '.[0].origin == "ospf" and ([.[0].nexthops[].via] | index($v)) != null'; }
wait_for 90 route_via 1 10.3.0.0/24 10.12.0.2 && ok "r1 learned 10.3.0.0/24 via r2 from OSPF" || fail "r1 route: $(vrctl ${T}s1 route show 10.3.0.0/24)"
wait_for 30 route_via 3 10.1.0.0/24 10.23.0.1 && ok "r3 learned 10.1.0.0/24 via r2" || fail "r3 route: $(vrctl ${T}s3 route show 10.1.0.0/24)"
for n in 1 2 3; do
  vtysh_n ${T}f$n -c 'show ip route json' > $W/frr$n.json
  vtysh_n ${T}f$n -c 'show ipv6 route json' > $W/frr6$n.json
  vrctl ${T}s$n route show --json > $W/vrd$n.json
  $PY "$TOP/tests/frr/compare_rib.py" --ignore-linklocal $W/frr$n.json $W/frr6$n.json $W/vrd$n.json > $W/cmp$n.txt \
    && ok "r$n: vrd's FIB equals FRR's RIB ($(tail -1 $W/cmp$n.txt))" || { cat $W/cmp$n.txt; fail "r$n FIB differs"; }
done

vrctl ${T}s2 stats clear
ip netns exec ${T}h1 ping -c 5 -i 0.2 -W 2 10.3.0.2 >/dev/null && ok "h1 reaches h3 across three vrd slices" || fail "h1 -> h3"
fwd2=$(stat_get ${T}s2 '.ports[] | select(.name=="l23") | .tx_packets')
[ "$fwd2" -ge 5 ] && ok "the path is through r2 (r2 sent $fwd2 packets to r3)" || fail "r2 forwarded $fwd2"
[ "$(ip netns exec ${T}r2 sysctl -n net.ipv4.ip_forward)" = 0 ] && ok "ip_forward off in r2" || fail "ip_forward on in r2"

# Take the r1 - r2 link down: OSPF notices (dead interval 4 s), reroutes.
ip -n ${T}r1 link set v12 down; ip -n ${T}r2 link set v21 down
wait_for 60 route_via 1 10.3.0.0/24 10.13.0.2 && ok "r1 rerouted 10.3.0.0/24 over the backup link" || fail "no reroute: $(vrctl ${T}s1 route show 10.3.0.0/24)"
wait_for 30 ip netns exec ${T}h1 ping -c 1 -W 1 10.3.0.2 && ok "h1 reaches h3 over the backup link" || fail "h1 -> h3 after the link went down"
ip -n ${T}r1 link set v12 up; ip -n ${T}r2 link set v21 up
wait_for 60 route_via 1 10.3.0.0/24 10.12.0.2 && ok "back on the primary path when the link returns" || fail "no return to the primary path"
lib_exit
