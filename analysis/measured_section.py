"""measured_section - the report's "Threads vs processes, measured" section
and its three figures: exchange latency and bandwidth against message size,
the latency kernel's speedup against workers (concurrency beyond the cores),
and race loss and the cost of each synchronisation mode.

Every number comes from measured.py, the standard-library module behind the
table that ./scalekit measured (and the demo) prints: the section shows that
same table, the figures draw the same values. Nothing is measured or
computed twice. Input: the run records and the other records
("record": "overhead") the collector read; without any of them the section
is left out and the figures are listed as not drawn.
"""
from __future__ import annotations

import pandas as pd

from . import measured, plots, report
from .plots import plt

KEY = "measured"
MISSING = "./scalekit measured (or ./scalekit demo) records them"
SIDE_STYLE = {"thread": "omp", "process": "mpi", "seq": "seq", "-": "seq"}
CPU_KERNELS_SHOWN = 3


def records(study) -> list[dict]:
    """The records the table and every figure use: measured.usable() drops the
    kernel runs whose answer failed verification."""
    c = study.collection
    return measured.usable(c.records + c.other_records)


def _q(values):
    """(median, below, above) for error bars of the quartiles."""
    q1, med, q3 = measured.quartiles(values)
    return med, med - q1, q3 - med


def _errorbars(ax, xs, samples, label, st):
    q = [_q(v) for v in samples]
    ax.errorbar(xs, [m for m, _, _ in q], yerr=[[lo for _, lo, _ in q], [hi for _, _, hi in q]],
                label=label, capsize=2.5, **st)


def _bytes_axis(ax, sizes):
    ax.set_xscale("log", base=2)
    ticks = [b for b in sizes if (b.bit_length() - 1) % 3 == 0] or sizes
    ax.set_xticks(ticks)
    ax.set_xticklabels([measured.fmt_bytes(b).replace(" ", "\u2009") for b in ticks],
                       fontsize=7)
    ax.minorticks_off()
    ax.set_xlabel("message size")


@plots.plot("measured-exchange", "Exchange: latency and bandwidth against message size",
            "OSU conventions: latency = half the round trip of a ping-pong (one message there, "
            "one back), bandwidth = bytes x 64 / time of a window of 64 messages in flight "
            "(MB = 10^6 bytes), both between two workers. Threads pass the buffer through "
            "shared memory (one copy), processes send it with MPI. Points: median of the "
            "samples, bars: quartiles. Small messages show the fixed cost of a message, large "
            "ones the copy bandwidth.", section=KEY)
def plot_exchange(study):
    curves = measured.exchange_curves(records(study))
    if not any(curves.values()):
        return f"no exchange probes (scalekit-overhead records): {MISSING}"
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.2))
    sizes = sorted({b for pts in curves.values() for b, _ in pts})
    labels = {"shm": "threads: shared memory", "mpi": "processes: MPI"}
    for ax, kind, ylabel in zip(axes, ("latency", "bandwidth"),
                                ("latency = round trip / 2 [s]", "bandwidth [MB/s]")):
        for side, model, _ in measured.EXCHANGE_SIDES:
            pts = curves[(kind, side)]
            if pts:
                _errorbars(ax, [b for b, _ in pts], [v for _, v in pts], labels[side],
                           plots.line_style(SIDE_STYLE[model]))
        _bytes_axis(ax, sizes)
        if kind == "latency":
            plots._log_time_axis(ax)
        else:
            ax.set_yscale("log")
        ax.set_ylabel(ylabel)
        ax.set_title(f"{kind}, two workers", fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(True, which="major", alpha=0.3)
    return [("", plots._finish(fig, study, "Exchange between two workers: threads vs "
                               "processes (log-log)"),
             "Exchange latency and bandwidth against message size, shared memory vs MPI.")]


def _latency_lines(curves):
    """Lines of one latency size: the blocking configurations start at the
    sequential baseline; the event loop goes from one process to many."""
    by = {(m, mode): pts for m, mode, _, _, pts in curves}
    base = by.get(("seq", "threads"), {})
    lines = [("threads, each blocks in its wait", "omp", {**base, **by.get(("omp", "threads"), {})}),
             ("ranks, each blocks in its wait", "mpi", {**base, **by.get(("mpi", "threads"), {})}),
             ("event loop: one thread per process", "hybrid",
              {**by.get(("seq", "cooperative"), {}), **by.get(("mpi", "cooperative"), {})})]
    return [(label, style, pts) for label, style, pts in lines if len(pts) > (1 if base else 0)
            and pts != base]


def _cpu_kernel_lines(study):
    """Speedup vs seq of the study's CPU-bound kernels (omp and mpi series)."""
    p, b = study.points, study.bounds
    if p.empty or b.empty:
        return []
    cpu = [k for k in b.loc[b["bound"] == "CPU", "kernel"]
           if k not in measured.KERNELS][:CPU_KERNELS_SHOWN]
    out = []
    for kernel in cpu:
        for model in ("omp", "mpi"):
            s = p[(p["kernel"] == kernel) & (p["model"] == model) & p["speedup_seq"].notna()]
            if s.empty:
                continue
            s = s[(s["n"] == s["n"].max()) & (s["variant"] == s["variant"].iloc[0])]
            s = s.sort_values("workers")
            out.append((model, [1] + list(s["workers"]), [1.0] + list(s["speedup_seq"])))
    label = f"CPU-bound: {', '.join(cpu)} (scaling runs; \u25a1 omp, \u25b3 mpi)"
    return [(label if i == 0 else None, model, xs, ys) for i, (model, xs, ys) in enumerate(out)]


@plots.plot("measured-latency", "Waiting: speedup beyond the core count",
            "The latency kernel: T tasks, each waits L (a blocking sleep standing in for I/O "
            "or a remote request) and then computes C hash rounds. Speedup = median time of "
            "one worker blocking in each wait in turn / each sample's time (bars: quartiles), "
            "against workers (threads or ranks; the event loop: processes, one thread each). "
            "The dotted line is the core count: waiting work keeps speeding up beyond it "
            "(concurrency: the waits overlap), computing work stops at it (parallelism needs "
            "a core per worker). Gray lines: this study's CPU-bound kernels, for contrast.",
            section=KEY)
def plot_latency(study):
    recs = records(study)
    sizes = measured.latency_sizes(recs)[:2]
    if not sizes:
        return f"no latency kernel runs with a sequential baseline: {MISSING}"
    ncores, exact = measured.cores(recs)
    cpu_lines = _cpu_kernel_lines(study)
    fig, axes = plt.subplots(1, len(sizes), figsize=(5.2 * len(sizes) + 0.4, 4.6),
                             squeeze=False, sharey=True)
    top = 1
    for i, (ax, size) in enumerate(zip(axes[0], sizes)):
        busy = measured.latency_busy(recs, size)
        for label, style, pts in _latency_lines(measured.latency_curves(recs, size)):
            xs = sorted(pts)
            _errorbars(ax, xs, [pts[x] for x in xs], label, plots.line_style(style))
            top = max(top, max(xs))
        if i == len(sizes) - 1:
            for label, model, xs, ys in cpu_lines:
                ax.plot(xs, ys, color="0.55", linewidth=1, marker=plots.STYLE[model]["marker"],
                        markersize=4, markerfacecolor="white", linestyle=":", label=label)
                top = max(top, max(xs))
        ws = [2 ** k for k in range(0, top.bit_length() + (top & (top - 1) > 0))]
        ax.plot(ws, ws, color="0.5", linestyle="--", linewidth=1, label="ideal S = p")
        if ncores:
            ax.axvline(ncores, color="black", linestyle=":", linewidth=1.2,
                       label=f"{'' if exact else '>= '}{ncores} cores")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        ax.set_xticks(ws)
        ax.set_xticklabels([str(w) for w in ws])
        ax.set_yticks(ws)
        ax.yaxis.set_major_formatter(plots.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.minorticks_off()
        ax.set_xlabel("workers (threads, ranks, or event-loop processes)")
        if i == 0:
            ax.set_ylabel("speedup vs one blocking worker [x]")
        what = "" if busy is None else f"; one worker's CPU busy {busy:.0%}"
        ax.set_title(f"latency kernel, {measured.latency_label(size)}{what}", fontsize=8)
        ax.legend(fontsize=6.5, loc="best")
        ax.grid(True, which="major", alpha=0.3)
    return [("", plots._finish(fig, study, "Waiting overlaps beyond the cores; computing "
                               "stops at them"),
             "Latency kernel speedup against workers, with the core count marked.")]


@plots.plot("measured-counter", "Races and locks: updates lost and the cost of an update",
            "Left: time per update of one shared counter (or 4096 bins) under each --sync "
            "mode, median over every sample (bars: quartiles), log scale; threads (OpenMP) and "
            "processes (MPI) hatched apart, the sequential plain add for reference. Right: "
            "share of the updates lost by --sync none, the deliberate race, one point per run "
            "(the scheduler may hide it: 0% is possible). Every other mode is exact.",
            section=KEY)
def plot_counter(study):
    recs = records(study)
    rows = [r for r in measured.measure_counter(recs) if r.values and r.topic == "update cost"]
    race = measured.race_losses(recs)
    if not rows and not race:
        return f"no counter kernel runs: {MISSING}"
    panels = int(bool(rows)) + int(bool(race))
    fig, axes = plt.subplots(1, panels, figsize=(3.0 + 8.0 * bool(rows), 4.4), squeeze=False,
                             gridspec_kw={"width_ratios": [3, 1][:panels] if panels == 2 else [1]})
    axes = list(axes[0])
    if rows:
        ax = axes.pop(0)
        seen = set()
        for x, r in enumerate(rows):
            med, lo, hi = _q(r.values)
            st = plots.style(SIDE_STYLE[r.model])
            label = {"seq": "sequential", "thread": "threads (OpenMP)",
                     "process": "processes (MPI)"}[r.model]
            ax.bar([x], [med * 1e9], 0.7, yerr=[[lo * 1e9], [hi * 1e9]], capsize=2,
                   color="white", edgecolor=st["color"], hatch=st["hatch"], linewidth=1.2,
                   label=None if label in seen else label)
            seen.add(label)
            ax.annotate(measured.fmt_time(med), (x, med * 1e9), textcoords="offset points",
                        xytext=(0, 3 + 4 * bool(hi)), ha="center", fontsize=6)
        ax.set_yscale("log")
        ax.set_ylim(top=3 * max(_q(r.values)[0] + _q(r.values)[2] for r in rows) * 1e9)
        ax.set_xticks(range(len(rows)))
        unit = {"seq": "", "thread": " thr", "process": " ranks"}
        ax.set_xticklabels([f"{r.key}\n({r.workers}{unit[r.model]})" for r in rows],
                           fontsize=6.5)
        ax.set_ylabel("time per update [ns]")
        ax.set_xlabel("--sync mode (workers)")
        ax.set_title("cost of one update", fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(True, axis="y", alpha=0.3)
    if race:
        ax = axes.pop(0)
        for x, n in enumerate(sorted(race)):
            vals = race[n]
            ax.plot([x] * len(vals), vals, linestyle="none", **{
                k: v for k, v in plots.line_style("omp").items() if k != "linestyle"})
            ax.hlines(measured.quartiles(vals)[1], x - 0.3, x + 0.3, color="black",
                      linewidth=1.5)
        ax.set_xticks(range(len(race)))
        ax.set_xticklabels([f"{n} threads" for n in sorted(race)])
        ax.set_xlim(-0.8, len(race) - 0.2)
        ax.set_ylim(0, max(1.0, 1.15 * max(max(v) for v in race.values())))
        ax.set_ylabel("updates lost [% of all]")
        ax.set_title("--sync none: the race\n(points: runs, bar: median)", fontsize=9)
        ax.grid(True, axis="y", alpha=0.3)
    return [("", plots._finish(fig, study, "Shared counter: what each synchronisation costs, "
                               "what none loses"),
             "Cost per update per --sync mode, and the share of updates the race lost.")]


@report.section(KEY, "Threads vs processes, measured", order=25)
def section(study) -> str | None:
    recs = records(study)
    rows = measured.measure(recs)
    if not rows:
        return None  # no overhead, counter or latency records: nothing to say
    t = measured.Table()
    for r in rows:
        t.add(*r[:6])
    head = ["topic", "measurement", "model", "workers", "median", "q1 .. q3", "n"]
    df = pd.DataFrame(t.rows, columns=head)
    return (report.note(measured.heading(recs))
            + report.table(df, [(h, h) for h in head])
            + report.note(measured.FOOTNOTE.replace("\n", " ") + ". Start-up, barrier and "
                          "exchange: scalekit-overhead (EPCC/OSU method: untimed first pass, "
                          "inner repetitions calibrated to a minimum time per sample, samples "
                          "in interleaved rounds); the mpirun launch: wall time of the front "
                          "end's mpirun of a program that only initialises MPI. The same table "
                          "as ./scalekit measured prints.")
            + report.figures_of(study, KEY))
