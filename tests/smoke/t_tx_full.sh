#!/bin/bash
# A driver that refuses packets: vrd forwards a pcap (net_pcap port p1)
# out of a virtio-user port (p2) whose vhost-user backend, vrgen, is
# stopped (SIGSTOP), so that p2's ring fills and rte_eth_tx_burst returns
# less than it was given. Both of vrd's transmit paths meet it: whole
# bursts (VRD_BURST, 64) go to the driver as they are (tx_run_send), the
# last partial burst through the port's tx buffer and its flush. Every
# refused packet must be counted as tx_full, taken out of tx_packets and
# tx_bytes, and freed (the driver is asked again only while it takes
# some, so with a stopped backend nothing is taken on a retry):
# vrd runs with 4096 mbufs and the pcap holds twice as many packets, so a
# leak would leave p1 without buffers to receive into. Once vrgen runs
# again it drains the ring; what it received must be exactly p2's
# tx_packets, and a second pcap (p3) then goes through it, refused only
# where vrgen does not keep up (the pcap comes at once).
# timeout: 180
source "$(dirname "$0")/../lib.sh"
VRGEN=$BUILD/dataplane/gen/vrgen
N1=8010 N2=1000      # 8010 = 125 bursts of 64 and one of 10
command -v jq >/dev/null || skip "jq is not installed"
"$PY" -c 'import scapy' 2>/dev/null || skip "python3-scapy is not installed"
[ -x "$VRD" ] && [ -x "$VRCTL" ] && [ -x "$VRGEN" ] || skip "vrd, vrctl and vrgen are not built ($BUILD)"
hugepages_prepare

NS=${T}f S=${T}f
W=$(mktemp -d "/tmp/$T.txfull.XXXXXX")
GEN_PID=
finish() {
  [ -n "$GEN_PID" ] && kill -CONT "$GEN_PID" 2>/dev/null
  lib_cleanup
  if [ "$LIB_FAILS" -eq 0 ]; then rm -rf "$W"; else echo "(files kept for inspection: $W)"; fi
}
trap finish EXIT
abort() { fail "$*"; lib_exit; }

# The pcaps: 60-byte UDP frames to p1's and p3's MACs (net_pcap numbers
# its devices 02:70:63:61:70:00, :01, ... in the order they are made).
"$PY" - "$W" $N1 $N2 <<'PY' || abort "pcaps"
import sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
w, n1, n2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def frames(mac, n):
    return [Ether(dst=mac, src="02:00:00:00:00:01") /
            IP(src="10.0.3.2", dst="198.18.%d.%d" % (i // 250 % 250, 1 + i % 250)) /
            UDP(sport=1024 + i % 1000, dport=9) / Raw(b"\0" * 18) for i in range(n)]
wrpcap(w + "/in1.pcap", frames("02:70:63:61:70:00", n1))
wrpcap(w + "/in3.pcap", frames("02:70:63:61:70:01", n2))
PY
echo 198.18.0.0/15 > "$W/routes"

# vrgen is only the receiver: it sends 1 packet a second into a net_null.
# What vrd forwards is not vrgen's (another source address): rx_other.
"$VRGEN" --tx net_null_g0,no-rx=1 --rx "net_vhost0,iface=$W/out.sock,queues=1" --routes "$W/routes" \
  --dst-mac 02:00:00:00:00:99 --rate 1 --duration 0 --wait 60 --quiet \
  -- -l 0 --file-prefix "$T-gen" --in-memory --single-file-segments -m 512 --no-pci \
  --no-telemetry >"$W/gen.log" 2>&1 &
GEN_PID=$!
LIB_PIDS+=("$GEN_PID")
wait_for 30 grep -q "^vrgen: port rx" "$W/gen.log" || { cat "$W/gen.log"; abort "vrgen did not start"; }
GEN_MAC=$(awk '/^vrgen: port rx/ {print $NF}' "$W/gen.log")

# The kernel behind the TAPs says nothing of its own (no IPv6: no ND, no
# MLD), so that p2 sends only what vrd forwards.
ns_add "$NS" || abort "namespace"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
vrd_start "$NS" "$S" --mbufs 4096 --fpm off -- -m 512 --no-pci || abort "vrd did not start"
vrctl "$S" port add p2 devargs "net_virtio_user0,path=$W/out.sock,queue_size=256" >/dev/null || abort "port add p2"
vrctl "$S" addr add 10.0.2.1/24 dev p2 >/dev/null || abort "addr"
vrctl "$S" neigh add 10.0.2.2 lladdr "$GEN_MAC" dev p2 >/dev/null || abort "neigh"
vrctl "$S" route add 198.18.0.0/15 via 10.0.2.2 >/dev/null || abort "route"
link_up() { [ "$(vrctl "$S" port show --json | jq -r '.[] | select(.name=="p2") | .link')" = up ]; }
wait_for 30 link_up || abort "p2's link is not up"
wait_for 30 grep -q "^vrgen: sending" "$W/gen.log" || abort "vrgen does not run: $(tail -3 "$W/gen.log")"

port_stat() { vrctl "$S" stats --json | jq -r ".ports[] | select(.name==\"$1\") | $2"; }
rx_is() { [ "$(port_stat "$1" .rx_packets)" = "$2" ]; }

# --- the backend stops: p2's ring fills, the driver refuses ---
kill -STOP "$GEN_PID"
vrctl "$S" port add p1 devargs "net_pcap_in1,rx_pcap=$W/in1.pcap" >/dev/null || abort "port add p1"
wait_for 30 rx_is p1 $N1
sleep 1
p1_rx=$(port_stat p1 .rx_packets)
[ "$p1_rx" = $N1 ] && ok "p1 received all $N1 with 4096 mbufs: what p2 refused was freed" ||
  fail "p1 received $p1_rx of $N1: refused packets were not freed?"
tx=$(port_stat p2 .tx_packets) full=$(port_stat p2 .drops.tx_full) txb=$(port_stat p2 .tx_bytes)
from_k=$(port_stat p2 .exception.from_kernel)
p1_drops=$(port_stat p1 .drops_total) p1_punts=$(vrctl "$S" stats --json | jq '[.ports[] | select(.name=="p1") | .punts[]] | add')
[ "$p1_drops" = 0 ] && [ "$p1_punts" = 0 ] && ok "p1: none dropped or punted" ||
  fail "p1 dropped $p1_drops and punted $p1_punts: $(port_stat p1 .drops)"
[ "$full" -gt 0 ] && [ "$tx" -le 256 ] && ok "backend stopped: p2 sent $tx (its ring holds 256), tx_full $full" ||
  fail "backend stopped: p2 sent $tx, tx_full $full"
[ $((tx + full)) -eq $((N1 + from_k)) ] && ok "every packet forwarded to p2 is sent or counted as tx_full ($tx + $full = $N1 + $from_k from the kernel)" ||
  fail "p2: sent $tx + tx_full $full != forwarded $N1 + $from_k from the kernel"
[ "$txb" -eq $((tx * 60)) ] && ok "p2's tx_bytes counts only what was sent ($txb)" || fail "p2 tx_bytes $txb, sent $tx frames of 60 bytes"
# A stopped consumer frees no room: the driver, asked again, takes none.
retried=$(port_stat p2 .tx_retried)
[ "$retried" = 0 ] && ok "backend stopped: no refused packet was taken when asked again (tx_retried 0)" ||
  fail "backend stopped: tx_retried $retried, but nothing drained p2's ring"
[ "$(stat_get "$S" '.totals.drops.tx_full')" = "$full" ] && ok "totals.drops.tx_full is p2's" || fail "totals.drops.tx_full $(stat_get "$S" '.totals.drops.tx_full'), p2 $full"

# --- it runs again: it gets what was sent, and traffic flows with no refusal ---
kill -CONT "$GEN_PID"
vrctl "$S" port add p3 devargs "net_pcap_in3,rx_pcap=$W/in3.pcap" >/dev/null || abort "port add p3"
wait_for 30 rx_is p3 $N2 || fail "p3 received $(port_stat p3 .rx_packets) of $N2"
# Both counters only grow: the sum stops moving once p3 is through.
settled() { [ $(($(port_stat p2 .tx_packets) + $(port_stat p2 .drops.tx_full))) -eq \
  $((tx + full + N2 + $(port_stat p2 .exception.from_kernel) - from_k)) ]; }
wait_for 10 settled
tx2=$(port_stat p2 .tx_packets) full2=$(port_stat p2 .drops.tx_full) from_k2=$(port_stat p2 .exception.from_kernel)
[ $((tx2 + full2)) -eq $((tx + full + N2 + from_k2 - from_k)) ] && [ "$tx2" -gt "$tx" ] &&
  ok "backend running: of p3's $N2 packets $((tx2 - tx)) sent ($(port_stat p2 .tx_retried) of them when asked again) and $((full2 - full)) refused where vrgen did not keep up with the pcap" ||
  fail "after the backend resumed: p2 sent $tx2 (was $tx), tx_full $full2 (was $full), $N2 more forwarded"
sleep 1
kill -INT "$GEN_PID"
for _ in $(seq 100); do kill -0 "$GEN_PID" 2>/dev/null || break; sleep 0.1; done
res=$(grep "^{" "$W/gen.log" | tail -n 1)
got=$(echo "$res" | jq -r .rx_other 2>/dev/null)
[ "$got" = "$tx2" ] && ok "vrgen received exactly what p2 counted as sent: $got" ||
  fail "vrgen received ${got:-?} (${res:0:200}), p2 counted $tx2 sent"
kill -0 "$VRD_PID" && ok "vrd alive" || fail "vrd died"
lib_exit
