"""stats - robust summaries of repeated timings.

Timings are not normally distributed (a noisy neighbour only ever adds
time), so the headline is the median with a distribution-free confidence
interval from order statistics; with too few repetitions for a 95 % interval
the spread shown is min..max, and the label says which.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats as sps

CI_LEVEL = 0.95


def median_ci(values, level: float = CI_LEVEL) -> tuple[float, float, float, str]:
    """(median, low, high, kind) of values.

    kind is "ci95" when [low, high] is an order-statistic interval covering
    the median with probability >= level (needs n >= 6), else "range" and the
    interval is min..max.
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, "none"
    med = float(np.median(x))
    # Largest j with P(Binom(n, 1/2) <= j - 1) <= (1 - level) / 2: then
    # [x_(j), x_(n-j+1)] (1-based) covers the median with prob >= level.
    j = int(sps.binom.ppf((1 - level) / 2, n, 0.5))
    while j >= 1 and sps.binom.cdf(j - 1, n, 0.5) > (1 - level) / 2:
        j -= 1
    if j < 1:
        return med, float(x[0]), float(x[-1]), "range"
    return med, float(x[j - 1]), float(x[n - j]), "ci95"


def spread_label(kind: str) -> str:
    return {"ci95": "95% CI of the median", "range": "min..max (too few reps for a 95% CI)"}.get(
        kind, "")
