"""deploy/status.sh: every vrmux, slice and host of a topology, with what
makes it healthy:
  vrmux   process alive, socket answers, all of its slices configured
  slice   vrd answers, zebra connected over FPM, FRR's daemons alive,
          every router link's neighbour adjacent (OSPF Full, BGP
          Established)
  host    namespace present, eth0 up
Exit 0 when everything is healthy, 1 otherwise."""
import json

import frr
import rt


def mux_status(p, m):
    st = {"name": m["name"], "node": m["node"], "uplink": m["uplink"],
          "running": bool(rt.pid_of(f"{p['run']}/mux-{m['name']}.pid"))}
    rc, out = rt.vrctl(m["socket"], "slice", "show", "--json")
    have = [x["name"] for x in json.loads(out)] if rc == 0 else []
    want = [x["name"] for x in m["slices"]]
    st["slices"] = have
    st["problems"] = []
    if not st["running"]:
        st["problems"].append("not running")
    elif rc != 0:
        st["problems"].append("socket does not answer")
    missing = sorted(set(want) - set(have))
    if missing and rc == 0:
        st["problems"].append(f"slices missing: {' '.join(missing)}")
    if rc == 0:
        _, u = rt.vrctl(m["socket"], "uplink", "show", "--json")
        try:
            st["uplink_stats"] = json.loads(u).get("stats", {})
        except ValueError:
            pass
    st["healthy"] = not st["problems"]
    return st


def slice_status(p, s):
    st = {"name": s["name"], "kind": s["kind"], "network": s["network"], "node": s["node"],
          "protocol": s["protocol"], "problems": []}
    rc, out = rt.vrctl(s["socket"], "fpm", "show", "--json")
    fpm = json.loads(out) if rc == 0 else None
    st["vrd"] = fpm is not None
    if fpm is None:
        st["problems"].append("vrd does not answer")
    else:
        st["fpm_connected"] = bool(fpm.get("connected"))
        st["routes"] = fpm.get("routes")
        if not st["fpm_connected"]:
            st["problems"].append("zebra is not connected to vrd (FPM)")
    if s["kind"] == "container":
        running = frr.pids(s)
        down = [d for d in ["zebra"] + s["daemons"] if not running.get(d)]
        if down:
            st["problems"].append(f"FRR daemons down: {' '.join(down)}")
    links = [x for x in s["ports"] if x["kind"] == "link"]
    adj = frr.adjacencies(s) if st["vrd"] or s["kind"] == "container" else None
    st["neighbors_expected"] = len(links) if s["protocol"] != "static" else 0
    if adj is None:
        st["problems"].append("FRR does not answer")
        st["neighbors_up"] = 0
    else:
        st["neighbors_up"] = len(adj)
        if len(adj) < st["neighbors_expected"]:
            st["problems"].append(f"{len(adj)} of {st['neighbors_expected']} "
                                  f"{s['protocol']} neighbours up")
    st["healthy"] = not st["problems"]
    return st


def host_status(h):
    ok = rt.ns_exists(h["ns"]) and rt.run(["ip", "-n", h["ns"], "link", "show", "eth0", "up"],
                                          check=False)[1].strip() != ""
    return {"name": h["name"], "network": h["network"], "router": h["router"],
            "addresses": h["addrs"], "healthy": ok, "problems": [] if ok else ["not present"]}


def report(p, as_json):
    out = {"topology": p["topology"], "file": p["file"],
           "muxes": [mux_status(p, m) for m in p["muxes"]],
           "slices": [slice_status(p, s) for s in p["slices"]],
           "hosts": [host_status(h) for h in p["hosts"]]}
    out["healthy"] = all(x["healthy"] for k in ("muxes", "slices", "hosts") for x in out[k])
    if as_json:
        print(json.dumps(out, indent=1))
        return 0 if out["healthy"] else 1
    print(f"topology {p['topology']} ({p['file']}): "
          f"{'healthy' if out['healthy'] else 'NOT healthy'}")
    print(f"{'what':<8} {'name':<12} {'where':<10} {'state':<9} detail")
    for m in out["muxes"]:
        print(f"{'vrmux':<8} {m['name']:<12} {m['node']:<10} {state(m):<9} "
              f"{len(m['slices'])} slices {'; '.join(m['problems'])}")
    for s in out["slices"]:
        detail = (f"{s['kind']}, net {s['network']}, {s['protocol']} "
                  f"{s['neighbors_up']}/{s['neighbors_expected']}, "
                  f"{s.get('routes', '?')} routes")
        print(f"{'slice':<8} {s['name']:<12} {s['node']:<10} {state(s):<9} {detail} "
              f"{'; '.join(s['problems'])}")
    for h in out["hosts"]:
        print(f"{'host':<8} {h['name']:<12} {h['router']:<10} {state(h):<9} {' '.join(h['addresses'])}")
    return 0 if out["healthy"] else 1


def state(x):
    return "healthy" if x["healthy"] else "DOWN" if x.get("problems") and \
        x["problems"][0] in ("not running", "vrd does not answer", "not present") else "degraded"
