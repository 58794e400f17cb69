# vrmux with two router slices (vrd) that use the same address space
# (10.0.0.0/24, fd00::/64), sourced by t_mux_dpdk.sh and t_mux_xdp.sh
# with MUX_BACKEND set. The substrate is a Linux bridge in namespace W:
#
#   HA (untagged) --wa--+                    +-- slice a: vrd in SA
#                       br0 --up1 ~~ up0-- vrmux (namespace M)
#   HB (VLAN 20)  --wb--+                    +-- slice b: vrd in SB
#
# dpdk: slice a over vhost-user (vrd on virtio-user, server mode), slice b
#       over af_xdp on a veth. xdp: both slices on veths.
# This kernel has no 802.1Q devices, so wb is a VLAN access port made of
# tc BPF (tests/mux/tc_vlan_access.bpf.c), and up1 puts tags into frames
# on transmit (txvlan off) so XDP and AF_XDP see them.
source "$(dirname "$0")/../lib.sh"
VRMUX=$BUILD/vnet/vrmux/vrmux
MUXSOCK=/run/vrplane/$T-mux.sock
M=${T}m W=${T}w HA=${T}ha HB=${T}hb SA=${T}sa SB=${T}sb
MAC_A=02:00:00:00:0a:01
mux() { "$VRCTL" -s "$MUXSOCK" "$@"; }
mux_stat() { mux slice show "$1" --json | jq -r ".[0].stats.$2"; }
macof() { ip -n "$1" link show "$2" | awk '/ether/ {print $2}'; }
cleanup_mux() { rm -f /run/vrplane/$T-a.vhost; }
trap 'cleanup_mux; lib_cleanup' EXIT

[ -x "$VRMUX" ] || skip "vrmux not built"
hugepages_prepare
for ns in $M $W $HA $HB $SA $SB; do ns_add "$ns"; done
# Namespaces where vrd or vrmux forward: the kernel must not.
for ns in $M $SA $SB; do
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
done

# --- the substrate: bridge, uplink, hosts ---
ip -n "$W" link add br0 type bridge
ip -n "$W" link set br0 up
ip link add up0 netns "$M" type veth peer name up1 netns "$W"
ip netns exec "$W" ethtool -K up1 txvlan off >/dev/null 2>&1
ip -n "$W" link set up1 master br0 up
ip -n "$M" link set up0 up
ip netns exec "$M" sysctl -qw net.ipv6.conf.up0.disable_ipv6=1
host() { # NS BRIDGE-PORT
  ip link add "$2" netns "$W" type veth peer name eth0 netns "$1"
  ip -n "$W" link set "$2" master br0 up
  ip -n "$1" link set eth0 up
  ip netns exec "$1" ethtool -K eth0 tx off >/dev/null 2>&1
  ip -n "$1" addr add 10.0.0.2/24 dev eth0
  ip -n "$1" addr add fd00::2/64 dev eth0 nodad
  tc -n "$W" qdisc add dev "$2" clsact
}
host "$HA" wa
host "$HB" wb
tcbpf() { ip netns exec "$W" tc filter add dev "$1" "$2" bpf da obj "$BUILD/tests/mux/tc_vlan20_$3.bpf.o" sec tc; }
tcbpf wa egress untagged && tcbpf wb ingress push && tcbpf wb egress pop || fail "tc VLAN access ports"

# --- the slices' links ---
slice_veth() { # NS HOST-END SLICE-END
  ip link add "$2" netns "$M" type veth peer name "$3" netns "$1"
  ip -n "$M" link set "$2" up
  ip -n "$1" link set "$3" up
  ip netns exec "$M" sysctl -qw net.ipv6.conf."$2".disable_ipv6=1
}
slice_veth "$SB" sb0 sb1
hide_from_kernel "$SB" sb1
MAC_B=$(macof "$SB" sb1)
if [ "$MUX_BACKEND" = xdp ]; then
  slice_veth "$SA" sa0 sa1
  ip -n "$SA" link set sa1 address $MAC_A
  hide_from_kernel "$SA" sa1
  # Redirects into a veth need an XDP program on its peer: vrd's af_xdp
  # port brings one to sa1; sb1 (af_packet) and up1 get XDP_PASS.
  ip -n "$SB" link set sb1 xdp obj "$BUILD/vnet/vrmux/mux_pass.bpf.o" sec xdp
  ip -n "$W" link set up1 xdp obj "$BUILD/vnet/vrmux/mux_pass.bpf.o" sec xdp
  PORT_A="net_af_xdp_a,iface=sa1"
  ATTACH_A=veth:sa0 ATTACH_B=veth:sb0
  ip netns exec "$M" "$VRMUX" --xdp --uplink up0 --socket "$MUXSOCK" >/tmp/$T.mux.log 2>&1 &
else
  PORT_A="net_virtio_user0,path=/run/vrplane/$T-a.vhost,server=1,queues=1,mac=$MAC_A"
  ATTACH_A=vhost-user:/run/vrplane/$T-a.vhost ATTACH_B=af_xdp:sb0
  ip netns exec "$M" "$VRMUX" --uplink net_af_xdp_up,iface=up0 --socket "$MUXSOCK" \
    -- --file-prefix=$T-mux -m 512 --no-pci >/tmp/$T.mux.log 2>&1 &
fi
MUX_PID=$!
LIB_PIDS+=($MUX_PID)
wait_sock() { for _ in $(seq 100); do mux uplink show >/dev/null 2>&1 && return 0; kill -0 $MUX_PID 2>/dev/null || break; sleep 0.1; done; return 1; }
wait_sock || { cat /tmp/$T.mux.log; fail "vrmux did not start"; lib_exit; }
ok "vrmux ($MUX_BACKEND backend) up: $(mux uplink show | head -1)"

W_DIR=$(mktemp -d /tmp/$T.mux.XXXX)
for s in a b; do
  port=$PORT_A; [ $s = b ] && port="net_af_packet_b,iface=sb1"
  cat > "$W_DIR/$s.conf" <<CONF
port add p0 devargs $port
addr add 10.0.0.1/24 dev p0
addr add fd00::1/64 dev p0
CONF
done
start_a() { vrd_start "$SA" $T-a --config "$W_DIR/a.conf" --fpm off -- -m 512 --no-pci && VRD_A=$VRD_PID; }
# Slices first: vrd's virtio-user port (server mode) waits at start for
# vrmux, the vhost-user client, which retries until the socket is there.
mux slice add a mac $MAC_A attach $ATTACH_A >/dev/null && ok "slice a added ($ATTACH_A, untagged)" || fail "slice add a: $(mux slice add a mac $MAC_A attach $ATTACH_A 2>&1)"
mux slice add b mac $MAC_B vlan 20 attach $ATTACH_B rate 1000 >/dev/null && ok "slice b added ($ATTACH_B, VLAN 20, 1000 pps)" || fail "slice add b"
start_a || fail "vrd a"
vrd_start "$SB" $T-b --config "$W_DIR/b.conf" --fpm off -- -m 512 --no-pci || fail "vrd b"

# --- each network reaches its own slice, ARP and ND through the mux ---
pingok() { ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
wait_for 30 pingok "$HA" 10.0.0.1 && ok "HA pings 10.0.0.1" || fail "HA cannot ping 10.0.0.1"
wait_for 30 pingok "$HB" 10.0.0.1 && ok "HB (VLAN 20) pings 10.0.0.1" || fail "HB cannot ping 10.0.0.1"
neigh_mac() { ip -n "$1" neigh show "$2" dev eth0 | awk '{for (i=1;i<NF;i++) if ($i=="lladdr") print $(i+1)}'; }
[ "$(neigh_mac "$HA" 10.0.0.1)" = $MAC_A ] && ok "HA's 10.0.0.1 is slice a ($MAC_A): ARP went through the mux" || fail "HA's 10.0.0.1 is $(neigh_mac "$HA" 10.0.0.1)"
[ "$(neigh_mac "$HB" 10.0.0.1)" = $MAC_B ] && ok "HB's 10.0.0.1 is slice b ($MAC_B): same address, other network" || fail "HB's 10.0.0.1 is $(neigh_mac "$HB" 10.0.0.1)"
wait_for 20 ip netns exec "$HA" ping -6 -c 1 -W 1 fd00::1 && ok "HA pings fd00::1 (ND through the mux)" || fail "HA ping6"
wait_for 20 ip netns exec "$HB" ping -6 -c 1 -W 1 fd00::1 && ok "HB pings fd00::1" || fail "HB ping6"
[ "$(neigh_mac "$HA" fd00::1)" = $MAC_A ] && [ "$(neigh_mac "$HB" fd00::1)" = $MAC_B ] && ok "ND answers came from each network's own slice" || fail "ND: $(neigh_mac "$HA" fd00::1) $(neigh_mac "$HB" fd00::1)"
[ "$(vrctl $T-a neigh show --json | jq '[.[] | select(.address == "10.0.0.2")] | length')" -le 1 ] && ok "slice a learned one 10.0.0.2 only" || fail "slice a saw two hosts"

# --- anti-spoofing and unknown unicast ---
rawsend() { # NS IFACE DST SRC COUNT [ETHERTYPE]
  ip netns exec "$1" $PY - "$2" "$3" "$4" "$5" "${6:-0x88b5}" <<'PY'
import socket, sys
ifc, dst, src, n, et = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5], 16)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifc, 0))
f = bytes.fromhex(dst.replace(':', '')) + bytes.fromhex(src.replace(':', '')) + et.to_bytes(2, 'big') + bytes(46)
for _ in range(n):
    s.send(f)
PY
}
sp0=$(mux_stat b 'drops.spoofed_src_mac')
rawsend "$SB" sb1 "$(macof "$HA" eth0)" $MAC_A 50
wait_for 5 test "$(mux_stat b 'drops.spoofed_src_mac')" -ge $((sp0 + 50))
sp1=$(mux_stat b 'drops.spoofed_src_mac')
[ "$sp1" -ge $((sp0 + 50)) ] && ok "slice b sending as slice a's MAC: dropped, spoofed_src_mac $sp0 -> $sp1" || fail "spoofed_src_mac $sp0 -> $sp1"
uu0=$(mux uplink show --json | jq .stats.drops.unknown_unicast)
rawsend "$HA" eth0 02:99:00:00:00:01 "$(macof "$HA" eth0)" 20
sleep 1
uu1=$(mux uplink show --json | jq .stats.drops.unknown_unicast)
[ "$uu1" -ge $((uu0 + 20)) ] && ok "unknown unicast from the wire dropped and counted ($uu0 -> $uu1)" || fail "unknown_unicast $uu0 -> $uu1: $(mux uplink show --json)"
wv0=$(mux_stat b 'drops.wrong_vlan')
rawsend "$SB" sb1 ff:ff:ff:ff:ff:ff $MAC_B 10 0x8100
sleep 1
[ "$(mux_stat b 'drops.wrong_vlan')" -ge $((wv0 + 10)) ] && ok "slice b sending tagged frames: wrong_vlan" || fail "wrong_vlan"

# --- restart slice a's vrd: it comes back by itself, b loses nothing ---
ip netns exec "$HB" ping -c 120 -i 0.05 -W 1 10.0.0.1 > "$W_DIR/hb.ping" 2>&1 &
PING=$!
sleep 1
kill "$VRD_A"; wait "$VRD_A" 2>/dev/null
pingok "$HA" 10.0.0.1 && fail "HA still answered with slice a down" || ok "slice a down: HA gets no answer"
start_a || fail "vrd a restart"
wait_for 40 pingok "$HA" 10.0.0.1 && ok "slice a's vrd restarted: HA's traffic came back by itself" || { fail "HA after restart"; mux slice show a; }
wait $PING
grep -q " 0% packet loss" "$W_DIR/hb.ping" && ok "slice b lost no packet meanwhile: $(grep -o '[0-9]* received' "$W_DIR/hb.ping")" || fail "slice b lost packets: $(tail -2 "$W_DIR/hb.ping")"

# --- slice b floods far over its rate: slice a loses nothing ---
rl0=$(mux_stat b 'drops.rate_limited')
ip netns exec "$HA" ping -c 60 -i 0.05 -W 1 10.0.0.1 > "$W_DIR/ha.ping" 2>&1 &
PING=$!
rawsend "$SB" sb1 "$(macof "$HB" eth0)" $MAC_B 30000 &
FLOOD=$!
wait $PING; wait $FLOOD
rl1=$(mux_stat b 'drops.rate_limited')
[ "$rl1" -gt "$rl0" ] && ok "slice b over its rate: rate_limited $rl0 -> $rl1" || fail "rate_limited $rl0 -> $rl1"
grep -q " 0% packet loss" "$W_DIR/ha.ping" && ok "slice a, within its rate, lost nothing during the flood: $(grep -o '[0-9]* received' "$W_DIR/ha.ping")" || fail "slice a lost packets: $(tail -2 "$W_DIR/ha.ping")"

# --- removing and adding a slice does not disturb the other ---
ip netns exec "$HA" ping -c 60 -i 0.05 -W 1 10.0.0.1 > "$W_DIR/ha2.ping" 2>&1 &
PING=$!
for _ in 1 2 3; do mux slice del b >/dev/null; sleep 0.3; mux slice add b mac $MAC_B vlan 20 attach $ATTACH_B rate 1000 >/dev/null; sleep 0.3; done
wait $PING
grep -q " 0% packet loss" "$W_DIR/ha2.ping" && ok "slice b deleted and added 3 times: slice a lost nothing" || fail "slice a lost packets: $(tail -2 "$W_DIR/ha2.ping")"
wait_for 20 pingok "$HB" 10.0.0.1 && ok "slice b works again after re-adding" || fail "HB after re-add"

# --- commands: show, bad input ---
mux slice show --json | jq -e 'length == 2 and (map(.name) | sort) == ["a","b"]' >/dev/null && ok "slice show --json lists a and b" || fail "slice show"
mux uplink show --json | jq -e '.stats.rx_packets > 0 and .stats.tx_packets > 0' >/dev/null && ok "uplink show --json counts traffic" || fail "uplink show"
bad() { local out; out=$(mux "$@" 2>&1) && { fail "accepted: $*"; return; }; ok "refused '$*': $out"; }
bad slice add c mac $MAC_A attach ${ATTACH_B%:*}:nosuch0
bad slice add c mac 01:00:5e:00:00:01 attach veth:x
bad slice add c mac 02:00:00:00:0c:01 vlan 4095 attach veth:x
bad slice add c mac 02:00:00:00:0c:01 attach $ATTACH_B
bad slice add c mac 02:00:00:00:0c:01 attach bogus:x
bad slice add c mac 02:00:00:00:0c:01 attach ${ATTACH_B%:*}:nosuch0
bad slice add 'c;x' mac 02:00:00:00:0c:01 attach veth:x
bad slice del nosuch
bad slice frob
[ "$MUX_BACKEND" = xdp ] && bad slice add c mac 02:00:00:00:0c:01 attach vhost-user:/tmp/x.sock
mux slice show --json | jq -e 'length == 2' >/dev/null && ok "bad commands changed nothing" || fail "slice table changed"
kill -0 $MUX_PID && ok "vrmux alive" || fail "vrmux died"

# --- shutdown leaves nothing behind ---
kill $MUX_PID; wait $MUX_PID 2>/dev/null
if [ "$MUX_BACKEND" = xdp ]; then
  ip -n "$M" link show | grep -q "xdp" && fail "XDP programs left in the mux namespace" || ok "nothing attached after vrmux exits"
fi
[ -S "$MUXSOCK" ] && fail "socket left" || ok "socket removed"
lib_exit
