#!/usr/bin/env python3
"""perf.py - scalekit's performance benchmarks, variants in interleaved rounds.

    bench/perf.py SUITE [options]        (SUITE: kernels | bandwidth | floor | all)

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

Every round runs every variant once, in the same order (A B C A B C ...), so
a burst of noise on a shared machine hits all variants alike. Each variant's
row shows the median over rounds with the IQR and min..max; each comparison
is the median of the per-round ratios (variants of one round ran back to
back) with their min..max, and the target it is measured against. Compare
ratios within one run, never figures from different runs or machines.

Reference commands are templates: {n} {iters} {threads} {w} {h} {maxit} are
filled in. Their output is parsed in the reference codes' own formats: STREAM
("Triad:  BEST_MB/s AVG MIN MAX": the best rate, as STREAM reports it, is
compared with scalekit's best repetition), PRK ("Avg time (s): T" per
iteration on an n x n grid with (n-2)^2 interior points: n = N+2 is passed),
OSU ("8  LATENCY_us") or this repository's notes' reference programs.

Standard library only. Exit status 0 unless a run fails (targets missed are
reported, not failures: benchmarks are not tests).
"""
import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "analysis"))
from summary import quartiles  # noqa: E402  (the quartiles of every scalekit table)

ENV_OMP = {"OMP_PROC_BIND": "close", "OMP_PLACES": "cores"}


class Variant:
    """A command run once per round; value(stdout, record) gives its figure."""

    def __init__(self, label, argv, value, unit, env=None, record=False):
        self.label, self.argv, self.value, self.unit = label, argv, value, unit
        self.env, self.record = env or {}, record
        self.values = []


def run(argv, env, timeout=600):
    full = dict(os.environ)
    full.update(env)
    if os.geteuid() == 0:  # Open MPI refuses root unless told
        full.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        full.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    p = subprocess.run(argv, capture_output=True, text=True, env=full, timeout=timeout)
    if p.returncode != 0:
        sys.exit("perf.py: failed (exit %d): %s\n%s%s" % (p.returncode, " ".join(argv),
                                                          p.stdout[-2000:], p.stderr[-2000:]))
    return p.stdout


def measure(v, tmp):
    argv, rec = list(v.argv), None
    if v.record:
        out = os.path.join(tmp, "rec.jsonl")
        if os.path.exists(out):
            os.remove(out)
        argv += ["--output", out]
    text = run(argv, v.env)
    if v.record:
        with open(out, encoding="utf-8") as f:
            rec = json.loads(f.read().splitlines()[-1])
        if not rec.get("verified"):
            sys.exit("perf.py: %s did not verify" % v.label)
    x = v.value(text, rec)
    if x is None:
        sys.exit("perf.py: cannot read a figure from the output of %s:\n%s"
                 % (" ".join(argv), text[-2000:]))
    return x


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


def interleave(title, variants, comparisons, rounds):
    """Run rounds x variants, print the rows and the comparisons."""
    print("\n== %s: %d interleaved rounds of %d variants" % (title, rounds, len(variants)))
    with tempfile.TemporaryDirectory(prefix="scalekit-perf-") as tmp:
        for r in range(rounds):
            for v in variants:
                v.values.append(measure(v, tmp))
            print("   round %d/%d done" % (r + 1, rounds), file=sys.stderr, flush=True)
    width = max(len(v.label) for v in variants)
    print("%-*s  %11s  %6s  %11s  %11s  unit" % (width, "variant", "median", "IQR", "min",
                                                 "max"))
    for v in variants:
        med, iqr, lo, hi = spread(v.values)
        print("%-*s  %11.4g  %5.1f%%  %11.4g  %11.4g  %s" % (width, v.label, med, 100 * iqr,
                                                            lo, hi, v.unit))
    by = {v.label: v for v in variants}
    for a, b, what, target, higher in comparisons:
        if a not in by or b not in by:
            continue
        ratios = [x / y for x, y in zip(by[a].values, by[b].values)]
        med = statistics.median(ratios)
        line = "  %s: %.3f (rounds %.3f..%.3f)" % (what, med, min(ratios), max(ratios))
        if target is not None:
            ok = med >= target if higher else med <= target
            line += "; target %s %.2f: %s" % (">=" if higher else "<=", target,
                                              "met" if ok else "NOT met")
        print(line)


def fill(template, **kw):
    return [a.format(**kw) for a in shlex.split(template)]


def mpi(args, np, argv, bind="core"):
    return [args.mpiexec, "-np", str(np), "--bind-to", bind] + argv


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


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.split("\n")[2:]))
    p.add_argument("suite", choices=("kernels", "bandwidth", "floor", "all"))
    p.add_argument("--bindir", default=os.path.join(ROOT, "build", "release"),
                   help="this build's drivers (default: build/release)")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    p.add_argument("--mpiexec", default=os.environ.get("MPIEXEC", "mpirun"))
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
    p.add_argument("--smoke", action="store_true", help="tiny sizes: check the script works")
    args = p.parse_args()
    if args.rounds < 1:
        p.error("--rounds must be >= 1")
    if not os.path.exists(os.path.join(args.bindir, "scalekit-seq")):
        p.error("no scalekit-seq in %s: build first (./scalekit build) or pass --bindir"
                % args.bindir)
    suites = {"kernels": suite_kernels, "bandwidth": suite_bandwidth, "floor": suite_floor}
    for name, suite in suites.items():
        if args.suite in (name, "all"):
            suite(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
