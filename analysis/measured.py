#!/usr/bin/env python3
"""measured.py - the "threads vs processes, measured" table of ./scalekit measured.

    measured.py table RESULTS.jsonl [--markdown]
    measured.py launch-record --ranks P --seconds S [S ...] --command TEXT >> RESULTS.jsonl

`table` reads one results file of ./scalekit measured (which ./scalekit demo
runs after its scaling table): scalekit-overhead records ("record":
"overhead": start-up, barrier and exchange probes), the front end's mpirun
launch record, and counter and latency kernel runs, several rounds of each.
It prints one row per measurement: median and quartiles over every timed
repetition of every round (the rounds were interleaved, A B A B ...).
`launch-record` turns the front end's wall times of `mpirun -np P
scalekit-overhead --noop` into an overhead record with the same fields.
Standard library only, so it runs before any virtual environment exists.

The numbers behind the table (measure(), exchange_curves(), latency_curves(),
race_losses()) are the one implementation: the report's section "Threads vs
processes, measured" (measured_section.py) imports them to show the same
table and draw its figures.
"""
import argparse
import collections
import json
import os
import statistics
import sys
import time

try:  # inside the analysis package (the report's section imports this module)
    from .summary import load, quartiles, text_table
except ImportError:  # run as a script
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from summary import load, quartiles, text_table  # noqa: E402  (the same code)

LAUNCH_WHAT = "mpirun -np {} of a program that only initialises and finalises MPI"


def stats(values):
    q1, med, q3 = quartiles(values)
    return {"min": min(values), "q1": q1, "median": med, "mean": statistics.fmean(values),
            "q3": q3, "max": max(values)}


# ---- launch-record ------------------------------------------------------------

def machine():
    """What the measurements ran on: CPU model, cores, load average."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load1 = os.getloadavg()[0]
    except OSError:
        load1 = None
    return {"cpu": cpu, "cores": os.cpu_count(), "loadavg_1min": load1}


def version():
    """scalekit's version, from drivers/version.h next to this script."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "drivers", "version.h")
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if "SCALEKIT_VERSION" in line and '"' in line:
                    return line.split('"')[1]
    except OSError:
        pass
    return "unknown"


def launch_record(a):
    record = {
        "schema": 1, "scalekit": version(), "record": "overhead", "bench": "startup",
        "variant": "mpirun-launch", "what": LAUNCH_WHAT.format(a.ranks), "workers": a.ranks,
        "bytes": None, "window": 0, "ranks": a.ranks, "threads": 1,
        "oversubscribed": a.ranks > (os.cpu_count() or a.ranks), "inner": 1,
        "reps": len(a.seconds),
        "seconds_per_op": a.seconds, "time": stats(a.seconds), "value_name": "seconds",
        "value": stats(a.seconds), "machine": machine(),
        "provenance": {"argv": a.command.split(),
                       "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
    }
    print(json.dumps(record, separators=(",", ":")))
    return 0


# ---- table --------------------------------------------------------------------

def fmt_time(s):
    for scale, unit in ((1e-9, "ns"), (1e-6, "us"), (1e-3, "ms")):
        if s < 999.5 * scale:  # (1000 * 1e-9 > 1e-6 in floating point)
            return f"{s / scale:.3g} {unit}"
    return f"{s:.3g} s"


def fmt_bytes(b):
    for shift, unit in ((30, "GiB"), (20, "MiB"), (10, "KiB")):
        if b >= 1 << shift and b % (1 << shift) == 0:
            return "%d %s" % (b >> shift, unit)
    return "%d B" % b


def fmt(kind, x):
    if kind == "time":
        return fmt_time(x)
    if kind == "MB/s":
        return f"{x:.4g} MB/s" if x < 1e4 else f"{x:.0f} MB/s"
    if kind == "%":
        return f"{x:.3g} %"
    if kind == "x":
        return f"{x:.3g}x"
    return f"{x:.3g} {kind}"


class Table:
    def __init__(self):
        self.rows = []

    def add(self, topic, what, model, workers, kind, values):
        """One row from the per-sample values (None: nothing measured)."""
        if values:
            q1, med, q3 = quartiles(values)
            self.rows.append([topic, what, model, str(workers), fmt(kind, med),
                              f"{fmt(kind, q1)} .. {fmt(kind, q3)}", str(len(values))])

    def text(self, markdown):
        head = ["topic", "measurement", "model", "workers", "median", "q1 .. q3", "n"]
        return text_table(head, self.rows, markdown, right=(3, 4, 6))


# ---- the measurements as numbers (one implementation: the report's section
# "threads vs processes, measured" and its figures use these too) --------------

# A row of the table: values are the per-sample numbers (kind says their unit:
# "time" seconds, "MB/s", "%" or "x"); key is a short label for figures.
Row = collections.namedtuple("Row", "topic what model workers kind values key")

STARTUP = (("pthread-create-join", "create + join a POSIX thread", "thread"),
           ("omp-parallel-region", "OpenMP parallel region (fork/join)", "thread"),
           ("fork-wait", "fork + wait for a process", "process"),
           ("posix-spawn-wait", "posix_spawn(/bin/true) + wait", "process"),
           ("mpirun-launch", "mpirun of a program that does nothing", "process"))
WINDOW_TEXT = "bandwidth, %d in flight"
EXCHANGE_SIDES = (("shm", "thread", "shared memory"), ("mpi", "process", "MPI"))
# Latency kernel configurations: (model, --mode, what, side).
LATENCY_CONFIGS = (("seq", "threads", "one worker (the baseline)", "-"),
                   ("omp", "threads", "threads blocking in each wait", "thread"),
                   ("mpi", "threads", "ranks blocking in each wait", "process"),
                   ("seq", "cooperative", "one thread, event loop (timerfd + epoll)", "thread"),
                   ("mpi", "cooperative", "one event loop per rank", "process"))
WAIT_BUSY = 0.25  # a run whose CPU is busy less than this share of its wall time waits
KERNELS = ("counter", "latency")  # the kernels this table is about


def overhead_values(records, variant, bytes_=None):
    """Per-sample headline values of one overhead variant (all rounds pooled)."""
    out = []
    for r in records:
        if r.get("record") == "overhead" and r.get("variant") == variant and \
                (bytes_ is None or r.get("bytes") == bytes_):
            per_op = r.get("seconds_per_op") or []
            if r.get("value_name") == "latency_s":
                out += [s / 2 for s in per_op]
            elif r.get("value_name") == "bandwidth_MBps":
                out += [r["bytes"] * r["window"] / s / 1e6 for s in per_op if s > 0]
            else:
                out += per_op
    return out


def overhead_workers(records, variant):
    for r in records:
        if r.get("record") == "overhead" and r.get("variant") == variant:
            return r.get("workers", "-")
    return "-"


def window(records):
    """Messages in flight of the bandwidth probes (OSU's window), 64 if none ran."""
    return next((r["window"] for r in records if r.get("record") == "overhead" and
                 r.get("window")), 64)


def runs(records, kernel, model, **options):
    """Kernel records of one configuration (every round)."""
    return [r for r in records if r.get("kernel") == kernel and r.get("model") == model and
            all(r.get("options", {}).get(k) == v for k, v in options.items())]


def workers(recs):
    return recs[0]["ranks"] * recs[0]["threads_per_rank"] if recs else "-"


def seconds(recs):
    return [s for r in recs for s in r.get("seconds", [])]


def cores(records):
    """(cores, exact): from the machine the front end described, else at least
    the most workers a kernel record ran without being oversubscribed."""
    for r in records:
        n = (r.get("machine") or {}).get("cores")
        if isinstance(n, int) and n > 0:
            return n, True
    fit = [workers([r]) for r in records if r.get("kernel") and r.get("oversubscribed") is False]
    return (max(fit), False) if fit else (None, False)


def exchange_curves(records):
    """{(kind, side): [(bytes, samples), ...] by size} of the exchange probes;
    kind "latency" (seconds, round trip / 2) or "bandwidth" (MB/s)."""
    sizes = sorted({r["bytes"] for r in records if r.get("record") == "overhead" and
                    r.get("bench") == "exchange" and r.get("bytes")})
    out = {}
    for kind in ("latency", "bandwidth"):
        for side, _, _ in EXCHANGE_SIDES:
            pts = [(b, overhead_values(records, "%s-%s" % (side, kind), b)) for b in sizes]
            out[(kind, side)] = [(b, v) for b, v in pts if v]
    return out


def latency_sizes(records):
    """Sizes [T, L, C] of the latency runs that have a sequential threads-mode baseline."""
    base = runs(records, "latency", "seq", mode="threads")
    return sorted({tuple(r["size"]) for r in base}, key=lambda s: (-s[1], s))


def count_text(n):
    """20000 -> '20k', 2000000 -> '2M'."""
    for scale, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= scale:
            return "%.3g%s" % (n / scale, unit)
    return "%d" % n


def latency_label(size):
    """'32 tasks x (10 ms wait + 20k rounds)': T tasks, each waits L us, then computes C rounds."""
    rounds = " + %s rounds" % count_text(size[2]) if len(size) > 2 else ""
    return "%d tasks x (%s wait%s)" % (size[0], fmt_time(size[1] * 1e-6), rounds)


def latency_busy(records, size):
    """Median CPU busy share of the sequential baseline at size (None: not recorded)."""
    busy = [r["cpu"]["busy"] for r in runs(records, "latency", "seq", mode="threads")
            if tuple(r["size"]) == size and isinstance(r.get("cpu"), dict) and
            isinstance(r["cpu"].get("busy"), (int, float))]
    return statistics.median(busy) if busy else None


def latency_curves(records, size):
    """[(model, mode, what, side, {workers: speedup samples})] of the latency runs
    at size; speedup = median time of the sequential threads-mode run / each
    sample's time."""
    same = [r for r in records if r.get("kernel") == "latency" and tuple(r["size"]) == size]
    ref = statistics.median(seconds(runs(same, "latency", "seq", mode="threads")))
    out = []
    for model, mode, what, side in LATENCY_CONFIGS:
        rs = runs(same, "latency", model, mode=mode)
        pts = {}
        for n in sorted({workers([r]) for r in rs}):
            pts[n] = [ref / s for s in seconds([r for r in rs if workers([r]) == n])]
        if pts:
            out.append((model, mode, what, side, pts))
    return out


def race_losses(records):
    """{workers: [percent of updates lost, one per record]} of --sync none runs."""
    out = {}
    for r in runs(records, "counter", "omp", sync="none", variant="counter"):
        n = r["size"][0] * r["iters"]
        out.setdefault(workers([r]), []).append(100.0 * (n - r["result"]["value"]) / n)
    return out


def measure_startup(recs):
    return [Row("start-up", what, model, overhead_workers(recs, variant), "time",
                overhead_values(recs, variant), variant) for variant, what, model in STARTUP]


def measure_exchange(recs):
    rows = [Row("barrier", "OpenMP barrier", "thread", overhead_workers(recs, "omp-barrier"),
                "time", overhead_values(recs, "omp-barrier"), "omp-barrier"),
            Row("barrier", "MPI_Barrier", "process", overhead_workers(recs, "mpi-barrier"),
                "time", overhead_values(recs, "mpi-barrier"), "mpi-barrier")]
    sizes = sorted({r["bytes"] for r in recs if r.get("bench") == "exchange"})
    big = max([b for b in sizes if b <= 1 << 20] or sizes or [0])
    for b in (8, big):
        for kind, name in (("latency", "latency (round trip / 2)"),
                           ("bandwidth", WINDOW_TEXT % window(recs))):
            for side, model, how in EXCHANGE_SIDES:
                rows.append(Row("exchange", "%s %s, %s" % (fmt_bytes(b), name, how), model, 2,
                                "time" if kind == "latency" else "MB/s",
                                overhead_values(recs, "%s-%s" % (side, kind), b),
                                "%s-%s-%d" % (side, kind, b)))
    return rows


def measure_counter(recs):
    rows = []
    race = race_losses(recs)
    for n in sorted(race):
        size = next(r["size"][0] for r in runs(recs, "counter", "omp", sync="none",
                                                variant="counter") if workers([r]) == n)
        rows.append(Row("race", "--sync none: share of %.3g updates lost" % size, "thread", n,
                        "%", race[n], "none"))
    configs = [("seq", "plain add, one worker (--sync atomic has a serial body)", "seq",
                {"sync": "atomic", "variant": "counter"}, "plain add")]
    configs += [("omp", "--sync %s, one counter" % s, "thread",
                 {"sync": s, "variant": "counter"}, s)
                for s in ("none", "atomic", "critical", "lock", "reduction")]
    configs += [("omp", "--sync %s, 4096 bins" % s, "thread",
                 {"sync": s, "variant": "histogram"}, "%s\n4096 bins" % s)
                for s in ("atomic", "lock")]
    configs += [("mpi", "--sync %s, one counter" % s, "process",
                 {"sync": s, "variant": "counter"}, s)
                for s in ("reduce", "rma", "lock")]
    for model, what, side, opts, key in configs:
        rs = runs(recs, "counter", model, **opts)
        if rs:
            units = rs[0]["rate"]["work_units"]
            rows.append(Row("update cost", what, side, workers(rs), "time",
                            [s / units for s in seconds(rs)], key))
    return rows


def measure_latency(recs):
    rows = []
    for size in latency_sizes(recs):
        busy = latency_busy(recs, size)
        topic = "I/O wait" if busy is None or busy < WAIT_BUSY else "CPU work"
        for model, mode, what, side, pts in latency_curves(recs, size):
            for n, values in pts.items():
                rows.append(Row(topic, "speedup, %s: %s" % (latency_label(size), what), side, n,
                                "x", values, "%s-%s" % (model, mode)))
    return rows


def usable(records):
    """Records the table may use: a kernel run whose answer failed verification
    measured something else (a deliberate race, expected_wrong, is kept)."""
    return [r for r in records if r.get("record") not in (None, "run") or
            r.get("verified") is not False or r.get("expected_wrong") is True]


def measure(recs):
    """Every row of the table, in order (rows without samples left out)."""
    recs = usable(recs)
    rows = measure_startup(recs) + measure_exchange(recs) + measure_counter(recs) + \
        measure_latency(recs)
    return [r for r in rows if r.values]


def heading(recs):
    """The table's title line: what the measurements ran on."""
    launch = [r for r in recs if r.get("variant") == "mpirun-launch"]
    m = launch[-1].get("machine", {}) if launch else {}
    return "threads vs processes, measured: %s, %s cores, load average %s when it started" % (
        m.get("cpu", "unknown CPU"), m.get("cores", "?"), m.get("loadavg_1min", "?"))


FOOTNOTE = ("median and quartiles over every timed sample of every round; speedup = median "
            "time of the\nsequential run (same tasks, blocking waits) / each sample's time; "
            "update cost = time / updates")


def table(a):
    recs = load(a.results)
    t = Table()
    for r in measure(recs):
        t.add(*r[:6])
    if not t.rows:
        sys.exit(f"measured.py: {a.results} holds no overhead, counter or latency records")
    print(heading(recs))
    print(t.text(a.markdown))
    print("\n" + FOOTNOTE)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="action", required=True)
    t = sub.add_parser("table", help="print the table of a results file")
    t.add_argument("results")
    t.add_argument("--markdown", action="store_true")
    lr = sub.add_parser("launch-record", help="print an overhead record of mpirun launch times")
    lr.add_argument("--ranks", type=int, required=True)
    lr.add_argument("--seconds", type=float, nargs="+", required=True)
    lr.add_argument("--command", required=True)
    a = p.parse_args()
    if a.action == "launch-record":
        if a.ranks < 1 or not all(s > 0 for s in a.seconds):
            sys.exit("measured.py: --ranks must be >= 1 and every --seconds value > 0")
        return launch_record(a)
    return table(a)


if __name__ == "__main__":
    sys.exit(main())
