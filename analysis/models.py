"""models - performance models of time against workers p (and size n).

The family is Extra-P's performance model normal form (PMNF), restricted to
at most two terms:
    T = c0 + c1 * p^i * log2(p)^j                    (one term; i may be < 0)
    T = c0 + c1 / p + c2 * p^i * log2(p)^j            (Amdahl + a growing overhead)
    T = c0                                           (does not depend on p)
and, when a series varies the size n at the same worker counts as well,
    T = c0 + c1 * t(p) * u(n)  and  T = c0 + c1 * t(p) + c2 * u(n).
Amdahl (c0 + c1/p) and Gustafson's ideal weak scaling (flat) are members.

Coefficients come from least squares on relative error (times span orders
of magnitude); the hypothesis is chosen by leave-one-out cross-validation
over the measured points, preferring fewer terms unless more terms predict
clearly better. Validation: select and fit again without the largest p,
predict it, and report the error.

Invariant: every candidate is linear in its coefficients, so a fit is one
small weighted least-squares solve and the whole search takes milliseconds.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
from fractions import Fraction

import numpy as np
import pandas as pd

P_EXPONENTS = [Fraction(x) for x in
               ("-1", "-1/2", "-1/4", "0", "1/4", "1/3", "1/2", "2/3", "3/4", "1", "4/3",
                "3/2", "2", "5/2", "3")]
LOG_EXPONENTS = [0, 1, 2]
N_EXPONENTS = [Fraction(x) for x in ("0", "1/2", "1", "3/2", "2", "3")]
N_LOG_EXPONENTS = [0, 1]
SIMPLER_WINS = 1.10     # a model with fewer terms wins unless CV error is >10 % worse...
SIMPLER_SLACK = 0.005   # ...and worse by more than 0.5 percentage points
MIN_POINTS = 3          # distinct worker counts needed to fit at all


@dataclasses.dataclass(frozen=True)
class Factor:
    """p^i * log2(p)^j for one parameter."""
    param: str
    i: Fraction
    j: int

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, float)
        lg = np.log2(x)
        return x ** float(self.i) * (lg ** self.j if self.j else 1.0)

    def is_one(self) -> bool:
        return self.i == 0 and self.j == 0

    def grows(self) -> bool:
        return self.i > 0 or (self.i == 0 and self.j > 0)

    def text(self) -> str:
        x = self.param
        parts = []
        power = lambda e: str(e) if e.denominator == 1 else f"({e})"
        if self.i == -1:
            parts.append(f"1/{x}")
        elif self.i < 0:
            parts.append(f"1/{x}^{power(-self.i)}")
        elif self.i == 1:
            parts.append(x)
        elif self.i > 0:
            parts.append(f"{x}^{power(self.i)}")
        if self.j:
            parts.append(f"log2({x})" + (f"^{self.j}" if self.j > 1 else ""))
        return " * ".join(parts) if parts else "1"


@dataclasses.dataclass(frozen=True)
class Hypothesis:
    """c0 + sum of c_k * term_k, each term a product of factors."""
    terms: tuple[tuple[Factor, ...], ...]

    @property
    def nparams(self) -> int:
        return 1 + len(self.terms)

    def design(self, X: dict[str, np.ndarray]) -> np.ndarray:
        n = len(next(iter(X.values())))
        cols = [np.ones(n)]
        for term in self.terms:
            col = np.ones(n)
            for f in term:
                col = col * f(X[f.param])
            cols.append(col)
        return np.column_stack(cols)

    def text(self, coef=None) -> str:
        if coef is None:
            return " + ".join(["c0"] + [f"c{k + 1} * " + _term_text(t)
                                        for k, t in enumerate(self.terms)])
        out = f"{coef[0]:.4g}"
        for c, t in zip(coef[1:], self.terms):
            out += f" {'-' if c < 0 else '+'} {abs(c):.4g} * {_term_text(t)}"
        return out


def _term_text(term) -> str:
    return " * ".join(f.text() for f in term)


def hypotheses(params: list[str]) -> list[Hypothesis]:
    """The candidate family for one parameter ('p') or two ('p', 'n')."""
    pf = [Factor("p", i, j) for i in P_EXPONENTS for j in LOG_EXPONENTS
          if not (i == 0 and j == 0)]
    out = [Hypothesis(())]
    out += [Hypothesis(((f,),)) for f in pf]
    amdahl = Factor("p", Fraction(-1), 0)
    out += [Hypothesis(((amdahl,), (f,))) for f in pf if f.grows()]
    if "n" in params:
        nf = [Factor("n", i, j) for i in N_EXPONENTS for j in N_LOG_EXPONENTS
              if not (i == 0 and j == 0)]
        out += [Hypothesis(((f,),)) for f in nf]
        out += [Hypothesis(((f, g),)) for f, g in itertools.product(pf, nf)]
        out += [Hypothesis(((f,), (g,))) for f, g in itertools.product(pf, nf)]
    return out


def fit(h: Hypothesis, X: dict[str, np.ndarray], y: np.ndarray) -> np.ndarray | None:
    """Coefficients minimising the relative squared error, or None if degenerate."""
    A = h.design(X)
    if not np.all(np.isfinite(A)):
        return None
    w = 1.0 / y
    coef, _, rank, _ = np.linalg.lstsq(A * w[:, None], y * w, rcond=None)
    if rank < A.shape[1]:
        return None
    return coef


def predict(h: Hypothesis, coef: np.ndarray, X: dict[str, np.ndarray]) -> np.ndarray:
    return h.design(X) @ coef


def cv_error(h: Hypothesis, X: dict[str, np.ndarray], y: np.ndarray,
             groups: np.ndarray) -> float:
    """Mean relative error predicting each group (a worker count) from the others."""
    errs = []
    for gval in np.unique(groups):
        test = groups == gval
        train = ~test
        if train.sum() < h.nparams:
            return math.inf
        Xtr = {k: v[train] for k, v in X.items()}
        coef = fit(h, Xtr, y[train])
        if coef is None:
            return math.inf
        pred = predict(h, coef, {k: v[test] for k, v in X.items()})
        if np.any(pred <= 0):
            return math.inf
        errs.extend(np.abs(pred - y[test]) / y[test])
    return float(np.mean(errs))


@dataclasses.dataclass
class Selected:
    hypothesis: Hypothesis
    coef: np.ndarray
    cv_error: float


def select(X: dict[str, np.ndarray], y: np.ndarray, params: list[str]) -> Selected | None:
    """The hypothesis with the best cross-validated error (simpler on near ties)."""
    groups = X["p"]
    scored = []
    for h in hypotheses(params):
        if h.nparams > len(np.unique(groups)) - 1 and h.terms:
            continue  # needs more worker counts than we have to be tested at all
        err = cv_error(h, X, y, groups)
        if math.isfinite(err):
            scored.append((err, h))
    if not scored:
        return None
    best_err = min(e for e, _ in scored)
    fewest = min(h.nparams for e, h in scored
                 if e <= best_err * SIMPLER_WINS + SIMPLER_SLACK)
    err, h = min(((e, h) for e, h in scored if h.nparams == fewest), key=lambda eh: eh[0])
    coef = fit(h, X, y)
    if coef is None:
        return None
    return Selected(h, coef, err)


def describe(sel: Selected, noun: str, params: list[str]) -> str:
    """The fitted model in plain words, e.g. 'time grows like log2(p) beyond 8 ranks'."""
    h, c = sel.hypothesis, sel.coef
    if not h.terms:
        return f"time does not change with the number of {noun} (about {c[0]:.3g} s)"
    if len(h.terms) == 1 and len(h.terms[0]) == 1 and h.terms[0][0].param == "p":
        f = h.terms[0][0]
        shape = f.text()
        if not f.grows():
            if f.i == -1 and f.j == 0 and c[1] > 0:
                return (f"time falls like 1/p, Amdahl's law: a serial part of {c[0]:.3g} s "
                        f"and a parallel part of {c[1]:.3g} s on one worker"
                        + (f" (serial fraction {c[0] / (c[0] + c[1]):.2f})"
                           if c[0] + c[1] > 0 else ""))
            trend = "falls" if c[1] > 0 else "grows"
            return f"time {trend} like {shape} towards {max(c[0], 0):.3g} s as {noun} are added"
        trend = "grows" if c[1] > 0 else "falls"
        cross = _crossover(lambda p: abs(c[1]) * f(np.array([p]))[0], abs(c[0]))
        tail = (f" beyond {cross} {noun}" if cross and cross > 1 and c[0] > 0 and c[1] > 0
                else "")
        return (f"time {trend} like {shape}{tail}"
                + (f" (constant part {c[0]:.3g} s)" if tail else ""))
    if (len(h.terms) == 2 and h.terms[0][0].i == -1 and len(h.terms[0]) == 1
            and h.terms[1][0].param == "p" and len(h.terms[1]) == 1):
        g = h.terms[1][0]
        ps = np.unique(np.round(np.logspace(0, 6, 400)))
        t = predict(h, c, {"p": ps})
        pmin = int(ps[int(np.argmin(t))])
        if c[1] > 0 and c[2] > 0 and 1 < pmin < ps[-1]:
            return (f"time falls like 1/p up to about {pmin} {noun}, then grows like "
                    f"{g.text()} (an overhead that grows with p)")
        return f"time follows {h.text(c)} s"
    return f"time follows {h.text(c)} s (p = {noun}" + (", n = size)" if "n" in params else ")")


def _crossover(term, level: float) -> int | None:
    """Smallest power-of-two p at which term(p) exceeds level (None if never < 2^20)."""
    for k in range(0, 21):
        if term(2.0 ** k) > level:
            return 2 ** k
    return None


def parameters(g: pd.DataFrame) -> list[str]:
    """['p'], or ['p', 'n'] when the size varies at the same worker count.

    In a weak series n follows p, so n adds nothing a fit could separate."""
    per_p = g.groupby("workers")["n"].nunique()
    return ["p", "n"] if (per_p > 1).any() else ["p"]


def data(g: pd.DataFrame, params: list[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Inputs (medians per point) of a fit."""
    X = {"p": g["workers"].to_numpy(float)}
    if "n" in params:
        X["n"] = g["n"].to_numpy(float)
    return X, g["t_median"].to_numpy(float)


def noun_for(model: str) -> str:
    return {"omp": "threads", "mpi": "ranks", "hybrid": "cores"}.get(model, "workers")


def model_series(g: pd.DataFrame) -> dict | None:
    """Fit, describe and validate one kernel x model series; None if too few points."""
    g = g.sort_values("workers")
    if g["workers"].nunique() < MIN_POINTS:
        return None
    params = parameters(g)
    X, y = data(g, params)
    sel = select(X, y, params)
    if sel is None:
        return None
    noun = noun_for(g["model"].iloc[0])
    out = dict(kernel=g["kernel"].iloc[0], series=g["series"].iloc[0],
               model=g["model"].iloc[0], variant=g["variant"].iloc[0],
               params=",".join(params), points=len(g),
               workers=" ".join(str(int(w)) for w in sorted(g["workers"].unique())),
               hypothesis=sel.hypothesis.text(), formula=sel.hypothesis.text(sel.coef),
               cv_error=sel.cv_error, words=describe(sel, noun, params),
               fit_obj=sel, param_list=params)
    out.update(validate(g, params))
    return out


def validate(g: pd.DataFrame, params: list[str]) -> dict:
    """Select and fit without the largest p, predict it; error in percent."""
    pmax = g["workers"].max()
    train, test = g[g["workers"] < pmax], g[g["workers"] == pmax]
    none = dict(holdout_p=int(pmax), predicted=math.nan, measured=math.nan,
                error_pct=math.nan, holdout_formula="",
                holdout_note=f"not validated: needs >= {MIN_POINTS + 1} worker counts")
    if train["workers"].nunique() < MIN_POINTS:
        return none
    X, y = data(train, params)
    sel = select(X, y, params)
    if sel is None:
        return dict(none, holdout_note="not validated: no model fits the smaller counts")
    Xt, meas = data(test, params)
    pred = predict(sel.hypothesis, sel.coef, Xt)
    err = float(np.mean(np.abs(pred - meas) / meas) * 100)
    return dict(holdout_p=int(pmax), predicted=float(np.mean(pred)), measured=float(np.mean(meas)),
                error_pct=err, holdout_formula=sel.hypothesis.text(sel.coef),
                holdout_note="")


def fit_all(p: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """model_series over every series of the points p (grouped by key)."""
    rows = []
    for _, g in p[p["model"] != "seq"].groupby(key, sort=False):
        r = model_series(g)
        if r is not None:
            rows.append(r)
    return pd.DataFrame(rows)
