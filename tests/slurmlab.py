"""slurmlab.py - a real, throw-away Slurm cluster on this machine for tests.

    with slurmlab.Cluster(nodes=1, cpus=8) as c:   # raises slurmlab.Skip if it cannot
        subprocess.run(["sbatch", ...], env=c.env)  # c.env has SLURM_CONF

One munged (own key, socket, pid and log in a temp dir), one slurmctld and one slurmd
per node, all from Debian's packages, configured in the temp dir (nothing in /etc is
used or changed, except /etc/hosts entries for several nodes). nodes=1: one slurmd
on 127.0.0.1. nodes>1: one network namespace per node on a bridge, each slurmd
started with `nsenter --net=... unshare --uts` (not `ip netns exec`, which remounts
/sys so slurmd loses its cgroup mount), with its own name, spool, pid, log and TmpFS
(PMIx directories of the nodes would collide in one /tmp otherwise).

Invariants: every wait is bounded; stop() (also on errors, and from __exit__)
cancels the jobs, ends exactly the processes this module started and their
descendants (by pid), deletes the namespaces, veths and bridge it created, and
restores /etc/hosts byte for byte. A state file remembers what a run created, so
the next run cleans up after one that was killed (kill -9 leaves no finally).
Needs root. Standard library only.
"""
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import sktest  # standard library only, like this module

STATE = "/tmp/scalekit-slurmlab.state.json"
HOSTS = "/etc/hosts"
HOSTS_MARK = "# scalekit-slurmlab"
BRIDGE = "br-sklab"
NET = "10.77.0"
TOOLS = ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "srun", "squeue", "scontrol",
         "scancel", "sinfo")


class Skip(Exception):
    """Slurm cannot be started here; the message says why."""


def _run(argv, timeout=30, check=False, **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, universal_newlines=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (exit %d): %s" % (" ".join(argv), p.returncode,
                                                        p.stdout.strip()))
    return p


def _free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return None


def _using(path):
    """Processes whose command line or environment names path: what a lab
    started, including job steps that slurmstepd's double fork took out of
    slurmd's process tree (they inherit SLURM_CONF=<lab dir>/...)."""
    found, key = [], path.encode()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        for part in ("cmdline", "environ"):
            try:
                with open("/proc/%s/%s" % (name, part), "rb") as f:
                    if key in f.read():
                        found.append(int(name))
                        break
            except OSError:
                break
    return found


def _kill(pids):
    """SIGTERM, then SIGKILL after 5 s, the given pids."""
    live = [p for p in pids if _cmdline(p) is not None]
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        for p in live:
            try:
                os.kill(p, sig)
            except OSError:
                pass
        end = time.monotonic() + wait
        while time.monotonic() < end:
            for p in live:
                try:
                    os.waitpid(p, os.WNOHANG)
                except OSError:
                    pass
            live = [p for p in live if _cmdline(p) not in (None, "")]
            if not live:
                return
            time.sleep(0.1)


class Cluster:
    def __init__(self, nodes=1, cpus=8, log=print):
        self.nodes, self.cpus, self.log = nodes, cpus, log
        self.dir = None
        self.procs = {}  # name -> Popen
        self.netns, self.links = [], []
        self.hosts_before = None
        self.env = dict(os.environ)

    # -- set-up ---------------------------------------------------------------

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def _check_environment(self):
        if os.geteuid() != 0:
            raise Skip("needs root (munged as user munge, slurmd as root%s)"
                       % (", network namespaces" if self.nodes > 1 else ""))
        missing = [t for t in TOOLS + (("ip", "nsenter", "unshare") if self.nodes > 1 else ())
                   if shutil.which(t) is None and not os.path.exists("/usr/sbin/" + t)]
        if missing:
            raise Skip("missing %s (Debian: apt-get install slurm-wlm munge iproute2)"
                       % ", ".join(missing))
        try:
            pwd.getpwnam("munge")
        except KeyError:
            raise Skip("no user 'munge' (install the munge package)")

    def start(self):
        self._check_environment()
        cleanup_stale(self.log)
        self.dir = tempfile.mkdtemp(prefix="sklab-")
        os.chmod(self.dir, 0o755)
        self._save_state()
        self._start_munge()
        if self.nodes > 1:
            self._make_network()
        self._write_conf()
        self._start_daemons()
        self._wait_idle(60)
        mpi = _run(["srun", "--mpi=list"], env=self.env).stdout
        if "pmix" not in mpi:
            raise Skip("srun --mpi=list has no pmix (Open MPI needs it): %s" % mpi.strip())

    def _spawn(self, name, argv, **kw):
        out = open(os.path.join(self.dir, name + ".out"), "w")
        self.procs[name] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, env=self.env, **kw)
        out.close()
        self._save_state()

    def _start_munge(self):
        mdir = os.path.join(self.dir, "munge")
        os.mkdir(mdir, 0o755)  # munged wants its socket directory readable by all
        munge = pwd.getpwnam("munge")
        os.chown(mdir, munge.pw_uid, munge.pw_gid)
        key = os.path.join(mdir, "munge.key")
        _run(["runuser", "-u", "munge", "--", "mungekey", "-c", "-k", key], check=True)
        self.socket = os.path.join(mdir, "munge.socket")
        self._spawn("munged", ["runuser", "-u", "munge", "--", "munged", "-F",
                               "--socket=" + self.socket, "--key-file=" + key,
                               "--pid-file=" + os.path.join(mdir, "munged.pid"),
                               "--seed-file=" + os.path.join(mdir, "munged.seed"),
                               "--log-file=" + os.path.join(mdir, "munged.log")])
        self._wait(lambda: os.path.exists(self.socket), 15, "munged to create its socket")

    def _ip(self, *args):
        return _run(["ip"] + list(args), check=True)

    def _make_network(self):
        if os.path.exists("/sys/class/net/" + BRIDGE):
            raise RuntimeError("bridge %s exists and is not ours" % BRIDGE)
        try:
            self._ip("link", "add", BRIDGE, "type", "bridge")
        except RuntimeError as e:
            raise Skip("cannot create a bridge (network namespaces unavailable?): %s" % e)
        self.links.append(BRIDGE)
        self._save_state()
        self._ip("addr", "add", "%s.1/24" % NET, "dev", BRIDGE)
        self._ip("link", "set", BRIDGE, "up")
        for i in range(1, self.nodes + 1):
            ns, veth = "sklab%d" % i, "sklabv%d" % i
            self._ip("netns", "add", ns)
            self.netns.append(ns)
            self._save_state()
            self._ip("link", "add", veth, "type", "veth", "peer", "name", veth + "p")
            self.links.append(veth)
            self._save_state()
            self._ip("link", "set", veth + "p", "netns", ns)
            self._ip("link", "set", veth, "master", BRIDGE)
            self._ip("link", "set", veth, "up")
            for args in (("addr", "add", "%s.%d/24" % (NET, 10 + i), "dev", veth + "p"),
                         ("link", "set", veth + "p", "up"), ("link", "set", "lo", "up")):
                self._ip("-n", ns, *args)
        with open(HOSTS, "rb") as f:
            self.hosts_before = f.read()
        self._save_state()
        extra = "".join("%s.%d skn%d %s\n" % (NET, 10 + i, i, HOSTS_MARK)
                        for i in range(1, self.nodes + 1))
        sep = b"" if self.hosts_before.endswith(b"\n") or not self.hosts_before else b"\n"
        with open(HOSTS, "wb") as f:  # in place: /etc/hosts may be a bind mount
            f.write(self.hosts_before + sep + extra.encode())

    def _write_conf(self):
        d = self.dir
        host = socket.gethostname().split(".")[0]
        ctl_addr = "127.0.0.1" if self.nodes == 1 else "%s.1" % NET
        lines = [
            "ClusterName=sklab", "SlurmctldHost=%s(%s)" % (host, ctl_addr),
            "SlurmctldPort=%d" % _free_port(), "SlurmdPort=%d" % _free_port(),
            "AuthType=auth/munge", "AuthInfo=socket=%s" % self.socket, "CredType=cred/munge",
            "SlurmUser=root", "SlurmdUser=root",
            "StateSaveLocation=%s/state" % d, "SlurmdSpoolDir=%s/spool-%%n" % d,
            "SlurmctldPidFile=%s/slurmctld.pid" % d, "SlurmdPidFile=%s/slurmd-%%n.pid" % d,
            "SlurmctldLogFile=%s/slurmctld.log" % d, "SlurmdLogFile=%s/slurmd-%%n.log" % d,
            "TmpFS=%s/tmp-%%n" % d,
            # No cgroups here: Linux process tracking, no task binding (OpenMP binds threads).
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_CPU",
            # Declare more CPUs than exist so several test jobs run at once.
            "SlurmdParameters=config_overrides", "ReturnToService=2", "MpiDefault=pmix",
            "KillWait=2", "InactiveLimit=0", "MinJobAge=600", "SlurmdTimeout=30",
            "SchedulerParameters=sched_interval=2",
        ]
        os.mkdir(os.path.join(d, "state"))
        if self.nodes == 1:
            names = ["skn0"]
            lines.append("NodeName=skn0 NodeHostname=%s NodeAddr=127.0.0.1 CPUs=%d "
                         "RealMemory=1000 State=UNKNOWN" % (host, self.cpus))
        else:
            names = ["skn%d" % i for i in range(1, self.nodes + 1)]
            for i, n in enumerate(names, 1):
                lines.append("NodeName=%s NodeHostname=%s NodeAddr=%s.%d CPUs=%d "
                             "RealMemory=1000 State=UNKNOWN" % (n, n, NET, 10 + i, self.cpus))
        lines.append("PartitionName=sklab Nodes=ALL Default=YES MaxTime=INFINITE State=UP")
        for n in names:
            os.mkdir(os.path.join(d, "tmp-" + n))
        self.node_names = names
        self.conf = os.path.join(d, "slurm.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.env["SLURM_CONF"] = self.conf

    def _start_daemons(self):
        self._spawn("slurmctld", ["slurmctld", "-D", "-i", "-f", self.conf])
        self._wait(lambda: _run(["scontrol", "ping"], env=self.env).returncode == 0, 30,
                   "slurmctld to answer")
        for i, n in enumerate(self.node_names, 1):
            if self.nodes == 1:
                argv = ["slurmd", "-D", "-N", n, "-f", self.conf]
            else:
                argv = ["nsenter", "--net=/var/run/netns/%s" % self.netns[i - 1], "unshare",
                        "--uts", "sh", "-c", 'hostname "$1" && exec slurmd -D -N "$1" -f "$2"',
                        "sh", n, self.conf]
            self._spawn("slurmd-" + n, argv)

    def _wait(self, cond, seconds, what):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if cond():
                return
            for name, p in self.procs.items():
                if p.poll() is not None:
                    raise Skip("%s exited (status %s) while waiting for %s\n%s"
                               % (name, p.returncode, what, self.logs()))
            time.sleep(0.3)
        raise Skip("timed out after %d s waiting for %s\n%s" % (seconds, what, self.logs()))

    def _wait_idle(self, seconds):
        def idle():
            out = _run(["sinfo", "-h", "-N", "-o", "%N %T"], env=self.env).stdout.split()
            states = dict(zip(out[0::2], out[1::2]))
            return all(states.get(n) == "idle" for n in self.node_names)
        self._wait(idle, seconds, "node(s) %s to be idle" % ",".join(self.node_names))

    # -- use ------------------------------------------------------------------

    def wait_jobs(self, job_ids, seconds):
        """True when none of job_ids is pending or running any more."""
        ids = ",".join(str(j) for j in job_ids)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            out = _run(["squeue", "-h", "-o", "%i", "-j", ids], env=self.env).stdout.split()
            if not [j for j in out if j in set(str(x) for x in job_ids)]:
                return True
            time.sleep(1)
        return False

    def logs(self, lines=25):
        """The tails of every daemon's logs, for failure messages."""
        if not self.dir or not os.path.isdir(self.dir):
            return ""
        text = []
        for name in sorted(os.listdir(self.dir)):
            if name.endswith((".log", ".out")):
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    tail = f.read().splitlines()[-lines:]
                text.append("--- %s ---\n%s" % (name, "\n".join(tail)))
        return "\n".join(text)

    # -- tear-down --------------------------------------------------------------

    def _save_state(self):
        state = {"dir": self.dir, "netns": self.netns, "links": self.links,
                 "pids": [p.pid for p in self.procs.values()],
                 "hosts_before": self.hosts_before.decode("latin-1")
                 if self.hosts_before is not None else None}
        tmp = STATE + ".tmp"
        with open(tmp, "w") as f:
            json.dump(state, f)
        os.replace(tmp, STATE)

    def stop(self):
        """Idempotent: end jobs and daemons, remove network and files."""
        if self.procs and "SLURM_CONF" in self.env:
            try:
                _run(["scancel", "--partition=sklab"], env=self.env, timeout=15)
                end = time.monotonic() + 20
                while time.monotonic() < end and _run(
                        ["squeue", "-h", "-o", "%i"], env=self.env, timeout=15).stdout.strip():
                    time.sleep(0.5)
            except (subprocess.TimeoutExpired, OSError):
                pass
        pids = []
        for p in self.procs.values():  # slurmd first (their steps), then the controller
            pids += sktest.descendants(p.pid) + [p.pid]
        _kill(pids)
        if self.dir:  # steps and job scripts that left slurmd's tree
            _kill(_using(self.dir))
        for p in self.procs.values():
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self.procs = {}
        _remove_network(self.netns, self.links)
        self.netns, self.links = [], []
        if self.hosts_before is not None:
            _restore_hosts(self.hosts_before)
            self.hosts_before = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        try:
            os.remove(STATE)
        except OSError:
            pass


def _remove_network(netns, links):
    for ns in netns:
        _run(["ip", "netns", "del", ns])
    for link in reversed(links):
        if os.path.exists("/sys/class/net/" + link):
            _run(["ip", "link", "del", link])


def _restore_hosts(before):
    """Put /etc/hosts back as it was; if someone else changed it meanwhile, only
    drop our marked lines."""
    with open(HOSTS, "rb") as f:
        now = f.read()
    ours = [line for line in now.splitlines(True) if HOSTS_MARK.encode() in line]
    if now.startswith(before) or not ours:
        text = before
    else:
        text = b"".join(line for line in now.splitlines(True) if HOSTS_MARK.encode() not in line)
    if text != now:
        with open(HOSTS, "wb") as f:
            f.write(text)


def cleanup_stale(log=print):
    """Undo what a killed earlier run left behind (from its state file)."""
    try:
        with open(STATE) as f:
            state = json.load(f)
    except (OSError, ValueError):
        return
    log("slurmlab: cleaning up after an earlier run that did not finish")
    # Only processes that are still ours: their command line names our temp dir.
    mine = [int(p) for p in state.get("pids", {})
            if state.get("dir") and state["dir"] in (_cmdline(int(p)) or "")]
    _kill([d for p in mine for d in sktest.descendants(p)] + mine)
    if state.get("dir"):
        _kill(_using(state["dir"]))
    _remove_network(state.get("netns", []), state.get("links", []))
    if state.get("hosts_before") is not None:
        _restore_hosts(state["hosts_before"].encode("latin-1"))
    if state.get("dir") and os.path.basename(state["dir"]).startswith("sklab-"):
        shutil.rmtree(state["dir"], ignore_errors=True)
    os.remove(STATE)
