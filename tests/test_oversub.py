#!/usr/bin/env python3
"""test_oversub.py - the "oversubscribed" flag, its warning and --layout agree.

    test_oversub.py --bindir DIR --mpiexec PATH --group serial|mpi

A run is oversubscribed when its threads cannot each have a CPU of their own:
some rank's threads, or all threads on one node, have fewer CPUs in their
affinity masks than there are threads. Each case below runs with --layout and
checks three things agree: the record's "oversubscribed", the warning on
stderr, and the layout (layout_shared_cores and its "share core" lines).

serial: OMP_PROC_BIND close/spread/master with OMP_PLACES=cores, unbound
threads, more threads than CPUs, and the exact command of ./scalekit demo.
mpi: mpirun --bind-to core with 2 threads per rank, --map-by slot:PE=2 with
OMP_PROC_BIND=close, 2 single-thread ranks bound to cores, unbound ranks
whose threads outnumber the node's CPUs.

Cases that need more CPUs than the machine has, or that mean something else
on cores with several hardware threads (SMT), are skipped with a note.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sktest  # noqa: E402

ARGV = ["--kernel", "pi", "--size", "100000", "--reps", "1", "--warmup", "0"]
WARNING = re.compile(r"oversubscribed", re.IGNORECASE)
SHARE = re.compile(r"share core", re.IGNORECASE)
CLOSE = {"OMP_PROC_BIND": "close", "OMP_PLACES": "cores"}


def cpus():
    """CPUs this process may use (what the drivers started here may use)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def smt():
    """1 when CPU 0 shares its core with other hardware threads."""
    path = "/sys/devices/system/cpu/cpu0/topology/thread_siblings_list"
    try:
        with open(path, encoding="ascii") as f:
            return bool(re.search(r"[,-]", f.read().strip()))
    except OSError:
        return False


def check_case(s, label, cmd, env, want, layout=True):
    """Run cmd (ARGV appended by the caller); the flag, the warning and the
    layout must all say `want`."""
    r = sktest.run(cmd, env=env, timeout=60)
    if not s.check(r.rc == 0 and not r.timed_out, "%s exits 0" % label, r.describe()):
        return
    out = cmd[cmd.index("--output") + 1]
    rec, err = sktest.one_record(out)
    if not s.check(rec is not None, "%s writes one record" % label, err):
        return
    word = "oversubscribed" if want else "not oversubscribed"
    s.check(rec.get("oversubscribed") is want, "%s: record says %s" % (label, word),
            "oversubscribed = %r\n%s" % (rec.get("oversubscribed"), r.describe()))
    s.check(bool(WARNING.search(r.err)) == want,
            "%s: %s on stderr" % (label, "warning" if want else "no warning"), r.describe())
    if not layout:
        return
    shared = rec.get("layout_shared_cores")
    s.check(sktest.is_int(shared) and (shared >= 1) == want,
            "%s: layout_shared_cores %s" % (label, ">= 1" if want else "== 0"),
            "layout_shared_cores = %r\n%s" % (shared, r.describe()))
    s.check(bool(SHARE.search(r.out)) == want,
            "%s: --layout %s" % (label, "warns of a shared core" if want else
                                 "warns of no shared core"), r.describe())


def omp_case(s, args, label, threads, env_extra, want, layout=True):
    out = s.path("%s.jsonl" % re.sub(r"\W+", "-", label))
    argv = ARGV + (["--layout"] if layout else []) + ["--output", out]
    cmd = [sktest.driver_path(args.bindir, "omp")] + argv
    check_case(s, label, cmd, sktest.child_env(threads=threads, extra=env_extra), want, layout)


def mpi_case(s, args, label, model, np, flags, threads, env_extra, want):
    """mpirun -np np with flags (plus --oversubscribe only when np exceeds the
    CPUs: Open MPI refuses more ranks than slots otherwise)."""
    out = s.path("%s.jsonl" % re.sub(r"\W+", "-", label))
    flags = flags + (["--oversubscribe"] if np > cpus() else [])
    cmd = ([args.mpiexec, "-np", str(np)] + flags + [sktest.driver_path(args.bindir, model)] +
           ARGV + ["--layout", "--output", out])
    check_case(s, label, cmd, sktest.child_env(threads=threads, extra=env_extra), want)


def serial_group(s, args):
    n = cpus()
    if n >= 2:
        for bind in ("close", "spread"):
            omp_case(s, args, "omp T=2 OMP_PROC_BIND=%s OMP_PLACES=cores" % bind, 2,
                     {"OMP_PROC_BIND": bind, "OMP_PLACES": "cores"}, False)
        omp_case(s, args, "omp T=2 unbound", 2, None, False)
        # What ./scalekit demo runs, without --layout.
        omp_case(s, args, "omp T=2 close/cores as in the demo, no --layout", 2, CLOSE, False,
                 layout=False)
    else:
        s.note("1 CPU: the 2-thread cases that must not be flagged are skipped")
    if smt():
        s.note("SMT: OMP_PLACES=cores gives each place several CPUs; master case skipped")
    else:
        omp_case(s, args, "omp T=2 OMP_PROC_BIND=master OMP_PLACES=cores", 2,
                 {"OMP_PROC_BIND": "master", "OMP_PLACES": "cores"}, True)
    omp_case(s, args, "omp T=%d unbound on %d CPU(s)" % (n + 1, n), n + 1, None, True)
    omp_case(s, args, "seq", None, None, False)


def mpi_group(s, args):
    n = cpus()
    if smt():
        s.note("SMT: --bind-to core gives a rank several CPUs; the bound-core case skipped")
    else:
        mpi_case(s, args, "hybrid np=1 --bind-to core x 2 threads", "hybrid", 1, ["--bind-to", "core"],
                 2, None, True)
    if n >= 2:
        mpi_case(s, args, "hybrid np=1 --map-by slot:PE=2 --bind-to core x 2 threads close", "hybrid",
                 1, ["--map-by", "slot:PE=2", "--bind-to", "core"], 2, CLOSE, False)
        mpi_case(s, args, "mpi np=2 --bind-to core", "mpi", 2, ["--bind-to", "core"], None, None,
                 False)
    else:
        s.note("1 CPU: the 2-core placements are skipped")
    mpi_case(s, args, "hybrid np=2 --bind-to none x 2 threads on %d CPU(s)" % n, "hybrid", 2,
             ["--bind-to", "none"], 2, None, n < 4)
    mpi_case(s, args, "mpi np=%d --bind-to none on %d CPU(s)" % (n + 1, n), "mpi", n + 1,
             ["--bind-to", "none"], None, None, True)


def main():
    sktest.run_groups(__doc__, "oversub", {"serial": serial_group, "mpi": mpi_group})


if __name__ == "__main__":
    main()
