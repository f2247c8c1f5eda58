#!/usr/bin/env python3
"""test_overhead.py - scalekit-overhead: figures, records, refusals, checks.

    test_overhead.py --bindir DIR --mpiexec PATH [--measured analysis/measured.py]

Runs the startup probes in one process and every probe under mpirun -np 2
(short: --reps 3, --min-ms 0.2, messages up to 4 KiB). Every variant must
write one record whose per-operation times and headline figure (seconds,
latency or bandwidth) are positive and finite, with quartiles in order and
inner repetitions >= 1. Usage errors (a bench that needs ranks without
mpirun, bad values, repeated options, an unwritable --output, and the option
syntax the drivers share, sktest.syntax_cases) exit 2 with one line and
write nothing; a repeated flag is accepted; a corrupted message (test hook) exits 3;
--noop, --help, --list and --version exit 0. With --measured, the demo's
table script must print the probes' rows from these records and turn launch
times into a sound record. Performance is not asserted.
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sktest  # noqa: E402

SHORT = ["--reps", "3", "--min-ms", "0.2"]
STARTUP = {"empty-call", "pthread-create-join", "omp-parallel-region", "fork-wait",
           "posix-spawn-wait"}
EXCHANGE = {"shm-latency", "mpi-latency", "shm-bandwidth", "mpi-bandwidth"}
SIZES = [8 << i for i in range(10)]  # 8 .. 4096


def run(args, argv, np=None, corrupt=None):
    env = sktest.child_env(extra={"SCALEKIT_TEST_CORRUPT_RESULT": corrupt} if corrupt else None)
    return sktest.run(sktest.overhead_command(args, argv, np), env=env, timeout=args.timeout)


def finite_positive(x):
    return sktest.is_num(x) and math.isfinite(x) and x > 0


def record_problems(rec):
    probs = []
    for key in ("schema", "record", "bench", "variant", "workers", "inner", "reps", "time",
                "value", "value_name", "seconds_per_op", "provenance", "oversubscribed"):
        if key not in rec:
            probs.append("missing %s" % key)
    if probs:
        return probs
    if rec["record"] != "overhead" or rec["schema"] != 1:
        probs.append("record %r schema %r" % (rec["record"], rec["schema"]))
    if not (sktest.is_int(rec["inner"]) and rec["inner"] >= 1):
        probs.append("inner %r" % rec["inner"])
    samples = rec["seconds_per_op"]
    if len(samples) != rec["reps"] or not all(finite_positive(x) for x in samples):
        probs.append("seconds_per_op %r" % samples)
    for name in ("time", "value"):
        s = rec[name]
        if not all(finite_positive(s.get(k)) for k in ("min", "q1", "median", "q3", "max")):
            probs.append("%s not positive and finite: %r" % (name, s))
        elif not s["min"] <= s["q1"] <= s["median"] <= s["q3"] <= s["max"]:
            probs.append("%s quartiles out of order: %r" % (name, s))
    want = {"latency": "latency_s", "bandwidth": "bandwidth_MBps"}
    kind = rec["variant"].rsplit("-", 1)[-1]
    if rec["value_name"] != want.get(kind, "seconds"):
        probs.append("value_name %r for %s" % (rec["value_name"], rec["variant"]))
    return probs


def check_records(s, label, out, want):
    """out must hold one sound record per (bench, variant, bytes) in want."""
    recs, err = sktest.read_jsonl(out)
    if not s.check(recs is not None, "%s: records readable" % label, err):
        return []
    got = [(r.get("bench"), r.get("variant"), r.get("bytes")) for r in recs]
    s.check(sorted(got, key=str) == sorted(want, key=str),
            "%s: one record per variant (%d)" % (label, len(want)),
            "got %r\nwant %r" % (got, want))
    for r in recs:
        probs = record_problems(r)
        s.check(not probs, "%s: record %s %s %s is sound" % (label, r.get("bench"),
                                                            r.get("variant"), r.get("bytes")),
                "\n".join(probs))
    return recs


def check_refused(s, label, r, hint, out, np, want=()):
    """A usage error naming hint (if any) and matching the regexes in want
    once its "scalekit-overhead: " prefix is cut; out (if given) not written."""
    sktest.check_usage_error(s, r, label, "mpi" if np else "seq", program="scalekit-overhead",
                             hints=(hint,) if hint else (), want=want, out=out)


def check_syntax(s, args):
    """The option syntax shared with the drivers (sktest.syntax_cases),
    refused in one process; a repeated flag is accepted."""
    for n, (label, argv, want) in enumerate(sktest.syntax_cases("--reps", ("3", "4"), "1",
                                                                "--noop")):
        out = s.path("syntax-%d.jsonl" % n)
        r = run(args, ["--output", out] + argv)
        check_refused(s, label, r, "", out, None, want)
    r = run(args, ["--noop", "--noop"])
    s.check(r.rc == 0 and not r.out.strip(), "a repeated flag (--noop --noop) is accepted",
            r.describe())


def check_measured(s, args, out):
    """measured.py: launch-record makes a sound record; table shows the rows."""
    r = sktest.run([sys.executable, args.measured, "launch-record", "--ranks", "2", "--seconds",
                    "0.31", "0.29", "0.33", "--command", "mpirun -np 2 x --noop"])
    try:
        rec = json.loads(r.out)
    except ValueError:
        rec = {}
    probs = record_problems(rec) if rec else ["no JSON record"]
    s.check(r.rc == 0 and not probs and rec["value"]["median"] == 0.31,
            "measured.py launch-record writes a sound overhead record", "\n".join(probs) +
            "\n" + r.describe())
    with open(out, "a") as f:
        f.write(r.out)
    r = sktest.run([sys.executable, args.measured, "table", out])
    want = ("create + join a POSIX thread", "mpirun of a program", "MPI_Barrier",
            "8 B latency (round trip / 2), shared memory", "4 KiB bandwidth, 64 in flight, MPI")
    s.check(r.rc == 0 and all(w in r.out for w in want),
            "measured.py table shows start-up, launch, barrier and exchange rows", r.describe())


def main():
    def extra(p):
        p.add_argument("--measured", help="analysis/measured.py, to check its table")

    args = sktest.parse_args(__doc__.splitlines()[0], extra)
    s = sktest.Suite("overhead")

    out = s.path("startup.jsonl")
    r = run(args, ["--bench", "startup", "--output", out] + SHORT)
    if s.check(r.rc == 0 and not r.timed_out, "startup without mpirun exits 0", r.describe()):
        check_records(s, "startup", out, [("startup", v, None) for v in STARTUP])

    out = s.path("all.jsonl")
    r = run(args, ["--output", out, "--max-bytes", "4Ki"] + SHORT, np=2)
    if s.check(r.rc == 0 and not r.timed_out, "mpirun -np 2: every bench exits 0", r.describe()):
        want = [("startup", v, None) for v in STARTUP]
        want += [("sync", v, None) for v in ("omp-barrier", "mpi-barrier")]
        want += [("exchange", v, b) for v in EXCHANGE for b in SIZES]
        recs = check_records(s, "all benches", out, want)
        s.check(all(r.get("workers") == 2 for r in recs if r.get("bench") == "sync"),
                "sync compares 2 threads with 2 ranks", repr(recs[:1]))
        s.check(r.out.count("mpi-bandwidth") == len(SIZES) and "latency = round trip / 2" in r.out,
                "the table shows every size and says how latency is derived", r.describe())
        if args.measured:
            check_measured(s, args, out)

    for hook, probe in (("threads", "shm-latency"), ("mpi", "mpi-latency")):
        out = s.path("corrupt.jsonl")
        r = run(args, ["--bench", "exchange", "--max-bytes", "64", "--output", out] + SHORT,
                np=2, corrupt=hook)
        s.check(r.rc == 3 and probe in r.err and "corrupted" in r.err,
                "a corrupted %s message fails its check (exit 3)" % hook, r.describe())

    refusals = [
        ("--bench sync without mpirun", ["--bench", "sync"], None, "mpirun -np 2"),
        ("--bench all without mpirun", [], None, "2 or more ranks"),
        ("--bench foo", ["--bench", "foo"], 2, "--bench"),
        ("--reps 1", ["--reps", "1"], 2, "--reps"),
        ("--min-ms 0", ["--min-ms", "0"], None, "--min-ms"),
        ("--max-bytes 4", ["--max-bytes", "4"], None, "--max-bytes"),
        ("--reps twice", ["--reps", "3", "--reps", "4"], 2,
         "--reps given twice ('3', then '4')"),
        ("unknown option", ["--frobnicate", "1"], 2, "--frobnicate"),
        ("--output in a missing directory", ["--output", "/nonexistent/dir/x.jsonl"], 2,
         "--output"),
    ]
    for n, (label, argv, np, hint) in enumerate(refusals):
        out = s.path("refused-%d.jsonl" % n)
        r = run(args, argv + ["--output", out] if "--output" not in argv else argv, np=np)
        check_refused(s, label, r, hint, None if "--output" in argv else out, np)
    check_syntax(s, args)

    r = run(args, ["--noop"], np=2)
    s.check(r.rc == 0 and not r.out.strip(), "--noop under mpirun exits 0 and prints nothing",
            r.describe())
    for option, want in (("--help", "usage:"), ("--list", "exchange"), ("--version", "scalekit")):
        r = run(args, [option])
        s.check(r.rc == 0 and want in r.out, "%s exits 0 and prints %s" % (option, want),
                r.describe())
    s.finish()


if __name__ == "__main__":
    main()
