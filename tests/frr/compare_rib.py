#!/usr/bin/python3
"""Compares FRR's selected routes with vrd's FIB.

  compare_rib.py FRR.json VRD.json [--ignore-linklocal]

FRR.json: `vtysh -c 'show ip route json'` (or ipv6), merged if both.
VRD.json: `vrctl route show --json`. vrd's own routes for its addresses
(origin local) and neighbours (origin neigh) have no FRR counterpart and
are left out. Prints each difference; exit status 0 when they are equal.
"""
import ipaddress
import json
import sys


def frr_routes(paths):
    out = {}
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        for prefix, entries in data.items():
            for e in entries:
                if not e.get("selected"):
                    continue
                gws = set()
                for nh in e.get("nexthops", []):
                    if nh.get("active") is False:
                        continue
                    if "ip" in nh:
                        gws.add(nh["ip"])
                    elif nh.get("unreachable") or nh.get("blackhole"):
                        gws.add("drop")
                    elif "interfaceName" in nh:
                        gws.add("dev " + nh["interfaceName"])
                out[str(ipaddress.ip_network(prefix))] = gws
    return out


def vrd_routes(path):
    with open(path) as f:
        data = json.load(f)
    out = {}
    for r in data:
        if r["origin"] in ("local", "neigh"):
            continue
        gws = set()
        for nh in r["nexthops"]:
            if "via" in nh:
                gws.add(nh["via"])
            elif nh["type"] in ("blackhole", "unreachable"):
                gws.add("drop")
            else:
                gws.add("dev " + nh.get("dev", "?"))
        out[str(ipaddress.ip_network(r["prefix"]))] = gws
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    skip_ll = "--ignore-linklocal" in sys.argv
    frr = frr_routes(args[:-1])
    vrd = vrd_routes(args[-1])
    if skip_ll:
        for d in (frr, vrd):
            for p in [p for p in d if p.startswith("fe80:")]:
                del d[p]
    diffs = 0
    for p in sorted(set(frr) | set(vrd)):
        if p not in vrd:
            print(f"only in FRR: {p} {sorted(frr[p])}")
        elif p not in frr:
            print(f"only in vrd: {p} {sorted(vrd[p])}")
        elif frr[p] != vrd[p]:
            print(f"differs: {p} FRR {sorted(frr[p])} vrd {sorted(vrd[p])}")
        else:
            continue
        diffs += 1
    print(f"{len(frr)} FRR routes, {len(vrd)} vrd routes, {diffs} differences")
    sys.exit(1 if diffs else 0)


main()
