"""The committed demo organisation is the generator's default output, and its story comes out
of the metric engine (values checked against the generator's own intent, not a past run)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reporter.build import compute_report
from reporter.sample.generator import generate

SAMPLE = Path(__file__).resolve().parent.parent / "sample_inputs"


def test_sample_inputs_are_the_default_generator_output(tmp_path):
    generate(tmp_path)
    committed = sorted(p.name for p in SAMPLE.iterdir())
    assert committed == sorted(p.name for p in tmp_path.iterdir())
    for name in committed:
        assert (SAMPLE / name).read_bytes() == (tmp_path / name).read_bytes(), name


@pytest.fixture(scope="module")
def october():
    return compute_report("monthly", SAMPLE, period_id="2026-10", today=dt.date(2026, 11, 23))


def test_demo_build_has_no_skipped_rows_and_full_baseline(october):
    assert october["data_quality"]["skipped_rows"] == 0
    assert october["baseline"]["periods"] == ["2026-07", "2026-08", "2026-09"]


def test_adoption_grows_after_rollout(october):
    m = october["metrics"]["ai_adoption_rate"]
    assert m["change"] == "up"
    teams = m["by_team"]
    # rolled out: payments, platform, web; control: mobile, growth (data is below the privacy minimum)
    assert min(teams[t]["value"] for t in ("payments", "platform", "web")) > \
        2 * max(teams[t]["value"] for t in ("mobile", "growth"))
    assert "data" not in teams


def test_review_queue_of_the_busy_team(october):
    pickup = october["metrics"]["pickup_time_hours"]
    assert pickup["change"] == "up"
    others = [v["value"] for t, v in pickup["by_team"].items() if t not in ("payments", "other")]
    assert pickup["by_team"]["payments"]["value"] > 1.5 * max(others)
    assert october["metrics"]["coding_time_hours"]["change"] == "down"


def test_ai_prs_are_larger(october):
    size = october["metrics"]["pr_size_lines"]["by_cohort"]
    assert size["ai"]["value"] > 1.4 * size["non_ai"]["value"]


def test_fragile_service_fails_more_after_adoption(october):
    cfr = october["metrics"]["change_failure_rate"]["by_team"]
    others = [v["value"] for t, v in cfr.items() if t not in ("platform", "other")]
    assert cfr["platform"]["value"] > 2 * max(others)


def test_spend_never_sums_currencies(october):
    assert set(october["metrics"]["ai_spend"]["value"]) == {"USD", "EUR"}
