"""Host plumbing for deploy/vrdeploy.py: commands, namespaces, processes
started in namespaces with pid files, and what they leave behind."""
import glob
import os
import signal
import subprocess
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("VR_BUILD", f"{TOP}/build")
VRD = f"{BUILD}/dataplane/vrd"
VRCTL = f"{BUILD}/ctl/vrctl"
VRMUX = f"{BUILD}/vnet/vrmux/vrmux"
TC_DROP = f"{BUILD}/vnet/tc_ingress_drop.bpf.o"
VM_SH = f"{TOP}/deploy/vm/vm.sh"


class DeployError(Exception):
    pass


def run(argv, check=True, ns=None, timeout=60):
    """Runs argv (in namespace ns); returns (rc, output). A failure with
    check raises DeployError naming the command and what it printed.
    Output goes through a file, not a pipe: a command that leaves daemons
    behind (qemu, relays) would keep a pipe open."""
    if ns:
        argv = ["ip", "netns", "exec", ns] + argv
    try:
        with tempfile.TemporaryFile(mode="w+") as out:
            p = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, timeout=timeout)
            out.seek(0)
            p.stdout = out.read()
    except subprocess.TimeoutExpired:
        raise DeployError(f"'{' '.join(argv)}' did not finish in {timeout} s")
    except FileNotFoundError:
        raise DeployError(f"'{argv[0]}' is not installed")
    if check and p.returncode != 0:
        raise DeployError(f"'{' '.join(argv)}' failed: {p.stdout.strip()}")
    return p.returncode, p.stdout


def ns_exists(ns):
    return os.path.exists(f"/run/netns/{ns}")


def link_exists(ns, ifname):
    return run(["ip", "-n", ns, "link", "show", ifname], check=False)[0] == 0


def sysctl(ns, *pairs):
    run(["sysctl", "-qw"] + list(pairs), ns=ns, check=False)


def ns_add(ns):
    """Creates ns with lo up; True when it was created now."""
    if ns_exists(ns):
        return False
    run(["ip", "netns", "add", ns])
    run(["ip", "-n", ns, "link", "set", "lo", "up"])
    return True


def hide_from_kernel(ns, ifname):
    """An interface whose frames vrd reads with af_packet: the namespace's
    kernel must not answer or forward them too (tests/lib.sh does the same)."""
    sysctl(ns, f"net.ipv4.conf.{ifname}.forwarding=0",
           f"net.ipv6.conf.{ifname}.disable_ipv6=1", f"net.ipv4.conf.{ifname}.arp_ignore=8")
    run(["tc", "-n", ns, "qdisc", "replace", "dev", ifname, "clsact"])
    run(["tc", "filter", "replace", "dev", ifname, "ingress", "pref", "1", "bpf",
         "direct-action", "obj", TC_DROP, "sec", "tc"], ns=ns)


def pid_of(pidfile):
    try:
        with open(pidfile) as f:
            pid = int(f.read().split()[0])
        return pid if alive(pid) else None
    except (OSError, ValueError, IndexError):
        return None


def pids_matching(pattern):
    rc, out = run(["pgrep", "-f", pattern], check=False)
    return [int(p) for p in out.split()] if rc == 0 else []


def start(ns, argv, log, pidfile):
    """Starts argv in ns in its own session, output to log; returns the pid
    (ip netns exec execs argv, so it is the program's own)."""
    with open(log, "ab") as lf:
        p = subprocess.Popen(["ip", "netns", "exec", ns] + argv, stdout=lf,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True)
    with open(pidfile, "w") as f:
        f.write(f"{p.pid}\n")
    return p


def stop_pids(pids, grace=5.0):
    """SIGTERM, then SIGKILL after grace seconds; returns how many ran."""
    pids = [p for p in pids if p]
    live = []
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
            live.append(p)
        except OSError:
            pass
    end = time.time() + grace
    while live and time.time() < end:
        live = [p for p in live if alive(p)]
        time.sleep(0.05)
    for p in live:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    return len(pids)


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A zombie child of ours counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def reap():
    """Collects exited children (processes we started and stopped)."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def vrctl(sock, *args, timeout=10):
    return run([VRCTL, "-s", sock] + list(args), check=False, timeout=timeout)


def wait_until(fn, timeout, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        if fn():
            return True
        time.sleep(step)
    return fn()


def hugepages_prepare(need_mb):
    """Mounts hugetlbfs and raises the 2 MB page count so that need_mb more
    are free. Returns a problem message, or None."""
    if not os.path.ismount("/dev/hugepages"):
        os.makedirs("/dev/hugepages", exist_ok=True)
        run(["mount", "-t", "hugetlbfs", "nodev", "/dev/hugepages"], check=False)
    info = dict(line.split(":", 1) for line in open("/proc/meminfo"))
    free = int(info["HugePages_Free"].split()[0])
    total = int(info["HugePages_Total"].split()[0])
    want = need_mb // 2
    if free < want:
        with open("/proc/sys/vm/nr_hugepages", "w") as f:
            f.write(str(total + want - free))
        info = dict(line.split(":", 1) for line in open("/proc/meminfo"))
        free = int(info["HugePages_Free"].split()[0])
    if free < want:
        return f"only {free} free 2 MB hugepages, {want} needed"
    return None


def dpdk_leftovers(prefix):
    """Hugepage files and runtime directory a DPDK process with file
    prefix leaves when it is killed."""
    return glob.glob(f"/dev/hugepages/{prefix}map_*") + \
        glob.glob(f"/dev/hugepages/{prefix}_*") + glob.glob(f"/var/run/dpdk/{prefix}")
