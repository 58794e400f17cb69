#!/bin/bash
# VRFs: zebra's table ids map to vrd's VRFs. Two VRFs in one slice hold
# the same prefix (192.0.2.0/24) towards different hosts; FRR's static
# routes with `table 100` land in VRF red only; traffic entering a port
# of each VRF follows that VRF's FIB; nothing crosses from one VRF to the
# other. Commands and bad input around VRFs are checked too.
# timeout: 180
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/frr_lib.sh"
trap 'frr_cleanup; lib_cleanup' EXIT
command -v vtysh >/dev/null || skip "frr is not installed"
hugepages_prepare
R=${T}r S=${T}s N=${T}f
ns_add "$R"
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
for i in 1 2 3 4; do
  ns_add "${T}h$i"
  veth_host "$R" vh$i "${T}h$i" 10.0.$i.2/24 10.0.$i.1 2001:db8:$i::2/64 2001:db8:$i::1
  hide_from_kernel "$R" vh$i
done
# The same service address behind h2 (default VRF) and h4 (VRF red).
ip -n "${T}h2" addr add 192.0.2.1/32 dev lo
ip -n "${T}h4" addr add 192.0.2.1/32 dev lo
ip -n "${T}h2" addr add 2001:db8:99::1/128 dev lo
ip -n "${T}h4" addr add 2001:db8:99::1/128 dev lo
W=$(mktemp -d /tmp/$T.vrf.XXXX)
cat > "$W/vrd.conf" <<CONF
vrf add red table 100
port add p1 devargs net_af_packet_vh1,iface=vh1
port add p2 devargs net_af_packet_vh2,iface=vh2
port add p3 devargs net_af_packet_vh3,iface=vh3 vrf red
port add p4 devargs net_af_packet_vh4,iface=vh4
port set p4 vrf red
addr add 10.0.1.1/24 dev p1
addr add 10.0.2.1/24 dev p2
addr add 10.0.3.1/24 dev p3
addr add 10.0.4.1/24 dev p4
addr add 2001:db8:1::1/64 dev p1
addr add 2001:db8:2::1/64 dev p2
addr add 2001:db8:3::1/64 dev p3
addr add 2001:db8:4::1/64 dev p4
CONF
cat > "$W/frr.conf" <<CONF
fpm address 127.0.0.1
ip route 192.0.2.0/24 10.0.2.2
ipv6 route 2001:db8:99::/48 2001:db8:2::2
CONF
vrd_start "$R" "$S" --config "$W/vrd.conf" -- -m 512 --no-pci || { fail "vrd start"; lib_exit; }
frr_start "$R" "$N" "$W/frr.conf" staticd || { fail "FRR start"; lib_exit; }

vrctl "$S" vrf show --json | jq -e '[.[] | {name, table, ports}] == [{"name":"default","table":254,"ports":["p1","p2"]},{"name":"red","table":100,"ports":["p3","p4"]}]' >/dev/null \
  && ok "vrf show: default (p1 p2) and red table 100 (p3 p4)" || fail "vrf show: $(vrctl "$S" vrf show --json)"
via_of() { vrctl "$S" route show "$1" vrf "$2" --json | jq -r --arg p "$1" '.[] | select(.prefix == $p and .origin == "static") | .nexthops[0].via'; }
via_is() { [ "$(via_of "$1" "$2")" = "$3" ]; } # PREFIX VRF VIA ("" for none)
# FRR 8.4 replays only its VRFs' main tables when it connects: `table N`
# routes of its default VRF go over FPM live only, so they are added once
# zebra is connected.
wait_for 30 sh -c "\"$VRCTL\" -s /run/vrplane/$S.sock fpm show --json | jq -e .connected" || fail "zebra did not connect"
vtysh_n "$N" -c 'conf t' -c 'ip route 192.0.2.0/24 10.0.4.2 table 100' -c 'ip route 198.51.100.0/24 blackhole table 100' \
  -c 'ipv6 route 2001:db8:99::/48 2001:db8:4::2 table 100' >/dev/null
wait_for 30 via_is 192.0.2.0/24 red 10.0.4.2 && ok "table 100 route is in VRF red via 10.0.4.2" || fail "red 192.0.2.0/24: $(vrctl "$S" route show vrf red)"
wait_for 10 via_is 192.0.2.0/24 default 10.0.2.2 && ok "main-table route is in the default VRF via 10.0.2.2" || fail "default 192.0.2.0/24"
wait_for 10 via_is 2001:db8:99::/48 red 2001:db8:4::2 && ok "IPv6 table 100 route is in VRF red" || fail "red 2001:db8:99::/48"
vrctl "$S" route show 198.51.100.0/24 vrf red --json | jq -e '.[0].nexthops[0].type == "blackhole"' >/dev/null && ok "blackhole of table 100 in VRF red" || fail "red blackhole"
[ "$(vrctl "$S" route show 198.51.100.0/24 --json | jq length)" = 0 ] && ok "VRF red's blackhole is not in the default VRF" || fail "leak of 198.51.100.0/24"
vrctl "$S" route show --json | jq -e 'all(.[]; .vrf == "default")' >/dev/null && \
  vrctl "$S" route show vrf all --json | jq -e 'any(.[]; .vrf == "red")' >/dev/null && ok "route show: the default VRF, or all with vrf all" || fail "route show vrf selection"

# Resolve the hosts (their ARP/ND reach the kernel through the TAPs and
# vrd learns the neighbours), then traffic stays inside its VRF.
for i in 1 2 3 4; do ip netns exec "${T}h$i" ping -c 1 -W 2 10.0.$i.1 >/dev/null; ip netns exec "${T}h$i" ping -6 -c 1 -W 2 2001:db8:$i::1 >/dev/null; done
wait_for 10 sh -c "[ \$(\"$VRCTL\" -s /run/vrplane/$S.sock neigh show --json | jq length) -ge 8 ]" || log "neighbours: $(vrctl "$S" neigh show)"
reply_from() { # NS ADDR: the host that answered a UDP probe
  ip netns exec "$1" $PY -c "
import socket,sys
s=socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(2)
for _ in range(3):
  try:
    s.sendto(b'who', (sys.argv[1], 7)); print(s.recv(64).decode()); break
  except OSError: pass" "$2"
}
for i in 2 4; do # a UDP echo answering with its host's name
  ip netns exec "${T}h$i" $PY -c "
import socket,threading
def serve(fam,addr):
  s=socket.socket(fam,socket.SOCK_DGRAM)
  if fam == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
  s.bind((addr,7))
  while True:
    d,a=s.recvfrom(64); s.sendto(b'h$i',a)
threading.Thread(target=serve,args=(socket.AF_INET,'0.0.0.0'),daemon=True).start()
serve(socket.AF_INET6,'::')" &
  LIB_PIDS+=($!)
done
sleep 1
before=$(stat_get "$S" '.totals.punts_total')
[ "$(reply_from "${T}h1" 192.0.2.1)" = h2 ] && ok "from the default VRF, 192.0.2.1 is h2" || fail "h1 -> 192.0.2.1 did not reach h2"
[ "$(reply_from "${T}h3" 192.0.2.1)" = h4 ] && ok "from VRF red, 192.0.2.1 is h4" || fail "h3 -> 192.0.2.1 did not reach h4"
[ "$(reply_from "${T}h1" 2001:db8:99::1)" = h2 ] && ok "IPv6: from the default VRF, 2001:db8:99::1 is h2" || fail "h1 -> 2001:db8:99::1"
[ "$(reply_from "${T}h3" 2001:db8:99::1)" = h4 ] && ok "IPv6: from VRF red, 2001:db8:99::1 is h4" || fail "h3 -> 2001:db8:99::1"
after=$(stat_get "$S" '.totals.punts_total')
[ "$after" = "$before" ] && ok "vrd forwarded it all itself (no punts meanwhile)" || log "note: $((after - before)) punts meanwhile"
nr=$(stat_get "$S" '.ports[] | select(.name == "p1") | .drops.no_route')
ip netns exec "${T}h1" ping -c 2 -i 0.2 -W 1 10.0.3.2 >/dev/null && fail "h1 (default VRF) reached h3 (VRF red)" || ok "h1 (default VRF) cannot reach h3 in VRF red"
nr2=$(stat_get "$S" '.ports[] | select(.name == "p1") | .drops.no_route')
[ "$nr2" -ge $((nr + 2)) ] && ok "and those packets count as no_route in the default VRF ($nr -> $nr2)" || fail "no_route $nr -> $nr2"
vrctl "$S" route lookup 192.0.2.1 vrf red --json | jq -e '.route.nexthops[0].via == "10.0.4.2"' >/dev/null && ok "route lookup in VRF red" || fail "lookup vrf red"

# zebra's connected routes of red's ports arrive in table 254 when the
# kernel has no VRF devices: vrd refuses them for the default VRF.
vrctl "$S" route show 10.0.3.0/24 --json | jq -e 'length == 0' >/dev/null && ok "no route to red's subnet in the default VRF" || fail "red subnet leaked: $(vrctl "$S" route show 10.0.3.0/24)"
compare_red() {
  vtysh_n "$N" -c 'show ip route table 100 json' > "$W/frr4r.json"
  vtysh_n "$N" -c 'show ipv6 route table 100 json' > "$W/frr6r.json"
  vrctl "$S" route show vrf red --json | jq '[.[] | select(.origin != "local" and .origin != "connected" and .origin != "neigh")]' > "$W/vrdr.json"
  $PY "$TOP/tests/frr/compare_rib.py" "$W/frr4r.json" "$W/frr6r.json" "$W/vrdr.json"
}
wait_for 10 compare_red && ok "VRF red equals FRR's table 100: $(compare_red | tail -1)" || { compare_red; fail "VRF red differs from table 100"; }

# A route withdrawn from table 100 leaves VRF red only.
vtysh_n "$N" -c 'conf t' -c 'no ip route 192.0.2.0/24 10.0.4.2 table 100' >/dev/null
wait_for 10 via_is 192.0.2.0/24 red "" && ok "withdrawn from table 100: gone from VRF red" || fail "red route stayed"
[ "$(via_of 192.0.2.0/24 default)" = 10.0.2.2 ] && ok "the default VRF's 192.0.2.0/24 stays" || fail "default route lost"

# A table without a VRF is counted, not programmed anywhere.
vtysh_n "$N" -c 'conf t' -c 'ip route 203.0.113.0/24 blackhole table 555' >/dev/null
wait_for 10 sh -c "[ \$(\"$VRCTL\" -s /run/vrplane/$S.sock fpm show --json | jq .unknown_table) -ge 1 ]" && ok "routes of table 555 (no VRF) counted as unknown_table" || fail "unknown_table: $(vrctl "$S" fpm show --json)"
[ "$(vrctl "$S" route show 203.0.113.0/24 vrf all --json | jq length)" = 0 ] && ok "and not programmed in any VRF" || fail "table 555 route programmed"
grep -q "table 555 ignored" /tmp/$S.vrd.log && ok "log: $(grep -m1 'table 555' /tmp/$S.vrd.log)" || fail "no log line for table 555"
# Then the VRF appears and zebra's next replay fills it.
vrctl "$S" vrf add blue table 555 >/dev/null && ok "vrf add blue table 555" || fail "vrf add blue"

# zebra restarts: it replays its main table, not `table N` routes, so
# VRF red is kept as it is rather than swept empty.
frr_kill "$N"
frr_start "$R" "$N" "$W/frr.conf" staticd || fail "FRR restart"
wait_for 30 grep -q "VRF red kept" /tmp/$S.vrd.log && ok "after a zebra restart: $(grep -m1 'VRF red kept' /tmp/$S.vrd.log)" || fail "no resync log for red"
via_is 2001:db8:99::/48 red 2001:db8:4::2 && ok "VRF red's routes kept over the zebra restart" || fail "red swept"
wait_for 10 via_is 192.0.2.0/24 default 10.0.2.2 && ok "the default VRF converged back" || fail "default after zebra restart"

# Bad VRF commands: a clear message, nothing changes.
bad() { local out; out=$(vrctl "$S" "$@" 2>&1) && { fail "accepted: $*"; return; }; ok "refused '$*': $out"; }
bad vrf add red2 table 100
bad vrf add red table 101
bad vrf add x table 254
bad vrf add x table abc
bad vrf add waytoolongvrfname1 table 7
bad vrf del default
bad vrf del red
bad vrf del nosuch
bad route add 10.9.0.0/16 via 10.0.1.2 dev p1 vrf red
bad route show vrf nosuch
bad port set p3 vrf default
vrctl "$S" vrf del blue >/dev/null && ok "an empty VRF is deleted" || fail "vrf del blue"
[ "$(vrctl "$S" vrf show --json | jq length)" = 2 ] && ok "two VRFs left" || fail "vrf count"
kill -0 "$VRD_PID" && ok "vrd alive" || fail "vrd died"
lib_exit
