"""metrics - scaling metrics per kernel x model x size.

A *point* is one configuration (kernel, size, iters, model, variant, ranks,
threads; the variant holds schedule, decomposition and the kernel's own
options such as --sync): all repetitions of all its included records pooled. A *series* is
the points of one kernel x size x model x variant (hybrid: x threads per
rank) across worker counts p = ranks x threads.

Every speedup names its baseline:
  - "seq": the sequential driver's median time at the same kernel and size,
    with the same kernel options where it ran them (absolute speedup
    S = T_seq / T(p), efficiency S / p);
  - "own": the same series at its smallest worker count p0 (relative
    speedup S = T(p0) / T(p), efficiency S * p0 / p).
Karp-Flatt: e = (1/S - 1/q) / (1 - 1/q) with q the worker ratio (p against
seq, p/p0 against own). Amdahl (strong): 1/S = f + (1 - f)/q, least squares
for f. Weak series (work per worker constant, size growing with p):
E_w = T_base / T(p); Gustafson: scaled speedup q E_w = q - a (q - 1).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import measured, stats, summary

POINT_KEY = ["kernel", "size", "n", "iters", "model", "variant", "ranks", "threads"]
SERIES_KEY = ["kernel", "size", "n", "iters", "model", "variant", "tkey"]
WEAK_KEY = ["kernel", "iters", "model", "variant", "tkey"]
MODEL_ORDER = summary.MODELS  # the order of the demo's table
BASELINE_TEXT = {
    "seq": "sequential driver (scalekit-seq), same kernel and size (and kernel options, "
           "where it ran them)",
    "own": "same model at its smallest worker count",
}


def model_rank(model: str) -> int:
    return MODEL_ORDER.index(model) if model in MODEL_ORDER else len(MODEL_ORDER)


def _first(s: pd.Series):
    return s.iloc[0]


def _mean(s: pd.Series) -> float:
    s = s.dropna()
    return float(s.mean()) if len(s) else math.nan


def _median(s: pd.Series) -> float:
    s = s.dropna()
    return float(s.median()) if len(s) else math.nan


def points(runs: pd.DataFrame) -> pd.DataFrame:
    """Per-point statistics of the included repetitions."""
    used = runs[runs["included"]]
    if used.empty:
        return pd.DataFrame(columns=POINT_KEY + ["workers", "t_median"])
    rows = []
    for key, g in used.groupby(POINT_KEY, sort=False):
        med, lo, hi, kind = stats.median_ci(g["seconds"])
        recs = g[g["rep"] == 0]
        rows.append(dict(zip(POINT_KEY, key),
                         workers=int(g["workers"].iloc[0]), nodes=int(g["nodes"].max()),
                         reps=len(g), records=len(recs),
                         t_median=med, t_lo=lo, t_hi=hi, spread=kind,
                         t_min=float(g["seconds"].min()), t_mean=float(g["seconds"].mean()),
                         compute_max_s=_mean(recs["compute_max_s"]),
                         compute_mean_s=_mean(recs["compute_mean_s"]),
                         imbalance=_mean(recs["imbalance"]),
                         cpu_busy=_median(recs["cpu_busy"]), options=_first(recs["options"]),
                         bytes=_mean(recs["bytes"]), rate_unit=_first(recs["rate_unit"]),
                         io_share=_median(recs["io_share"]),
                         io_write_mib_s=_median(recs["io_write_mib_s"]),
                         io_read_mib_s=_median(recs["io_read_mib_s"]),
                         io_mode=_first(recs["io_mode"]), io_layout=_first(recs["io_layout"]),
                         weak_only=bool((recs["sweep_kind"] == "weak").all()),
                         sweep=",".join(sorted(set(recs["sweep"]) - {""})),
                         env=",".join(sorted(set(recs["env"])))))
    p = pd.DataFrame(rows)
    p["tkey"] = np.where(p["model"] == "hybrid", p["threads"], 0)
    several = p.groupby(["kernel", "model"])["variant"].transform("nunique") > 1
    p["series"] = [series_label(r, show) for r, show in zip(p.itertuples(), several)]
    p["_m"] = p["model"].map(model_rank)
    p = p.sort_values(["kernel", "n", "_m", "tkey", "variant", "workers"]).drop(columns="_m")
    return add_speedups(p.reset_index(drop=True))


def series_label(r, with_variant: bool = False) -> str:
    """'omp', 'hybrid (2 thr/rank)', 'mpi [static block collective contiguous]'."""
    label = r.model
    if r.model == "hybrid":
        label += f" ({r.threads} thr/rank)"
    if with_variant:
        label += f" [{r.variant}]"
    return label


def karp_flatt(speedup: float, q: float) -> float:
    """Experimentally determined serial fraction; NaN at q <= 1."""
    if not (q > 1 and speedup > 0):
        return math.nan
    return (1 / speedup - 1 / q) / (1 - 1 / q)


def add_speedups(p: pd.DataFrame) -> pd.DataFrame:
    """Speedup, efficiency and Karp-Flatt against both baselines."""
    seqs = p[p["model"] == "seq"]
    seq = seqs.groupby(["kernel", "n", "iters"])["t_median"].min()
    same = seqs.groupby(["kernel", "n", "iters", "options"])["t_median"].min()
    p["t_seq"] = [same.get((r.kernel, r.n, r.iters, r.options),
                           seq.get((r.kernel, r.n, r.iters), math.nan)) for r in p.itertuples()]
    p["speedup_seq"] = p["t_seq"] / p["t_median"]
    p["speedup_seq_lo"] = p["t_seq"] / p["t_hi"]
    p["speedup_seq_hi"] = p["t_seq"] / p["t_lo"]
    p["eff_seq"] = p["speedup_seq"] / p["workers"]
    p["karp_flatt_seq"] = [karp_flatt(s, q) for s, q in zip(p["speedup_seq"], p["workers"])]
    p0 = p.groupby(SERIES_KEY)["workers"].transform("min")
    t0 = p.loc[p.groupby(SERIES_KEY)["workers"].idxmin()].set_index(SERIES_KEY)["t_median"]
    p["p0"] = p0
    p["t_p0"] = [t0.loc[tuple(r[k] for k in SERIES_KEY)] for _, r in p.iterrows()]
    p["speedup_own"] = p["t_p0"] / p["t_median"]
    p["eff_own"] = p["speedup_own"] * p["p0"] / p["workers"]
    p["karp_flatt_own"] = [karp_flatt(s, w / w0)
                           for s, w, w0 in zip(p["speedup_own"], p["workers"], p["p0"])]
    return p


def _lsq_through_origin(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope of y = b x by least squares, and the rms residual."""
    b = float(np.dot(x, y) / np.dot(x, x))
    return b, float(np.sqrt(np.mean((y - b * x) ** 2)))


def amdahl_fit(q, speedup) -> tuple[float, float, int]:
    """Serial fraction f of 1/S = f + (1 - f)/q over points with q > 1.

    Returns (f, rms residual of 1/S, points used); f is NaN with < 2 points.
    """
    q, s = np.asarray(q, float), np.asarray(speedup, float)
    keep = (q > 1) & np.isfinite(s) & (s > 0)
    q, s = q[keep], s[keep]
    if len(q) < 2:
        return math.nan, math.nan, len(q)
    f, rms = _lsq_through_origin(1 - 1 / q, 1 / s - 1 / q)
    return f, rms, len(q)


def gustafson_fit(q, scaled_speedup) -> tuple[float, float, int]:
    """Serial fraction a of S = q - a (q - 1) over points with q > 1."""
    q, s = np.asarray(q, float), np.asarray(scaled_speedup, float)
    keep = (q > 1) & np.isfinite(s)
    q, s = q[keep], s[keep]
    if len(q) < 2:
        return math.nan, math.nan, len(q)
    a, rms = _lsq_through_origin(q - 1, q - s)
    return a, rms, len(q)


def strong_fits(p: pd.DataFrame) -> pd.DataFrame:
    """Amdahl fits per series, against both baselines."""
    rows = []
    strong = p[(p["model"] != "seq") & ~p["weak_only"]]
    for key, g in strong.groupby(SERIES_KEY, sort=False):
        base = dict(zip(SERIES_KEY, key), series=g["series"].iloc[0], law="Amdahl (strong)",
                    workers=" ".join(str(w) for w in sorted(g["workers"])))
        f, rms, n = amdahl_fit(g["workers"], g["speedup_seq"])
        rows.append(dict(base, baseline="seq", serial_fraction=f, rms=rms, points=n))
        f, rms, n = amdahl_fit(g["workers"] / g["p0"], g["speedup_own"])
        rows.append(dict(base, baseline="own", serial_fraction=f, rms=rms, points=n))
    return pd.DataFrame(rows)


def weak_series(p: pd.DataFrame, tol: float = 0.05) -> pd.DataFrame:
    """Points that form weak-scaling series, with E_w and Gustafson columns.

    A weak series: points of one kernel x model x variant whose work per
    worker n / p agrees within tol, spanning >= 2 worker counts and >= 2
    sizes. Columns added: wkey (series id), w0 (n per worker), q_weak
    (p / p0), eff_weak_own = T(p0) / T(p), and eff_weak_seq = T_seq(n / p at
    p0) / T(p), the sequential driver on one worker's share of the work.
    """
    out = []
    par = p[p["model"] != "seq"]
    seq = p[p["model"] == "seq"].groupby(["kernel", "iters", "n"])["t_median"].min()
    declared = par[par["weak_only"]]
    for key, g in declared.groupby(WEAK_KEY + ["sweep"], sort=False):
        if g["workers"].nunique() >= 2:   # a weak sweep says so: no need to guess
            out.append(_weak_members(g.sort_values("workers").copy(), seq, tol))
    par = par[~par["weak_only"]]
    for key, g in par.groupby(WEAK_KEY, sort=False):
        per = (g["n"] / g["workers"]).to_numpy(float)
        taken = np.zeros(len(g), bool)
        for i in np.argsort(per):
            if taken[i]:
                continue
            same = (~taken) & (np.abs(per - per[i]) <= tol * per[i])
            members = g[same]
            taken |= same
            if members["workers"].nunique() < 2 or members["n"].nunique() < 2:
                continue
            out.append(_weak_members(members.sort_values("workers").copy(), seq, tol))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _weak_members(members: pd.DataFrame, seq: pd.Series, tol: float) -> pd.DataFrame:
    """Weak-scaling columns for the points of one weak series (sorted by workers)."""
    first = members.iloc[0]
    w0 = first["n"] / first["workers"]
    members["wkey"] = f"{first['kernel']}|{first['series']}|{first['variant']}|{w0:.6g}"
    members["w0"] = w0
    members["q_weak"] = members["workers"] / first["workers"]
    members["eff_weak_own"] = first["t_median"] / members["t_median"]
    t1 = next((t for (k, it, n), t in seq.items()
               if k == first["kernel"] and it == first["iters"] and abs(n - w0) <= tol * w0),
              math.nan)
    members["eff_weak_seq"] = t1 / members["t_median"]
    return members


def weak_fits(w: pd.DataFrame) -> pd.DataFrame:
    rows = []
    if w.empty:
        return pd.DataFrame()
    for wkey, g in w.groupby("wkey", sort=False):
        base = dict(kernel=g["kernel"].iloc[0], series=g["series"].iloc[0],
                    model=g["model"].iloc[0], variant=g["variant"].iloc[0],
                    law="Gustafson (weak)", size=f"{g['w0'].iloc[0]:.6g} per worker",
                    workers=" ".join(str(x) for x in g["workers"]))
        a, rms, n = gustafson_fit(g["workers"], g["workers"] * g["eff_weak_seq"])
        rows.append(dict(base, baseline="seq", serial_fraction=a, rms=rms, points=n))
        a, rms, n = gustafson_fit(g["q_weak"], g["q_weak"] * g["eff_weak_own"])
        rows.append(dict(base, baseline="own", serial_fraction=a, rms=rms, points=n))
    return pd.DataFrame(rows)


# --- what bounds each kernel --------------------------------------------------

IO_SHARE = 0.5     # I/O-bound: at least this share of run time in I/O
# waiting-bound: one worker's CPU busy less than this share of the run (the
# measured table's threshold too: one constant)
WAIT_BUSY = measured.WAIT_BUSY
COMM_SHARE = 0.5   # communication-bound: at least this share outside computing
MEM_FRACTION = 0.5  # memory-bound: achieved bytes/s at least this part of triad's
CACHE_FRACTION = 1.2  # beyond triad's (DRAM) bandwidth: the data lives in cache


def classify(p: pd.DataFrame) -> pd.DataFrame:
    """One row per kernel and size: bound (CPU/memory/I/O/waiting/communication)
    and evidence (per size: a small problem may live in cache, or compute
    where a larger one waits).

    From measurements only: I/O share of the run (io records); how busy one
    worker's CPU was (cpu.busy = CPU time / wall time: blocking I/O, sleeps
    and remote requests leave it idle, so a run that waits uses little); the share of
    time outside the slowest rank's computation at the largest rank count
    (halo exchange, combine, waiting); achieved compulsory bytes/s against
    triad's at the same model and worker count in this study.
    """
    rows = []
    triad = p[p["kernel"] == "triad"].assign(bw=lambda d: d["bytes"] / d["t_median"])
    for (kernel, size), g in p.groupby(["kernel", "size"], sort=False):
        rows.append(dict(kernel=kernel, size=size, **_classify_kernel(kernel, g, triad)))
    return pd.DataFrame(rows, columns=["kernel", "size", "bound", "evidence"])


def cpu_busy(g: pd.DataFrame) -> tuple[float, str]:
    """(cpu.busy, where it comes from) of one kernel and size's points.

    One-worker points first: with one worker, busy is CPU time / wall time
    with no thread pool or MPI progress engine spinning while it waits, and
    one worker is least disturbed by other load (which lowers busy for every
    model alike). Of those, the least busy: a configuration that overlaps its
    waits (an event loop) hides them, one that blocks in each shows them.
    Without one-worker points: the median over all. NaN when the records
    carry no CPU time (written before scalekit recorded it).
    """
    g = g[g["cpu_busy"].notna()] if "cpu_busy" in g else g.iloc[0:0]
    one = g[g["workers"] == 1]
    if not one.empty:
        n = len(one)
        return float(one["cpu_busy"].min()), (
            "one worker" + (f", the least busy of {n} configurations" if n > 1 else ""))
    if g.empty:
        return math.nan, ""
    return float(g["cpu_busy"].median()), f"median over {len(g)} configurations"


def _triad_bw(triad: pd.DataFrame, model: str, workers: int) -> float:
    same = triad[(triad["model"] == model) & (triad["workers"] == workers)]
    if same.empty:
        same = triad[triad["workers"] == workers]
    return float(same["bw"].max()) if not same.empty else math.nan


def _classify_kernel(kernel: str, g: pd.DataFrame, triad: pd.DataFrame) -> dict[str, str]:
    io = g["io_share"].dropna()
    if not io.empty and io.median() >= IO_SHARE:
        return dict(bound="I/O", evidence=f"I/O takes {io.median():.0%} of the run time "
                                          f"(median over {len(io)} points)")
    busy, where = cpu_busy(g)
    if math.isfinite(busy) and busy < WAIT_BUSY:
        return dict(bound="waiting", evidence=(
            f"the CPU was busy {busy:.0%} of the run ({where}): the rest is waiting "
            "(blocking I/O, sleep, remote requests), so more workers than cores can help"))
    evidence = [] if not math.isfinite(busy) else [f"CPU busy {busy:.0%} of the run ({where})"]
    multi = g[g["ranks"] > 1]
    if not multi.empty:
        top = multi[multi["ranks"] == multi["ranks"].max()]
        share = float((1 - top["compute_max_s"] / top["t_median"]).clip(lower=0).max())
        if math.isfinite(share):
            at = f"{int(top['ranks'].iloc[0])} ranks"
            if share >= COMM_SHARE:
                return dict(bound="communication",
                            evidence=f"{share:.0%} of the time at {at} is outside computation "
                                     "(halo exchange, combine, waiting)")
            evidence.append(f"computing {1 - share:.0%} of the time at {at}")
    if not (g["bytes"] > 0).any():
        if g["bytes"].isna().all():
            return dict(bound="CPU?", evidence="; ".join(evidence + [
                "the records carry no memory traffic (rate.bytes): rebuild and rerun"]))
        return dict(bound="CPU", evidence="; ".join(
            ["streams no arrays (0 bytes of compulsory memory traffic)"] + evidence))
    fractions = []
    for r in g[g["bytes"] > 0].itertuples():
        ref = _triad_bw(triad, r.model, r.workers)
        if math.isfinite(ref) and ref > 0:
            fractions.append((r.bytes / r.t_median / ref, r.bytes / r.t_median, ref, r))
    if not fractions:
        return dict(bound="memory?", evidence="; ".join(
            ["moves memory, but this study has no triad run at the same worker counts to "
             "compare its bandwidth with"] + evidence))
    frac, bw, ref, r = max(fractions, key=lambda f: f[0])
    at = f"{r.model}, {r.workers} worker{'s' if r.workers > 1 else ''}"
    text = f"{bw / 1e9:.3g} GB/s = {frac:.0%} of triad's {ref / 1e9:.3g} GB/s ({at})"
    if frac > CACHE_FRACTION:
        text += "; above triad's, so its working set is served from cache"
    if kernel == "triad":
        text = f"the bandwidth reference: {bw / 1e9:.3g} GB/s ({at})"
    bound = "memory" if frac >= MEM_FRACTION else "CPU"
    return dict(bound=bound, evidence="; ".join([text] + evidence))


def best_models(p: pd.DataFrame) -> pd.DataFrame:
    """Per kernel x size x worker count: the fastest model and its margin.

    `tie` names the runners-up whose spread overlaps the winner's (the
    difference is within the noise of the repetitions).
    """
    rows = []
    for (kernel, size, workers), g in p.groupby(["kernel", "size", "workers"], sort=False):
        g = g.sort_values("t_median")
        win = g.iloc[0]
        ties = [r.series for r in g.iloc[1:].itertuples() if r.t_lo <= win.t_hi]
        second = g.iloc[1] if len(g) > 1 else None
        rows.append(dict(kernel=kernel, size=size, workers=workers, best=win.series,
                         t_median=win.t_median, speedup_seq=win.speedup_seq,
                         margin=(second.t_median / win.t_median if second is not None
                                 else math.nan),
                         runner_up=second.series if second is not None else "",
                         tie=", ".join(ties), candidates=len(g)))
    return pd.DataFrame(rows)
