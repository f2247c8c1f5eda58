#!/usr/bin/env python3
"""test_latency.py - the latency kernel: waiting overlaps beyond the cores.

    test_latency.py --bindir DIR --mpiexec PATH --group serial|mpi

serial: T=32 tasks of L=20 ms: scalekit-seq verifies; scalekit-omp with 16
threads (on any core count) and the single-threaded cooperative event loop
each verify and finish in under 25% of the sequential run's median time (the
work is wait-bound, so this holds on a loaded machine); 1, 2, 8 and 32 threads
verify; a corrupted result exits 3; --mode cooperative is refused by
scalekit-omp with exit 2.
mpi: 8 ranks (more than the cores) and the cooperative loop on 2 ranks finish
in under 25% of T x L (a lower bound of any sequential run) and verify; 3
ranks and hybrid 2x4 verify; scalekit-hybrid refuses --mode cooperative.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sktest  # noqa: E402

TASKS, WAIT_US = 32, 20000
SIZE = "%dx%d" % (TASKS, WAIT_US)
SEQUENTIAL_FLOOR = TASKS * WAIT_US * 1e-6  # no sequential run can be faster


def argv(out, size=SIZE, mode="threads", reps=1):
    return ["--kernel", "latency", "--size", size, "--mode", mode, "--reps", str(reps),
            "--warmup", "0", "--output", out]


def verified_run(s, args, label, model, out, **kw):
    """Run; expect exit 0 and one verified record; return its median time."""
    r = sktest.run_driver(args, model, argv(out, **{k: kw.pop(k) for k in ("size", "mode", "reps")
                                                   if k in kw}), **kw)
    if not s.check(r.rc == 0 and not r.timed_out, "%s exits 0" % label, r.describe()):
        return None
    rec, err = sktest.one_record(out)
    if not s.check(rec is not None and rec["verified"] is True,
                   "%s verifies the task count and checksum" % label, err or repr(rec and
                                                                             rec["result"])):
        return None
    return rec["time"]["median"]


def check_faster(s, label, t, reference, what):
    if t is not None and reference:
        s.check(t < 0.25 * reference, "%s: under 25%% of %s" % (label, what),
                "%.3f s vs %.3f s (%.1f%%)" % (t, reference, 100.0 * t / reference))


def check_refused(s, args, label, model, **kw):
    """--mode cooperative under a threaded driver: a usage error, nothing
    written (sktest.check_usage_error)."""
    out = s.path("refused-%s.jsonl" % re.sub(r"\W+", "_", label))
    r = sktest.run_driver(args, model, ["--kernel", "latency", "--mode", "cooperative",
                                        "--output", out], **kw)
    sktest.check_usage_error(s, r, "%s: --mode cooperative" % label, model,
                             hints=("does not apply",), out=out)


def serial_group(s, args):
    t_seq = verified_run(s, args, "seq T=32 L=20ms", "seq", s.path("seq.jsonl"))
    t_omp = verified_run(s, args, "omp x16 T=32 L=20ms", "omp", s.path("omp.jsonl"), threads=16)
    check_faster(s, "16 threads", t_omp, t_seq, "the sequential time")
    t_coop = verified_run(s, args, "seq cooperative T=32 L=20ms", "seq", s.path("coop.jsonl"),
                          mode="cooperative")
    check_faster(s, "cooperative event loop", t_coop, t_seq, "the sequential time")
    for threads in (1, 2, 8, 32):
        verified_run(s, args, "omp x%d T=37 L=2ms C=1000" % threads, "omp", s.path("t.jsonl"),
                     size="37x2000x1000", reps=2, threads=threads)
    out = s.path("corrupt.jsonl")
    r = sktest.run_driver(args, "seq", argv(out, size="5x100x10"), corrupt=True)
    s.check(r.rc == 3 and "VERIFICATION FAILED" in r.out,
            "a corrupted result fails verification (exit 3)", r.describe())
    check_refused(s, args, "omp", "omp", threads=2)


def mpi_group(s, args):
    t = verified_run(s, args, "mpi -np 8 T=32 L=20ms", "mpi", s.path("mpi8.jsonl"), np=8)
    check_faster(s, "8 ranks on any core count", t, SEQUENTIAL_FLOOR, "T x L")
    t = verified_run(s, args, "mpi -np 2 cooperative T=32 L=20ms", "mpi", s.path("coop.jsonl"),
                     np=2, mode="cooperative")
    check_faster(s, "2 event loops", t, SEQUENTIAL_FLOOR, "T x L")
    verified_run(s, args, "mpi -np 3 T=37 L=2ms", "mpi", s.path("mpi3.jsonl"), np=3,
                 size="37x2000x1000")
    verified_run(s, args, "hybrid 2x4 T=37 L=2ms", "hybrid", s.path("hyb.jsonl"), np=2,
                 threads=4, size="37x2000x1000")
    check_refused(s, args, "hybrid", "hybrid", np=2, threads=2)


if __name__ == "__main__":
    sktest.run_groups(__doc__, "latency", {"serial": serial_group, "mpi": mpi_group})
