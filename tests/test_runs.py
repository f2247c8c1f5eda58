#!/usr/bin/env python3
"""test_runs.py - behaviour of real runs: records, failure path, layout, MPI.

    test_runs.py --bindir DIR --mpiexec PATH --group serial|mpi

serial: (a) record schema and appending, (b) the verification failure path
(SCALEKIT_TEST_CORRUPT_RESULT=1), (c) --layout with OpenMP threads, (d) every
kernel at --size small under scalekit-seq, (j) analysis/summary.py on real records.
mpi: (e) more ranks than work, (f) tiny stencil grids on 4 ranks, (g) the
failure path under mpirun, (h) thread levels and rank counts in records,
(i) hybrid --layout under mpirun's default binding.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sktest  # noqa: E402

INT, NUM, STR, BOOL, LIST, DICT = "int", "number", "string", "bool", "list", "object"
OPT_STR = "string or null"

# Schema 1: field -> type, or a nested dict for objects.
SCHEMA = {
    "schema": INT, "scalekit": STR, "model": STR, "kernel": STR, "size": LIST,
    "size_text": STR, "iters": INT, "warmup": INT, "reps": INT, "schedule": STR,
    "decomp": STR, "rank_grid": LIST, "grain": INT, "ranks": INT, "threads_per_rank": INT,
    "nodes": INT, "oversubscribed": BOOL, "seconds": LIST,
    "time": {k: NUM for k in ("min", "q1", "median", "mean", "q3", "max")},
    "rate": {"median": NUM, "best": NUM, "unit": STR, "work_units": NUM},
    "imbalance": {"rank_compute_min_s": NUM, "rank_compute_mean_s": NUM,
                  "rank_compute_max_s": NUM, "max_over_mean": NUM,
                  "rank_items_min": NUM, "rank_items_max": NUM},
    "cpu": {"seconds": NUM, "busy": NUM},
    "verified": BOOL,
    "result": {"name": STR, "value": NUM, "expected": STR, "got": STR, "method": STR},
    "provenance": {
        "hostnames": LIST, "mpi_library": STR, "thread_level": STR, "openmp": STR,
        "OMP_NUM_THREADS": OPT_STR, "OMP_PROC_BIND": OPT_STR, "OMP_PLACES": OPT_STR,
        "compiler": STR, "cflags": STR, "build_type": STR, "git_commit": STR,
        "timestamp": STR, "SLURM_JOB_ID": OPT_STR, "argv": LIST,
    },
}
LAYOUT_ENTRY = {"host": STR, "rank": INT, "thread": INT, "pid": INT, "tid": INT, "cpu": INT,
                "allowed": STR}
SMALL_ARGS = {  # fast runs for failure-path and MPI checks
    "primes": ["--size", "100003"],
    "pi": ["--size", "1000003"],
    "mandelbrot": ["--size", "101x77"],
    "stencil": ["--size", "61x47", "--iters", "10"],
    "triad": ["--size", "100003", "--iters", "2"],
}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
LAYOUT_ROW = re.compile(r"^\s+\S+\s+\d+\s+\d+\s+\d+/\d+\s+\d+\s+-?\d+\s")
SHARE_WARNING = re.compile(r"share core", re.IGNORECASE)


def type_ok(v, t):
    return {INT: sktest.is_int, NUM: sktest.is_num, STR: lambda x: isinstance(x, str),
            BOOL: lambda x: isinstance(x, bool), LIST: lambda x: isinstance(x, list),
            DICT: lambda x: isinstance(x, dict),
            OPT_STR: lambda x: x is None or isinstance(x, str)}[t](v)


def schema_problems(rec, spec=SCHEMA, where=""):
    probs = []
    for key, t in spec.items():
        name = where + key
        if key not in rec:
            probs.append("missing field %s" % name)
        elif isinstance(t, dict):
            if not isinstance(rec[key], dict):
                probs.append("%s is not an object: %r" % (name, rec[key]))
            else:
                probs += schema_problems(rec[key], t, name + ".")
        elif not type_ok(rec[key], t):
            probs.append("%s should be %s, is %r" % (name, t, rec[key]))
    return probs


def record_problems(rec, reps):
    """Schema plus consistency problems of one record."""
    probs = schema_problems(rec)
    if probs:
        return probs
    prov = rec["provenance"]
    if rec["schema"] != 1:
        probs.append("schema is %r, expected 1" % rec["schema"])
    if not all(sktest.is_int(v) for v in rec["size"]) or not rec["size"]:
        probs.append("size is not a non-empty list of ints: %r" % rec["size"])
    if len(rec["rank_grid"]) != 2 or not all(sktest.is_int(v) for v in rec["rank_grid"]):
        probs.append("rank_grid is not [a, b]: %r" % rec["rank_grid"])
    if len(rec["seconds"]) != reps or not all(sktest.is_num(v) for v in rec["seconds"]):
        probs.append("seconds has %d entries (reps %d): %r" % (len(rec["seconds"]), reps,
                                                               rec["seconds"]))
    t = rec["time"]
    if not t["min"] <= t["q1"] <= t["median"] <= t["q3"] <= t["max"]:
        probs.append("time quantiles out of order: %r" % t)
    if not t["min"] <= t["mean"] <= t["max"]:
        probs.append("time.mean outside [min, max]: %r" % t)
    if rec["seconds"] and (min(rec["seconds"]) != t["min"] or max(rec["seconds"]) != t["max"]):
        probs.append("time.min/max differ from min/max of seconds")
    if not (rec["cpu"]["seconds"] >= 0 and rec["cpu"]["busy"] >= 0):
        probs.append("cpu time or busy share negative: %r" % rec["cpu"])
    if not all(isinstance(h, str) for h in prov["hostnames"]) or \
            len(prov["hostnames"]) != rec["ranks"]:
        probs.append("provenance.hostnames %r does not list one host per rank (%d)" % (
            prov["hostnames"], rec["ranks"]))
    if not TIMESTAMP.match(prov["timestamp"]):
        probs.append("provenance.timestamp %r is not UTC ISO 8601 ending in Z" %
                     prov["timestamp"])
    if not all(isinstance(a, str) for a in prov["argv"]):
        probs.append("provenance.argv is not a list of strings")
    return probs


def layout_problems(rec, ranks, threads):
    probs = []
    lay = rec.get("layout")
    if not isinstance(lay, list):
        return ["record has no layout list: %r" % lay]
    if len(lay) != ranks * threads:
        probs.append("layout has %d entries, expected %d" % (len(lay), ranks * threads))
    for e in lay:
        if not isinstance(e, dict):
            probs.append("layout entry is not an object: %r" % e)
            continue
        probs += schema_problems(e, LAYOUT_ENTRY, "layout[].")
    seen = sorted((e.get("rank"), e.get("thread")) for e in lay if isinstance(e, dict))
    want = sorted((r, t) for r in range(ranks) for t in range(threads))
    if seen != want:
        probs.append("layout (rank, thread) pairs %r, expected %r" % (seen, want))
    if not sktest.is_int(rec.get("layout_shared_cores")):
        probs.append("layout_shared_cores missing or not an int: %r" %
                     rec.get("layout_shared_cores"))
    return probs


def run_record(s, args, label, model, argv, out, **kw):
    """Run expecting exit 0 and one record in out; returns (result, record)."""
    r = sktest.run_driver(args, model, argv + ["--output", out], **kw)
    if not s.check(r.rc == 0 and not r.timed_out, "%s exits 0" % label, r.describe()):
        return r, None
    rec, err = sktest.one_record(out)
    s.check(rec is not None, "%s writes one JSON record" % label, err)
    return r, rec


def check_failure_path(s, args, label, model, argv, out, **kw):
    """SCALEKIT_TEST_CORRUPT_RESULT=1: exit 3, report on stdout, verified false."""
    r = sktest.run_driver(args, model, argv + ["--output", out], corrupt=True, **kw)
    s.check(not r.timed_out and r.rc == 3, "%s corrupted: exit status 3" % label, r.describe())
    s.check(r.out.count("VERIFICATION FAILED") == 1,
            "%s corrupted: stdout says VERIFICATION FAILED once" % label, r.describe())
    s.check(re.search(r"^\s*expected\b.*\S", r.out, re.MULTILINE) and
            re.search(r"^\s*got\b.*\S", r.out, re.MULTILINE),
            "%s corrupted: stdout has expected and got lines" % label, r.describe())
    s.check(not sktest.crash_markers(r.err), "%s corrupted: no crash/abort noise" % label,
            r.describe())
    rec, err = sktest.one_record(out)
    s.check(rec is not None and rec.get("verified") is False,
            "%s corrupted: record written with verified false" % label,
            err or "verified = %r" % (rec or {}).get("verified"))


def serial_group(s, args):
    # (a) the record: every field, right types, consistent; appending.
    out = s.path("a.jsonl")
    argv = ["--kernel", "primes", "--size", "100003", "--reps", "3", "--warmup", "1"]
    r, rec = run_record(s, args, "(a) seq primes --reps 3", "seq", argv, out)
    if rec is not None:
        probs = record_problems(rec, 3)
        s.check(not probs, "(a) record has every schema-1 field, typed and consistent",
                "\n".join(probs))
        want = {"model": "seq", "kernel": "primes", "size": [100003], "size_text": "100003",
                "reps": 3, "warmup": 1, "iters": 1, "ranks": 1, "threads_per_rank": 1,
                "nodes": 1, "verified": True}
        bad = ["%s: want %r, got %r" % (k, v, rec.get(k)) for k, v in want.items()
               if rec.get(k) != v]
        s.check(not bad, "(a) record values match the command line", "\n".join(bad))
        s.check("layout" not in rec, "(a) no layout field without --layout")
        prov = rec.get("provenance", {})
        s.check(isinstance(prov.get("argv"), list) and "--kernel" in prov.get("argv", []),
                "(a) provenance.argv holds the command line", repr(prov.get("argv")))
        s.check(str(prov.get("timestamp", "")).endswith("Z"),
                "(a) provenance.timestamp ends with Z", repr(prov.get("timestamp")))
    r2 = sktest.run_driver(args, "seq", ["--kernel", "pi", "--size=100000", "--reps=2",
                                         "--warmup=0", "--output=" + out])
    if s.check(r2.rc == 0 and not r2.timed_out, "(a) second run (--opt=value) exits 0",
               r2.describe()):
        recs, err = sktest.read_jsonl(out)
        s.check(recs is not None and len(recs) == 2, "(a) two runs -> two JSON lines",
                err or "%d records" % len(recs))
        if recs is not None and len(recs) == 2:
            s.check([x.get("kernel") for x in recs] == ["primes", "pi"],
                    "(a) records appended in run order",
                    repr([x.get("kernel") for x in recs]))
            probs = record_problems(recs[1], 2)
            s.check(not probs, "(a) second record valid with 2 seconds entries",
                    "\n".join(probs))

    # (b) the verification failure path, every kernel, seq and omp.
    for k, a in SMALL_ARGS.items():
        check_failure_path(s, args, "(b) seq %s" % k, "seq",
                           ["--kernel", k, "--reps", "1", "--warmup", "0"] + a,
                           s.path("b-%s.jsonl" % k))
    check_failure_path(s, args, "(b) omp T=2 primes", "omp",
                       ["--kernel", "primes", "--reps", "1", "--warmup", "0"] +
                       SMALL_ARGS["primes"], s.path("b-omp.jsonl"), threads=2)

    # (c) --layout: one row per thread; oversubscribed threads share a core.
    cores = os.cpu_count() or 1
    for threads in (2, cores + 1):
        label = "(c) omp --layout T=%d" % threads
        r, rec = run_record(s, args, label, "omp",
                            ["--kernel", "pi", "--size", "100000", "--reps", "1", "--warmup",
                             "0", "--layout"], s.path("c-%d.jsonl" % threads), threads=threads)
        rows = [ln for ln in r.out.splitlines() if LAYOUT_ROW.match(ln)]
        s.check("layout" in r.out and len(rows) == threads,
                "%s prints a layout table with %d thread rows" % (label, threads),
                "%d rows\n%s" % (len(rows), r.describe()))
        if rec is not None:
            probs = layout_problems(rec, 1, threads)
            s.check(not probs, "%s record has %d layout entries" % (label, threads),
                    "\n".join(probs))
        if threads > cores:
            s.check(SHARE_WARNING.search(r.out),
                    "%s on %d core(s) warns that threads share a core" % (label, cores),
                    r.describe())
            if rec is not None:
                shared = rec.get("layout_shared_cores")
                s.check(sktest.is_int(shared) and shared >= 1,
                        "%s record has layout_shared_cores >= 1" % label, repr(shared))

    # (d) every kernel verifies at --size small.
    for k in sktest.KERNELS:
        out = s.path("d-%s.jsonl" % k)
        r, rec = run_record(s, args, "(d) seq %s --size small" % k, "seq",
                            ["--kernel", k, "--size", "small", "--reps", "1", "--warmup", "0"],
                            out)
        if rec is not None:
            s.check(rec.get("verified") is True and rec.get("size_text") == "small",
                    "(d) seq %s --size small record verified" % k,
                    "verified %r size_text %r" % (rec.get("verified"), rec.get("size_text")))

    # (j) analysis/summary.py: the demo's table from seq and omp records.
    out = s.path("j.jsonl")
    argv = ["--kernel", "pi", "--size", "2000000", "--reps", "2", "--warmup", "0"]
    with open(out, "w", encoding="utf-8") as table:
        for model, threads in (("seq", None), ("omp", 2)):
            one = s.path("j-%s.jsonl" % model)
            run_record(s, args, "(j) %s pi" % model, model, argv, one, threads=threads)
            if os.path.exists(one):
                with open(one, encoding="utf-8") as f:
                    table.write(f.read())
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "analysis",
                          "summary.py")
    r = sktest.run([sys.executable, script, out], timeout=args.timeout)
    rows = {line.split()[2]: line.split() for line in r.out.splitlines()
            if line.startswith("pi ")}
    s.check(r.rc == 0 and set(rows) == {"seq", "omp"}, "(j) summary.py prints seq and omp rows",
            r.describe())
    if set(rows) == {"seq", "omp"}:
        s.check(rows["seq"][7] == "1.00" and rows["omp"][3] == "1x2" and rows["omp"][9] == "yes",
                "(j) summary.py: seq is the speedup baseline, omp is 1x2 and verified",
                repr(rows))
    r = sktest.run([sys.executable, script, s.path("missing.jsonl")], timeout=args.timeout)
    s.check(r.rc not in (0, None) and "cannot read" in r.err and "Traceback" not in r.err,
            "(j) summary.py on a missing file says so without a traceback", r.describe())


def mpi_group(s, args):
    # (e) more ranks than work: idle ranks, any decomposition.
    for decomp in ("block", "cyclic"):
        label = "(e) mpi np=4 primes --size 5 --decomp %s" % decomp
        r, rec = run_record(s, args, label, "mpi",
                            ["--kernel", "primes", "--size", "5", "--reps", "1", "--warmup",
                             "0", "--decomp", decomp], s.path("e-%s.jsonl" % decomp), np=4)
        if rec is not None:
            value = rec.get("result", {}).get("value")
            s.check(rec.get("verified") is True and value == 3 and rec.get("ranks") == 4,
                    "%s verifies 3 primes on 4 ranks" % label,
                    "verified %r value %r ranks %r" % (rec.get("verified"), value,
                                                       rec.get("ranks")))
            items = rec.get("imbalance", {})
            s.check(items.get("rank_items_min") == 0 and items.get("rank_items_max") == 1,
                    "%s records idle ranks (items per rank 0..1)" % label, repr(items))

    # (f) tiny stencil grids: 3x3 fits 2x2 tiles, 1x1 cannot.
    label = "(f) mpi np=4 stencil --size 3"
    r, rec = run_record(s, args, label, "mpi", ["--kernel", "stencil", "--size", "3", "--reps",
                                                "1", "--warmup", "0"], s.path("f3.jsonl"),
                        np=4)
    if rec is not None:
        s.check(rec.get("verified") is True, "%s verifies" % label, repr(rec.get("verified")))
    out = s.path("f1.jsonl")
    r = sktest.run_driver(args, "mpi", ["--kernel", "stencil", "--size", "1", "--reps", "1",
                                        "--warmup", "0", "--output", out], np=4)
    sktest.check_usage_error(s, r, "(f) mpi np=4 stencil --size 1", "mpi",
                             hints=("tile", "fewer ranks"), out=out)

    # (g) verification failure under mpirun: every rank exits 3, no hang.
    check_failure_path(s, args, "(g) mpi np=3 primes", "mpi",
                       ["--kernel", "primes", "--reps", "1", "--warmup", "0"] +
                       SMALL_ARGS["primes"], s.path("g.jsonl"), np=3)
    check_failure_path(s, args, "(g) mpi np=3 stencil", "mpi",
                       ["--kernel", "stencil", "--reps", "1", "--warmup", "0"] +
                       SMALL_ARGS["stencil"], s.path("g2.jsonl"), np=3)
    check_failure_path(s, args, "(g) hybrid np=2 x 2 threads mandelbrot", "hybrid",
                       ["--kernel", "mandelbrot", "--reps", "1", "--warmup", "0"] +
                       SMALL_ARGS["mandelbrot"], s.path("g3.jsonl"), np=2, threads=2)

    # (h) thread levels, ranks, threads, nodes and hosts in records.
    cases = [("hybrid", 2, 2, "MPI_THREAD_FUNNELED"), ("mpi", 2, None, "MPI_THREAD_SINGLE")]
    for model, np, threads, level in cases:
        label = "(h) %s np=%d%s" % (model, np, " x %d threads" % threads if threads else "")
        r, rec = run_record(s, args, label, model,
                            ["--kernel", "pi", "--size", "100000", "--reps", "2", "--warmup",
                             "0"], s.path("h-%s.jsonl" % model), np=np, threads=threads)
        if rec is None:
            continue
        prov = rec.get("provenance", {})
        want = {"model": model, "ranks": np, "threads_per_rank": threads or 1, "nodes": 1}
        got = {k: rec.get(k) for k in want}
        s.check(got == want, "%s record: %r" % (label, want), "got %r" % got)
        # 2 ranks x 2 threads always oversubscribe this suite's 2-core machines;
        # 2 single-threaded ranks do so only where the machine has 1 CPU.
        over = rec.get("oversubscribed")
        if threads and (os.cpu_count() or 1) < np * threads:
            s.check(over is True, "%s records oversubscribed: true" % label, repr(over))
        elif not threads and (os.cpu_count() or 1) >= np:
            s.check(over is False, "%s records oversubscribed: false" % label, repr(over))
        s.check(prov.get("thread_level") == level, "%s thread_level %s" % (label, level),
                repr(prov.get("thread_level")))
        hosts = prov.get("hostnames")
        s.check(isinstance(hosts, list) and len(hosts) == np,
                "%s hostnames has %d entries" % (label, np), repr(hosts))
        probs = record_problems(rec, 2)
        s.check(not probs, "%s record valid" % label, "\n".join(probs))

    # (i) hybrid under mpirun's default binding: each rank's 2 threads get
    # one core, so --layout should warn. Accept an unbound run, but say so.
    label = "(i) hybrid np=2 x 2 threads, default binding, --layout"
    r, rec = run_record(s, args, label, "hybrid",
                        ["--kernel", "pi", "--size", "100000", "--reps", "1", "--warmup", "0",
                         "--layout"], s.path("i.jsonl"), np=2, threads=2, bind_none=False)
    if rec is not None:
        probs = layout_problems(rec, 2, 2)
        s.check(not probs, "%s record layout has 4 entries" % label, "\n".join(probs))
        allowed = sorted({e.get("allowed") for e in rec.get("layout", [])
                          if isinstance(e, dict)})
        warned = bool(SHARE_WARNING.search(r.out))
        bound = all(a and re.fullmatch(r"\d+", a) for a in allowed)
        if bound:
            s.check(warned, "%s: ranks bound to single cores (%s) -> share-core warning" %
                    (label, ", ".join(allowed)), r.describe())
        else:
            s.note("%s: mpirun did not bind each rank to one core (allowed cpus %s); "
                   "share-core warning %s" % (label, allowed, "printed" if warned else
                                              "not printed"))
            s.check(True, "%s: unbound run accepted" % label)


def main():
    sktest.run_groups(__doc__, "runs", {"serial": serial_group, "mpi": mpi_group})


if __name__ == "__main__":
    main()
