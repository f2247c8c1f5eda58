#!/usr/bin/env python3
"""sweep.py - plan, run, submit and track scalekit scaling sweeps.

One module for both places a sweep runs. Standard library only and Python >= 3.6,
so a cluster login node's system python3 and the built drivers are all it needs:

    python3 slurm/sweep.py sweep  [FILE] [options]   run every point here through mpirun
    python3 slurm/sweep.py submit [FILE] [options]   one Slurm job per resource shape
    python3 slurm/sweep.py status [NAME | DIR]       the state of every point
    python3 slurm/sweep.py plan   [FILE] [options]   list the points, run nothing

(`./scalekit sweep | submit | status` call it with the build's --bindir.)

A sweep is kernels x sizes x core counts x models (kinds strong and weak) or x every
ranks x threads split of a core count (kind hybrid). Planning turns it into points.
A point's id is a readable prefix plus a hash of everything that defines the run, so
one definition always yields the same ids and resuming is a matter of reading what is
on disk. Weak-scaling sizes come from the drivers (`--weak-size P`): the growth rule
lives with each kernel, never here.

Results (DIR = results/NAME):
    DIR/manifest.json           the definition, every point, its attempts, the jobs
    DIR/points/ID.jsonl         the driver's record for point ID (one writer per file)
    DIR/points/ID.status.json   how the point's last attempt ended (exit code, ...)
    DIR/points/ID.log           the attempt's stdout and stderr
    DIR/jobs/                   submitted job scripts and Slurm's output of each job

Invariants:
  - A point's state is derived from its files (and from Slurm while its job is queued
    or running), never stored: verified = a verified record and a clean exit of the
    point's latest attempt.
  - Only this module writes manifest.json (atomically, under a lock). Jobs write only
    their own points' files: nothing is appended to one file from many nodes.
  - No value reaches a shell script or an #SBATCH line unless validated or quoted here.
  - A failed point is recorded with its reason and never stops the other points.
"""
import argparse
import fcntl
import hashlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time

SCHEMA = 1
KINDS = ("strong", "weak", "hybrid")
MODELS = ("seq", "omp", "mpi", "hybrid")
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "job.sbatch")

EXAMPLE = """\
example study file (JSON; TOML too with Python >= 3.11), e.g. studies/stencil.json:
  {
    "name": "stencil-strong",
    "kind": "strong",
    "kernels": ["stencil", {"kernel": "triad", "sizes": ["24M"]}],
    "models": ["seq", "omp", "mpi", "hybrid"],
    "max_cores": 8,
    "sizes": ["2000x2000"],
    "reps": 5,
    "threads": 2,
    "time": "10"
  }
the same on the command line:
  --name stencil-strong --kind strong --kernels stencil --max-cores 8 --sizes 2000x2000

kinds: strong  fixed total size at every core count
       weak    size grows with the workers by each kernel's own rule (--weak-size)
       hybrid  fixed core counts, every ranks x threads split from 1xC to Cx1
keys: name kind kernels models cores max_cores sizes reps warmup threads args env
      time layout; Slurm: partition account qos constraint cores_per_node nodes
      exclusive sbatch_options srun_mpi. A kernels entry may be an object
      {"kernel": NAME, ...} overriding sizes cores max_cores models reps warmup
      threads args time for that kernel; "sizes" may map kernel names to lists.
"""


class SweepError(Exception):
    """A problem the user must fix: code 2 for bad input, 1 otherwise."""

    def __init__(self, message, code=EXIT_USAGE):
        Exception.__init__(self, message)
        self.code = code


# --- validation and quoting ----------------------------------------------------------

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
KERNEL_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
SIZE_RE = re.compile(r"[A-Za-z0-9.]{1,63}")
ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
SLURM_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}(,[A-Za-z0-9][A-Za-z0-9_.+-]{0,63})*")
CONSTRAINT_RE = re.compile(r"[A-Za-z0-9_.,:&|*\[\]()-]{1,256}")
SBATCH_OPTION_RE = re.compile(r"--[a-z][a-z0-9-]{0,40}(=[A-Za-z0-9_.,:=/@%+*\[\]()-]{1,200})?")
SRUN_MPI_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
POINT_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,160}")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# Options the sweep owns: a point's argv gets them from its axes.
OWNED_OPTIONS = ("--kernel", "--size", "--reps", "--warmup", "--output", "--layout",
                 "--weak-size", "--help", "--list", "--version", "-h")


def check_match(what, value, pattern, hint):
    """value if it is a string fully matching pattern, else a usage error."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise SweepError("%s %r is not allowed (%s)" % (what, value, hint))
    return value


def check_path(what, path):
    """A path: any characters but control characters (newline, tab, ...)."""
    if not isinstance(path, str) or not path or CONTROL_RE.search(path):
        raise SweepError("%s %r: paths must be non-empty and free of control characters "
                         "(newlines, tabs)" % (what, path))
    return path


def sh_quote(value):
    """value as one shell word."""
    return shlex.quote(str(value))


def sh_join(argv):
    """argv as a shell command line that runs exactly argv."""
    return " ".join(sh_quote(a) for a in argv)


def parse_minutes(text):
    """A Slurm time limit (M, M:S, H:M:S, D-H, D-H:M, D-H:M:S) in whole minutes,
    rounded up as Slurm does."""
    s = str(text).strip()
    m = re.fullmatch(r"(?:(\d{1,4})-)?(\d{1,6})(?::(\d{1,2}))?(?::(\d{1,2}))?", s)
    if not m:
        raise SweepError("time %r is not a Slurm time limit (minutes, M:S, H:M:S or "
                         "D-H:M:S; example: 30 or 1:30:00)" % (text,))
    days, a, b, c = m.groups()
    if days is not None:
        secs = ((int(days) * 24 + int(a)) * 60 + int(b or 0)) * 60 + int(c or 0)
    elif c is not None:
        secs = (int(a) * 60 + int(b)) * 60 + int(c)
    elif b is not None:
        secs = int(a) * 60 + int(b)
    else:
        secs = int(a) * 60
    if secs < 1:
        raise SweepError("time %r must be at least one second" % (text,))
    return (secs + 59) // 60


def check_args(args):
    """Extra driver arguments: a list of strings without the options the sweep owns."""
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise SweepError("args must be a list of strings, e.g. [\"--iters\", \"10\"]")
    for a in args:
        if CONTROL_RE.search(a):
            raise SweepError("args %r: control characters are not allowed" % (a,))
        if a.split("=", 1)[0] in OWNED_OPTIONS:
            raise SweepError("args must not contain %s: the sweep sets it from its axes"
                             % a.split("=", 1)[0])
    return list(args)


# --- the sweep definition -------------------------------------------------------------

DEFAULTS = {
    "name": None, "kind": None, "kernels": None, "models": list(MODELS), "cores": None,
    "max_cores": None, "sizes": ["small"], "reps": 3, "warmup": 1, "threads": 2, "args": [],
    "env": {}, "time": "10", "layout": True,
    "partition": None, "account": None, "qos": None, "constraint": None,
    "cores_per_node": None, "nodes": None, "exclusive": False, "sbatch_options": [],
    "srun_mpi": "pmix",
}
KERNEL_KEYS = ("kernel", "sizes", "cores", "max_cores", "models", "reps", "warmup", "threads",
               "args", "time")


def load_file(path):
    """The raw definition in a JSON or (Python >= 3.11) TOML file."""
    check_path("sweep file", path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise SweepError("cannot read sweep file %s: %s" % (path, e.strerror))
    if path.endswith(".toml"):
        try:
            import tomllib
        except ImportError:
            raise SweepError("%s: TOML needs Python >= 3.11 (tomllib); this is %d.%d. Write "
                             "the study as JSON, which every Python reads"
                             % (path, sys.version_info[0], sys.version_info[1]))
        try:
            raw = tomllib.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise SweepError("%s is not valid TOML: %s" % (path, e))
    else:
        try:
            raw = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise SweepError("%s is not valid JSON: %s" % (path, e))
    if not isinstance(raw, dict):
        raise SweepError("%s must hold one object (a table of keys)" % path)
    if "name" not in raw:
        stem = os.path.splitext(os.path.basename(path))[0]
        if NAME_RE.fullmatch(stem):
            raw["name"] = stem
    return raw


def _int(what, v, minimum):
    if isinstance(v, bool) or not isinstance(v, int):
        if isinstance(v, str) and re.fullmatch(r"\d{1,9}", v):
            v = int(v)
        else:
            raise SweepError("%s must be a whole number >= %d (got %r)" % (what, minimum, v))
    if v < minimum:
        raise SweepError("%s must be >= %d (got %d)" % (what, minimum, v))
    return v


def _list(what, v, item):
    """v as a list (a single value or a comma-separated string becomes a list)."""
    if isinstance(v, str):
        v = [x.strip() for x in v.split(",") if x.strip()]
    elif not isinstance(v, list):
        v = [v]
    if not v:
        raise SweepError("%s must not be empty" % what)
    return [item(x) for x in v]


def _cores(spec, where):
    if spec.get("cores") is not None and spec.get("max_cores") is not None:
        raise SweepError("%sgive cores (a list) or max_cores (powers of two up to it), "
                         "not both" % where)
    out = {}
    if spec.get("cores") is not None:
        out["cores"] = sorted(set(_list("cores", spec["cores"],
                                        lambda x: _int("a core count", x, 1))))
    if spec.get("max_cores") is not None:
        out["max_cores"] = _int("max_cores", spec["max_cores"], 1)
    return out


def _sizes(v):
    return _list("sizes", v, lambda s: check_match(
        "size", str(s), SIZE_RE, "a preset small/medium/large or numbers like 2M, 1e6, 1024x768"))


def _models(v, kind):
    models = _list("models", v, lambda m: m if m in MODELS else _bad_model(m))
    if kind == "hybrid" and models != ["hybrid"] and models != list(MODELS):
        raise SweepError("a hybrid sweep always runs scalekit-hybrid over every ranks x "
                         "threads split; leave models out")
    return models


def _bad_model(m):
    raise SweepError("model %r is not one of %s" % (m, ", ".join(MODELS)))


def _kernel_entry(entry, kind):
    """One kernels item: a name, or an object with a kernel name and overrides."""
    if isinstance(entry, str):
        return {"kernel": check_match("kernel name", entry, KERNEL_RE,
                                      "lower-case letters, digits, _; see --list")}
    if not isinstance(entry, dict) or "kernel" not in entry:
        raise SweepError("a kernels entry must be a name or an object with \"kernel\" "
                         "(got %r)" % (entry,))
    unknown = sorted(set(entry) - set(KERNEL_KEYS))
    if unknown:
        raise SweepError("unknown key %r in the kernels entry for %r (allowed: %s)"
                         % (unknown[0], entry.get("kernel"), ", ".join(KERNEL_KEYS)))
    out = {"kernel": _kernel_entry(entry["kernel"], kind)["kernel"]}
    out.update(_cores(entry, "kernel %s: " % out["kernel"]))
    if "sizes" in entry:
        out["sizes"] = _sizes(entry["sizes"])
    if "models" in entry:
        out["models"] = _models(entry["models"], kind)
    for key, minimum in (("reps", 1), ("warmup", 0), ("threads", 1)):
        if key in entry:
            out[key] = _int(key, entry[key], minimum)
    if "args" in entry:
        out["args"] = check_args(entry["args"])
    if "time" in entry:
        out["time"] = parse_minutes(entry["time"])
    return out


def normalize(raw):
    """A validated definition with every key present (defaults filled in)."""
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise SweepError("unknown key %r in the sweep (known: %s)"
                         % (unknown[0], ", ".join(sorted(DEFAULTS))))
    d = dict(DEFAULTS)
    d.update({k: v for k, v in raw.items() if v is not None})
    s = {}
    if d["kind"] is None:
        raise SweepError("no kind: give --kind strong|weak|hybrid or \"kind\" in the file "
                         "(--help shows an example)")
    if d["kind"] not in KINDS:
        raise SweepError("kind must be one of %s (got %r)" % (", ".join(KINDS), d["kind"]))
    s["kind"] = d["kind"]
    if d["kernels"] is None:
        raise SweepError("no kernels: give --kernels NAME[,NAME] or \"kernels\" in the file "
                         "(\"all\" for every kernel)")
    kernels = d["kernels"] if isinstance(d["kernels"], list) else (
        [k.strip() for k in d["kernels"].split(",")] if isinstance(d["kernels"], str)
        else [d["kernels"]])
    s["kernels"] = [_kernel_entry(k, s["kind"]) for k in kernels]
    if not s["kernels"]:
        raise SweepError("kernels must not be empty")
    s["models"] = _models(d["models"], s["kind"])
    s.update(_cores(d, ""))
    if isinstance(d["sizes"], dict):
        s["sizes"] = {check_match("kernel name", k, KERNEL_RE, "see --list"): _sizes(v)
                      for k, v in d["sizes"].items()}
    else:
        s["sizes"] = _sizes(d["sizes"])
    s["reps"] = _int("reps", d["reps"], 1)
    s["warmup"] = _int("warmup", d["warmup"], 0)
    s["threads"] = _int("threads", d["threads"], 1)
    s["args"] = check_args(d["args"])
    if not isinstance(d["env"], dict):
        raise SweepError("env must map variable names to values")
    s["env"] = {check_match("env name", k, ENV_NAME_RE, "letters, digits, _"):
                check_path("env value of " + k, str(v)) if str(v) else ""
                for k, v in sorted(d["env"].items())}
    s["time"] = parse_minutes(d["time"])
    if not isinstance(d["layout"], bool):
        raise SweepError("layout must be true or false")
    s["layout"] = d["layout"]
    for key in ("partition", "account", "qos"):
        s[key] = None if d[key] is None else check_match(
            key, str(d[key]), SLURM_WORD_RE, "letters, digits, . _ + - and commas")
    s["constraint"] = None if d["constraint"] is None else check_match(
        "constraint", str(d["constraint"]), CONSTRAINT_RE, "Slurm feature expression")
    s["cores_per_node"] = None if d["cores_per_node"] is None else _int(
        "cores_per_node", d["cores_per_node"], 1)
    s["nodes"] = None if d["nodes"] is None else _int("nodes", d["nodes"], 1)
    s["exclusive"] = bool(d["exclusive"])
    opts = d["sbatch_options"]
    s["sbatch_options"] = [check_match(
        "sbatch option", o, SBATCH_OPTION_RE,
        "one --name or --name=value without spaces, quotes or shell characters")
        for o in (opts if isinstance(opts, list) else [opts])]
    s["srun_mpi"] = check_match("srun_mpi", str(d["srun_mpi"]), SRUN_MPI_RE, "e.g. pmix")
    s["name"] = default_name(s) if d["name"] is None else d["name"]
    check_match("sweep name", s["name"], NAME_RE, "letters, digits, . _ - ; up to 64")
    return s


def default_name(s):
    """kind-kernel[-kernel...]: the same command line always resumes the same sweep."""
    name = "-".join([s["kind"]] + [k["kernel"] for k in s["kernels"]])
    return name[:64].rstrip(".-_")


# --- the drivers ----------------------------------------------------------------------


def capture(argv, cwd=None, timeout=60):
    """(exit code, stdout, stderr) of argv, stdin closed. OSError propagates; on
    a timeout the child is killed and reaped, then TimeoutExpired propagates."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, cwd=cwd, universal_newlines=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise
    return p.returncode, out, err


class Drivers:
    """The built scalekit-* executables in bindir, and what they report."""

    def __init__(self, bindir):
        self.bindir = os.path.abspath(check_path("--bindir", bindir))
        self._sizes = {}
        self._kernels = None

    def path(self, model):
        return os.path.join(self.bindir, "scalekit-%s" % model)

    def check(self, models=MODELS):
        for m in models:
            if not os.access(self.path(m), os.X_OK):
                raise SweepError("%s is missing: build the drivers first (./scalekit build, or "
                                 "cmake --preset release && cmake --build --preset release)"
                                 % self.path(m), code=1)

    def _seq(self, argv):
        self.check(("seq",))
        try:
            return capture([self.path("seq")] + argv)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise SweepError("cannot run %s: %s" % (self.path("seq"), e), code=1)

    def kernels(self):
        """Kernel names in --list order."""
        if self._kernels is None:
            rc, out, err = self._seq(["--list"])
            if rc != 0:
                raise SweepError("scalekit-seq --list failed: %s" % err.strip(), code=1)
            self._kernels = [line for line in out.splitlines() if KERNEL_RE.fullmatch(line)]
        return self._kernels

    def size_for(self, kernel, size, workers):
        """The size of kernel for `workers` workers from `size` for one, by the kernel's
        weak-scaling rule; workers=1 checks size and resolves presets."""
        key = (kernel, size, workers)
        if key not in self._sizes:
            rc, out, err = self._seq(["--kernel", kernel, "--size", size,
                                      "--weak-size", str(workers)])
            if rc != 0 or not re.fullmatch(r"\d+(x\d+)*", out.strip()):
                msg = err.strip().splitlines()[-1] if err.strip() else "exit %s" % rc
                raise SweepError("kernel %s, size %s%s: %s" % (
                    kernel, size, "" if workers == 1 else " on %d workers" % workers,
                    re.sub(r"^scalekit-seq: ", "", msg)))
            self._sizes[key] = out.strip()
        return self._sizes[key]


# --- planning -------------------------------------------------------------------------


def power_counts(maximum):
    """1, 2, 4, ... up to maximum, and maximum itself."""
    counts, c = [], 1
    while c < maximum:
        counts.append(c)
        c *= 2
    return counts + [maximum]


def hybrid_splits(cores):
    """Every ranks x threads split of cores, from 1 x cores to cores x 1."""
    return [(r, cores // r) for r in range(1, cores + 1) if cores % r == 0]


def model_layouts(kind, models, threads, cores):
    """(model, ranks, threads) for one core count, and notes on what does not fit."""
    if kind == "hybrid":
        return [("hybrid", r, t) for r, t in hybrid_splits(cores)], []
    out, notes = [], []
    for m in models:
        if m == "seq":
            if cores == 1:
                out.append(("seq", 1, 1))
        elif m == "omp":
            out.append(("omp", 1, cores))
        elif m == "mpi":
            out.append(("mpi", cores, 1))
        elif cores % threads == 0:
            out.append(("hybrid", cores // threads, threads))
        else:
            notes.append("no hybrid point at %d core(s): not a multiple of %d threads per "
                         "rank (--threads)" % (cores, threads))
    return out, notes


class Target:
    """Where points run: 'local' (cores here) or 'slurm' (cores per node, nodes)."""

    def __init__(self, where, cores, nodes=None, oversubscribe=False):
        self.where = where
        self.cores = cores
        self.nodes = nodes
        self.oversubscribe = oversubscribe

    def shape(self, ranks, threads):
        """(nodes, ranks per node, oversubscribed), or a reason it cannot run."""
        workers = ranks * threads
        if self.where == "local":
            if workers <= self.cores or self.oversubscribe:
                return (1, ranks, workers > self.cores)
            return "needs %d cores, %d here (--oversubscribe runs it)" % (workers, self.cores)
        if threads > self.cores:
            return ("a rank's %d threads need %d cores on one node; nodes have %d"
                    % (threads, threads, self.cores))
        per_node = self.cores // threads
        nodes = self.nodes or -(-ranks // per_node)
        while self.nodes is None and ranks % nodes:
            nodes += 1
        if ranks % nodes or ranks // nodes > per_node:
            return ("%d ranks x %d threads do not split evenly over %d node(s) of %d cores"
                    % (ranks, threads, nodes, self.cores))
        return (nodes, ranks // nodes, False)


def kernel_axes(sweep, entry):
    """The axes of one kernels entry: its overrides over the sweep's values."""
    ax = {k: sweep[k] for k in ("models", "reps", "warmup", "threads", "args", "time")}
    sizes = sweep["sizes"]
    if isinstance(sizes, dict):
        sizes = sizes.get(entry["kernel"], ["small"])
    ax["sizes"] = sizes
    if "cores" in entry or "max_cores" in entry:
        ax["cores"], ax["max_cores"] = entry.get("cores"), entry.get("max_cores")
    else:
        ax["cores"], ax["max_cores"] = sweep.get("cores"), sweep.get("max_cores")
    ax.update({k: v for k, v in entry.items() if k not in ("cores", "max_cores")})
    return ax


def point_id(p):
    """Readable prefix + hash of everything that defines the run."""
    ident = {k: p[k] for k in ("kernel", "model", "ranks", "threads", "nodes", "size", "reps",
                               "warmup", "args", "env", "layout")}
    digest = hashlib.sha1(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:8]
    nodes = "-n%d" % p["nodes"] if p["nodes"] > 1 else ""
    return "%s-%s-%dx%d%s-%s-%s" % (p["kernel"], p["model"], p["ranks"], p["threads"], nodes,
                                    p["size"], digest)


def plan(sweep, drivers, target):
    """(points, notes): every point of the sweep on target, in run order, and why
    some combinations were left out. Sizes are checked by the driver."""
    points, notes, seen, too_big = [], [], set(), []
    entries = []
    for e in sweep["kernels"]:
        if e["kernel"] == "all":
            entries += [dict(e, kernel=k) for k in drivers.kernels()]
        else:
            entries.append(e)
    for entry in entries:
        ax = kernel_axes(sweep, entry)
        cores_list = ax["cores"] or power_counts(ax["max_cores"] or target.cores)
        if sweep["kind"] == "hybrid" and not ax["cores"] and not ax["max_cores"]:
            cores_list = [target.cores]
        for size in ax["sizes"]:
            drivers.size_for(ax["kernel"], size, 1)
            for cores in cores_list:
                layouts, why = model_layouts(sweep["kind"], ax["models"], ax["threads"], cores)
                notes += why
                for model, ranks, threads in layouts:
                    if (target.where == "local" and ranks * threads > target.cores and
                            not target.oversubscribe):
                        too_big.append(ranks * threads)
                        continue
                    shape = target.shape(ranks, threads)
                    label = "%s %s %dx%d size %s" % (ax["kernel"], model, ranks, threads, size)
                    if isinstance(shape, str):
                        notes.append("%s: skipped: %s" % (label, shape))
                        continue
                    p = {"kernel": ax["kernel"], "model": model, "ranks": ranks,
                         "threads": threads, "nodes": shape[0], "ntasks_per_node": shape[1],
                         "oversubscribed": shape[2], "workers": ranks * threads,
                         "size": size, "reps": ax["reps"], "warmup": ax["warmup"],
                         "args": ax["args"], "env": sweep["env"], "layout": sweep["layout"],
                         "minutes": ax["time"]}
                    if sweep["kind"] == "weak":
                        p["base_size"] = size
                        p["size"] = drivers.size_for(ax["kernel"], size, ranks * threads)
                    p["id"] = point_id(p)
                    if p["id"] not in seen:
                        seen.add(p["id"])
                        points.append(p)
    if too_big:
        notes.append("skipped %d point(s) that need more than the %d core(s) here (up to %d); "
                     "--oversubscribe runs them, marked oversubscribed"
                     % (len(too_big), target.cores, max(too_big)))
    return points, [n for i, n in enumerate(notes) if n not in notes[:i]]


def driver_argv(p, drivers, output=None):
    """The driver and its arguments for point p (without launcher)."""
    argv = [drivers.path(p["model"]), "--kernel", p["kernel"], "--size", p["size"],
            "--reps", str(p["reps"]), "--warmup", str(p["warmup"])]
    argv += (["--layout"] if p["layout"] else []) + list(p["args"])
    return argv + (["--output", output] if output else [])


def local_command(p, drivers, mpiexec, mpiexec_flags, output):
    """(argv, env additions) that run point p on this machine with its placement:
    pure MPI --bind-to core; hybrid --map-by slot:PE=T --bind-to core with OpenMP
    threads on distinct cores; --bind-to none and --oversubscribe when the point has
    more workers than cores (it is then marked oversubscribed)."""
    env = dict(p["env"])
    if p["model"] in ("omp", "hybrid"):
        env["OMP_NUM_THREADS"] = str(p["threads"])
        if p["oversubscribed"]:
            env["OMP_PROC_BIND"] = "false"
        else:
            env.update({"OMP_PLACES": "cores", "OMP_PROC_BIND": "close"})
    argv = driver_argv(p, drivers, output)
    if p["model"] in ("seq", "omp"):
        return argv, env
    if os.geteuid() == 0:  # Open MPI refuses to start as root without these
        env.update({"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"})
    cmd = [mpiexec, "-np", str(p["ranks"])]
    if p["oversubscribed"]:
        cmd += ["--oversubscribe", "--bind-to", "none"]
    elif p["model"] == "hybrid":
        cmd += ["--map-by", "slot:PE=%d" % p["threads"], "--bind-to", "core"]
    else:
        cmd += ["--bind-to", "core"]
    for name in sorted(env):
        if not name.startswith("OMPI_"):
            cmd += ["-x", name]
    return cmd + list(mpiexec_flags) + argv, env


# --- results on disk ------------------------------------------------------------------


def utc_now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def write_json_atomic(path, obj):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_json(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class Results:
    """The results directory of one sweep."""

    def __init__(self, path):
        self.dir = os.path.abspath(check_path("results directory", path))
        self.points = os.path.join(self.dir, "points")
        self.jobs = os.path.join(self.dir, "jobs")
        self.manifest_path = os.path.join(self.dir, "manifest.json")
        self._lock = None

    def exists(self):
        return os.path.isfile(self.manifest_path)

    def create(self):
        for d in (self.dir, self.points, self.jobs):
            try:
                os.makedirs(d, exist_ok=True)
            except OSError as e:
                raise SweepError("cannot create %s: %s" % (d, e.strerror), code=1)

    def file(self, pid, ext):
        check_match("point id", pid, POINT_ID_RE, "generated ids only")
        return os.path.join(self.points, pid + ext)

    def lock(self, wait=False):
        """Hold the directory's lock (one writer of manifest.json). False when another
        process holds it and wait is False."""
        self.create()
        f = open(os.path.join(self.dir, ".lock"), "a+")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError:
            f.close()
            return False
        self._lock = f
        return True

    def unlock(self):
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def busy(self):
        """True while another process (a local sweep) holds the lock."""
        if self._lock is not None or not os.path.isdir(self.dir):
            return False
        if self.lock():
            self.unlock()
            return False
        return True

    def load(self):
        m = read_json(self.manifest_path) if self.exists() else None
        if self.exists() and not isinstance(m, dict):
            raise SweepError("%s is damaged (not a JSON object); move it away to start the "
                             "sweep afresh" % self.manifest_path, code=1)
        return m or {"scalekit_sweep": SCHEMA, "points": {}, "jobs": {}}

    def save(self, manifest):
        write_json_atomic(self.manifest_path, manifest)


def read_records(path):
    """The JSON objects of a JSON Lines file ([] if missing; broken lines skipped)."""
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return out


def log_text(path):
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


TERMINAL_JOB_STATES = ("COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "NODE_FAIL", "PREEMPTED",
                       "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT")


def signal_name(n):
    try:
        return signal.Signals(n).name
    except (ValueError, AttributeError):
        return "signal %d" % n


def failure_reason(status, records, log):
    """Why a finished attempt failed, from its status, record and log."""
    rc, minutes = status.get("exit"), status.get("minutes")
    if status.get("timed_out") or "DUE TO TIME LIMIT" in log:
        return "time limit (%s min) reached" % (minutes if minutes else "?")
    if re.search(r"CANCELLED AT .* (DUE TO|\*\*\*)", log) or "Job step aborted" in log:
        return "cancelled (%s)" % (log_line(log, "CANCELLED") or "scancel")
    if rc == 3:
        res = (records[-1].get("result") or {}) if records else {}
        return "verification failed (exit 3): expected %s, got %s" % (
            res.get("expected", "?"), res.get("got", "?"))
    sig = status.get("signal")
    if sig is None and isinstance(rc, int) and rc > 128:
        sig = rc - 128
    if sig:
        return "killed by %s (exit %s)" % (signal_name(sig), rc)
    if rc == 0:
        return "exit 0 but no verified record"
    last = [line for line in log.splitlines() if line.strip()]
    return "exit %s%s" % (rc, ": " + last[-1].strip()[:160] if last else "")


def log_line(log, word):
    for line in log.splitlines():
        if word in line:
            return line.strip()[:160]
    return ""


def point_state(results, pid, attempt, job_states, local_busy=False):
    """(state, reason) of point pid: verified | failed | pending | running | missing.

    attempt is the point's latest attempt from the manifest (None: never run);
    job_states maps Slurm job ids to their state (absent: unknown to Slurm)."""
    if attempt is None:
        return "missing", "never run"
    status = read_json(results.file(pid, ".status.json"))
    job = attempt.get("job")
    if isinstance(status, dict) and str(status.get("job_id")) != str(job):
        status = None  # left by an earlier attempt
    records = read_records(results.file(pid, ".jsonl"))
    verified = bool(records) and records[-1].get("verified") is True
    if isinstance(status, dict):
        if status.get("exit") == 0 and verified:
            return "verified", ""
        return "failed", failure_reason(status, records, log_text(results.file(pid, ".log")))
    if verified:
        return "verified", "(no status file)"
    if job is None:
        if local_busy:
            return "running", "local sweep in progress"
        return "failed", "interrupted (the local sweep stopped before this point finished)"
    state = job_states.get(str(job))
    if state is None:
        return "failed", ("job %s is no longer known to Slurm and left no status for this "
                          "point (lost)" % job)
    base = state.split()[0].rstrip("+")
    if base == "PENDING":
        return "pending", "job %s pending" % job
    if base in TERMINAL_JOB_STATES:
        return "failed", "job %s ended %s before this point finished" % (job, state)
    return "running", "job %s %s" % (job, base.lower())


# --- progress -------------------------------------------------------------------------


def clock(seconds):
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    return "%d:%02d:%02d" % (h, rest // 60, rest % 60) if h else "%d:%02d" % divmod(rest, 60)


class Progress:
    """Points done/total, elapsed, ETA (mean time per finished point) and the current
    point, one line per event."""

    def __init__(self, total, out=None, now=time.monotonic):
        self.total, self.done, self.out, self.now = total, 0, out or sys.stdout, now
        self.start = now()

    def eta(self):
        if self.done == 0:
            return "?"
        return clock((self.now() - self.start) / self.done * (self.total - self.done))

    def line(self, text):
        self.out.write("[%d/%d] elapsed %s, ETA %s | %s\n"
                       % (self.done, self.total, clock(self.now() - self.start), self.eta(),
                          text))
        self.out.flush()

    def begin(self, label):
        self.line("running %s" % label)

    def end(self, label, state, reason, seconds):
        self.done += 1
        self.line("%s: %s (%.1f s)%s" % (label, state, seconds,
                                         "" if state == "verified" else ": " + reason))


def label_of(p):
    return "%s %s %dx%d%s size %s%s" % (
        p["kernel"], p["model"], p["ranks"], p["threads"],
        " on %d nodes" % p["nodes"] if p["nodes"] > 1 else "", p["size"],
        " (oversubscribed)" if p["oversubscribed"] else "")


# --- local sweeps ---------------------------------------------------------------------


class Interrupted(Exception):
    pass


def _on_signal(signum, frame):
    raise Interrupted(signal_name(signum))


def stop_group(proc, grace=5.0):
    """End proc's process group: SIGTERM, then SIGKILL after grace seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except OSError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _remove_partial(results, pid):
    """Remove a point's results and status files (what a run leaves half-written)."""
    for ext in (".jsonl", ".status.json"):
        try:
            os.remove(results.file(pid, ext))
        except OSError:
            pass


def run_point_local(p, results, argv, env):
    """Run one point; write its status file. Interrupted propagates after the
    point's partial files are removed."""
    _remove_partial(results, p["id"])
    full_env = dict(os.environ)
    full_env.update(env)
    start = time.monotonic()
    status = {"point": p["id"], "where": "local", "job_id": None, "minutes": p["minutes"],
              "command": argv, "timed_out": False, "signal": None}
    with open(results.file(p["id"], ".log"), "w") as log:
        try:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=full_env,
                                    start_new_session=True)
        except OSError as e:
            log.write("cannot start %s: %s\n" % (argv[0], e))
            status.update(exit=127, seconds=0.0)
            write_json_atomic(results.file(p["id"], ".status.json"), status)
            return
        try:
            proc.wait(timeout=p["minutes"] * 60)
        except subprocess.TimeoutExpired:
            status["timed_out"] = True
            stop_group(proc)
        except Interrupted:
            stop_group(proc)
            _remove_partial(results, p["id"])
            raise
    rc = proc.returncode
    status.update(exit=rc if rc >= 0 else 128 - rc, seconds=round(time.monotonic() - start, 3))
    if rc < 0:
        status["signal"] = -rc
    write_json_atomic(results.file(p["id"], ".status.json"), status)


def attempts_of(manifest, pid):
    return manifest["points"].get(pid, {}).get("attempts", [])


def latest(manifest, pid):
    a = attempts_of(manifest, pid)
    return a[-1] if a else None


def remember(manifest, sweep, points):
    """Store the definition and the planned points (keeping their attempts)."""
    manifest.update({"scalekit_sweep": SCHEMA, "name": sweep["name"], "kind": sweep["kind"],
                     "definition": sweep})
    manifest.setdefault("created", utc_now())
    for p in points:
        old = manifest["points"].get(p["id"], {})
        manifest["points"][p["id"]] = dict(p, attempts=old.get("attempts", []))


def run_local(sweep, points, notes, results, drivers, opts, out=sys.stdout):
    """Run every point not yet verified, one after the other; 0 if all verified."""
    for n in notes:
        out.write("note: %s\n" % n)
    manifest = results.load() if results.exists() else {"points": {}, "jobs": {}}
    todo, done = [], 0
    for p in points:
        state, _ = point_state(results, p["id"], latest(manifest, p["id"]), {})
        if state == "verified":
            done += 1
        else:
            todo.append(p)
    cmds = [(p,) + local_command(p, drivers, opts.mpiexec, opts.mpiexec_flags,
                                 results.file(p["id"], ".jsonl")) for p in todo]
    if opts.dry_run:
        out.write("# %d point(s), %d already verified in %s; would run:\n"
                  % (len(points), done, results.dir))
        for p, argv, env in cmds:
            out.write("# %s\n%s\n" % (label_of(p), sh_join(
                (["env"] + ["%s=%s" % kv for kv in sorted(env.items())] if env else []) + argv)))
        return 0
    if not results.lock():
        raise SweepError("another sweep is running in %s; wait for it or stop it" % results.dir,
                         code=1)
    remember(manifest, sweep, points)
    results.save(manifest)
    out.write("sweep %s: %d point(s), %d already verified (skipped), %d to run; results in %s\n"
              % (sweep["name"], len(points), done, len(todo), results.dir))
    progress = Progress(len(todo), out)
    old = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    failed = []
    try:
        for p, argv, env in cmds:
            progress.begin(label_of(p))
            manifest["points"][p["id"]]["attempts"].append({"where": "local", "job": None,
                                                            "at": utc_now()})
            results.save(manifest)
            start = time.monotonic()
            run_point_local(p, results, argv, env)
            state, reason = point_state(results, p["id"], latest(manifest, p["id"]), {})
            if state != "verified":
                failed.append((p, reason))
            progress.end(label_of(p), state, reason, time.monotonic() - start)
    except Interrupted as e:
        out.write("interrupted (%s) after %d of %d point(s); run the same command again to "
                  "resume (verified points are skipped)\n" % (e, progress.done, len(todo)))
        return EXIT_INTERRUPTED
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        results.unlock()
    verified = done + len(todo) - len(failed)
    out.write("sweep %s: %d of %d point(s) verified%s\n"
              % (sweep["name"], verified, len(points),
                 "; failed:" if failed else ""))
    for p, reason in failed:
        out.write("  %s (%s): %s\n" % (label_of(p), p["id"], reason))
    if failed:
        out.write("rerun the same command to retry only the failed points\n")
    return 1 if failed else 0


def physical_cores():
    """Cores this process may use, counting hyperthreads of one core once (Open MPI
    binds to cores)."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
    cores = set()
    for c in cpus:
        base = "/sys/devices/system/cpu/cpu%d/topology/" % c
        try:
            with open(base + "physical_package_id") as f1, open(base + "core_id") as f2:
                cores.add((f1.read().strip(), f2.read().strip()))
        except OSError:
            cores.add(("cpu", str(c)))
    return max(1, len(cores))


# --- Slurm ----------------------------------------------------------------------------


class Slurm:
    """The few Slurm commands a sweep uses (tests may substitute a fake)."""

    def _run(self, argv, cwd=None, timeout=60):
        try:
            return capture(argv, cwd, timeout)
        except OSError as e:
            return 127, "", str(e)
        except subprocess.TimeoutExpired:
            return 124, "", "%s timed out after %d s" % (argv[0], timeout)

    def sbatch(self, script, cwd):
        """Submit script from cwd; the job id."""
        rc, out, err = self._run(["sbatch", "--parsable", script], cwd=cwd)
        jid = out.strip().split(";")[0]
        if rc != 0 or not re.fullmatch(r"\d+", jid):
            raise SweepError("sbatch %s failed (exit %s): %s" % (script, rc, (err or out).strip()),
                             code=1)
        return jid

    def states(self, job_ids):
        """{job id: state} for the jobs Slurm still knows (squeue, then scontrol,
        then sacct where accounting exists)."""
        ids = sorted(set(str(j) for j in job_ids if j))
        if not ids:
            return {}
        found = {}
        rc, out, _ = self._run(["squeue", "-h", "-o", "%i|%T", "-j", ",".join(ids)])
        for line in out.splitlines():
            jid, _, state = line.partition("|")
            if jid.strip() in ids:
                found[jid.strip()] = state.strip()
        for jid in ids:
            if jid in found:
                continue
            rc, out, _ = self._run(["scontrol", "show", "job", "-o", jid])
            m = re.search(r"\bJobState=(\S+)", out) if rc == 0 else None
            if m:
                found[jid] = m.group(1)
        rest = [j for j in ids if j not in found]
        if rest:
            rc, out, _ = self._run(["sacct", "-n", "-X", "-P", "-o", "JobID,State",
                                    "-j", ",".join(rest)])
            for line in out.splitlines() if rc == 0 else []:
                jid, _, state = line.partition("|")
                if jid in rest and state:
                    found[jid] = state
        return found

    def cores_per_node(self, partition):
        argv = ["sinfo", "-h", "-o", "%c"] + (["-p", partition] if partition else [])
        rc, out, _ = self._run(argv)
        counts = [int(m.group(1)) for m in re.finditer(r"(\d+)", out)] if rc == 0 else []
        return min(counts) if counts else None


def job_shape(p):
    return (p["nodes"], p["ntasks_per_node"], p["threads"])


def group_jobs(points):
    """Points grouped by resource shape, in plan order: [(shape, [points])]."""
    groups = {}
    order = []
    for p in points:
        s = job_shape(p)
        if s not in groups:
            groups[s] = []
            order.append(s)
        groups[s].append(p)
    return [(s, groups[s]) for s in order]


def job_minutes(points):
    """The job's time limit: every point's own limit plus a margin for start-up."""
    total = sum(p["minutes"] for p in points)
    return total + max(1, -(-total // 10))


def sbatch_lines(sweep):
    """The optional #SBATCH lines (every value validated by normalize())."""
    keys = ("partition", "account", "qos", "constraint")
    lines = ["#SBATCH --%s=%s" % (k, sweep[k]) for k in keys if sweep[k]]
    if sweep["exclusive"]:
        lines.append("#SBATCH --exclusive")
    return lines + ["#SBATCH %s" % o for o in sweep["sbatch_options"]]


def render(template, values):
    """template with every {{key}} replaced by values[key] (already validated or
    quoted by the caller); an unknown key is an error."""
    def sub(m):
        if m.group(1) not in values:
            raise SweepError("%s uses an unknown placeholder {{%s}}" % (TEMPLATE, m.group(1)),
                             code=1)
        return values[m.group(1)]
    return re.sub(r"\{\{([a-z_]+)\}\}", sub, template)


def job_script(sweep, shape, points, drivers, results, template):
    """The batch script that runs `points` (all of one shape) as successive steps."""
    nodes, tpn, cpt = shape
    env = ["export %s=%s" % (k, sh_quote(v)) for k, v in sorted(sweep["env"].items())]
    runs = ["run_point %s" % sh_join([p["id"], p["minutes"]] + driver_argv(p, drivers))
            for p in points]
    desc = "%s sweep %s, %d point(s) on %d node(s) x %d task(s) x %d cpu(s)" % (
        sweep["kind"], sweep["name"], len(points), nodes, tpn, cpt)
    return render(template, {
        "description": desc, "job_name": "sk-" + sweep["name"], "nodes": str(nodes),
        "ntasks_per_node": str(tpn), "cpus_per_task": str(cpt),
        "time": str(job_minutes(points)), "sbatch_options": "\n".join(sbatch_lines(sweep)),
        "results_dir": sh_quote(results.dir), "srun_mpi": sweep["srun_mpi"],
        "environment": "\n".join(env) if env else "# (no extra environment)",
        "points": "\n".join(runs)})


def load_template():
    try:
        with open(TEMPLATE, "r", encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise SweepError("cannot read the job template %s: %s" % (TEMPLATE, e.strerror), code=1)


def last_jobs(manifest, pids):
    return [a["job"] for a in (latest(manifest, pid) for pid in pids) if a and a.get("job")]


def submit(sweep, points, notes, results, drivers, slurm, dry_run, out=sys.stdout):
    """Submit every missing or failed point, one job per resource shape."""
    for n in notes:
        out.write("note: %s\n" % n)
    manifest = results.load()
    states = slurm.states(last_jobs(manifest, [p["id"] for p in points])) \
        if results.exists() else {}
    todo, kept = [], {"verified": 0, "pending": 0, "running": 0}
    for p in points:
        state, reason = point_state(results, p["id"], latest(manifest, p["id"]), states)
        if state in ("missing", "failed"):
            todo.append(p)
        else:
            kept[state] += 1
    groups = group_jobs(todo)
    queued = kept["pending"] + kept["running"]
    out.write("sweep %s: %d point(s): %d verified, %d queued or running; "
              % (sweep["name"], len(points), kept["verified"], queued))
    out.write("submitting %d point(s) in %d job(s)\n" % (len(todo), len(groups)))
    template = load_template()
    scripts = [(shape, pts, job_script(sweep, shape, pts, drivers, results, template))
               for shape, pts in groups]
    if dry_run:
        for i, (shape, pts, text) in enumerate(scripts, 1):
            out.write("\n# ---- job %d of %d: cd %s && sbatch --parsable jobs/<this script>\n%s"
                      % (i, len(scripts), sh_quote(results.dir), text))
        return 0
    if not results.lock():
        raise SweepError("a local sweep is running in %s; wait for it to finish" % results.dir,
                         code=1)
    try:
        remember(manifest, sweep, points)
        results.save(manifest)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        for i, (shape, pts, text) in enumerate(scripts, 1):
            script = os.path.join(results.jobs, "%s-%s-%d.sbatch" % (sweep["name"], stamp, i))
            with open(script, "w", encoding="utf-8") as f:
                f.write(text)
            try:
                jid = slurm.sbatch(script, cwd=results.dir)
            except SweepError:
                os.remove(script)
                raise
            manifest["jobs"][jid] = {"points": [p["id"] for p in pts], "submitted": utc_now(),
                                     "script": os.path.relpath(script, results.dir),
                                     "shape": {"nodes": shape[0], "ntasks_per_node": shape[1],
                                               "cpus_per_task": shape[2]},
                                     "minutes": job_minutes(pts)}
            for p in pts:
                manifest["points"][p["id"]]["attempts"].append(
                    {"where": "slurm", "job": jid, "at": utc_now()})
            results.save(manifest)
            out.write("submitted job %s: %d point(s) on %d node(s) x %d task(s) x %d cpu(s), "
                      "time limit %d min\n" % (jid, len(pts), shape[0], shape[1], shape[2],
                                               job_minutes(pts)))
    finally:
        results.unlock()
    out.write("follow it with: ./scalekit status %s\n" % sh_quote(results.dir))
    return 0


# --- status ---------------------------------------------------------------------------


def collect_status(results, slurm):
    """[(point, state, reason, job)] for every point in the manifest."""
    manifest = results.load()
    if not results.exists():
        raise SweepError("no sweep in %s (manifest.json missing)" % results.dir)
    pids = sorted(manifest["points"])
    jobs = last_jobs(manifest, pids)
    states = slurm.states(jobs) if jobs else {}
    busy = results.busy()
    rows = []
    for pid in pids:
        a = latest(manifest, pid)
        state, reason = point_state(results, pid, a, states, local_busy=busy)
        rows.append((manifest["points"][pid], state, reason, a.get("job") if a else None))
    if jobs and results.lock():  # remember final job states (squeue forgets them)
        try:
            for j, s in states.items():
                if j in manifest["jobs"]:
                    manifest["jobs"][j]["last_state"] = s
            results.save(manifest)
        finally:
            results.unlock()
    return rows


def print_status(rows, out=sys.stdout):
    head = ("point", "state", "job", "reason")
    table = [(p["id"], s, j or "-", r) for p, s, r, j in rows]
    w = [max([len(head[i])] + [len(str(t[i])) for t in table]) for i in range(3)]
    out.write("%-*s  %-*s  %-*s  %s\n" % (w[0], head[0], w[1], head[1], w[2], head[2], head[3]))
    for t in table:
        out.write("%-*s  %-*s  %-*s  %s\n" % (w[0], t[0], w[1], t[1], w[2], t[2], t[3]))
    counts = {}
    for _, s, _, _ in rows:
        counts[s] = counts.get(s, 0) + 1
    out.write("%d point(s): %s\n" % (len(rows), ", ".join(
        "%d %s" % (counts[s], s) for s in ("verified", "failed", "running", "pending",
                                           "missing") if s in counts)))


# --- command line ---------------------------------------------------------------------


def add_definition_options(p):
    p.add_argument("file", nargs="?", help="sweep file (.json, or .toml with Python >= 3.11)")
    g = p.add_argument_group("sweep definition (override the file's keys)")
    g.add_argument("--name", help="sweep name: results go to RESULTS_ROOT/NAME")
    g.add_argument("--kind", choices=KINDS)
    g.add_argument("--kernels", help="comma-separated kernel names, or all")
    g.add_argument("--models", help="comma-separated: seq,omp,mpi,hybrid (strong/weak)")
    g.add_argument("--cores", help="comma-separated core counts, e.g. 1,2,4,8")
    g.add_argument("--max-cores", type=int, help="core counts 1,2,4,... up to this")
    g.add_argument("--sizes", help="comma-separated sizes (weak: the size for one worker)")
    g.add_argument("--reps", type=int, help="timed repetitions per point (default 3)")
    g.add_argument("--warmup", type=int, help="untimed runs per point (default 1)")
    g.add_argument("--threads", type=int, help="threads per rank of the hybrid model in "
                   "strong/weak sweeps (default 2)")
    g.add_argument("--args", help="extra driver arguments, e.g. '--iters 10'")
    g.add_argument("--env", action="append", metavar="NAME=VALUE",
                   help="environment for every point (repeatable)")
    g.add_argument("--time", help="time limit per point (Slurm format; default 10 minutes)")
    g.add_argument("--no-layout", action="store_true",
                   help="do not record where every thread ran (--layout)")
    p.add_argument("--bindir", default=os.environ.get("SCALEKIT_BINDIR"),
                   help="directory of the built scalekit-* drivers")
    p.add_argument("--results-root", default="results",
                   help="results go to RESULTS_ROOT/NAME (default: ./results)")
    p.add_argument("--results", help="results directory (instead of RESULTS_ROOT/NAME)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the exact commands (run) or job scripts (submit); run nothing")


def definition_from(args):
    raw = load_file(args.file) if args.file else {}
    for key in ("name", "kind", "kernels", "models", "cores", "max_cores", "sizes", "reps",
                "warmup", "threads", "time", "partition", "account", "qos", "constraint",
                "cores_per_node", "nodes", "srun_mpi"):
        v = getattr(args, key, None)
        if v is not None:
            raw[key] = v
    if args.args is not None:
        raw["args"] = shlex.split(args.args)
    if args.env:
        env = dict(raw.get("env") or {})
        for item in args.env:
            name, eq, value = item.partition("=")
            if not eq:
                raise SweepError("--env %r must be NAME=VALUE" % item)
            env[name] = value
        raw["env"] = env
    if args.no_layout:
        raw["layout"] = False
    if getattr(args, "exclusive", False):
        raw["exclusive"] = True
    if getattr(args, "sbatch_option", None):
        raw["sbatch_options"] = list(raw.get("sbatch_options") or []) + args.sbatch_option
    return normalize(raw)


def results_of(args, name):
    return Results(args.results or os.path.join(check_path("--results-root", args.results_root),
                                                name))


def parser():
    top = argparse.ArgumentParser(
        prog=os.environ.get("SCALEKIT_PROG", "sweep.py"),
        description="Plan, run, submit and track scalekit scaling sweeps.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLE)
    sub = top.add_subparsers(dest="command")
    fmt = argparse.RawDescriptionHelpFormatter
    run = sub.add_parser("sweep", aliases=["run"], help="run a sweep on this machine",
                         formatter_class=fmt, epilog=EXAMPLE, description=(
                             "Run every point of a sweep on this machine through mpirun, with\n"
                             "the right placement per point, and show progress. Points already\n"
                             "verified are skipped: run the same command again to resume."))
    add_definition_options(run)
    run.add_argument("--oversubscribe", action="store_true",
                     help="also run points with more workers than cores (marked)")
    run.add_argument("--mpiexec", default=os.environ.get("MPIEXEC", "mpirun"),
                     help="MPI launcher (Open MPI's mpirun; default $MPIEXEC or mpirun)")
    run.add_argument("--mpiexec-flags", default=os.environ.get("MPIEXEC_FLAGS", ""),
                     help="extra launcher flags (default $MPIEXEC_FLAGS)")
    run.add_argument("--local-cores", type=int,
                     help="cores to plan for (default: physical cores this process may use)")
    smt = sub.add_parser("submit", help="submit a sweep to Slurm", formatter_class=fmt,
                         epilog=EXAMPLE, description=(
                             "Submit every missing or failed point of a sweep to Slurm, one job\n"
                             "per resource shape; a job's points run as successive srun steps,\n"
                             "each with its own time limit. Submitting again sends only the\n"
                             "points that are missing or failed."))
    add_definition_options(smt)
    g = smt.add_argument_group("Slurm")
    g.add_argument("--partition")
    g.add_argument("--account")
    g.add_argument("--qos")
    g.add_argument("--constraint")
    g.add_argument("--cores-per-node", type=int,
                   help="cores of one node (default: the smallest sinfo reports)")
    g.add_argument("--nodes", type=int, help="put every point on exactly this many nodes")
    g.add_argument("--exclusive", action="store_true", help="whole nodes for every job")
    g.add_argument("--sbatch-option", action="append", metavar="--NAME[=VALUE]",
                   help="extra #SBATCH option, e.g. --mem=0 (repeatable)")
    g.add_argument("--srun-mpi", help="srun --mpi plugin (default pmix)")
    pl = sub.add_parser("plan", help="list a sweep's points", formatter_class=fmt,
                        epilog=EXAMPLE)
    add_definition_options(pl)
    pl.add_argument("--local-cores", type=int)
    pl.add_argument("--oversubscribe", action="store_true")
    st = sub.add_parser("status", help="state of every point of a sweep")
    st.add_argument("sweep", help="sweep name (under --results-root) or results directory")
    st.add_argument("--results-root", default="results")
    st.add_argument("--json", action="store_true", help="one JSON object per point")
    return top


def cmd_status(args, slurm, out):
    path = args.sweep
    if not os.path.isdir(path):
        check_match("sweep name", path, NAME_RE, "a sweep name or a results directory")
        path = os.path.join(args.results_root, path)
    rows = collect_status(Results(path), slurm)
    if args.json:
        for p, s, r, j in rows:
            out.write(json.dumps({"point": p["id"], "state": s, "reason": r, "job": j,
                                  "kernel": p["kernel"], "model": p["model"],
                                  "ranks": p["ranks"], "threads": p["threads"],
                                  "nodes": p["nodes"], "size": p["size"]}) + "\n")
    else:
        print_status(rows, out)
    return 0


def main(argv=None, slurm=None, out=sys.stdout):
    args = parser().parse_args(argv)
    slurm = slurm or Slurm()
    try:
        if args.command is None:
            parser().print_help(out)
            return EXIT_USAGE
        if args.command == "status":
            return cmd_status(args, slurm, out)
        sweep = definition_from(args)
        if not args.bindir:
            raise SweepError("--bindir DIR (the built drivers) is required")
        drivers = Drivers(args.bindir)
        drivers.check(("seq",))
        results = results_of(args, sweep["name"])
        if args.command == "submit":
            cpn = sweep["cores_per_node"] or slurm.cores_per_node(sweep["partition"])
            if not cpn:
                raise SweepError("cannot tell how many cores a node has (sinfo gave nothing): "
                                 "pass --cores-per-node N")
            target = Target("slurm", cpn, sweep["nodes"])
        else:
            target = Target("local", args.local_cores or physical_cores(),
                            oversubscribe=args.oversubscribe)
        points, notes = plan(sweep, drivers, target)
        if not points:
            raise SweepError("the sweep has no points that can run here:\n  " +
                             "\n  ".join(notes or ["(nothing planned)"]))
        drivers.check(sorted(set(p["model"] for p in points)))
        if args.command == "plan":
            for n in notes:
                out.write("note: %s\n" % n)
            for p in points:
                out.write("%s  %s\n" % (p["id"], label_of(p)))
            return 0
        if args.command == "submit":
            return submit(sweep, points, notes, results, drivers, slurm, args.dry_run, out)
        args.mpiexec_flags = shlex.split(args.mpiexec_flags)  # command "run" or "sweep"
        return run_local(sweep, points, notes, results, drivers, args, out)
    except SweepError as e:
        sys.stderr.write("scalekit sweep: %s\n" % e)
        return e.code


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # e.g. piped into head: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
