"""export - the study's tables as CSV, and the used repetitions for Extra-P.

Extra-P (PyPI `extrap`) reads JSON Lines of the form
    {"params": {"p": 16, "n": 4096}, "callpath": "stencil/mpi", "metric": "time", "value": 1.2}
one line per repetition (`extrap --jsonlines FILE` or its GUI); every line
carries the same parameters (Extra-P takes their names from the first line). p = workers (ranks x threads), n =
the product of the size numbers. Callpaths are kernel/model; a hybrid series
adds its threads per rank, and a schedule/decomposition variant is added
when one kernel x model ran several, so no two series share a coordinate.
"""
from __future__ import annotations

import json
import os
import re

import pandas as pd


def callpaths(used: pd.DataFrame) -> pd.Series:
    """kernel/model[-Tt][@variant] for every row of used (repetitions)."""
    variants = used.groupby(["kernel", "model"])["variant"].nunique()
    out = []
    for r in used.itertuples():
        path = f"{r.kernel}/{r.model}"
        if r.model == "hybrid":
            path += f"-{r.threads}t"
        if variants.get((r.kernel, r.model), 1) > 1:
            path += "@" + r.variant.replace(" ", ",")
        out.append(path)
    return pd.Series(out, index=used.index)


def write_extrap(runs: pd.DataFrame, outdir: str) -> list[str]:
    """One Extra-P file per callpath with two or more coordinates; returns the paths.

    Extra-P wants every callpath of a file measured at every coordinate, which
    the series of one study rarely share (seq runs at p = 1 only, MPI may
    start at p = 2), so each series gets its own file: extrap/<callpath>.jsonl.
    """
    used = runs[runs["included"]].assign(callpath=lambda d: callpaths(d))
    os.makedirs(outdir, exist_ok=True)
    written = []
    for cp, g in used.groupby("callpath", sort=True):
        if len(g[["workers", "n"]].drop_duplicates()) < 2:
            continue
        lines = [json.dumps({"params": {"p": int(r.workers), "n": int(r.n)}, "callpath": cp,
                             "metric": "time", "value": float(r.seconds)})
                 for r in g.itertuples()]
        path = os.path.join(outdir, re.sub(r"[^A-Za-z0-9_.-]+", "-", cp) + ".jsonl")
        write_atomic(path, "".join(line + "\n" for line in lines))
        written.append(path)
    return written


def write_atomic(path: str, text: str) -> None:
    """Write text to path through path.tmp and a rename: no half-written file."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def write_tables(study, outdir: str) -> list[str]:
    """results.csv (tidy, one row per repetition), points/fits/models/best.csv."""
    written = []
    tables = {
        "results.csv": study.runs,
        "points.csv": study.points,
        "fits.csv": study.fits,
        "models.csv": study.models.drop(columns=["fit_obj", "param_list"], errors="ignore"),
        "best.csv": study.best.merge(study.bounds, on=["kernel", "size"], how="left")
        if not study.best.empty else study.best,
    }
    if not study.weak.empty:
        tables["weak.csv"] = study.weak
    for name, df in tables.items():
        path = os.path.join(outdir, name)
        write_atomic(path, df.to_csv(index=False))
        written.append(path)
    return written
