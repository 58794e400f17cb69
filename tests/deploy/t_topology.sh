#!/bin/bash
# Topology files (issue 6): the example is sound; files with mistakes are
# refused before anything starts, each problem with its line; the SR-IOV
# commands for routers given a VF are exactly the expected ones.
# timeout: 60
source "$(dirname "$0")/../lib.sh"
TOPO=$TOP/deploy/topology.py
EX=$TOP/deploy/examples/pluralist.yaml
W=$(mktemp -d /tmp/$T.topo.XXXX)
trap 'lib_cleanup; rm -rf $W' EXIT
$PY -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed"

out=$($PY "$TOPO" check "$EX" 2>&1) && ok "the example topology is sound" || fail "example: $out"
$PY "$TOPO" json "$EX" | jq -e '(.networks | length) == 2 and ([.networks[].routers[]] | length) == 6 and ([.networks[].routers[] | select(.kind == "vm")] | length) == 1' >/dev/null \
  && ok "example: 2 networks, 6 routers, 1 VM" || fail "example json"

# bad WHAT SED-EXPR LINE-PATTERN EXPECTED-TEXT: a copy of the example with
# one mistake (a sed script) is refused, naming the problem and the line,
# the first line of the copy that matches LINE-PATTERN.
bad() {
  local what=$1 sedexpr=$2 line=$3 text=$4 f=$W/bad.yaml out
  sed "$sedexpr" "$EX" > $f
  line=$(grep -n -m1 -e "$line" $f | cut -d: -f1)
  out=$($PY "$TOPO" check $f 2>&1) && { fail "$what: accepted"; return; }
  echo "$out" | grep -q "^$f:$line: .*$text" && ok "$what refused: $(echo "$out" | grep -m1 "$text" | sed "s|$W/||")" \
    || fail "$what: expected line $line '$text', got: $out"
}
bad "unknown node" 's/{name: a3, node: n3,/{name: a3, node: n9,/' 'node: n9' "unknown node 'n9'"
bad "duplicate MAC" 's/"02:0b:00:00:00:02"/"02:0a:00:00:00:01"/' 'name: b2,' "duplicate MAC 02:0a:00:00:00:01"
bad "link to a missing router" 's/{ends: \[a2, a3\], prefix/{ends: [a2, a7], prefix/' 'a7' "missing router 'a7'"
bad "overlapping VLAN" 's/vlan: 20/vlan:  10/' 'vlan:  10' "VLAN 10 overlaps network a"
bad "unknown substrate node in a link" 's/{ends: \[n3, n1\]}/{ends: [n3, n5]}/' 'n5' "unknown node 'n5'"
bad "bad VLAN" 's/vlan: 20/vlan: 5000/' 'vlan: 5000' "VLAN '5000': 1 to 4094"
bad "bad protocol" 's/protocol: ospf/protocol: rip/' 'protocol: rip' "protocol 'rip'"
bad "multicast MAC" 's/"02:0a:00:00:00:03"/"01:00:5e:00:00:03"/' '01:00:5e' "not a unicast MAC"
bad "bgp router without asn" 's/, asn: 65002}/}/' 'name: b2,' "needs 'asn'"
bad "prefix of the wrong family" 's|"fd01:3::/64", 10.1.3.0/24|10.9.9.0/24, 10.1.3.0/24|' '10.9.9.0' "is not ipv6"
bad "host on a missing router" 's/router: a3, prefix/router: a8, prefix/' 'a8' "missing router 'a8'"
bad "router defined twice" 's/{name: a3, node: n3/{name: a1, node: n3/' 'name: a1, node: n3' "router a1 is defined twice"
printf 'substrate: [\n  nodes\n' > $W/broken.yaml
out=$($PY "$TOPO" check $W/broken.yaml 2>&1) && fail "broken YAML accepted" || { echo "$out" | grep -q "broken.yaml:[0-9]*: not YAML" && ok "broken YAML refused: ${out##*/}" || fail "broken YAML: $out"; }
out=$($PY "$TOPO" check $W/none.yaml 2>&1) && fail "missing file accepted" || ok "missing file refused: ${out##*/}"

# Several mistakes: every one reported, in line order.
sed 's/node: n2, kind: vm/node: n7, kind: vm/; s/vlan: 20/vlan: 10/' "$EX" > $W/two.yaml
n=$($PY "$TOPO" check $W/two.yaml 2>&1 | wc -l)
[ "$n" = 2 ] && ok "two mistakes, two lines" || fail "expected 2 problem lines, got $n"

# SR-IOV: a VF for a1 and b2; the PF commands up.sh would run.
sed 's/mac: "02:0a:00:00:00:01"}/mac: "02:0a:00:00:00:01", vf: {pf: enp3s0f0, index: 2}}/;
     s/mac: "02:0b:00:00:00:02", asn: 65002}/mac: "02:0b:00:00:00:02", asn: 65002, vf: {pf: enp3s0f1, index: 7}}/' "$EX" > $W/vf.yaml
got=$($PY "$TOPO" sriov-commands $W/vf.yaml)
want='ip link set enp3s0f0 vf 2 mac 02:0a:00:00:00:01 vlan 10 spoofchk on trust on
ip link set enp3s0f1 vf 7 mac 02:0b:00:00:00:02 vlan 20 spoofchk on trust on'
[ "$got" = "$want" ] && ok "SR-IOV commands for the two VFs: exact" || fail "SR-IOV commands: $got"
bad "VF without index" 's/mac: "02:0a:00:00:00:03"}/mac: "02:0a:00:00:00:03", vf: {pf: eth0}}/' 'pf: eth0' "vf needs 'pf'"
bad "link between routers on one node" 's/{name: a3, node: n3,/{name: a3, node: n2,/' '{ends: \[a2, a3\]' "both routers on node n2"
bad "link with no substrate link under it" 's/- {ends: \[n2, n3\]}//' '{ends: \[a2, a3\]' "no substrate link n2-n3 carries it"
bad "two links of a network on one substrate link" 's/{name: b3, node: n3,/{name: b3, node: n1,/' '{ends: \[b2, b3\]' "already carries b1-b2"
bad "host on a VM router" 's/{name: ha3, router: a3,/{name: ha3, router: a2,/' 'router: a2' "edge hosts attach to container routers"
bad "bad link cost" 's/cost: 100/cost: 0/' 'cost: 0' "cost '0': 1 to 65535"
bad "second family on an ospf network" 's|prefix: 10.0.12.0/30}|prefix: [10.0.12.0/30, "fd00:99::/64"]}|' 'fd00:99' "an ospf network carries ipv4 only"
bad "bad substrate NIC" 's/- {ends: \[n1, n2\]}/- {ends: [n1, n2], nics: [eth1, "03:00"]}/' 'nics:' "NIC '03:00': a PCI address"
bad "link prefix too small" 's|10.0.23.0/30}|10.0.23.0/31}|' '10.0.23.0/31' "no room for two routers"
lib_exit
