#!/bin/bash
# vrgen's own counting (issue 5): a known number of packets through a
# loopback port (net_ring: its tx ring is its rx ring) comes back exactly;
# injected loss, duplicates and reordering are reported exactly; the
# RFC 2544 binary search converges on a port with a known rate limit
# (vrmux's per-slice token bucket, 100 000 packets/s); bad options are
# refused.
# timeout: 180
source "$(dirname "$0")/../lib.sh"
VRGEN=$BUILD/dataplane/gen/vrgen VRMUX=$BUILD/vnet/vrmux/vrmux
ROUTES=$SHARED/data/fullview-2024-v4.txt.gz
[ -f "$ROUTES" ] || skip "no route table $ROUTES"
hugepages_prepare
W=$(mktemp -d /tmp/$T.gen.XXXX)
trap 'lib_cleanup; rm -rf $W' EXIT
loop() { # vrgen on a loopback port; prints its JSON line
  "$VRGEN" --tx net_ring0 --rx net_ring0 --routes "$ROUTES" --dst-mac 02:00:00:00:00:01 \
    --duration 1 --rate 100000 --quiet "$@" -- -l 0 --no-huge -m 256 --no-pci --file-prefix=$T-gen 2>&1 | tail -n 1
}
j=$(loop)
echo "$j" | jq -e '.run_tx > 0 and .run_tx == .run_rx and .seq_lost == 0 and .duplicates == 0 and .reordered == 0 and .unique == .seq_sent' >/dev/null \
  && ok "loopback: $(echo "$j" | jq .run_tx) sent, all back, no loss, duplicate or reordering" || fail "loopback: $j"
echo "$j" | jq -e '.p50_us > 0 and .p99_us >= .p50_us and .max_us >= .p99_us' >/dev/null \
  && ok "latency percentiles reported (p50 $(echo "$j" | jq .p50_us) us)" || fail "latency: $j"
j=$(loop --inject-drop 97)
echo "$j" | jq -e '.injected.drop > 0 and .seq_lost == .injected.drop and .duplicates == 0 and .reordered == 0' >/dev/null \
  && ok "injected loss reported exactly: $(echo "$j" | jq .seq_lost) lost, $(echo "$j" | jq .injected.drop) injected" || fail "loss: $j"
j=$(loop --inject-dup 89)
echo "$j" | jq -e '.injected.dup > 0 and .duplicates == .injected.dup and .seq_lost == 0 and .reordered == 0' >/dev/null \
  && ok "injected duplicates reported exactly: $(echo "$j" | jq .duplicates)" || fail "duplicates: $j"
j=$(loop --inject-swap 101)
echo "$j" | jq -e '.injected.swap > 0 and .reordered == .injected.swap and .seq_lost == 0 and .duplicates == 0' >/dev/null \
  && ok "injected reordering reported exactly: $(echo "$j" | jq .reordered)" || fail "reordering: $j"
j=$(loop --ip-size 32)
echo "$j" | jq -e '.ip_size == 32 and .frame_size == 64 and .seq_lost == 0' >/dev/null \
  && ok "--ip-size 32 rides a 64-byte frame" || fail "ip-size: $j"

bad() { local out; out=$("$VRGEN" "$@" 2>&1) && { fail "accepted: $*"; return; }; ok "refused $*: $(echo "$out" | grep -m1 vrgen)"; }
bad --tx net_ring0 --rx net_ring0 --routes "$ROUTES" --dst-mac 02:00:00:00:00:01 --ip-size 10
bad --tx net_ring0 --rx net_ring0 --routes "$ROUTES" --dst-mac 02:00:00:00:00:01 --inject-drop 1
bad --tx net_ring0 --rx net_ring0 --routes "$ROUTES" --dst-mac 02:00:00:00:00:01 --trial 0
bad --tx net_ring0 --rx net_ring0 --routes "$ROUTES" --dst-mac nonsense
bad --cpu-latency 0,0
bad --cpu-latency 0,4096
bad --cpu-latency 0,1000

# The machine probe benchmarks print beside their figures (two CPUs).
if [ "$(nproc)" -ge 2 ]; then
  j=$("$VRGEN" --cpu-latency 0,1 2>&1 | tail -n 1)
  echo "$j" | jq -e '.round_trip_cycles > 0 and .load_256k_cycles > 0 and
    .load_16m_cycles > .load_256k_cycles' >/dev/null \
    && ok "--cpu-latency: round trip $(echo "$j" | jq .round_trip_cycles), loads $(echo "$j" | jq .load_256k_cycles) and $(echo "$j" | jq .load_16m_cycles) cycles" \
    || fail "--cpu-latency: $j"
fi

# The binary search against vrmux's rate limiter: a slice limited to
# 100 000 packets/s. The bucket holds 50 ms, so a 1 s trial can pass
# a few percent above the rate; the NDR must land near the limit.
MS=$W/mux.sock
"$VRMUX" --uplink net_vhost0,iface=$W/up.sock,queues=1 --socket "$MS" \
  -- --file-prefix=$T-mux -m 256 --no-pci >$W/mux.log 2>&1 &
LIB_PIDS+=($!)
wait_for 20 "$VRCTL" -s "$MS" uplink show || { cat $W/mux.log; fail "vrmux"; lib_exit; }
"$VRCTL" -s "$MS" slice add s1 mac 02:00:00:00:01:01 attach vhost-user:$W/s1.sock rate 100000 >/dev/null || fail "slice add"
"$VRGEN" --tx net_virtio_user0,path=$W/up.sock,queues=1 --rx net_virtio_user1,path=$W/s1.sock,server=1,queues=1 \
  --routes "$ROUTES" --dst-mac 02:00:00:00:01:01 --ndr --quick --wait 60 \
  -- -l 0 --file-prefix=$T-ndr -m 512 --in-memory --single-file-segments --no-pci >$W/ndr.log 2>&1
j=$(grep '^{"ndr_mpps"' $W/ndr.log | tail -n 1)
trials=$(grep -c '"trial": true' $W/ndr.log)
echo "$j" | jq -e '.ndr_mpps >= 0.07 and .ndr_mpps <= 0.13 and .pdr_mpps >= .ndr_mpps' >/dev/null \
  && ok "NDR converged on the 100 kpps limit: $(echo "$j" | jq .ndr_mpps) Mpps, PDR $(echo "$j" | jq .pdr_mpps) Mpps, $trials trials" \
  || { tail -5 $W/ndr.log; fail "NDR search: $j"; }
rl=$("$VRCTL" -s "$MS" slice show s1 --json | jq '.[0].stats.drops.rate_limited')
[ "$rl" -gt 0 ] && ok "the limiter dropped $rl packets during the search (counted as rate_limited)" || fail "rate_limited=$rl"
lib_exit
