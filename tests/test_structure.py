"""test_structure.py - the layering rules, checked on the sources and binaries.

- kernels/ never includes mpi.h, omp.h or hdf5.h, nor uses an OpenMP pragma;
- drivers/comm.c is the only source that includes mpi.h (or calls MPI_*),
  drivers/par.c the only one with OpenMP pragmas or omp.h;
- scalekit-seq links neither MPI nor OpenMP; scalekit-omp no MPI;
  scalekit-mpi no OpenMP.
Last line: "N passed, N failed".

usage: test_structure.py --source DIR --bindir DIR
"""
import argparse
import pathlib
import re
import subprocess
import sys

MPI = re.compile(r'#\s*include\s*[<"]mpi\.h[>"]|\bMPI_[A-Z][a-z_]+\s*\(')
OMP = re.compile(r'#\s*include\s*[<"]omp\.h[>"]|#\s*pragma\s+omp\b|\bomp_[a-z_]+\s*\(')
HDF5 = re.compile(r'#\s*include\s*[<"]hdf5\.h[>"]')


def sources(root):
    return sorted(p for d in ("kernels", "drivers", "io")
                  for p in (root / d).glob("*.[ch]"))


def linked(binary):
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, timeout=60)
    return out.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--source", required=True, type=pathlib.Path)
    p.add_argument("--bindir", required=True, type=pathlib.Path)
    a = p.parse_args()
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        passed += bool(ok)
        failed += not ok
        if not ok:
            print("FAIL:", what)

    for path in sources(a.source):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(a.source).as_posix()
        if rel != "drivers/comm.c":
            check(not MPI.search(text), f"{rel} must not use MPI (only drivers/comm.c may)")
        if rel != "drivers/par.c":
            check(not OMP.search(text), f"{rel} must not use OpenMP (only drivers/par.c may)")
        if rel.startswith("kernels/"):
            check(not HDF5.search(text), f"{rel} must not include hdf5.h")
    libs = {model: linked(a.bindir / f"scalekit-{model}")
            for model in ("seq", "omp", "mpi", "hybrid")}
    check("libmpi" not in libs["seq"] and "gomp" not in libs["seq"],
          "scalekit-seq links neither MPI nor OpenMP")
    check("libmpi" not in libs["omp"] and "gomp" in libs["omp"], "scalekit-omp: OpenMP, no MPI")
    check("libmpi" in libs["mpi"] and "gomp" not in libs["mpi"], "scalekit-mpi: MPI, no OpenMP")
    check("libmpi" in libs["hybrid"] and "gomp" in libs["hybrid"], "scalekit-hybrid: both")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
