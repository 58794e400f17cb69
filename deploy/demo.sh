#!/bin/bash
# The README's main command. Until the deploy issue's topology files land,
# it brings up the smoke topology: two kernel hosts in namespaces joined
# by veth to one vrd slice (af_packet ports), the full Internet IPv4 and
# IPv6 tables loaded, traffic between the hosts, then vrd's counters.
# Everything is removed at the end. Then a quick measurement sweep
# (tests/bench/modes.sh) prints its table.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (sudo)"; exit 2; }
deploy/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build >/dev/null || { echo "demo.sh: build failed (ninja -C build)"; exit 1; }

T=demo
source tests/lib.sh
hugepages_prepare
R=demo-r H1=demo-h1 H2=demo-h2 S=demo
V4=$SHARED/data/fullview-2024-v4.txt.gz
V6=$SHARED/data/fullview-2024-v6.txt.gz

step() { printf '\n== %s\n' "$*"; }
step "namespaces: h1 (10.0.1.2, 2001:db8:1::2) -- vrd slice '$S' -- h2 (10.0.2.2, 2001:db8:2::2)"
ns_add $R; ns_add $H1; ns_add $H2
ip netns exec $R sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
veth_host $R vh1 $H1 10.0.1.2/24 10.0.1.1 2001:db8:1::2/64 2001:db8:1::1
veth_host $R vh2 $H2 10.0.2.2/24 10.0.2.1 2001:db8:2::2/64 2001:db8:2::1
hide_from_kernel $R vh1; hide_from_kernel $R vh2
ip -n $H2 addr add 1.0.0.1/32 dev lo; ip -n $H2 addr add 2001:200::1/128 dev lo

step "vrd --slice $S (in namespace $R), configured with vrctl"
vrd_start $R $S -- -m 768 --no-pci || exit 1
mac() { ip -n "$1" link show eth0 | awk '/ether/ {print $2}'; }
set -x
vrctl $S port add p1 devargs net_af_packet_vh1,iface=vh1
vrctl $S port add p2 devargs net_af_packet_vh2,iface=vh2
vrctl $S addr add 10.0.1.1/24 dev p1
vrctl $S addr add 10.0.2.1/24 dev p2
vrctl $S addr add 2001:db8:1::1/64 dev p1
vrctl $S addr add 2001:db8:2::1/64 dev p2
vrctl $S neigh add 10.0.1.2 lladdr "$(mac $H1)" dev p1
vrctl $S neigh add 10.0.2.2 lladdr "$(mac $H2)" dev p2
vrctl $S neigh add 2001:db8:1::2 lladdr "$(mac $H1)" dev p1
vrctl $S neigh add 2001:db8:2::2 lladdr "$(mac $H2)" dev p2
vrctl $S route load "$V4" via 10.0.2.2
vrctl $S route load "$V6" via 2001:db8:2::2
{ set +x; } 2>/dev/null
ip -n $R route add default via 10.0.2.2 dev p2
ip -n $R -6 route add default via 2001:db8:2::2 dev p2
vrctl $S port show
vrctl $S route lookup 1.0.0.1
vrctl $S route lookup 2001:200::1

step "traffic: h1 -> 1.0.0.1 and 2001:200::1 (routes from the full tables, answered by h2)"
vrctl $S stats clear
ip netns exec $H1 ping -c 5 -i 0.2 1.0.0.1 | tail -2
ip netns exec $H1 ping -6 -c 5 -i 0.2 2001:200::1 | tail -2
step "TTL 1: vrd punts it, the slice's kernel answers time exceeded"
ip netns exec $H1 ping -c 1 -t 1 -W 2 1.0.0.1 | sed -n 2p
step "vrd's counters"
vrctl $S stats

# A short measurement sweep (issue 5's harness, quick): vrd against the
# baselines on the same virtio-user ports, 64-byte frames, 1 s trials.
# DEMO_MEASURE=0 skips it.
if [ "${DEMO_MEASURE:-1}" != 0 ]; then
  step "measurement: RFC 2544 NDR, 64-byte frames, vrd vs l2fwd (io) vs l3fwd"
  kill "$VRD_PID" 2>/dev/null; wait "$VRD_PID" 2>/dev/null
  tests/bench/modes.sh --quick --sizes 64 --modes "native io l3fwd" --out /tmp/vrplane-demo-modes |
    sed -n '/^| mode/,/^$/p'
  echo "(full matrix: tests/bench/modes.sh; this run's files: /tmp/vrplane-demo-modes)"
fi
