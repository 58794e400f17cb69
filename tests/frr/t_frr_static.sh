#!/bin/bash
# FRR as the slice's control plane, static routes: zebra feeds vrd over FPM
# (dplane_fpm_nl), routes carry traffic between namespace hosts, vrd's FIB
# equals FRR's RIB, and it converges back after vrd restarts and after
# zebra restarts (with a route removed meanwhile). Malformed FPM input is
# logged, the connection closed, the FIB kept.
# timeout: 240
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/frr_lib.sh"
trap 'frr_cleanup; lib_cleanup' EXIT
command -v vtysh >/dev/null || skip "frr is not installed"
hugepages_prepare
R=${T}r H1=${T}h1 H2=${T}h2 S=${T}s N=${T}f
ns_add "$R"; ns_add "$H1"; ns_add "$H2"
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
veth_host "$R" vh1 "$H1" 10.0.1.2/24 10.0.1.1 2001:db8:1::2/64 2001:db8:1::1
veth_host "$R" vh2 "$H2" 10.0.2.2/24 10.0.2.1 2001:db8:2::2/64 2001:db8:2::1
hide_from_kernel "$R" vh1; hide_from_kernel "$R" vh2
ip -n "$H2" addr add 192.0.2.1/32 dev lo
ip -n "$H2" addr add 198.51.100.1/32 dev lo
ip -n "$H2" addr add 2001:db8:99::1/128 dev lo
mac() { ip -n "$1" link show eth0 | awk '/ether/ {print $2}'; }
W=$(mktemp -d /tmp/$T.frr.XXXX)
cat > "$W/vrd.conf" <<CONF
port add p1 devargs net_af_packet_vh1,iface=vh1
port add p2 devargs net_af_packet_vh2,iface=vh2
addr add 10.0.1.1/24 dev p1
addr add 10.0.2.1/24 dev p2
addr add 2001:db8:1::1/64 dev p1
addr add 2001:db8:2::1/64 dev p2
neigh add 10.0.1.2 lladdr $(mac "$H1") dev p1
neigh add 10.0.2.2 lladdr $(mac "$H2") dev p2
neigh add 2001:db8:1::2 lladdr $(mac "$H1") dev p1
neigh add 2001:db8:2::2 lladdr $(mac "$H2") dev p2
CONF
cat > "$W/frr.conf" <<CONF
fpm address 127.0.0.1
ip route 192.0.2.0/24 10.0.2.2
ip route 198.51.100.0/24 10.0.2.2
ip route 203.0.113.0/25 blackhole
ip route 203.0.113.128/25 reject
ip route 198.18.0.0/15 10.0.2.2
ip route 198.18.0.0/15 10.0.2.3
ipv6 route 2001:db8:99::/48 2001:db8:2::2
CONF

vrd_start "$R" "$S" --config "$W/vrd.conf" -- -m 512 --no-pci || { fail "vrd start"; lib_exit; }
frr_start "$R" "$N" "$W/frr.conf" staticd || { fail "FRR start"; lib_exit; }
has_route() { vrctl "$S" route show "$1" --json | jq -e --arg p "$1" --arg o "$2" '.[] | select(.prefix == $p and .origin == $o)'; }
wait_for 30 has_route 192.0.2.0/24 static && ok "static route from frr.conf reached vrd over FPM" || fail "no 192.0.2.0/24 in vrd: $(vrctl "$S" fpm show)"
wait_for 10 has_route 2001:db8:99::/48 static && ok "IPv6 static route reached vrd" || fail "no 2001:db8:99::/48"
has_route 203.0.113.0/25 static | jq -e '.nexthops[0].type == "blackhole"' >/dev/null && ok "blackhole route is a blackhole in vrd" || fail "blackhole route"
has_route 203.0.113.128/25 static | jq -e '.nexthops[0].type == "unreachable"' >/dev/null && ok "reject route is unreachable in vrd" || fail "reject route"
wait_for 10 has_route 198.18.0.0/15 static
has_route 198.18.0.0/15 static | jq -e '[.nexthops[].via] | sort == ["10.0.2.2", "10.0.2.3"]' >/dev/null \
  && ok "ECMP static route has both next hops (zebra next-hop group)" || fail "ECMP route: $(vrctl "$S" route show 198.18.0.0/15)"

compare() {
  vtysh_n "$N" -c 'show ip route json' > "$W/frr4.json"
  vtysh_n "$N" -c 'show ipv6 route json' > "$W/frr6.json"
  vrctl "$S" route show --json > "$W/vrd.json"
  $PY "$TOP/tests/frr/compare_rib.py" --ignore-linklocal "$W/frr4.json" "$W/frr6.json" "$W/vrd.json"
}
wait_for 20 compare && ok "vrd's FIB equals FRR's RIB: $(compare | tail -1)" || { compare; fail "FIB differs from RIB"; }

ip netns exec "$H1" ping -c 3 -i 0.2 -W 2 192.0.2.1 >/dev/null && ok "h1 reaches 192.0.2.1 through the static route" || fail "ping 192.0.2.1"
ip netns exec "$H1" ping -6 -c 3 -i 0.2 -W 2 2001:db8:99::1 >/dev/null && ok "h1 reaches 2001:db8:99::1" || fail "ping6 2001:db8:99::1"
vtysh_n "$N" -c 'show ip route 192.0.2.0/24 json' | jq -e '."192.0.2.0/24"[0].offloaded == true' >/dev/null \
  && ok "FRR shows the route offloaded" || log "note: FRR 8.4 does not show offload state from FPM replies"

# vrd restarts: FRR's routes come back without restarting FRR.
kill "$VRD_PID"; wait "$VRD_PID" 2>/dev/null
vrd_start "$R" "$S" --config "$W/vrd.conf" -- -m 512 --no-pci || fail "vrd restart"
wait_for 60 compare && ok "after a vrd restart the FIB converges back: $(compare | tail -1)" || { compare; fail "no convergence after vrd restart"; }
ip netns exec "$H1" ping -c 2 -i 0.2 -W 2 192.0.2.1 >/dev/null && ok "traffic flows after the vrd restart" || fail "ping after vrd restart"

# zebra restarts with a route gone from its config: the FIB is kept while
# zebra is away, and the stale route is swept after the replay.
frr_kill "$N"
sleep 1
has_route 198.51.100.0/24 static >/dev/null && ok "FIB kept while zebra is down" || fail "routes lost while zebra was down"
sed -i '/198.51.100.0/d' "$W/frr.conf"
frr_start "$R" "$N" "$W/frr.conf" staticd || fail "FRR restart"
wait_for 60 compare && ok "after a zebra restart the FIB converges back: $(compare | tail -1)" || { compare; fail "no convergence after zebra restart"; }
has_route 198.51.100.0/24 static >/dev/null && fail "stale 198.51.100.0/24 not swept" || ok "route removed while zebra was down was swept"
swept=$(vrctl "$S" fpm show --json | jq .swept)
[ "$swept" -ge 1 ] && ok "fpm show counts $swept swept route(s)" || fail "swept=$swept"

# Malformed FPM input: zebra away, a fake peer sends garbage.
frr_kill "$N"
n_before=$(vrctl "$S" route show --json | jq length)
for kind in badversion shortnl overlong unknowntype garbage truncated-attr; do
  ip netns exec "$R" $PY - "$kind" <<'PY'
import socket, struct, sys, time, os
kind = sys.argv[1]
s = socket.create_connection(("127.0.0.1", 2620), timeout=5)
def fpm(nl): return struct.pack("!BBH", 1, 1, len(nl) + 4) + nl
def nlmsg(t, body, ln=None): return struct.pack("=IHHII", ln if ln is not None else 16 + len(body), t, 0x501, 0, 0) + body
if kind == "badversion":
    s.sendall(struct.pack("!BBH", 9, 1, 24) + b"\0" * 20)
elif kind == "shortnl":
    s.sendall(fpm(nlmsg(24, b"\x02\x18", ln=200)))
elif kind == "overlong":
    s.sendall(struct.pack("!BBH", 1, 1, 3))
elif kind == "unknowntype":
    s.sendall(fpm(nlmsg(77, b"\0" * 12)))
    s.sendall(fpm(nlmsg(24, struct.pack("BBBBBBBBI", 2, 24, 0, 0, 254, 196, 0, 1, 0) + struct.pack("HH", 8, 1) + bytes([192, 0, 2, 0]) + struct.pack("HH", 7, 30) + b"\0\0\0")))
elif kind == "garbage":
    s.sendall(os.urandom(3000))
elif kind == "truncated-attr":
    s.sendall(fpm(nlmsg(24, struct.pack("BBBBBBBBI", 2, 24, 0, 0, 254, 196, 0, 1, 0) + struct.pack("HH", 40, 1) + b"\1\2\3\4")))
try:
    s.settimeout(3)
    print("closed" if s.recv(100) == b"" else "open")
except socket.timeout:
    print("open")
PY
done > "$W/malformed.out" 2>&1
kill -0 "$VRD_PID" && ok "vrd survives malformed FPM input" || fail "vrd died on malformed FPM input"
[ "$(grep -c closed "$W/malformed.out")" -ge 5 ] && ok "malformed sessions closed: $(tr '\n' ' ' < "$W/malformed.out")" || fail "sessions: $(cat "$W/malformed.out")"
m=$(vrctl "$S" fpm show --json | jq .malformed)
[ "$m" -ge 5 ] && ok "fpm show counts $m malformed frames" || fail "malformed=$m"
[ "$(vrctl "$S" route show --json | jq length)" = "$n_before" ] && ok "FIB kept ($n_before routes)" || fail "FIB changed"
grep -q "fpm: malformed" /tmp/$S.vrd.log && ok "log names the problem: $(grep -m1 'fpm: malformed' /tmp/$S.vrd.log)" || fail "no log line"
lib_exit
