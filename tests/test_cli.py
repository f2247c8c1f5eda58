#!/usr/bin/env python3
"""test_cli.py - bad command lines and the info options of one driver.

    test_cli.py --bindir DIR --mpiexec PATH --driver seq|omp|mpi|hybrid [--np P]

Every bad command line must end with exit status 2 (mpirun's status too for
the MPI drivers), one line on stderr naming the problem (with a hint such as
the option name), no crash/sanitizer/abort noise, nothing result-like on
stdout, no hang, and must leave the --output file alone (not created; a file
that exists keeps its contents and modification time). --help, --version and
--list must exit 0 with the expected content.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sktest  # noqa: E402

OK = ["--kernel", "pi", "--size", "1000", "--reps", "1", "--warmup", "0"]
SIZE = ("--size",)
LIMIT = ("too large", "--size", "limit", "memory", "overflow")

# (label, argv after "--output FILE", hints: any one must be in the message)
BAD_CASES = [
    ("unknown kernel", ["--kernel", "nosuch", "--size", "1000"], ("kernel",)),
    ("missing --kernel", ["--size", "1000", "--reps", "1"], ("--kernel",)),
    ("--size 0", ["--kernel", "primes", "--size", "0"], SIZE),
    ("--size -5", ["--kernel", "primes", "--size", "-5"], SIZE),
    ("--size abc", ["--kernel", "primes", "--size", "abc"], SIZE),
    ("--size overflow", ["--kernel", "primes", "--size", "99999999999999999999999"], SIZE),
    ("--size 1e400", ["--kernel", "primes", "--size", "1e400"], SIZE),
    ("--size 10x (empty field)", ["--kernel", "stencil", "--size", "10x"], SIZE),
    ("--size x10 (empty field)", ["--kernel", "stencil", "--size", "x10"], SIZE),
    ("--size 1x2x3x4 (too many numbers)", ["--kernel", "mandelbrot", "--size", "1x2x3x4"], SIZE),
    ("--size 5x5 for 1-D primes", ["--kernel", "primes", "--size", "5x5"], SIZE),
    ("--size=abc (= form)", ["--kernel", "primes", "--size=abc"], SIZE),
    ("--iters 0", OK + ["--iters", "0"], ("--iters",)),
    ("--iters -1", OK + ["--iters", "-1"], ("--iters",)),
    ("--iters=0 (= form)", OK + ["--iters=0"], ("--iters",)),
    ("--reps 0", ["--kernel", "pi", "--size", "1000", "--reps", "0"], ("--reps",)),
    ("--warmup -1", ["--kernel", "pi", "--size", "1000", "--warmup", "-1"], ("--warmup",)),
    ("--schedule fancy", OK + ["--schedule", "fancy"], ("--schedule",)),
    ("--schedule dynamic,0", OK + ["--schedule", "dynamic,0"], ("--schedule",)),
    ("--decomp diagonal", OK + ["--decomp", "diagonal"], ("--decomp",)),
    ("--decomp cyclic for 2-D stencil",
     ["--kernel", "stencil", "--size", "16", "--reps", "1", "--decomp", "cyclic"],
     ("--decomp", "cyclic")),
    ("--kernel without value at the end", ["--size", "1000", "--kernel"], ("--kernel",)),
    ("--size without value before --reps", ["--kernel", "pi", "--size", "--reps", "2"], SIZE),
    ("unknown option --frobnicate", OK + ["--frobnicate"], ("--frobnicate",)),
    ("flag given a value --layout=1", OK + ["--layout=1"], ("--layout", "no value")),
    ("stray positional argument", OK + ["extra"], ("extra",)),
    ("primes --size 1e13 (over its limit)", ["--kernel", "primes", "--size", "1e13"], LIMIT),
    ("stencil --size 4000000000 (N*N overflow)", ["--kernel", "stencil", "--size", "4000000000"],
     LIMIT),
    ("triad --size 1e15 (memory)", ["--kernel", "triad", "--size", "1e15"], LIMIT),
]

RESULT_LIKE = re.compile(r"verif|result|\btime\b|\brate\b|seconds|^\s*[{\[]",
                         re.IGNORECASE | re.MULTILINE)
HELP_OPTIONS = ("--kernel", "--size", "--iters", "--reps", "--warmup", "--schedule", "--decomp",
                "--output", "--layout", "--list", "--help", "--version")


def message_lines(model, err):
    """The driver's own stderr lines: without blank lines and, for MPI
    drivers, without mpirun's dashed notice boxes about non-zero exits."""
    lines, in_box = [], False
    for line in err.splitlines():
        if model in sktest.MPI_MODELS and line.startswith("-----"):
            in_box = not in_box
            continue
        if in_box or not line.strip():
            continue
        lines.append(line)
    return lines


def snapshot(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    with open(path, "rb") as f:
        return (f.read(), st.st_mtime_ns, st.st_size)


def check_bad(s, args, label, argv, hints, out, before=None):
    """argv must be refused as a usage error; out must be left alone."""
    model = args.driver
    r = sktest.run_driver(args, model, argv, np=args.np, threads=2)
    what = "%s: %s" % (model, label)
    detail = r.describe()
    if not s.check(not r.timed_out, "%s: finishes within the timeout" % what, detail):
        return
    s.check(r.rc == 2, "%s: exit status 2%s" % (what, " (mpirun's)" if model in
                                                  sktest.MPI_MODELS else ""), detail)
    lines = message_lines(model, r.err)
    prog = "scalekit"
    s.check(len(lines) == 1 and lines[0].startswith(prog),
            "%s: exactly one stderr line starting with the program name" % what, detail)
    text = "\n".join(lines).lower()
    s.check(any(h.lower() in text for h in hints),
            "%s: message mentions one of %s" % (what, ", ".join(hints)), detail)
    bad = sktest.crash_markers(r.err + r.out)
    s.check(not bad, "%s: no crash, sanitizer or abort noise" % what,
            "found %s\n%s" % (bad, detail))
    s.check(not RESULT_LIKE.search(r.out), "%s: nothing result-like on stdout" % what, detail)
    if out is None:
        pass
    elif before is None:
        s.check(not os.path.exists(out), "%s: --output file not created" % what,
                "%s exists" % out)
    else:
        s.check(snapshot(out) == before, "%s: existing --output file untouched" % what,
                "%s changed" % out)


def check_info(s, args, option, want, label):
    model = args.driver
    r = sktest.run_driver(args, model, [option], np=args.np, threads=2)
    what = "%s %s" % (model, option)
    if not s.check(r.rc == 0 and not r.timed_out, "%s exits 0" % what, r.describe()):
        return
    missing = [w for w in want if not re.search(w, r.out)]
    s.check(not missing, "%s %s" % (what, label), "missing %s\n%s" % (missing, r.describe()))
    s.check(not sktest.crash_markers(r.err), "%s: no crash noise on stderr" % what,
            r.describe())
    return r


def main():
    def extra(p):
        p.add_argument("--driver", required=True, choices=sktest.MODELS)
        p.add_argument("--np", type=int, default=2, help="MPI ranks for mpi/hybrid (default 2)")

    args = sktest.parse_args(__doc__.splitlines()[1], extra)
    if args.driver not in sktest.MPI_MODELS:
        args.np = None
    s = sktest.Suite("cli-%s" % args.driver)
    exe = sktest.driver_path(args.bindir, args.driver)
    if not s.check(os.access(exe, os.X_OK), "driver %s exists" % exe):
        s.finish()

    for n, (label, argv, hints) in enumerate(BAD_CASES):
        out = s.path("bad-%d.jsonl" % n)
        check_bad(s, args, label, ["--output", out] + argv, hints, out)

    # The results file is checked before any work and refused with exit 2.
    check_bad(s, args, "--output to a directory (/tmp)", OK + ["--output", "/tmp"],
              ("--output",), None)
    s.check(os.path.isdir("/tmp"), "%s: /tmp is still a directory" % args.driver)
    check_bad(s, args, "--output /nonexistent/dir/x.jsonl",
              OK + ["--output", "/nonexistent/dir/x.jsonl"], ("--output",),
              "/nonexistent/dir/x.jsonl")

    # A bad command line leaves an existing results file exactly as it was.
    out = s.path("existing.jsonl")
    with open(out, "w") as f:
        f.write('{"schema": 1, "note": "pre-existing line"}\n')
    os.utime(out, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = snapshot(out)
    check_bad(s, args, "--size abc with an existing --output file",
              ["--output", out, "--kernel", "primes", "--size", "abc"], SIZE, out, before)
    check_bad(s, args, "--frobnicate with an existing --output file",
              ["--output", out] + OK + ["--frobnicate"], ("--frobnicate",), out, before)

    r = check_info(s, args, "--help", [re.escape(o) for o in HELP_OPTIONS],
                   "mentions every option")
    if r is not None and args.driver in sktest.MPI_MODELS:
        s.check(r.out.count("usage:") == 1, "%s --help printed once (rank 0 only)" % args.driver,
                r.describe())
    check_info(s, args, "--version", [r"scalekit", r"\d+\.\d+\.\d+"], "prints a version")
    check_info(s, args, "--list", list(sktest.KERNELS), "names all five kernels")

    # Both option forms work for a real run.
    out = s.path("eq-form.jsonl")
    r = sktest.run_driver(args, args.driver,
                          ["--kernel=pi", "--size=10000", "--reps=1", "--warmup=0",
                           "--output=" + out], np=args.np, threads=2)
    if s.check(r.rc == 0 and not r.timed_out, "%s --opt=value run exits 0" % args.driver,
               r.describe()):
        rec, err = sktest.one_record(out)
        s.check(rec is not None and rec.get("size") == [10000] and rec.get("reps") == 1,
                "%s --opt=value run writes one record with size [10000], reps 1" % args.driver,
                err or repr(rec and {k: rec.get(k) for k in ("size", "reps")}))
    s.finish()


if __name__ == "__main__":
    main()
