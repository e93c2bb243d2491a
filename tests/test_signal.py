"""Page 1 leads with the week's strongest signal: chosen by the noise tests, quality before speed."""

from __future__ import annotations

from reporter.views.signal import strongest


def _metric(value, baseline, change, interval, n=50, base_n=200, delta_pct=None, delta=None):
    return {"value": value, "baseline": baseline, "change": change, "interval": interval, "n": n,
            "baseline_n": base_n, "delta_pct": delta_pct, "delta": delta}


def test_a_quality_change_leads_even_when_a_speed_change_is_stronger():
    doc = {"metrics": {
        # cycle time: interval 10..12 h, 5 widths clear of zero: very strong, but speed
        "pr_cycle_time_hours": _metric(50.0, 40.0, "up", [10.0, 12.0], delta_pct=0.25),
        # failure rate: interval +1 to +9 pp, 0.125 widths clear of zero: weak, but quality
        "change_failure_rate": _metric(0.12, 0.07, "up", [0.01, 0.09], n=44, base_n=180, delta=0.05),
    }}
    assert strongest(doc) == ("Strongest signal: change failure rate rose to 12.0% from 7.0% (+5.0 pp; n 44 vs 180 "
                              "in the baseline), outside noise.")


def test_within_a_tier_the_interval_furthest_from_zero_wins():
    doc = {"metrics": {
        "pr_cycle_time_hours": _metric(50.0, 40.0, "up", [1.0, 19.0], delta_pct=0.25),  # 1/18 = 0.06
        "merged_prs": _metric(90, 60.0, "up", [20.0, 40.0], n=90, base_n=240, delta_pct=0.5),  # 20/20 = 1.0
    }}
    assert strongest(doc).startswith("Strongest signal: merged PRs rose to 90 from 60 (+50%; n 90 vs 240")


def test_an_ai_difference_is_a_signal_with_n_on_both_sides():
    m = _metric(120.0, 118.0, "flat", [-10.0, 14.0])
    m["by_cohort"] = {"ai": {"value": 250.0, "n": 58}, "non_ai": {"value": 122.0, "n": 92}}
    m["cohort_difference"] = {"value": 128.0, "interval": [51.0, 181.0], "change": "up", "n": {"ai": 58, "non_ai": 92}}
    assert strongest({"metrics": {"pr_size_lines": m}}) == (
        "Strongest signal: PR size of AI-assisted PRs larger than the others: 250 lines vs 122 lines (n 58 vs 92), "
        "outside noise.")


def test_nothing_outside_noise_says_so_with_n():
    cycle = _metric(40.0, 41.0, "flat", [-3.0, 2.0])
    cycle["cohort_difference"] = {"change": "flat", "interval": [-4.0, 6.0]}
    doc = {"metrics": {"pr_cycle_time_hours": cycle,
                       "merged_prs": _metric(68, 62.5, "flat", [-10.0, 20.0], n=68),
                       "deployments": _metric(25, 23.2, "flat", [-5.0, 9.0], n=25),
                       "change_failure_rate": _metric(None, None, "insufficient_data", None, n=0)}}
    assert strongest(doc) == ("Strongest signal: none. No headline metric moved outside noise this week (68 merged "
                              "PRs, 25 deployments), and no AI-vs-other difference is clear.")


def test_with_nothing_tested_it_says_there_was_too_little_data_not_that_nothing_moved():
    # two PRs and no baseline (the two-engineer organisation): no noise test ran, no cohort comparison either
    no_ai = {"change": "insufficient_data", "interval": None}
    cycle = _metric(3.0, None, "insufficient_data", None, n=2)
    cycle["cohort_difference"] = no_ai
    doc = {"metrics": {"pr_cycle_time_hours": cycle, "merged_prs": _metric(2, None, "insufficient_data", None, n=2),
                       "deployments": _metric(None, None, "insufficient_data", None, n=0)}}
    assert strongest(doc) == ("Strongest signal: none. No headline metric had enough data this week to be tested "
                              "against a baseline (2 merged PRs), and AI-assisted and other work had too little "
                              "data to compare.")
    # a tested metric but no cohort comparison: the first half is the usual one
    doc["metrics"]["merged_prs"] = _metric(60, 58.0, "flat", [-8.0, 9.0], n=60)
    assert strongest(doc).startswith("Strongest signal: none. No headline metric moved outside noise this week "
                                     "(60 merged PRs), and AI-assisted and other work had too little data")


def test_the_team_table_says_whether_its_counts_add_up_to_the_cards():
    from reporter.views.weekly import _adds_up

    m = {"merged_prs": {"value": 150, "by_team": {"a": {"value": 100, "n": 100}, "other": {"value": 50, "n": 50}}},
         "deployments": {"value": 44, "by_team": {"a": {"value": 40, "n": 40},
                                                  "other": {"value": None, "reason": "withheld"}}}}
    assert _adds_up(m) == ("Counts: merged PRs add up to the total (150); deployments: the rows hold 40 of 44 (a "
                           "withheld group holds the rest). Medians and rates do not add up across teams.")
