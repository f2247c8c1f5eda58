"""test_structure.py - the layering rules, checked on the sources and binaries.

- kernels/ never includes mpi.h, omp.h or hdf5.h, nor uses an OpenMP pragma;
- io/h5io.c is the only source that includes hdf5.h (or calls H5*);
- drivers/comm.c is the only source that includes mpi.h (or calls MPI_*),
  drivers/par.c the only one with OpenMP pragmas or omp.h;
- scalekit-seq links neither MPI nor OpenMP; scalekit-omp no MPI;
  scalekit-mpi no OpenMP; seq/omp link serial HDF5 (or none, where the build
  found none), mpi/hybrid parallel HDF5 (or none);
- every C source and header passes `clang-format --dry-run --Werror` with the
  repository's .clang-format (checked where clang-format is installed).
Last line: "N passed, N failed".

usage: test_structure.py --source DIR --bindir DIR
"""
import argparse
import pathlib
import re
import shutil
import subprocess
import sys

MPI = re.compile(r'#\s*include\s*[<"]mpi\.h[>"]|\bMPI_[A-Z][a-z_]+\s*\(')
OMP = re.compile(r'#\s*include\s*[<"]omp\.h[>"]|#\s*pragma\s+omp\b|\bomp_[a-z_]+\s*\(')
# Comments, and string literals so that a "//" or "/*" inside one is not taken
# for a comment (strip_comments keeps the literals).
COMMENT = re.compile(r'("(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\')|/\*.*?\*/|//[^\n]*',
                     re.DOTALL)
HDF5 = re.compile(r'#\s*include\s*[<"]hdf5\.h[>"]|\bH5[A-Z][a-z_]*[a-z]\w*\s*\(')


def strip_comments(text):
    """text without its comments: a mention of MPI_Send() in one is no use."""
    return COMMENT.sub(lambda m: m.group(1) or "", text)


def sources(root):
    return sorted(p for d in ("kernels", "drivers", "io")
                  for p in (root / d).glob("*.[ch]"))


def unformatted(root):
    """The C files clang-format would change, or None without clang-format."""
    tool = shutil.which("clang-format")
    if tool is None:
        return None
    files = sorted(p for d in ("kernels", "drivers", "io", "tests")
                   for p in (root / d).glob("*.[ch]"))
    return [f.relative_to(root).as_posix() for f in files
            if subprocess.run([tool, "--dry-run", "--Werror", str(f)], capture_output=True,
                              timeout=60).returncode != 0]


def linked(binary):
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, timeout=60)
    return out.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--source", required=True, type=pathlib.Path)
    p.add_argument("--bindir", required=True, type=pathlib.Path)
    p.add_argument("--expect-hdf5", action="store_true",
                   help="fail unless every driver links HDF5")
    a = p.parse_args()
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        passed += bool(ok)
        failed += not ok
        if not ok:
            print("FAIL:", what)

    for path in sources(a.source):
        text = strip_comments(path.read_text(encoding="utf-8"))
        rel = path.relative_to(a.source).as_posix()
        if rel != "drivers/comm.c":
            check(not MPI.search(text), f"{rel} must not use MPI (only drivers/comm.c may)")
        if rel != "drivers/par.c":
            check(not OMP.search(text), f"{rel} must not use OpenMP (only drivers/par.c may)")
        if rel != "io/h5io.c":
            check(not HDF5.search(text), f"{rel} must not use HDF5 (only io/h5io.c may)")
    bad = unformatted(a.source)
    if bad is None:
        print("note: clang-format not found, formatting not checked")
    else:
        check(not bad, "clang-format would change: " + " ".join(bad)
              + " (run clang-format -i on them)")
    libs = {model: linked(a.bindir / f"scalekit-{model}")
            for model in ("seq", "omp", "mpi", "hybrid")}
    check("libmpi" not in libs["seq"] and "gomp" not in libs["seq"],
          "scalekit-seq links neither MPI nor OpenMP")
    check("libmpi" not in libs["omp"] and "gomp" in libs["omp"], "scalekit-omp: OpenMP, no MPI")
    check("libmpi" in libs["mpi"] and "gomp" not in libs["mpi"], "scalekit-mpi: MPI, no OpenMP")
    check("libmpi" in libs["hybrid"] and "gomp" in libs["hybrid"], "scalekit-hybrid: both")
    for model in ("seq", "omp"):
        check("hdf5_openmpi" not in libs[model], f"scalekit-{model}: no parallel HDF5")
    for model in ("mpi", "hybrid"):
        check("hdf5_serial" not in libs[model], f"scalekit-{model}: no serial HDF5")
    # Where the build found the libraries (as here, with the packages of
    # `./scalekit deps`), each driver links its flavour of HDF5.
    if "hdf5" in libs["seq"] or a.expect_hdf5:
        check("hdf5" in libs["seq"] and "hdf5" in libs["omp"], "scalekit-seq/-omp link HDF5")
    if "hdf5" in libs["mpi"] or a.expect_hdf5:
        check("hdf5" in libs["mpi"] and "hdf5" in libs["hybrid"],
              "scalekit-mpi/-hybrid link HDF5")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
