"""plots - the report's figures, PNG and SVG, readable in grayscale.

Every figure: axes labelled with units, a legend, the baseline of any
speedup named in the title, and a footnote with machine, dates and scalekit
version. Models keep one style everywhere (marker + line style + colour,
so a grayscale print still tells them apart; bars use hatching).

Registry: PLOTS lists every plot kind in report order. A plot function takes
the Study and returns a list of (suffix, matplotlib Figure, caption), or a
string saying why it does not apply to this study (e.g. no weak series).
To add a plot: write such a function and decorate it with
@plot("name", "Title", "how to read it"); render() saves it and the report
shows it in the "Figures" section, or in the report section named by
section="key" (e.g. measured_section.py's figures).
"""
from __future__ import annotations

import dataclasses
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from . import metrics, models, registry  # noqa: E402

STYLE = {
    "seq": dict(color="black", marker="o", linestyle="-", hatch=""),
    "omp": dict(color="#0072B2", marker="s", linestyle="--", hatch="//"),
    "mpi": dict(color="#D55E00", marker="^", linestyle="-.", hatch=".."),
    "hybrid": dict(color="#009E73", marker="D", linestyle=":", hatch="xx"),
}
EXTRA = [dict(color="#CC79A7", marker="v", linestyle=(0, (5, 1)), hatch="\\\\"),
         dict(color="#E69F00", marker="P", linestyle=(0, (3, 1, 1, 1)), hatch="++"),
         dict(color="#56B4E9", marker="X", linestyle=(0, (1, 1)), hatch="--")]
WORKERS = "workers p = ranks x threads"
MAX_PANELS = 12


@dataclasses.dataclass
class Figure:
    name: str        # plot kind (registry name)
    title: str
    caption: str
    png: str         # path of the PNG file
    svg: str


@dataclasses.dataclass
class PlotKind:
    name: str
    title: str
    how_to_read: str
    make: object
    section: str = "figures"  # the report section that shows it


PLOTS: list[PlotKind] = []
plot = registry.decorator(PLOTS, PlotKind)  # @plot("name", "Title", "how to read it")


MODELS_PER_ROW = 6  # kernel groups per row of the model comparison


def style(series: str, hybrid_threads: int = 0) -> dict:
    """Style of a series label ('omp', 'hybrid (2 thr/rank)', ...)."""
    model = series.split(" ")[0]
    if model == "hybrid" and hybrid_threads and hybrid_threads != 2:
        return EXTRA[hybrid_threads % len(EXTRA)]
    if model in STYLE:
        return STYLE[model]
    return EXTRA[sum(map(ord, series)) % len(EXTRA)]


def line_style(series: str, threads: int = 0) -> dict:
    s = style(series, threads)
    return dict(color=s["color"], marker=s["marker"], linestyle=s["linestyle"], markersize=6,
                markerfacecolor="white", markeredgewidth=1.4, linewidth=1.4)


def nth_style(i: int) -> dict:
    """The i-th distinct line style, for lines that are not models."""
    every = [STYLE[m] for m in ("omp", "mpi", "hybrid", "seq")] + EXTRA
    s = every[i % len(every)]
    return dict(color=s["color"], marker=s["marker"], linestyle=s["linestyle"], markersize=6,
                markerfacecolor="white", markeredgewidth=1.4, linewidth=1.4)


def _grid(n: int, width: float = 3.6, height: float = 3.0):
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols + 0.4, height * rows + 0.8),
                             squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def _finish(fig, study, title: str):
    fig.suptitle(title, fontsize=11)
    fig.text(0.005, 0.005, study.footnote, fontsize=6.5, color="0.25", ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.035, 1, 1))
    return fig


def _panels(p, by=("kernel", "size")):
    groups = [(k, g) for k, g in p.groupby(list(by), sort=False)]
    return groups[:MAX_PANELS]


def _errbar(ax, g, x, y, lo, hi, label, threads=0):
    yerr = np.vstack([np.clip(g[y] - g[lo], 0, None), np.clip(g[hi] - g[y], 0, None)])
    ax.errorbar(g[x], g[y], yerr=yerr, label=label, capsize=2.5, **line_style(label, threads))


def _log_time_axis(ax):
    """Log y axis with plain numbers at 1-2-5 steps (a decade has labels, not just 10^k)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _workers_axis(ax, ws, log=True):
    ws = sorted(set(int(w) for w in ws))
    if log:
        ax.set_xscale("log", base=2)
    ax.set_xticks(ws)
    ax.set_xticklabels([str(w) for w in ws])
    ax.minorticks_off()
    ax.set_xlabel(WORKERS)


def _parallel(p):
    return p[p["model"] != "seq"]


@plot("strong", "Strong scaling: time against workers",
      "Time per run (median of the repetitions, bars: spread) against workers on log-log axes "
      "(models are nudged sideways a little so that none hides another). "
      "The dashed gray line is ideal scaling from the sequential driver's time, T_seq / p; a "
      "model that follows it parallelises perfectly, one that flattens has hit a serial part "
      "or a shared resource, one that rises pays overhead.")
def plot_strong(study):
    p = study.points[~study.points["weak_only"]]
    strong = p[p.groupby(["kernel", "size"])["workers"].transform("nunique") > 1]
    if strong.empty:
        return "needs runs at two or more worker counts of one kernel and size"
    fig, axes = _grid(len(_panels(strong)))
    for ax, ((kernel, size), g) in zip(axes, _panels(strong)):
        groups = list(g.groupby("series", sort=False))
        par = [name for name, s in groups if s["model"].iloc[0] != "seq"]
        for series, s in groups:
            # Nudge parallel models sideways a little so none hides another.
            i = par.index(series) if series in par else (len(par) - 1) / 2
            s = s.assign(x=s["workers"] * 2 ** (0.05 * (i - (len(par) - 1) / 2)))
            _errbar(ax, s, "x", "t_median", "t_lo", "t_hi", series, s["threads"].iloc[0])
        ws = np.array(sorted(g["workers"].unique()), float)
        tseq = g["t_seq"].dropna()
        if not tseq.empty:
            ax.plot(ws, tseq.iloc[0] / ws, color="0.5", linestyle="--", linewidth=1,
                    label="ideal T_seq / p")
        _log_time_axis(ax)
        _workers_axis(ax, ws)
        ax.set_ylabel("time per run [s]")
        ax.set_title(f"{kernel} {size}", fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(True, which="major", alpha=0.3)
    return [("", _finish(fig, study, "Strong scaling (fixed size): time per run, log-log"),
             "Strong scaling: median time per run against workers, ideal T_seq/p dashed.")]


def _speedup_figure(study, base: str):
    p = _parallel(study.points[~study.points["weak_only"]])
    col = f"speedup_{base}"
    p = p[p[col].notna()]
    if base == "own":
        p = p[p.groupby(metrics.SERIES_KEY)["workers"].transform("nunique") > 1]
    if p.empty:
        return None
    panels = _panels(p)
    fig, axes = plt.subplots(2, len(panels), figsize=(max(6.0, 3.4 * len(panels) + 0.4), 6.2),
                             squeeze=False)
    for i, ((kernel, size), g) in enumerate(panels):
        sp, ef = axes[0][i], axes[1][i]
        for series, s in g.groupby("series", sort=False):
            q = s["workers"] / s["p0"] if base == "own" else s["workers"]
            t = s["threads"].iloc[0]
            if base == "seq":
                _errbar(sp, s, "workers", col, "speedup_seq_lo", "speedup_seq_hi", series, t)
            else:
                sp.plot(s["workers"], s[col], label=series, **line_style(series, t))
            ef.plot(s["workers"], s[col] / q, label=series, **line_style(series, t))
        ws = np.array(sorted(g["workers"].unique()), float)
        if base == "seq":
            sp.plot(ws, ws, color="0.5", linestyle="--", linewidth=1, label="ideal S = p")
        else:
            p0 = g["p0"].min()
            sp.plot(ws, ws / p0, color="0.5", linestyle="--", linewidth=1, label="ideal p / p0")
        ef.axhline(1.0, color="0.5", linestyle="--", linewidth=1, label="ideal")
        top = max(1.1, float(np.nanmax((g[col] * (g["p0"] if base == "own" else 1))
                                       / g["workers"])) * 1.1)
        ef.set_ylim(0, top)
        for ax in (sp, ef):
            _workers_axis(ax, ws, log=len(ws) > 2 and ws.max() / ws.min() >= 4)
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=7)
        sp.set_title(f"{kernel} {size}", fontsize=9)
        label = "vs scalekit-seq" if base == "seq" else "vs own smallest p0"
        sp.set_ylabel(f"speedup {label} [x]")
        ef.set_ylabel(f"efficiency {label} [1 = ideal]")
    what = metrics.BASELINE_TEXT[base]
    return _finish(fig, study, f"Speedup and efficiency\nbaseline: {what}")


SPEEDUP_PLOTS = {
    "seq": ("speedup", "Speedup and efficiency against the sequential driver",
            "Top: speedup S = T_seq / T(p) against the sequential driver at the same size "
            "(absolute speedup; the dashed line is S = p). Bottom: efficiency S / p, 1 is "
            "ideal; above 1 is superlinear (usually caches: each worker's share fits where the "
            "whole did not).",
            "needs sequential (scalekit-seq) runs at the same size as parallel runs"),
    "own": ("speedup-own", "Speedup and efficiency against each model's smallest worker count",
            "Relative speedup S = T(p0) / T(p), p0 the model's own smallest worker count "
            "(dashed: ideal p / p0), and efficiency S p0 / p. This removes each model's fixed "
            "overhead (MPI start-up, thread team) and shows how the model itself scales.",
            "needs one model at two or more worker counts"),
}


def _speedup_plot(base: str):
    name, title, how, missing = SPEEDUP_PLOTS[base]

    @plot(name, title, how)
    def make(study):
        fig = _speedup_figure(study, base)
        if fig is None:
            return missing
        return [("", fig, f"Speedup and efficiency; baseline: {metrics.BASELINE_TEXT[base]}.")]
    return make


for _base in SPEEDUP_PLOTS:
    _speedup_plot(_base)


@plot("weak", "Weak scaling efficiency",
      "Work per worker is constant, so ideal time is constant and ideal efficiency "
      "E_w = T(p0) / T(p) is 1 (dashed). Falling efficiency is the cost of communication "
      "and synchronisation growing with p.")
def plot_weak(study):
    w = study.weak
    if w.empty:
        return ("needs a weak-scaling series: the size growing with the workers so that work "
                "per worker stays constant (./scalekit sweep, kind weak)")
    groups = list(w.groupby("kernel", sort=False))[:MAX_PANELS]
    fig, axes = _grid(len(groups))
    for ax, (kernel, g) in zip(axes, groups):
        for wkey, s in g.groupby("wkey", sort=False):
            label = f"{s['series'].iloc[0]} ({s['w0'].iloc[0]:.3g}/worker)"
            ax.plot(s["workers"], s["eff_weak_own"], label=label,
                    **line_style(s["series"].iloc[0], s["threads"].iloc[0]))
        ax.axhline(1.0, color="0.5", linestyle="--", linewidth=1, label="ideal")
        ax.set_ylim(0, max(1.1, float(g["eff_weak_own"].max()) * 1.1))
        _workers_axis(ax, g["workers"])
        ax.set_ylabel("weak efficiency T(p0)/T(p)")
        ax.set_title(kernel, fontsize=9)
        ax.legend(fontsize=7)
        ax.grid(True, alpha=0.3)
    return [("", _finish(fig, study, "Weak scaling efficiency\nbaseline: "
                         + metrics.BASELINE_TEXT["own"]), "Weak scaling efficiency.")]


def comparison_workers(p) -> int | None:
    """The largest worker count at which two or more parallel models ran one kernel."""
    par = _parallel(p)
    counts = par.groupby(["kernel", "size", "workers"])["series"].nunique()
    counts = counts[counts >= 2]
    if counts.empty:
        counts = par.groupby(["kernel", "size", "workers"])["series"].nunique()
        if counts.empty:
            return None
    return int(max(w for _, _, w in counts.index))


@plot("models", "Model comparison at a fixed worker count",
      "Speedup against the sequential driver of every model at one worker count, grouped by "
      "kernel (bars: spread of the repetitions). Taller is faster; bars whose whiskers "
      "overlap are not distinguishable by these measurements.")
def plot_models(study):
    p = study.points
    w = comparison_workers(p)
    if w is None:
        return "needs parallel runs"
    at = _parallel(p)[(p["workers"] == w) & p["speedup_seq"].notna()]
    if at.empty:
        return f"needs sequential runs to compare against at {w} workers"
    # One group per kernel, size and kernel options (counter's --sync, ...), so
    # every bar in a group is a model and the legend stays one entry per model.
    groups = list(at.groupby(["kernel", "size", "options"], sort=False, dropna=False))
    per_row = MODELS_PER_ROW
    rows = (len(groups) + per_row - 1) // per_row
    width = max(1, max(len(g) for _, g in groups))
    fig, axes = plt.subplots(rows, 1, squeeze=False,
                             figsize=(max(5.0, 0.55 * width * min(per_row, len(groups)) + 1.5),
                                      3.3 * rows + 0.6))
    seen = {}
    for row, ax in enumerate(axes[:, 0]):
        chunk = groups[row * per_row:(row + 1) * per_row]
        for j, ((kernel, size, options), g) in enumerate(chunk):
            g = g.assign(label=g["series"].str.split(" [", regex=False).str[0])
            g = g.sort_values("label", key=lambda c: c.map(
                lambda s: metrics.model_rank(s.split(" ")[0])))
            bw = 0.8 / len(g)
            for i, r in enumerate(g.itertuples()):
                st = style(r.label)
                bar = ax.bar([j + (i - (len(g) - 1) / 2) * bw], [r.speedup_seq], bw,
                             yerr=[[max(0.0, r.speedup_seq - r.speedup_seq_lo)],
                                   [max(0.0, r.speedup_seq_hi - r.speedup_seq)]],
                             capsize=2, color="white", edgecolor=st["color"], hatch=st["hatch"],
                             linewidth=1.2)
                seen.setdefault(r.label, bar)
        ax.axhline(w, color="0.5", linestyle="--", linewidth=1)
        ax.axhline(1, color="0.3", linewidth=0.8)
        ax.set_xticks(range(len(chunk)))
        ax.set_xticklabels([f"{k}\n{sz}" + (f"\n{o}" if isinstance(o, str) and o else "")
                            for (k, sz, o), _ in chunk], fontsize=7)
        ax.set_xlim(-0.6, per_row - 0.4 if rows > 1 else len(chunk) - 0.4)
        ax.set_ylabel("speedup vs scalekit-seq [x]")
        ax.grid(True, axis="y", alpha=0.3)
    labels = sorted(seen, key=lambda s: metrics.model_rank(s.split(" ")[0]))
    ideal = plt.Line2D([], [], color="0.5", linestyle="--", linewidth=1)
    axes[0, 0].legend([seen[s] for s in labels] + [ideal], labels + [f"ideal ({w}x)"],
                      fontsize=7, ncol=len(labels) + 1, loc="upper left")
    return [("", _finish(fig, study, f"Models compared at {w} workers\nbaseline: "
                         + metrics.BASELINE_TEXT["seq"]),
             f"Speedup of each model at {w} workers, grouped by kernel (and kernel options).")]


@plot("hybrid", "Hybrid split: ranks x threads at a fixed core count",
      "The same number of cores split between MPI ranks and OpenMP threads per rank, from "
      "all threads (1xC, OpenMP) to all ranks (Cx1, MPI). The lowest point is the best split "
      "for that kernel on this machine.")
def plot_hybrid(study):
    p = _parallel(study.points)
    splits = p.groupby(["kernel", "size", "workers"]).apply(
        lambda g: g[["ranks", "threads"]].drop_duplicates().shape[0], include_groups=False)
    splits = splits[splits >= 2]
    if splits.empty:
        return "needs one core count run with two or more ranks x threads splits"
    # The core count with the most splits (then the largest) tells the most.
    per_cores = splits.groupby(level=2).max()
    cores = int(max(per_cores.index, key=lambda c: (per_cores[c], c)))
    at = p[p["workers"] == cores]
    groups = [(k, g) for k, g in at.groupby(["kernel", "size"], sort=False)
              if g[["ranks", "threads"]].drop_duplicates().shape[0] >= 2][:MAX_PANELS]
    fig, axes = _grid(len(groups))
    for ax, ((kernel, size), g) in zip(axes, groups):
        g = g.sort_values(["ranks", "t_median"]).drop_duplicates(["ranks", "threads"])
        xs = np.arange(len(g))
        ax.plot(xs, g["t_median"], color="0.6", linewidth=1, zorder=1)
        for x, r in zip(xs, g.itertuples()):
            st = line_style(r.series, r.threads)
            ax.errorbar([x], [r.t_median], yerr=[[r.t_median - r.t_lo], [r.t_hi - r.t_median]],
                        capsize=2.5, label=r.model, **{**st, "linestyle": "none"})
        ax.set_xticks(xs)
        ax.set_xticklabels([f"{r}x{t}" for r, t in zip(g["ranks"], g["threads"])])
        ax.set_xlabel(f"ranks x threads ({cores} cores)")
        ax.set_ylabel("time per run [s]")
        ax.set_title(f"{kernel} {size}", fontsize=9)
        handles, labels = ax.get_legend_handles_labels()
        uniq = dict(zip(labels, handles))
        ax.legend(uniq.values(), uniq.keys(), fontsize=7)
        ax.grid(True, alpha=0.3)
    return [("", _finish(fig, study, f"Ranks x threads at {cores} cores"),
             f"Time per run for each ranks x threads split of {cores} cores.")]


@plot("io", "I/O bandwidth against ranks",
      "Write and read bandwidth of the I/O benchmark (iobench) against the number of ranks, "
      "one line per access mode and layout. Flat lines mean the file system, not the ranks, "
      "is the limit.")
def plot_io(study):
    p = study.points
    io = p[p["io_write_mib_s"].notna() | p["io_read_mib_s"].notna()]
    if io.empty:
        return "no I/O results (iobench records with an `io` object) in this study"
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), squeeze=False)
    for ax, col, what in zip(axes[0], ["io_write_mib_s", "io_read_mib_s"], ["write", "read"]):
        for i, ((kernel, mode, layout, model, size), g) in enumerate(
                io.groupby(["kernel", "io_mode", "io_layout", "model", "size"], sort=False)):
            g = g.dropna(subset=[col]).sort_values("ranks")
            if g.empty:
                continue
            ax.plot(g["ranks"], g[col], label=f"{kernel} {size} {model} {mode} {layout}",
                    **nth_style(i))
        ax.set_xscale("log", base=2)
        _workers_axis(ax, io["ranks"])
        ax.set_xlabel("MPI ranks")
        ax.set_ylabel(f"{what} bandwidth [MiB/s]")
        ax.set_title(what, fontsize=9)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
        ax.grid(True, alpha=0.3)
    return [("", _finish(fig, study, "Parallel HDF5 bandwidth against ranks"),
             "I/O bandwidth (median over repetitions) against ranks.")]


@plot("prediction", "Fitted performance models and their validation",
      "Points: measured medians. Solid curve: the model chosen by cross-validation, fitted to "
      "all points and extended to twice the largest p. Star: the largest p predicted by a "
      "model fitted without it (the label gives the error); a small error means the model "
      "can be trusted a little beyond the measurements, a large one means it cannot.")
def plot_prediction(study):
    m = study.models
    if m.empty:
        return (f"needs a model at {models.MIN_POINTS} or more worker counts (a sweep: "
                "./scalekit sweep)")
    rows = list(m.itertuples())[:MAX_PANELS]
    fig, axes = _grid(len(rows))
    for ax, r in zip(axes, rows):
        g = study.points[(study.points["kernel"] == r.kernel)
                         & (study.points["series"] == r.series)
                         & (study.points["variant"] == r.variant)].sort_values("workers")
        st = line_style(r.series)
        sizes = list(g.groupby("n", sort=True)) if "n" in r.param_list else [(None, g)]
        for n, s in sizes:
            ax.errorbar(s["workers"], s["t_median"],
                        yerr=[s["t_median"] - s["t_lo"], s["t_hi"] - s["t_median"]],
                        capsize=2.5, **{**st, "linestyle": "none"},
                        label="measured" + (f" n={n:.3g}" if n is not None else ""))
            ps = np.unique(np.geomspace(s["workers"].min(), 2 * s["workers"].max(), 60))
            X = {"p": ps}
            if n is not None:
                X["n"] = np.full_like(ps, n)
            ax.plot(ps, models.predict(r.fit_obj.hypothesis, r.fit_obj.coef, X), color=st["color"],
                    linewidth=1.4, label="model" if n is None else None)
        if math.isfinite(r.predicted):
            ax.plot([r.holdout_p], [r.predicted], marker="*", markersize=13, color="black",
                    markerfacecolor="white", linestyle="none",
                    label=f"predicted p={r.holdout_p}: {r.error_pct:+.1f}%".replace("+", "err "))
        _log_time_axis(ax)
        _workers_axis(ax, list(g["workers"]) + [2 * g["workers"].max()])
        ax.set_ylabel("time per run [s]")
        ax.set_title(f"{r.kernel} {r.series}\n{r.formula} s", fontsize=8)
        ax.legend(fontsize=7)
        ax.grid(True, alpha=0.3)
    return [("", _finish(fig, study, "Performance models (PMNF, chosen by cross-validation)"),
             "Measured times, fitted model and the held-out largest p.")]


def render(study, outdir: str, dpi: int = 110) -> list[Figure]:
    """Draw every applicable plot into outdir (PNG + SVG).

    Fills study.figures, and study.skipped_plots with why the others were not drawn."""
    os.makedirs(outdir, exist_ok=True)
    study.skipped_plots = {}
    figures = []
    for kind in PLOTS:
        if study.points.empty and kind.section == "figures":  # scaling figures need runs
            study.skipped_plots[kind.name] = "no usable runs (see 'Runs not used')"
            continue
        made = kind.make(study)
        if isinstance(made, str):
            study.skipped_plots[kind.name] = made
            continue
        for suffix, fig, caption in made:
            stem = os.path.join(outdir, kind.name + (f"-{suffix}" if suffix else ""))
            fig.savefig(stem + ".png", dpi=dpi)
            fig.savefig(stem + ".svg")
            plt.close(fig)
            figures.append(Figure(kind.name, kind.title, caption, stem + ".png", stem + ".svg"))
    study.figures = figures
    return figures
