"""What a checked topology becomes on this host: every namespace, process,
port, address and configuration file up.sh makes, derived in one place so
that up, down and status agree (down needs nothing but the topology file).

Realisation (docs/deploy.md):
  substrate node N      namespace TOPO-N; one vrmux per substrate port
                        (vrmux shares one substrate port among slices)
  substrate link N-M    veth pair: s-M in TOPO-N, s-N in TOPO-M; vrmux's
                        uplink is net_af_xdp on it. With real NICs: an
                        interface is moved into the node's namespace (and
                        AF_XDP used on it), a PCI address is vrmux's port
  router R (container)  namespace TOPO-R: vrd (virtio-user ports to the
                        vrmuxes of its node, af_packet ports to its hosts)
                        and FRR (zebra with dplane_fpm_nl, ospfd or bgpd)
  router R (vm)         qemu in TOPO-N (its node): vrd on DPDK's virtio
                        (or e1000, vmxnet3) driver inside the guest, FRR
  router link R-S       a vrd port on each end named after the peer, one
                        vrmux slice per end in the network's VLAN, carried
                        by the substrate link between the two nodes
  host H on R           namespace TOPO-H, eth0 to R's port H
"""
import ipaddress
import os
import re

RUN_ROOT = "/run/vrplane"
LOG_ROOT = "/var/log/vrplane"


def topo_name(path):
    stem = os.path.splitext(os.path.basename(path))[0].lower()
    stem = re.sub(r"[^a-z0-9-]", "-", stem)[:16].strip("-")
    return stem or "topo"


def two_hosts(prefix):
    """The first two addresses of a link prefix: ends[0] gets the first."""
    net = ipaddress.ip_network(prefix)
    it = net.hosts()
    a, b = next(it), next(it)
    return f"{a}/{net.prefixlen}", f"{b}/{net.prefixlen}"


def build(top, path):
    t = topo_name(path)
    run = f"{RUN_ROOT}/deploy/{t}"
    plan = {"topology": t, "file": os.path.abspath(path), "run": run,
            "log": f"{LOG_ROOT}/{t}", "nodes": [], "muxes": [], "links": [],
            "slices": [], "hosts": []}
    ns = lambda n: f"{t}-{n}"
    for n in top["nodes"]:
        plan["nodes"].append({"name": n["name"], "ns": ns(n["name"])})
    muxes = {}
    for ln in top["links"]:
        x, y = ln["ends"]
        nics = ln.get("nics")
        ifn = nics if nics else [f"s-{y}", f"s-{x}"]
        plan["links"].append({"ends": [x, y], "ns": [ns(x), ns(y)], "ifnames": ifn,
                              "real": bool(nics)})
        for (a, b), nic in zip(((x, y), (y, x)), ifn):
            pci = ":" in nic
            m = {"name": f"{a}-{b}", "node": a, "ns": ns(a), "uplink": nic,
                 "uplink_devargs": nic if pci else f"net_af_xdp_up,iface={nic}",
                 "eal": ["-a", nic] if pci else ["--no-pci"],
                 "socket": f"{run}/mux-{a}-{b}.sock", "prefix": f"{t}-mux-{a}-{b}",
                 "slices": []}
            muxes[(a, b)] = m
            plan["muxes"].append(m)

    for ni, net in enumerate(top["networks"]):
        routers = {r["name"]: r for r in net["routers"]}
        slices = {}
        for ri, r in enumerate(net["routers"]):
            s = {"name": r["name"], "slice": f"{t}-{r['name']}", "network": net["name"],
                 "protocol": net["protocol"], "family": net["family"],
                 "kind": r["kind"], "nic": r["nic"], "node": r["node"],
                 "ns": ns(r["name"]) if r["kind"] == "container" else ns(r["node"]),
                 "mac": r["mac"], "asn": r["asn"],
                 "router_id": f"10.255.{ni + 1}.{ri + 1}",
                 "socket": f"{RUN_ROOT}/{t}-{r['name']}.sock",
                 "dir": f"{run}/{r['name']}", "ports": [], "neighbors": []}
            slices[r["name"]] = s
            plan["slices"].append(s)
        for ln in net["links"]:
            pairs = [two_hosts(x) for x in ln["prefixes"]]
            for i in (0, 1):
                me, peer = ln["ends"][i], ln["ends"][1 - i]
                s = slices[me]
                k = len(s["ports"])
                mux = muxes[(routers[me]["node"], routers[peer]["node"])]
                vhost = f"{run}/{me}-{peer}.vhost"
                p = {"name": peer, "kind": "link", "addrs": [x[i] for x in pairs],
                     "cost": ln["cost"], "peer_addrs": [x[1 - i] for x in pairs],
                     "peer_asn": routers[peer]["asn"],
                     "mux": mux["name"]}
                if s["kind"] == "container":
                    p["devargs"] = (f"net_virtio_user{k},path={vhost},server=1,"
                                    f"queues=1,mac={s['mac']}")
                    p["attach"] = f"vhost-user:{vhost}"
                else:
                    p["devargs"] = f"0000:00:{0x10 + k:02x}.0"
                    if s["nic"] == "virtio":
                        p["attach"] = f"vhost-user:{vhost}"
                        p["vm_port"] = f"{peer},{s['mac']},vhost-user:{vhost}"
                    else:
                        tap = f"{me}.{k}"
                        p["attach"] = f"af_packet:{tap}"
                        p["vm_port"] = f"{peer},{s['mac']},tap:{tap}"
                s["ports"].append(p)
                mux["slices"].append({"name": me, "mac": s["mac"], "vlan": net["vlan"],
                                      "attach": p["attach"], "network": net["name"]})
                s["neighbors"].append(peer)
        for h in net["hosts"]:
            s = slices[h["router"]]
            k = len(s["ports"])
            pairs = [two_hosts(x) for x in h["prefixes"]]
            veth = f"v-{h['name']}"
            s["ports"].append({"name": h["name"], "kind": "host", "addrs": [x[0] for x in pairs],
                               "veth": veth, "cost": None,
                               "devargs": f"net_af_packet{k},iface={veth}"})
            plan["hosts"].append({"name": h["name"], "ns": ns(h["name"]),
                                  "network": net["name"], "router": h["router"],
                                  "router_ns": s["ns"], "veth": veth,
                                  "addrs": [x[1] for x in pairs],
                                  "gws": [x[0].split("/")[0] for x in pairs],
                                  "prefixes": h["prefixes"]})
        if net["protocol"] == "static":
            static_routes(net, slices)
    for s in plan["slices"]:
        s["vrd_conf"] = vrd_conf(s)
        s["frr_conf"] = frr_conf(s)
        s["daemons"] = {"ospf": ["ospf6d" if s["family"] == "ipv6" else "ospfd"],
                        "bgp": ["bgpd"], "static": ["staticd"]}[s["protocol"]]
    return plan


def static_routes(net, slices):
    """For static networks: every router gets a route to every host prefix
    it does not own, via the first hop of a shortest path (BFS by hops)."""
    adj = {r: [] for r in slices}
    for s in slices.values():
        for p in s["ports"]:
            if p["kind"] == "link":
                adj[s["name"]].append((p["name"], [a.split("/")[0] for a in p["peer_addrs"]]))
    for s in slices.values():
        first = {s["name"]: None}
        queue = [s["name"]]
        while queue:
            cur = queue.pop(0)
            for nb, via in adj[cur]:
                if nb not in first:
                    first[nb] = via if cur == s["name"] else first[cur]
                    queue.append(nb)
        s["static"] = [(pre, via) for h in net["hosts"]
                       if h["router"] != s["name"] and first.get(h["router"])
                       for pre in h["prefixes"] for via in first[h["router"]]
                       if ipaddress.ip_network(pre).version == ipaddress.ip_address(via).version]


def vrd_conf(s):
    lines = [f"# vrd configuration of slice {s['slice']} (written by deploy/up.sh)"]
    for p in s["ports"]:
        lines.append(f"port add {p['name']} devargs {p['devargs']}")
    for p in s["ports"]:
        for a in p["addrs"]:
            lines.append(f"addr add {a} dev {p['name']}")
    return "\n".join(lines) + "\n"


def frr_conf(s):
    v6 = s["family"] == "ipv6"
    out = ["frr defaults traditional", f"hostname {s['name']}", "log syslog warnings",
           "fpm address 127.0.0.1", "!"]
    ports = s["ports"]
    if s["protocol"] == "ospf":
        for p in ports:
            out.append(f"interface {p['name']}")
            if v6:
                out.append(" ipv6 ospf6 area 0")
            else:
                out.append(" ip ospf area 0")
            pre = " ipv6 ospf6" if v6 else " ip ospf"
            if p["kind"] == "host":
                out.append(f"{pre} passive")
            else:
                # Point-to-point: no DR election on a two-router link, and
                # 1 s hellos so a dead slice is noticed in 4 s (RFC 2328 9.5).
                out += [f"{pre} network point-to-point", f"{pre} hello-interval 1",
                        f"{pre} dead-interval 4"]
                # Explicit: auto-cost would follow the TAP's reported speed,
                # which differs between a container's and a guest's kernel.
                out.append(f"{pre} cost {p['cost'] or 10}")
            out.append("!")
        if v6:
            out += ["router ospf6", f" ospf6 router-id {s['router_id']}",
                    " timers throttle spf 50 200 1000", "!"]
        else:
            out += ["router ospf", f" ospf router-id {s['router_id']}",
                    " timers throttle spf 50 200 1000", "!"]
    elif s["protocol"] == "bgp":
        out += [f"router bgp {s['asn']}", f" bgp router-id {s['router_id']}",
                " no bgp ebgp-requires-policy", " no bgp default ipv4-unicast",
                " timers bgp 1 3"]
        links = [p for p in ports if p["kind"] == "link"]
        # Sessions run over the network's family (each link's first
        # prefix) and carry every family the network has; for the other
        # family bgpd announces the link's own address of that family as
        # the next hop.
        peers = [p["peer_addrs"][0].split("/")[0] for p in links]
        for p, nb in zip(links, peers):
            out += [f" neighbor {nb} remote-as {p['peer_asn']}",
                    f" neighbor {nb} timers connect 2"]
        for ver, af in ((6, "ipv6 unicast"), (4, "ipv4 unicast")):
            nets = [str(ipaddress.ip_interface(a).network) for p in ports if p["kind"] == "host"
                    for a in p["addrs"] if ipaddress.ip_interface(a).version == ver]
            has = any(ipaddress.ip_interface(a).version == ver for p in ports for a in p["addrs"])
            if not has:
                continue
            out.append(f" address-family {af}")
            out += [f"  network {n}" for n in nets]
            out += [f"  neighbor {nb} activate" for nb in peers]
            out.append(" exit-address-family")
        out.append("!")
    else:
        for prefix, via in s.get("static", []):
            ip = "ipv6" if ipaddress.ip_network(prefix).version == 6 else "ip"
            out.append(f"{ip} route {prefix} {via}")
        out.append("!")
    return "\n".join(out) + "\n"
