#!/usr/bin/env python3
"""test_cli.py - bad input and the info options of one driver.

    test_cli.py --bindir DIR --mpiexec PATH --driver seq|omp|mpi|hybrid [--np P]

Every bad command line (and, for threaded drivers, every bad OMP_NUM_THREADS,
and every --output that cannot be opened) must end with exit status 2
(mpirun's status too for the MPI drivers) before any work: one line on stderr
in the one format "scalekit-DRIVER: ..." naming the problem (the option and
the offending value, clipped so the reason always shows), no
crash/sanitizer/abort noise, nothing result-like on stdout, no hang, and the
--output file left alone (not created; a file that exists keeps its contents
and modification time). The option syntax shared with scalekit-overhead is
pinned by sktest.syntax_cases(), which test_overhead.py runs too; a repeated flag
is accepted. --help, --version and --list must exit 0 with the expected
content. Runs expected to take hours start with a warning that gives an
estimate; short runs print none. Records appended to a file whose
last line lacks a newline start on a line of their own.
"""
import concurrent.futures
import os
import re
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sktest  # noqa: E402

OK = ["--kernel", "pi", "--size", "1000", "--reps", "1", "--warmup", "0"]
SIZE = ("--size",)
LIMIT = ("too large", "--size", "limit", "memory", "overflow")
LONG = 500  # characters of the over-long values below

# (label, argv after "--output FILE", hints: any one must be in the message)
BAD_CASES = [
    ("unknown kernel", ["--kernel", "nosuch", "--size", "1000"], ("kernel",)),
    ("missing --kernel", ["--size", "1000", "--reps", "1"], ("--kernel",)),
    ("--size 0", ["--kernel", "primes", "--size", "0"], SIZE),
    ("--size -5", ["--kernel", "primes", "--size", "-5"], SIZE),
    ("--size abc", ["--kernel", "primes", "--size", "abc"], SIZE),
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
    ("stray positional argument", OK + ["extra"], ("extra",)),
    ("stencil --size 4000000000 (N*N overflow)", ["--kernel", "stencil", "--size", "4000000000"],
     LIMIT),
]

# (label, argv after "--output FILE", regexes that must all match the message,
# which is the one stderr line without its "scalekit-DRIVER: " prefix)
STRICT_CASES = [
    # An unknown option is unknown wherever it stands (see syntax_cases too).
    ("unknown option before a value", OK + ["--frobnicate", "5"],
     [r"^unknown option '--frobnicate'"]),
    ("bare -- before a value", ["--", "x"] + OK, [r"^unknown option '--'"]),
    # Too large says so, naming the value and the limit.
    ("--reps 1e9", ["--kernel", "pi", "--size", "1000", "--reps", "1e9"],
     [r"--reps '1e9' is too large", r"limit is 100000\b"]),
    ("--warmup 200000", ["--kernel", "pi", "--size", "1000", "--warmup", "200000"],
     [r"--warmup '200000' is too large", r"limit is 100000\b"]),
    ("--iters beyond 64 bits", OK + ["--iters", "99999999999999999999"],
     [r"--iters '9{20}' is too large", r"9223372036854775807"]),
    ("--size beyond 64 bits", ["--kernel", "primes", "--size", "99999999999999999999999"],
     [r"--size '9{23}' is too large", r"9223372036854775807"]),
    ("--size 1e400", ["--kernel", "primes", "--size", "1e400"], [r"--size '1e400' is too large"]),
    ("--schedule chunk too large", OK + ["--schedule", "dynamic,1e10"],
     [r"--schedule chunk '1e10' is too large", r"2147483647"]),
    ("--decomp chunk too large", OK + ["--decomp", "cyclic,99999999999999999999"],
     [r"--decomp chunk '9{20}' is too large"]),
    ("primes --size 1e13 (over its limit)", ["--kernel", "primes", "--size", "1e13"],
     [r"primes: --size N=10000000000000 is too large", r"limit is N <= 1000000000000\b"]),
    ("mandelbrot --size 2000000x8", ["--kernel", "mandelbrot", "--size", "2000000x8"],
     [r"--size W=2000000 is too large", r"limit is W <= 1048576"]),
    ("stencil --iters 1e18", ["--kernel", "stencil", "--size", "1000", "--iters", "1e18"],
     [r"--iters 1000000000000000000 is too large", r"limit is \d+"]),
    ("triad --size 1e15 (exactness)", ["--kernel", "triad", "--size", "1e15"],
     [r"--size N=1000000000000000 is too large", r"limit is N <= 1099511627776"]),
    # Did you mean.
    ("--kernel prime", ["--kernel", "prime", "--size", "1000"],
     [r"unknown kernel 'prime'; did you mean 'primes'\?"]),
    ("--kernel mandel", ["--kernel", "mandel"], [r"did you mean 'mandelbrot'\?"]),
    ("--kernel nosuch has no suggestion", ["--kernel", "nosuch"],
     [r"unknown kernel 'nosuch' \(--list shows them all\)$"]),
    ("--kernal", ["--kernal", "pi"], [r"unknown option '--kernal'; did you mean --kernel\?"]),
    ("--rep", ["--kernel", "pi", "--rep", "2"], [r"did you mean --reps\?"]),
    ("-kernel (one dash)", ["-kernel", "pi"], [r"unknown option '-kernel'; did you mean --kernel"]),
    ("--size smal", ["--kernel", "pi", "--size", "smal"], [r"--size 'smal'.*did you mean 'small'"]),
    # A repeated option is an error.
    ("--kernel twice", ["--kernel", "pi", "--kernel", "primes", "--size", "1000"],
     [r"--kernel given twice \('pi', then 'primes'\)"]),
    ("--size twice (= form)", ["--kernel", "pi", "--size", "1000", "--size=2000"],
     [r"--size given twice \('1000', then '2000'\)"]),
    ("--reps twice", OK + ["--reps", "2"], [r"--reps given twice"]),
    ("--schedule twice", OK + ["--schedule", "static", "--schedule", "dynamic"],
     [r"--schedule given twice"]),
    # Long values are clipped in the middle; the reason always follows.
    ("long kernel name", ["--kernel", "k" * LONG],
     [r"^--kernel: unknown kernel 'k+\.\.\.k+' \(--list shows them all\)$"]),
    ("long unknown option", OK + ["--" + "o" * LONG],
     [r"^unknown option '--o+\.\.\.o+' \(see --help\)$"]),
    ("long unknown option=value", OK + ["--" + "o" * LONG + "=1"],
     [r"^unknown option '--o+\.\.\.o+=1' \(see --help\)$"]),
    ("long --size", ["--kernel", "pi", "--size", "9" * LONG],
     [r"^--size '9+\.\.\.9+' is empty or too long$"]),
    ("long --reps", ["--kernel", "pi", "--size", "1000", "--reps", "9" * LONG],
     [r"^--reps '9+\.\.\.9+' is too large: the limit is 100000$"]),
    ("long --schedule", OK + ["--schedule", "s" * LONG],
     [r"^--schedule 's+\.\.\.s+' is not one of"]),
    ("long stray argument", OK + ["z" * LONG], [r"^unexpected argument 'z+\.\.\.z+' \(options"]),
]


# Values of OMP_NUM_THREADS a threaded driver must refuse like a bad option.
BAD_THREADS = [
    ("0", r"OMP_NUM_THREADS='0' is not a whole number of threads >= 1"),
    ("abc", r"OMP_NUM_THREADS='abc' is not a whole number"),
    ("-2", r"OMP_NUM_THREADS='-2' is not a whole number"),
    ("2,1", r"OMP_NUM_THREADS='2,1' lists threads for nested parallel levels"),
    ("", r"OMP_NUM_THREADS is set but empty"),
    ("100000", r"OMP_NUM_THREADS='100000' is too large: the limit is \d+ threads"),
    ("9" * LONG, r"OMP_NUM_THREADS='9+\.\.\.9+' is too large"),
]

HELP_OPTIONS = ("--kernel", "--size", "--iters", "--reps", "--warmup", "--schedule", "--decomp",
                "--output", "--layout", "--list", "--help", "--version")
LONG_RUN = re.compile(r"warning: .* may take about")


class Batch:
    """Bad-input runs started together (each mostly waits for mpirun or
    process start-up), checked afterwards in the order they were added."""

    def __init__(self, s, args):
        self.s, self.args, self.jobs = s, args, []

    def add(self, label, argv, **kw):
        self.jobs.append((label, argv, kw))

    def run(self, workers=4):
        def start(job):
            _, argv, kw = job
            return sktest.run_driver(self.args, self.args.driver, argv, np=self.args.np,
                                     threads=2, env_extra=kw.get("env"),
                                     prompt_abort=kw.get("prompt_abort", True))

        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(start, self.jobs))
        for (label, argv, kw), r in zip(self.jobs, results):
            check_bad(self.s, self.args, label, argv, result=r, **kw)
        self.jobs = []


def check_bad(s, args, label, argv, hints=(), out=None, before=None, want=(), env=None,
              prompt_abort=True, result=None):
    """argv must be refused as a usage error (sktest.check_usage_error); out
    must be left alone. result: the run, if already made (Batch). Returns
    the run."""
    model = args.driver
    r = result or sktest.run_driver(args, model, argv, np=args.np, threads=2, env_extra=env,
                                    prompt_abort=prompt_abort)
    return sktest.check_usage_error(s, r, "%s: %s" % (model, label), model, hints=hints,
                                    want=want, out=out, before=before)


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


def unwritable_file(s):
    """A file nobody, root included, may open for writing, and how it was
    made; (None, reason) when this system offers no way."""
    path = s.path("readonly.jsonl")
    with open(path, "w") as f:
        f.write('{"schema": 1, "note": "read-only"}\n')
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    if os.geteuid() != 0:
        return path, "mode 0444"
    r = sktest.run(["chattr", "+i", path], timeout=30)
    if r.rc == 0:
        return path, "chattr +i"
    return None, "root ignores mode 0444 and chattr +i failed here (%s)" % r.err.strip()


def add_output_paths(batch, s, args):
    """--output is opened on rank 0 before any work: paths that cannot be
    opened end the run with exit 2 at once, naming the path (clipped) and
    why. Returns the checks to make after the batch ran, and the clean-up."""
    d = args.driver
    long_dir = "/nonexistent/" + "d" * 200 + "/x.jsonl"  # each name < NAME_MAX
    long_name = os.path.join(s.tmp, "n" * 300 + ".jsonl")
    cases = [
        ("--output under /proc", "/proc/scalekit-x.jsonl",
         [r"^--output '/proc/scalekit-x\.jsonl': cannot create it"]),
        ("--output with a name too long", long_name,
         [r"^--output '/.*\.\.\.n+\.jsonl': cannot .*\(File name too long\)$"]),
        ("--output in a long missing directory", long_dir,
         [r"^--output '/nonexistent/d+\.\.\.d+/x\.jsonl': cannot create it"]),
        ("--output to a directory (/tmp)", "/tmp", [r"^--output '/tmp': .*(directory|Directory)"]),
        ("--output /nonexistent/dir/x.jsonl", "/nonexistent/dir/x.jsonl",
         [r"^--output '/nonexistent/dir/x\.jsonl': cannot create it"]),
    ]
    for label, path, want in cases:
        batch.add(label, OK + ["--output", path], want=want, out=None if path == "/tmp" else path)
    fifo = s.path("results.fifo")
    os.mkfifo(fifo)
    batch.add("--output to a FIFO nobody reads (would block)", OK + ["--output", fifo],
              want=[r"^--output '.*results\.fifo': is a FIFO .*nobody reads"])
    after = [lambda: s.check(os.path.isdir("/tmp"), "%s: /tmp is still a directory" % d),
             lambda: s.check(stat.S_ISFIFO(os.stat(fifo).st_mode),
                             "%s: the FIFO is left alone" % d)]
    path, how = unwritable_file(s)
    if path is None:
        s.note("%s: no unwritable-file case: %s" % (d, how))
        return after, []
    batch.add("--output to an unwritable file (%s)" % how, OK + ["--output", path],
              want=[r"^--output '.*readonly\.jsonl': cannot open it for appending"],
              out=path, before=sktest.snapshot(path))
    cleanup = [lambda: sktest.run(["chattr", "-i", path], timeout=30)] if how == "chattr +i" else []
    return after, cleanup


def add_threads(batch, s, args):
    """OMP_NUM_THREADS is validated like an option by the threaded drivers
    (before any thread starts: a huge value used to crash the runtime)."""
    if args.driver not in ("omp", "hybrid"):
        return
    for n, (value, pattern) in enumerate(BAD_THREADS):
        out = s.path("threads-%d.jsonl" % n)
        batch.add("OMP_NUM_THREADS=%r" % value[:20], OK + ["--output", out], want=[pattern],
                  out=out, env={"OMP_NUM_THREADS": value})


def check_threads_accepted(s, args):
    """Many more threads than cores stay legitimate (issue 10 runs 16 and 32
    threads on 2 cores); drivers without threads ignore OMP_NUM_THREADS."""
    d = args.driver
    if d not in ("omp", "hybrid"):
        r = sktest.run_driver(args, d, OK, np=args.np, env_extra={"OMP_NUM_THREADS": "abc"})
        s.check(r.rc == 0 and not r.timed_out,
                "%s ignores OMP_NUM_THREADS=abc (no threads here)" % d, r.describe())
        return
    r = sktest.run_driver(args, d, OK, np=args.np, env_extra={"OMP_NUM_THREADS": "64"})
    s.check(r.rc == 0 and not r.timed_out and "64 thread(s)" in r.out,
            "%s runs with OMP_NUM_THREADS=64 on this machine" % d, r.describe())


def add_repeated_output(batch, s, args):
    a, b = s.path("first.jsonl"), s.path("second.jsonl")
    batch.add("--output twice", OK + ["--output", a, "--output", b],
              want=[r"^--output given twice \('.*first\.jsonl', then '.*second\.jsonl'\)"],
              out=a)
    return lambda: s.check(not os.path.exists(b),
                           "%s: --output twice: neither file created" % args.driver,
                           "%s exists" % b)


def check_long_runs(s, args):
    """Sizes that would run for years start with a warning giving an
    estimate (then the test stops them); a short run prints none."""
    d = args.driver
    for argv, pattern in (
            (["--kernel", "primes", "--size", "1e12"],
             r"warning: primes --size '1e12' may take about [\d.]+ (years|days)"),
            (["--kernel", "pi", "--size", "1e18"],
             r"warning: pi --size '1e18' may take about [\d.]+ years")):
        cmd = sktest.driver_command(args, d, argv, np=args.np)
        env = sktest.child_env(threads=2)
        line, r = sktest.run_until(cmd, env, LONG_RUN, timeout=60)
        what = "%s %s" % (d, " ".join(argv))
        s.check(line is not None and re.search(pattern, line)
                and line.startswith("scalekit-%s: " % d),
                "%s: warns with an estimate before starting" % what, r.describe())
        s.check(len([ln for ln in r.err.splitlines() if LONG_RUN.search(ln)]) == 1,
                "%s: warns once (rank 0)" % what, r.describe())
        s.check(not sktest.RESULT_LIKE.search(r.out), "%s: was stopped before any result" % what,
                r.describe())


def check_newline(s, args):
    """A record appended to a file whose last line lacks its newline starts
    on a new line; the old line is kept as it was."""
    out = s.path("no-newline.jsonl")
    with open(out, "w") as f:
        f.write('{"schema": 1, "note": "last line without newline"}')
    r = sktest.run_driver(args, args.driver, OK + ["--output", out], np=args.np, threads=2)
    what = "%s: append after a line without newline" % args.driver
    if s.check(r.rc == 0 and not r.timed_out, "%s: exits 0" % what, r.describe()):
        recs, err = sktest.read_jsonl(out)
        s.check(recs is not None and len(recs) == 2 and recs[0].get("note") and
                recs[1].get("kernel") == "pi",
                "%s: two records, the old one first" % what, err or repr(recs))
    s.check(not LONG_RUN.search(r.err), "%s: no long-run warning for a short run" % what,
            r.describe())


def check_threads_one_rank(s, args):
    """A bad OMP_NUM_THREADS seen by one rank only (here rank 1, through
    mpirun's MPMD syntax) still ends every rank with exit 2; that rank says
    why, naming itself."""
    exe = sktest.driver_path(args.bindir, "hybrid")
    argv = OK + ["--output", s.path("one-rank.jsonl")]
    cmd = [args.mpiexec, "--oversubscribe", "--bind-to", "none",
           "-np", "1", "-x", "OMP_NUM_THREADS=2", exe] + argv + [
           ":", "-np", "1", "-x", "OMP_NUM_THREADS=abc", exe] + argv
    r = sktest.run(cmd, env=sktest.child_env(threads=2), timeout=args.timeout)
    lines = sktest.message_lines("hybrid", r.err)
    s.check(not r.timed_out and r.rc == 2 and len(lines) == 1 and
            lines[0].startswith("scalekit-hybrid: rank 1: OMP_NUM_THREADS='abc'"),
            "hybrid: bad OMP_NUM_THREADS on rank 1 only: exit 2, rank 1 says why",
            r.describe())
    s.check(not os.path.exists(argv[-1]), "hybrid: bad OMP_NUM_THREADS on rank 1: no --output",
            argv[-1])


def check_stdout_output(s, args):
    """--output /dev/stdout, a pipe with a reader here, takes the record."""
    r = sktest.run_driver(args, args.driver, OK + ["--output", "/dev/stdout"], np=args.np,
                          threads=2)
    lines = [ln for ln in r.out.splitlines() if ln.startswith("{")]
    s.check(r.rc == 0 and not r.timed_out and len(lines) == 1 and '"kernel":"pi"' in lines[0],
            "%s --output /dev/stdout (a pipe) gets the one record" % args.driver, r.describe())


def check_default_mpirun(s, args):
    """Under mpirun's own defaults (no test tuning of its kill timeout) a
    usage error still ends every rank with exit 2, one message, no hang."""
    r = check_bad(s, args, "unknown option under mpirun's default kill timeout",
                  OK + ["--frobnicate"], want=[r"^unknown option '--frobnicate'"],
                  prompt_abort=False)
    s.note("%s: usage error under default mpirun took %.2f s (its kill sequence sleeps "
           "1-2 s after any non-zero exit)" % (args.driver, r.seconds))


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

    batch = Batch(s, args)
    for n, (label, argv, hints) in enumerate(BAD_CASES):
        out = s.path("bad-%d.jsonl" % n)
        batch.add(label, ["--output", out] + argv, hints=hints, out=out)
    for n, (label, argv, want) in enumerate(STRICT_CASES):
        out = s.path("strict-%d.jsonl" % n)
        batch.add(label, ["--output", out] + argv, want=want, out=out)
    for n, (label, argv, want) in enumerate(sktest.syntax_cases("--iters", ("2", "3"), "0",
                                                                "--layout")):
        out = s.path("syntax-%d.jsonl" % n)
        batch.add(label, ["--output", out] + OK + argv, want=want, out=out)
    out = s.path("unknown-first.jsonl")  # the cases above follow --output and OK
    batch.add("unknown option as the first argument", ["--frobnicate"] + OK + ["--output", out],
              want=[r"^unknown option '--frobnicate' \(see --help\)$"], out=out)
    after = [add_repeated_output(batch, s, args)]
    more, cleanup = add_output_paths(batch, s, args)
    after += more
    add_threads(batch, s, args)

    # A bad command line leaves an existing results file exactly as it was.
    out = s.path("existing.jsonl")
    with open(out, "w") as f:
        f.write('{"schema": 1, "note": "pre-existing line"}\n')
    os.utime(out, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = sktest.snapshot(out)
    batch.add("--size abc with an existing --output file",
              ["--output", out, "--kernel", "primes", "--size", "abc"], hints=SIZE, out=out,
              before=before)
    batch.add("--frobnicate with an existing --output file",
              ["--output", out] + OK + ["--frobnicate"], hints=("--frobnicate",), out=out,
              before=before)
    try:
        batch.run()
    finally:
        for undo in cleanup:
            undo()
    for check in after:
        check()
    check_threads_accepted(s, args)

    r = check_info(s, args, "--help", [re.escape(o) for o in HELP_OPTIONS],
                   "mentions every option")
    if r is not None and args.driver in sktest.MPI_MODELS:
        s.check(r.out.count("usage:") == 1, "%s --help printed once (rank 0 only)" % args.driver,
                r.describe())
    check_info(s, args, "--version", [r"scalekit", r"\d+\.\d+\.\d+"], "prints a version")
    check_info(s, args, "--list", list(sktest.KERNELS), "names every kernel")

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
    r = sktest.run_driver(args, args.driver, OK + ["--layout", "--layout"], np=args.np, threads=2)
    s.check(r.rc == 0 and not r.timed_out and "layout (" in r.out,
            "%s: a repeated flag (--layout --layout) is accepted" % args.driver, r.describe())
    check_newline(s, args)
    check_stdout_output(s, args)
    check_long_runs(s, args)
    if args.driver == "hybrid":
        check_threads_one_rank(s, args)
    if args.driver in sktest.MPI_MODELS:
        check_default_mpirun(s, args)
    s.finish()


if __name__ == "__main__":
    main()
