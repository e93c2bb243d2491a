"""Honest deltas: is a change outside noise?

Three tests, one per kind of number, all giving an interval for ``current - baseline`` (and the
same two-sample intervals for AI vs other work and a team vs the rest of the organisation):
- medians: each side's distribution-free order-statistic interval (Hettmansperger-Sheather),
  combined into an interval of the difference by MOVER;
- proportions (change failure rate, adoption): each side's mid-p exact interval, combined by
  MOVER;
- counts per period (deployments, merged PRs): the exact conditional test for two Poisson
  rates (Clopper-Pearson interval on the share of events that fell in the current period).
Both two-sample intervals were checked by simulation (tests/test_comparisons.py): at most ~7% of
pure-noise comparisons are called over n 5-3000 and skewed or tied data.

A change is called ``up``/``down`` only when both samples reach ``min_sample``, the
interval excludes zero and the move is at least ``min_relative_change`` of the baseline;
otherwise it is ``flat`` (or ``insufficient_data``). Exact quantities that are not samples
(headcount, spend) are compared by the relative threshold alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

# Above this size the bootstrap median is drawn from its exact law (order statistics with
# binomial counts) instead of resampling row by row; the two agree to one order statistic.
EXACT_MEDIAN_FROM = 2000

UP, DOWN, FLAT, INSUFFICIENT = "up", "down", "flat", "insufficient_data"


@dataclass(frozen=True)
class Verdict:
    change: str
    interval: tuple[float, float] | None
    method: str


def rng_for(seed: int, name: str) -> np.random.Generator:
    """A generator per metric so that adding a metric never changes another's interval."""
    digest = int(hashlib.sha256(name.encode()).hexdigest()[:16], 16)
    return np.random.default_rng([seed, digest])


def median(values: np.ndarray) -> float | None:
    return float(np.median(values)) if len(values) else None


def median_of_spans(values: np.ndarray, minimum: int = 1) -> float | None:
    """Median of the usable spans (not missing, not negative), rounded for JSON; None under
    ``minimum`` values, because a median of three PRs is an anecdote."""
    values = values[~np.isnan(values) & (values >= 0)]
    return round(float(np.median(values)), 4) if len(values) >= max(minimum, 1) else None


def bootstrap_medians(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n > EXACT_MEDIAN_FROM:
        from scipy.special import betainc  # scipy.special loads far faster than scipy.stats

        m = (n + 1) // 2  # rank of the (lower) median in a resample of size n
        k = np.arange(1, n + 1)
        # P(resample median <= x_(k)) = P(Binomial(n, k/n) >= m) = I_{k/n}(m, n - m + 1)
        cdf = betainc(m, n - m + 1, k / n)
        cdf[-1] = 1.0
        picks = np.searchsorted(cdf, rng.random(resamples), side="left")
        return x[np.minimum(picks, n - 1)]
    out = np.empty(resamples)
    chunk = max(1, 2_000_000 // max(n, 1))
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        idx = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = np.median(x[idx], axis=1)
    return out


def _interval(diffs: np.ndarray, confidence: float) -> tuple[float, float]:
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(diffs, [alpha, 1 - alpha])
    return float(lo), float(hi)


def median_change(current: np.ndarray, base: np.ndarray, *, name: str, seed: int, resamples: int,
                  confidence: float, min_sample: int, min_relative_change: float) -> Verdict:
    """This period's median against the baseline's, with the same calibrated interval as every
    other comparison (``median_difference``). The percentile bootstrap it replaced called ~8% of
    pure-noise changes when a few current values met a large baseline (8 vs 300)."""
    d = median_difference(order_stats(np.asarray(current, dtype=float)), order_stats(np.asarray(base, dtype=float)),
                          confidence=confidence, min_sample=min_sample, min_relative_change=min_relative_change)
    return Verdict(d.change, d.interval, d.method)


def proportion_change(k1: int, n1: int, k0: int, n0: int, *, name: str, seed: int, resamples: int,
                      confidence: float, min_sample: int, min_relative_change: float) -> Verdict:
    """This period's proportion against the baseline's (``proportion_difference``). The binomial
    bootstrap it replaced called 21-28% of pure-noise changes at unbalanced small n (10 vs 40 at
    p 0.1), because a side with no event has a zero-width bootstrap."""
    d = proportion_difference(k1, n1, k0, n0, confidence=confidence, min_sample=min_sample,
                              min_relative_change=min_relative_change)
    return Verdict(d.change, d.interval, d.method)


def count_change(current: int, base_total: int, base_periods: int, *, confidence: float,
                 min_sample: int, min_relative_change: float) -> Verdict:
    """Events in one period against events in ``base_periods`` periods (Poisson rates)."""
    return rate_change(current, 1.0, base_total, float(base_periods), confidence=confidence,
                       min_sample=min_sample, min_relative_change=min_relative_change, per="period")


def rate_change(current: int, exposure: float, base_total: int, base_exposure: float, *, confidence: float,
                min_sample: int, min_relative_change: float, per: str = "unit") -> Verdict:
    """Events per unit of exposure (a period, an engineer-week) now against the baseline.

    Under equal rates, the share of all events that fell in the current exposure is
    exposure / (exposure + base_exposure); its exact Clopper-Pearson interval gives the
    interval of the rate ratio, reported as the interval of ``current rate - baseline rate``.
    """
    from scipy.special import betaincinv  # the Beta quantile, without loading scipy.stats

    method = f"exact conditional test of two Poisson rates per {per} ({confidence:.0%} Clopper-Pearson)"
    if base_exposure <= 0 or exposure <= 0 or current + base_total < min_sample:
        return Verdict(INSUFFICIENT, None, method)
    total = current + base_total
    alpha = 1 - confidence
    p_lo = 0.0 if current == 0 else float(betaincinv(current, total - current + 1, alpha / 2))
    p_hi = 1.0 if current == total else float(betaincinv(current + 1, total - current, 1 - alpha / 2))
    base_rate = base_total / base_exposure
    scale = base_exposure / exposure

    def delta_at(p: float) -> float:
        if p >= 1.0:
            return float("inf")
        return base_rate * (p / (1 - p) * scale - 1)

    interval = (delta_at(p_lo), delta_at(p_hi))
    return Verdict(_decide(current / exposure - base_rate, base_rate, interval, min_relative_change), interval, method)


def exact_change(value: float, base: float | None, min_relative_change: float) -> Verdict:
    """Exact quantities (headcount, spend): no sampling noise, only a materiality threshold."""
    method = f"exact quantity: a move of {min_relative_change:.0%} of the baseline or more"
    if base is None:
        return Verdict(INSUFFICIENT, None, method)
    delta = value - base
    return Verdict(_decide(delta, base, (delta, delta), min_relative_change), None, method)


def _decide(delta: float, base: float, interval: tuple[float, float], min_relative_change: float) -> str:
    lo, hi = interval
    outside_noise = lo > 0 or hi < 0
    material = abs(delta) >= min_relative_change * abs(base) and delta != 0
    if not (outside_noise and material):
        return FLAT
    return UP if delta > 0 else DOWN


# -- Two groups of the same period: AI-assisted vs other work, a team vs the rest ----------
#
# Both tests build the interval of ``a - b`` from each side's own interval with MOVER (the
# method of variance estimates recovery, Newcombe 1998 / Zou and Donner 2008): mid-p exact
# intervals for proportions, distribution-free order-statistic intervals for medians. Neither
# resamples, so they need no seed, cost O(1) once the order statistics are known, and hold
# their coverage at small n (tests/test_comparisons.py measures it: the bootstrap of medians
# called 7-8% of null comparisons of 6-10 values against a large rest, Wilson-based Newcombe
# up to 14% for a rare event in a small group against a large one).


@dataclass(frozen=True)
class Difference:
    """``a - b`` between two groups of one period, and whether it is outside noise.

    ``reference`` is b's own value (the side a move is measured against); ``value`` is None
    when either side is empty."""

    value: float | None
    reference: float | None
    interval: tuple[float, float] | None
    change: str
    method: str
    n: tuple[int, int]


@lru_cache(maxsize=65536)
def midp_interval(k: int, n: int, confidence: float) -> tuple[float, float]:
    """Mid-p exact interval of a proportion k/n: the rates p at which P(X > k) + P(X = k)/2 (and
    P(X < k) + P(X = k)/2) equal the tail. Unlike the Wilson interval, whose lower bound at one
    or two events sits too high, it keeps a rare event in a small group from being called a
    difference against a large group (tests/test_comparisons.py)."""
    tail = (1 - confidence) / 2
    return _midp_lower(k, n, tail), 1.0 - _midp_lower(n - k, n, tail)


def _midp_lower(j: int, n: int, tail: float) -> float:
    """The rate p with P(X > j) + P(X = j)/2 = tail, X ~ Binomial(n, p); 0 for j = 0."""
    from scipy.special import betainc, betaincinv  # binomial tails, without loading scipy.stats

    if j == 0:
        return 0.0

    def excess(p: float) -> float:  # increasing in p
        above = float(betainc(j + 1, n - j, p)) if j < n else 0.0  # P(X > j)
        return (above + float(betainc(j, n - j + 1, p))) / 2 - tail  # + P(X >= j), halved

    # Bracket: P(X >= j) = tail (Clopper-Pearson) lies below the root, P(X > j) = tail above it.
    lo = float(betaincinv(j, n - j + 1, tail))
    hi = float(betaincinv(j + 1, n - j, tail)) if j < n else 1.0
    f_lo, f_hi, side = excess(lo), excess(hi), 0
    p = (lo + hi) / 2
    for _ in range(100):  # the Illinois variant of regula falsi: a few steps to 1e-13
        if f_hi - f_lo <= 0 or hi - lo < 1e-13:
            break
        p = hi - f_hi * (hi - lo) / (f_hi - f_lo)
        f_p = excess(p)
        if f_p == 0:
            break
        if f_p < 0:
            lo, f_lo = p, f_p
            f_hi = f_hi / 2 if side < 0 else f_hi
            side = -1
        else:
            hi, f_hi = p, f_p
            f_lo = f_lo / 2 if side > 0 else f_lo
            side = 1
    return p


def proportion_difference(k1: int, n1: int, k0: int, n0: int, *, confidence: float, min_sample: int,
                          min_relative_change: float) -> Difference:
    """``k1/n1 - k0/n0`` with the MOVER interval of the two mid-p exact intervals. Newcombe's
    Wilson-based version called 14% of null comparisons of 5 deployments against 3,000 at a 3%
    failure rate; this one stays at 7% or less over n 5-3000 and rates 0.5%-50%."""
    method = f"difference of proportions, {confidence:.0%} interval combining each side's mid-p exact interval (MOVER)"
    p1 = k1 / n1 if n1 else None
    p0 = k0 / n0 if n0 else None
    if p1 is None or p0 is None or min(n1, n0) < min_sample:
        value = None if p1 is None or p0 is None else p1 - p0
        return Difference(value, p0, None, INSUFFICIENT, method, (int(n1), int(n0)))
    value = p1 - p0
    l1, u1 = midp_interval(int(k1), int(n1), confidence)
    l0, u0 = midp_interval(int(k0), int(n0), confidence)
    interval = (float(value - np.hypot(p1 - l1, u0 - p0)), float(value + np.hypot(u1 - p1, p0 - l0)))
    return Difference(value, p0, interval, _decide(value, p0, interval, min_relative_change), method,
                      (int(n1), int(n0)))


@dataclass(frozen=True)
class OrderStats:
    """A sample read through its order statistics: ``at`` maps 0-based ranks to values."""

    n: int
    at: Callable[[np.ndarray], np.ndarray]

    @property
    def median(self) -> float | None:
        if not self.n:
            return None
        lo, hi = self.at(np.array([(self.n - 1) // 2, self.n // 2]))
        return float((lo + hi) / 2)  # the interpolated median, as np.median


def order_stats(values: np.ndarray) -> OrderStats:
    return SortedSample(values).split(np.ones(len(values), dtype=bool))[0]


class SortedSample:
    """One sample sorted once; any subset (a team, a cohort) and its complement (the rest of the
    organisation) then give order statistics without sorting again: O(n) per split."""

    def __init__(self, values: np.ndarray) -> None:
        v = np.asarray(values, dtype=float)
        order = np.argsort(v, kind="stable")
        self._sorted = v[order]
        self._rank = np.empty(len(v), dtype=np.intp)  # each row's position in sorted order
        self._rank[order] = np.arange(len(v))

    def split(self, mask: np.ndarray) -> tuple[OrderStats, OrderStats]:
        """The rows where ``mask`` holds, and the others."""
        inside = np.sort(self._rank[np.asarray(mask, dtype=bool)])  # their positions in sorted order
        s = self._sorted
        # Outside rows before each inside row; outside row j sits after those inside rows whose count is <= j.
        before = inside - np.arange(len(inside))

        def sub(ranks: np.ndarray) -> np.ndarray:
            return s[inside[ranks]]

        def rest(ranks: np.ndarray) -> np.ndarray:
            return s[ranks + np.searchsorted(before, ranks, side="right")]

        return OrderStats(len(inside), sub), OrderStats(len(s) - len(inside), rest)


@lru_cache(maxsize=4096)
def _median_bound(n: int, confidence: float) -> tuple[int, float] | None:
    """Rank k (1-based) of the distribution-free interval [x_(k), x_(n-k+1)] for a median with
    coverage >= ``confidence``, and the Hettmansperger-Sheather (1986) weight towards
    [x_(k+1), x_(n-k)] that brings the coverage to ``confidence``. None when even [min, max]
    covers less (n < 6 at 95%)."""
    from scipy.special import bdtr, bdtrik  # the binomial law, without loading scipy.stats

    tail = (1 - confidence) / 2
    if n < 1 or 0.5 ** n > tail:
        return None
    start = float(bdtrik(tail, n, 0.5))
    j = min(max(int(start) if np.isfinite(start) else 0, 0), n)
    while j + 1 <= n and bdtr(j + 1, n, 0.5) <= tail:
        j += 1
    while j > 0 and bdtr(j, n, 0.5) > tail:
        j -= 1
    k = j + 1  # the largest k with P(Binomial(n, 1/2) <= k - 1) <= tail
    if k + 1 > n - k:
        return k, 0.0
    cover_k, cover_next = 1 - 2 * float(bdtr(k - 1, n, 0.5)), 1 - 2 * float(bdtr(k, n, 0.5))
    share = (cover_k - confidence) / (cover_k - cover_next)
    return k, (n - k) * share / (k + (n - 2 * k) * share)


def median_interval(sample: OrderStats, confidence: float) -> tuple[float, float, float] | None:
    """Median and its distribution-free interval (interpolated order statistics). A bound is
    interpolated only when the order statistics around it are distinct: with ties (discrete
    data, whose median may sit on a tied value) the exact, conservative order statistic is kept."""
    bound, median = _median_bound(sample.n, confidence), sample.median
    if bound is None or median is None:  # a bound exists only for n >= 6, where the median does too
        return None
    k, weight = bound
    n = sample.n
    ranks = np.array([k - 2, k - 1, k, k + 1, n - k - 2, n - k - 1, n - k, n - k + 1])
    x = sample.at(np.clip(ranks, 0, n - 1))
    x = np.where(ranks < 0, -np.inf, np.where(ranks > n - 1, np.inf, x))
    lo_weight = weight if x[0] < x[1] < x[2] < x[3] else 0.0
    hi_weight = weight if x[4] < x[5] < x[6] < x[7] else 0.0
    lo = x[1] + lo_weight * (x[2] - x[1])
    hi = x[6] - hi_weight * (x[6] - x[5])
    return median, float(lo), float(hi)


def median_difference(a: OrderStats, b: OrderStats, *, confidence: float, min_sample: int,
                      min_relative_change: float) -> Difference:
    """Median of a minus median of b, with the MOVER interval of the two medians' own intervals."""
    method = (f"difference of medians, {confidence:.0%} interval combining each side's order-statistic "
              f"interval (Hettmansperger-Sheather, MOVER)")
    ma, mb = a.median, b.median
    sides = (int(a.n), int(b.n))
    if ma is None or mb is None or min(sides) < min_sample:
        return Difference(None if ma is None or mb is None else ma - mb, mb, None, INSUFFICIENT, method, sides)
    value = ma - mb
    ia, ib = median_interval(a, confidence), median_interval(b, confidence)
    if ia is None or ib is None:  # too few values for any distribution-free interval
        return Difference(value, mb, None, INSUFFICIENT, method, sides)
    (_, la, ua), (_, lb, ub) = ia, ib
    interval = (float(value - np.hypot(ma - la, ub - mb)), float(value + np.hypot(ua - ma, mb - lb)))
    return Difference(value, mb, interval, _decide(value, mb, interval, min_relative_change), method, sides)


def median_minimum(confidence: float) -> int:
    """The fewest values a side needs for a distribution-free interval of its median."""
    n = 1
    while _median_bound(n, confidence) is None:
        n += 1
    return n
