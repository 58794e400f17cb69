#!/bin/bash
# vrmux XDP backend (vnet/vrmux/mux_xdp.h) through tests/mux/mux_xdp_drive.
#
#   wire (substrate)             sub (driver domain)              slices
#   wire0 ----------------------- upl      [mux_uplink]
#    |  scapy: "r1", VLAN 10       vs1 [mux_slice] ---- eth0  s1  VLAN 10   10.0.0.1 fd00::1
#    '- macvlan -> r2 (kernel),    vs2 [mux_slice] ---- eth0  s2  untagged  10.0.0.1 fd00::1
#       untagged, 10.0.0.2         vs3 [mux_slice] ---- eth0  s3  VLAN 10   10.0.0.3 fd00::3
#
# s1 and s2 use the same addresses: their networks are independent, told
# apart by VLAN on the wire. This kernel has no 802.1Q devices, so the
# VLAN 10 remote host "r1" (10.0.0.2, fd00::2) is scapy on wire0; the
# untagged one, r2, is a kernel stack. Frames are counted exactly by
# sending them, then a "barrier" (one malformed frame, which is handled
# after them on the same veth queue) and waiting for it to be counted.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
DRIVE=$BUILD/tests/mux/mux_xdp_drive
PASS_O=$BUILD/vnet/vrmux/mux_pass.bpf.o
[ -x "$DRIVE" ] && [ -f "$PASS_O" ] || skip "$DRIVE or $PASS_O not built"

SUB=${T}sub WIRE=${T}wire S1=${T}s1 S2=${T}s2 S3=${T}s3 R2=${T}r2
MAC_S1=02:00:00:00:01:01 MAC_S2=02:00:00:00:02:01 MAC_S3=02:00:00:00:03:01
MAC_S3B=02:00:00:00:03:02 MAC_R1=02:00:00:00:0a:01 MAC_R2=02:00:00:00:0b:01
MAC_NOBODY=02:00:00:00:99:99
ADD_S1="add s1 vs1 $MAC_S1 10 1000 0"                      # 1000 pps
ADD_S2="add s2 vs2 $MAC_S2 0 1000 10000000"                # 1000 pps, 10 Mbit/s
ADD_S3="add s3 vs3 $MAC_S3,$MAC_S3B 10 0 800000"           # 800 kbit/s
D=$(mktemp -d "/tmp/$T.mux.XXXXXX")
DRV_PID=

mux_cleanup() {
  if [ -n "$DRV_PID" ] && kill -0 "$DRV_PID" 2>/dev/null; then
    echo quit >&7 2>/dev/null
    for _ in $(seq 30); do kill -0 "$DRV_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  lib_cleanup
  rm -rf "$D"
}
trap mux_cleanup EXIT

# --- frames: raw frames (AF_PACKET) and scapy, run inside a namespace ----
cat >"$D/frames.py" <<'EOF'
import socket, struct, sys, time
ETYPE = 0x88b5          # IEEE local experimental: no stack answers it

def mac(s): return bytes.fromhex(s.replace(':', ''))

def frame(dst, src, vlan, payload, size):
    # vlan: 0 untagged, N an 802.1Q tag, adN an 802.1ad tag
    tpid, vid = (0x88a8, int(vlan[2:])) if vlan.startswith('ad') else (0x8100, int(vlan))
    hdr = mac(dst) + mac(src)
    if vid:
        hdr += struct.pack('!HH', tpid, vid)
    data = hdr + struct.pack('!H', ETYPE) + payload
    return data + bytes(max(0, size - len(data)))

def raw_socket(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((iface, 0))
    return s

def send(iface, count, dst, src, vlan, size=60, payload='PROBE'):
    s, n = raw_socket(iface), 0
    f = frame(dst, src, vlan, payload.encode(), int(size))
    for _ in range(int(count)):
        try:
            s.send(f); n += 1
        except OSError:
            pass
    print(n)

def runt(iface, count):
    # 16 bytes: an 802.1Q TPID with half a tag, malformed for the mux
    s = raw_socket(iface)
    for _ in range(int(count)):
        s.send(mac('02:00:00:00:99:98') + mac('02:00:00:00:99:97') + b'\x81\x00\x00')

def sniff(iface, limit=15):
    """Counts PROBE frames received until an END frame; tags must be gone."""
    s = raw_socket(iface)
    s.setsockopt(263, 8, 1)                      # SOL_PACKET, PACKET_AUXDATA
    s.settimeout(1)
    probes = tagged = 0
    print('ready', flush=True)
    end = time.time() + limit
    while time.time() < end:
        try:
            data, anc, _, addr = s.recvmsg(4096, socket.CMSG_SPACE(20))
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING or len(data) < 14:
            continue
        vlan_valid = any(l == 263 and t == 8 and struct.unpack('IIIHHHH', d[:20])[0] & 0x10
                         for l, t, d in anc)
        if struct.unpack('!H', data[12:14])[0] == 0x8100 or vlan_valid:
            tagged += 1
        off = 18 if data[12:14] == b'\x81\x00' else 14
        if data[off - 2:off] != struct.pack('!H', ETYPE):
            continue
        if data[off:off + 3] == b'END':
            print('probes', probes, 'tagged', tagged, flush=True)
            return
        if data[off:off + 5] == b'PROBE':
            probes += 1
    print('timeout probes', probes, 'tagged', tagged, flush=True)

def vlanhost(iface, me, ip, ip6, vlan, tgt, tgt6):
    """A remote host on the wire in VLAN vlan, as scapy: ARP, ping, ND and
    ping6 towards tgt/tgt6. Prints every answer as KIND SRC-MAC VLAN."""
    from scapy.all import (AsyncSniffer, sendp, Ether, Dot1Q, ARP, IP, ICMP, IPv6,
                           ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6NDOptSrcLLAddr,
                           ICMPv6EchoRequest, ICMPv6EchoReply, in6_getnsma, in6_getnsmac,
                           conf)
    import threading
    conf.verb = 0
    vlan, got, up = int(vlan), [], threading.Event()
    sn = AsyncSniffer(iface=iface, store=False, prn=got.append,
                      lfilter=lambda p: p.src != me, started_callback=up.set)
    sn.start(); up.wait(5)

    def l2(dst):
        e = Ether(src=me, dst=dst)
        return e / Dot1Q(vlan=vlan) if vlan else e

    def wait_for(pred, limit=3.0):
        end = time.time() + limit
        while time.time() < end:
            for p in list(got):
                if pred(p):
                    return p
            time.sleep(0.05)

    sendp(l2('ff:ff:ff:ff:ff:ff') / ARP(op=1, hwsrc=me, psrc=ip, pdst=tgt), iface=iface)
    r = wait_for(lambda p: ARP in p and p[ARP].op == 2)
    peer = r.src if r else 'ff:ff:ff:ff:ff:ff'
    sendp(l2(peer) / IP(src=ip, dst=tgt) / ICMP(id=7, seq=1), iface=iface)
    nsma = in6_getnsma(socket.inet_pton(socket.AF_INET6, tgt6))
    sendp(l2(in6_getnsmac(nsma)) / IPv6(src=ip6, dst=socket.inet_ntop(socket.AF_INET6, nsma)) /
          ICMPv6ND_NS(tgt=tgt6) / ICMPv6NDOptSrcLLAddr(lladdr=me), iface=iface)
    wait_for(lambda p: ICMPv6ND_NA in p)
    sendp(l2(peer) / IPv6(src=ip6, dst=tgt6) / ICMPv6EchoRequest(id=7, seq=1), iface=iface)
    wait_for(lambda p: ICMPv6EchoReply in p)
    time.sleep(0.5)                 # time for a wrong slice to answer as well
    sn.stop()
    for p in got:
        kind = ('arp' if ARP in p and p[ARP].op == 2 else
                'echo' if ICMP in p and p[ICMP].type == 0 else
                'na' if ICMPv6ND_NA in p else 'echo6' if ICMPv6EchoReply in p else None)
        if kind:
            print(kind, p.src, p[Dot1Q].vlan if Dot1Q in p else 0)

cmd = sys.argv[1]
{'send': send, 'runt': runt, 'sniff': sniff, 'vlanhost': vlanhost}[cmd](*sys.argv[2:])
EOF
frames() { local ns=$1; shift; ip netns exec "$ns" "$PY" "$D/frames.py" "$@"; }

# --- the driver: one command line in, one answer line out ----------------
mux() {
  local line
  echo "$*" >&7
  IFS= read -r -t 30 line <&8 || line="error: no answer from mux_xdp_drive"
  echo "$line"
}
# counter PORT FIELD: one counter of slice PORT, or of the uplink.
counter() {
  local line
  if [ "$1" = uplink ]; then line=$(mux uplink); else line=$(mux stats "$1"); fi
  echo "$line" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
# barrier NS IFACE PORT: send one runt from NS's IFACE, wait until PORT
# has counted it; whatever NS sent before on IFACE has been handled then.
# Frames going to a slice are counted at its devmap flush, right after;
# so wait for PORT's counters to settle as well.
barrier() {
  local before now prev
  before=$(counter "$3" malformed)
  frames "$1" runt "$2" 1
  for _ in $(seq 100); do
    now=$(counter "$3" malformed)
    [ "${now:-0}" -gt "${before:-0}" ] && break
    sleep 0.05
  done
  prev=
  for _ in $(seq 20); do
    now=$(mux stats s1; mux stats s2; mux stats s3; mux uplink)
    [ "$now" = "$prev" ] && break
    prev=$now; sleep 0.1
  done
}
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got '$2', want '$3'"; fi; }
expect_gt() { if [ "${2:-0}" -gt "$3" ]; then ok "$1 ($2)"; else fail "$1: got '$2', want > $3"; fi; }
expect_ok() { local r; r=$(mux "$2"); expect_eq "$1" "$r" ok; }

# --- topology ------------------------------------------------------------
for ns in $SUB $WIRE $S1 $S2 $S3 $R2; do ns_add "$ns" || skip "cannot create namespaces"; done
# Only the mux speaks in sub: its kernel must not add IPv6 chatter.
ip netns exec "$SUB" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$WIRE" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link add upl netns "$SUB" type veth peer name wire0 netns "$WIRE"
ip -n "$SUB" link set upl up
ip -n "$WIRE" link set wire0 up
ip netns exec "$WIRE" ethtool -K wire0 tx off >/dev/null 2>&1
# The receiving end of every veth the mux redirects into needs XDP.
ip -n "$WIRE" link set dev wire0 xdp obj "$PASS_O" sec xdp 2>"$D/xdp.err" ||
  { cat "$D/xdp.err"; skip "kernel cannot attach XDP to a veth"; }
ip -n "$WIRE" link add link wire0 name r2 type macvlan mode bridge
ip -n "$WIRE" link set r2 netns "$R2"
ip -n "$R2" link set r2 name eth0
ip -n "$R2" link set eth0 address $MAC_R2 up
ip netns exec "$R2" ethtool -K eth0 tx off >/dev/null 2>&1
ip -n "$R2" addr add 10.0.0.2/24 dev eth0
ip -n "$R2" addr add fd00::2/64 dev eth0 nodad

slice_ns() { # NS VETH MAC ADDR ADDR6
  ip link add "$2" netns "$SUB" type veth peer name eth0 netns "$1"
  ip -n "$SUB" link set "$2" up
  ip -n "$1" link set eth0 address "$3" up
  ip netns exec "$1" ethtool -K eth0 tx off >/dev/null 2>&1
  ip -n "$1" link set dev eth0 xdp obj "$PASS_O" sec xdp
  ip -n "$1" addr add "$4" dev eth0
  ip -n "$1" addr add "$5" dev eth0 nodad
}
slice_ns "$S1" vs1 $MAC_S1 10.0.0.1/24 fd00::1/64
slice_ns "$S2" vs2 $MAC_S2 10.0.0.1/24 fd00::1/64
slice_ns "$S3" vs3 $MAC_S3 10.0.0.3/24 fd00::3/64

# The driver runs in sub's network namespace (nsenter, not ip netns exec,
# which remounts /sys and hides bpffs) with a bpffs of its own in a
# private mount namespace: libxdp's dispatcher (where the kernel lets it
# run) pins nothing on the host, and what it leaves is listed on exit.
mkdir -p "$D/bpffs"
mkfifo "$D/in" "$D/out"
nsenter --net="/var/run/netns/$SUB" unshare --mount --propagation private sh -c '
  mount -t bpf bpf "$1" 2>/dev/null
  LIBXDP_BPFFS=$1 "$2" upl; rc=$?
  find "$1/xdp" -name "dispatch-*" >"$3" 2>/dev/null
  exit $rc' sh "$D/bpffs" "$DRIVE" "$D/pins.txt" <"$D/in" >"$D/out" 2>"$D/drive.log" &
DRV_PID=$!
LIB_PIDS+=("$DRV_PID")
exec 7>"$D/in" 8<"$D/out"
IFS= read -r -t 30 hello <&8 || hello="(no answer)"
if [[ "$hello" != ready* ]]; then
  echo "mux_xdp_drive: $hello"; cat "$D/drive.log"
  [[ "$hello" == *"cannot attach XDP"* ]] && skip "kernel cannot attach the uplink XDP program"
  fail "mux_xdp_open"; lib_exit
fi
log "mux open ($hello)"

# --- slices and configuration errors -------------------------------------
expect_ok "add s1 (VLAN 10)" "$ADD_S1"
expect_ok "add s2 (untagged, same addresses as s1)" "$ADD_S2"
expect_ok "add s3 (VLAN 10, two MACs)" "$ADD_S3"
r=$(mux "add s4 vs1 $MAC_S1 10 0 0")
[[ "$r" == "error: "*"vs1 already used by slice s1"* ]] && ok "same veth refused: $r" || fail "same veth: $r"
ip link add vs4 netns "$SUB" type veth peer name vs4p netns "$SUB"
r=$(mux "add s4 vs4 $MAC_S1 10 0 0")
[[ "$r" == "error: "*"MAC $MAC_S1 already owned by slice s1"* ]] && ok "owned MAC refused: $r" || fail "owned MAC: $r"
r=$(mux "add s4 nosuch0 02:00:00:00:04:01 0 0 0")
[[ "$r" == "error: "*"no interface nosuch0"* ]] && ok "missing interface refused: $r" || fail "missing interface: $r"
r=$(mux "add s4 vs4 01:00:5e:00:00:01 0 0 0")
[[ "$r" == "error: "*"not a unicast address"* ]] && ok "group MAC refused: $r" || fail "group MAC: $r"
r=$(mux "add s4 vs4 $MAC_S1 0 0 0")    # the same MAC untagged is another key
expect_eq "same MAC in another VLAN accepted" "$r" ok
expect_ok "del s4" "del s4"
r=$(mux "del s4")
[[ "$r" == "error: "*"no such slice"* ]] && ok "del unknown refused" || fail "del unknown: $r"

# --- reachability: each remote host reaches its own slice only -----------
if ip netns exec "$R2" ping -c 3 -i 0.2 -W 2 -q 10.0.0.1 >/dev/null &&
   ip netns exec "$R2" ping -6 -c 3 -i 0.2 -W 2 -q fd00::1 >/dev/null; then
  ok "r2 (untagged) pings 10.0.0.1 and fd00::1"
else fail "r2 cannot ping its slice"; fi
expect_eq "r2's ARP entry is s2" "$(ip -n "$R2" neigh show 10.0.0.1 | grep -o "$MAC_S2")" "$MAC_S2"
expect_eq "r2's ND entry is s2" "$(ip -n "$R2" -6 neigh show fd00::1 | grep -o "$MAC_S2")" "$MAC_S2"
expect_eq "s1 never saw r2" "$(ip -n "$S1" neigh | grep -c "$MAC_R2")" 0

frames "$WIRE" vlanhost wire0 $MAC_R1 10.0.0.2 fd00::2 10 10.0.0.1 fd00::1 >"$D/r1.txt" 2>"$D/r1.err"
sort -u "$D/r1.txt" | sed 's/^/  r1 got: /'
for kind in arp echo na echo6; do
  expect_eq "r1 (VLAN 10) $kind answered by s1 only, tagged 10" \
    "$(grep "^$kind " "$D/r1.txt" | sort -u | tr '\n' ' ')" "$kind $MAC_S1 10 "
done
expect_eq "s2 never saw r1" "$(ip -n "$S2" neigh | grep -c "$MAC_R1")" 0

# Slice to slice in a VLAN: hairpin inside the mux (the wire would not
# send it back), ARP by flooding between slices.
ip netns exec "$S1" ping -c 2 -i 0.2 -W 2 -q 10.0.0.3 >/dev/null &&
  ok "s1 pings s3 in VLAN 10 (hairpin)" || fail "s1 cannot ping s3"
expect_eq "s3's ARP entry for s1" "$(ip -n "$S3" neigh show 10.0.0.1 | grep -o "$MAC_S1")" "$MAC_S1"

# --- flooding and unicast per VLAN, tags stripped ------------------------
N=20
sniffers=()
for s in 1 2 3; do
  ns_var=S$s
  frames "${!ns_var}" sniff eth0 >"$D/sniff$s.txt" 2>&1 &
  sniffers+=($!)
done
for s in 1 2 3; do
  for _ in $(seq 100); do grep -q ready "$D/sniff$s.txt" 2>/dev/null && break; sleep 0.05; done
done
frames "$WIRE" send wire0 $N ff:ff:ff:ff:ff:ff $MAC_R1 10 >/dev/null   # VLAN 10 broadcast
frames "$WIRE" send wire0 $N $MAC_S1 $MAC_R1 10 >/dev/null            # to s1 in VLAN 10
frames "$WIRE" send wire0 $N $MAC_S3B $MAC_R1 10 >/dev/null           # s3's second MAC
frames "$WIRE" send wire0 $N $MAC_S2 $MAC_R2 0 >/dev/null             # to s2, untagged
frames "$WIRE" send wire0 1 ff:ff:ff:ff:ff:ff $MAC_R1 10 60 END >/dev/null
frames "$WIRE" send wire0 1 ff:ff:ff:ff:ff:ff $MAC_R2 0 60 END >/dev/null
wait "${sniffers[@]}"
expect_eq "s1 got VLAN 10 broadcast + its unicast, untagged" "$(cat "$D/sniff1.txt" | tail -1)" "probes $((2 * N)) tagged 0"
expect_eq "s2 got only its untagged unicast" "$(cat "$D/sniff2.txt" | tail -1)" "probes $N tagged 0"
expect_eq "s3 got VLAN 10 broadcast + unicast to its 2nd MAC" "$(cat "$D/sniff3.txt" | tail -1)" "probes $((2 * N)) tagged 0"

# --- drops, each under its reason ----------------------------------------
# check_drop DESC PORT REASON WANT -- SENDER-NS SENDER-IF frames-args...
check_drop() {
  local desc=$1 port=$2 reason=$3 want=$4 ns=$6 ifc=$7 b a
  shift 7
  b=$(counter "$port" "$reason")
  frames "$ns" "$@" >/dev/null
  barrier "$ns" "$ifc" "$port"
  a=$(counter "$port" "$reason")
  expect_eq "$desc: $port $reason +$want" "$((a - b))" "$want"
}
check_drop "s1 spoofs s2's MAC" s1 spoofed_src_mac $N -- "$S1" eth0 send eth0 $N $MAC_R1 $MAC_S2 0
check_drop "s1 spoofs s3's MAC (same VLAN)" s1 spoofed_src_mac $N -- "$S1" eth0 send eth0 $N $MAC_R1 $MAC_S3 0
check_drop "s1 sends into VLAN 20" s1 wrong_vlan $N -- "$S1" eth0 send eth0 $N $MAC_R1 $MAC_S1 20
check_drop "s2 (untagged) sends into VLAN 10" s2 wrong_vlan $N -- "$S2" eth0 send eth0 $N $MAC_S1 $MAC_S2 10
check_drop "s1 sends an 802.1ad frame" s1 wrong_vlan $N -- "$S1" eth0 send eth0 $N $MAC_R1 $MAC_S1 ad10
check_drop "s1 sends to its own MAC" s1 dst_is_self $N -- "$S1" eth0 send eth0 $N $MAC_S1 $MAC_S1 0
check_drop "runts from s1" s1 malformed $((N + 1)) -- "$S1" eth0 runt eth0 $N
check_drop "unknown unicast from the wire" uplink unknown_unicast $N -- "$WIRE" wire0 send wire0 $N $MAC_NOBODY $MAC_R2 0
check_drop "s1's MAC untagged (s1 is VLAN 10)" uplink unknown_unicast $N -- "$WIRE" wire0 send wire0 $N $MAC_S1 $MAC_R2 0
check_drop "s2's MAC in VLAN 10 (s2 is untagged)" uplink unknown_unicast $N -- "$WIRE" wire0 send wire0 $N $MAC_S2 $MAC_R1 10
check_drop "broadcast in VLAN 30 (no slice)" uplink unknown_vlan $N -- "$WIRE" wire0 send wire0 $N ff:ff:ff:ff:ff:ff $MAC_R1 30
check_drop "802.1ad frames from the wire" uplink unknown_vlan $N -- "$WIRE" wire0 send wire0 $N $MAC_S1 $MAC_R1 ad10
check_drop "runts from the wire" uplink malformed $((N + 1)) -- "$WIRE" wire0 runt wire0 $N

# --- rate limits: a flooding slice is held, the other loses nothing ------
FLOOD=20000
ip netns exec "$S2" ping -c 20 -i 0.1 -W 2 10.0.0.2 >"$D/ping_rate.txt" 2>&1 &
ping_pid=$!
tx0=$(counter s1 tx_pkts); rl0=$(counter s1 rate_limited)
sent=$(frames "$S1" send eth0 $FLOOD $MAC_R1 $MAC_S1 0)
barrier "$S1" eth0 s1
tx1=$(counter s1 tx_pkts); rl1=$(counter s1 rate_limited)
log "s1 sent $sent frames at its 1000 pps limit: $((tx1 - tx0)) forwarded, $((rl1 - rl0)) rate_limited"
expect_gt "s1 flood (from slice) rate_limited" $((rl1 - rl0)) 0
# tx also counts what s1's own kernel sent meanwhile: no exact sum here.
[ $((tx1 - tx0)) -lt "$sent" ] && ok "s1 flood held: forwarded < sent" || fail "s1 flood not held"
wait $ping_pid
grep -q " 0% packet loss" "$D/ping_rate.txt" && ok "s2's ping lost nothing during s1's flood" ||
  { fail "s2's ping during s1's flood"; cat "$D/ping_rate.txt"; }

rx0=$(counter s1 rx_pkts); rl0=$(counter s1 rate_limited)
sent=$(frames "$WIRE" send wire0 $FLOOD $MAC_S1 $MAC_R1 10)
barrier "$WIRE" wire0 uplink
rx1=$(counter s1 rx_pkts); rl1=$(counter s1 rate_limited)
log "wire sent $sent frames to s1: $((rx1 - rx0)) delivered, $((rl1 - rl0)) rate_limited"
expect_gt "flood to s1 (to slice) rate_limited" $((rl1 - rl0)) 0

tx0=$(counter s3 tx_pkts); rl0=$(counter s3 rate_limited)
sent=$(frames "$S3" send eth0 3000 $MAC_R1 $MAC_S3 0 1400)
barrier "$S3" eth0 s3
tx1=$(counter s3 tx_pkts); rl1=$(counter s3 rate_limited)
log "s3 sent $sent 1400-byte frames at 800 kbit/s: $((tx1 - tx0)) forwarded, $((rl1 - rl0)) rate_limited"
expect_gt "s3 flood over its bit rate rate_limited" $((rl1 - rl0)) 0

# --- removing and re-adding a slice does not disturb the others ----------
ip netns exec "$S2" ping -c 40 -i 0.05 -W 2 10.0.0.2 >"$D/ping_del.txt" 2>&1 &
ping_pid=$!
cycles=0 bad=0
while kill -0 $ping_pid 2>/dev/null && [ $cycles -lt 20 ]; do
  [ "$(mux del s1)" = ok ] || bad=1
  [[ "$(mux stats s1)" == error:* ]] || bad=1
  [ "$(mux "$ADD_S1")" = ok ] || bad=1
  cycles=$((cycles + 1))
done
wait $ping_pid
expect_eq "s1 deleted and re-added $cycles times" "$bad" 0
grep -q " 0% packet loss" "$D/ping_del.txt" && ok "s2's ping lost nothing meanwhile" ||
  { fail "s2's ping during s1's del/add"; cat "$D/ping_del.txt"; }
expect_eq "re-added s1 starts from zero" "$(counter s1 spoofed_src_mac)" 0
ip netns exec "$S1" ping -c 2 -i 0.2 -W 2 -q 10.0.0.3 >/dev/null &&
  ok "re-added s1 pings s3" || fail "re-added s1 cannot ping s3"
frames "$WIRE" vlanhost wire0 $MAC_R1 10.0.0.2 fd00::2 10 10.0.0.1 fd00::1 >"$D/r1b.txt" 2>&1
expect_eq "r1 reaches re-added s1" "$(grep '^echo ' "$D/r1b.txt" | sort -u)" "echo $MAC_S1 10"

# --- close leaves nothing behind ------------------------------------------
echo quit >&7
IFS= read -r -t 30 bye <&8
for _ in $(seq 50); do kill -0 "$DRV_PID" 2>/dev/null || break; sleep 0.1; done
wait "$DRV_PID"; rc=$?
expect_eq "driver closed the mux and exited 0" "$bye/$rc" "closed/0"
expect_eq "no XDP program left in sub" "$(ip -n "$SUB" link show | grep -c xdp)" 0
expect_eq "no libxdp pins left" "$(wc -l <"$D/pins.txt" 2>/dev/null)" 0
lib_exit
