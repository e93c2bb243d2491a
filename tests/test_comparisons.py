"""Comparisons between two groups of one period: AI-assisted vs other work, a team vs the rest.

Expected intervals are computed here by an independent route (the binomial law through
scipy.stats and a root finder for the mid-p bounds; math.comb for the order-statistic
intervals of medians), never copied from the code's output. The false-positive rates under
the null are measured over grids of small samples: exactly (by enumerating the binomial law)
for proportions, by seeded simulation for medians. Each null check comes with a power check,
so a test that never calls anything cannot pass.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.stats import binom, norm

from reporter.build import compute_report
from reporter.metrics import stats

KW = dict(confidence=0.95, min_sample=5, min_relative_change=0.05)
TAIL = 0.025


# -- independent routes ---------------------------------------------------------------------

def midp_by_root(k: int, n: int) -> tuple[float, float]:
    """Mid-p bounds from their definition, with scipy.stats and brentq."""
    lo = 0.0 if k == 0 else brentq(lambda p: binom.sf(k, n, p) + binom.pmf(k, n, p) / 2 - TAIL, 1e-15, 1 - 1e-15,
                                   xtol=1e-15)
    hi = 1.0 if k == n else brentq(lambda p: binom.cdf(k - 1, n, p) + binom.pmf(k, n, p) / 2 - TAIL, 1e-15,
                                   1 - 1e-15, xtol=1e-15)
    return lo, hi


def mover(d: float, a: tuple[float, float, float], b: tuple[float, float, float]) -> tuple[float, float]:
    """MOVER interval of a - b from (estimate, lower, upper) of each side."""
    (ea, la, ua), (eb, lb, ub) = a, b
    return d - math.sqrt((ea - la) ** 2 + (ub - eb) ** 2), d + math.sqrt((ua - ea) ** 2 + (eb - lb) ** 2)


def midp_difference(k1: int, n1: int, k0: int, n0: int) -> tuple[float, float]:
    p1, p0 = k1 / n1, k0 / n0
    return mover(p1 - p0, (p1, *midp_by_root(k1, n1)), (p0, *midp_by_root(k0, n0)))


def hs_interval(values: list[float]) -> tuple[float, float, float]:
    """Median and Hettmansperger-Sheather 95% interval of distinct values, with math.comb."""
    x = sorted(values)
    n = len(x)
    cdf = [sum(math.comb(n, i) for i in range(j + 1)) / 2 ** n for j in range(n + 1)]
    k = max(j for j in range(n) if cdf[j] <= TAIL) + 1  # [x_(k), x_(n-k+1)] covers >= 95%
    cover_k, cover_next = 1 - 2 * cdf[k - 1], 1 - 2 * cdf[k]
    share = (cover_k - 0.95) / (cover_k - cover_next)
    lam = (n - k) * share / (k + (n - 2 * k) * share)
    lo = (1 - lam) * x[k - 1] + lam * x[k]
    hi = (1 - lam) * x[n - k] + lam * x[n - k - 1]
    mid = (x[(n - 1) // 2] + x[n // 2]) / 2
    return mid, lo, hi


# -- proportions ----------------------------------------------------------------------------

@pytest.mark.parametrize("k,n", [(0, 10), (1, 10), (3, 25), (0, 19), (7, 43), (32, 400), (10, 10), (1, 5),
                                 (2, 3000), (2999, 3000)])
def test_midp_interval_matches_its_definition(k, n):
    assert stats.midp_interval(k, n, 0.95) == pytest.approx(midp_by_root(k, n), abs=1e-10)


def test_team_with_7_of_43_failed_against_a_rest_with_32_of_400_is_no_finding():
    """The brief's 'Stop expansion in platform: 16.3% vs 8%': within noise."""
    d = stats.proportion_difference(7, 43, 32, 400, **KW)
    assert d.value == pytest.approx(7 / 43 - 0.08)
    assert d.reference == pytest.approx(0.08)
    assert d.n == (43, 400)
    assert d.interval == pytest.approx(midp_difference(7, 43, 32, 400), abs=1e-9)
    assert d.interval[0] < 0 < d.interval[1]
    assert d.change == "flat"


def test_ai_cohort_with_3_of_25_failed_against_0_of_19_is_no_finding():
    """'AI-touched deployments failed 12.0% (n 25) vs 0.0% (n 19)': within noise."""
    d = stats.proportion_difference(3, 25, 0, 19, **KW)
    assert d.value == pytest.approx(0.12)
    # 0 of 19: the upper mid-p bound solves (1 - p)^19 / 2 = 0.025 in closed form
    assert stats.midp_interval(0, 19, 0.95)[1] == pytest.approx(1 - 0.05 ** (1 / 19), abs=1e-12)
    assert d.interval == pytest.approx(midp_difference(3, 25, 0, 19), abs=1e-9)
    assert d.change == "flat"


def test_one_failure_in_a_small_team_is_not_a_finding_against_a_large_rest():
    """1 of 5 against 90 of 3,000 (3%): Newcombe's Wilson-based interval calls it (the Wilson lower
    bound of 1/5 is 3.6%, above 3%), which is why the comparisons use mid-p intervals."""
    z = norm.ppf(0.975)

    def wilson(k, n):
        p = k / n
        c, h = (p + z * z / (2 * n)), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        return (c - h) / (1 + z * z / n), (c + h) / (1 + z * z / n)

    newcombe_low = mover(0.2 - 0.03, (0.2, *wilson(1, 5)), (0.03, *wilson(90, 3000)))[0]
    assert newcombe_low > 0  # Wilson-based: 'higher'
    d = stats.proportion_difference(1, 5, 90, 3000, **KW)
    assert d.interval == pytest.approx(midp_difference(1, 5, 90, 3000), abs=1e-9)
    assert d.change == "flat"


def test_a_clear_difference_in_proportions_is_called_both_ways():
    assert stats.proportion_difference(30, 100, 10, 100, **KW).change == "up"
    assert stats.proportion_difference(10, 100, 30, 100, **KW).change == "down"
    # 30% vs 10% over 100 each: significant, but not material when 5% of the rest is 1.5 points more
    assert stats.proportion_difference(30, 100, 10, 100, **{**KW, "min_relative_change": 2.5}).change == "flat"


def test_empty_or_small_sides_are_insufficient_and_empty_ones_have_no_value():
    for d in (stats.proportion_difference(0, 0, 0, 0, **KW),
              stats.median_difference(stats.order_stats(np.array([])), stats.order_stats(np.array([])), **KW)):
        assert (d.value, d.interval, d.change, d.n) == (None, None, "insufficient_data", (0, 0))
    d = stats.proportion_difference(2, 10, 0, 0, **KW)
    assert (d.value, d.reference, d.change) == (None, None, "insufficient_data")
    d = stats.proportion_difference(1, 4, 10, 100, **KW)  # 4 < min_sample: a value, no test
    assert (d.value, d.interval, d.change) == (pytest.approx(0.15), None, "insufficient_data")
    # five values are too few for any distribution-free 95% interval of a median: min..max covers 93.75%
    five = stats.order_stats(np.arange(5.0))
    d = stats.median_difference(five, stats.order_stats(np.arange(100.0) + 50), **KW)
    assert (d.value, d.interval, d.change) == (2.0 - 99.5, None, "insufficient_data")
    assert stats.median_minimum(0.95) == 6  # 2 / 2**6 = 3.1% <= 5% < 2 / 2**5


# -- medians --------------------------------------------------------------------------------

def test_median_difference_by_hand():
    a = [float(i) for i in range(1, 11)]  # median 5.5
    b = [3.0 * i for i in range(1, 11)]  # median 16.5
    d = stats.median_difference(stats.order_stats(np.array(a)), stats.order_stats(np.array(b)), **KW)
    ha, hb = hs_interval(a), hs_interval(b)
    assert ha[1:] == pytest.approx((2.6577, 8.3423), abs=1e-4)  # k = 2, lambda = 0.6577
    assert d.value == -11.0 and d.reference == 16.5 and d.n == (10, 10)
    assert d.interval == pytest.approx(mover(-11.0, ha, hb), abs=1e-9)
    assert d.change == "down"
    assert stats.median_difference(stats.order_stats(np.array(b)), stats.order_stats(np.array(a)),
                                   **KW).change == "up"


def test_a_bound_on_tied_values_is_the_exact_order_statistic():
    """Discrete data (whole hours) may have their median on a tied value: interpolating past it
    would exclude the true median. With ties around a bound the exact order statistic stays."""
    x = np.array([1.0, 2, 2, 2, 3, 3, 3, 3, 4, 5])  # k = 2: x_(2) = 2 tied with x_(3)
    med, lo, hi = stats.median_interval(stats.order_stats(x), 0.95)
    assert (med, lo) == (3.0, 2.0)
    assert hi == 4.0  # x_(9) = 4 < x_(10) = 5 but x_(8) = 3 = x_(7): tied, so no interpolation either


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False), min_size=1, max_size=60),
       st.lists(st.booleans(), min_size=60, max_size=60))
def test_a_split_reads_the_same_order_statistics_as_sorting(values, flags):
    x = np.round(np.array(values), 1)  # ties on purpose
    mask = np.array(flags[:len(x)])
    inside, outside = stats.SortedSample(x).split(mask)
    for part, rows in ((inside, x[mask]), (outside, x[~mask])):
        assert part.n == len(rows)
        if len(rows):
            assert np.array_equal(part.at(np.arange(len(rows))), np.sort(rows))
            assert part.median == np.median(rows)


# -- false positives under the null, and power (the methods' own checks) ----------------------

def called_share(n1: int, n0: int, p1: float, p0: float) -> float:
    """Exact probability that proportion_difference calls up/down: the binomial law enumerated."""
    w1, w0 = binom.pmf(np.arange(n1 + 1), n1, p1), binom.pmf(np.arange(n0 + 1), n0, p0)
    k1s, k0s = np.flatnonzero(w1 > 1e-12), np.flatnonzero(w0 > 1e-12)
    return sum(w1[k1] * w0[k0] for k1 in k1s for k0 in k0s
               if stats.proportion_difference(int(k1), n1, int(k0), n0, **KW).change in ("up", "down"))


def test_proportions_call_no_more_than_about_5_percent_of_null_comparisons():
    grid = [(n, n) for n in (10, 15, 20, 30, 50)] + [(10, 50), (25, 19), (43, 400), (10, 400), (5, 3000),
                                                         (15, 1000)]
    rates = {(n1, n0, p): called_share(n1, n0, p, p) for n1, n0 in grid for p in (0.02, 0.05, 0.08, 0.1, 0.15)}
    worst = max(rates.values())
    assert worst <= 0.06, max(rates, key=rates.get)  # measured: 5.4% at 30 vs 30, p = 0.10
    assert np.mean(list(rates.values())) <= 0.03  # measured: 2.4%
    # power at a real difference: 5% vs 20% over 40 each, 8% vs 20% for a team of 43 against 400
    assert called_share(40, 40, 0.20, 0.05) >= 0.5  # measured 0.54
    assert called_share(43, 400, 0.20, 0.08) >= 0.55  # measured 0.62


def median_called_share(n1: int, n0: int, draw, reps: int, seed: int, ratio: float = 1.0) -> float:
    rng = np.random.default_rng([seed, n1, n0])
    called = 0
    for _ in range(reps):
        a, b = draw(rng, n1) * ratio, draw(rng, n0)
        called += stats.median_difference(stats.order_stats(a), stats.order_stats(b),
                                          **KW).change in ("up", "down")
    return called / reps


def lognormal(rng, n):
    return rng.lognormal(2.0, 1.0, n)


def whole_hours(rng, n):
    return np.round(rng.lognormal(1.0, 1.0, n))  # median sits on the tied value 3


def test_medians_call_no_more_than_about_5_percent_of_null_comparisons():
    """Seeded simulation of skewed hours (lognormal, sigma 1) at 6-40 values a side, against an
    equal side and against a large rest; 800 runs a cell (standard error 0.8 points at 5%)."""
    rates = {(n1, n0): median_called_share(n1, n0, lognormal, 800, seed=1)
             for n1 in (6, 8, 10, 20, 40) for n0 in (n1, 300)}
    assert max(rates.values()) <= 0.075, rates  # measured: at most 5.9% (20 vs 300); the bootstrap: 8.5% at 8
    assert np.mean(list(rates.values())) <= 0.05, rates  # measured: 3.8%
    # ties: whole hours against a large rest; interpolating past a tied bound called 16% here
    assert median_called_share(30, 3000, whole_hours, 400, seed=2) <= 0.05  # measured 1.0%
    # power: AI median twice the other at 40 against 300 values
    assert median_called_share(40, 300, lognormal, 300, seed=3, ratio=2.0) >= 0.8  # measured 0.92


# -- in metrics.json ------------------------------------------------------------------------

def test_metrics_json_carries_team_and_cohort_comparisons(make_inputs):
    services = {"platform-svc": {"team": "platform"}, "web-svc": {"team": "web"}}
    people = [dict(person=f"p{i}", team="platform") for i in range(2)] + \
             [dict(person=f"w{i}", team="web") for i in range(2)]
    deps = []
    # platform 7 of 43 failed; web 31 of 390; 'search' has no owner ('other'): 1 of 10.
    for service, n, failed in (("platform-svc", 43, 7), ("web-svc", 390, 31), ("search", 10, 1)):
        for i in range(n):
            day, minute = 2 + i % 5, i % 600
            deps.append(dict(id=f"{service}-{i}", service=service,
                             finished_at=f"2026-03-0{day}T{8 + minute // 60:02d}:{minute % 60:02d}:00Z",
                             rolled_back="true" if i < failed else "false"))
    prs = []
    # AI-assisted PRs by platform: cycle 1..10 h; other PRs by web: cycle 3, 6, .., 30 h.
    for i in range(1, 11):
        for who, hours, label in (("p0", i, "ai-assisted"), ("w0", 3 * i, "")):
            start = dt.datetime(2026, 3, 3, 0, 0)
            prs.append(dict(id=f"{who}-{i}", repo="r", author=who, created_at=start.isoformat() + "Z",
                            first_commit_at=start.isoformat() + "Z",
                            merged_at=(start + dt.timedelta(hours=hours)).isoformat() + "Z", labels=label,
                            additions=1, deletions=0, reverted="true" if label and i <= 3 else "false"))
    folder = make_inputs(config={"privacy": {"min_group_size": 1}, "services": services}, people=people,
                         deployments=deps, pull_requests=prs)
    doc = compute_report("weekly", folder, period_id="2026-W10", today=dt.date(2026, 11, 23))
    metrics = doc["metrics"]

    cfr = metrics["change_failure_rate"]
    platform, web = cfr["by_team"]["platform"]["vs_rest"], cfr["by_team"]["web"]["vs_rest"]
    assert (platform["rest_value"], platform["rest_n"]) == (0.08, 400)  # web + other: 32 of 400
    assert platform["value"] == pytest.approx(7 / 43 - 0.08, abs=1e-4)
    assert platform["interval"] == pytest.approx(list(midp_difference(7, 43, 32, 400)), abs=1e-4)
    assert platform["change"] == "flat"
    assert web["rest_n"] == 53 and web["interval"] == pytest.approx(list(midp_difference(31, 390, 8, 53)),
                                                                    abs=1e-4)
    assert "vs_rest" not in cfr["by_team"]["other"]  # the pooled group is never compared
    # no deployment ships an AI-assisted PR: an empty cohort is no finding
    assert cfr["cohort_difference"]["value"] is None
    assert cfr["cohort_difference"]["change"] == "insufficient_data"
    assert cfr["cohort_difference"]["n"] == {"ai": 0, "non_ai": 443}

    cycle = metrics["pr_cycle_time_hours"]
    ai, other = [float(i) for i in range(1, 11)], [3.0 * i for i in range(1, 11)]
    diff = cycle["cohort_difference"]
    assert diff["value"] == -11.0 and diff["n"] == {"ai": 10, "non_ai": 10} and diff["change"] == "down"
    assert diff["interval"] == pytest.approx(list(mover(-11.0, hs_interval(ai), hs_interval(other))), abs=1e-4)
    # the AI PRs are all platform's, so platform against the rest (web) is the same comparison
    team = cycle["by_team"]["platform"]["vs_rest"]
    assert (team["value"], team["rest_value"], team["rest_n"], team["change"]) == (-11.0, 16.5, 10, "down")
    assert team["interval"] == diff["interval"]
    assert metrics["deployments"]["cohort_difference"] is None  # counts have no cohort test
    assert metrics["merged_prs"]["cohort_difference"] is None

    # breakdowns: every PR is small (1 line); no PR has a review time
    small = doc["breakdowns"]["flow_by_size"]["small"]
    assert small["cycle_time_test"] == {**diff, "n": {"ai": 10, "non_ai": 10}}
    assert small["review_time_test"]["value"] is None
    assert small["review_time_test"]["change"] == "insufficient_data"
    reverts = doc["breakdowns"]["reverts"]["cohort_difference"]  # 3 of 10 AI PRs reverted, 0 of 10 others
    assert reverts["value"] == pytest.approx(0.3) and reverts["n"] == {"ai": 10, "non_ai": 10}
    assert reverts["interval"] == pytest.approx(list(midp_difference(3, 10, 0, 10)), abs=1e-4)
    assert reverts["change"] == "flat"
