"""The committed demo organisation is the generator's default output, and its story comes out
of the metric engine (values checked against the generator's own intent, not a past run).

The demo periods are the ones a user gets without --period on 2026-12-01, by hand: the data ends
on Sunday 2026-11-22, so the weekly report is 2026-W47 (W48 is not covered), the monthly one
October 2026, and the quarterly one fiscal 2027-Q3 (fiscal years start in February: August to
October 2026; November to January is not over)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reporter.build import compute_report
from reporter.sample.generator import generate

SAMPLE = Path(__file__).resolve().parent.parent / "sample_inputs"
TODAY = dt.date(2026, 12, 1)
# config teams.<team>.ai_rollout of the sample: every team that adopted by the end of October
ADOPTED = ["mobile", "payments", "platform", "web"]  # web on 2026-09-07, mobile on 2026-10-05


def test_sample_inputs_are_the_default_generator_output(tmp_path):
    generate(tmp_path)
    committed = sorted(p.name for p in SAMPLE.iterdir())
    assert committed == sorted(p.name for p in tmp_path.iterdir())
    for name in committed:
        assert (SAMPLE / name).read_bytes() == (tmp_path / name).read_bytes(), name


@pytest.fixture(scope="module")
def october():
    return compute_report("monthly", SAMPLE, today=TODAY)


@pytest.fixture(scope="module")
def quarter():
    return compute_report("quarterly", SAMPLE, today=TODAY)


def test_every_demo_has_its_whole_baseline(october, quarter):
    week = compute_report("weekly", SAMPLE, today=TODAY)
    assert week["period"] == "2026-W47"
    assert week["baseline"]["periods"] == ["2026-W43", "2026-W44", "2026-W45", "2026-W46"]
    assert october["period"] == "2026-10"
    assert quarter["period"] == "2027-Q3" and quarter["start"] == "2026-08-01"
    assert quarter["baseline"]["periods"] == ["2027-Q2"]


def test_demo_build_has_no_skipped_rows_and_full_baseline(october):
    assert october["data_quality"]["skipped_rows"] == 0
    assert october["baseline"]["periods"] == ["2026-07", "2026-08", "2026-09"]


def test_adoption_grows_after_rollout(october):
    m = october["metrics"]["ai_adoption_rate"]
    assert m["change"] == "up"
    teams = m["by_team"]
    # rolled out: payments, platform, web, and mobile in October; not yet: 'other' = data (4 engineers,
    # below the privacy minimum of 5) pooled with growth (8), the smallest named team, so 'other' holds 12
    assert min(teams[t]["value"] for t in ADOPTED) > 2 * teams["other"]["value"]
    assert teams["mobile"]["value"] < min(teams[t]["value"] for t in ("payments", "platform", "web"))
    assert "data" not in teams and "growth" not in teams
    assert teams["other"]["n"] == 12


def test_review_queue_of_the_busy_team(october):
    pickup = october["metrics"]["pickup_time_hours"]
    assert pickup["change"] == "up"
    others = [v["value"] for t, v in pickup["by_team"].items() if t not in ("payments", "other")]
    assert pickup["by_team"]["payments"]["value"] > 1.5 * max(others)
    assert october["metrics"]["coding_time_hours"]["by_team"]["payments"]["vs_rest"]["change"] == "down"


def test_ai_prs_are_larger(october):
    size = october["metrics"]["pr_size_lines"]["by_cohort"]
    assert size["ai"]["value"] > 1.4 * size["non_ai"]["value"]


def test_fragile_service_fails_more_after_adoption(quarter):
    cfr = quarter["metrics"]["change_failure_rate"]["by_team"]
    others = [v["value"] for t, v in cfr.items() if t != "platform"]
    assert cfr["platform"]["value"] > 2 * max(others)
    assert cfr["platform"]["vs_rest"]["change"] == "up"


def test_quarter_has_a_difference_in_differences_with_a_pre_trend_check(quarter):
    did = quarter["capacity"]["difference_in_differences"]
    assert did["effect"] is not None and did["left_out"] == {}
    assert did["treated"] == ADOPTED and did["control"] == ["data", "growth"]
    # web adopted 2026-09-07: the 8 Mondays from then to 2026-10-26; mobile (2026-10-05) 4
    assert did["post_weeks_used"]["web"] == 8 and did["post_weeks_used"]["mobile"] == 4
    assert did["pre_trend"]["slope"] is not None


def test_quarter_coding_time_falls_and_the_pulse_has_a_previous_quarter(quarter):
    assert quarter["metrics"]["coding_time_hours"]["change"] == "down"
    pulse = quarter["breakdowns"]["guardrails"]["pulse"]
    assert pulse["now"] is not None and pulse["before"] is not None


def test_spend_never_sums_currencies(october):
    assert set(october["metrics"]["ai_spend"]["value"]) == {"USD", "EUR"}
