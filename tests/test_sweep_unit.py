#!/usr/bin/env python3
"""test_sweep_unit.py - unit tests of slurm/sweep.py (planning, resume, quoting).

    test_sweep_unit.py --bindir DIR [unittest options]

Runs in-process against the built scalekit-seq (for sizes and weak scaling: the
planner asks the driver, never computes a kernel's rule itself), with a fake
Slurm for submission and status, and executes generated job scripts under bash
with a fake `srun` to show that hostile values arrive intact and run nothing.
"""
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "slurm"))
import sweep  # noqa: E402

BINDIR = None

HOSTILE_WORDS = ["pi; rm -rf /", "$(touch PWNED)", "`touch PWNED`", "pi\n#SBATCH --wrap=id",
                 "a b", "x'y", 'x"y', "../../etc", "-rf", "", "pi|id", "p&q", "*", "é"]


def definition(**kw):
    raw = {"kind": "strong", "kernels": ["pi"], "sizes": ["1000"], "reps": 1}
    raw.update(kw)
    return sweep.normalize(raw)


def seq_weak(kernel, size, p):
    """What the driver itself prints for --weak-size P (the reference)."""
    out = subprocess.check_output([os.path.join(BINDIR, "scalekit-seq"), "--kernel", kernel,
                                   "--size", size, "--weak-size", str(p)],
                                  universal_newlines=True)
    return out.strip()


class FakeSlurm:
    """Records sbatch calls; job states come from a dict the test controls."""

    def __init__(self):
        self.next_id = 100
        self.submitted = []
        self.job_states = {}

    def sbatch(self, script, cwd):
        self.next_id += 1
        with open(script) as f:
            self.submitted.append((str(self.next_id), f.read(), cwd))
        self.job_states[str(self.next_id)] = "PENDING"
        return str(self.next_id)

    def states(self, job_ids):
        return {j: self.job_states[j] for j in job_ids if j in self.job_states}

    def cores_per_node(self, partition):
        return 4


class TempDirCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sk-sweep-unit-")
        self.drivers = sweep.Drivers(BINDIR)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


class Axes(unittest.TestCase):
    def test_power_counts(self):
        self.assertEqual(sweep.power_counts(1), [1])
        self.assertEqual(sweep.power_counts(8), [1, 2, 4, 8])
        self.assertEqual(sweep.power_counts(12), [1, 2, 4, 8, 12])

    def test_hybrid_splits_every_divisor_from_1xC_to_Cx1(self):
        self.assertEqual(sweep.hybrid_splits(1), [(1, 1)])
        self.assertEqual(sweep.hybrid_splits(4), [(1, 4), (2, 2), (4, 1)])
        self.assertEqual(sweep.hybrid_splits(12), [(1, 12), (2, 6), (3, 4), (4, 3), (6, 2),
                                                   (12, 1)])
        for c in range(1, 65):
            for r, t in sweep.hybrid_splits(c):
                self.assertEqual(r * t, c)

    def test_model_layouts(self):
        lay, notes = sweep.model_layouts("strong", list(sweep.MODELS), 2, 1)
        self.assertEqual(lay, [("seq", 1, 1), ("omp", 1, 1), ("mpi", 1, 1)])
        self.assertEqual(len(notes), 1)  # no hybrid at 1 core with 2 threads per rank
        lay, _ = sweep.model_layouts("weak", list(sweep.MODELS), 2, 4)
        self.assertEqual(lay, [("omp", 1, 4), ("mpi", 4, 1), ("hybrid", 2, 2)])
        lay, _ = sweep.model_layouts("hybrid", ["hybrid"], 2, 6)
        self.assertEqual([(r, t) for _, r, t in lay], sweep.hybrid_splits(6))

    def test_minutes(self):
        cases = {"10": 10, "1:30": 2, "0:10": 1, "1:00:00": 60, "1-0": 1440, "0-1:30": 90,
                 "2-03:04:05": 2 * 1440 + 3 * 60 + 5, 7: 7}
        for text, want in cases.items():
            self.assertEqual(sweep.parse_minutes(text), want, text)
        for bad in ("abc", "1:2:3:4", "", "-5", "0", "0:00", "1h", "10;id", "1\n2"):
            with self.assertRaises(sweep.SweepError, msg=repr(bad)):
                sweep.parse_minutes(bad)


class Definition(unittest.TestCase):
    def test_defaults(self):
        s = definition()
        self.assertEqual(s["name"], "strong-pi")
        self.assertEqual(s["models"], list(sweep.MODELS))
        self.assertEqual((s["reps"], s["warmup"], s["threads"], s["time"]), (1, 1, 2, 10))
        self.assertTrue(s["layout"])

    def test_unknown_key_and_bad_values_are_usage_errors(self):
        for bad in ({"kind": "fast"}, {"kernels": None}, {"kernels": []}, {"colors": 3},
                    {"reps": 0}, {"reps": "many"}, {"warmup": -1}, {"cores": [0]},
                    {"cores": [1], "max_cores": 4}, {"models": ["gpu"]},
                    {"kind": "hybrid", "models": ["mpi"]}, {"threads": 0}, {"layout": "yes"},
                    {"kernels": [{"kernel": "pi", "colour": 1}]}, {"kernels": [{"size": 3}]},
                    {"args": "--iters 3"}, {"args": ["--output", "x"]},
                    {"args": ["--size=4"]}, {"args": ["--weak-size", "2"]},
                    {"env": ["A=B"]}, {"time": "soon"}):
            with self.assertRaises(sweep.SweepError, msg=repr(bad)) as cm:
                definition(**bad)
            self.assertEqual(cm.exception.code, 2)

    def test_hostile_names_are_rejected(self):
        # Words with a meaning to a shell or to an #SBATCH line (space, newline, quote,
        # $, `, ;, ...) are refused everywhere; the other odd words where they are odd.
        shellish = re.compile(r"[\s;$`'\"|&<>\\#]|^$")
        for word in HOSTILE_WORDS:
            keys = ["name", "partition", "account", "qos", "srun_mpi"]
            if shellish.search(word):
                keys.append("sbatch_options")
                if not sweep.CONSTRAINT_RE.fullmatch(word):  # "p&q", "*" are features
                    keys.append("constraint")
                with self.assertRaises(sweep.SweepError, msg="size %r" % word):
                    definition(sizes=[word])
            for key in keys:
                value = ["--comment=" + word] if key == "sbatch_options" else word
                with self.assertRaises(sweep.SweepError, msg="%s=%r" % (key, word)):
                    definition(**{key: value})
            with self.assertRaises(sweep.SweepError, msg="kernel %r" % word):
                definition(kernels=[word])
            with self.assertRaises(sweep.SweepError, msg="env name %r" % word):
                definition(env={word: "1"})
        for path in ("a\nb", "tab\there", "nul\x00"):
            with self.assertRaises(sweep.SweepError):
                sweep.check_path("path", path)

    def test_legal_slurm_values(self):
        s = definition(partition="gpu,long", account="proj-42_a", qos="normal",
                       constraint="[skylake|icelake]&ib",
                       sbatch_options=["--mem=0", "--gres=gpu:1"])
        self.assertEqual(sweep.sbatch_lines(s), [
            "#SBATCH --partition=gpu,long", "#SBATCH --account=proj-42_a",
            "#SBATCH --qos=normal", "#SBATCH --constraint=[skylake|icelake]&ib",
            "#SBATCH --mem=0", "#SBATCH --gres=gpu:1"])

    def test_files_json_and_toml(self):
        tmp = tempfile.mkdtemp()
        try:
            path = os.path.join(tmp, "study-a.json")
            with open(path, "w") as f:
                json.dump({"kind": "weak", "kernels": ["pi"], "sizes": {"pi": ["1M"]}}, f)
            s = sweep.normalize(sweep.load_file(path))
            self.assertEqual((s["name"], s["kind"], s["sizes"]), ("study-a", "weak",
                                                                  {"pi": ["1M"]}))
            tpath = os.path.join(tmp, "study-b.toml")
            with open(tpath, "w") as f:
                f.write('kind = "hybrid"\nkernels = ["pi"]\ncores = [4]\n')
            try:
                import tomllib  # noqa: F401
                s = sweep.normalize(sweep.load_file(tpath))
                self.assertEqual((s["name"], s["cores"]), ("study-b", [4]))
            except ImportError:
                with self.assertRaises(sweep.SweepError) as cm:
                    sweep.load_file(tpath)
                self.assertIn("JSON", str(cm.exception))
            with open(path, "w") as f:
                f.write("{not json")
            with self.assertRaises(sweep.SweepError):
                sweep.load_file(path)
        finally:
            shutil.rmtree(tmp)


class Examples(TempDirCase):
    def test_example_studies_plan(self):
        d = os.path.join(os.path.dirname(HERE), "slurm", "examples")
        names = sorted(os.listdir(d))
        self.assertEqual(names, ["hybrid.toml", "strong.json", "weak.json"])
        for name in names:
            try:
                s = sweep.normalize(sweep.load_file(os.path.join(d, name)))
            except sweep.SweepError:
                if name.endswith(".toml") and sys.version_info < (3, 11):
                    continue
                raise
            for target in (sweep.Target("local", 8), sweep.Target("slurm", 4)):
                pts, _ = sweep.plan(s, self.drivers, target)
                self.assertTrue(pts, name)


class Planning(TempDirCase):
    def test_strong_points(self):
        s = definition(max_cores=4, sizes=["2M"])
        pts, notes = sweep.plan(s, self.drivers, sweep.Target("local", 4))
        got = [(p["model"], p["ranks"], p["threads"]) for p in pts]
        self.assertEqual(got, [("seq", 1, 1), ("omp", 1, 1), ("mpi", 1, 1), ("omp", 1, 2),
                               ("mpi", 2, 1), ("hybrid", 1, 2), ("omp", 1, 4), ("mpi", 4, 1),
                               ("hybrid", 2, 2)])
        self.assertTrue(all(p["size"] == "2M" and not p["oversubscribed"] for p in pts))
        self.assertEqual(len(set(p["id"] for p in pts)), len(pts))

    def test_weak_sizes_come_from_the_driver(self):
        for kernel, base in (("pi", "1M"), ("stencil", "1000"), ("mandelbrot", "300x200x50"),
                             ("triad", "small")):
            s = definition(kind="weak", kernels=[kernel], sizes=[base], cores=[1, 2, 3, 4],
                           models=["mpi"])
            pts, _ = sweep.plan(s, self.drivers, sweep.Target("local", 4))
            self.assertEqual([p["workers"] for p in pts], [1, 2, 3, 4])
            for p in pts:
                self.assertEqual(p["size"], seq_weak(kernel, base, p["workers"]))
                self.assertEqual(p["base_size"], base)
        # The rules as the kernels state them: pi grows N by p, stencil both sides by sqrt(p).
        self.assertEqual(seq_weak("pi", "1M", 4), "4000000")
        self.assertEqual(seq_weak("stencil", "1000", 4), "2000x2000")

    def test_weak_size_errors_are_usage_errors(self):
        for argv in (["--weak-size", "0"], ["--weak-size", "abc"], ["--weak-size", "-2"]):
            r = subprocess.run([os.path.join(BINDIR, "scalekit-seq"), "--kernel", "pi",
                                "--size", "1000"] + argv, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True)
            self.assertEqual(r.returncode, 2, argv)
            self.assertIn("--weak-size", r.stderr)
            self.assertEqual(r.stdout, "")
        s = definition(kind="weak", kernels=["pi"], sizes=["4e18"], cores=[4], models=["mpi"])
        with self.assertRaises(sweep.SweepError) as cm:
            sweep.plan(s, self.drivers, sweep.Target("local", 4))
        self.assertIn("64 bits", str(cm.exception))

    def test_bad_kernel_or_size_reported_by_driver(self):
        for kw, text in (({"kernels": ["nosuch"]}, "unknown kernel"),
                         ({"sizes": ["1x2"]}, "--size")):
            with self.assertRaises(sweep.SweepError) as cm:
                sweep.plan(definition(**kw), self.drivers, sweep.Target("local", 2))
            self.assertIn(text, str(cm.exception))

    def test_oversubscription_only_when_asked_and_marked(self):
        s = definition(kind="hybrid", cores=[4])
        pts, notes = sweep.plan(s, self.drivers, sweep.Target("local", 2))
        self.assertEqual(pts, [])
        self.assertEqual(notes, ["skipped 3 point(s) that need more than the 2 core(s) here "
                                 "(up to 4); --oversubscribe runs them, marked oversubscribed"])
        pts, _ = sweep.plan(s, self.drivers, sweep.Target("local", 2, oversubscribe=True))
        self.assertEqual(len(pts), 3)
        self.assertTrue(all(p["oversubscribed"] for p in pts))
        argv, env = sweep.local_command(pts[1], self.drivers, "mpirun", [], "o.jsonl")
        self.assertEqual(argv[:6], ["mpirun", "-np", "2", "--oversubscribe", "--bind-to", "none"])

    def test_local_placement(self):
        s = definition(kind="hybrid", cores=[2])
        pts, _ = sweep.plan(s, self.drivers, sweep.Target("local", 2))
        argv, env = sweep.local_command(pts[0], self.drivers, "mpirun", ["--mca", "x", "y"],
                                        "o.jsonl")
        self.assertEqual(argv[:7], ["mpirun", "-np", "1", "--map-by", "slot:PE=2", "--bind-to",
                                    "core"])
        self.assertEqual({k: v for k, v in env.items() if not k.startswith("OMPI_")},
                         {"OMP_NUM_THREADS": "2", "OMP_PLACES": "cores", "OMP_PROC_BIND": "close"})
        self.assertEqual("OMPI_ALLOW_RUN_AS_ROOT" in env, os.geteuid() == 0)
        self.assertIn("--mca", argv)
        self.assertEqual(argv[-2:], ["--output", "o.jsonl"])
        s = definition(models=["mpi", "omp", "seq"], cores=[1, 2])
        pts, _ = sweep.plan(s, self.drivers, sweep.Target("local", 2))
        for p in pts:
            argv, env = sweep.local_command(p, self.drivers, "mpirun", [], "o")
            if p["model"] == "mpi":
                self.assertEqual(argv[3:5], ["--bind-to", "core"])
            else:
                self.assertTrue(argv[0].endswith("scalekit-" + p["model"]))

    def test_slurm_shapes(self):
        t = sweep.Target("slurm", 2)
        self.assertEqual(t.shape(2, 2), (2, 1, False))
        self.assertEqual(t.shape(4, 1), (2, 2, False))
        self.assertEqual(t.shape(1, 2), (1, 1, False))
        self.assertEqual(t.shape(3, 1), (3, 1, False))  # 3 ranks: 2 nodes cannot split them
        self.assertIsInstance(t.shape(1, 4), str)
        t = sweep.Target("slurm", 8, nodes=2)
        self.assertEqual(t.shape(2, 1), (2, 1, False))
        self.assertIsInstance(t.shape(3, 1), str)
        self.assertIsInstance(t.shape(2, 16), str)
        s = definition(kind="hybrid", cores=[4])
        pts, notes = sweep.plan(s, self.drivers, sweep.Target("slurm", 2))
        self.assertEqual([(p["ranks"], p["threads"], p["nodes"], p["ntasks_per_node"])
                          for p in pts], [(2, 2, 2, 1), (4, 1, 2, 2)])
        self.assertEqual(len(notes), 1)  # 1x4 does not fit on a 2-core node

    def test_ids_stable_and_sensitive(self):
        def ids(**kw):
            pts, _ = sweep.plan(definition(**kw), self.drivers, sweep.Target("local", 2))
            return [p["id"] for p in pts]
        self.assertEqual(ids(cores=[2]), ids(cores=[2]))
        self.assertEqual(ids(cores=[2]), ids(cores=[2], time="99"))  # a limit is not the run
        self.assertNotEqual(ids(cores=[2]), ids(cores=[2], reps=2))
        self.assertNotEqual(ids(cores=[2]), ids(cores=[2], env={"X": "1"}))
        self.assertNotEqual(ids(cores=[2]), ids(cores=[2], args=["--iters", "2"]))
        for pid in ids(cores=[1, 2]):
            self.assertRegex(pid, r"^[A-Za-z0-9._-]+$")

    def test_kernel_overrides(self):
        s = definition(kernels=["pi", {"kernel": "primes", "sizes": ["1000"], "cores": [2],
                                       "models": ["mpi"], "time": "1"}], cores=[1])
        pts, _ = sweep.plan(s, self.drivers, sweep.Target("local", 2))
        primes = [p for p in pts if p["kernel"] == "primes"]
        self.assertEqual([(p["model"], p["ranks"], p["minutes"]) for p in primes],
                         [("mpi", 2, 1)])
        self.assertTrue(all(p["minutes"] == 10 for p in pts if p["kernel"] == "pi"))


def make_point(results, pid="pi-mpi-1x1-1000-0123abcd"):
    results.create()
    return pid


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class Capture(TempDirCase):
    def test_a_command_that_times_out_is_killed(self):
        pidfile = os.path.join(self.tmp, "pid")
        with self.assertRaises(subprocess.TimeoutExpired):
            sweep.capture(["sh", "-c", 'echo $$ > "$1"; exec sleep 30', "sh", pidfile],
                          timeout=1)
        with open(pidfile) as f:
            pid = int(f.read())
        with self.assertRaises(ProcessLookupError):  # killed and reaped, not left running
            os.kill(pid, 0)


class State(TempDirCase):
    def setUp(self):
        TempDirCase.setUp(self)
        self.r = sweep.Results(os.path.join(self.tmp, "s"))
        self.pid = make_point(self.r)

    def status(self, **kw):
        st = {"point": self.pid, "job_id": None, "exit": 0, "minutes": 5}
        st.update(kw)
        sweep.write_json_atomic(self.r.file(self.pid, ".status.json"), st)

    def record(self, verified=True, **kw):
        rec = {"verified": verified, "result": {"expected": "42", "got": "41"}}
        rec.update(kw)
        write(self.r.file(self.pid, ".jsonl"), json.dumps(rec) + "\n")

    def state(self, attempt, jobs=None, busy=False):
        return sweep.point_state(self.r, self.pid, attempt, jobs or {}, busy)

    def test_local_states(self):
        local = {"where": "local", "job": None}
        self.assertEqual(self.state(None)[0], "missing")
        self.assertEqual(self.state(local)[0], "failed")  # interrupted
        self.assertEqual(self.state(local, busy=True)[0], "running")
        self.record(True)
        self.status(exit=0)
        self.assertEqual(self.state(local), ("verified", ""))
        self.record(False)
        self.status(exit=3)
        st, why = self.state(local)
        self.assertEqual(st, "failed")
        self.assertIn("verification failed (exit 3): expected 42, got 41", why)
        os.remove(self.r.file(self.pid, ".jsonl"))
        self.status(exit=139)
        self.assertIn("SIGSEGV", self.state(local)[1])
        self.status(exit=137, signal=9)
        self.assertIn("SIGKILL", self.state(local)[1])
        self.status(exit=-1, timed_out=True, minutes=5)
        self.assertIn("time limit (5 min)", self.state(local)[1])
        write(self.r.file(self.pid, ".log"), "scalekit: out of memory\n")
        self.status(exit=1)
        self.assertEqual(self.state(local)[1], "exit 1: scalekit: out of memory")
        self.record(True)
        self.status(exit=0)
        self.assertEqual(self.state(local)[0], "verified")

    def test_slurm_states(self):
        job = {"where": "slurm", "job": "7"}
        self.assertEqual(self.state(job, {"7": "PENDING"})[0], "pending")
        self.assertEqual(self.state(job, {"7": "RUNNING"})[0], "running")
        st, why = self.state(job, {"7": "TIMEOUT"})
        self.assertEqual(st, "failed")
        self.assertIn("ended TIMEOUT", why)
        self.assertIn("lost", self.state(job, {})[1])
        # A status file of an earlier job does not speak for this attempt.
        self.status(job_id="6", exit=0)
        self.record(True)
        self.assertEqual(self.state(job, {"7": "PENDING"})[0], "verified")  # record is whole
        os.remove(self.r.file(self.pid, ".jsonl"))
        self.assertEqual(self.state(job, {"7": "PENDING"})[0], "pending")
        self.status(job_id="7", exit=143)
        write(self.r.file(self.pid, ".log"),
              "slurmstepd: error: *** STEP 7.0 ON n0 CANCELLED AT 2024-01-01T00:00:00 DUE TO "
              "TIME LIMIT ***\nsrun: error: n0: task 0: Terminated\n")
        st, why = self.state(job, {"7": "COMPLETED"})
        self.assertEqual((st, why), ("failed", "time limit (5 min) reached"))

    def test_progress(self):
        now = [100.0]
        out = io.StringIO()
        pr = sweep.Progress(4, out, now=lambda: now[0])
        pr.begin("a")
        now[0] += 10
        pr.end("a", "verified", "", 10)
        now[0] += 10
        pr.end("b", "failed", "exit 1", 10)
        lines = out.getvalue().splitlines()
        self.assertEqual(lines[0], "[0/4] elapsed 0:00, ETA ? | running a")
        self.assertEqual(lines[1], "[1/4] elapsed 0:10, ETA 0:30 | a: verified (10.0 s)")
        self.assertEqual(lines[2], "[2/4] elapsed 0:20, ETA 0:20 | b: failed (10.0 s): exit 1")


class Submit(TempDirCase):
    def sweep_and_points(self, **kw):
        s = definition(kind="hybrid", cores=[1, 2], **kw)
        pts, _ = sweep.plan(s, self.drivers, sweep.Target("slurm", 2))
        return s, pts

    def test_one_job_per_shape_and_resubmit_only_failed(self):
        s, pts = self.sweep_and_points()
        r = sweep.Results(os.path.join(self.tmp, s["name"]))
        r.create()
        slurm = FakeSlurm()
        out = io.StringIO()
        self.assertEqual(sweep.submit(s, pts, [], r, self.drivers, slurm, False, out), 0)
        # 1x1, 1x2, 2x1: three shapes, three jobs, one point each
        self.assertEqual(len(slurm.submitted), 3)
        man = r.load()
        self.assertEqual(sorted(man["jobs"]), ["101", "102", "103"])
        # Resubmitting while they are queued submits nothing.
        sweep.submit(s, pts, [], r, self.drivers, slurm, False, io.StringIO())
        self.assertEqual(len(slurm.submitted), 3)
        # 101 verified, 102 failed verification, 103 ended by its time limit.
        for jid, p in zip(("101", "102", "103"), pts):
            slurm.job_states[jid] = "COMPLETED"
            st = {"point": p["id"], "job_id": jid, "exit": 0 if jid == "101" else 3,
                  "minutes": 10}
            if jid != "103":
                sweep.write_json_atomic(r.file(p["id"], ".status.json"), st)
                write(r.file(p["id"], ".jsonl"), json.dumps({"verified": jid == "101"}) + "\n")
        slurm.job_states["103"] = "TIMEOUT"
        rows = sweep.collect_status(r, slurm)
        self.assertEqual([row[1] for row in rows if row[0]["id"] == pts[0]["id"]], ["verified"])
        self.assertEqual(sorted(row[1] for row in rows), ["failed", "failed", "verified"])
        out = io.StringIO()
        sweep.submit(s, pts, [], r, self.drivers, slurm, False, out)
        self.assertEqual(len(slurm.submitted), 5)
        resub = set()
        for jid, text, _ in slurm.submitted[3:]:
            resub |= set(re.findall(r"^run_point (\S+)", text, re.M))
        self.assertEqual(resub, {pts[1]["id"], pts[2]["id"]})
        self.assertEqual(r.load()["jobs"]["103"]["last_state"], "TIMEOUT")

    def test_a_failing_sbatch_keeps_the_jobs_submitted_before_it(self):
        s, pts = self.sweep_and_points()
        r = sweep.Results(os.path.join(self.tmp, s["name"]))
        r.create()
        slurm = FakeSlurm()
        sbatch = slurm.sbatch

        def second_fails(script, cwd):
            if slurm.submitted:
                raise sweep.SweepError("sbatch %s failed (exit 1): no" % script, code=1)
            return sbatch(script, cwd)
        slurm.sbatch = second_fails
        with self.assertRaises(sweep.SweepError):
            sweep.submit(s, pts, [], r, self.drivers, slurm, False, io.StringIO())
        man = r.load()
        self.assertEqual(sorted(man["jobs"]), ["101"])
        self.assertEqual(sorted(man["points"]), sorted(p["id"] for p in pts))
        self.assertEqual([len(sweep.attempts_of(man, p["id"])) for p in pts], [1, 0, 0])
        self.assertEqual(os.listdir(r.jobs), [man["jobs"]["101"]["script"].split("/")[-1]])

    def test_dry_run_prints_scripts_and_submits_nothing(self):
        s, pts = self.sweep_and_points(partition="debug", account="acct")
        r = sweep.Results(os.path.join(self.tmp, s["name"]))
        slurm = FakeSlurm()
        out = io.StringIO()
        sweep.submit(s, pts, [], r, self.drivers, slurm, True, out)
        self.assertEqual(slurm.submitted, [])
        self.assertFalse(r.exists())
        text = out.getvalue()
        self.assertEqual(text.count("#!/bin/bash"), 3)
        for want in ("#SBATCH --partition=debug", "#SBATCH --account=acct",
                     "#SBATCH --cpus-per-task=2", "srun --mpi=pmix --cpu-bind=cores "
                     "--cpus-per-task=\"$SLURM_CPUS_PER_TASK\"",
                     "OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK"):
            self.assertIn(want, text)


FAKE_SRUN = r"""#!/bin/bash
# Fake srun: record argv (NUL-separated) and act like the driver: write a
# verified record to the file after --output.
printf '%s\0' "$@" >>"$FAKE_SRUN_LOG"
printf '\n' >>"$FAKE_SRUN_LOG"
env | grep '^SK_HOSTILE' >>"$FAKE_SRUN_ENV"
out=""
while [ $# -gt 0 ]; do
    if [ "$1" = "--output" ]; then out=$2; fi
    shift
done
[ -n "$out" ] && printf '{"verified": true}\n' >>"$out"
exit 0
"""


class Quoting(TempDirCase):
    """Hostile paths, arguments and environment values reach the job script as
    data: the script parses, runs nothing else, and srun gets them intact."""

    HOSTILE_DIR = "it's a $(touch PWNED) `touch PWNED`; dir \"x\" & * ?"

    def test_generated_script_runs_hostile_values_as_data(self):
        base = os.path.join(self.tmp, self.HOSTILE_DIR)
        bindir = os.path.join(base, "bin $(touch PWNED)")
        os.makedirs(bindir)
        for m in sweep.MODELS:  # the planner asks the real driver; the job gets this path
            os.symlink(os.path.join(BINDIR, "scalekit-" + m),
                       os.path.join(bindir, "scalekit-" + m))
        drivers = sweep.Drivers(bindir)
        hostile_args = ["--iters", "3; touch PWNED", "--schedule", "$(touch PWNED)"]
        s = definition(kind="hybrid", cores=[2], args=hostile_args, name="q",
                       env={"SK_HOSTILE": "a'b\"c $(touch PWNED) `id` ;|&<>*"})
        pts, _ = sweep.plan(s, drivers, sweep.Target("slurm", 2))
        r = sweep.Results(os.path.join(base, "results"))
        r.create()
        template = sweep.load_template()
        fake = os.path.join(self.tmp, "fakebin")
        os.makedirs(fake)
        write(os.path.join(fake, "srun"), FAKE_SRUN)
        os.chmod(os.path.join(fake, "srun"), 0o755)
        for shape, group in sweep.group_jobs(pts):
            text = sweep.job_script(s, shape, group, drivers, r, template)
            for line in text.splitlines():
                if line.startswith("#SBATCH"):
                    self.assertRegex(line, r"^#SBATCH --[a-z-]+(=\S+)?$")
            script = os.path.join(self.tmp, "job.sh")
            write(script, text)
            self.assertEqual(subprocess.call(["bash", "-n", script]), 0)
            log = os.path.join(self.tmp, "srun.log")
            envlog = os.path.join(self.tmp, "srun.env")
            env = dict(os.environ, PATH=fake + os.pathsep + os.environ["PATH"],
                       SLURM_CPUS_PER_TASK=str(shape[2]), SLURM_JOB_ID="4242",
                       FAKE_SRUN_LOG=log, FAKE_SRUN_ENV=envlog)
            rc = subprocess.call(["bash", script], env=env, cwd=self.tmp)
            self.assertEqual(rc, 0)
            with open(log, "rb") as f:
                calls = [c for c in f.read().split(b"\0\n") if c]
            self.assertEqual(len(calls), len(group))
            for p, call in zip(group, calls):
                argv = [a.decode() for a in call.split(b"\0")]
                want = sweep.driver_argv(p, drivers) + ["--output",
                                                        "points/%s.jsonl" % p["id"]]
                self.assertEqual(argv[-len(want):], want)
                self.assertIn("--time=%d" % p["minutes"], argv)
                st, why = sweep.point_state(r, p["id"], {"where": "slurm", "job": "4242"}, {})
                self.assertEqual(st, "verified", why)
            with open(envlog) as f:
                self.assertIn("SK_HOSTILE=" + s["env"]["SK_HOSTILE"], f.read())
            os.remove(log)
        found = [os.path.join(d, f) for d, _, fs in os.walk(self.tmp) for f in fs
                 if f == "PWNED"]
        found += [f for f in os.listdir(".") if f == "PWNED"]
        self.assertEqual(found, [], "a hostile value was executed")

    def test_dry_run_commands_round_trip(self):
        s = definition(kind="hybrid", cores=[2], args=["--iters", "1; touch PWNED"],
                       env={"X": "$(id) 'q'"})
        pts, _ = sweep.plan(s, self.drivers, sweep.Target("local", 2))
        for p in pts:
            argv, env = sweep.local_command(p, self.drivers, "mpirun", [], "/tmp/a b/o'x.jsonl")
            line = sweep.sh_join(argv)
            self.assertEqual(shlex.split(line), argv)
            self.assertIn("1; touch PWNED", argv)
            self.assertEqual(env["X"], "$(id) 'q'")

    def test_command_line_rejects_hostile_slurm_values(self):
        for opt in ("--partition", "--account", "--qos", "--constraint"):
            for word in ("debug; touch PWNED", "x\n#SBATCH --wrap=id", "$(id)", "a b"):
                err = io.StringIO()
                old, sys.stderr = sys.stderr, err
                try:
                    rc = sweep.main(["submit", "--bindir", BINDIR, "--kind", "strong",
                                     "--kernels", "pi", "--results-root", self.tmp,
                                     "--cores-per-node", "2", "--dry-run", opt, word],
                                    slurm=FakeSlurm(), out=io.StringIO())
                finally:
                    sys.stderr = old
                self.assertEqual(rc, 2, (opt, word))
                self.assertIn("not allowed", err.getvalue())


def main():
    global BINDIR
    argv = sys.argv[1:]
    if "--bindir" not in argv:
        sys.stderr.write("usage: test_sweep_unit.py --bindir DIR [unittest options]\n")
        return 2
    i = argv.index("--bindir")
    BINDIR = os.path.abspath(argv[i + 1])
    del argv[i:i + 2]
    prog = unittest.main(argv=[sys.argv[0]] + argv, exit=False, verbosity=2)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
