"""Change detection: noise is flat, clear shifts are called, small samples say so."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta

from reporter.metrics import stats

KW = dict(seed=1, resamples=1000, confidence=0.95, min_sample=5, min_relative_change=0.05)


def test_clear_shift_in_medians_is_called():
    rng = np.random.default_rng(0)
    base = rng.lognormal(3.0, 0.5, 400)
    cur = base[:200] * 2  # doubled
    v = stats.median_change(cur, base, name="x", **KW)
    assert v.change == "up"
    lo, hi = v.interval
    true_delta = np.median(cur) - np.median(base)
    assert lo < true_delta < hi and lo > 0
    assert stats.median_change(base, cur, name="x", **KW).change == "down"


def test_same_distribution_is_mostly_flat():
    """Pure noise is called a change at about the nominal 5% rate, not more."""
    called = 0
    for seed in range(100):
        rng = np.random.default_rng(seed)
        base = rng.lognormal(3.0, 0.5, 400)
        cur = rng.lognormal(3.0, 0.5, 100)
        called += stats.median_change(cur, base, name="x", **KW).change != "flat"
    assert called <= 10


def test_small_samples_are_insufficient():
    assert stats.median_change(np.arange(4.0), np.arange(100.0), name="x", **KW).change == "insufficient_data"
    assert stats.proportion_change(1, 4, 10, 100, name="x", **KW).change == "insufficient_data"
    assert stats.count_change(1, 2, 4, confidence=0.95, min_sample=5, min_relative_change=0.05).change == \
        "insufficient_data"


def test_changes_use_the_calibrated_two_sample_intervals():
    """This period vs the baseline uses exactly the intervals checked by simulation in
    test_comparisons (no resampling: no seed can move them)."""
    rng = np.random.default_rng(2)
    a, b = rng.normal(10, 3, 60), rng.normal(11, 3, 60)
    one = stats.median_change(a, b, name="lead", **KW)
    assert one == stats.median_change(a, b, name="cycle", **{**KW, "seed": 9})
    d = stats.median_difference(stats.order_stats(a), stats.order_stats(b), confidence=0.95, min_sample=5,
                                min_relative_change=0.05)
    assert (one.change, one.interval) == (d.change, d.interval)
    p = stats.proportion_change(3, 10, 4, 40, name="x", **KW)
    q = stats.proportion_difference(3, 10, 4, 40, confidence=0.95, min_sample=5, min_relative_change=0.05)
    assert (p.change, p.interval) == (q.change, q.interval)


def test_unbalanced_small_baselines_are_not_overcalled():
    """Exact false-positive rate (binomial law enumerated) of this period vs its baseline at the
    unbalanced small n where the old bootstrap called 21-28% of pure noise."""
    from scipy.stats import binom

    def called(n1: int, n0: int, p: float) -> float:
        w1, w0 = binom.pmf(np.arange(n1 + 1), n1, p), binom.pmf(np.arange(n0 + 1), n0, p)
        return sum(w1[i] * w0[j] for i in range(n1 + 1) for j in range(n0 + 1)
                   if stats.proportion_change(i, n1, j, n0, name="x", **KW).change != "flat"
                   and min(n1, n0) >= 5)

    for n1, n0, p in ((10, 40, 0.1), (20, 80, 0.05), (50, 10, 0.1), (7, 28, 0.15)):
        assert called(n1, n0, p) <= 0.06, (n1, n0, p)


def test_exact_median_law_matches_row_resampling():
    """Above EXACT_MEDIAN_FROM the resample median is drawn from its exact law; compare the
    spread with plain row resampling on the same data (an independent route)."""
    rng = np.random.default_rng(3)
    x = rng.lognormal(2.0, 1.0, stats.EXACT_MEDIAN_FROM + 500)
    exact = stats.bootstrap_medians(x, 4000, np.random.default_rng(4))
    idx = np.random.default_rng(5).integers(0, len(x), size=(400, len(x)))
    plain = np.median(x[idx], axis=1)
    assert np.quantile(exact, 0.025) == pytest.approx(np.quantile(plain, 0.025), rel=0.02)
    assert np.quantile(exact, 0.975) == pytest.approx(np.quantile(plain, 0.975), rel=0.02)
    assert np.median(exact) == pytest.approx(np.median(x), rel=0.01)


def test_count_change_clopper_pearson_by_hand():
    # 40 events this week vs 40 over 4 baseline weeks (10/week). Under equal rates the current
    # share of the 80 events is 1/5; the exact 95% CI of the share 40/80 is Beta quantiles:
    lo_p = beta.ppf(0.025, 40, 41)
    hi_p = beta.ppf(0.975, 41, 40)
    v = stats.count_change(40, 40, 4, confidence=0.95, min_sample=5, min_relative_change=0.05)
    assert v.change == "up"
    # delta = 10 * (p/(1-p)*4 - 1)
    assert v.interval[0] == pytest.approx(10 * (lo_p / (1 - lo_p) * 4 - 1))
    assert v.interval[1] == pytest.approx(10 * (hi_p / (1 - hi_p) * 4 - 1))
    assert stats.count_change(11, 40, 4, confidence=0.95, min_sample=5, min_relative_change=0.05).change == "flat"
    assert stats.count_change(2, 40, 4, confidence=0.95, min_sample=5, min_relative_change=0.05).change == "down"


def test_material_threshold_keeps_tiny_significant_moves_flat():
    # 100,000 vs 100,000 deployments of which 10.0% vs 10.3% failed: significant, but a 3% relative move
    v = stats.proportion_change(10_300, 100_000, 10_000, 100_000, name="cfr",
                                **{**KW, "min_relative_change": 0.05})
    assert v.interval[0] > 0
    assert v.change == "flat"
    v = stats.proportion_change(10_300, 100_000, 10_000, 100_000, name="cfr", **{**KW, "min_relative_change": 0.0})
    assert v.change == "up"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False), min_size=5, max_size=80))
def test_identical_samples_never_change(values):
    x = np.array(values)
    assert stats.median_change(x, x, name="p", **KW).change in ("flat", "insufficient_data")


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 500), st.integers(1, 8))
def test_count_at_baseline_rate_is_flat(rate, periods):
    v = stats.count_change(rate, rate * periods, periods, confidence=0.95, min_sample=5, min_relative_change=0.05)
    assert v.change in ("flat", "insufficient_data")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 10**6).map(lambda v: v / 1000), min_size=6, max_size=60),
       st.floats(min_value=0.5, max_value=100))
def test_shift_moves_interval_by_the_shift(values, shift):
    """Adding a constant to the current sample shifts the whole interval by it (6 values are the
    fewest with a distribution-free 95% interval of a median). Values on a 0.001 grid: a shift must
    not merge distinct floats (1e-45 + 1 == 1.0) and so create ties that were not in the data."""
    x = np.array(values)
    base = stats.median_change(x, x, name="s", **KW)
    moved = stats.median_change(x + shift, x, name="s", **KW)
    assert moved.interval[0] == pytest.approx(base.interval[0] + shift, abs=1e-6)
    assert moved.interval[1] == pytest.approx(base.interval[1] + shift, abs=1e-6)
