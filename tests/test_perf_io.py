#!/usr/bin/env python3
"""test_perf_io.py - bench/perf.py's io suite: failures stop it cleanly.

    test_perf_io.py --bindir DIR --mpiexec PATH [--perf bench/perf.py]

Each run gets a fresh --dir, which must be empty afterwards: perf.py keeps
its files (iobench's --io-dir, the posix file) in a private directory there
and removes it however it ends. With the real drivers (--smoke, 1 round): a
good run exits 0; a run that does not verify (SCALEKIT_TEST_CORRUPT_RESULT=1,
the driver exits 3) exits 1 naming it; a --size iobench refuses and a
missing --dir exit 2 before any round. With fake drivers and a fake mpiexec
(scripts written here), what the real ones never do: a record that says
verified false with exit 0, no record with exit 0 (both exit 1 with a
message, no traceback), and a hung MPI run whose "rank" ignores SIGTERM
(--timeout: exit 1, the rank killed, its scratch file removed; and SIGTERM
to perf.py during such a run: exit 143, the same cleanup); the fake mpiexec
also shows MPIEXEC_FLAGS reaching the launcher's command line.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sktest  # noqa: E402

PERF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench", "perf.py")

# A fake scalekit-seq/-omp/-mpi: --version, --weak-size (1Mi), and a
# run writing the record FAKE_MODE asks for to --output (and a scratch file to
# --io-dir, as iobench does).
FAKE_DRIVER = r'''
import json, os, sys
a = sys.argv[1:]
if "--version" in a:
    print("fake driver (HDF5: fake)")
    sys.exit(0)
opt = dict(zip(a, a[1:]))
if "--weak-size" in a:
    print(1 << 20)
    sys.exit(0)
mode = os.environ.get("FAKE_MODE", "")
with open(os.path.join(opt["--io-dir"], "fake-%d.h5" % os.getpid()), "w"):
    pass
os.remove(os.path.join(opt["--io-dir"], "fake-%d.h5" % os.getpid()))
if mode != "norecord":
    rec = {"verified": mode != "unverified", "io": {"write_mib_s": 1.0, "read_mib_s": 2.0}}
    with open(opt["--output"], "a") as f:
        f.write(json.dumps(rec) + "\n")
'''

# A fake mpiexec: logs its argv (one JSON line to FAKE_LOG), then runs the
# program (from the first scalekit-* argument) or, with FAKE_MODE=hang, starts
# a "rank" that ignores SIGTERM, in a process group of its own as Open MPI's
# ranks are, leaves a scratch file in --io-dir, writes its pid to FAKE_PID
# and sleeps; the launcher sleeps too.
FAKE_MPIEXEC = r'''
import json, os, signal, subprocess, sys, time
a = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as f:
    f.write(json.dumps(a) + "\n")
prog = next(i for i, x in enumerate(a) if os.path.basename(x).startswith("scalekit-"))
if os.environ.get("FAKE_MODE") != "hang":
    sys.exit(subprocess.call(a[prog:]))
opt = dict(zip(a, a[1:]))
rank = subprocess.Popen([sys.executable, "-c",
    "import os, signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "open(os.path.join(sys.argv[1], 'rank.h5'), 'w').close()\n"
    "open(sys.argv[2], 'w').write(str(os.getpid()))\n"
    "time.sleep(600)\n", opt["--io-dir"], os.environ["FAKE_PID"]], preexec_fn=os.setpgrp)
time.sleep(600)
'''


def write_script(path, body):
    with open(path, "w") as f:
        f.write("#!%s\n%s" % (sys.executable, body))
    os.chmod(path, 0o755)


def perf(s, args, name, extra, bindir=None, mpiexec=None, corrupt=False, env=None,
         timeout=120):
    """Run perf.py io --rounds 1 EXTRA with --dir a fresh directory NAME
    (unless extra has its own --dir); returns (Result, that directory)."""
    d = s.path(name)
    os.mkdir(d)
    cmd = [sys.executable, args.perf, "io", "--rounds", "1", "--bindir", bindir or args.bindir,
           "--mpiexec", mpiexec or args.mpiexec]
    cmd += extra if "--dir" in extra else extra + ["--dir", d]
    e = sktest.child_env(corrupt=corrupt, extra=env)
    e.pop("MPIEXEC_FLAGS", None)
    if env and "MPIEXEC_FLAGS" in env:
        e["MPIEXEC_FLAGS"] = env["MPIEXEC_FLAGS"]
    return sktest.run(cmd, env=e, timeout=timeout), d


def check_clean(s, what, r, d, rc, pattern=None):
    """r exited rc (with a stderr line matching pattern), no traceback,
    and left directory d empty."""
    detail = r.describe()
    s.check(not r.timed_out and r.rc == rc, "%s: exit %d" % (what, rc), detail)
    if pattern:
        s.check(re.search(pattern, r.err, re.MULTILINE), "%s: says %r" % (what, pattern), detail)
    s.check("Traceback" not in r.err, "%s: no traceback" % what, detail)
    left = os.listdir(d) if os.path.isdir(d) else []
    s.check(not left, "%s: --dir left empty" % what, "left: %s" % left)


def real_drivers(s, args):
    r, d = perf(s, args, "good", ["--smoke"])
    check_clean(s, "a good smoke run", r, d, 0)
    s.check(re.search(r"^mpi x2 write ", r.out, re.MULTILINE), "a good run prints its rows",
            r.describe())
    s.check(re.search(r"round 1/1 \(write/read MiB/s\): posix [\d.]+/[\d.]+, ", r.err),
            "a good run prints the round's figures on stderr", r.describe())
    r, d = perf(s, args, "corrupt", ["--smoke"], corrupt=True)
    check_clean(s, "a run that does not verify", r, d, 1,
                r"^perf\.py: failed \(exit 3\): .*scalekit-\w+ --kernel iobench")
    for what, extra, pattern in (
            ("--size 100000", ["--smoke", "--size", "100000"],
             r"^perf\.py: error: .*100000.* multiple of 32Ki"),
            ("--size 1G", ["--size", "1G"], r"^perf\.py: error: .*multiple of 32Ki"),
            ("--dir missing", ["--smoke", "--dir", s.path("missing")],
             r"^perf\.py: error: --dir .* not a writable directory")):
        r, d = perf(s, args, "usage", extra)
        check_clean(s, what, r, d, 2, pattern)
        s.check("== io" not in r.out and not re.search(r"^\s+round \d", r.err, re.MULTILINE),
                "%s: refused before any round" % what, r.describe())


def fake_drivers(s, args):
    fake = s.path("fakebin")
    os.mkdir(fake)
    for m in ("seq", "omp", "mpi"):
        write_script(os.path.join(fake, "scalekit-" + m), FAKE_DRIVER)
    mpiexec = os.path.join(fake, "mpiexec")
    write_script(mpiexec, FAKE_MPIEXEC)
    log, pidfile = s.path("mpiexec.log"), s.path("rank.pid")
    env = {"FAKE_LOG": log, "FAKE_PID": pidfile}

    def run(name, mode, extra=(), flags=None):
        e = dict(env, FAKE_MODE=mode)
        if flags is not None:
            e["MPIEXEC_FLAGS"] = flags
        return perf(s, args, name, ["--smoke"] + list(extra), bindir=fake, mpiexec=mpiexec,
                    env=e)

    r, d = run("fake-good", "", flags="--fake-flag 'two words'")
    check_clean(s, "fake drivers, good records", r, d, 0)
    argvs = []
    if os.path.exists(log):
        with open(log) as f:
            argvs = [json.loads(line) for line in f]
    s.check(argvs and all(a[a.index("--fake-flag") + 1] == "two words"
                          and "scalekit-mpi" in a[a.index("--fake-flag") + 2]
                          for a in argvs if "--fake-flag" in a)
            and all("--fake-flag" in a for a in argvs),
            "MPIEXEC_FLAGS reach every mpiexec command, split as a shell would, before the "
            "program", "\n".join(map(str, argvs)))
    r, d = run("fake-unverified", "unverified")
    check_clean(s, "a record with verified false (exit 0)", r, d, 1,
                r"^perf\.py: seq did not verify")
    r, d = run("fake-norecord", "norecord")
    check_clean(s, "no record (exit 0)", r, d, 1,
                r"^perf\.py: .*scalekit-seq .*exited 0 but wrote no record")
    start = time.monotonic()
    r, d = run("fake-hang", "hang", ["--timeout", "2"])
    check_clean(s, "a hung MPI run", r, d, 1, r"^perf\.py: no result after 2 s, stopped: ")
    s.check(r.seconds < 30, "a hung MPI run: stopped within 30 s",
            "%.1f s" % (time.monotonic() - start))
    check_rank_killed(s, "a hung MPI run", pidfile)
    check_sigterm(s, args, fake, mpiexec, dict(env, FAKE_MODE="hang"), pidfile)
    left = kill_leftovers(s.tmp)
    s.check(not left, "no fake launcher or rank left running", "killed: %s" % left)


def kill_leftovers(root):
    """SIGKILL every process whose command line mentions root (this suite's
    directory, where the fakes live and write); returns their command lines."""
    left = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if root in cmd:
            left.append(cmd.strip())
            try:
                os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass
    return left


def check_rank_killed(s, what, pidfile):
    """The fake rank whose pid is in pidfile is dead (or a zombie) within 5 s."""
    try:
        with open(pidfile) as f:
            pid = int(f.read())
        os.remove(pidfile)
    except (OSError, ValueError) as e:
        s.check(False, "%s: the rank started" % what, str(e))
        return
    for _ in range(50):  # it is dead once gone or a zombie nobody reaped yet
        try:
            with open("/proc/%d/stat" % pid) as f:
                alive = f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            alive = False
        if not alive:
            break
        time.sleep(0.1)
    s.check(not alive, "%s: its rank (ignoring SIGTERM, in its own group) is killed too" % what,
            "pid %d still runs" % pid)
    if alive:
        os.kill(pid, signal.SIGKILL)


def check_sigterm(s, args, fake, mpiexec, env, pidfile):
    """SIGTERM to perf.py while a run hangs (as `timeout` or `kill` sends it):
    exit 143, the run's rank killed, --dir left empty, no traceback."""
    d = s.path("fake-sigterm")
    os.mkdir(d)
    cmd = [sys.executable, args.perf, "io", "--rounds", "1", "--smoke", "--bindir", fake,
           "--mpiexec", mpiexec, "--dir", d, "--timeout", "60"]
    proc = subprocess.Popen(cmd, env=sktest.child_env(extra=env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    for _ in range(300):  # the rank writes its pid once the hung run is under way
        if os.path.exists(pidfile) and os.path.getsize(pidfile) > 0:
            break
        time.sleep(0.1)
    out, err = sktest.interrupt(proc, signal.SIGTERM)
    detail = "exit %s\n%s%s" % (proc.returncode, out[-1000:], err[-1000:])
    s.check(proc.returncode == 128 + signal.SIGTERM, "SIGTERM to perf.py: exit 143", detail)
    s.check("Traceback" not in err, "SIGTERM to perf.py: no traceback", detail)
    s.check(not os.listdir(d), "SIGTERM to perf.py: --dir left empty", str(os.listdir(d)))
    check_rank_killed(s, "SIGTERM to perf.py", pidfile)


def main():
    def extra(p):
        p.add_argument("--perf", default=PERF, help="bench/perf.py")

    args = sktest.parse_args(__doc__.splitlines()[0], extra)
    s = sktest.Suite("bench-io")
    real_drivers(s, args)
    fake_drivers(s, args)
    s.finish()


if __name__ == "__main__":
    main()
