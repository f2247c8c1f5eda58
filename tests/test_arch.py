#!/usr/bin/env python3
"""test_arch.py - the build's instruction set: provenance and the ISA guard.

    test_arch.py --bindir DIR --mpiexec PATH --group serial|mpi

serial: (a) records carry provenance "arch" and cflags name its -march flag;
(b) a binary built for features this CPU lacks (simulated with the test hook
SCALEKIT_TEST_CPU_LACKS=all) exits 1 before doing anything, saying what it
needs and how to rebuild, and writes no record; (c) the guard stays silent
when nothing the build uses is missing.
mpi: (d) the guard ends every rank under mpirun, no hang, no record.
"""
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sktest  # noqa: E402

RUN = ["--kernel", "pi", "--size", "1000", "--reps", "1", "--warmup", "0"]


def arch_of(s, args):
    """Provenance arch and cflags of a fresh seq record (None on failure)."""
    out = s.path("arch.jsonl")
    r = sktest.run_driver(args, "seq", RUN + ["--output", out])
    rec, err = sktest.one_record(out)
    s.check(r.rc == 0 and rec is not None, "seq run writes a record", r.describe() + (err or ""))
    if rec is None:
        return None, None
    prov = rec.get("provenance", {})
    return prov.get("arch"), prov.get("cflags")


def expect_refused(s, args, what, model, np=None):
    out = s.path("refused-%s.jsonl" % model)
    r = sktest.run_driver(args, model, RUN + ["--output", out], np=np,
                          env_extra={"SCALEKIT_TEST_CPU_LACKS": "all"})
    s.check(not r.timed_out and r.rc not in (0, None), "%s: exits non-zero" % what,
            r.describe())
    s.check("lacks" in r.err and "SCALEKIT_ARCH" in r.err and "Rebuild" in r.err,
            "%s: says what is missing and how to rebuild" % what, r.describe())
    s.check(not os.path.exists(out), "%s: writes no record" % what)
    # Under mpirun too: the guard exits before MPI_Init, and mpirun reports
    # the exit status without any crash or abort marker.
    s.check(not sktest.crash_markers(r.err), "%s: no crash" % what, r.describe())
    return r


def serial(s, args):
    arch, cflags = arch_of(s, args)
    if arch is None:
        return
    s.check(isinstance(arch, str) and arch != "", "provenance.arch is set: %r" % arch)
    generic = arch == "generic"
    s.check(("-march=" in cflags) != generic, "cflags name the -march flag unless generic: %r"
            % cflags)
    quiet = sktest.run_driver(args, "seq", RUN, env_extra={"SCALEKIT_TEST_CPU_LACKS": "nosuch"})
    s.check(quiet.rc == 0 and "lacks" not in quiet.err,
            "guard silent when the missing feature is one the build does not use",
            quiet.describe())
    if platform.machine() not in ("x86_64", "AMD64"):
        s.note("not x86-64: the guard has nothing to check here")
        return
    if generic:
        r = sktest.run_driver(args, "seq", RUN, env_extra={"SCALEKIT_TEST_CPU_LACKS": "all"})
        s.check(r.rc == 0 and "lacks" not in r.err, "generic build: needs nothing, runs",
                r.describe())
        return
    r = expect_refused(s, args, "seq built for %s on a CPU lacking its features" % arch, "seq")
    s.check(arch in r.err, "message names the target %r" % arch, r.describe())
    s.check(r.out == "", "nothing on stdout (refused before main)", r.describe())


def mpi(s, args):
    arch, _ = arch_of(s, args)
    if arch is None or arch == "generic" or platform.machine() != "x86_64":
        s.note("generic or non-x86 build: nothing to refuse")
        return
    expect_refused(s, args, "mpi x2 under mpirun", "mpi", np=2)


def main():
    sktest.run_groups(__doc__, "arch", {"serial": serial, "mpi": mpi})


if __name__ == "__main__":
    main()
