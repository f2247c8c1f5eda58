#!/usr/bin/env python3
"""bench_io.py - iobench write/read bandwidth next to plain POSIX I/O.

    bench_io.py --bindir DIR [--size 1Gi] [--rounds 5] [--dir DIR] [--mpiexec mpirun]

Every round runs, in a rotating order, the same bytes to the same directory:
  posix        one write(2) stream of SIZE bytes + fsync, then (page cache
               dropped) one read stream back: the ceiling for this directory;
  seq          scalekit-seq --kernel iobench (serial HDF5, one writer);
  omp x2       scalekit-omp, 2 threads: still one HDF5 writer (HDF5 is not
               thread-safe here; the threads only check the data);
  mpi x1       scalekit-mpi, 1 rank, collective MPI-IO;
  mpi x2       scalekit-mpi, 2 ranks, collective MPI-IO, one shared file;
  mpi x2 ind   the same, independent transfers.
Bandwidth is bytes / (first open .. last close), fsync included, as IOR's.
Reported: the median over rounds and the spread (min..max) of each variant,
and the median over rounds of each variant's ratio to that round's POSIX
figure (ratios taken within a round cancel much of the machine's drift).
Standard library only. A benchmark, not a test: it asserts nothing.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHUNK = 64 << 20


def parse_size(text):
    units = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "Ki": 1 << 10, "Mi": 1 << 20,
             "Gi": 1 << 30}
    num = text.rstrip("kMGi")
    return int(num) * units[text[len(num):]]


def posix_round(path, size, buf):
    """(write MiB/s, read MiB/s) of one plain write+fsync and read-back."""
    view = memoryview(buf)
    t0 = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    left = size
    while left > 0:
        n = os.write(fd, view[:min(left, len(buf))])
        left -= n
    os.fsync(fd)
    os.close(fd)
    write = size / (time.perf_counter() - t0) / 1048576
    fd = os.open(path, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)  # as iobench does
    os.close(fd)
    back = bytearray(len(buf))
    t0 = time.perf_counter()
    fd = os.open(path, os.O_RDONLY)
    while os.readv(fd, [back]) > 0:
        pass
    os.close(fd)
    read = size / (time.perf_counter() - t0) / 1048576
    os.unlink(path)
    return write, read


def iobench_round(cmd, env, out):
    """(write MiB/s, read MiB/s) from the record of one iobench run."""
    if os.path.exists(out):
        os.unlink(out)
    r = subprocess.run(cmd + ["--output", out], env=env, capture_output=True, text=True,
                       timeout=1800)
    if r.returncode != 0:
        sys.exit("bench_io: %s failed (exit %d):\n%s" % (" ".join(cmd), r.returncode,
                                                         r.stderr[-2000:]))
    with open(out, encoding="utf-8") as f:
        io = json.loads(f.readline())["io"]
    return io["write_mib_s"], io["read_mib_s"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    p.add_argument("--bindir", required=True, help="directory with the scalekit-* drivers")
    p.add_argument("--size", default="1Gi", help="bytes per run (default 1Gi)")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    p.add_argument("--dir", default=".", help="directory written to (default .)")
    p.add_argument("--mpiexec", default="mpirun")
    a = p.parse_args()
    size = parse_size(a.size)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    common = ["--kernel", "iobench", "--size", str(size), "--reps", "1", "--warmup", "0",
              "--io-dir", a.dir]
    exe = lambda m: os.path.join(a.bindir, "scalekit-" + m)  # noqa: E731
    mpi = [a.mpiexec, "--oversubscribe", "--bind-to", "none"]
    variants = {
        "posix": None,
        "seq": [exe("seq")] + common,
        "omp x2": ["env", "OMP_NUM_THREADS=2", exe("omp")] + common,
        "mpi x1": mpi + ["-np", "1", exe("mpi")] + common,
        "mpi x2": mpi + ["-np", "2", exe("mpi")] + common,
        "mpi x2 ind": mpi + ["-np", "2", exe("mpi")] + common + ["--io-mode", "independent"],
    }
    names = list(variants)
    results = {n: [] for n in names}
    buf = bytearray(os.urandom(1 << 20) * (min(size, CHUNK) >> 20 or 1))
    out = tempfile.mktemp(prefix="bench-io-", suffix=".jsonl")
    print("bench_io: %s per run to %s, %d rounds, order rotating" % (a.size, a.dir, a.rounds))
    for r in range(a.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        posix = None
        figures = {}
        for n in order:
            if variants[n] is None:
                figures[n] = posix_round(os.path.join(a.dir, "bench-io-posix.bin"), size, buf)
            else:
                figures[n] = iobench_round(variants[n], env, out)
        posix = figures["posix"]
        for n in names:
            w, rd = figures[n]
            results[n].append((w, rd, w / posix[0], rd / posix[1]))
        print("round %d: %s" % (r + 1, ", ".join("%s %.0f/%.0f" % (n, *figures[n])
                                                  for n in names)), flush=True)
    if os.path.exists(out):
        os.unlink(out)
    print()
    print("%-11s %9s %-17s %9s %-17s %9s %9s" % ("variant", "write", "(min..max) MiB/s",
                                                "read", "(min..max) MiB/s", "w/posix",
                                                "r/posix"))
    for n in names:
        ws, rs, wr, rr = zip(*results[n])
        print("%-11s %9.0f %-17s %9.0f %-17s %9.2f %9.2f" % (
            n, statistics.median(ws), "(%.0f..%.0f)" % (min(ws), max(ws)),
            statistics.median(rs), "(%.0f..%.0f)" % (min(rs), max(rs)),
            statistics.median(wr), statistics.median(rr)))
    ratio = statistics.median(x[2] for x in results["mpi x2"])
    print("\ncollective HDF5 write at 2 ranks / POSIX write+fsync: %.2f (target >= 0.80: %s)"
          % (ratio, "met" if ratio >= 0.8 else "NOT met"))
    print("read figures: page cache dropped before every read (posix_fadvise DONTNEED); on a "
          "VM the host may still cache the disk")


if __name__ == "__main__":
    main()
