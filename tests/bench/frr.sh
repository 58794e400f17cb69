#!/bin/bash
# Benchmark: the full IPv4 table through FRR into vrd's FIB.
#   tests/bench/frr.sh [N]     N prefixes (default: the whole table)
# A peer (FRR, plain kernel) announces N real prefixes over BGP to a slice
# running vrd + zebra + bgpd. Reports the time from the first prefix the
# slice's bgpd received to the last route in vrd's FIB, the routes per
# second that rate makes through FPM, and `vrctl route load` of the same
# table on its own. Last line: one JSON object.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../frr/frr_lib.sh"
trap 'frr_cleanup; lib_cleanup' EXIT
V4=$SHARED/data/fullview-2024-v4.txt.gz
N=${1:-$(zcat "$V4" | wc -l)}
hugepages_prepare
[ -x "$VRD" ] || ninja -C "$BUILD" >/dev/null
W=$(mktemp -d /tmp/$T.frrbench.XXXX)
R=${T}r P=${T}p S=${T}s FR=${T}fr FP=${T}fp
ns_add "$R"; ns_add "$P"
ip link add vp netns "$R" type veth peer name eth0 netns "$P"
ip -n "$R" link set vp up; ip -n "$P" link set eth0 up
ip -n "$P" addr add 10.9.0.2/24 dev eth0
ip netns exec "$P" ethtool -K eth0 tx off >/dev/null
hide_from_kernel "$R" vp
zcat "$V4" | head -n "$N" | tr -d '\r' | sed 's/^/route add blackhole /' > $W/batch
ip -n "$P" -batch $W/batch
printf 'router bgp 65002\n bgp router-id 10.9.0.2\n no bgp ebgp-requires-policy\n neighbor 10.9.0.1 remote-as 65001\n neighbor 10.9.0.1 timers connect 5\n address-family ipv4 unicast\n  redistribute kernel\n exit-address-family\n' > $W/peer.conf
printf 'fpm address 127.0.0.1\nrouter bgp 65001\n bgp router-id 10.9.0.1\n no bgp ebgp-requires-policy\n neighbor 10.9.0.2 remote-as 65002\n neighbor 10.9.0.2 timers connect 5\n' > $W/r.conf
printf 'port add p1 devargs net_af_packet_p1,iface=vp\naddr add 10.9.0.1/24 dev p1\n' > $W/vrd.conf
vrd_start "$R" "$S" --config $W/vrd.conf -- -m 1536 --no-pci || exit 1
base=$(stat_get "$S" .fib.ipv4_routes)
# The peer learns its table first, so the measurement starts at the
# first UPDATE the slice receives, not at the peer's own start.
frr_start "$P" "$FP" $W/peer.conf bgpd
frr_start "$R" "$FR" $W/r.conf bgpd
now() { date +%s.%N; }
rcvd() { vtysh_n "$FR" -c 'show bgp ipv4 unicast summary json' 2>/dev/null | jq '[.peers[]?.pfxRcd // 0] | add // 0'; }
t_first=""
deadline=$((SECONDS + 1800))
while [ $SECONDS -lt $deadline ]; do
  if [ -z "$t_first" ] && [ "$(rcvd)" -gt 0 ]; then t_first=$(now); fi
  in_fib=$(( $(stat_get "$S" .fib.ipv4_routes) - base ))
  if [ "$in_fib" -ge "$N" ]; then t_last=$(now); break; fi
  sleep 0.2
done
[ -n "${t_last:-}" ] || { echo "only $in_fib of $N routes reached the FIB"; exit 1; }
secs=$(echo "$t_last - $t_first" | bc -l)
rate=$(echo "$N / $secs" | bc -l)
frr_kill "$FR"; frr_kill "$FP"
kill "$VRD_PID"; wait "$VRD_PID" 2>/dev/null

# FPM alone: the same messages zebra sends, played as fast as TCP goes.
vrd_start "$R" "$S" --config $W/vrd.conf -- -m 1536 --no-pci || exit 1
base=$(stat_get "$S" .fib.ipv4_routes)
ifindex=$(ip netns exec "$R" cat /sys/class/net/p1/ifindex)
exec 7> >(ip netns exec "$R" "$PY" "$TOP/tests/bench/fpm_replay.py" 127.0.0.1 2620 "$V4" 10.9.0.2 "$ifindex" > $W/replay.out)
# vrd times the session itself, first frame to last (polling vrctl would
# be answered by the same thread, between FPM batches).
while [ $(( $(stat_get "$S" .fib.ipv4_routes) - base )) -lt "$N" ]; do sleep 0.2; done
exec 7>&-
fpm_secs=$(vrctl "$S" fpm show --json | jq .session_busy_seconds)
fpm_rate=$(echo "$N / $fpm_secs" | bc -l)
kill "$VRD_PID"; wait "$VRD_PID" 2>/dev/null

# route load of the same prefixes, on its own.
zcat "$V4" | head -n "$N" > $W/table.txt
vrd_start "$R" "$S" --config $W/vrd.conf --fpm off -- -m 1536 --no-pci || exit 1
msg=$(vrctl "$S" --json route load $W/table.txt via 10.9.0.2)
load_rate=$(echo "$msg" | jq .routes_per_s)
printf 'routes %d: BGP first UPDATE -> last route in vrd: %.2f s (%.0f routes/s through zebra and FPM)\n' "$N" "$secs" "$rate"
printf 'FPM alone (zebra'"'"'s messages replayed): %d routes in %.2f s: %.0f routes/s into the FIB\n' "$N" "$fpm_secs" "$fpm_rate"
printf 'vrctl route load of the same %d prefixes: %.0f routes/s (parsing included)\n' "$N" "$load_rate"
if [ -n "${VR_PERF_OUT:-}" ]; then
  { echo "### FRR to FIB ($(date -u +%F))"
    echo
    echo "Command: \`tests/bench/frr.sh $*\`"
    echo
    printf -- '- %d prefixes of the 2024 table announced over eBGP by an FRR peer: first UPDATE to last route in vrd: %.2f s, %.0f routes/s through zebra and FPM\n' "$N" "$secs" "$rate"
    printf -- '- FPM alone (the same RTM_NEWNEXTHOP/RTM_NEWROUTE messages replayed by tests/bench/fpm_replay.py): %.2f s, %.0f routes/s into the FIB\n' "$fpm_secs" "$fpm_rate"
    printf -- '- `vrctl route load` of the same prefixes: %.0f routes/s\n' "$load_rate"
  } > "$VR_PERF_OUT"
fi
printf '{"routes": %d, "bgp_to_fib_s": %.3f, "bgp_routes_per_s": %.0f, "fpm_routes_per_s": %.0f, "load_routes_per_s": %.0f}\n' "$N" "$secs" "$rate" "$fpm_rate" "$load_rate"
