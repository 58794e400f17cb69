#!/bin/bash
# The example topology (deploy/examples/pluralist.yaml) brought up by
# deploy/up.sh for real: three substrate namespaces with six vrmux, five
# container slices (vrd + FRR) and one VM slice (qemu, TCG here), edge
# hosts. Both networks converge (FRR's RIB equals vrd's FIB), edge hosts
# reach each other, nothing crosses between the networks although they
# use the same IPv4 prefixes, a stopped container slice and the stopped VM
# are noticed and the network reroutes where it can, up brings them back,
# and down leaves nothing behind.
# VR_DEPLOY_VM=0 makes a2 a container (no qemu) for quick runs.
# timeout: 1500
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../frr/frr_lib.sh"
command -v vtysh >/dev/null || skip "frr is not installed"
$PY -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed"
W=$(mktemp -d /tmp/$T.deploy.XXXX)
TOPO=$W/$T.yaml
UP=$TOP/deploy/up.sh DOWN=$TOP/deploy/down.sh STATUS=$TOP/deploy/status.sh
trap '"$DOWN" "$TOPO" >/dev/null 2>&1; lib_cleanup; rm -rf $W' EXIT
if [ "${VR_DEPLOY_VM:-1}" = 0 ]; then
  sed 's/kind: vm, nic: virtio,/kind: container,/' "$TOP/deploy/examples/pluralist.yaml" > "$TOPO"
else
  cp "$TOP/deploy/examples/pluralist.yaml" "$TOPO"
  command -v qemu-system-x86_64 >/dev/null || skip "qemu is not installed"
fi
R=/run/vrplane/deploy/$T
ns() { echo "$T-$1"; }
sock() { case $1 in s[12]) echo "/run/vrplane/${T}s-$1.sock";; *) echo "/run/vrplane/$T-$1.sock";; esac; }
vr() { local s=$1; shift; "$VRCTL" -s "$(sock "$s")" "$@"; }
nbpf() { bpftool prog show 2>/dev/null | grep -c '^[0-9]*:'; }
BPF0=$(nbpf)

# --- a topology with a mistake starts nothing ---
sed 's/{name: a3, node: n3,/{name: a3, node: n9,/' "$TOPO" > $W/bad.yaml
out=$("$UP" $W/bad.yaml 2>&1) && fail "up accepted a topology with an unknown node" || {
  echo "$out" | grep -q "bad.yaml:[0-9]*: .*unknown node 'n9'" && ! ip netns list | grep -q "^bad-" \
    && ok "a topology with an unknown node is refused, nothing started: $(echo "$out" | head -1 | sed "s|$W/||")" \
    || fail "bad topology: $out"; }

# --- up, and up again ---
t0=$SECONDS
"$UP" "$TOPO" > $W/up.log 2>&1 && ok "up in $((SECONDS - t0)) s: $(tail -1 $W/up.log)" || { cat $W/up.log; fail "up failed"; lib_exit; }
grep "vrd up in" $W/up.log | sed 's/^/  /'
out=$("$UP" "$TOPO" 2>&1) && echo "$out" | grep -q "already up, nothing started" \
  && ok "up a second time starts nothing: $out" || fail "second up: $out"

healthy() { "$STATUS" "$TOPO" --json > $W/status.json; }
wait_for 300 healthy && ok "status: every vrmux, slice and host healthy" || { "$STATUS" "$TOPO"; fail "not healthy"; }
jq -e '[.slices[] | select(.healthy and .vrd and .fpm_connected)] | length == 6' $W/status.json >/dev/null \
  && ok "6 slices with vrd up and zebra connected over FPM" || fail "slices: $(jq -c '[.slices[] | {name, problems}]' $W/status.json)"

# --- both networks converged: FRR's RIB is vrd's FIB in every slice ---
vtysh_s() { # ROUTER COMMAND: FRR of a slice, container or VM
  if [ "$(jq -r --arg n "$1" '.slices[] | select(.name == $n) | .kind' $W/status.json)" = vm ]; then
    "$TOP/deploy/vm/vtysh.sh" "$T-$1" "$2"
  else vtysh -N "$T-$1" -c "$2"; fi
}
via() { vr "$1" route show "$2" --json | jq -r '[.[0].nexthops[].via] | join(",")'; }
via_is() { [ "$(via "$1" "$2")" = "$3" ]; }
# Adjacencies are up; SPF runs after its throttle, and the route through
# the VM needs both of a2's adjacencies.
wait_for 60 via_is a1 10.1.3.0/24 10.0.12.2 && ok "a1 reaches 10.1.3.0/24 through the VM a2 (OSPF; the direct link costs 100)" || fail "a1 10.1.3.0/24 via $(via a1 10.1.3.0/24)"
wait_for 30 via_is b1 10.1.3.0/24 10.0.12.2 && ok "b1 has the same prefix 10.1.3.0/24 from BGP, in its own network" || fail "b1 10.1.3.0/24 via $(via b1 10.1.3.0/24)"
rib_is_fib() {
  vtysh_s $1 'show ip route json' > $W/$1.frr4 && vtysh_s $1 'show ipv6 route json' > $W/$1.frr6 &&
    vr $1 route show --json > $W/$1.vrd &&
    $PY "$TOP/tests/frr/compare_rib.py" --ignore-linklocal $W/$1.frr4 $W/$1.frr6 $W/$1.vrd > $W/$1.cmp
}
for r in a1 a2 a3 b1 b2 b3; do
  wait_for 20 rib_is_fib $r && ok "$r: vrd's FIB equals FRR's RIB ($(tail -1 $W/$r.cmp))" || { cat $W/$r.cmp; fail "$r: FIB differs from RIB"; }
done

# --- edge hosts reach each other; nothing crosses between the networks ---
ping_ok() { ip netns exec "$(ns $1)" ping -c "${3:-3}" -i 0.2 -W 2 "$2" >/dev/null 2>&1; }
a2_fwd() { vr a2 stats --json | jq '.ports[] | select(.name == "a3") | .tx_packets'; }
f0=$(a2_fwd)
wait_for 30 ping_ok ha1 10.1.3.2 1 && ping_ok ha1 10.1.3.2 && ok "ha1 -> ha3 (10.1.3.2) across network A" || fail "ha1 -> ha3"
f1=$(a2_fwd)
[ $((f1 - f0)) -ge 4 ] && ok "through the VM: a2's vrd sent $((f1 - f0)) packets to a3 (counters read from the host)" || fail "a2 forwarded $f0 -> $f1"
wait_for 30 ping_ok hb1 fd01:3::2 1 && ping_ok hb1 fd01:3::2 && ok "hb1 -> hb3 (fd01:3::2) across network B, IPv6" || fail "hb1 -> hb3 v6"
wait_for 30 ping_ok hb1 10.1.3.2 1 && ping_ok hb1 10.1.3.2 && ok "hb1 -> hb3 (10.1.3.2, A's address too) across network B, IPv4" || fail "hb1 -> hb3 v4"
# Captures on the four edge hosts while each network sends 20 pings to
# the same address 10.1.3.2: each lands in its own network only.
cap() { ip netns exec "$(ns $1)" tcpdump -l -n -i eth0 -c 100 "icmp and src $2" > $W/$1.cap 2>/dev/null & echo $!; }
C1=$(cap ha3 10.1.1.2); C2=$(cap hb3 10.1.1.2); C3=$(cap ha1 10.1.3.2); C4=$(cap hb1 10.1.3.2)
sleep 1.5
ip netns exec "$(ns ha1)" ping -c 20 -i 0.05 -W 2 -p aaaa 10.1.3.2 > /dev/null 2>&1
ip netns exec "$(ns hb1)" ping -c 30 -i 0.05 -W 2 -p bbbb 10.1.3.2 > /dev/null 2>&1
sleep 1; kill $C1 $C2 $C3 $C4 2>/dev/null; wait $C1 $C2 $C3 $C4 2>/dev/null
n_ha3=$(grep -c "echo request" $W/ha3.cap); n_hb3=$(grep -c "echo request" $W/hb3.cap)
n_ha1=$(grep -c "echo reply" $W/ha1.cap); n_hb1=$(grep -c "echo reply" $W/hb1.cap)
[ "$n_ha3" = 20 ] && [ "$n_hb3" = 30 ] && [ "$n_ha1" = 20 ] && [ "$n_hb1" = 30 ] \
  && ok "same address, two networks: ha3 saw A's 20 pings and hb3 B's 30, each answer went home (20/30)" \
  || fail "isolation: ha3 $n_ha3 (20), hb3 $n_hb3 (30), ha1 $n_ha1 (20), hb1 $n_hb1 (30)"

# --- stop container slice b2: B cannot reroute (b1-b2-b3 is a line) ---
ip netns exec "$(ns ha1)" ping -c 100 -i 0.1 -W 1 10.1.3.2 > $W/ha.ping 2>&1 &
PING=$!
kill $(cat $R/b2/vrd.pid); frr_kill "$T-b2"
b2_seen_down() {
  "$STATUS" "$TOPO" --json > $W/st2.json
  jq -e '(.slices[] | select(.name == "b2") | .healthy == false and .vrd == false) and ([.slices[] | select(.name == "b1" or .name == "b3") | .healthy] == [false, false])' $W/st2.json
}
wait_for 20 b2_seen_down \
  && ok "b2 stopped: status says b2 is down and b1, b3 miss their neighbour" || fail "status with b2 down: $(jq -c '[.slices[] | {name, problems}]' $W/st2.json)"
ping_ok hb1 fd01:3::2 1 && fail "hb1 still reaches hb3 with b2 down" || ok "b2 down: hb1 cannot reach hb3 (no other path in network B)"
wait $PING
grep -q " 0% packet loss" $W/ha.ping && ok "network A lost nothing meanwhile ($(grep -o '[0-9]* received' $W/ha.ping))" || fail "network A lost packets: $(tail -2 $W/ha.ping)"
"$UP" "$TOPO" > $W/up2.log 2>&1 && grep -q "slice b2 (container" $W/up2.log && ! grep -q "slice a1" $W/up2.log \
  && ok "up brings back b2 only: $(grep 'vrd up' $W/up2.log)" || { cat $W/up2.log; fail "up after b2 stopped"; }
wait_for 60 ping_ok hb1 fd01:3::2 1 && ok "b2 back: hb1 reaches hb3 again" || fail "hb1 -> hb3 after b2 came back"
wait_for 60 healthy && ok "status healthy again" || fail "not healthy after b2 came back"

# --- stop the VM slice a2: A reroutes over the direct link, and back ---
if [ "${VR_DEPLOY_VM:-1}" != 0 ]; then
  "$TOP/deploy/vm/vm.sh" stop --dir $R/a2 > $W/vmstop.log 2>&1 && ok "VM a2 stopped: $(tail -1 $W/vmstop.log)" || fail "vm stop: $(cat $W/vmstop.log)"
else
  kill $(cat $R/a2/vrd.pid); frr_kill "$T-a2"
fi
wait_for 30 via_is a1 10.1.3.0/24 10.0.31.1 && ok "a1 rerouted 10.1.3.0/24 over the direct link to a3" || fail "a1 10.1.3.0/24 via $(via a1 10.1.3.0/24)"
wait_for 20 ping_ok ha1 10.1.3.2 1 && ok "ha1 reaches ha3 without a2" || fail "ha1 -> ha3 with a2 down"
t0=$SECONDS
"$UP" "$TOPO" > $W/up3.log 2>&1 && grep -q "slice a2" $W/up3.log && ok "up brings a2 back in $((SECONDS - t0)) s" || { cat $W/up3.log; fail "up after a2 stopped"; }
wait_for 120 via_is a1 10.1.3.0/24 10.0.12.2 && ok "a1's route to 10.1.3.0/24 goes through a2 again" || fail "a1 10.1.3.0/24 via $(via a1 10.1.3.0/24)"
wait_for 30 ping_ok ha1 10.1.3.2 1 && ok "ha1 reaches ha3 through a2 again" || fail "ha1 -> ha3 after a2 came back"
wait_for 60 healthy && ok "status healthy again" || fail "not healthy after a2 came back"

# --- down leaves nothing behind ---
"$DOWN" "$TOPO" > $W/down.log 2>&1 && ok "down: $(tail -1 $W/down.log)" || { cat $W/down.log; fail "down failed"; }
left=$(ip netns list | grep -c "^$T-")
[ "$left" = 0 ] && ok "no namespace left" || fail "$left namespaces left"
procs=$(ps -eo stat=,args= | awk '$1 !~ /^Z/' | grep -E "vrd|vrmux|qemu|socat|/usr/lib/frr" | grep -v grep | grep -c -- "$T")
[ "$procs" = 0 ] && ok "no process left" || { ps -eo stat,args | grep -- "$T" | grep -v grep; fail "$procs processes left"; }
socks=$(ls /run/vrplane/$T-* $R 2>/dev/null | wc -l)
[ "$socks" = 0 ] && ok "no socket or run directory left" || fail "left in /run/vrplane: $(ls -d /run/vrplane/$T-* $R 2>/dev/null)"
hp=$(ls /dev/hugepages /var/run/dpdk 2>/dev/null | grep -c -- "$T")
[ "$hp" = 0 ] && ok "no hugepage file or DPDK runtime directory left" || fail "$hp hugepage files left"
[ "$(nbpf)" -le "$BPF0" ] && ok "no BPF program left ($(nbpf) loaded, $BPF0 before)" || fail "BPF programs: $(nbpf), $BPF0 before"
ls -d /etc/frr/$T-* /var/run/frr/$T-* >/dev/null 2>&1 && fail "FRR directories left" || ok "no FRR directory left"
out=$("$DOWN" "$TOPO" 2>&1) && echo "$out" | grep -q "nothing to do" && ok "down again: $out" || fail "second down: $out"

# --- a static network, and down when it is half up ---
cat > $W/${T}s.yaml <<'YAML'
substrate:
  nodes: [{name: m1}, {name: m2}]
  links: [{ends: [m1, m2]}]
networks:
  - name: s
    vlan: 30
    protocol: static
    family: ipv6
    routers:
      - {name: s1, node: m1, kind: container, mac: "02:0c:00:00:00:01"}
      - {name: s2, node: m2, kind: container, mac: "02:0c:00:00:00:02"}
    links:
      - {ends: [s1, s2], prefix: ["fd00:c::/64", 10.0.12.0/30]}
    hosts:
      - {name: hs1, router: s1, prefix: ["fd01:c1::/64", 10.1.1.0/24]}
      - {name: hs2, router: s2, prefix: ["fd01:c2::/64", 10.1.3.0/24]}
YAML
ST=$W/${T}s.yaml
"$UP" $ST > $W/ups.log 2>&1 && ok "static topology up: $(tail -1 $W/ups.log)" || { cat $W/ups.log; fail "static up"; }
wait_for 30 ip netns exec "${T}s-hs1" ping -c 1 -W 1 fd01:c2::2 && wait_for 10 ip netns exec "${T}s-hs1" ping -c 1 -W 1 10.1.3.2 \
  && ok "static routes from the topology: hs1 reaches hs2 (IPv6 and IPv4)" || fail "static: hs1 -> hs2"
[ "$(vr s1 route show fd01:c2::/64 --json | jq -r '.[0].origin')" = static ] && ok "s1's route to hs2 came from staticd over FPM" || fail "s1 route: $(vr s1 route show fd01:c2::/64)"
kill $(cat /run/vrplane/deploy/${T}s/s2/vrd.pid); ip netns del "${T}s-hs1"; ip netns del "${T}s-m2"
"$DOWN" $ST > $W/downs.log 2>&1 && grep -q "vrmux m1-m2 stopped" $W/downs.log && ! ip netns list | grep -q "^${T}s-" \
  && ok "down when half up removes the rest: $(grep -c . $W/downs.log) actions" || { cat $W/downs.log; fail "half-up down"; }

# --- SR-IOV, dry run: the PF commands up would run ---
sed 's/mac: "02:0b:00:00:00:01", asn: 65001}/mac: "02:0b:00:00:00:01", asn: 65001, vf: {pf: enp3s0f0, index: 4}}/' "$TOPO" > $W/vf.yaml
"$UP" $W/vf.yaml --dry-run > $W/dry.log 2>&1
grep -qx "ip link set enp3s0f0 vf 4 mac 02:0b:00:00:00:01 vlan 20 spoofchk on trust on" $W/dry.log \
  && ! ip netns list | grep -q "^$T-" && ok "--dry-run prints the VF's PF commands and starts nothing" || { cat $W/dry.log; fail "dry run"; }
# Real NICs for a substrate link (none here): an interface moves into the
# node's namespace, a PCI device becomes vrmux's DPDK port.
sed 's/- {ends: \[n1, n2\]}/- {ends: [n1, n2], nics: [enp3s0f1, "0000:03:00.0"]}/' "$TOPO" > $W/nic.yaml
"$UP" $W/nic.yaml --dry-run > $W/nic.log 2>&1
grep -qx "ip link set enp3s0f1 netns nic-n1" $W/nic.log && grep -q "vrmux --uplink 0000:03:00.0 .* -a 0000:03:00.0$" $W/nic.log \
  && grep -q "ip link add s-n3 netns nic-n2 type veth" $W/nic.log && ok "--dry-run with real NICs on n1-n2: interface moved, PCI device to vrmux, veths elsewhere" \
  || { cat $W/nic.log; fail "dry run with NICs"; }
lib_exit
