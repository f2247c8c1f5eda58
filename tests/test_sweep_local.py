#!/usr/bin/env python3
"""test_sweep_local.py - local sweeps through ./scalekit sweep (mpirun).

    test_sweep_local.py --bindir DIR --mpiexec PATH

- A 2-point strong sweep is interrupted (SIGINT) while its second point runs,
  then resumed: each point runs exactly once, the interrupted one leaves no
  partial files, a third run runs nothing.
- A point that crashes is recorded as failed with its signal and does not stop
  the sweep; rerunning runs only that point. A point failing verification is
  recorded with exit 3 and expected/got.
- A hybrid sweep's 1x2 point runs its two threads on distinct cores (where the
  machine has 2 cores); --dry-run prints the exact commands and writes nothing.
- Points beyond the core count are skipped unless --oversubscribe, then marked.
"""
import json
import os
import shlex
import signal
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "slurm"))
import sktest  # noqa: E402
import sweep  # noqa: E402

# An mpiexec that behaves like the real one, except for -np 2 when SK_TEST_MODE
# says: "hang" (note its pid, then sleep) or "crash" (die of SIGSEGV).
WRAPPER = """#!/bin/bash
if [ "$2" = "2" ]; then
    case "${SK_TEST_MODE:-}" in
    hang) echo $$ >"$SK_TEST_MARK"; sleep 120; exit 0 ;;
    crash) kill -SEGV $$ ;;
    esac
fi
exec "$SK_TEST_REAL_MPIEXEC" "$@"
"""


def front_end(args, *argv):
    return [os.path.join(ROOT, "scalekit"), "sweep", "--bindir", args.bindir] + list(argv)


def points_of(results):
    """{point id: (records, status)} of a results directory."""
    out = {}
    pdir = os.path.join(results, "points")
    for name in sorted(os.listdir(pdir)) if os.path.isdir(pdir) else []:
        if name.endswith(".log"):
            pid = name[:-4]
            recs, _ = sktest.read_jsonl(os.path.join(pdir, pid + ".jsonl"))
            out[pid] = (recs or [], sweep.read_json(os.path.join(pdir, pid + ".status.json")))
    return out


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:  # reaped after the kill() above
        return False


def interrupt_and_resume(s, args, env, root, wrapper):
    common = ["--kind", "strong", "--kernels", "pi", "--models", "mpi", "--cores", "1,2",
              "--sizes", "4M", "--reps", "2", "--warmup", "0", "--results-root", root]
    results = os.path.join(root, "strong-pi")
    mark = os.path.join(root, "hang.pid")
    env1 = dict(env, SK_TEST_MODE="hang", SK_TEST_MARK=mark)
    proc = subprocess.Popen(front_end(args, "--mpiexec", wrapper, *common), env=env1,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, start_new_session=True)
    end = time.monotonic() + 60
    while time.monotonic() < end and not os.path.exists(mark) and proc.poll() is None:
        time.sleep(0.1)
    time.sleep(0.3)
    hung = int(open(mark).read()) if os.path.exists(mark) else None
    s.check(hung is not None, "the second point started (test mpiexec hangs on -np 2)")
    out, _ = sktest.interrupt(proc, signal.SIGINT)
    s.check(proc.returncode == 130 and "interrupted" in out,
            "SIGINT: exit 130 and says how to resume", out)
    time.sleep(0.5)
    s.check(hung is None or not alive(hung), "the interrupted point's processes are gone")
    pts = points_of(results)
    ids = sorted(pts, key=lambda p: "-2x1-" in p)
    s.check(len(ids) == 2, "two points attempted", json.dumps(sorted(pts)))
    if len(ids) != 2:
        return
    first, second = ids
    s.check(len(pts[first][0]) == 1 and pts[first][1]["exit"] == 0,
            "first point verified before the interrupt", json.dumps(pts[first][1]))
    s.check(pts[second] == ([], None), "the interrupted point left no record and no status")
    with open(os.path.join(results, "points", first + ".jsonl"), "rb") as f:
        first_bytes = f.read()
    r = sktest.run(front_end(args, "--mpiexec", args.mpiexec, *common), env=env, timeout=120)
    s.check(r.rc == 0 and "1 already verified (skipped), 1 to run" in r.out,
            "resume runs only the missing point", r.describe())
    pts = points_of(results)
    s.check(all(len(recs) == 1 and recs[0]["verified"] for recs, _ in pts.values()),
            "each point ran once: one verified record each", json.dumps(
                {p: len(v[0]) for p, v in pts.items()}))
    with open(os.path.join(results, "points", first + ".jsonl"), "rb") as f:
        s.check(f.read() == first_bytes, "the first point's record is untouched")
    r = sktest.run(front_end(args, *common), env=env, timeout=60)
    s.check(r.rc == 0 and "2 already verified (skipped), 0 to run" in r.out,
            "a third run runs nothing", r.describe())


def failures(s, args, env, root, wrapper):
    common = ["--name", "crash", "--kind", "strong", "--kernels", "pi", "--models", "mpi",
              "--cores", "1,2", "--sizes", "1M", "--reps", "1", "--results-root", root]
    r = sktest.run(front_end(args, "--mpiexec", wrapper, *common),
                   env=dict(env, SK_TEST_MODE="crash"), timeout=120)
    s.check(r.rc == 1 and "1 of 2 point(s) verified" in r.out and "SIGSEGV" in r.out,
            "a crashing point is reported with its signal; the sweep goes on", r.describe())
    rows = sweep.collect_status(sweep.Results(os.path.join(root, "crash")), sweep.Slurm())
    states = sorted((p["ranks"], st, why) for p, st, why, _ in rows)
    s.check([x[:2] for x in states] == [(1, "verified"), (2, "failed")] and
            "SIGSEGV" in states[1][2], "status: 1 verified, 1 failed (SIGSEGV)",
            json.dumps(states))
    r = sktest.run(front_end(args, "--mpiexec", args.mpiexec, *common), env=env, timeout=120)
    s.check(r.rc == 0 and "1 already verified (skipped), 1 to run" in r.out,
            "rerun runs only the failed point, which now verifies", r.describe())
    r = sktest.run(front_end(args, "--name", "wrong", "--kind", "strong", "--kernels", "pi",
                             "--models", "seq,mpi", "--cores", "1", "--sizes", "1M", "--reps",
                             "1", "--env", "SCALEKIT_TEST_CORRUPT_RESULT=1", "--results-root",
                             root), env=env, timeout=120)
    s.check(r.rc == 1 and r.out.count("verification failed (exit 3): expected") == 4,
            "verification failures: both points recorded failed with exit 3 and "
            "expected/got (progress and summary)", r.describe())


def hybrid_layout(s, args, env, root):
    common = ["--kind", "hybrid", "--kernels", "pi", "--cores", "2", "--sizes", "8M",
              "--reps", "1", "--results-root", root]
    r = sktest.run(front_end(args, "--dry-run", *common), env=env, timeout=60)
    lines = [line for line in r.out.splitlines() if line and not line.startswith("#")]
    s.check(r.rc == 0 and len(lines) == 2, "--dry-run prints 2 commands", r.describe())
    argvs = [shlex.split(line) for line in lines]
    s.check(bool(argvs) and argvs[0][0] == "env" and
            {"OMP_NUM_THREADS=2", "OMP_PLACES=cores", "OMP_PROC_BIND=close"} <= set(argvs[0]) and
            "slot:PE=2" in argvs[0] and argvs[0][argvs[0].index("--bind-to") + 1] == "core",
            "1x2: --map-by slot:PE=2 --bind-to core, OpenMP threads on cores", r.out)
    s.check(not os.path.exists(os.path.join(root, "hybrid-pi")), "--dry-run writes nothing")
    cores = sweep.physical_cores()
    if cores < 2:
        s.note("1 core here: the distinct-cores check needs 2 (skipped)")
        return
    r = sktest.run(front_end(args, "--mpiexec", args.mpiexec, *common), env=env, timeout=120)
    s.check(r.rc == 0, "hybrid sweep 1x2, 2x1 runs", r.describe())
    for pid, (recs, _) in points_of(os.path.join(root, "hybrid-pi")).items():
        layout = recs[-1]["layout"] if recs else []
        cpus = [e["cpu"] for e in layout]
        s.check(len(cpus) == 2 and len(set(cpus)) == 2,
                "%s: 2 workers on distinct cores %s" % (pid, cpus), json.dumps(layout))
        allowed = [e["allowed"] for e in layout]
        s.check(len(set(allowed)) == 2, "%s: each bound to its own core %s" % (pid, allowed))


def oversubscription(s, args, env, root):
    common = ["--kind", "strong", "--kernels", "pi", "--models", "mpi", "--cores", "4",
              "--sizes", "1M", "--reps", "1", "--local-cores", "2", "--results-root", root]
    r = sktest.run(front_end(args, *common), env=env, timeout=60)
    s.check(r.rc == 2 and "--oversubscribe" in r.err and
            "need more than the 2 core(s) here" in r.err,
            "a point beyond the cores is refused without --oversubscribe", r.describe())
    r = sktest.run(front_end(args, "--oversubscribe", *common), env=env, timeout=120)
    recs = [v[0] for v in points_of(os.path.join(root, "strong-pi")).values()
            if v[0] and v[0][-1]["ranks"] == 4]
    s.check(r.rc == 0 and "(oversubscribed)" in r.out and recs and
            recs[0][-1]["oversubscribed"] is True,
            "--oversubscribe runs it, marked in progress and record", r.describe())


def main():
    args = sktest.parse_args(__doc__.splitlines()[0])
    s = sktest.Suite("sweep-local")
    env = sktest.child_env()
    wrapper = os.path.join(s.tmp, "mpiexec-test")
    with open(wrapper, "w") as f:
        f.write(WRAPPER)
    os.chmod(wrapper, stat.S_IRWXU)
    env["SK_TEST_REAL_MPIEXEC"] = args.mpiexec
    interrupt_and_resume(s, args, env, os.path.join(s.tmp, "a"), wrapper)
    failures(s, args, env, os.path.join(s.tmp, "b"), wrapper)
    hybrid_layout(s, args, env, os.path.join(s.tmp, "c"))
    oversubscription(s, args, env, os.path.join(s.tmp, "d"))
    s.finish()


if __name__ == "__main__":
    main()
