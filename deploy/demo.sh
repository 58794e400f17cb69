#!/bin/bash
# The README's main command: installs what is missing, builds, brings up
# deploy/examples/pluralist.yaml (three driver domains in a triangle, two
# virtual networks with the same IPv4 prefixes, network A on OSPF with one
# router a VM, network B on BGP over IPv6), shows both networks converged
# (FRR's routes and vrd's FIBs), sends traffic between the edge hosts of
# each network, runs a short measurement sweep, prints its table and tears
# everything down.
#   DEMO_VM=0       make the VM router a container (no qemu, no guest image)
#   DEMO_MEASURE=0  skip the measurement sweep
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (sudo)"; exit 2; }
deploy/install-deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build >/dev/null || { echo "demo.sh: build failed (ninja -C build)"; exit 1; }

TOPO=/tmp/vrplane-demo/pluralist.yaml
mkdir -p "$(dirname $TOPO)"
if [ "${DEMO_VM:-1}" = 0 ]; then
  sed 's/kind: vm, nic: virtio,/kind: container,/' deploy/examples/pluralist.yaml > $TOPO
else
  cp deploy/examples/pluralist.yaml $TOPO
fi
step() { printf '\n== %s\n' "$*"; }
run() { echo "\$ $*"; "$@"; }
finish() { step "tear down"; deploy/down.sh $TOPO | tail -3; }
trap finish EXIT
NS=pluralist

step "bring up $TOPO (the VM's guest image is built once with debootstrap and cached; a VM boots under TCG here, which takes a minute or two)"
deploy/up.sh $TOPO || exit 1

step "wait for both networks to converge"
for _ in $(seq 150); do deploy/status.sh $TOPO >/dev/null 2>&1 && break; sleep 2; done
deploy/status.sh $TOPO
vr() { local s=$1; shift; build/ctl/vrctl -s /run/vrplane/$NS-$s.sock "$@"; }
for _ in $(seq 60); do
  [ "$(vr a1 route show 10.1.3.0/24 --json | jq -r '.[0].nexthops[0].via')" = 10.0.12.2 ] && break; sleep 1
done

step "network A (OSPF): FRR's routes in a1, and a1's vrd FIB"
run vtysh -N $NS-a1 -c "show ip route ospf"
run vr a1 route show
step "network B (BGP over IPv6, carrying IPv4 too): b2's BGP sessions, b1's vrd FIB"
run vtysh -N $NS-b2 -c "show bgp summary"
run vr b1 route show

step "traffic between the edge hosts; both networks use 10.1.1.0/24 and 10.1.3.0/24"
run ip netns exec $NS-ha1 ping -c 3 -i 0.3 10.1.3.2
run ip netns exec $NS-hb1 ping -c 3 -i 0.3 10.1.3.2
run ip netns exec $NS-hb1 ping -6 -c 3 -i 0.3 fd01:3::2
echo "(same destination address, two networks: each ping reached its own network's host)"
if [ "${DEMO_VM:-1}" = 0 ]; then step "counters of router a2's vrd"
else step "counters of the VM router a2's vrd, read from the host through the guest's relay"; fi
vr a2 stats | head -12

step "tear down"
trap - EXIT
deploy/down.sh $TOPO

# A short measurement sweep (issue 5's harness, quick): vrd against the
# baselines on the same virtio-user ports, 64-byte frames, 1 s trials.
if [ "${DEMO_MEASURE:-1}" != 0 ]; then
  step "measurement: RFC 2544 NDR, 64-byte frames, vrd vs l2fwd (io) vs l3fwd"
  tests/bench/modes.sh --quick --sizes 64 --modes "native io l3fwd" --out /tmp/vrplane-demo/modes |
    sed -n '/^| mode/,/^$/p'
  echo "(full matrix: tests/bench/modes.sh; this run's files: /tmp/vrplane-demo/modes)"
fi
