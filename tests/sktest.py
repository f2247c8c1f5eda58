"""sktest.py - shared helpers of scalekit's scripted tests (stdlib only).

The test scripts (tests/test_*.py, slurmlab.py, analysis/test_measured.py)
import this module after putting its directory first on sys.path. It provides:
  - parse_args(): the common --bindir/--mpiexec/--timeout options plus script
    options; run_groups(): main() of a script whose checks come in --group's;
  - Suite: pass/fail bookkeeping and a scratch directory, ending in the line
    "N passed, N failed";
  - driver_path()/mpirun()/driver_command()/overhead_command(): how to start a
    driver or scalekit-overhead (directly or under mpirun); child_env(): its
    environment;
  - run()/run_driver(): run with a timeout that kills the whole process group,
    giving a Result (describe() for failure messages, shortened by tail());
    run_until(): run until a stderr line matches, then stop it; interrupt():
    signal a running child and collect its output; descendants(): the
    processes below a pid;
  - read_jsonl()/one_record(): the records of a --output file; is_int()/
    is_num(): JSON type checks; crash_markers(): the CRASH_MARKERS in a text;
  - check_usage_error(): the usage-error contract (exit 2, one message line,
    no noise, no result, the --output file left alone), with
    message_lines() and snapshot(); syntax_cases(): the bad command lines
    every scalekit program refuses alike (test_cli.py, test_overhead.py);
  - the names MODELS, MPI_MODELS, KERNELS and the default TIMEOUT.

Every child runs with a timeout (TIMEOUT seconds by default); a timeout is
reported as a failure, never a hang.
"""
import argparse
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TIMEOUT = 120.0
MODELS = ("seq", "omp", "mpi", "hybrid")
MPI_MODELS = ("mpi", "hybrid")
KERNELS = ("primes", "pi", "mandelbrot", "stencil", "triad", "iobench", "counter",
           "latency")

# Stderr text that must never appear: crashes, sanitizer reports, aborts.
CRASH_MARKERS = (
    "Traceback",
    "Segmentation",
    "segfault",
    "core dumped",
    "AddressSanitizer",
    "ThreadSanitizer",
    "LeakSanitizer",
    "UndefinedBehaviorSanitizer",
    "runtime error:",
    "MPI_ABORT",
    "MPI_Abort",
    "Abort(",
    "signal ",
    "Assertion",
)


def parse_args(description, extra=None):
    """Parse --bindir and --mpiexec plus options added by extra(parser)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--bindir", required=True, help="directory with the scalekit-* drivers")
    p.add_argument("--mpiexec", required=True, help="mpirun/mpiexec to launch MPI drivers")
    p.add_argument("--timeout", type=float, default=TIMEOUT,
                   help="seconds allowed for each child process (default %(default)s)")
    if extra is not None:
        extra(p)
    return p.parse_args()


def run_groups(doc, name, groups):
    """main() of a script whose checks come in groups chosen by --group:
    groups maps a group name to fn(suite, args). Exits like Suite.finish()."""
    def extra(p):
        p.add_argument("--group", required=True, choices=sorted(groups))

    args = parse_args(doc.splitlines()[0], extra)
    s = Suite("%s-%s" % (name, args.group))
    groups[args.group](s, args)
    s.finish()


class Suite:
    """Counts checks; finish() prints 'N passed, N failed' last and exits."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.tmp = tempfile.mkdtemp(prefix="scalekit-%s-" % name)

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print("ok    %s" % what)
        else:
            self.failed += 1
            print("FAIL  %s" % what)
            if detail:
                for line in str(detail).rstrip().splitlines():
                    print("      " + line)
        sys.stdout.flush()
        return bool(ok)

    def note(self, text):
        print("note  %s" % text)
        sys.stdout.flush()

    def path(self, name):
        """A fresh path in the suite's scratch directory (removed if present)."""
        p = os.path.join(self.tmp, name)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)
        return p

    def finish(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.stdout.flush()
        sys.exit(1 if self.failed else 0)


def driver_path(bindir, model):
    return os.path.join(bindir, "scalekit-%s" % model)


def mpirun(args, np, bind_none):
    """`mpiexec -np P --oversubscribe`, plus `--bind-to none` if bind_none."""
    cmd = [args.mpiexec, "-np", str(np), "--oversubscribe"]
    return cmd + ["--bind-to", "none"] if bind_none else cmd


def driver_command(args, model, argv, np=None, bind_none=None):
    """The command line starting driver `model` with argv.

    MPI models run under `mpiexec -np P --oversubscribe`; the hybrid model
    also gets `--bind-to none` (else each rank's threads share one core)
    unless bind_none is False. bind_none=True adds it for the mpi model too.
    """
    exe = driver_path(args.bindir, model)
    if model not in MPI_MODELS:
        return [exe] + list(argv)
    if bind_none is None:
        bind_none = model == "hybrid"
    return mpirun(args, np or 1, bind_none) + [exe] + list(argv)


def overhead_command(args, argv, np=None):
    """The command line starting scalekit-overhead with argv: in one process,
    or under `mpiexec -np P --oversubscribe --bind-to none` when np is given."""
    exe = driver_path(args.bindir, "overhead")
    if np is None:
        return [exe] + list(argv)
    return mpirun(args, np, True) + [exe] + list(argv)


def child_env(threads=None, corrupt=False, extra=None, prompt_abort=True):
    """Environment for a driver: root may run mpirun, OMP_NUM_THREADS is
    `threads` (unset when None), the corruption hook only when asked.

    prompt_abort: Open MPI 4's mpirun answers the first non-zero exit of any
    rank by signalling every rank it still counts as alive, sleeping
    odls_base_sigkill_timeout (1 s) after SIGCONT and again after SIGTERM,
    even when all ranks have exited already: every usage error or failed
    verification under mpirun costs 1-2 s. Tests set the timeout to 0
    (the exit status is unchanged); prompt_abort=False keeps mpirun's
    default, for the test that shows the default still ends with exit 2."""
    env = dict(os.environ)
    env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    env.pop("OMPI_MCA_odls_base_sigkill_timeout", None)
    if prompt_abort:
        env["OMPI_MCA_odls_base_sigkill_timeout"] = "0"
    env.pop("SCALEKIT_TEST_CORRUPT_RESULT", None)
    env.pop("OMP_NUM_THREADS", None)
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    if corrupt:
        env["SCALEKIT_TEST_CORRUPT_RESULT"] = "1"
    if extra:
        env.update(extra)
    return env


class Result:
    def __init__(self, cmd, rc, out, err, timed_out, seconds):
        self.cmd = cmd
        self.rc = rc
        self.out = out
        self.err = err
        self.timed_out = timed_out
        self.seconds = seconds

    def describe(self):
        """Command, exit status and output for a failure message."""
        status = ("TIMED OUT after %.0f s (killed)" % self.seconds if self.timed_out
                  else "exit %s" % self.rc)
        text = "command: %s\n%s (%.2f s)" % (" ".join(self.cmd), status, self.seconds)
        if self.out.strip():
            text += "\n--- stdout ---\n" + tail(self.out)
        if self.err.strip():
            text += "\n--- stderr ---\n" + tail(self.err)
        return text


def tail(text, lines=25):
    rows = text.rstrip().splitlines()
    if len(rows) > lines:
        rows = ["... (%d lines cut)" % (len(rows) - lines)] + rows[-lines:]
    return "\n".join(rows)


def run(cmd, env=None, timeout=TIMEOUT, cwd=None):
    """Run cmd in its own process group; on timeout kill the group."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                start_new_session=True, universal_newlines=True,
                                errors="replace")
    except OSError as e:
        return Result(cmd, None, "", "cannot start: %s" % e, False, 0.0)
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        out, err = proc.communicate()
    return Result(cmd, proc.returncode, out or "", err or "", timed_out,
                  time.monotonic() - start)


def interrupt(proc, sig, timeout=30):
    """Send sig to proc (started with start_new_session=True) and return its
    communicate() output; SIGKILL its process group if it is still there
    after timeout seconds."""
    proc.send_signal(sig)
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.communicate()


def descendants(pid):
    """PIDs of every process below pid (from /proc; empty where unavailable)."""
    children = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def run_until(cmd, env, pattern, timeout=TIMEOUT, sig=signal.SIGTERM):
    """Start cmd in its own session, read its stderr until a line matches
    the compiled regex `pattern` or `timeout` seconds pass, then stop it:
    `sig` to its process group (SIGTERM by default, which mpirun passes on
    to its ranks), and after 10 s SIGKILL to it and to every process below
    it, by PID. Stdout is read meanwhile, so a chatty child cannot block.
    Returns (matching line or None, Result of the whole run)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    data = {out_fd: b"", err_fd: b""}
    reading = [out_fd, err_fd]
    match, line_start = None, 0
    while match is None and err_fd in reading and time.monotonic() - start < timeout:
        ready, _, _ = select.select(reading, [], [], 0.2)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                reading.remove(fd)
            data[fd] += chunk
        err = data[err_fd]
        # Scan only what is new: from the start of the last unfinished line.
        for line in err[line_start:].decode("utf-8", "replace").splitlines():
            if pattern.search(line):
                match = line
                break
        line_start = err.rfind(b"\n") + 1
    below = descendants(proc.pid)
    try:
        os.killpg(proc.pid, sig)
    except OSError:
        pass
    try:
        out, rest = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        for pid in [proc.pid] + below + descendants(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        out, rest = proc.communicate()
    text = (data[err_fd] + rest).decode("utf-8", "replace")
    return match, Result(cmd, proc.returncode, (data[out_fd] + out).decode("utf-8", "replace"),
                         text, False, time.monotonic() - start)


def run_driver(args, model, argv, np=None, threads=None, corrupt=False, bind_none=None,
               env_extra=None, prompt_abort=True, timeout=None):
    cmd = driver_command(args, model, argv, np=np, bind_none=bind_none)
    env = child_env(threads=threads, corrupt=corrupt, extra=env_extra, prompt_abort=prompt_abort)
    return run(cmd, env=env, timeout=timeout or args.timeout)


def read_jsonl(path):
    """Return (records, error): the parsed lines of a JSON Lines file, or
    error text when it is missing, has a blank/broken line or no newline."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        return None, "cannot read %s: %s" % (path, e)
    if text and not text.endswith("\n"):
        return None, "%s does not end with a newline" % path
    records = []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            obj = json.loads(line)
        except ValueError as e:
            return None, "%s line %d is not JSON (%s): %.200s" % (path, n, e, line)
        if not isinstance(obj, dict):
            return None, "%s line %d is not a JSON object" % (path, n)
        records.append(obj)
    return records, None


def one_record(path):
    """(record, error) for a file that must hold exactly one record."""
    recs, err = read_jsonl(path)
    if err:
        return None, err
    if len(recs) != 1:
        return None, "%s holds %d records, expected exactly 1" % (path, len(recs))
    return recs[0], None


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v):
    return (isinstance(v, (int, float)) and not isinstance(v, bool))


def crash_markers(text):
    """The crash/sanitizer/abort markers found in text."""
    return [m for m in CRASH_MARKERS if m in text]


# What a refused run must not print on stdout.
RESULT_LIKE = re.compile(r"verif|result|\btime\b|\brate\b|seconds|^\s*[{\[]",
                         re.IGNORECASE | re.MULTILINE)
MAX_LINE = 300  # no message line is longer: values are clipped

# The OpenMP runtime's own complaint about a bad OMP_NUM_THREADS, printed by
# every rank at start-up (in pieces, so ranks' copies may interleave).
LIBGOMP_NOISE = ("libgomp: ", "Invalid value for environment variable OMP_NUM_THREADS")


def message_lines(model, err):
    """The program's own stderr lines: without blank lines, without the
    OpenMP runtime's complaint about OMP_NUM_THREADS and, for MPI models,
    without mpirun's dashed notice boxes about non-zero exits."""
    lines, in_box = [], False
    for line in err.splitlines():
        if model in MPI_MODELS and line.startswith("-----"):
            in_box = not in_box
            continue
        rest = line
        for noise in LIBGOMP_NOISE:
            rest = rest.replace(noise, "")
        if in_box or not rest.strip():
            continue
        lines.append(line)
    return lines


def snapshot(path):
    """(contents, mtime_ns, size) of the file at path, None if there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    with open(path, "rb") as f:
        return (f.read(), st.st_mtime_ns, st.st_size)


def check_usage_error(s, r, what, model, program=None, hints=(), want=(), out=None,
                      before=None):
    """Check that run r (a Result) was refused as a usage error: it finished
    within its timeout with exit status 2 (mpirun's, for the MPI models)
    and exactly one stderr line starting "PROGRAM: " (scalekit-MODEL by
    default), at most MAX_LINE characters, with no crash, sanitizer or abort
    noise and nothing result-like on stdout. hints: one must be in the
    message (any case); want: regexes that must all match the message
    without its prefix. out: the --output path, which must not exist or,
    with before (its snapshot() taken before the run), be unchanged.
    what labels the checks. Returns r."""
    detail = r.describe()
    if not s.check(not r.timed_out, "%s: finishes within the timeout" % what, detail):
        return r
    s.check(r.rc == 2, "%s: exit status 2%s" % (what, " (mpirun's)" if model in MPI_MODELS
                                                 else ""), detail)
    lines = message_lines(model, r.err)
    prefix = "%s: " % (program or "scalekit-%s" % model)
    s.check(len(lines) == 1 and lines[0].startswith(prefix),
            "%s: exactly one stderr line, starting %r" % (what, prefix), detail)
    text = lines[0][len(prefix):] if len(lines) == 1 and lines[0].startswith(prefix) else ""
    if hints:
        s.check(any(h.lower() in text.lower() for h in hints),
                "%s: message mentions one of %s" % (what, ", ".join(hints)), detail)
    for pattern in want:
        s.check(re.search(pattern, text), "%s: message matches %r" % (what, pattern), detail)
    s.check(all(len(line) <= MAX_LINE for line in lines),
            "%s: message lines at most %d characters" % (what, MAX_LINE), detail)
    bad = crash_markers(r.err + r.out)
    s.check(not bad, "%s: no crash, sanitizer or abort noise" % what,
            "found %s\n%s" % (bad, detail))
    s.check(not RESULT_LIKE.search(r.out), "%s: nothing result-like on stdout" % what, detail)
    if out is None:
        pass
    elif before is None:
        s.check(not os.path.exists(out), "%s: --output file not created" % what,
                "%s exists" % out)
    else:
        s.check(snapshot(out) == before, "%s: existing --output file untouched" % what,
                "%s changed" % out)
    return r


def syntax_cases(opt, good, bad, flag):
    """The command-line syntax every scalekit program shares (drivers/opt.c),
    pinned with the same cases for the drivers and scalekit-overhead:
    (label, argv, regexes the one message must match). opt takes a value
    (good: two valid ones, bad: an invalid one); flag takes none. A repeated
    value option is refused before its second value is checked; a repeated
    flag is accepted (checked by the callers: it needs a run)."""
    a, b = good
    q = re.escape
    twice = r"^%s given twice \('%s', then '%s'\); give it once$"
    unknown = r"^unknown option '--frobnicate' \(see --help\)$"
    needs = r"^option %s needs a value \(%s VALUE or %s=VALUE; see --help\)$" % (
        q(opt), q(opt), q(opt))
    return [
        ("%s twice" % opt, [opt, a, opt, b], [twice % (q(opt), a, b)]),
        ("%s twice, the second bad (= form)" % opt, [opt, a, opt + "=" + bad],
         [twice % (q(opt), a, bad)]),
        ("%s=1, a value on a flag" % flag, [flag + "=1"],
         [r"^option %s takes no value; give it as %s alone$" % (q(flag), q(flag))]),
        ("%s without a value, last" % opt, [opt], [needs]),
        ("%s without a value, before %s" % (opt, flag), [opt, flag], [needs]),
        ("unknown option, last, without a value", ["--frobnicate"], [unknown]),
        ("unknown option=value", ["--frobnicate=1"], [unknown]),
        ("unknown option before another option", ["--frobnicate", opt, a], [unknown]),
        ("-%s, one dash" % opt[2:], ["-" + opt[2:], a],
         [r"^unknown option '-%s'; did you mean %s\? \(see --help\)$" % (q(opt[2:]), q(opt))]),
        ("%s, misspelt" % opt[:-1], [opt[:-1], a],
         [r"^unknown option '%s'; did you mean %s\?" % (q(opt[:-1]), q(opt))]),
        ("bare -- as the last argument", ["--"], [r"^unknown option '--' \(see --help\)$"]),
        ("stray argument", ["stray"],
         [r"^unexpected argument 'stray' \(options start with --; see --help\)$"]),
    ]
