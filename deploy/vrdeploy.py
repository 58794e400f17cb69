#!/usr/bin/python3
"""vrplane deployment: one topology file, one command.

  vrdeploy.py up TOPOLOGY [--dry-run]   (deploy/up.sh)
  vrdeploy.py down TOPOLOGY             (deploy/down.sh)
  vrdeploy.py status TOPOLOGY [--json]  (deploy/status.sh)

up checks the whole file first (deploy/topology.py) and starts nothing when
it has a mistake. Every step looks before it acts, so up twice, or up after
a half-failed up, starts only what is missing and says what it did; down
removes whatever of the topology exists, from the file alone. What each
entity becomes is in deploy/plan.py.
"""
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frr  # noqa: E402
import plan as planmod  # noqa: E402
import rt  # noqa: E402
import status as statusmod  # noqa: E402
import topology  # noqa: E402

VRD_MEM_MB = 256
MUX_MEM_MB = 256


ACTIONS = []


def say(msg):
    print(msg, flush=True)


def did(msg):
    """An action up took: printed, and counted so that an up that found
    everything running says so."""
    ACTIONS.append(msg)
    say(msg)


def load(path):
    top, problems = topology.load(path)
    if problems.report():
        say(f"{path}: refused, nothing was started or changed")
        sys.exit(1)
    p = planmod.build(top, path)
    p["sriov"] = topology.sriov_commands(top)
    return p


def prerequisites(p):
    missing = [b for b in (rt.VRD, rt.VRCTL, rt.VRMUX, rt.TC_DROP) if not os.path.exists(b)]
    if missing:
        raise rt.DeployError(f"not built: {', '.join(missing)} (run: meson setup build && "
                             "ninja -C build)")
    if not shutil.which("vtysh") or not os.path.exists("/usr/lib/frr/zebra"):
        raise rt.DeployError("FRR is not installed (deploy/install-deps.sh)")
    if any(s["kind"] == "vm" for s in p["slices"]) and not os.path.exists(rt.VM_SH):
        raise rt.DeployError(f"{rt.VM_SH} is missing")
    n = len(p["muxes"]) * MUX_MEM_MB + sum(VRD_MEM_MB for s in p["slices"]
                                          if s["kind"] == "container")
    err = rt.hugepages_prepare(n + 64)
    if err:
        raise rt.DeployError(f"hugepages: {err}")


# --- up ---------------------------------------------------------------

# The commands of the processes up starts: one place, for up and --dry-run.
def mux_argv(m):
    return [rt.VRMUX, "--uplink", m["uplink_devargs"], "--socket", m["socket"], "--",
            f"--file-prefix={m['prefix']}", "-m", str(MUX_MEM_MB)] + m["eal"]


def vrd_argv(s):
    return [rt.VRD, "--slice", s["slice"], "--config", f"{s['dir']}/vrd.conf", "--",
            "-m", str(VRD_MEM_MB), "--no-pci"]


def vm_argv(s):
    argv = [rt.VM_SH, "start", "--name", s["slice"], "--netns", s["ns"],
            "--dir", s["dir"], "--nic", s["nic"]]
    for port in s["ports"]:
        argv += ["--port", port["vm_port"]]
    return argv


def up_substrate(p):
    for n in p["nodes"]:
        if rt.ns_add(n["ns"]):
            # vrmux switches here; the node's own kernel stays out of it.
            rt.sysctl(n["ns"], "net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=0")
            did(f"node {n['name']}: namespace {n['ns']} created")
    for ln in p["links"]:
        (nx, ny), (ix, iy) = ln["ns"], ln["ifnames"]
        if ln["real"]:
            for ns, ifc in ((nx, ix), (ny, iy)):
                if ":" in ifc or rt.link_exists(ns, ifc):
                    continue    # a PCI device: vrmux takes it by address
                if rt.run(["ip", "link", "show", ifc], check=False)[0] != 0:
                    raise rt.DeployError(f"substrate NIC {ifc} not found")
                rt.run(["ip", "link", "set", ifc, "netns", ns])
                rt.run(["ip", "-n", ns, "link", "set", ifc, "up"])
                did(f"substrate link {'-'.join(ln['ends'])}: NIC {ifc} moved into {ns}")
            continue
        if rt.link_exists(nx, ix):
            continue
        rt.run(["ip", "link", "add", ix, "netns", nx, "type", "veth", "peer", "name",
                iy, "netns", ny])
        for ns, ifc in ((nx, ix), (ny, iy)):
            rt.run(["ip", "-n", ns, "link", "set", ifc, "up"])
            rt.sysctl(ns, f"net.ipv6.conf.{ifc}.disable_ipv6=1")
        did(f"substrate link {'-'.join(ln['ends'])}: veth {nx}/{ix} <-> {ny}/{iy}")


def up_muxes(p):
    started = []
    for m in p["muxes"]:
        pidf = f"{p['run']}/mux-{m['name']}.pid"
        if rt.pid_of(pidf):
            continue
        rt.start(m["ns"], mux_argv(m), f"{p['log']}/mux-{m['name']}.log", pidf)
        started.append(m)
    for m in started:
        if not rt.wait_until(lambda: rt.vrctl(m["socket"], "uplink", "show")[0] == 0, 30):
            raise rt.DeployError(f"vrmux {m['name']} did not start: see "
                                 f"{p['log']}/mux-{m['name']}.log")
        did(f"vrmux {m['name']}: up in {m['ns']}, uplink {m['uplink']}")


def up_mux_slices(p):
    for m in p["muxes"]:
        for s in m["slices"]:
            if rt.vrctl(m["socket"], "slice", "show", s["name"])[0] == 0:
                continue
            kind, _, ifc = s["attach"].partition(":")
            if kind == "af_packet" and not rt.link_exists(m["ns"], ifc):
                continue    # a VM's TAP: qemu makes it, the next call attaches it
            rt.run([rt.VRCTL, "-s", m["socket"], "slice", "add", s["name"], "mac", s["mac"],
                    "vlan", str(s["vlan"]), "attach", s["attach"]])
            did(f"vrmux {m['name']}: slice {s['name']} (network {s['network']}, "
                f"VLAN {s['vlan']}) on {s['attach']}")


def up_slice_namespaces(p):
    for s in p["slices"]:
        if s["kind"] == "container" and rt.ns_add(s["ns"]):
            # vrd forwards; the slice's kernel only where vrd punts (TAPs).
            rt.sysctl(s["ns"], "net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=0")


def up_hosts(p):
    for h in p["hosts"]:
        if rt.ns_exists(h["ns"]) and rt.link_exists(h["router_ns"], h["veth"]):
            continue
        rt.ns_add(h["ns"])
        if not rt.link_exists(h["router_ns"], h["veth"]):
            rt.run(["ip", "link", "add", h["veth"], "netns", h["router_ns"], "type", "veth",
                    "peer", "name", "eth0", "netns", h["ns"]])
        rt.run(["ip", "-n", h["router_ns"], "link", "set", h["veth"], "up"])
        rt.hide_from_kernel(h["router_ns"], h["veth"])
        rt.run(["ip", "-n", h["ns"], "link", "set", "eth0", "up"])
        # veth leaves checksums partial; vrd's af_packet port would pass
        # them on as they are. Hosts compute theirs, as with a real NIC.
        rt.run(["ethtool", "-K", "eth0", "tx", "off"], ns=h["ns"], check=False)
        for addr, gw in zip(h["addrs"], h["gws"]):
            v6 = ":" in addr
            rt.run(["ip", "-n", h["ns"]] + (["-6"] if v6 else []) +
                   ["addr", "replace", addr, "dev", "eth0"] + (["nodad"] if v6 else []))
            rt.run(["ip", "-n", h["ns"]] + (["-6"] if v6 else []) +
                   ["route", "replace", "default", "via", gw])
        did(f"host {h['name']}: {' '.join(h['addrs'])} via {' '.join(h['gws'])} "
            f"({h['router']})")


def spawn_containers(p):
    """Starts vrd where it is not running; returns [(slice, start time)]."""
    todo = []
    for s in p["slices"]:
        if s["kind"] != "container":
            continue
        os.makedirs(s["dir"], exist_ok=True)
        with open(f"{s['dir']}/vrd.conf", "w") as f:
            f.write(s["vrd_conf"])
        if rt.pid_of(f"{s['dir']}/vrd.pid"):
            continue
        t0 = time.time()
        rt.start(s["ns"], vrd_argv(s), f"{p['log']}/{s['name']}.vrd.log", f"{s['dir']}/vrd.pid")
        todo.append((s, t0))
    return todo


def wait_containers(p, todo):
    for s, t0 in todo:
        ok = rt.wait_until(lambda: rt.vrctl(s["socket"], "stats")[0] == 0
                           or not rt.pid_of(f"{s['dir']}/vrd.pid"), 30)
        if not ok or not rt.pid_of(f"{s['dir']}/vrd.pid"):
            raise rt.DeployError(f"vrd of {s['name']} did not start: see "
                                 f"{p['log']}/{s['name']}.vrd.log")
        did(f"slice {s['name']} (container, network {s['network']}): vrd up in "
            f"{time.time() - t0:.2f} s, {len(s['ports'])} ports")

def up_frr(p):
    for s in p["slices"]:
        if s["kind"] == "container" and frr.start(s):
            did(f"slice {s['name']}: FRR zebra + {' '.join(s['daemons'])} started")


def up_vms(p, phase, started=None):
    """phase start: writes each VM slice's share and starts qemu where it
    does not run; returns the slices started. phase wait: waits for the
    guests of `started` to be ready."""
    started = [] if started is None else started
    for s in p["slices"]:
        if s["kind"] != "vm" or (phase == "wait" and s not in started):
            continue
        if phase == "start":
            os.makedirs(s["dir"], exist_ok=True)
            for name, text in (("slice", s["slice"] + "\n"), ("vrd.conf", s["vrd_conf"]),
                               ("frr.conf", s["frr_conf"]),
                               ("daemons", "\n".join(s["daemons"]) + "\n")):
                with open(f"{s['dir']}/{name}", "w") as f:
                    f.write(text)
            if rt.run([rt.VM_SH, "status", "--dir", s["dir"]], check=False)[0] == 0:
                continue
            image = f"{rt.TOP}/deploy/vm/build-image.sh"
            if rt.run([image, "--print-path"], check=False)[0] != 0:
                say("building the VM guest image with debootstrap (once; a few minutes)")
            rc, out = rt.run([image], check=False, timeout=3600)
            if rc != 0:
                raise rt.DeployError(f"VM image for {s['name']}: {out.strip()[-600:]}")
            rc, out = rt.run(vm_argv(s), check=False, timeout=120)
            did(out.rstrip())
            if rc != 0:
                raise rt.DeployError(f"VM {s['name']} did not start")
            started.append(s)
        else:
            rc, out = rt.run([rt.VM_SH, "wait", "--dir", s["dir"], "--timeout", "600"],
                             check=False, timeout=660)
            if rc != 0:
                raise rt.DeployError(f"VM {s['name']} did not become ready: {out.strip()[-800:]}")
            did(f"slice {s['name']} (vm, {s['nic']}, network {s['network']}): ready")
    return started


def up(p, dry_run):
    if dry_run:
        return dry(p)
    prerequisites(p)
    os.makedirs(p["run"], exist_ok=True)
    os.makedirs(p["log"], exist_ok=True)
    t0 = time.time()
    up_substrate(p)
    up_muxes(p)
    up_slice_namespaces(p)
    up_hosts(p)
    # vrd first, vrmux's slices next: vrd's virtio-user (server) socket
    # then exists when vrmux attaches, and vrmux connects at once instead
    # of at its next reconnect attempt (once a second). qemu after them:
    # its vhost-user netdev waits at start until vrmux connects; an
    # e1000's or vmxnet3's TAP exists only once qemu runs, so vrmux
    # attaches those last.
    todo = spawn_containers(p)
    up_mux_slices(p)
    vms = up_vms(p, "start")
    up_mux_slices(p)
    wait_containers(p, todo)
    up_frr(p)
    up_vms(p, "wait", vms)
    if not ACTIONS:
        say(f"{p['topology']}: already up, nothing started (deploy/status.sh "
            f"{p['file']} tells its health)")
    else:
        say(f"{p['topology']}: up in {time.time() - t0:.1f} s "
            f"(deploy/status.sh {p['file']} shows convergence)")


def dry(p):
    """What up would do, as commands, without doing it."""
    say(f"# {p['topology']}: {len(p['nodes'])} nodes, {len(p['muxes'])} vrmux, "
        f"{len(p['slices'])} slices, {len(p['hosts'])} hosts")
    for ln in p["links"]:
        for ns, ifc in zip(ln["ns"], ln["ifnames"]):
            if ln["real"] and ":" not in ifc:
                say(f"ip link set {ifc} netns {ns}")
            elif not ln["real"] and ns == ln["ns"][0]:
                say(f"ip link add {ifc} netns {ns} type veth peer name {ln['ifnames'][1]} "
                    f"netns {ln['ns'][1]}")
    for m in p["muxes"]:
        say(f"ip netns exec {m['ns']} {' '.join(mux_argv(m))}")
        for s in m["slices"]:
            say(f"vrctl -s {m['socket']} slice add {s['name']} mac {s['mac']} vlan {s['vlan']} "
                f"attach {s['attach']}")
    for cmd in p["sriov"]:
        say(cmd)
    for s in p["slices"]:
        if s["kind"] == "container":
            say(f"ip netns exec {s['ns']} {' '.join(vrd_argv(s))}")
        else:
            say(" ".join(vm_argv(s)))
    return 0


# --- down -------------------------------------------------------------

def down(p):
    did = []
    for s in p["slices"]:
        if s["kind"] == "vm" and (os.path.isdir(s["dir"]) or rt.pids_matching(f"process=vrplane-{s['slice']},")):
            rc, out = rt.run([rt.VM_SH, "stop", "--dir", s["dir"]], check=False, timeout=120)
            did.append(f"VM {s['name']}: {out.strip().splitlines()[-1] if out.strip() else rc}")
    for s in p["slices"]:
        if s["kind"] == "container" and frr.stop(s):
            did.append(f"FRR of {s['name']} stopped")
    for s in p["slices"]:
        if s["kind"] != "container":
            continue
        pids = {rt.pid_of(f"{s['dir']}/vrd.pid")} | set(rt.pids_matching(f"vrd --slice {s['slice']} "))
        if rt.stop_pids(pids - {None}):
            did.append(f"vrd of {s['name']} stopped")
    for m in p["muxes"]:
        pids = {rt.pid_of(f"{p['run']}/mux-{m['name']}.pid")} | \
            set(rt.pids_matching(f"--socket {m['socket']} "))
        if rt.stop_pids(pids - {None}):
            did.append(f"vrmux {m['name']} stopped")
    rt.reap()
    for ns in [h["ns"] for h in p["hosts"]] + [s["ns"] for s in p["slices"] if s["kind"] == "container"] \
            + [n["ns"] for n in p["nodes"]]:
        if rt.ns_exists(ns):
            rt.run(["ip", "netns", "del", ns], check=False)
            did.append(f"namespace {ns} removed")
    left = []
    for m in p["muxes"]:
        left += rt.dpdk_leftovers(m["prefix"])
    for s in p["slices"]:
        left += rt.dpdk_leftovers(f"vrd-{s['slice']}")
        if os.path.exists(s["socket"]):
            left.append(s["socket"])
    for f in left:
        shutil.rmtree(f, ignore_errors=True) if os.path.isdir(f) else os.unlink(f)
    if left:
        did.append(f"{len(left)} leftover files removed (hugepages, sockets)")
    if os.path.isdir(p["run"]):
        shutil.rmtree(p["run"], ignore_errors=True)
        did.append(f"{p['run']} removed")
    for d in did:
        say(d)
    say(f"{p['topology']}: {'down' if did else 'was not up: nothing to do'}")
    return 0


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    if len(args) != 2 or args[0] not in ("up", "down", "status"):
        print(__doc__.strip().split("\n\n")[1])
        return 2
    known = {"up": {"--dry-run"}, "down": set(), "status": {"--json"}}[args[0]]
    if flags - known:
        say(f"unknown option {sorted(flags - known)[0]} for {args[0]}")
        return 2
    p = load(args[1])
    try:
        if args[0] == "up":
            return up(p, "--dry-run" in flags)
        if args[0] == "down":
            return down(p)
        return statusmod.report(p, "--json" in flags)
    except rt.DeployError as e:
        say(f"{args[0]} {p['topology']}: {e}")
        if args[0] == "up":
            say(f"left as it is; deploy/down.sh {args[1]} removes what was started")
        return 1


if __name__ == "__main__":
    sys.exit(main() or 0)
