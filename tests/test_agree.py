#!/usr/bin/env python3
"""test_agree.py - cross-driver agreement for one kernel.

    test_agree.py --bindir DIR --mpiexec PATH --kernel K --group serial|mpi

Runs scalekit-seq as the reference, then (group serial) scalekit-omp at 1, 2
and 3 threads (both static and dynamic,3 schedules for uneven kernels) or
(group mpi) scalekit-mpi at 1..4 ranks (block and cyclic,2 at 3 ranks for
1-D kernels) and scalekit-hybrid 2x2. Every run must exit 0, append exactly
one verified record whose result equals the reference: exactly for integer
results and for pi (4*hits/S) and triad (exact checksums), within relative
1e-12 for the stencil checksum (summation order differs).

Group thin (stencil only): grids a few cells thin in either orientation
(3x100, 100x3) on 2..5 ranks, each agreeing with its sequential run and cut
into the rank grid with the least halo volume; a grid no rank grid fits is
refused with exit 2 and the rank counts that would fit.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sktest  # noqa: E402

# Small test sizes; odd numbers so N is not a multiple of the rank count.
TEST_SIZES = {
    "primes": {"size": "200003"},
    "pi": {"size": "2000003"},
    "mandelbrot": {"size": "201x151"},
    "stencil": {"size": "97x83", "iters": "20"},
    "triad": {"size": "100003", "iters": "2"},
}
UNEVEN = {"primes", "mandelbrot"}   # cost varies per index: try schedules
ONE_D = {"primes", "pi", "mandelbrot", "triad"}  # --decomp applies
RTOL = {"stencil": 1e-12}           # others must agree exactly
INT_RESULT = {"primes", "mandelbrot"}  # result.value is a JSON integer


def base_argv(kernel, out):
    t = TEST_SIZES[kernel]
    argv = ["--kernel", kernel, "--size", t["size"], "--reps", "1", "--warmup", "0",
            "--output", out]
    if "iters" in t:
        argv += ["--iters", t["iters"]]
    return argv


def same_value(kernel, ref, got):
    if sktest.is_int(ref) or sktest.is_int(got):
        return sktest.is_int(ref) and sktest.is_int(got) and ref == got
    if not (sktest.is_num(ref) and sktest.is_num(got)):
        return False
    rtol = RTOL.get(kernel, 0.0)
    return abs(got - ref) <= rtol * abs(ref)


def run_one(s, args, label, model, argv, out, np=None, threads=None, ranks=1, tpr=1,
            expect=None):
    """One run: exit 0, one verified record matching the launch; returns it."""
    r = sktest.run_driver(args, model, argv, np=np, threads=threads)
    if not s.check(r.rc == 0 and not r.timed_out, "%s exits 0" % label, r.describe()):
        return None
    rec, err = sktest.one_record(out)
    if not s.check(rec is not None, "%s writes exactly one JSON record" % label,
                   err + "\n" + r.describe() if err else ""):
        return None
    want = {"model": model, "ranks": ranks, "threads_per_rank": tpr, "verified": True}
    want.update(expect or {})
    bad = ["%s: want %r, got %r" % (k, v, rec.get(k)) for k, v in want.items()
           if rec.get(k) != v or type(rec.get(k)) is not type(v)]
    s.check(not bad, "%s record matches the launch (%s)" % (
        label, ", ".join("%s=%s" % kv for kv in sorted(want.items()))), "\n".join(bad))
    return rec


def variant(s, k, name, option, value):
    """argv, expected record fields and output path of a run with one option
    (--schedule, --decomp) set to value, or left at its default when None."""
    out = s.path("%s-%s.jsonl" % (name, value))
    argv, expect = base_argv(k, out), {}
    if value:
        argv += ["--" + option, value]
        expect[option] = value
    return argv, expect, out


def compare(s, kernel, label, ref, rec):
    if ref is None or rec is None:
        return
    rv, gv = ref["result"].get("value"), rec.get("result", {}).get("value")
    how = "within rtol %g" % RTOL[kernel] if kernel in RTOL else "exactly"
    s.check(rec.get("result", {}).get("name") == ref["result"].get("name")
            and same_value(kernel, rv, gv),
            "%s result %s equals the reference %s" % (label, gv, how),
            "reference %s = %r, got %s = %r" % (ref["result"].get("name"), rv,
                                                 rec.get("result", {}).get("name"), gv))


# Thin stencil grids: size -> expected rank grid per rank count (least halo:
# cut across the long side only).
THIN = {"3x100": {2: [1, 2], 3: [1, 3], 4: [1, 4], 5: [1, 5]},
        "100x3": {2: [2, 1], 3: [3, 1], 4: [4, 1], 5: [5, 1]}}


def thin_group(s, args):
    for size, grids in THIN.items():
        def argv(out):
            return ["--kernel", "stencil", "--size", size, "--iters", "20", "--reps", "1",
                    "--warmup", "0", "--output", out]
        out = s.path("thin-%s-seq.jsonl" % size)
        ref = run_one(s, args, "seq stencil %s (reference)" % size, "seq", argv(out), out)
        for np, grid in grids.items():
            out = s.path("thin-%s-%d.jsonl" % (size, np))
            label = "mpi stencil %s np=%d" % (size, np)
            rec = run_one(s, args, label, "mpi", argv(out), out, np=np, ranks=np,
                          expect={"rank_grid": grid})
            compare(s, "stencil", label, ref, rec)
    out = s.path("thin-refused.jsonl")
    r = sktest.run_driver(args, "mpi", ["--kernel", "stencil", "--size", "2x2", "--reps", "1",
                                        "--output", out], np=5)
    sktest.check_usage_error(s, r, "mpi stencil 2x2 np=5 (no rank grid fits)", "mpi",
                             want=(r"rank counts that fit: 1, 2, 4\b",), out=out)


def main():
    def extra(p):
        p.add_argument("--kernel", required=True, choices=sorted(TEST_SIZES))
        p.add_argument("--group", required=True, choices=("serial", "mpi", "thin"))

    args = sktest.parse_args(__doc__.splitlines()[1], extra)
    k = args.kernel
    s = sktest.Suite("agree-%s-%s" % (k, args.group))
    if args.group == "thin":
        thin_group(s, args)
        s.finish()
    size = TEST_SIZES[k]["size"]

    out = s.path("ref.jsonl")
    ref = run_one(s, args, "seq %s --size %s (reference)" % (k, size), "seq",
                  base_argv(k, out), out)
    if ref is not None:
        value = ref.get("result", {}).get("value")
        s.check(sktest.is_num(value), "reference result.value is a number", repr(value))
        if k in INT_RESULT:
            s.check(sktest.is_int(value), "reference result.value is an integer", repr(value))

    if args.group == "serial":
        schedules = [None, "static", "dynamic,3"] if k in UNEVEN else [None]
        for threads in (1, 2, 3):
            for sched in schedules:
                argv, expect, out = variant(s, k, "omp-%d" % threads, "schedule", sched)
                label = "omp %s T=%d%s" % (k, threads, " --schedule %s" % sched if sched else "")
                rec = run_one(s, args, label, "omp", argv, out, threads=threads,
                              tpr=threads, expect=expect)
                compare(s, k, label, ref, rec)
    else:
        runs = [(np, None) for np in (1, 2, 3, 4)]
        if k in ONE_D:
            runs += [(3, "block"), (3, "cyclic,2")]
        for np, decomp in runs:
            argv, expect, out = variant(s, k, "mpi-%d" % np, "decomp", decomp)
            if decomp:
                expect["rank_grid"] = [np, 1]
            label = "mpi %s np=%d%s" % (k, np, " --decomp %s" % decomp if decomp else "")
            rec = run_one(s, args, label, "mpi", argv, out, np=np, ranks=np, expect=expect)
            compare(s, k, label, ref, rec)
            if rec is not None:
                hosts = rec.get("provenance", {}).get("hostnames")
                s.check(isinstance(hosts, list) and len(hosts) == np,
                        "%s provenance.hostnames has %d entries" % (label, np), repr(hosts))
        out = s.path("hybrid.jsonl")
        label = "hybrid %s 2 ranks x 2 threads" % k
        rec = run_one(s, args, label, "hybrid", base_argv(k, out), out, np=2, threads=2,
                      ranks=2, tpr=2)
        compare(s, k, label, ref, rec)
    s.finish()


if __name__ == "__main__":
    main()
