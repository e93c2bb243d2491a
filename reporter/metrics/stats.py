"""Honest deltas: is a change outside noise?

Three tests, one per kind of number, all giving an interval for ``current - baseline``:
- medians: a seeded percentile bootstrap of the difference of medians;
- proportions (change failure rate, adoption): a seeded bootstrap of the difference of
  proportions (binomial resampling, which is the ordinary bootstrap of 0/1 outcomes);
- counts per period (deployments, merged PRs): the exact conditional test for two Poisson
  rates (Clopper-Pearson interval on the share of events that fell in the current period).

A change is called ``up``/``down`` only when both samples reach ``min_sample``, the
interval excludes zero and the move is at least ``min_relative_change`` of the baseline;
otherwise it is ``flat`` (or ``insufficient_data``). Exact quantities that are not samples
(headcount, spend) are compared by the relative threshold alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

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
    method = f"bootstrap of the difference of medians ({resamples} resamples, {confidence:.0%})"
    if len(current) < min_sample or len(base) < min_sample:
        return Verdict(INSUFFICIENT, None, method)
    rng = rng_for(seed, name)
    diffs = bootstrap_medians(current, resamples, rng) - bootstrap_medians(base, resamples, rng)
    interval = _interval(diffs, confidence)
    delta = float(np.median(current) - np.median(base))
    return Verdict(_decide(delta, float(np.median(base)), interval, min_relative_change), interval, method)


def proportion_change(k1: int, n1: int, k0: int, n0: int, *, name: str, seed: int, resamples: int,
                      confidence: float, min_sample: int, min_relative_change: float) -> Verdict:
    method = f"bootstrap of the difference of proportions ({resamples} resamples, {confidence:.0%})"
    if n1 < min_sample or n0 < min_sample:
        return Verdict(INSUFFICIENT, None, method)
    rng = rng_for(seed, name)
    p1, p0 = k1 / n1, k0 / n0
    diffs = rng.binomial(n1, p1, resamples) / n1 - rng.binomial(n0, p0, resamples) / n0
    interval = _interval(diffs, confidence)
    return Verdict(_decide(p1 - p0, p0, interval, min_relative_change), interval, method)


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
