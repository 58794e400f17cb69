#!/bin/bash
# vrgen over IPv6 (issue 5: "IPv4 or IPv6 UDP"): exact counts through a
# loopback port; the frames it writes are well formed (scapy checks every
# UDP checksum, the sizes, hop limit and that each destination lies in a
# prefix of the IPv6 table and outside the special ranges); sizes and
# addresses of the wrong family are refused; and through vrd, with the
# full IPv6 table loaded, every packet comes back.
# timeout: 180
source "$(dirname "$0")/../lib.sh"
VRGEN=$BUILD/dataplane/gen/vrgen
V6=$SHARED/data/fullview-2024-v6.txt.gz V4=$SHARED/data/fullview-2024-v4.txt.gz
[ -f "$V6" ] || skip "no route table $V6"
hugepages_prepare
W=$(mktemp -d /tmp/$T.gen6.XXXX)
trap 'lib_cleanup; rm -rf $W' EXIT
EAL=(-l 0 --no-huge -m 256 --no-pci --file-prefix=$T-gen6)

j=$("$VRGEN" --tx net_ring0 --rx net_ring0 --routes "$V6" --dst-mac 02:00:00:00:00:01 --ipv6 \
  --duration 1 --rate 100000 --quiet -- "${EAL[@]}" 2>&1 | tail -n 1)
echo "$j" | jq -e '.ip_version == 6 and .frame_size == 82 and .ip_size == 64 and .run_tx > 0 and
  .run_tx == .run_rx and .seq_lost == 0 and .duplicates == 0 and .reordered == 0 and .unique == .seq_sent' >/dev/null \
  && ok "IPv6 loopback: $(echo "$j" | jq .run_tx) 82-byte frames sent, all back, no loss, duplicate or reordering" \
  || fail "IPv6 loopback: $j"

# The frames as written: a pcap port sends, a net_ring that stays empty receives.
for spec in "--frame-size 82" "--frame-size 1518" "--ip-size 1000"; do
  rm -f $W/out.pcap
  # shellcheck disable=SC2086
  "$VRGEN" --tx net_pcap0,tx_pcap=$W/out.pcap --rx net_ring0 --routes "$V6" --dst-mac 02:00:00:00:00:01 \
    --ipv6 $spec --flows 1000 --duration 0.2 --rate 10000 --quiet -- "${EAL[@]}" >$W/pcap.log 2>&1 ||
    { tail -3 $W/pcap.log; fail "vrgen to a pcap ($spec)"; continue; }
  out=$($PY - "$V6" $W/out.pcap <<'PY'
import gzip, ipaddress, sys
from scapy.all import Ether, IPv6, UDP, raw, rdpcap
nets = {}
for line in gzip.open(sys.argv[1], "rt"):
    w = line.split()
    if w and ":" in w[0] and not w[0].startswith("#"):
        n = ipaddress.ip_network(w[0], strict=False)
        nets.setdefault(n.prefixlen, set()).add(int(n.network_address))
pk = rdpcap(sys.argv[2])
problems = []
def covered(a):
    v = int(a)
    return any(((v >> (128 - l)) << (128 - l)) in s if l else 0 in s for l, s in nets.items())
for i, p in enumerate(pk):
    if IPv6 not in p or UDP not in p:
        problems.append(f"frame {i} is not IPv6/UDP"); continue
    ip, u = p[IPv6], p[UDP]
    sent = u.chksum
    q = p.copy(); del q[UDP].chksum
    if Ether(raw(q))[UDP].chksum != sent or sent == 0:
        problems.append(f"frame {i}: UDP checksum {sent:#x} is wrong")
    if ip.hlim != 64 or ip.plen != len(ip.payload) or u.len != ip.plen:
        problems.append(f"frame {i}: hop limit {ip.hlim}, payload length {ip.plen}, UDP length {u.len}")
    d = ipaddress.IPv6Address(ip.dst)
    if d.is_multicast or d.is_link_local or int(d) >> 120 == 0:
        problems.append(f"frame {i}: special destination {d}")
    if not covered(d):
        problems.append(f"frame {i}: {d} is in no prefix of the table")
print(f"{len(pk)} frames of {len(pk[0]) + 4 if pk else 0} bytes", "; ".join(problems[:3]) or "ok")
PY
)
  case $out in
    *" ok") ok "IPv6 frames ($spec) well formed: $out";;
    *) fail "IPv6 frames ($spec): $out";;
  esac
done

bad() { local out; out=$("$VRGEN" "$@" -- "${EAL[@]}" 2>&1) && { fail "accepted: $*"; return; }; ok "refused $*: $(echo "$out" | grep -m1 vrgen)"; }
GEN=(--tx net_ring0 --rx net_ring0 --dst-mac 02:00:00:00:00:01 --duration 0.1)
bad "${GEN[@]}" --routes "$V6" --ipv6 --frame-size 64
bad "${GEN[@]}" --routes "$V6" --ipv6 --ip-size 40
bad "${GEN[@]}" --routes "$V6" --ipv6 --src 10.0.1.2
bad "${GEN[@]}" --routes "$V6" --src 2001:db8:1::2
[ -f "$V4" ] && bad "${GEN[@]}" --routes "$V4" --ipv6

# Through vrd: the full IPv6 table, every route out of p2 to vrgen's
# receiving port; vrgen's vhost-user servers, vrd's virtio-user ports.
R=${T}r S=${T}s
"$VRGEN" --tx net_vhost0,iface=$W/a.sock,queues=1 --rx net_vhost1,iface=$W/b.sock,queues=1 \
  --routes "$V6" --go-file $W/go --ipv6 --frame-size 128 --rate 50000 --duration 2 --wait 120 --quiet \
  -- -l 0 --file-prefix=$T-g6 --in-memory --single-file-segments -m 512 --no-pci >$W/gen.log 2>&1 &
GP=$!; LIB_PIDS+=($GP)
wait_for 30 grep -q "^vrgen: port rx" $W/gen.log || { cat $W/gen.log; fail "vrgen did not start"; lib_exit; }
RX_MAC=$(awk '/^vrgen: port rx/ {print $NF}' $W/gen.log)
ns_add $R
vrd_start $R $S --fpm off -- --lcores=0@0,1@1 -m 1024 --no-pci || { fail "vrd did not start"; lib_exit; }
vrctl $S port add p1 devargs "net_virtio_user0,path=$W/a.sock" >/dev/null &&
  vrctl $S port add p2 devargs "net_virtio_user1,path=$W/b.sock" >/dev/null &&
  vrctl $S addr add 2001:db8:1::1/64 dev p1 && vrctl $S addr add 2001:db8:2::1/64 dev p2 &&
  vrctl $S neigh add 2001:db8:2::2 lladdr "$RX_MAC" dev p2 || fail "vrd set-up"
load=$(vrctl $S route load "$V6" via 2001:db8:2::2 2>&1) || fail "route load: $load"
vrctl $S port show --json | jq -r '.[] | select(.name=="p1") | .mac' >$W/go.tmp && mv $W/go.tmp $W/go
wait "$GP"; rc=$?
j=$(grep '^{' $W/gen.log | tail -n 1)
# p1 receives vrgen's packets only (p2 also sends the kernel's ND and MLD).
got=$(stat_get $S '.ports[] | select(.name=="p1") | .rx_packets')
echo "$j" | jq -e --argjson g "${got:-0}" '.ip_version == 6 and .run_tx >= 90000 and .run_rx == .run_tx and
  .seq_lost == 0 and .duplicates == 0 and .run_tx == $g' >/dev/null && [ $rc -eq 0 ] \
  && ok "through vrd ($load): $(echo "$j" | jq .run_tx) IPv6 packets sent, all forwarded and back, p50 $(echo "$j" | jq .p50_us) us" \
  || { tail -3 $W/gen.log; fail "through vrd (exit $rc, vrd received ${got:-?} on p1): $j"; }
drops=$(stat_get $S '[.totals.drops[]] | add')
[ "$drops" = 0 ] && ok "vrd counted no drops" || fail "vrd drops: $(stat_get $S .totals.drops)"
lib_exit
