#!/bin/bash
# Bad input on the control side: bad arguments, config files, commands and
# raw garbage on the API socket each get a message naming the problem, a
# non-zero exit, and change nothing; vrd keeps running and answering.
# Also: stats clear, telemetry, and a client that hangs up mid-reply.
# timeout: 180
source "$(dirname "$0")/../lib.sh"
hugepages_prepare
NS=${T}c S=${T}c
SOCK=/run/vrplane/$S.sock
ns_add "$NS"
ip link add vc1 netns "$NS" type veth peer name vc2 netns "$NS"
# No IPv6 on the veths: their ND would give vrd neighbour routes
# (fe80::.../128) a second or two after start, while the route count
# below is being compared.
ip netns exec "$NS" sysctl -qw net.ipv6.conf.vc1.disable_ipv6=1 net.ipv6.conf.vc2.disable_ipv6=1
ip -n "$NS" link set vc1 up; ip -n "$NS" link set vc2 up

# expect_err WHAT PATTERN CMD...: CMD fails and says PATTERN.
expect_err() {
  local what=$1 pat=$2; shift 2
  local out; out=$("$@" 2>&1) && { fail "$what: succeeded: $out"; return; }
  echo "$out" | grep -qiE -- "$pat" && ok "$what: $(echo "$out" | tail -1)" || fail "$what: said '$out', expected /$pat/"
}

# --- vrd's own arguments and config files
expect_err "vrd without --slice" "--slice NAME is required" "$VRD"
expect_err "vrd with a bad slice name" "letters, digits" "$VRD" --slice 'a/b'
expect_err "vrd with a stray argument" "unexpected argument" "$VRD" --slice x extra
cfg=$(mktemp /tmp/$T.cfg.XXXX)
cat > "$cfg" <<CFG
# a comment
port add p1 devargs net_af_packet_c1,iface=vc1
addr add 10.9.0.1/24 dev p1
route add 10.99.0.0/16 via 10.9.0.2
route add 10.98.0.0/16 vya 10.9.0.2
CFG
expect_err "config with a bad line" "line 5: unexpected 'vya'" ip netns exec "$NS" "$VRD" --slice "$S" --config "$cfg" -- -m 512 --no-pci
[ -e /sys/class/net/p1 ] || ip netns exec "$NS" test ! -e /sys/class/net/p1 && ok "the bad config left no TAP behind" || fail "TAP p1 left behind"
sed -i '$d' "$cfg"
echo "route add 2001:db8:99::/48 via 10.9.0.2" >> "$cfg"
expect_err "config with a family mismatch" "line 5: next hop 10.9.0.2 is not of the prefix's family" \
  ip netns exec "$NS" "$VRD" --slice "$S" --config "$cfg" -- -m 512 --no-pci
sed -i '$d' "$cfg"
vrd_start "$NS" "$S" --config "$cfg" -- -m 512 --no-pci || { fail "vrd with a good config"; lib_exit; }
vrctl "$S" route show 10.99.0.0/16 | grep -q "10.99.0.0/16 via 10.9.0.2 dev p1" && ok "good config applied" || fail "config not applied"
routes() { vrctl "$S" route show --json | jq length; }
n0=$(routes)

# --- bad commands
expect_err "unknown command" "unknown command 'frobnicate'" vrctl "$S" frobnicate
expect_err "bad prefix" "'10.0.0.300/24' is not a prefix" vrctl "$S" route add 10.0.0.300/24 via 10.9.0.2
expect_err "prefix length" "bad prefix length" vrctl "$S" route add 10.0.0.0/33 via 10.9.0.2
expect_err "host bits" "host bits set" vrctl "$S" route add 10.0.0.1/24 via 10.9.0.2
expect_err "unreachable gateway" "not on a connected network" vrctl "$S" route add 10.1.0.0/16 via 192.0.2.1
expect_err "unknown port" "no port named 'p9'" vrctl "$S" route add 10.1.0.0/16 via 10.9.0.2 dev p9
expect_err "no next hop" "no next hop|usage" vrctl "$S" route add 10.1.0.0/16
expect_err "too many next hops" "more than 16" vrctl "$S" route add 10.1.0.0/16 $(for i in $(seq 17); do echo via 10.9.0.$((i + 2)); done)
expect_err "delete a missing route" "no route 10.77.0.0/16" vrctl "$S" route del 10.77.0.0/16
expect_err "bad MAC" "bad MAC address" vrctl "$S" neigh add 10.9.0.2 lladdr 02:00:00:zz:00:01 dev p1
expect_err "multicast MAC" "not a unicast MAC" vrctl "$S" neigh add 10.9.0.2 lladdr 01:00:5e:00:00:01 dev p1
expect_err "bad devargs" "cannot probe device" vrctl "$S" port add p2 devargs net_nosuchdriver0
expect_err "port name too long" "bad port name" vrctl "$S" port add averyveryverylongportname devargs net_af_packet_c2,iface=vc2
expect_err "duplicate port" "port p1 exists" vrctl "$S" port add p1 devargs net_af_packet_c2,iface=vc2
expect_err "device already a port" "already port p1" vrctl "$S" port add p3 devargs net_af_packet_c1,iface=vc1
expect_err "duplicate address" "already on p1" vrctl "$S" addr add 10.9.0.1/24 dev p1
rf=$(mktemp /tmp/$T.routes.XXXX)
printf '10.50.0.0/16\n# comment\n\n10.51.0.0/16\nnot-a-prefix\n10.52.0.0/16\n' > "$rf"
expect_err "route load: bad line" "line 5: 'not-a-prefix' is not a prefix" vrctl "$S" route load "$rf" via 10.9.0.2
printf '10.50.0.0/16\n2001:db8::/32\n' > "$rf"
expect_err "route load: family" "line 2" vrctl "$S" route load "$rf" via 10.9.0.2
expect_err "route load: missing file" "cannot open" vrctl "$S" route load /nonexistent/routes via 10.9.0.2
[ "$(routes)" = "$n0" ] && ok "failed commands changed nothing ($n0 routes)" || fail "route count $n0 -> $(routes)"
printf '10.50.0.0/16\n# comment\n\n10.51.0.0/16\n' | gzip > "$rf.gz"
vrctl "$S" route load "$rf.gz" via 10.9.0.2 >/dev/null && [ "$(routes)" = $((n0 + 2)) ] && ok "gzip route file loaded" || fail "gzip load"
vrctl "$S" route add 10.60.0.0/16 via 10.9.0.2 via 10.9.0.3 dev p1
"$VRCTL" --json -s "$SOCK" route show 10.60.0.0/16 | jq -e '.[0].nexthops | length == 2' >/dev/null && ok "ECMP route with a trailing dev" || fail "ECMP route"
vrctl "$S" route add 10.60.0.0/16 via 10.9.0.4
vrctl "$S" route show 10.60.0.0/16 --json | jq -e '.[0].nexthops == [{"via":"10.9.0.4","dev":"p1","type":"unresolved"}]' >/dev/null \
  && ok "route replace" || fail "route replace: $(vrctl "$S" route show 10.60.0.0/16 --json)"

# --- garbage on the socket
send_raw() { printf '%s' "$1" | socat -t 2 - UNIX-CONNECT:"$SOCK"; }
for req in 'not json' '{"argv": "route"}' '{"argv": []}' '{"argv": [1, 2]}' '{"json": true}' '[' ''; do
  out=$(send_raw "$req")
  echo "$out" | head -1 | jq -e '.errno == 22' >/dev/null && ok "raw request '$req': errno 22" || fail "raw request '$req': $out"
done
big=$($PY - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
try:
    s.sendall(b"x" * 3000000)   # the daemon stops reading at 1 MiB
except (BrokenPipeError, ConnectionResetError):
    pass
print(s.recv(4096).decode(errors="replace"))
PY
)
echo "$big" | grep -q "larger than 1 MiB" && ok "oversized request refused" || fail "oversized request: $big"
# A client that hangs up in the middle of a large reply: 200,000 routes
# (made here, so that the test needs no route table from ../shared).
big_routes=$(mktemp /tmp/$T.bigroutes.XXXX)
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "%d.%d.%d.0/24\n", 20 + int(i / 65536), int(i / 256) % 256, i % 256 }' > "$big_routes"
vrctl "$S" route load "$big_routes" via 10.9.0.2 >/dev/null || fail "load of 200,000 routes"
rm -f "$big_routes"
for _ in 1 2 3; do vrctl "$S" route show --json | head -c 1000 >/dev/null; done
printf '{"argv":["route","show"],"json":true}' | socat -t 0 - UNIX-CONNECT:"$SOCK" >/dev/null 2>&1
kill -0 "$VRD_PID" && vrctl "$S" stats >/dev/null && ok "vrd survives clients that hang up mid-reply" || fail "vrd died"

# --- stats clear and telemetry
ip netns exec "$NS" ping -c 2 -W 1 -I vc2 10.9.0.1 >/dev/null 2>&1
# The host's kernel sends a few frames of its own after its links come
# up (ND, MLD): clear once nothing has arrived for a second, else one of
# them could land between the clear and the read.
rx_prev=-1
for _ in $(seq 20); do
  rx_now=$(stat_get "$S" '.totals.rx_packets')
  [ "$rx_now" = "$rx_prev" ] && break
  rx_prev=$rx_now
  sleep 1
done
vrctl "$S" stats clear
[ "$(stat_get "$S" '.totals.rx_packets')" = 0 ] && ok "stats clear zeroes what stats shows" || fail "stats clear"
# Each answer carries the TSC of its reading (rates between answers);
# sleep guarantees at least its 0.2 s between them.
tsc1=$(vrctl "$S" stats --json | jq '.totals.tsc')
sleep 0.2
tsc2=$(vrctl "$S" stats --json | jq '[.totals.tsc, .totals.tsc_hz]')
jq -en --argjson a "$tsc1" --argjson b "$tsc2" '($b[0] - $a) / $b[1] >= 0.2' >/dev/null \
  && ok "stats carries the TSC of its reading (advanced at least 0.2 s of tsc_hz across a 0.2 s sleep)" \
  || fail "stats tsc: $tsc1 then $tsc2"
tel=$(ip netns exec "$NS" /usr/bin/python3 - "$S" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect("/var/run/dpdk/vrd-%s/dpdk_telemetry.v2" % sys.argv[1])
json.loads(s.recv(1024))
s.send(b"/vrd/stats")
print(json.dumps(json.loads(s.recv(65536))))
PY
)
echo "$tel" | jq -e '."/vrd/stats" | has("rx_packets") and has("drop_no_route") and has("busy_cycles")' >/dev/null \
  && ok "telemetry /vrd/stats answers" || fail "telemetry: $tel"

# --- a second vrd on the same socket is refused; a stale socket is taken over
expect_err "second vrd on a live socket" "Address already in use" ip netns exec "$NS" "$VRD" --slice "$S" -- -m 256 --no-pci --file-prefix=${T}dup
kill -9 "$VRD_PID"; wait "$VRD_PID" 2>/dev/null
[ -S "$SOCK" ] && ok "killed vrd left a stale socket" || ok "no stale socket"
vrd_start "$NS" "$S" -- -m 512 --no-pci && ok "vrd restarts over a stale socket" || fail "restart over stale socket"

# A port the packet buffer pool cannot fill is refused, naming --mbufs;
# the ports before it keep working.
kill "$VRD_PID"; wait "$VRD_PID" 2>/dev/null
vrd_start "$NS" "$S" --mbufs 4096 -- -m 512 --no-pci || fail "vrd --mbufs 4096"
# 4096 mbufs: 1024 for the TAPs' pool; each port takes 1024 of the data
# pool and 256 of the TAPs', and each of the two lcores 512 and 64.
for q in q1 q2 q3; do
  vrctl "$S" port add $q devargs net_null_$q >/dev/null || fail "port $q in 4096 mbufs: $(vrctl "$S" port show)"
done
[ "$(vrctl "$S" port show --json | jq length)" = 3 ] && ok "three ports fit in 4096 mbufs"
out=$(vrctl "$S" port add q4 devargs net_null_q4 2>&1) && fail "a fourth port was accepted with 4096 mbufs" \
  || { echo "$out" | grep -q "start vrd with --mbufs 5120 " && ok "fourth port refused: $out" || fail "fourth port: $out"; }
[ "$(vrctl "$S" port show --json | jq length)" = 3 ] && ! ip -n "$NS" link show q4 >/dev/null 2>&1 \
  && ok "the refused port left nothing (no port, no TAP)" || fail "after the refused port: $(vrctl "$S" port show)"
vrctl "$S" stats --json | jq -e '[.ports[] | select(.name=="q1")] | length == 1' >/dev/null \
  && ok "the ports before it still answer" || fail "stats after the refused port"
lib_exit
