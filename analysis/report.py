"""report - one self-contained HTML file: the measured answer to "threads or
processes, and when", with the figures, tables and where the numbers came from.

The file opens offline: CSS is inline and every figure is embedded as a PNG
data URI (no CDN, no external file).

Registry: SECTIONS lists the report's sections in order. A section is a
function taking the Study and returning an HTML fragment, or None to leave
the section out (e.g. no I/O results). To add one (say, a message-size
sweep): write

    @section("latency", "Latency against message size", order=45)
    def latency(study):
        rows = study.points[study.points["kernel"] == "pingpong"]
        if rows.empty:
            return None
        return table(rows, [("size", "bytes"), ("t_median", "median s", fmt_time)])

in this file or in a module imported by analysis/cli.py (as
measured_section.py is); `order` places it (the built-in sections use
multiples of 10). Use table(), esc()
and the fmt_* helpers so every section looks alike.
"""
from __future__ import annotations

import base64
import dataclasses
import html
import math
import os

import pandas as pd

from . import collect, export, metrics, registry, stats


@dataclasses.dataclass
class Section:
    key: str
    title: str
    render: object
    order: int


SECTIONS: list[Section] = []
# @section("key", "Title", order=N): order places it among the others.
section = registry.decorator(SECTIONS, Section, order=lambda s: s.order)


# --- formatting helpers ---------------------------------------------------------

def esc(x) -> str:
    return html.escape(str(x))


def _bad(x) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def fmt_time(x) -> str:
    return "-" if _bad(x) else f"{x:.4g}"


def fmt_ratio(x) -> str:
    return "-" if _bad(x) else f"{x:.2f}"


def fmt_pct(x) -> str:
    return "-" if _bad(x) else f"{x:.1f}%"


def fmt_text(x) -> str:
    return "" if _bad(x) else str(x)


def table(df: pd.DataFrame, columns, cls: str = "") -> str:
    """HTML table of df; columns: [(field, heading[, formatter])]."""
    head = "".join(f"<th>{esc(c[1])}</th>" for c in columns)
    body = []
    for _, row in df.iterrows():
        cells = []
        for c in columns:
            f = c[2] if len(c) > 2 else fmt_text
            v = row.get(c[0])
            text = f(v)
            num = isinstance(v, (int, float)) and not isinstance(v, bool)
            cells.append(f"<td{' class=num' if num else ''}>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table class='{cls}'><thead><tr>{head}</tr></thead><tbody>"
            + "".join(body) + "</tbody></table>")


def note(text: str) -> str:
    return f"<p class=note>{esc(text)}</p>"


def data_uri(png_path: str) -> str:
    with open(png_path, "rb") as f:
        return "data:image/png;base64," + base64.b64encode(f.read()).decode("ascii")


# --- sections -------------------------------------------------------------------

@section("overview", "What was read", order=10)
def overview(study) -> str:
    c = study.collection
    n = collect.counts(c)
    parts = [
        f"{len(c.files)} results file(s), {n['records']} record(s): {n['used']} used, "
        f"{n['excluded']} excluded, {n['expected_wrong']} deliberately wrong, "
        f"{len(c.duplicates)} exact duplicate(s) dropped, {len(c.problems)} unreadable line(s).",
        f"Times are per run (all iterations), the maximum over ranks, as the median of the "
        f"repetitions; the spread is the {stats.spread_label('ci95')} where there are enough "
        f"repetitions (6 or more), else min..max. Every speedup names its baseline: "
        f"'vs seq' = {metrics.BASELINE_TEXT['seq']}; 'vs own' = {metrics.BASELINE_TEXT['own']}.",
        study.footnote,
    ]
    if c.others:
        parts.append(f"{len(c.others)} record(s) of other kinds (scalekit-overhead probes, "
                     "mpirun launch times) are not kernel runs: they are shown in 'Threads vs "
                     "processes, measured', not in the scaling analysis.")
    envs = c.environments
    if len(envs) > 1:
        parts.append(f"Warning: these results come from {len(envs)} different environments "
                     "(machines, builds or commits, see 'Environments'); compare numbers "
                     "within one environment.")
    return "".join(f"<p>{esc(t)}</p>" for t in parts)


def _best_cell(r) -> str:
    text = f"{r.best} {fmt_time(r.t_median)} s"
    if not _bad(r.speedup_seq):
        text += f" ({r.speedup_seq:.2f}x vs seq)"
    if r.tie:
        text += f"; tie with {r.tie}"
    elif r.runner_up:
        text += f"; {r.margin:.2f}x faster than {r.runner_up}"
    return text


@section("answer", "Best model per kernel at each worker count", order=20)
def answer(study) -> str:
    best = study.best
    if best.empty:
        return note("No usable runs: see the excluded runs below.")
    workers = sorted(best["workers"].unique())
    rows = []
    bounds = study.bounds.set_index(["kernel", "size"])
    for (kernel, size), g in best.groupby(["kernel", "size"], sort=False):
        row = {"kernel": kernel, "size": size}
        for w in workers:
            hit = g[g["workers"] == w]
            row[f"w{w}"] = _best_cell(hit.iloc[0]) if not hit.empty else ""
        if (kernel, size) in bounds.index:
            row["bound"] = bounds.loc[(kernel, size), "bound"]
            row["evidence"] = bounds.loc[(kernel, size), "evidence"]
        rows.append(row)
    cols = [("kernel", "kernel"), ("size", "size")]
    cols += [(f"w{w}", f"{w} worker{'s' if w > 1 else ''}") for w in workers]
    cols += [("bound", "bound by (measured)"), ("evidence", "evidence")]
    return (table(pd.DataFrame(rows), cols, "answer")
            + note("Best = lowest median time at that worker count (ranks x threads), among "
                   "the runs of this study. 'tie' = the runner-up's spread overlaps the "
                   "winner's: the repetitions cannot tell them apart. Bound by: I/O if I/O "
                   f"takes >= {metrics.IO_SHARE:.0%} of the run; waiting if one worker's "
                   f"CPU is busy < {metrics.WAIT_BUSY:.0%} of the run (CPU time / wall time: "
                   "it blocks in I/O, sleeps or remote requests); communication if >= "
                   f"{metrics.COMM_SHARE:.0%} of the time at the largest rank count is outside "
                   "the slowest rank's computation; memory if the achieved compulsory "
                   f"traffic is >= {metrics.MEM_FRACTION:.0%} of triad's bandwidth at the same "
                   "model and worker count; else CPU."))


def figures_of(study, key: str) -> str:
    """The figures registered for report section key, and why others were not drawn."""
    from . import plots
    out = []
    kinds = [k for k in plots.PLOTS if k.section == key]
    for kind in kinds:
        for f in study.figure(kind.name):
            out.append(f"<figure><h3>{esc(f.title)}</h3>"
                       f"<img alt='{esc(f.caption)}' src='{data_uri(f.png)}'>"
                       f"<figcaption>{esc(kind.how_to_read)} (SVG: "
                       f"figures/{esc(os.path.basename(f.svg))})</figcaption></figure>")
    skipped = {k.name: study.skipped_plots[k.name] for k in kinds if k.name in study.skipped_plots}
    if skipped:
        items = "".join(f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in skipped.items())
        out.append(f"<p>Not drawn for this study:</p><ul>{items}</ul>")
    return "".join(out)


@section("figures", "Figures", order=30)
def figures(study) -> str:
    return figures_of(study, "figures")


@section("metrics", "Scaling metrics per configuration", order=40)
def metrics_table(study) -> str:
    p = study.points
    if p.empty:
        return None
    p = p.assign(layout=p["ranks"].astype(str) + "x" + p["threads"].astype(str),
                 spread_txt=[f"{fmt_time(lo)}..{fmt_time(hi)} "
                             f"({'CI95' if k == 'ci95' else 'min..max'})"
                             for lo, hi, k in zip(p["t_lo"], p["t_hi"], p["spread"])])
    cols = [("kernel", "kernel"), ("size", "size"), ("series", "model"),
            ("variant", "schedule / decomposition"), ("layout", "ranks x thr"),
            ("reps", "reps"), ("t_median", "median s", fmt_time), ("spread_txt", "spread"),
            ("speedup_seq", "speedup vs seq", fmt_ratio), ("eff_seq", "eff. vs seq", fmt_ratio),
            ("karp_flatt_seq", "Karp-Flatt vs seq", fmt_ratio), ("p0", "own p0"),
            ("speedup_own", "speedup vs own p0", fmt_ratio),
            ("eff_own", "eff. vs own p0", fmt_ratio), ("env", "env")]
    return (table(p, cols) + note(
        "vs seq: baseline " + metrics.BASELINE_TEXT["seq"] + " (efficiency = speedup / p). "
        "vs own p0: baseline " + metrics.BASELINE_TEXT["own"] + " (efficiency = speedup x p0 "
        "/ p). Karp-Flatt e = (1/S - 1/p)/(1 - 1/p): flat across p means a fixed serial "
        "fraction, growing means overhead that grows with p."))


@section("fits", "Amdahl and Gustafson fits", order=50)
def fits(study) -> str:
    f = study.fits
    if f.empty or f["serial_fraction"].notna().sum() == 0:
        return note("Needs a model at two or more worker counts above its baseline "
                    "(strong scaling) or a weak-scaling series.")
    f = f[f["serial_fraction"].notna()].assign(
        base=lambda d: d["baseline"].map({"seq": "vs seq", "own": "vs own p0"}))
    cols = [("kernel", "kernel"), ("size", "size"), ("series", "model"), ("law", "law"),
            ("base", "baseline"), ("serial_fraction", "serial fraction", fmt_ratio),
            ("rms", "rms residual", fmt_ratio), ("points", "points"), ("workers", "workers")]
    return table(f, cols) + note(
        "Amdahl: 1/S = f + (1 - f)/p fitted by least squares; f is the serial fraction. "
        "Gustafson: scaled speedup S = p - a(p - 1) for weak scaling; a is the serial "
        "fraction of the scaled work. A fraction outside 0..1 means the law does not "
        "describe these runs (overhead grows with p, or superlinear caching).")


@section("prediction", "Performance models and prediction", order=60)
def prediction(study) -> str:
    m = study.models
    if m.empty:
        return note("Needs a model measured at 3 or more worker counts (4 or more to "
                    "validate): run a sweep.")
    m = m.assign(valid=[
        r.holdout_note or f"fit without p={r.holdout_p}: predicted {fmt_time(r.predicted)} s, "
                          f"measured {fmt_time(r.measured)} s, error {r.error_pct:.1f}%"
        for r in m.itertuples()])
    cols = [("kernel", "kernel"), ("series", "model"), ("words", "in plain words"),
            ("formula", "fitted time [s]"), ("cv_error", "CV error", lambda x: fmt_pct(x * 100)),
            ("valid", "validation at the largest p"), ("workers", "workers")]
    return table(m, cols) + note(
        "Candidates: c0 + c1 p^i log2(p)^j (Extra-P's performance model normal form, i in "
        "-1..3, j in 0..2), Amdahl plus one growing term, and a constant; and, where a sweep "
        "varies the size n at the same p, terms in n. Chosen by leave-one-out "
        "cross-validation over worker counts (CV error = mean relative error of each left-out "
        "point), preferring fewer terms unless more predict clearly better. Extrapolate "
        "with care: a model is only as good as the range it was fitted on.")


@section("io", "I/O results", order=70)
def io_results(study) -> str | None:
    p = study.points
    if p.empty:
        return None
    io = p[p["io_share"].notna() | p["io_write_mib_s"].notna()]
    if io.empty:
        return None
    cols = [("kernel", "kernel"), ("size", "size"), ("model", "model"), ("ranks", "ranks"),
            ("io_mode", "mode"), ("io_layout", "layout"),
            ("io_write_mib_s", "write MiB/s", fmt_time), ("io_read_mib_s", "read MiB/s", fmt_time),
            ("io_share", "I/O share", lambda x: fmt_pct(x * 100)),
            ("t_median", "median s", fmt_time), ("env", "env")]
    return table(io, cols)


@section("excluded", "Runs not used, and why", order=80)
def excluded(study) -> str:
    c = study.collection
    ex = collect.excluded_records(c)
    out = []
    wrong = ex[ex["status"] == "expected_wrong"]
    bad = ex[ex["status"] == "excluded"]
    cols = [("file", "file"), ("line", "line"), ("kernel", "kernel"), ("size", "size"),
            ("model", "model"), ("ranks", "ranks"), ("threads", "threads"),
            ("excluded_reason", "reason"), ("env", "env")]
    if not bad.empty:
        out.append(table(bad, cols) + note(
            "Kept out of every figure, fit and table above: a run whose answer failed "
            "verification measured something else; an oversubscribed run measured time-sharing."))
    if not wrong.empty:
        out.append("<h3>Deliberately wrong runs (not failures)</h3>" + table(wrong, cols))
    if c.duplicates:
        dup = pd.DataFrame(c.duplicates, columns=["where", "first"])
        out.append("<h3>Exact duplicates dropped</h3>"
                   + table(dup, [("where", "record"), ("first", "identical to")]))
    if c.problems:
        prob = pd.DataFrame([(p.where(), p.reason) for p in c.problems],
                            columns=["where", "reason"])
        out.append("<h3>Unreadable lines</h3>" + table(prob, [("where", "file:line"),
                                                             ("reason", "reason")]))
    if c.skipped:
        out.append(note(f"{len(c.skipped)} file(s) in the given directories are not .jsonl "
                        "and were not read: " + ", ".join(c.skipped[:10])
                        + (" ..." if len(c.skipped) > 10 else "")))
    return "".join(out) or note("Every record was used.")


@section("environments", "Environments", order=90)
def environments(study) -> str:
    e = study.collection.environments
    cols = [("env", "env"), ("machine", "machine"), ("hosts", "hosts"),
            ("mpi_library", "MPI library"),
            ("compiler", "compiler"), ("cflags", "flags"), ("build_type", "build"),
            ("arch", "arch"), ("commit", "commit"), ("version", "scalekit"),
            ("slurm_jobs", "Slurm jobs"), ("records", "records"), ("first", "first run"),
            ("last", "last run")]
    return table(e, cols) + note("Each configuration's 'env' column above says which of "
                                 "these its records came from.")


@section("files", "Files written with this report", order=100)
def files(study) -> str:
    return ("<ul><li>results.csv: the tidy table, one row per timed repetition of every "
            "record (column 'included' says whether it was used, 'excluded_reason' why not)</li>"
            "<li>points.csv, fits.csv, models.csv, best.csv: the tables above</li>"
            "<li>extrap/KERNEL-MODEL.jsonl: every used repetition of one series as Extra-P "
            "JSON Lines (params p = workers and n = size, callpath kernel/model, metric time); "
            "open one in Extra-P (<code>extrap --jsonlines FILE</code>). One file per series "
            "because Extra-P wants every callpath of a file measured at the same points.</li>"
            "<li>figures/: every figure as PNG and SVG</li></ul>")


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:78em;
padding:0 1em;color:#111;line-height:1.4}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:2em}
h3{font-size:1em}
table{border-collapse:collapse;font-size:.82em;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.2em .45em;vertical-align:top}
th{background:#f2f2f2;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
table.answer td{min-width:9em}
figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #ddd}
figcaption,.note{font-size:.85em;color:#333}
"""


def render(study, path: str, title: str = "scalekit scaling report") -> str:
    """Write the report to path (atomically); returns path."""
    body = [f"<h1>{esc(title)}</h1>"]
    toc = []
    for s in SECTIONS:
        fragment = s.render(study)
        if fragment is None:
            continue
        toc.append(f"<li><a href='#{esc(s.key)}'>{esc(s.title)}</a></li>")
        body.append(f"<section id='{esc(s.key)}'><h2>{esc(s.title)}</h2>{fragment}</section>")
    page = ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            + body[0] + "<nav><ol>" + "".join(toc) + "</ol></nav>" + "".join(body[1:])
            + "</body></html>\n")
    export.write_atomic(path, page)
    return path
