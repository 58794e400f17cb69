"""FRR of a container slice: zebra (with dplane_fpm_nl, which feeds vrd)
and the network's routing daemon, in the slice's namespace, as instance
TOPO-ROUTER (FRR's -N: /etc/frr/INST and /var/run/frr/INST)."""
import glob
import json
import os
import shutil

import rt


def inst(s):
    return s["slice"]


def _dirs(s):
    return f"/etc/frr/{inst(s)}", f"/var/run/frr/{inst(s)}"


def pids(s):
    _, run = _dirs(s)
    out = {}
    for f in glob.glob(f"{run}/*.pid"):
        out[os.path.basename(f)[:-4]] = rt.pid_of(f)
    return out


def start(s):
    """Starts what is not running; True when something was started."""
    etc, run = _dirs(s)
    running = pids(s)
    want = ["zebra"] + s["daemons"]
    if all(running.get(d) for d in want):
        return False
    os.makedirs(etc, exist_ok=True)
    os.makedirs(run, exist_ok=True)
    shutil.chown(run, "frr", "frr")
    open(f"{etc}/vtysh.conf", "a").close()
    with open(f"{etc}/frr.conf", "w") as f:
        f.write(s["frr_conf"])
    for path in (etc, f"{etc}/frr.conf", f"{etc}/vtysh.conf"):
        shutil.chown(path, "frr", "frr")
    for d in want:
        if running.get(d):
            continue
        argv = [f"/usr/lib/frr/{d}", "-d", "-N", inst(s), "-f", f"{etc}/frr.conf",
                "-i", f"{run}/{d}.pid"]
        if d == "zebra":
            argv += ["-M", "dplane_fpm_nl"]
        rt.run(argv, ns=s["ns"])
    return True


def stop(s):
    """Stops every daemon of the instance and removes its directories;
    True when one ran."""
    n = rt.stop_pids([p for p in pids(s).values() if p])
    remove_dirs(s)
    return n > 0


def remove_dirs(s):
    for d in _dirs(s):
        shutil.rmtree(d, ignore_errors=True)


def vtysh(s, cmd):
    """FRR's JSON answer to cmd, or None. A VM slice's FRR is asked through
    the guest's relay (deploy/vm/vtysh.sh)."""
    if s["kind"] == "vm":
        argv = [f"{rt.TOP}/deploy/vm/vtysh.sh", s["slice"], cmd]
    else:
        argv = ["vtysh", "-N", inst(s), "-c", cmd]
    rc, out = rt.run(argv, check=False, timeout=15)
    if rc != 0:
        return None
    try:
        return json.loads(out)
    except ValueError:
        return None


def adjacencies(s):
    """(up, names) of the routing protocol's neighbours; None when FRR
    does not answer."""
    if s["protocol"] == "ospf":
        v6 = s["family"] == "ipv6"
        j = vtysh(s, "show ipv6 ospf6 neighbor json" if v6 else "show ip ospf neighbor json")
        if j is None:
            return None
        up = []
        if v6:
            for n in j.get("neighbors", []):
                if n.get("state") == "Full":
                    up.append(n.get("interfaceName", "?"))
        else:
            for rid, lst in j.get("neighbors", {}).items():
                for n in lst:
                    if str(n.get("state", n.get("nbrState", ""))).startswith("Full"):
                        up.append(n.get("ifaceName", rid).split(":")[0])
        return up
    if s["protocol"] == "bgp":
        af = "ipv6" if s["family"] == "ipv6" else "ipv4"
        j = vtysh(s, f"show bgp {af} unicast summary json")
        if j is None:
            return None
        return [a for a, n in j.get("peers", {}).items() if n.get("state") == "Established"]
    return []   # static: nothing to form
