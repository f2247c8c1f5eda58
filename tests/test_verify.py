#!/usr/bin/env python3
"""test_verify.py - every verification fails for a wrong answer at every size.

    test_verify.py --bindir DIR --mpiexec PATH --group serial|mpi

With SCALEKIT_TEST_CORRUPT_RESULT=1 rank 0 perturbs the combined result
before verification; every kernel must then fail (exit 3 on every rank,
"VERIFICATION FAILED", a record with verified false) at a small size, at a
preset and at a size beyond its reference tables and full recomputation,
where mandelbrot and pi verify by sampling. With
SCALEKIT_TEST_CORRUPT_RESULT=row the runner instead perturbs one sampled
element of a kernel's verify output together with the output's sum and the
total (a row computed wrong but summed consistently): only the exact
recomputation of the sample can catch it, and must.

serial: scalekit-seq. mpi: scalekit-mpi on 2 ranks, each rank's exit
status reported by a wrapper shell.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sktest  # noqa: E402

# kernel -> [(what, argv)]: a small size, a preset, a size beyond the tables
# (and, for mandelbrot and pi, beyond full recomputation: sampled).
SIZES = {
    "primes": [("small", ["--size", "10000"]), ("preset", ["--size", "small"]),
               ("beyond-table", ["--size", "100003"])],
    "pi": [("small", ["--size", "1000003"]), ("preset", ["--size", "small"]),
           ("beyond-table", ["--size", "20000003"])],
    "mandelbrot": [("small", ["--size", "101x77"]), ("preset", ["--size", "small"]),
                   ("beyond-table", ["--size", "40x30x50000"])],
    "stencil": [("small", ["--size", "61x47", "--iters", "10"]), ("preset", ["--size", "small"]),
                ("beyond-table", ["--size", "3x3001", "--iters", "5"])],
    "triad": [("small", ["--size", "100003", "--iters", "2"]), ("preset", ["--size", "small"]),
              ("beyond-table", ["--size", "1000001", "--iters", "2"])],
    # iobench has no tables: every element is compared; one row, a preset, many rows.
    "iobench": [("small", ["--size", "32Ki"]), ("preset", ["--size", "small"]),
                ("beyond-table", ["--size", "3Mi", "--iters", "2"])],
    # No tables: the per-bin count and the task checksum are exact at every size.
    "counter": [("small", ["--size", "1001"]), ("preset", ["--size", "small"]),
                ("histogram", ["--size", "100003", "--variant", "histogram"])],
    "latency": [("small", ["--size", "5x100x10"]), ("preset", ["--size", "small"]),
                ("cooperative", ["--size", "37x1000x1000", "--mode", "cooperative"])],
}
SAMPLED = {"mandelbrot": "rows", "pi": "items"}  # method names the sample
RANKS = 2
# Each rank's exit status, reported by a shell that itself exits 0 so that
# mpirun does not kill the other ranks when the first one exits 3.
WRAP = '"$0" "$@"; echo "scalekit-test: rank ${OMPI_COMM_WORLD_RANK:-?} exit $?" >&2' 
RANK_EXIT = re.compile(r"^scalekit-test: rank (\S+) exit (\d+)$", re.MULTILINE)


def command(args, group, argv):
    exe = sktest.driver_path(args.bindir, "seq" if group == "serial" else "mpi")
    if group == "serial":
        return [exe] + argv
    return [args.mpiexec, "-np", str(RANKS), "sh", "-c", WRAP, exe] + argv


def expect_failure(s, args, group, label, argv, out, corrupt):
    env = sktest.child_env(extra={"SCALEKIT_TEST_CORRUPT_RESULT": corrupt})
    r = sktest.run(command(args, group, argv + ["--output", out]), env=env, timeout=args.timeout)
    if group == "serial":
        s.check(r.rc == 3 and not r.timed_out, "%s: exit status 3" % label, r.describe())
    else:
        exits = dict(RANK_EXIT.findall(r.err))
        s.check(exits == {str(i): "3" for i in range(RANKS)} and not r.timed_out,
                "%s: every rank exits 3" % label, "%r\n%s" % (exits, r.describe()))
    s.check(r.out.count("VERIFICATION FAILED") == 1,
            "%s: stdout says VERIFICATION FAILED once" % label, r.describe())
    s.check(not sktest.crash_markers(r.err), "%s: no crash/abort noise" % label, r.describe())
    rec, err = sktest.one_record(out)
    s.check(rec is not None and rec.get("verified") is False,
            "%s: record says verified false" % label,
            err or "verified = %r" % (rec or {}).get("verified"))
    return rec


def verify_group(s, args):
    model = "seq" if args.group == "serial" else "mpi np=%d" % RANKS
    for k, sizes in SIZES.items():
        for what, size in sizes:
            argv = ["--kernel", k, "--reps", "1", "--warmup", "0"] + size
            label = "%s %s %s (%s) corrupted" % (model, k, " ".join(size), what)
            out = s.path("%s-%s.jsonl" % (k, what))
            rec = expect_failure(s, args, args.group, label, argv, out, "1")
            if rec is not None and what == "beyond-table" and k in SAMPLED:
                method = rec.get("result", {}).get("method", "")
                s.check(SAMPLED[k] in method and "recomputed" in method,
                        "%s: method names the sampled %s" % (label, SAMPLED[k]), repr(method))
    for k in SAMPLED:
        argv = ["--kernel", k, "--reps", "1", "--warmup", "0"] + SIZES[k][2][1]
        label = "%s %s %s, one sampled %s wrong (=row)" % (model, k, " ".join(SIZES[k][2][1]),
                                                           SAMPLED[k][:-1])
        expect_failure(s, args, args.group, label, argv, s.path("%s-row.jsonl" % k), "row")


def main():
    sktest.run_groups(__doc__, "verify", {"serial": verify_group, "mpi": verify_group})


if __name__ == "__main__":
    main()
