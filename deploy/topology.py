#!/usr/bin/python3
"""Reads and checks a vrplane topology file (YAML, through libyaml).

  topology.py check FILE            exit 0 when the file is sound, else one
                                    line per problem: FILE:LINE: problem
  topology.py json FILE             the checked topology as JSON (with
                                    derived names: namespaces, VLANs, MACs)
  topology.py sriov-commands FILE   the `ip link set PF vf N ...` commands
                                    for every router given a VF

Every check runs before anything starts (deploy/up.sh calls `check`
first), so a topology with a mistake changes nothing.

The file:

  substrate:
    nodes: [{name: n1}, {name: n2}]        # driver domains, a vrmux each
    links: [{ends: [n1, n2]}]               # veth pairs here; or real NICs:
                                            # nics: [eth1, "0000:03:00.0"]
  networks:
    - name: A
      vlan: 10                              # on the substrate links
      protocol: ospf                        # static | ospf | bgp
      family: ipv4                          # ipv4 | ipv6
      routers:
        - {name: a1, node: n1, kind: container, mac: "02:0a:00:00:00:01",
           asn: 65001, vf: {pf: eth0, index: 3}}     # asn for bgp, vf opt.
      links: [{ends: [a1, a2], prefix: 10.10.12.0/30, cost: 10}]
      hosts: [{name: ha1, router: a1, prefix: 10.10.1.0/24}]
      # prefix may be a list, one per family (dual stack): the first is the
      # network's family; bgp and static networks carry the second too.
      # A link's routers sit on two nodes joined by a substrate link, which
      # carries at most one link of each network.
"""
import ipaddress
import json
import re
import sys

import yaml

MAC_RE = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,11}$")


class Problems:
    def __init__(self, path):
        self.path = path
        self.items = []

    def add(self, node, msg):
        line = node.start_mark.line + 1 if node is not None else 0
        self.items.append((line, msg))

    def report(self):
        for line, msg in sorted(self.items):
            print(f"{self.path}:{line}: {msg}")
        return 1 if self.items else 0


def mapping(node):
    """A YAML mapping node as {key: value node}."""
    return {k.value: v for k, v in node.value} if isinstance(node, yaml.MappingNode) else {}


def scalar(node):
    return node.value if isinstance(node, yaml.ScalarNode) else None


def seq(node):
    return node.value if isinstance(node, yaml.SequenceNode) else []


def need(p, parent, m, key, kind="scalar"):
    n = m.get(key)
    if n is None:
        p.add(parent, f"missing '{key}'")
        return None
    if kind == "scalar" and not isinstance(n, yaml.ScalarNode):
        p.add(n, f"'{key}' must be a single value")
        return None
    if kind == "list" and not isinstance(n, yaml.SequenceNode):
        p.add(n, f"'{key}' must be a list")
        return None
    return n


def check_name(p, node, what, seen):
    name = scalar(node)
    if name is None or not NAME_RE.match(name):
        p.add(node, f"{what} name {name!r}: a lowercase letter, then up to 11 "
              "letters, digits or '-'")
        return None
    if name in seen:
        p.add(node, f"{what} {name} is defined twice (also line {seen[name] + 1})")
        return None
    seen[name] = node.start_mark.line
    return name


def load(path):
    """Returns (topology dict, problems)."""
    p = Problems(path)
    try:
        with open(path) as f:
            root = yaml.compose(f, Loader=yaml.SafeLoader)
    except OSError as e:
        print(f"{path}:0: cannot read: {e.strerror}")
        sys.exit(2)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        print(f"{path}:{mark.line + 1 if mark else 0}: not YAML: {getattr(e, 'problem', e)}")
        sys.exit(1)
    top = {"nodes": [], "links": [], "networks": []}
    rm = mapping(root)
    if not rm:
        p.add(root, "the file must be a mapping with 'substrate' and 'networks'")
        return top, p
    for key, val in root.value:
        if key.value not in ("substrate", "networks"):
            p.add(key, f"unknown key '{key.value}' (expected substrate, networks)")
    sub_n = rm.get("substrate")
    if sub_n is None:
        p.add(root, "missing 'substrate'")
    sub = mapping(sub_n)
    node_names, link_names = {}, set()
    nodes_n = need(p, sub_n, sub, "nodes", "list") if sub_n is not None else None
    for n in seq(nodes_n):
        nm = mapping(n)
        name = check_name(p, nm.get("name", n), "node", node_names)
        if name:
            top["nodes"].append({"name": name})
    for ln in seq(sub.get("links")):
        names = link_ends(p, ln, node_names, "substrate link", "nodes",
                          lambda n: f"substrate link to unknown node '{n}'")
        if names is None:
            continue
        key = tuple(sorted(names))
        if key in link_names:
            p.add(ln, f"substrate link {key[0]}-{key[1]} given twice")
        link_names.add(key)
        top["links"].append({"ends": names, "nics": check_nics(p, mapping(ln).get("nics"))})

    macs, vlans, all_names = {}, {}, dict(node_names)
    for net in seq(need(p, root, rm, "networks", "list")):
        nm = mapping(net)
        net_seen = {}
        name = check_name(p, nm.get("name", net), "network", net_seen)
        vlan_n = need(p, net, nm, "vlan")
        vlan = None
        if vlan_n is not None:
            try:
                vlan = int(vlan_n.value)
                if not 1 <= vlan <= 4094:
                    raise ValueError
            except ValueError:
                p.add(vlan_n, f"VLAN {vlan_n.value!r}: 1 to 4094")
                vlan = None
        if vlan is not None and vlan in vlans:
            p.add(vlan_n, f"VLAN {vlan} overlaps network {vlans[vlan]}'s: the "
                  "virtual networks would share a link")
        elif vlan is not None:
            vlans[vlan] = name
        proto_n = need(p, net, nm, "protocol")
        proto = scalar(proto_n)
        if proto is not None and proto not in ("static", "ospf", "bgp"):
            p.add(proto_n, f"protocol '{proto}': static, ospf or bgp")
        family = scalar(nm.get("family")) or "ipv4"
        if family not in ("ipv4", "ipv6"):
            p.add(nm.get("family"), f"family '{family}': ipv4 or ipv6")
        routers = {}
        out = {"name": name, "vlan": vlan, "protocol": proto, "family": family,
               "routers": [], "links": [], "hosts": []}
        for r in seq(need(p, net, nm, "routers", "list")):
            rm_ = mapping(r)
            rname = check_name(p, rm_.get("name", r), "router", all_names)
            node_n = need(p, r, rm_, "node")
            if node_n is not None and node_n.value not in node_names:
                p.add(node_n, f"router {rname} on unknown node '{node_n.value}'")
            kind = scalar(rm_.get("kind")) or "container"
            if kind not in ("container", "vm"):
                p.add(rm_.get("kind"), f"kind '{kind}': container or vm")
            nic = scalar(rm_.get("nic")) or "virtio"
            if nic not in ("virtio", "e1000", "vmxnet3"):
                p.add(rm_.get("nic"), f"nic '{nic}': virtio, e1000 or vmxnet3")
            mac_n = need(p, r, rm_, "mac")
            mac = (scalar(mac_n) or "").lower()
            if mac_n is not None and (not MAC_RE.match(mac) or int(mac[:2], 16) & 1):
                p.add(mac_n, f"MAC {mac_n.value!r} is not a unicast MAC")
            elif mac in macs:
                p.add(mac_n, f"duplicate MAC {mac} (router {macs[mac]} has it)")
            elif mac_n is not None:
                macs[mac] = rname
            asn = scalar(rm_.get("asn"))
            if proto == "bgp" and asn is None:
                p.add(r, f"router {rname}: a bgp network needs 'asn'")
            vf = None
            if "vf" in rm_:
                vm = mapping(rm_["vf"])
                pf, idx = scalar(vm.get("pf")), scalar(vm.get("index"))
                if not pf or idx is None or not idx.isdigit():
                    p.add(rm_["vf"], "vf needs 'pf' (the PF's interface) and 'index'")
                else:
                    vf = {"pf": pf, "index": int(idx)}
            if rname:
                routers[rname] = r
                out["routers"].append({"name": rname, "node": scalar(node_n), "kind": kind,
                                       "nic": nic, "mac": mac, "asn": asn, "vf": vf})
        node_of = {r["name"]: r["node"] for r in out["routers"]}
        kind_of = {r["name"]: r["kind"] for r in out["routers"]}
        carried = {}
        for ln in seq(nm.get("links")):
            names = link_ends(p, ln, routers, "link", "routers",
                              lambda r: f"link to missing router '{r}' in network {name}")
            if names is None:
                continue
            lm = mapping(ln)
            prefixes = check_prefixes(p, lm.get("prefix"), ln, family, proto)
            for pre in prefixes:
                if ipaddress.ip_network(pre).num_addresses < 4:
                    p.add(lm.get("prefix"), f"prefix {pre} has no room for two routers")
            prefix = prefixes[0] if prefixes else None
            cost = check_cost(p, lm.get("cost"))
            subl = carrier(p, ln, names, node_of, link_names, carried, name)
            out["links"].append({"ends": names, "prefix": prefix, "prefixes": prefixes,
                                 "cost": cost,
                                 "substrate": subl})
        for h in seq(nm.get("hosts")):
            hm = mapping(h)
            hname = check_name(p, hm.get("name", h), "host", all_names)
            rn = scalar(hm.get("router"))
            if rn not in routers:
                p.add(hm.get("router", h), f"host {hname} on missing router '{rn}'")
            elif kind_of.get(rn) == "vm":
                p.add(hm.get("router", h), f"host {hname} on VM router {rn}: edge "
                      "hosts attach to container routers")
            prefixes = check_prefixes(p, hm.get("prefix"), h, family, proto)
            out["hosts"].append({"name": hname, "router": rn,
                                 "prefix": prefixes[0] if prefixes else None,
                                 "prefixes": prefixes})
        top["networks"].append(out)
    return top, p


def link_ends(p, link, known, what, kinds, missing):
    """The two names in a link's 'ends', checked against known; None
    when the link is unusable. missing(name) words an unknown end."""
    ends = seq(mapping(link).get("ends"))
    names = [scalar(e) for e in ends]
    if len(names) != 2 or names[0] == names[1]:
        p.add(link, f"a {what} needs 'ends' with two different {kinds}")
        return None
    for e, nm in zip(ends, names):
        if nm not in known:
            p.add(e, missing(nm))
    return names


PCI_RE = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$")
IFNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$")


def check_nics(p, node):
    """A substrate link's real NICs, one per end in the order of 'ends':
    a PCI address (vrmux drives it with its DPDK driver) or an interface
    name (moved into the node's namespace; vrmux uses AF_XDP on it).
    Without 'nics' the link is a veth pair."""
    if node is None:
        return None
    items = seq(node)
    if len(items) != 2:
        p.add(node, "'nics' takes two entries, one per end (PCI address or interface)")
        return None
    out = []
    for it in items:
        v = scalar(it)
        if v is not None and (PCI_RE.match(v.lower()) or IFNAME_RE.match(v)):
            out.append(v.lower() if PCI_RE.match(v.lower()) else v)
        else:
            p.add(it, f"NIC {v!r}: a PCI address (0000:03:00.0) or an interface name")
            return None
    return out


def check_cost(p, node):
    """A link's optional OSPF cost (RFC 2328 C.3: 1 to 65535)."""
    if node is None:
        return None
    try:
        cost = int(node.value)
        if 1 <= cost <= 65535:
            return cost
    except (TypeError, ValueError):
        pass
    p.add(node, f"cost {node.value!r}: 1 to 65535")
    return None


def carrier(p, link, names, node_of, link_names, carried, net):
    """The substrate link [x, y] that carries a router link, or None. Each
    router link gets a substrate link of its own within its network: two
    would share one L2 segment (same VLAN on the same vrmux)."""
    a, b = (node_of.get(n) for n in names)
    nodes = {n for key in link_names for n in key}
    if a is None or b is None or a not in nodes or b not in nodes:
        return None     # an unknown router or node: reported already
    if a == b:
        p.add(link, f"link {names[0]}-{names[1]}: both routers on node {a}; "
              "router links ride substrate links between two nodes")
        return None
    key = tuple(sorted((a, b)))
    if key not in link_names:
        p.add(link, f"link {names[0]}-{names[1]}: no substrate link {key[0]}-{key[1]} "
              "carries it")
        return None
    if key in carried:
        p.add(link, f"link {names[0]}-{names[1]}: substrate link {key[0]}-{key[1]} "
              f"already carries {carried[key]} of network {net} (same VLAN)")
        return None
    carried[key] = f"{names[0]}-{names[1]}"
    return [a, b]


def check_prefixes(p, node, parent, family, proto):
    """A prefix, or a list of one per family (dual stack): the first is of
    the network's family, the one its routing sessions run over; BGP and
    static routes carry the other family too, OSPFv2 does not."""
    if isinstance(node, yaml.SequenceNode):
        items = node.value
        if not 1 <= len(items) <= 2:
            p.add(node, "'prefix' takes one prefix, or two of different families")
            return []
    else:
        items = [node] if node is not None else []
    if not items:
        p.add(parent, "missing 'prefix'")
        return []
    out = [check_prefix(p, items[0], parent, family)]
    if len(items) == 2:
        other = "ipv4" if family == "ipv6" else "ipv6"
        if proto == "ospf":
            p.add(items[1], f"an ospf network carries {family} only")
        else:
            out.append(check_prefix(p, items[1], parent, other))
    return [x for x in out if x is not None] if None not in out else []


def check_prefix(p, node, parent, family):
    if node is None:
        p.add(parent, "missing 'prefix'")
        return None
    if not isinstance(node, yaml.ScalarNode):
        p.add(node, "a prefix must be a single value")
        return None
    try:
        net = ipaddress.ip_network(node.value, strict=True)
    except ValueError as e:
        p.add(node, f"prefix {node.value!r}: {e}")
        return None
    if (net.version == 4) != (family == "ipv4"):
        p.add(node, f"prefix {node.value} is not {family}")
        return None
    return str(net)


def sriov_commands(top):
    """What up.sh runs on a substrate node for each router given a VF:
    the VF wears the router's MAC, its network's VLAN, and is trusted
    (vrd's exception path needs the VF to accept its multicast)."""
    out = []
    for net in top["networks"]:
        for r in net["routers"]:
            if r["vf"]:
                vf = r["vf"]
                out.append(f"ip link set {vf['pf']} vf {vf['index']} mac {r['mac']} "
                           f"vlan {net['vlan']} spoofchk on trust on")
    return out


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("check", "json", "sriov-commands"):
        print(__doc__.strip().split("\n\n")[0])
        return 2
    top, p = load(sys.argv[2])
    if p.report():
        return 1
    if sys.argv[1] == "json":
        print(json.dumps(top, indent=1))
    elif sys.argv[1] == "sriov-commands":
        print("\n".join(sriov_commands(top)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
