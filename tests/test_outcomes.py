"""Monthly and quarterly outcome metrics on a small hand-made organisation."""

from __future__ import annotations

import datetime as dt

import pytest
from scipy.stats import beta

from reporter.build import compute_report
from reporter.metrics import stats

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def org(make_inputs):
    people = [dict(person=f"e{i}", team="core") for i in range(5)]  # 5 engineers all along
    prs = [dict(id=f"p{i}", repo="r", author="e0", created_at=f"2026-03-{2 + i:02d}T08:00:00Z",
                merged_at=f"2026-03-{2 + i:02d}T10:00:00Z") for i in range(10)]  # 10 merged in March
    # p0 opened on Friday 27 February: the inputs reach back into the ISO week holding 1 March, so the
    # whole month is covered (data starting on Monday 2 March would leave Sunday 1 March uncovered).
    prs[0]["created_at"] = "2026-02-27T08:00:00Z"
    work = [
        dict(id="w1", type="story", created_at="2026-02-01", done_at="2026-03-05", team="core",
             initiative="checkout", strategic="true"),
        dict(id="w2", type="story", created_at="2026-02-10", done_at="2026-03-20", team="core",
             initiative="checkout", strategic="true", ai_assisted="true"),
        dict(id="w3", type="bug", created_at="2026-03-03", done_at="2026-03-04", team="core",
             initiative="ktlo", escaped_defect="true"),
        dict(id="w4", type="story", created_at="2025-12-01", team="core", initiative="checkout", strategic="true"),
        dict(id="w5", type="story", created_at="2026-03-30", team="core", initiative="ktlo"),
        dict(id="w6", type="story", created_at="2026-02-01", done_at="2026-04-02", team="core", initiative="ktlo"),
    ]
    tickets = [dict(id="t1", opened_at="2026-03-03T10:00:00Z", defect="true", service="r"),
               dict(id="t2", opened_at="2026-03-09T10:00:00Z", defect="false", service="r"),
               dict(id="t3", opened_at="2026-04-01T10:00:00Z", defect="true", service="r")]
    costs = [dict(date="2026-03-10", tool="claude-code", amount="200", category="new_feature"),
             dict(date="2026-03-11", tool="cursor", amount="50", currency="EUR", category="bugfix")]
    # March has 31 days. s1 active: not idle. s2 last active 2026-01-15: idle at 2026-04-01 (>= 30 days).
    seats = [dict(tool="copilot", person="e1", monthly_price="31", assigned_at="2026-01-01T00:00:00Z",
                  last_activity_at="2026-03-30T00:00:00Z"),
             dict(tool="copilot", person="e2", monthly_price="62", assigned_at="2026-01-01T00:00:00Z",
                  last_activity_at="2026-01-15T00:00:00Z")]
    return make_inputs(people=people, pull_requests=prs, work_items=work, support_tickets=tickets,
                       ai_costs=costs, seats=seats)


def test_outcome_metrics_by_hand(org):
    doc = compute_report("monthly", org, period_id="2026-03", today=TODAY)
    m = doc["metrics"]
    assert m["work_items_done"]["value"] == 2 + 1  # w1, w2 (stories) and w3 (bug) done in March; w6 in April
    assert m["work_items_done"]["by_cohort"]["ai"]["value"] == 1  # w2
    assert m["strategic_items_done"]["value"] == 2  # w1, w2
    assert m["escaped_defects"]["value"] == 1  # w3, created in March
    assert m["support_tickets"]["value"] == 2 and m["defect_tickets"]["value"] == 1
    # The pull requests reach the ISO weeks of Friday 27 Feb (p0 opened) to Wednesday 11 March: Monday 23 Feb
    # to Sunday 15 March, so March's throughput is over its 15 days in those weeks (1-15 March), not 31:
    # 10 merged PRs / (5 engineers x 15/7 weeks) = 0.9333.
    assert m["merged_prs_per_engineer_week"]["value"] == pytest.approx(10 / (5 * 15 / 7), abs=1e-4)
    # spend: 200 USD cost line + seats 31 + 62 USD for the whole of March = 293 USD; 50 EUR
    assert m["ai_spend"]["value"] == {"EUR": 50.0, "USD": 293.0}
    assert m["cost_per_merged_pr"]["value"] == {"EUR": 5.0, "USD": 29.3}
    # idle at the end of March (last activity before 2026-03-02): s2 only, 62 USD for March
    assert m["idle_seat_spend"]["value"] == {"USD": 62.0}
    # weekly reports carry none of these
    weekly = compute_report("weekly", org, period_id="2026-W11", today=TODAY)
    assert "work_items_done" not in weekly["metrics"] and "spend_by_tool" not in weekly["breakdowns"]


def test_breakdowns_by_hand(org):
    doc = compute_report("monthly", org, period_id="2026-03", today=TODAY)
    b = doc["breakdowns"]
    assert b["spend_by_tool"] == {"claude-code": {"USD": 200.0}, "copilot": {"USD": 93.0}, "cursor": {"EUR": 50.0}}
    assert b["spend_by_category"] == {"bugfix": {"EUR": 50.0}, "new_feature": {"USD": 200.0}, "seats": {"USD": 93.0}}
    backlog = b["backlog_by_initiative"]
    # open at 2026-04-01 00:00: w4 (created 2025-12-01: 121 days), w5 (2026-03-30: 2 days), w6 (done in April:
    # 2026-02-01 -> 59 days)
    assert backlog["checkout"] == {"open": 1, "done": 2, "median_age_days": 121.0, "open_over_90_days": 1,
                                   "strategic": True}
    assert backlog["ktlo"] == {"open": 2, "done": 1, "median_age_days": 30.5, "open_over_90_days": 0,
                               "strategic": False}


def test_rate_change_reduces_to_the_count_test_and_uses_exposure():
    kw = dict(confidence=0.95, min_sample=5, min_relative_change=0.05)
    assert stats.rate_change(40, 1.0, 40, 4.0, **kw) == stats.Verdict(
        "up", stats.count_change(40, 40, 4, **kw).interval, stats.rate_change(40, 1.0, 40, 4.0, **kw).method)
    # same counts, but twice the exposure now: the rate per unit halves -> 20 vs 10 per unit, still up
    v = stats.rate_change(40, 2.0, 40, 4.0, **kw)
    lo_p = beta.ppf(0.025, 40, 41)
    assert v.interval[0] == pytest.approx(10 * (lo_p / (1 - lo_p) * 2 - 1))
    # 20 events over 2 units vs 40 over 4: equal rates -> flat
    assert stats.rate_change(20, 2.0, 40, 4.0, **kw).change == "flat"
