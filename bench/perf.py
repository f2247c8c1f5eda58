#!/usr/bin/env python3
"""perf.py - scalekit's performance benchmarks, variants in interleaved rounds.

    bench/perf.py SUITE [options]        (SUITE: kernels | bandwidth | floor | io | all)

kernels    pi and mandelbrot (small presets) on one core: this build, optional
           other builds (--variant LABEL=BINDIR, e.g. a portable x86-64-v3
           build), the code before issue 6 (--baseline-rev REV: built once
           under build/baseline-REV), and an 8-lane hand-vectorized mandelbrot
           (--mandel8 CMD)
bandwidth  triad (N doubles x 3, 24 B/element; single passes, the best of 10
           counts, as STREAM reports) and stencil (N=4000, 24 B/point; the
           median of 3 runs of 20 sweeps, as PRK reports the average sweep) at
           1 and 2 workers (OpenMP threads, MPI ranks),
           optionally next to STREAM (--stream CMD) and PRK's star-1 stencil
           (--prk-omp CMD, --prk-mpi CMD)
floor      one timed repetition of primes at size 2 on 2 ranks (the least a
           repetition costs: the kernel's work is one number) next to one
           8-byte MPI_Allreduce (--allreduce CMD)
io         iobench's write and read MiB/s (its record's io object; write =
           bytes / first open .. last close, flush included, as IOR's) for
           --size bytes (default 1Gi; checked by a driver before any round)
           in --dir (default .): seq (serial HDF5), omp x2 (still one HDF5
           writer: HDF5 is not thread-safe here, the threads only check the
           data; both skipped, with a note, in a build without serial HDF5),
           mpi x1, mpi x2 (collective MPI-IO, one shared file) and mpi x2
           ind (independent transfers), next to posix: one write(2) stream
           of the same bytes + fsync, then, the file's cached pages dropped
           as iobench drops them, one read stream back, measured in this
           process: the ceiling for that directory.
           Target: the collective write at 2 ranks >= 0.80 of POSIX's.
all        kernels, bandwidth and floor. Not io: at 1Gi it moves 12 GiB of
           disk traffic per round, and it measures the file system of --dir,
           which the user should choose (./scalekit bench-io runs it).

Every round runs every variant once, in the same order (A B C A B C ...), so
a burst of noise on a shared machine hits all variants alike. io varies the
order, as each run inherits the disk state the one before left (write-back,
device caches): each round starts one variant later and runs forward and
backward in turn (A B C D, B A D C, C D A B, D C B A, ...), so a variant
follows one neighbour in forward rounds and the other in backward ones: from
4 rounds on (with 3 or more variants) none always follows the same one. Each
variant's row (one per figure: io has write and
read) shows the median over rounds with the IQR and min..max; each comparison
is the median of the per-round ratios (variants of one round ran back to
back) with their min..max, and the target it is measured against. After each
round one line on stderr gives that round's figures, to watch drift. Compare
ratios within one run, never figures from different runs or machines.

Reference commands are templates: {n} {iters} {threads} {w} {h} {maxit} are
filled in. Their output is parsed in the reference codes' own formats: STREAM
("Triad:  BEST_MB/s AVG MIN MAX": the best rate, as STREAM reports it, is
compared with scalekit's best repetition), PRK ("Avg time (s): T" per
iteration on an n x n grid with (n-2)^2 interior points: n = N+2 is passed),
OSU ("8  LATENCY_us") or this repository's notes' reference programs.

Standard library only. Exit status 0 unless a run fails or its record does
not verify (targets missed are reported, not failures: benchmarks are not
tests); 2 for usage errors.
"""
import argparse
import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "analysis"))
from summary import quartiles  # noqa: E402  (the quartiles of every scalekit table)

ENV_OMP = {"OMP_PROC_BIND": "close", "OMP_PLACES": "cores"}


class Variant:
    """What runs once per round: a command (argv), whose figure value(stdout,
    record) reads, or a Python callable (argv; value None) that returns its
    figure, measured in this process. With figures (their names) one run
    gives a tuple of figures, one table row each ("LABEL FIGURE")."""

    def __init__(self, label, argv, value, unit, env=None, record=False, figures=None,
                 timeout=600):
        self.label, self.argv, self.value, self.unit = label, argv, value, unit
        self.env, self.record, self.figures, self.timeout = env or {}, record, figures, timeout
        self.values = []  # per round: the figure, or the tuple of figures

    def rows(self):
        """(figure index, row label, values over rounds) of each figure."""
        if self.figures is None:
            return [(0, self.label, self.values)]
        return [(i, "%s %s" % (self.label, f), [x[i] for x in self.values])
                for i, f in enumerate(self.figures)]


def spawn(argv, env=None, timeout=600):
    """Run argv (environment: ours plus env) in a session of its own and
    return (exit status, stdout, stderr). On timeout, or when perf.py is
    interrupted (Ctrl-C reaches only perf.py: the child has its own session;
    SIGTERM and SIGHUP to perf.py end it as Ctrl-C does, see main()), stop()
    ends the child and all it started; a timeout then exits."""
    full = dict(os.environ)
    full.update(env or {})
    if os.geteuid() == 0:  # Open MPI refuses root unless told
        full.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        full.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace", env=full,
                                start_new_session=True)
    except OSError as e:
        sys.exit("perf.py: cannot start %s: %s" % (shlex.join(argv), e))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(proc)
        sys.exit("perf.py: no result after %g s, stopped: %s" % (timeout, shlex.join(argv)))
    except BaseException:
        stop(proc)
        raise
    return proc.returncode, out, err


def session_members(sid):
    """PIDs of the live processes of session sid (from /proc; empty where
    there is none): the ones spawn() started, however they were re-parented
    or regrouped (Open MPI puts each rank in a process group of its own)."""
    pids = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == sid:
            pids.append(int(entry))
    return pids


def stop(proc, grace=5):
    """End proc and everything it started: SIGTERM to proc (mpirun passes it
    on to its ranks and cleans up), up to grace seconds to exit, then SIGKILL
    to every process left in its session (spawn() made proc a session leader;
    the session id stays reserved while any member lives), ranks and a
    reference code's children included."""
    with contextlib.suppress(OSError):
        proc.terminate()
    end = time.monotonic() + grace
    while proc.poll() is None and time.monotonic() < end:  # reading its output meanwhile
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.communicate(timeout=0.2)
    for pid in [proc.pid] + session_members(proc.pid):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()  # not read to the end: a survivor outside the session may hold it
    proc.stderr.close()


def run(argv, env, timeout=600):
    """spawn() argv; its stdout, or exit 1 with its output if it fails."""
    rc, out, err = spawn(argv, env, timeout)
    if rc != 0:
        sys.exit("perf.py: failed (exit %d): %s\n%s%s" % (rc, shlex.join(argv), out[-2000:],
                                                          err[-2000:]))
    return out


def measure(v, tmp):
    if callable(v.argv):
        return v.argv()
    argv, rec = list(v.argv), None
    if v.record:
        out = os.path.join(tmp, "rec.jsonl")
        if os.path.exists(out):
            os.remove(out)
        argv += ["--output", out]
    text = run(argv, v.env, v.timeout)
    if v.record:
        rec = last_record(out, argv)
        if not rec.get("verified"):
            sys.exit("perf.py: %s did not verify" % v.label)
    x = v.value(text, rec)
    if x is None or (isinstance(x, tuple) and None in x):
        sys.exit("perf.py: cannot read a figure from the output of %s:\n%s"
                 % (shlex.join(argv), text[-2000:]))
    return x


def last_record(path, argv):
    """The last record of the --output file of a run that exited 0; exit 1
    with a message if it wrote none (or no JSON object)."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        rec = json.loads(lines[-1]) if lines else None
    except FileNotFoundError:
        rec = None
    except (OSError, ValueError) as e:
        sys.exit("perf.py: %s exited 0 but its record %s cannot be read: %s"
                 % (shlex.join(argv), path, e))
    if not isinstance(rec, dict):
        sys.exit("perf.py: %s exited 0 but wrote no record to %s" % (shlex.join(argv), path))
    return rec


def regex_value(pattern, scale=1.0):
    rx = re.compile(pattern, re.MULTILINE)

    def value(text, rec):
        m = rx.search(text)
        return float(m.group(1)) * scale if m else None
    return value


def sk_rate(stat="median", scale=1.0):
    """A scalekit record's rate (its unit) at the median or best repetition."""
    return lambda text, rec: rec["rate"][stat] * scale


def spread(values):
    q1, med, q3 = quartiles(values)
    return med, (q3 - q1) / med, min(values), max(values)


def round_order(variants, r, rotate):
    """The variants in round r's order: as given, or (rotate) starting at
    variant r mod n, forward when r is even and backward when r is odd."""
    if not rotate:
        return list(variants)
    n, step = len(variants), 1 if r % 2 == 0 else -1
    return [variants[(r + step * i) % n] for i in range(n)]


def round_figures(variants):
    """The last round's figures on one line, to watch drift as rounds go:
    " (write/read MiB/s): posix 961/1486, seq 629/1508, ..." (units and
    figure names once when all variants share them)."""
    units = {(v.figures, v.unit) for v in variants}
    head = ""
    if len(units) == 1:
        figures, unit = units.pop()
        head = " (%s%s)" % ("/".join(figures) + " " if figures else "", unit)

    def one(v):
        xs = v.values[-1] if isinstance(v.values[-1], tuple) else (v.values[-1],)
        return "%s %s%s" % (v.label, "/".join("%.4g" % x for x in xs),
                            "" if head else " " + v.unit)
    return "%s: %s" % (head, ", ".join(one(v) for v in variants))


def interleave(title, variants, comparisons, rounds, rotate=False):
    """Run rounds x variants (rotate: round r starts at variant r and runs
    forward in even rounds, backward in odd ones; see the module's text),
    print the rows, figure by figure, and the comparisons of rows."""
    print("\n== %s: %d interleaved rounds of %d variants%s"
          % (title, rounds, len(variants), ", order rotating and reversing" if rotate else ""))
    with tempfile.TemporaryDirectory(prefix="scalekit-perf-") as tmp:
        for r in range(rounds):
            for v in round_order(variants, r, rotate):
                v.values.append(measure(v, tmp))
            print("   round %d/%d%s" % (r + 1, rounds, round_figures(variants)),
                  file=sys.stderr, flush=True)
    rows = sorted(((i, label, values, v.unit) for v in variants
                   for i, label, values in v.rows()), key=lambda row: row[0])
    width = max(len(label) for _, label, _, _ in rows)
    print("%-*s  %11s  %6s  %11s  %11s  unit" % (width, "variant", "median", "IQR", "min",
                                                 "max"))
    for _, label, values, unit in rows:
        med, iqr, lo, hi = spread(values)
        print("%-*s  %11.4g  %5.1f%%  %11.4g  %11.4g  %s" % (width, label, med, 100 * iqr,
                                                            lo, hi, unit))
    by = {label: values for _, label, values, _ in rows}
    for a, b, what, target, higher in comparisons:
        if a not in by or b not in by:
            continue
        ratios = [x / y for x, y in zip(by[a], by[b])]
        med = statistics.median(ratios)
        line = "  %s: %.3f (rounds %.3f..%.3f)" % (what, med, min(ratios), max(ratios))
        if target is not None:
            ok = med >= target if higher else med <= target
            line += "; target %s %.2f: %s" % (">=" if higher else "<=", target,
                                              "met" if ok else "NOT met")
        print(line)


def fill(template, **kw):
    return [a.format(**kw) for a in shlex.split(template)]


def mpi(args, np, argv, bind="core", oversubscribe=False):
    """mpiexec -np NP --bind-to BIND [--oversubscribe] MPIEXEC_FLAGS... argv
    (the flags last, as ./scalekit and slurm/sweep.py place them)."""
    return ([args.mpiexec, "-np", str(np), "--bind-to", bind]
            + (["--oversubscribe"] if oversubscribe else []) + args.mpiexec_flags + argv)


def baseline_bindir(rev):
    """Build revision rev (the code before this work) once, with that
    revision's own release settings, under build/baseline-REV."""
    base = os.path.join(ROOT, "build", "baseline-%s" % rev)
    bindir = os.path.join(base, "build")
    if os.path.exists(os.path.join(bindir, "scalekit-seq")):
        return bindir
    src = os.path.join(base, "src")
    os.makedirs(src, exist_ok=True)
    print("perf.py: building %s in %s (once)" % (rev, base), file=sys.stderr)
    try:
        archive = subprocess.run(["git", "-C", ROOT, "archive", rev], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", src], input=archive, check=True)
        for cmd in (["cmake", "-S", src, "-B", bindir, "-DCMAKE_BUILD_TYPE=Release"],
                    ["cmake", "--build", bindir, "-j2", "--target", "scalekit-seq"]):
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    except subprocess.CalledProcessError as e:
        err = e.stderr.decode(errors="replace").strip() if e.stderr else ""
        sys.exit("perf.py: --baseline-rev %s: %s failed (exit %d)%s"
                 % (rev, shlex.join(e.cmd), e.returncode, ": " + err if err else ""))
    return bindir


def suite_kernels(args):
    one = {"OMP_NUM_THREADS": "1"}
    builds = [("this build", args.bindir)] + [tuple(v.split("=", 1)) for v in args.variant]
    if args.baseline_rev:
        builds.append(("before (%s)" % args.baseline_rev, baseline_bindir(args.baseline_rev)))
    w = "120" if args.smoke else "1400"
    sizes = {"pi": "800000" if args.smoke else "200000000", "mandelbrot": w + "x" + w + "x1000"}
    variants, comparisons = [], []
    for k in ("pi", "mandelbrot"):
        for label, bindir in builds:
            variants.append(Variant("%s %s" % (k, label),
                                    [os.path.join(bindir, "scalekit-seq"), "--kernel", k,
                                     "--size", sizes[k], "--reps", "5"],
                                    sk_rate(), "M/s", one, record=True))
        for label, _ in builds[1:]:
            target = 4.0 if label.startswith("before") else None
            comparisons.append(("%s this build" % k, "%s %s" % (k, label),
                                "%s: this build / %s" % (k, label), target, True))
    if args.mandel8:
        variants.append(Variant("mandelbrot 8-lane reference",
                                fill(args.mandel8, w=w, h=w, maxit=1000),
                                regex_value(r"Miter/s median ([\d.]+)"), "M/s"))
        comparisons.append(("mandelbrot this build", "mandelbrot 8-lane reference",
                            "mandelbrot: this build / 8-lane vector version", 0.7, True))
    interleave("kernels (one core)", variants, comparisons, args.rounds)


def suite_bandwidth(args):
    n_triad = "200000" if args.smoke else str(args.triad_n)
    n_sten, iters = ("200", "10") if args.smoke else ("4000", "20")
    b = lambda model: os.path.join(args.bindir, "scalekit-" + model)
    # triad as STREAM times it: single passes (NTIMES=10), the best one counts;
    # stencil as PRK times it: the average sweep of a run (here the median
    # repetition of `iters` sweeps).
    triad = ["--kernel", "triad", "--size", n_triad, "--iters", "1", "--reps", "10"]
    sten = ["--kernel", "stencil", "--size", n_sten, "--iters", iters, "--reps", "3"]
    per_point = 24e-3  # Mpoints/s -> GB/s at 24 bytes per point
    n_prk = int(n_sten) + 2
    prk_seconds = regex_value(r"Avg time \(s\):\s*([\d.eE+-]+)")

    def prk_gbs(text, rec):
        """PRK's average sweep time as GB/s of the (n-2)^2 interior points, 24 B each."""
        t = prk_seconds(text, rec)
        return (n_prk - 2) ** 2 * 24e-9 / t if t else None
    variants, comparisons = [], []
    for workers in (1, 2):
        omp = dict(ENV_OMP, OMP_NUM_THREADS=str(workers))
        tag = "%dw" % workers
        variants.append(Variant("triad omp %s" % tag, [b("omp")] + triad, sk_rate("best"),
                                "GB/s", omp, record=True))
        variants.append(Variant("stencil omp %s" % tag, [b("omp")] + sten,
                                sk_rate("median", per_point), "GB/s", omp, record=True))
        if workers == 2:
            variants.append(Variant("triad mpi %s" % tag, mpi(args, 2, [b("mpi")] + triad),
                                    sk_rate("best"), "GB/s", record=True))
            variants.append(Variant("stencil mpi %s" % tag, mpi(args, 2, [b("mpi")] + sten),
                                    sk_rate("median", per_point), "GB/s", record=True))
        if args.stream:
            variants.append(Variant("STREAM %s" % tag,
                                    fill(args.stream, n=n_triad, threads=workers),
                                    regex_value(r"^Triad:\s+([\d.]+)", 1e-3), "GB/s", omp))
            comparisons.append(("triad omp %s" % tag, "STREAM %s" % tag,
                                "triad omp / STREAM triad, %s (best rates)" % tag, 0.95, True))
            if workers == 2:
                comparisons.append(("triad mpi 2w", "STREAM 2w",
                                    "triad mpi / STREAM triad, 2w (best rates)", 0.95, True))
        if args.prk_omp:
            variants.append(Variant("PRK stencil omp %s" % tag,
                                    fill(args.prk_omp, n=n_prk, iters=iters, threads=workers),
                                    prk_gbs, "GB/s", omp))
            comparisons.append(("stencil omp %s" % tag, "PRK stencil omp %s" % tag,
                                "stencil omp / PRK star-1 omp, %s" % tag, 1.0, True))
        if args.prk_mpi and workers == 2:
            variants.append(Variant("PRK stencil mpi 2w",
                                    mpi(args, 2, fill(args.prk_mpi, n=n_prk, iters=iters)),
                                    prk_gbs, "GB/s"))
            comparisons.append(("stencil mpi 2w", "PRK stencil mpi 2w",
                                "stencil mpi / PRK star-1 mpi, 2w", 1.0, True))
        comparisons.append(("stencil omp %s" % tag, "triad omp %s" % tag,
                            "stencil (median) / triad (best) GB/s, omp %s" % tag, 0.9, True))
    interleave("bandwidth (triad N=%s, stencil N=%s x %s sweeps)" % (n_triad, n_sten, iters),
               variants, comparisons, args.rounds)


def suite_floor(args):
    reps = "200" if args.smoke else "5000"
    variants = [Variant("scalekit-mpi x2 primes size 2: one repetition",
                        mpi(args, 2, [os.path.join(args.bindir, "scalekit-mpi"), "--kernel", "primes",
                                      "--size", "2", "--reps", reps, "--warmup", "500"]),
                        lambda t, r: r["time"]["median"] * 1e6, "us", record=True)]
    if args.allreduce:
        variants.append(Variant("8-byte MPI_Allreduce",
                                mpi(args, 2, fill(args.allreduce, iters=reps)),
                                regex_value(r"(?:median\s+|^\s*8\s+)([\d.]+)"), "us"))
    interleave("per-repetition floor at 2 ranks", variants,
               [(variants[0].label, "8-byte MPI_Allreduce",
                 "one repetition / one 8-byte allreduce (medians)", 1.3, False)], args.rounds)


def io_size(p, args):
    """The bytes of --size as the drivers read an iobench size: scalekit-seq
    --weak-size 1 prints them, or exits 2 with its message for a size iobench
    refuses (a multiple of 32Ki), which becomes perf.py's usage error. Asked
    before any round, so a bad size costs no I/O. --weak-size only parses the
    command line: it answers in a build whose seq cannot run iobench too."""
    argv = [os.path.join(args.bindir, "scalekit-seq"), "--kernel", "iobench", "--size",
            args.size, "--weak-size", "1"]
    rc, out, err = spawn(argv, timeout=60)
    if rc == 0 and out.strip().isdigit():
        return int(out)
    said = [line for line in err.splitlines() if line.strip()]
    if rc == 2 and said:
        msg = said[-1].removeprefix("scalekit-seq: ")
        p.error(msg if "--size" in msg else "--size %s: %s" % (args.size, msg))
    sys.exit("perf.py: %s failed (exit %d)\n%s%s" % (shlex.join(argv), rc, out[-2000:],
                                                       err[-2000:]))


def posix_io(path, size):
    """The POSIX ceiling of a directory, as a callable Variant: each call
    writes size bytes to path in one write(2) stream + fsync, drops the file's
    cached pages as iobench does, reads it back in one stream, removes it, and
    returns (write MiB/s, read MiB/s)."""
    chunk = bytearray(os.urandom(1 << 20)) * max(1, min(size, 64 << 20) >> 20)
    view, back = memoryview(chunk), bytearray(len(chunk))

    def once():
        try:
            t0 = time.perf_counter()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            left = size
            while left > 0:
                left -= os.write(fd, view[:min(left, len(chunk))])
            os.fsync(fd)
            os.close(fd)
            write = size / (time.perf_counter() - t0) / 1048576
            fd = os.open(path, os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
            t0 = time.perf_counter()
            fd = os.open(path, os.O_RDONLY)
            while os.readv(fd, [back]) > 0:
                pass
            os.close(fd)
            read = size / (time.perf_counter() - t0) / 1048576
        except OSError as e:  # the process ends: its descriptors close with it
            sys.exit("perf.py: posix: %s: %s" % (path, e.strerror or e))
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)
        return write, read
    return once


def has_hdf5(exe):
    """Whether driver exe was built with HDF5 (its --version says "HDF5: none"
    when not: seq and omp in a build that found only a parallel HDF5)."""
    return "HDF5: none" not in spawn([exe, "--version"], timeout=60)[1]


def suite_io(args):
    """The io suite in a private directory under --dir (iobench's --io-dir and
    the posix file), removed at the end however the suite ends: a failed or
    timed-out run, Ctrl-C."""
    work = tempfile.mkdtemp(dir=args.dir, prefix="scalekit-perf-io-")
    try:
        io_rounds(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def io_rounds(args, work):
    size = 1 << 20 if args.smoke else args.size_bytes
    common = ["--kernel", "iobench", "--size", str(size), "--reps", "1", "--warmup", "0",
              "--io-dir", work]
    seq, omp, mpi_exe = (os.path.join(args.bindir, "scalekit-" + m) for m in ("seq", "omp", "mpi"))

    def mpi_io(np, extra=()):
        return mpi(args, np, [mpi_exe] + common + list(extra), bind="none", oversubscribe=True)

    def mib_s(text, rec):
        io = rec.get("io") or {}
        return io.get("write_mib_s"), io.get("read_mib_s")
    figures = ("write", "read")
    posix = os.path.join(work, "posix.bin")
    variants = [Variant("posix", posix_io(posix, size), None, "MiB/s", figures=figures)]
    for label, argv, env in (
            ("seq", [seq] + common, {}),
            ("omp x2", [omp] + common, {"OMP_NUM_THREADS": "2"}),
            ("mpi x1", mpi_io(1), {}),
            ("mpi x2", mpi_io(2), {}),
            ("mpi x2 ind", mpi_io(2, ["--io-mode", "independent"]), {})):
        if argv[0] in (seq, omp) and not has_hdf5(argv[0]):
            print("perf.py: io: %s was built without HDF5 (the build found no serial HDF5): "
                  "variant %s skipped" % (os.path.basename(argv[0]), label), file=sys.stderr)
            continue
        variants.append(Variant(label, argv, mib_s, "MiB/s", env, record=True,
                                figures=figures, timeout=args.timeout))
    comparisons = [("mpi x2 write", "posix write",
                    "collective HDF5 write at 2 ranks / POSIX write+fsync", 0.8, True)]
    for v in variants[1:]:
        for f in figures:
            if (v.label, f) != ("mpi x2", "write"):  # the target's line above
                comparisons.append(("%s %s" % (v.label, f), "posix %s" % f,
                                    "%s %s / posix %s" % (v.label, f, f), None, True))
    interleave("io (%d bytes per run to %s)" % (size, args.dir), variants, comparisons,
               args.rounds, rotate=True)
    print("read figures: page cache dropped before every read (posix_fadvise DONTNEED); on "
          "a VM the host may still cache the disk")


def exit_on_signal(signum, frame):
    """SIGTERM/SIGHUP: exit as after Ctrl-C, through spawn()'s stop() and the
    suites' cleanup, rather than die and leave a run and its files behind."""
    sys.exit(128 + signum)


def main():
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, exit_on_signal)
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.split("\n")[2:]))
    p.add_argument("suite", choices=("kernels", "bandwidth", "floor", "io", "all"))
    p.add_argument("--bindir", default=os.path.join(ROOT, "build", "release"),
                   help="this build's drivers (default: build/release)")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    p.add_argument("--mpiexec", default=os.environ.get("MPIEXEC", "mpirun"),
                   help="MPI launcher (default $MPIEXEC or mpirun)")
    p.add_argument("--mpiexec-flags", default=os.environ.get("MPIEXEC_FLAGS", ""),
                   metavar="FLAGS", help="extra launcher flags, split as a shell would "
                   "(default $MPIEXEC_FLAGS)")
    p.add_argument("--variant", action="append", default=[], metavar="LABEL=BINDIR",
                   help="kernels: another build to compare (repeatable)")
    p.add_argument("--baseline-rev", help="kernels: git revision to build and compare with")
    p.add_argument("--mandel8", help="kernels: 8-lane mandelbrot command ({w} {h} {maxit})")
    p.add_argument("--stream", help="bandwidth: STREAM command ({n} {threads}; OMP_NUM_THREADS "
                   "is set)")
    p.add_argument("--prk-omp", help="bandwidth: PRK OpenMP stencil command ({threads} {iters} "
                   "{n})")
    p.add_argument("--prk-mpi", help="bandwidth: PRK MPI stencil command ({iters} {n})")
    p.add_argument("--allreduce", help="floor: 8-byte allreduce latency command ({iters})")
    p.add_argument("--triad-n", type=int, default=12000000, help="triad elements (default 12M)")
    p.add_argument("--size", default="1Gi",
                   help="io: bytes per run, as the drivers' --size reads them (default 1Gi; "
                   "a multiple of 32Ki, as iobench needs; --smoke runs 1Mi)")
    p.add_argument("--dir", default=".", help="io: directory written to (default .)")
    p.add_argument("--timeout", type=float, default=1800, metavar="SECONDS",
                   help="io: stop a run after SECONDS and exit 1 (default 1800)")
    p.add_argument("--smoke", action="store_true",
                   help="tiny sizes, overriding --size and the suites' sizes: check the script "
                   "works")
    args = p.parse_args()
    if args.rounds < 1:
        p.error("--rounds must be >= 1")
    try:
        args.mpiexec_flags = shlex.split(args.mpiexec_flags)
    except ValueError as e:
        p.error("--mpiexec-flags (or MPIEXEC_FLAGS) %r: %s" % (args.mpiexec_flags, e))
    if args.timeout <= 0:
        p.error("--timeout must be > 0")
    if not os.path.exists(os.path.join(args.bindir, "scalekit-seq")):
        p.error("no scalekit-seq in %s: build first (./scalekit build) or pass --bindir"
                % args.bindir)
    if args.suite == "io" and not (os.path.isdir(args.dir) and os.access(args.dir, os.W_OK)):
        p.error("--dir %s is not a writable directory" % args.dir)
    if args.suite == "io":
        args.size_bytes = io_size(p, args)  # also with --smoke: a bad --size is an error
    suites = {"kernels": suite_kernels, "bandwidth": suite_bandwidth, "floor": suite_floor,
              "io": suite_io}
    try:
        for name, suite in suites.items():
            if args.suite == name or (args.suite == "all" and name != "io"):  # see "all" above
                suite(args)
    except KeyboardInterrupt:  # the running child is stopped, scratch files removed
        print("perf.py: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
