#!/usr/bin/env python3
"""test_tsan.py - the one deliberate race is the only one, and TSan sees it.

    test_tsan.py --bindir DIR --mpiexec PATH --suppressions tests/tsan.supp
                 --tsan-options "history_size=7 ..."

Runs in the tsan build only (ctest --preset tsan; Archer comes from
OMP_TOOL_LIBRARIES, set by tests.cmake). Checks that the suppression file
names exactly one function, par_add_none; that without it ThreadSanitizer
reports a data race in scalekit-omp --kernel counter --sync none, every report
inside par_add_none, and fails the run (exit 66); that with it the same run is
clean; that the synchronised primitives are clean at 3 threads (the other omp
tests of the tsan build run with the suppression too); and that
scalekit-overhead's thread probes (fork/join, barriers, the shared-memory
exchange) are clean under mpirun -np 2.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sktest  # noqa: E402

TSAN_EXIT = 66  # ThreadSanitizer's exit status after a report
REPORT = "WARNING: ThreadSanitizer:"


def tsan_env(args, suppressions):
    opts = args.tsan_options
    if suppressions:
        opts += " suppressions=" + suppressions
    return {"TSAN_OPTIONS": opts}


def counter(args, sync, threads, suppressions, variant="counter"):
    argv = ["--kernel", "counter", "--sync", sync, "--variant", variant, "--size", "20000",
            "--reps", "2", "--warmup", "1"]
    return sktest.run_driver(args, "omp", argv, threads=threads,
                             env_extra=tsan_env(args, suppressions))


def reports(err):
    """The text of each TSan report in err."""
    return [b for b in err.split(REPORT)[1:]]


def main():
    def extra(p):
        p.add_argument("--suppressions", required=True)
        p.add_argument("--tsan-options", required=True,
                       help="TSAN_OPTIONS of every test, without suppressions= (tests.cmake)")

    args = sktest.parse_args(__doc__.splitlines()[0], extra)
    s = sktest.Suite("tsan")
    s.check(os.environ.get("OMP_TOOL_LIBRARIES", "").endswith("libarcher.so"),
            "Archer is loaded (OMP_TOOL_LIBRARIES)", os.environ.get("OMP_TOOL_LIBRARIES"))
    with open(args.suppressions) as f:
        rules = [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]
    s.check(rules == ["race:par_add_none"],
            "the suppression file names exactly one function: par_add_none", repr(rules))

    for variant in ("counter", "histogram"):
        r = counter(args, "none", 2, None, variant)
        found = reports(r.err)
        s.check(r.rc == TSAN_EXIT and found,
                "without suppressions TSan reports --sync none (%s) and fails the run" % variant,
                r.describe())
        s.check(found and all("data race" in b and re.search(r"#0 par_add_none", b)
                              for b in found),
                "every report is a data race inside par_add_none (%s)" % variant, r.describe())

    r = counter(args, "none", 2, args.suppressions)
    s.check(r.rc == 0 and REPORT not in r.err,
            "with the suppression --sync none runs clean (exit 0)", r.describe())
    for sync in ("atomic", "critical", "lock", "reduction"):
        r = counter(args, sync, 3, args.suppressions, "histogram")
        s.check(r.rc == 0 and REPORT not in r.err, "--sync %s at 3 threads: TSan clean" % sync,
                r.describe())
    r = sktest.run(sktest.overhead_command(args, ["--max-bytes", "4Ki", "--reps", "3",
                                                  "--min-ms", "0.2"], np=2),
                   env=sktest.child_env(extra=tsan_env(args, args.suppressions)),
                   timeout=args.timeout)
    s.check(r.rc == 0 and REPORT not in r.err, "scalekit-overhead's probes: TSan clean",
            r.describe())
    s.finish()


if __name__ == "__main__":
    main()
