"""study - everything the plots and the report show, computed once.

A Study is built from a Collection (collect.py): per-point metrics, fits,
performance models, the best model per kernel and worker count, what bounds
each kernel, and a one-line description of where the numbers came from
(machine, dates, versions) for the footnote of every figure.
"""
from __future__ import annotations

import dataclasses

import pandas as pd

from . import collect, metrics, models


@dataclasses.dataclass
class Study:
    collection: collect.Collection
    points: pd.DataFrame       # metrics.points(): one row per configuration
    fits: pd.DataFrame         # Amdahl and Gustafson fits, both baselines
    weak: pd.DataFrame         # points of weak-scaling series (metrics.weak_series)
    models: pd.DataFrame       # models.fit_all(): fitted performance models
    best: pd.DataFrame         # metrics.best_models()
    bounds: pd.DataFrame       # metrics.classify()
    footnote: str              # machine, measurement dates, scalekit version
    figures: list = dataclasses.field(default_factory=list)  # plots.Figure, filled by plots
    skipped_plots: dict = dataclasses.field(default_factory=dict)  # plot name -> why not drawn

    @property
    def runs(self) -> pd.DataFrame:
        return self.collection.runs

    def figure(self, name: str):
        return [f for f in self.figures if f.name == name]


def _footnote(runs: pd.DataFrame) -> str:
    used = runs[runs["included"]] if runs["included"].any() else runs
    hosts = sorted(set(",".join(used["hosts"]).split(",")) - {"?", ""})
    machine = ", ".join(hosts[:3]) + (f" +{len(hosts) - 3} more" if len(hosts) > 3 else "")
    arch = sorted(set(used["arch"]) - {""})
    stamps = sorted(t for t in used["timestamp"] if t)
    dates = ""
    if stamps:
        first, last = stamps[0][:10], stamps[-1][:10]
        dates = first if first == last else f"{first}..{last}"
    versions = sorted(set(used["version"]))
    commits = sorted(set(used["commit"]) - {"?"})
    text = f"machine: {machine or 'unknown'}"
    text += f" ({', '.join(arch)})" if arch else ""
    text += f" | measured {dates}" if dates else ""
    text += f" | scalekit {', '.join(versions)}"
    if commits:
        text += f" ({', '.join(commits[:2])}{' ...' if len(commits) > 2 else ''})"
    return text


def build(c: collect.Collection) -> Study:
    p = metrics.points(c.runs)
    fits = metrics.strong_fits(p) if not p.empty else pd.DataFrame()
    weak = metrics.weak_series(p) if not p.empty else pd.DataFrame()
    fits = pd.concat([fits, metrics.weak_fits(weak)], ignore_index=True)
    fitted = models.fit_all(p, metrics.WEAK_KEY) if not p.empty else pd.DataFrame()
    best = metrics.best_models(p) if not p.empty else pd.DataFrame()
    bounds = metrics.classify(p) if not p.empty else pd.DataFrame(
        columns=["kernel", "size", "bound", "evidence"])
    return Study(c, p, fits, weak, fitted, best, bounds, _footnote(c.runs))
