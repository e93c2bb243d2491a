"""Quarterly capacity and ROI on a hand-built scenario whose answer is known exactly."""

from __future__ import annotations

import datetime as dt

import pytest

from reporter.build import compute_report

TODAY = dt.date(2026, 11, 23)


def _prs(team_author: str, weekly: dict[dt.date, int], prefix: str) -> list[dict]:
    rows = []
    for monday, count in weekly.items():
        day = monday + dt.timedelta(days=1)
        for k in range(count):
            rows.append(dict(id=f"{prefix}{monday:%m%d}-{k}", repo="r", author=team_author,
                             created_at=f"{day}T08:00:00Z", merged_at=f"{day}T10:{k:02d}:00Z"))
    return rows


@pytest.fixture
def scenario(make_inputs):
    # Two teams of 5 engineers. Data starts Monday 2026-03-30. Team T adopts AI on Monday 2026-05-04.
    # T merges 10 PRs a week before (2.0 per engineer-week) and 15 after (3.0); C merges 10 (2.0), then
    # 12 (2.4) in the same weeks. DiD = (3.0 - 2.0) - (2.4 - 2.0) = 0.6 PRs per engineer-week;
    # relative to T's pre level 2.0: +30%. Every week is identical: no week-to-week variation, so the
    # interval has no width, [0.6, 0.6], and the pre-trend slope is 0 (parallel).
    # The records run from Tuesday 31 March to Tuesday 30 June: the weeks of 30 March and 29 June are not
    # fully covered, so the estimate uses neither (a week without data is not a week of zero PRs).
    mondays = [dt.date(2026, 3, 30) + dt.timedelta(weeks=k) for k in range(14)]  # to the week of 2026-06-29
    rollout = dt.date(2026, 5, 4)
    people = [dict(person=f"t{i}", team="T") for i in range(5)] + [dict(person=f"c{i}", team="C") for i in range(5)]
    prs = _prs("t0", {m: (15 if m >= rollout else 10) for m in mondays}, "T") + \
        _prs("c0", {m: (12 if m >= rollout else 10) for m in mondays}, "C")
    # Cost in Q2 (April-June): 5 seats x 100 USD x 3 months = 1,500 plus 500 USD usage = 2,000 USD, plus
    # 1,000 enablement = 3,000 USD.
    seats = [dict(tool="copilot", person=f"t{i}", monthly_price="100", assigned_at="2026-01-01T00:00:00Z",
                  last_activity_at="2026-06-29T00:00:00Z") for i in range(5)]
    costs = [dict(date="2026-05-15", tool="claude-code", amount="500")]
    surveys = [dict(date="2026-05-20", team="T", responses="5", time_saved_hours_per_week="4")]
    config = {"privacy": {"min_group_size": 1}, "teams": {"T": {"ai_rollout": "2026-05-04"}, "C": {}},
              "statistics": {"bootstrap_resamples": 200},
              "finance": {"loaded_cost_per_engineer_year": 208000, "hours_per_week": 40,
                          "enablement_cost_per_quarter": 1000, "survey_discount": 0.5}}
    return make_inputs(config=config, people=people, pull_requests=prs, seats=seats, ai_costs=costs,
                       surveys=surveys)


def test_difference_in_differences_by_hand(scenario):
    doc = compute_report("quarterly", scenario, period_id="2026-Q2", today=TODAY)
    did = doc["capacity"]["difference_in_differences"]
    assert did["treated"] == ["T"] and did["control"] == ["C"]
    assert did["effect"] == pytest.approx(0.6)
    assert did["interval"] == pytest.approx([0.6, 0.6])
    assert did["pre_level"] == pytest.approx(2.0) and did["relative"] == pytest.approx(0.3)
    assert did["pre_trend"]["slope"] == pytest.approx(0.0) and did["pre_trend"]["parallel"] is True
    assert did["interval_reason"] is None and did["placebo_draws"] == 0 and "no width" in did["inference"]
    # post weeks of T: Mondays 4 May .. 22 June = 8 weeks (29 June ends after the data) x 5 engineers
    assert did["post_weeks_used"] == {"T": 8} and did["treated_post_weeks"] == 8
    assert did["post_weeks_in_quarter"] == {"T": 9} and did["quarter_weeks"] == 13  # Mondays 6 Apr .. 29 Jun
    assert did["treated_engineer_weeks"] == 40
    # pre weeks 6 .. 27 April (4; 30 March is not fully covered), T and C: (4 + 8) x 2 team-weeks
    assert did["team_weeks"] == 24
    # The chart's series: the fully covered weeks from max(first covered Monday, rollout - 13 weeks) = 6 April
    # (W15) to the week of 22 June (W26): T 2.0 then 3.0 from W19, C 2.0 then 2.4.
    series = did["series"]
    assert series["weeks"] == [f"2026-W{w}" for w in range(15, 27)]
    assert series["adopting"] == [2.0] * 4 + [3.0] * 8
    assert series["comparison"] == [2.0] * 4 + [2.4] * 8
    assert series["rollouts"] == {"T": "2026-W19"}
    # The quarter week by week (weekly_trends): ISO weeks W14 (30 Mar, holding 1 April) to W27 (29 Jun).
    # The first record is Tuesday 31 March and the last Tuesday 30 June, so W14 and W27 are not fully
    # covered: None, not a low count.
    weekly = doc["weekly_trends"]
    assert weekly["periods"][0] == "2026-W14" and weekly["periods"][-1] == "2026-W27"
    assert weekly["merged_prs"] == [None] + [20] * 4 + [27] * 8 + [None]


def test_capacity_cost_and_roi_by_hand(scenario):
    doc = compute_report("quarterly", scenario, period_id="2026-Q2", today=TODAY)
    cap = doc["capacity"]
    # hours = 0.3 x 40 engineer-weeks x 40 h = 480 h; hourly cost = 208,000 / (52 x 40) = 100
    assert cap["hours"]["difference_in_differences"]["hours"] == pytest.approx([480.0, 480.0, 480.0])
    assert cap["hours"]["difference_in_differences"]["engineer_weeks"] == 40
    assert cap["cost"]["value"] == pytest.approx(3000.0)
    roi = cap["roi"]["difference_in_differences"]
    assert roi["value"] == pytest.approx([48000.0] * 3)
    assert roi["roi"] == pytest.approx([(48000 - 3000) / 3000] * 3)  # 15.0
    # Q2 has 91 days = 13 weeks: FTE = 480 / (40 x 13) = 0.923
    assert roi["fte"] == pytest.approx([0.923] * 3, abs=1e-3)
    # survey: 4 h/week x 5 engineers of T x 13 weeks x 0.5 discount = 130 h -> 13,000 USD
    assert cap["survey"]["hours"] == pytest.approx(130.0)
    assert cap["roi"]["survey"]["value"] == pytest.approx([13000.0] * 3)
    assert cap["confidence"].startswith("moderate")


def test_not_available_paths_say_why(scenario, make_inputs):
    text = (scenario / "reporter.yaml").read_text().replace("  loaded_cost_per_engineer_year: 208000\n", "")
    (scenario / "reporter.yaml").write_text(text)
    doc = compute_report("quarterly", scenario, period_id="2026-Q2", today=TODAY)
    assert doc["capacity"]["roi"]["difference_in_differences"]["roi"] is None
    assert "loaded_cost_per_engineer_year" in doc["capacity"]["roi"]["difference_in_differences"]["reason"]
    # a cost in a currency without an exchange rate: never added, so cost and ROI are N/A
    (scenario / "ai_costs.csv").write_text("date,tool,amount,currency\n2026-05-15,cursor,50,EUR\n")
    doc = compute_report("quarterly", scenario, period_id="2026-Q2", today=TODAY)
    assert doc["capacity"]["cost"]["value"] is None and "EUR" in doc["capacity"]["cost"]["reason"]
    # no control team: pre/post only, labelled weaker
    text = (scenario / "reporter.yaml").read_text().replace("  C: {}\n", "  C:\n    ai_rollout: 2026-05-04\n")
    (scenario / "reporter.yaml").write_text(text)
    doc = compute_report("quarterly", scenario, period_id="2026-Q2", today=TODAY)
    did = doc["capacity"]["difference_in_differences"]
    assert did["method"].startswith("pre/post only") and did["control"] == []
    # T: 3.0 - 2.0 = 1.0 and C: 2.4 - 2.0 = 0.4, weighted by post engineer-weeks (40 and 40): 0.7
    assert did["effect"] == pytest.approx(0.7)
    assert doc["capacity"]["confidence"].startswith("low (no control group")
    # no rollout at all
    (scenario / "reporter.yaml").write_text("teams: {T: {}, C: {}}\n")
    doc = compute_report("quarterly", scenario, period_id="2026-Q2", today=TODAY)
    assert doc["capacity"]["difference_in_differences"]["effect"] is None
    assert "ai_rollout" in doc["capacity"]["difference_in_differences"]["reason"]


def test_fiscal_quarter_crossing_years(make_inputs):
    # fiscal year starting in November: FY2027 runs Nov 2026 - Oct 2027, so 2027-Q1 is Nov 2026 - Jan 2027
    prs = [dict(id=f"p{i}", repo="r", author="a", created_at=day, merged_at=day)
           for i, day in enumerate(["2026-10-31T12:00:00Z", "2026-11-01T12:00:00Z", "2026-12-31T12:00:00Z",
                                    "2027-01-31T12:00:00Z", "2027-02-01T12:00:00Z"])]
    folder = make_inputs(config={"fiscal_year_start_month": 11}, pull_requests=prs)
    doc = compute_report("quarterly", folder, period_id="2027-Q1", today=TODAY, )
    assert (doc["start"], doc["end"]) == ("2026-11-01", "2027-02-01")
    assert doc["metrics"]["merged_prs"]["value"] == 3  # Nov 1, Dec 31, Jan 31
