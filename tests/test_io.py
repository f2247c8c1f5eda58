#!/usr/bin/env python3
"""test_io.py - HDF5 I/O: images, checkpoint/restart, iobench, async, errors.

    test_io.py --bindir DIR --mpiexec PATH --group serial|mpi|no-serial-hdf5
               [--h5diff PATH --h5dump PATH --source DIR --cmake PATH]

serial (scalekit-seq and -omp; the sanitizer build runs it too):
  (a) bad I/O options are usage errors (exit 2, one message, nothing written);
  (b) the mandelbrot image: seq and omp write identical datasets (h5diff),
      the attributes h5dump -H shows, the io object of the record;
  (c) checkpoints: --checkpoint-keep, restart from another driver equals the
      uninterrupted run bit for bit (h5diff of the final field);
  (d) kill -9 during a checkpoint (before flush, before the rename, after it)
      leaves a usable restart point; *.tmp files are ignored;
  (e) truncated, corrupted, incomplete and mismatched checkpoints: a clear
      error naming the file and the problem; a directory falls back to the
      newest valid checkpoint and says so;
  (f) iobench verifies under seq and omp; its record's io object;
  (g) --async-checkpoint (omp, 2 threads) writes the same files as
      synchronous checkpoints.
mpi (scalekit-mpi and -hybrid):
  (h) a checkpoint written by 3 ranks, restarted on 2, 1 and by seq;
  (i) images from all four drivers are identical (h5diff);
  (j) collective and independent transfers, contiguous and chunked, with a
      rank that owns no data; the record says whether HDF5 went collective;
  (k) an HDF5 error on one rank ends all ranks (no hang);
  (l) a corrupted checkpoint ends every rank with the message; kill -9 of an
      MPI job during a checkpoint leaves a usable restart point;
  (m) --async-checkpoint under hybrid 2x2 equals synchronous checkpoints.
no-serial-hdf5 (a second build, configured as on a cluster with only a
parallel HDF5):
  (n) the build says so; scalekit-seq runs compute kernels, links no HDF5
      and refuses I/O with exit 2 and what to install.
Last line: "N passed, N failed".
"""
import os
import re
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sktest  # noqa: E402

STENCIL = ["--kernel", "stencil", "--size", "61x47", "--iters", "20", "--reps", "1",
           "--warmup", "0"]
MANDEL = ["--kernel", "mandelbrot", "--size", "101x77", "--reps", "1", "--warmup", "0"]
IOBENCH = ["--kernel", "iobench", "--size", "1Mi", "--reps", "2", "--warmup", "0"]
IO_FIELDS = {"bytes": "int", "mode": "str", "layout": "str", "collective": "bool",
             "write_mib_s": "num|null", "read_mib_s": "num|null", "share": "num",
             "phases": "dict", "bytes_read": "int", "write_s": "num", "read_s": "num"}
PHASES = ("open", "write", "flush", "close", "read", "checksum", "commit", "snapshot")
STALLED = re.compile(re.escape("test hook: stalled"))


def ckpt(d, it):
    return os.path.join(d, "ckpt-%010d.h5" % it)


def io_problems(rec):
    """Schema problems of a record's io object."""
    io = rec.get("io")
    if not isinstance(io, dict):
        return ["record has no io object"]
    probs = []
    for key, kind in IO_FIELDS.items():
        v = io.get(key, "<missing>")
        ok = {"int": sktest.is_int(v), "str": isinstance(v, str),
              "bool": isinstance(v, bool), "dict": isinstance(v, dict),
              "num": sktest.is_num(v),
              "num|null": v is None or sktest.is_num(v)}[kind]
        if not ok:
            probs.append("io.%s should be %s, is %r" % (key, kind, v))
    if isinstance(io.get("phases"), dict):
        for p in PHASES:
            if not sktest.is_num(io["phases"].get(p)):
                probs.append("io.phases.%s missing or not a number" % p)
    if io.get("mode") not in ("collective", "independent"):
        probs.append("io.mode is %r" % io.get("mode"))
    if io.get("layout") not in ("contiguous", "chunked"):
        probs.append("io.layout is %r" % io.get("layout"))
    share = io.get("share")
    if sktest.is_num(share) and not 0 <= share <= 1:
        probs.append("io.share %r outside [0, 1]" % share)
    return probs


class IO:
    """Runs, h5diff and checks shared by the groups."""

    def __init__(self, s, args):
        self.s, self.args = s, args

    def run(self, model, argv, np=None, threads=None, env=None):
        return sktest.run_driver(self.args, model, argv, np=np, threads=threads,
                                 env_extra=env)

    def ok(self, label, model, argv, np=None, threads=None, out=None):
        """Run expecting exit 0 (and one record in out when given)."""
        if out:
            argv = argv + ["--output", out]
        r = self.run(model, argv, np=np, threads=threads)
        good = self.s.check(r.rc == 0 and not r.timed_out and not sktest.crash_markers(r.err),
                            "%s exits 0" % label, r.describe())
        if not (good and out):
            return r, None
        rec, err = sktest.one_record(out)
        self.s.check(rec is not None, "%s writes one record" % label, err)
        return r, rec

    def same(self, label, a, b, dataset):
        """h5diff says dataset is identical in a and b (exact comparison)."""
        r = sktest.run([self.args.h5diff, a, b, dataset, dataset], timeout=60)
        return self.s.check(r.rc == 0, "%s: h5diff %s equal" % (label, dataset), r.describe())

    def fails(self, label, model, argv, needles, np=None, threads=None, rc=None):
        """A run that must fail (exit rc, or any non-zero) with one message that
        contains every needle, without crash noise or a hang."""
        r = self.run(model, argv, np=np, threads=threads)
        s = self.s
        if not s.check(not r.timed_out, "%s: ends (no hang)" % label, r.describe()):
            return r
        s.check(r.rc != 0 and (rc is None or r.rc == rc),
                "%s: exit %s" % (label, rc if rc is not None else "non-zero"), r.describe())
        low = r.err.lower()
        missing = [n for n in needles if n.lower() not in low]
        s.check(not missing, "%s: message names %s" % (label, ", ".join(needles)),
                "missing %s\n%s" % (missing, r.describe()))
        s.check(not [m for m in sktest.crash_markers(r.err) if m not in ("MPI_ABORT", "MPI_Abort")],
                "%s: no crash noise" % label, r.describe())
        return r


def dataset_offset(h5dump, path, dataset):
    """(offset, size) of a contiguous dataset, from h5dump -p -H."""
    out = subprocess.run([h5dump, "-p", "-H", "-d", dataset, path], capture_output=True,
                         text=True, timeout=60).stdout
    off = re.search(r"OFFSET (\d+)", out)
    size = re.search(r"SIZE (\d+)", out)
    return (int(off.group(1)), int(size.group(1))) if off and size else (None, None)


def object_address(h5dump, path, name):
    """The file address of object name's header, from h5ls -v (h5dump's sibling)."""
    h5ls = os.path.join(os.path.dirname(shutil.which(h5dump) or h5dump), "h5ls")
    out = subprocess.run([h5ls, "-v", path + "/" + name], capture_output=True, text=True,
                         timeout=60).stdout
    m = re.search(r"Location:\s+\d+:(\d+)", out)
    return int(m.group(1)) if m else None


def kill_during(s, args, label, model, argv, marker, np=None, threads=None):
    """Start a run whose test hook stalls it; once the hook's line appears on
    stderr, kill -9 the whole process group. True if that happened."""
    cmd = sktest.driver_command(args, model, argv, np=np)
    env = sktest.child_env(threads=threads, extra={"SCALEKIT_TEST_IO_STALL": marker})
    seen, r = sktest.run_until(cmd, env, STALLED, timeout=args.timeout, sig=signal.SIGKILL)
    return s.check(seen is not None,
                   "%s: stalled at '%s' and killed with SIGKILL" % (label, marker),
                   r.describe())


# ---- serial group ---------------------------------------------------------------------------

def bad_options(s, args, driver):
    d = s.path("a")
    os.makedirs(d)
    afile = os.path.join(d, "x.h5")
    cases = [
        ("--image with primes", ["--kernel", "primes", "--size", "1000", "--image", afile],
         ("--image", "mandelbrot")),
        ("--checkpoint-every with mandelbrot", MANDEL + ["--checkpoint-every", "1",
                                                        "--checkpoint-dir", d],
         ("stencil",)),
        ("--restart with triad", ["--kernel", "triad", "--size", "1000", "--restart", d],
         ("--restart",)),
        ("--checkpoint-every without --checkpoint-dir", STENCIL + ["--checkpoint-every", "5"],
         ("--checkpoint-dir",)),
        ("--checkpoint-dir without --checkpoint-every", STENCIL + ["--checkpoint-dir", d],
         ("--checkpoint-every",)),
        ("--checkpoint-every 0", STENCIL + ["--checkpoint-every", "0", "--checkpoint-dir", d],
         ("--checkpoint-every",)),
        ("--checkpoint-every beyond --iters", STENCIL + ["--checkpoint-every", "50",
                                                         "--checkpoint-dir", d],
         ("--iters",)),
        ("--checkpoint-keep 0", STENCIL + ["--checkpoint-every", "5", "--checkpoint-dir", d,
                                           "--checkpoint-keep", "0"], ("--checkpoint-keep",)),
        ("--io-mode sideways", MANDEL + ["--image", afile, "--io-mode", "sideways"],
         ("--io-mode",)),
        ("--io-layout striped", MANDEL + ["--image", afile, "--io-layout", "striped"],
         ("--io-layout",)),
        ("--io-mode without any I/O", MANDEL + ["--io-mode", "independent"], ("--io-mode",)),
        ("--size-per-rank with stencil", STENCIL[:2] + ["--size-per-rank", "100"],
         ("--size-per-rank", "iobench")),
        ("--size and --size-per-rank", ["--kernel", "iobench", "--size", "1Mi",
                                        "--size-per-rank", "1Mi"], ("--size-per-rank",)),
        ("iobench --size 1000 (not whole rows)", ["--kernel", "iobench", "--size", "1000"],
         ("multiple of 32Ki",)),
        ("--restart of a missing path", STENCIL + ["--restart", os.path.join(d, "nope")],
         ("--restart", "nope")),
        ("--image into a missing directory", MANDEL + ["--image", "/nonexistent/dir/x.h5"],
         ("--image",)),
        ("--image naming a directory", MANDEL + ["--image", d], ("--image", "directory")),
        ("--io-dir missing", IOBENCH + ["--io-dir", "/nonexistent/dir"], ("--io-dir",)),
    ]
    if driver == "seq":
        cases.append(("--async-checkpoint under seq",
                      STENCIL + ["--checkpoint-every", "5", "--checkpoint-dir", d,
                                 "--async-checkpoint"], ("--async-checkpoint", "omp")))
    for n, (label, argv, hints) in enumerate(cases):
        out = s.path("a-%d.jsonl" % n)
        r = sktest.run_driver(args, driver, ["--output", out] + argv, threads=2)
        sktest.check_usage_error(s, r, "(a) %s: %s" % (driver, label), driver, hints=hints,
                                 out=out)
    s.check(not os.path.exists(afile) and not os.listdir(d),
            "(a) %s: no HDF5 file written by refused runs" % driver, repr(os.listdir(d)))


def image_serial(s, args, t):
    seq, omp = s.path("b-seq.h5"), s.path("b-omp.h5")
    _, rec = t.ok("(b) seq --image", "seq", MANDEL + ["--image", seq], out=s.path("b1.jsonl"))
    t.ok("(b) omp T=2 --image", "omp", MANDEL + ["--image", omp], threads=2)
    t.same("(b) seq vs omp image", seq, omp, "/image")
    r = sktest.run([args.h5dump, "-H", seq], timeout=60)
    want = ['DATASET "image"', "H5T_STD_U32LE", "( 77, 101 )"] + [
        'ATTRIBUTE "%s"' % a for a in ("kernel", "size", "iteration", "decomposition",
                                       "scalekit_version", "git_commit", "complete",
                                       "checksums")]
    missing = [w for w in want if w not in r.out]
    s.check(r.rc == 0 and not missing, "(b) h5dump -H shows the dataset and attributes",
            "missing %s\n%s" % (missing, r.describe()))
    s.check(not os.path.exists(seq + ".tmp"), "(b) no *.tmp left behind")
    if rec is not None:
        probs = io_problems(rec)
        s.check(not probs, "(b) record has a valid io object", "\n".join(probs))
        io = rec.get("io", {})
        s.check(io.get("bytes") == 101 * 77 * 4 and io.get("collective") is False,
                "(b) io.bytes = 101*77*4, collective false (serial HDF5)", repr(io))


def checkpoints_serial(s, args, t):
    full = s.path("c-full")
    t.ok("(c) seq uninterrupted, keep 2", "seq",
         STENCIL + ["--checkpoint-every", "5", "--checkpoint-dir", full])
    left = sorted(os.listdir(full)) if os.path.isdir(full) else []
    s.check(left == ["ckpt-0000000015.h5", "ckpt-0000000020.h5"],
            "(c) --checkpoint-keep 2 keeps the newest two", repr(left))
    keep = s.path("c-keep")
    t.ok("(c) seq uninterrupted, keep 4", "seq",
         STENCIL + ["--checkpoint-every", "5", "--checkpoint-dir", keep,
                    "--checkpoint-keep", "4"])
    part = s.path("c-part")
    os.makedirs(part)
    if os.path.exists(ckpt(keep, 10)):
        shutil.copy(ckpt(keep, 10), part)
    re_dir = s.path("c-re")
    r, _ = t.ok("(c) omp T=2 restart from iteration 10", "omp",
                STENCIL + ["--restart", part, "--checkpoint-every", "5", "--checkpoint-dir",
                           re_dir], threads=2)
    s.check("iteration 10" in r.err, "(c) restart says where it starts", r.describe())
    t.same("(c) restarted (omp) vs uninterrupted (seq) final field", ckpt(full, 20),
           ckpt(re_dir, 20), "/u")
    r = sktest.run([args.h5diff, ckpt(full, 15), ckpt(full, 20), "/u", "/u"], timeout=60)
    s.check(r.rc == 1, "(c) negative control: h5diff tells checkpoints 15 and 20 apart",
            r.describe())
    return keep


def kill_serial(s, args, t, keep):
    full = ckpt(keep, 20)
    for marker, newest in (("flush:10", 5), ("commit:10", 5), ("done:10", 10)):
        d = s.path("d-%s" % marker.split(":")[0])
        argv = STENCIL + ["--checkpoint-every", "5", "--checkpoint-dir", d]
        if not kill_during(s, args, "(d) seq", "seq", argv, marker):
            continue
        names = sorted(os.listdir(d))
        tmp = [n for n in names if n.endswith(".tmp")]
        s.check((newest == 5) == bool(tmp), "(d) killed at %s: %s" % (
            marker, "a *.tmp is left" if newest == 5 else "no *.tmp left"), repr(names))
        re_dir = s.path("d-re-%s" % marker.split(":")[0])
        r, _ = t.ok("(d) restart after kill at %s" % marker, "seq",
                    STENCIL + ["--restart", d, "--checkpoint-every", "5", "--checkpoint-dir",
                               re_dir])
        s.check("iteration %d" % newest in r.err,
                "(d) after kill at %s: restarts at iteration %d" % (marker, newest),
                r.describe())
        t.same("(d) after kill at %s: final field" % marker, full, ckpt(re_dir, 20), "/u")


def damaged_serial(s, args, t, keep):
    src = ckpt(keep, 15)
    if not os.path.exists(src):
        s.check(False, "(e) needs the checkpoints of (c)")
        return
    off, size = dataset_offset(args.h5dump, src, "/u")
    s.check(off is not None, "(e) h5dump -p shows the dataset's offset")
    d = s.path("e")
    os.makedirs(d)

    def variant(name, edit):
        path = os.path.join(d, name)
        shutil.copy(src, path)
        edit(path)
        return path

    def truncate(path):
        os.truncate(path, off + size // 2)

    def corrupt(path):
        with open(path, "r+b") as f:
            f.seek(off + size // 2)
            b = f.read(1)
            f.seek(off + size // 2)
            f.write(bytes([b[0] ^ 0x40]))

    def poke(path, at, byte):
        with open(path, "r+b") as f:
            f.seek(at)
            f.write(bytes([byte]))

    def garbage(path):
        with open(path, "wb") as f:
            f.write(b"this is not HDF5\n" * 10)

    cases = [("truncated", truncate, ("truncated",)),
             ("corrupted", corrupt, ("corrupted", "checksum")),
             ("not HDF5", garbage, ("not an hdf5 file",))]
    for name, edit, needles in cases:
        path = variant(name.replace(" ", "-") + ".h5", edit)
        t.fails("(e) seq --restart %s file" % name, "seq", STENCIL + ["--restart", path],
                (path,) + needles, rc=1)
    # The dataset's link is there but its object header is not readable (a
    # version HDF5 does not know): the message ends with the dataset's name.
    addr = object_address(args.h5dump, src, "u")
    if s.check(addr is not None, "(e) h5ls -v shows the dataset's address"):
        with open(src, "rb") as f:
            f.seek(addr)
            version = f.read(1)
        if s.check(version == b"\x01", "(e) /u has a version 1 object header", repr(version)):
            path = variant("unopenable.h5", lambda p: poke(p, addr, 7))
            r = t.fails("(e) seq --restart a file whose dataset cannot be opened", "seq",
                        STENCIL + ["--restart", path], (path, "cannot open dataset 'u'"), rc=1)
            s.check(re.search(r"cannot open dataset 'u'$", r.err, re.M),
                    "(e) the message ends with the dataset's name", r.describe())
    image = s.path("e-image.h5")
    t.ok("(e) an image to restart from", "seq", MANDEL + ["--image", image])
    t.fails("(e) --restart from another kernel's file", "seq", STENCIL + ["--restart", image],
            (image, "mandelbrot"), rc=1)
    t.fails("(e) --restart at another size", "seq",
            ["--kernel", "stencil", "--size", "40x40", "--iters", "20", "--restart", src],
            (src, "size 61x47", "40x40"), rc=1)
    t.fails("(e) --restart beyond --iters", "seq",
            STENCIL[:4] + ["--iters", "10", "--restart", src], (src, "--iters"), rc=1)
    # Incomplete: flushed but stopped before the `complete` attribute, renamed
    # by hand. (Killed earlier, HDF5's metadata is usually unreadable: the
    # error then says "HDF5 cannot open it".)
    inc = s.path("e-inc")
    if kill_during(s, args, "(e) seq", "seq",
                   STENCIL + ["--checkpoint-every", "5", "--checkpoint-dir", inc],
                   "complete:5"):
        tmp = ckpt(inc, 5) + ".tmp"
        if s.check(os.path.exists(tmp), "(e) the killed write left %s" % tmp):
            os.rename(tmp, ckpt(inc, 5))
            t.fails("(e) --restart an incomplete file", "seq",
                    STENCIL + ["--restart", ckpt(inc, 5)], (ckpt(inc, 5), "incomplete"), rc=1)
            t.fails("(e) --restart a directory with only bad checkpoints", "seq",
                    STENCIL + ["--restart", inc], ("incomplete", "no valid checkpoint"), rc=1)
    # A directory whose newest checkpoint is damaged falls back, and says so.
    fb = s.path("e-fallback")
    os.makedirs(fb)
    shutil.copy(ckpt(keep, 10), fb)
    shutil.copy(ckpt(keep, 15), fb)
    corrupt(ckpt(fb, 15))
    with open(ckpt(fb, 20) + ".tmp", "wb") as f:
        f.write(b"half a file")
    r, _ = t.ok("(e) --restart a directory whose newest checkpoint is corrupted", "seq",
                STENCIL + ["--restart", fb])
    s.check(ckpt(fb, 15) in r.err and "corrupted" in r.err and
            "newest valid checkpoint" in r.err and "iteration 10" in r.err and
            ".tmp" not in r.err,
            "(e) falls back to iteration 10, names the bad file, ignores *.tmp", r.describe())
    # Thousands of older checkpoint names (iterations 1..9, zero-padded to
    # every length) around the one valid newest: whatever the readdir order,
    # the restart starts from the newest, not from the first names read.
    many = s.path("e-many")
    os.makedirs(many)
    shutil.copy(ckpt(keep, 10), many)
    for pad in range(240):
        for it in range(1, 10):
            with open(os.path.join(many, "ckpt-%s%d.h5" % ("0" * pad, it)), "w") as f:
                f.write("not a checkpoint\n")
    r, _ = t.ok("(e) --restart a directory of 2161 checkpoints", "seq",
                STENCIL + ["--restart", many])
    s.check("restarting from %s (iteration 10)" % ckpt(many, 10) in r.err,
            "(e) restarts from the newest of 2161 checkpoints", r.describe())


def iobench_serial(s, args, t):
    for model, threads in (("seq", None), ("omp", 2)):
        out = s.path("f-%s.jsonl" % model)
        d = s.path("f-%s" % model)
        os.makedirs(d)
        _, rec = t.ok("(f) %s iobench 1Mi" % model, model, IOBENCH + ["--io-dir", d],
                      threads=threads, out=out)
        s.check(os.listdir(d) == [], "(f) %s iobench removes its scratch file" % model,
                repr(os.listdir(d)))
        if rec is None:
            continue
        probs = io_problems(rec)
        s.check(not probs, "(f) %s iobench record has a valid io object" % model,
                "\n".join(probs))
        io = rec.get("io", {})
        s.check(rec.get("verified") is True and io.get("bytes") == 1 << 20 and
                io.get("bytes_read") == 1 << 20 and sktest.is_num(io.get("write_mib_s")) and
                sktest.is_num(io.get("read_mib_s")),
                "(f) %s iobench: verified, 1 MiB written and read per rep, both bandwidths"
                % model, repr(io))
        s.check(io.get("read_cache") in ("dropped", "kept"),
                "(f) %s iobench says what it did to the page cache" % model, repr(io))


def async_serial(s, args, t, keep):
    d = s.path("g-async")
    _, rec = t.ok("(g) omp T=2 --async-checkpoint", "omp",
                  STENCIL + ["--checkpoint-every", "5", "--checkpoint-dir", d,
                             "--checkpoint-keep", "4", "--async-checkpoint"], threads=2,
                  out=s.path("g.jsonl"))
    for it in (5, 10, 15, 20):
        t.same("(g) async vs sync checkpoint %d" % it, ckpt(keep, it), ckpt(d, it), "/u")
    if rec is not None:
        a = rec.get("io", {}).get("async")
        s.check(isinstance(a, dict) and sktest.is_num(a.get("hidden_s")) and
                sktest.is_num(a.get("io_s")) and 0 <= a["hidden_s"] <= a["io_s"] + 1e-9,
                "(g) record io.async has io_s >= hidden_s >= 0", repr(a))


def serial_group(s, args, t):
    for driver in ("seq", "omp"):
        bad_options(s, args, driver)
    image_serial(s, args, t)
    keep = checkpoints_serial(s, args, t)
    kill_serial(s, args, t, keep)
    damaged_serial(s, args, t, keep)
    iobench_serial(s, args, t)
    async_serial(s, args, t, keep)


# ---- mpi group ------------------------------------------------------------------------------

def roundtrip_mpi(s, args, t):
    full = s.path("h-full")
    t.ok("(h) seq uninterrupted", "seq",
         STENCIL + ["--checkpoint-every", "5", "--checkpoint-dir", full])
    three = s.path("h-3")
    t.ok("(h) mpi np=3 writes checkpoints", "mpi",
         STENCIL + ["--checkpoint-every", "5", "--checkpoint-dir", three, "--checkpoint-keep",
                    "4"], np=3)
    t.same("(h) np=3 vs seq checkpoint 20", ckpt(full, 20), ckpt(three, 20), "/u")
    for model, np in (("mpi", 2), ("mpi", 1), ("seq", None)):
        d = s.path("h-re-%s%s" % (model, np or ""))
        label = "(h) %s%s restarts from the np=3 checkpoint 10" % (
            model, " np=%d" % np if np else "")
        t.ok(label, model, STENCIL + ["--restart", ckpt(three, 10), "--checkpoint-every", "5",
                                      "--checkpoint-dir", d], np=np)
        t.same(label + ": final field", ckpt(full, 20), ckpt(d, 20), "/u")


def images_mpi(s, args, t):
    seq = s.path("i-seq.h5")
    t.ok("(i) seq image", "seq", MANDEL + ["--image", seq])
    for model, np, threads in (("omp", None, 2), ("mpi", 3, None), ("hybrid", 2, 2)):
        path = s.path("i-%s.h5" % model)
        t.ok("(i) %s image" % model, model, MANDEL + ["--image", path], np=np, threads=threads)
        t.same("(i) %s vs seq image" % model, seq, path, "/image")
    # The block deal and a chunk of 3 rows cut the image differently: same file.
    for decomp in ("block", "cyclic,3"):
        path = s.path("i-%s.h5" % decomp)
        t.ok("(i) mpi np=3 --decomp %s image" % decomp, "mpi",
             MANDEL + ["--image", path, "--decomp", decomp], np=3)
        t.same("(i) --decomp %s vs seq image" % decomp, seq, path, "/image")


def modes_mpi(s, args, t):
    # 2 rows on 3 ranks: rank 2 owns nothing and still joins every collective.
    small = ["--kernel", "mandelbrot", "--size", "61x2", "--reps", "1", "--warmup", "0"]
    seq = s.path("j-seq.h5")
    t.ok("(j) seq 61x2 image", "seq", small + ["--image", seq])
    for mode in ("collective", "independent"):
        for layout in ("contiguous", "chunked"):
            path = s.path("j-%s-%s.h5" % (mode, layout))
            label = "(j) mpi np=3 (one rank without rows) %s %s" % (mode, layout)
            _, rec = t.ok(label, "mpi", small + ["--image", path, "--io-mode", mode,
                                                 "--io-layout", layout], np=3,
                          out=s.path("j-%s-%s.jsonl" % (mode, layout)))
            t.same(label, seq, path, "/image")
            if rec is None:
                continue
            io = rec.get("io", {})
            probs = io_problems(rec)
            s.check(not probs, "%s: valid io object" % label, "\n".join(probs))
            s.check(rec.get("imbalance", {}).get("rank_items_min") == 0,
                    "%s: a rank had no rows" % label, repr(rec.get("imbalance")))
            if mode == "collective":
                s.check(io.get("collective") is True and io.get("no_collective_cause") is None,
                        "%s: HDF5 really did collective I/O" % label, repr(io))
            else:
                s.check(io.get("collective") is False and
                        "independent" in str(io.get("no_collective_cause")),
                        "%s: record says independent, and why" % label, repr(io))
        iob = ["--kernel", "iobench", "--size", "64Ki", "--reps", "1", "--warmup", "0",
               "--io-mode", mode, "--io-dir", s.tmp]
        _, rec = t.ok("(j) mpi np=3 iobench of 2 rows, %s" % mode, "mpi", iob, np=3,
                      out=s.path("j-iob-%s.jsonl" % mode))
        if rec is not None:
            s.check(rec.get("verified") is True and
                    rec.get("io", {}).get("collective") is (mode == "collective"),
                    "(j) iobench %s with an idle rank: verified, collective %s" % (
                        mode, mode == "collective"), repr(rec.get("io")))


def errors_mpi(s, args, t):
    d = s.path("k")
    r = sktest.run_driver(args, "mpi", STENCIL + ["--checkpoint-every", "5",
                                                  "--checkpoint-dir", d], np=3,
                          env_extra={"SCALEKIT_TEST_IO_FAIL": "1"})
    s.check(not r.timed_out and r.rc not in (0, None),
            "(k) HDF5 error on rank 1 of 3: every rank ends, non-zero", r.describe())
    s.check("rank 1" in r.err and "H5Dcreate" in r.err,
            "(k) the message names rank 1 and the failed HDF5 call", r.describe())
    full = s.path("l-full")
    t.ok("(l) mpi np=2 checkpoints", "mpi", STENCIL + ["--checkpoint-every", "5",
                                                       "--checkpoint-dir", full], np=2)
    bad = s.path("l-bad.h5")
    off, size = (None, None)
    if os.path.exists(ckpt(full, 20)):
        shutil.copy(ckpt(full, 20), bad)
        off, size = dataset_offset(args.h5dump, bad, "/u")
    if s.check(off is not None, "(l) a checkpoint to corrupt"):
        with open(bad, "r+b") as f:
            f.seek(off + 8)
            f.write(b"\x00\x00\x00\x00\x00\x00\xf0\x7f")
        r = t.fails("(l) mpi np=2 --restart a corrupted file", "mpi",
                    STENCIL + ["--restart", bad], (bad, "corrupted"), np=2)
        s.check(r.err.count("corrupted") == 1, "(l) the message is printed once (rank 0)",
                r.describe())
    d = s.path("l-kill")
    argv = STENCIL + ["--checkpoint-every", "5", "--checkpoint-dir", d]
    if kill_during(s, args, "(l) mpi np=2", "mpi", argv, "flush:10", np=2):
        re_dir = s.path("l-kill-re")
        r, _ = t.ok("(l) mpi np=2 restart after kill -9 at flush:10", "mpi",
                    STENCIL + ["--restart", d, "--checkpoint-every", "5", "--checkpoint-dir",
                               re_dir], np=2)
        s.check("iteration 5" in r.err, "(l) restarts from iteration 5", r.describe())
        t.same("(l) after kill: final field", ckpt(full, 20), ckpt(re_dir, 20), "/u")


def async_mpi(s, args, t):
    sync, asyn = s.path("m-sync"), s.path("m-async")
    base = STENCIL + ["--checkpoint-every", "5", "--checkpoint-keep", "4"]
    t.ok("(m) hybrid 2x2 synchronous", "hybrid", base + ["--checkpoint-dir", sync], np=2,
         threads=2)
    t.ok("(m) hybrid 2x2 --async-checkpoint", "hybrid",
         base + ["--checkpoint-dir", asyn, "--async-checkpoint"], np=2, threads=2)
    for it in (5, 10, 15, 20):
        t.same("(m) hybrid async vs sync checkpoint %d" % it, ckpt(sync, it), ckpt(asyn, it),
               "/u")
    r = sktest.run_driver(args, "mpi", base + ["--checkpoint-dir", sync, "--async-checkpoint"],
                          np=2, threads=2)
    sktest.check_usage_error(s, r, "(m) mpi: --async-checkpoint under mpi", "mpi",
                             hints=("--async-checkpoint",))


def mpi_group(s, args, t):
    roundtrip_mpi(s, args, t)
    images_mpi(s, args, t)
    modes_mpi(s, args, t)
    errors_mpi(s, args, t)
    async_mpi(s, args, t)


# ---- a build that found no serial HDF5 ------------------------------------------------------

def no_serial_hdf5(s, args):
    """Configure and build scalekit-seq as on a cluster with only a parallel HDF5
    (-DSCALEKIT_IGNORE_SERIAL_HDF5=ON): the build says so, seq runs compute
    kernels and refuses I/O with exit 2."""
    build = s.path("build-no-serial")
    r = sktest.run([args.cmake, "-S", args.source, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                    "-DSCALEKIT_IGNORE_SERIAL_HDF5=ON"], timeout=300)
    text = r.out + r.err
    if not s.check(r.rc == 0, "(n) configure without serial HDF5", r.describe()):
        return
    s.check("no serial HDF5" in text and "libhdf5-dev" in text,
            "(n) the build says it found no serial HDF5 and what to install", r.describe())
    r = sktest.run([args.cmake, "--build", build, "--target", "scalekit-seq", "-j", "2"],
                   timeout=600)
    if not s.check(r.rc == 0, "(n) scalekit-seq builds", r.describe()):
        return
    args.bindir = build
    r = sktest.run_driver(args, "seq", ["--kernel", "pi", "--size", "10000", "--reps", "1"])
    s.check(r.rc == 0, "(n) seq without HDF5 runs a compute kernel", r.describe())
    ldd = sktest.run(["ldd", sktest.driver_path(build, "seq")], timeout=60)
    s.check("hdf5" not in ldd.out, "(n) seq links no HDF5", ldd.out)
    for label, argv in (("--image", MANDEL + ["--image", s.path("n.h5")]),
                        ("iobench", ["--kernel", "iobench", "--size", "1Mi"])):
        out = s.path("n.jsonl")
        r = sktest.run_driver(args, "seq", argv + ["--output", out])
        sktest.check_usage_error(s, r, "(n) seq without HDF5 refuses %s" % label, "seq",
                                 want=("without HDF5", "libhdf5-dev"), out=out)
    shutil.rmtree(build, ignore_errors=True)


def main():
    def extra(p):
        p.add_argument("--group", required=True, choices=("serial", "mpi", "no-serial-hdf5"))
        p.add_argument("--source", help="source tree (group no-serial-hdf5)")
        p.add_argument("--cmake", default="cmake")
        p.add_argument("--h5diff", default=shutil.which("h5diff") or "h5diff")
        p.add_argument("--h5dump", default=shutil.which("h5dump") or "h5dump")

    args = sktest.parse_args(__doc__.splitlines()[0], extra)
    s = sktest.Suite("io-%s" % args.group)
    for tool in (args.h5diff, args.h5dump):
        if not s.check(shutil.which(tool) is not None,
                       "%s is installed (Debian: hdf5-tools; ./scalekit deps)" % tool):
            s.finish()
    t = IO(s, args)
    if args.group == "serial":
        serial_group(s, args, t)
    elif args.group == "mpi":
        mpi_group(s, args, t)
    else:
        no_serial_hdf5(s, args)
    s.finish()


if __name__ == "__main__":
    main()
