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
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from summary import load  # noqa: E402  (the same reader and messages)

LAUNCH_WHAT = "mpirun -np {} of a program that only initialises and finalises MPI"


def quartiles(values):
    """(q1, median, q3) of values, linear interpolation (numpy's default)."""
    v = sorted(values)
    if len(v) == 1:
        return v[0], v[0], v[0]
    q = statistics.quantiles(v, n=4, method="inclusive")
    return q[0], q[1], q[2]


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
        if s < 1000 * scale:
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
        return f"{x:.4g} MB/s"
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
        if markdown:
            lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in self.rows])
        width = [max(len(h), *(len(r[i]) for r in self.rows)) for i, h in enumerate(head)]
        line = lambda cells: "  ".join(c.rjust(w) if i in (3, 4, 6) else c.ljust(w)
                                       for i, (c, w) in enumerate(zip(cells, width))).rstrip()
        return "\n".join([line(head), line(["-" * w for w in width])] +
                         [line(r) for r in self.rows])


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


def runs(records, kernel, model, **options):
    """Kernel records of one configuration (every round)."""
    return [r for r in records if r.get("kernel") == kernel and r.get("model") == model and
            all(r.get("options", {}).get(k) == v for k, v in options.items())]


def workers(recs):
    return recs[0]["ranks"] * recs[0]["threads_per_rank"] if recs else "-"


def seconds(recs):
    return [s for r in recs for s in r.get("seconds", [])]


def add_startup(t, recs):
    for variant, what, model in (
            ("pthread-create-join", "create + join a POSIX thread", "thread"),
            ("omp-parallel-region", "OpenMP parallel region (fork/join)", "thread"),
            ("fork-wait", "fork + wait for a process", "process"),
            ("posix-spawn-wait", "posix_spawn(/bin/true) + wait", "process"),
            ("mpirun-launch", "mpirun of a program that does nothing", "process")):
        t.add("start-up", what, model, overhead_workers(recs, variant), "time",
              overhead_values(recs, variant))


def add_exchange(t, recs):
    t.add("barrier", "OpenMP barrier", "thread", overhead_workers(recs, "omp-barrier"), "time",
          overhead_values(recs, "omp-barrier"))
    t.add("barrier", "MPI_Barrier", "process", overhead_workers(recs, "mpi-barrier"), "time",
          overhead_values(recs, "mpi-barrier"))
    sizes = sorted({r["bytes"] for r in recs if r.get("bench") == "exchange"})
    big = max([b for b in sizes if b <= 1 << 20] or sizes or [0])
    for b, label in ((8, fmt_bytes(8)), (big, fmt_bytes(big))):
        for kind, name in (("latency", "latency (round trip / 2)"),
                           ("bandwidth", "bandwidth, 64 in flight")):
            for side, model in (("shm", "thread"), ("mpi", "process")):
                how = "shared memory" if side == "shm" else "MPI"
                t.add("exchange", "%s %s, %s" % (label, name, how), model, 2,
                      "time" if kind == "latency" else "MB/s",
                      overhead_values(recs, "%s-%s" % (side, kind), b))


def add_counter(t, recs):
    race = runs(recs, "counter", "omp", sync="none", variant="counter")
    lost = [100.0 * (r["size"][0] * r["iters"] - r["result"]["value"]) /
            (r["size"][0] * r["iters"]) for r in race]
    n = race[0]["size"][0] if race else 0
    t.add("race", "--sync none: share of %.3g updates lost" % n, "thread", workers(race), "%",
          lost)
    rows = [("seq", "plain add, one worker (--sync atomic has a serial body)", "seq",
             {"sync": "atomic", "variant": "counter"})]
    rows += [("omp", "--sync %s, one counter" % s, "thread", {"sync": s, "variant": "counter"})
             for s in ("none", "atomic", "critical", "lock", "reduction")]
    rows += [("omp", "--sync %s, 4096 bins" % s, "thread", {"sync": s, "variant": "histogram"})
             for s in ("atomic", "lock")]
    rows += [("mpi", "--sync %s, one counter" % s, "process", {"sync": s, "variant": "counter"})
             for s in ("reduce", "rma", "lock")]
    for model, what, side, opts in rows:
        rs = runs(recs, "counter", model, **opts)
        if rs:
            units = rs[0]["rate"]["work_units"]
            t.add("update cost", what, side, workers(rs), "time",
                  [s / units for s in seconds(rs)])


def add_latency(t, recs):
    base = seconds(runs(recs, "latency", "seq", mode="threads"))
    if not base:
        return
    ref = statistics.median(base)
    configs = [("seq", "threads", "one worker (the baseline)", "-"),
               ("omp", "threads", "threads blocking in each wait", "thread"),
               ("mpi", "threads", "ranks blocking in each wait", "process"),
               ("seq", "cooperative", "one thread, event loop (timerfd + epoll)", "thread"),
               ("mpi", "cooperative", "one event loop per rank", "process")]
    for model, mode, what, side in configs:
        rs = runs(recs, "latency", model, mode=mode)
        for n in sorted({workers([r]) for r in rs}):
            mine = [r for r in rs if workers([r]) == n]
            size = mine[0]["size"]
            label = "speedup, %d tasks x %g ms: %s" % (size[0], size[1] / 1000, what)
            t.add("I/O wait", label, side, n, "x", [ref / s for s in seconds(mine)])


def table(a):
    recs = load(a.results)
    t = Table()
    add_startup(t, recs)
    add_exchange(t, recs)
    add_counter(t, recs)
    add_latency(t, recs)
    if not t.rows:
        sys.exit(f"measured.py: {a.results} holds no overhead, counter or latency records")
    launch = [r for r in recs if r.get("variant") == "mpirun-launch"]
    m = launch[-1].get("machine", {}) if launch else {}
    print("threads vs processes, measured: %s, %s cores, load average %s when it started" % (
        m.get("cpu", "unknown CPU"), m.get("cores", "?"), m.get("loadavg_1min", "?")))
    print(t.text(a.markdown))
    print("\nmedian and quartiles over every timed sample of every round; speedup = median "
          "time of the\nsequential run / each sample's time; update cost = time / updates")
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
