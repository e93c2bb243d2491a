"""No data is N/A, never 0; artefacts are named, not reported (issue 11, parts 1 and 5).

Every expectation is worked out by hand from the rows in the test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from reporter.build import compute_report
from reporter.views.weekly import build_weekly
from reporter.cli import main

TODAY = dt.date(2026, 11, 23)
PEOPLE = [dict(person=f"e{i}", team="core") for i in range(6)]


def _prs(days: list[str]) -> list[dict]:
    """One merged PR per day: first commit 08:00, opened 09:00, reviewed 11:00, merged 13:00."""
    return [dict(id=f"p{i}", repo="api", author=f"e{i % 6}", created_at=f"{d}T09:00:00Z",
                 first_commit_at=f"{d}T08:00:00Z", first_review_at=f"{d}T11:00:00Z", merged_at=f"{d}T13:00:00Z",
                 additions=10, deletions=5) for i, d in enumerate(days)]


def _days(start: str, count: int, step: int = 1) -> list[str]:
    first = dt.date.fromisoformat(start)
    return [(first + dt.timedelta(days=step * k)).isoformat() for k in range(count)]


@pytest.fixture
def stale_incidents(make_inputs):
    """PRs and deployments every day of 2026-03-02 .. 2026-03-29 (W10-W13); incidents stop on
    2026-03-05 (W10). W13 is covered by PRs and deployments, not by incidents."""
    days = _days("2026-03-02", 28)
    deployments = [dict(id=f"d{i}", service="api", finished_at=f"{d}T15:00:00Z") for i, d in enumerate(days)]
    incidents = [dict(id="i1", service="api", opened_at="2026-03-04T10:00:00Z", resolved_at="2026-03-05T10:00:00Z")]
    return make_inputs(people=PEOPLE, pull_requests=_prs(days), deployments=deployments, incidents=incidents)


def test_a_dataset_that_stops_before_the_period_is_na_with_its_file_and_date(stale_incidents):
    doc = compute_report("weekly", stale_incidents, period_id="2026-W13", today=TODAY)
    m = doc["metrics"]
    # 7 deployments in W13 (one a day), none failed by rollback; but incidents.csv ends on 03-05,
    # so failures linked to incidents cannot be counted: N/A, not 0 %.
    assert m["deployments"]["value"] == 7
    assert m["change_failure_rate"]["value"] is None
    assert m["change_failure_rate"]["reason"] == "incidents.csv ends on 2026-03-05, before 2026-W13"
    assert m["recovery_time_hours"]["value"] is None
    assert m["recovery_time_hours"]["reason"] == "incidents.csv ends on 2026-03-05, before 2026-W13"
    assert doc["coverage"]["datasets"]["incidents"] == {
        "files": ["incidents.csv"], "first_day": "2026-03-04", "last_day": "2026-03-05",
        "records_in_period": 0, "status": "outside"}
    # PRs reach W13 entirely: cycle time is measured (08:00 -> 13:00 = 5 h for all 7).
    assert m["pr_cycle_time_hours"]["value"] == 5.0 and m["pr_cycle_time_hours"]["n"] == 7


def test_zero_means_the_file_covers_the_period_and_holds_none(make_inputs):
    # Deployments on 03-02 (W10) and 03-16 (W12): the file reaches across W11, which has none.
    prs = _prs(_days("2026-03-02", 21))
    deployments = [dict(id="a", service="api", finished_at="2026-03-02T15:00:00Z"),
                   dict(id="b", service="api", finished_at="2026-03-16T15:00:00Z")]
    folder = make_inputs(people=PEOPLE, pull_requests=prs, deployments=deployments)
    doc = compute_report("weekly", folder, period_id="2026-W11", today=TODAY)
    assert doc["metrics"]["deployments"]["value"] == 0
    assert doc["metrics"]["deployment_days"]["value"] == 0
    assert doc["coverage"]["datasets"]["deployments"]["status"] == "covered"


def test_an_explicit_period_no_file_reaches_is_an_error(stale_incidents):
    result = CliRunner().invoke(main, ["build", "weekly", "--input", str(stale_incidents), "--period", "2027-W10",
                                       "--format", "json", "--out", str(stale_incidents / "out")])
    assert result.exit_code == 2, result.output
    assert "2027-W10 (2027-03-08 to 2027-03-14) is outside every input file" in result.output
    assert "they run from 2026-03-02 to 2026-03-29" in result.output
    assert "Traceback" not in result.output
    assert not (stale_incidents / "out").exists()


def test_a_partial_month_is_measured_over_its_covered_weeks(make_inputs):
    # Data from Monday 2026-03-02 to Sunday 2026-03-15: March is covered by its first two ISO weeks
    # only (03-02 .. 03-15, 14 of 31 days). 14 PRs, 6 engineers.
    folder = make_inputs(people=PEOPLE, pull_requests=_prs(_days("2026-03-02", 14)),
                         deployments=[dict(id=f"d{i}", service="api", finished_at=f"{d}T15:00:00Z")
                                      for i, d in enumerate(_days("2026-03-02", 14))])
    doc = compute_report("monthly", folder, period_id="2026-03", today=TODAY)
    cov = doc["coverage"]
    assert (cov["partial"], cov["covered_days"], cov["period_days"]) == (True, 14, 31)
    assert (cov["covered_from"], cov["covered_to"]) == ("2026-03-02", "2026-03-15")
    # 14 merged PRs / (6 engineers x 2 weeks) = 1.1667, not 14 / (6 x 31/7) = 0.527.
    assert doc["metrics"]["merged_prs_per_engineer_week"]["value"] == pytest.approx(14 / 12, abs=1e-4)
    assert any("only partly covered" in w and "14 covered days" in w for w in doc["data_quality"]["warnings"])
    # Page 1 says so.
    from reporter.views.monthly import build_monthly
    note = build_monthly(doc, "reporter build").coverage_note
    assert note.startswith("The inputs cover 2–15 Mar 2026 only: 14 of 31 days (2.0 of 4.4 weeks) of this period.")


def test_coverage_dots_mean_records_in_this_period(stale_incidents):
    doc = compute_report("weekly", stale_incidents, period_id="2026-W13", today=TODAY)
    dots = dict(build_weekly(doc, "reporter build").coverage)
    # incidents.csv exists but has no record in W13: an empty dot. Commits: no file at all.
    assert dots["incidents"] is False
    assert dots["pull requests"] is True and dots["deployments"] is True and dots["people"] is True
    assert dots["commits"] is False


def test_git_only_import_names_its_artefacts(make_inputs):
    # Squash merges imported from git: created_at = merged_at, no first commit, no review times.
    days = _days("2026-03-02", 7)
    prs = [dict(id=f"r#{i}", repo="api", author=f"e{i % 6}", created_at=f"{d}T13:00:00Z", merged_at=f"{d}T13:00:00Z")
           for i, d in enumerate(days)]
    prs += [dict(id="r#99", repo="api", author="e1", created_at="2026-02-23T13:00:00Z",
                 merged_at="2026-02-23T13:00:00Z")]
    folder = make_inputs(people=PEOPLE, pull_requests=prs)
    doc = compute_report("weekly", folder, period_id="2026-W10", today=TODAY)
    m = doc["metrics"]
    assert m["merged_prs"]["value"] == 7
    assert m["pr_cycle_time_hours"]["value"] is None  # never 0.0 h
    assert m["pr_cycle_time_hours"]["reason"].startswith(
        "7 of the 7 PRs merged in the period have no known start (squash merges imported from git")
    assert m["pickup_time_hours"]["value"] is None
    assert m["pickup_time_hours"]["reason"] == (
        "none of the 7 PRs merged in the period has first_review_at (the input holds no review times; "
        "a git import cannot see reviews)")
    assert m["coding_time_hours"]["reason"].startswith("none of the 7 PRs merged in the period has first_commit_at")
    assert m["pr_size_lines"]["reason"].startswith("none of the 7 PRs merged in the period has additions")
    assert m["deploy_time_hours"]["reason"] == "no deployments.* file in the inputs"
    assert "no pull request merged" not in str(m)


def test_a_genuine_same_day_pr_still_measures(make_inputs):
    # A first commit makes the start known even when created_at = merged_at (an API-created PR).
    prs = [dict(id="x", repo="api", author="e1", created_at="2026-03-03T13:00:00Z",
                first_commit_at="2026-03-03T10:00:00Z", merged_at="2026-03-03T13:00:00Z")]
    folder = make_inputs(people=PEOPLE, pull_requests=prs)
    doc = compute_report("weekly", folder, period_id="2026-W10", today=TODAY)
    assert doc["metrics"]["pr_cycle_time_hours"]["value"] == 3.0


# ---------------------------------------------------------------------------------------------
# Claims follow the test: chart titles and cohort lines (issue 11, part 2)


def _weekly_prs(weeks: int, hours_last_week: list[float], ai_every: int | None = None) -> list[dict]:
    """Six PRs a week for ``weeks`` weeks from Monday 2026-01-05 (2026-W02), each 5 h from first commit to merge,
    except the last week's, which take ``hours_last_week``."""
    rows = []
    start = dt.datetime(2026, 1, 5, 8, tzinfo=dt.timezone.utc)
    for w in range(weeks):
        spans = hours_last_week if w == weeks - 1 else [5.0] * 6
        for k, h in enumerate(spans):
            first = start + dt.timedelta(weeks=w, days=k % 5)
            merged = first + dt.timedelta(hours=h)
            rows.append(dict(id=f"w{w}k{k}", repo="api", author=f"e{k % 6}", created_at=first.isoformat(),
                             first_commit_at=first.isoformat(), merged_at=merged.isoformat(),
                             ai_assisted="true" if ai_every and k % ai_every == 0 else "false"))
    return rows


def test_a_flat_trend_with_a_noisy_last_week_is_no_clear_change(make_inputs):
    # 11 weeks at 5 h, then a week of 3, 4, 5, 9, 12, 20 h: median 7 h (+40 %) but from 6 PRs whose spread
    # covers the baseline: the bootstrap interval of the difference includes 0, so no verb.
    folder = make_inputs(people=PEOPLE, pull_requests=_weekly_prs(12, [3, 4, 5, 9, 12, 20]))
    doc = compute_report("weekly", folder, period_id="2026-W13", today=TODAY)  # weeks W02 .. W13
    m = doc["metrics"]["pr_cycle_time_hours"]
    assert (m["value"], m["baseline"], m["change"]) == (7.0, 5.0, "flat")
    title = build_weekly(doc, "x").charts[0].title
    assert title == "PR cycle time: no clear change this week (7.0 h, n 6; baseline 5.0 h)"
    for word in ("rose", "fell", "longer", "shorter"):
        assert word not in title


def test_two_empty_cohorts_draw_no_comparison(make_inputs):
    # No PR is AI-assisted: the AI cohort is empty, so no stage chart and no AI-vs-other line.
    folder = make_inputs(people=PEOPLE, pull_requests=_weekly_prs(5, [5.0] * 6))
    doc = compute_report("weekly", folder, period_id="2026-W06", today=TODAY)  # weeks W02 .. W06
    report = build_weekly(doc, "x")
    assert [c.kind for c in report.charts] == ["trend"]
    flow = " ".join(b.text for b in report.flow.bullets)
    assert "AI-assisted" not in flow
    assert doc["metrics"]["review_time_hours"]["cohort_difference"]["change"] == "insufficient_data"


def test_a_backlog_does_not_stretch_coverage_and_its_own_month_still_counts(make_inputs):
    # PRs every day of May 2026 only. Work items: one done on 2026-03-04 (created in February), and an
    # old backlog item created in 2025 that is still open.
    work = [dict(id="w1", type="story", created_at="2026-02-03", done_at="2026-03-04"),
            dict(id="w2", type="story", created_at="2025-06-01")]
    folder = make_inputs(people=PEOPLE, pull_requests=_prs(_days("2026-05-04", 28)), work_items=work)
    # March: only the work items reach it (w1 done on 03-04): counted, never 0; PR metrics N/A.
    march = compute_report("monthly", folder, period_id="2026-03", today=TODAY)
    assert march["metrics"]["work_items_done"]["value"] == 1
    assert march["metrics"]["merged_prs"]["reason"] == "pull_requests.csv starts on 2026-05-04, after 2026-03"
    # April: the backlog's 2025 creation date says nothing of what the exports cover. Activity: w1's
    # start/done dates (2026-03-04) and the PRs from 2026-05-04, so April is covered (between them).
    # June: the PRs stop on 2026-05-31 (a Sunday): June is outside every file's activity.
    june = compute_report("monthly", folder, period_id="2026-05", today=TODAY)
    assert june["coverage"]["partial"] is False


def test_a_squash_commit_linked_to_its_pr_is_not_its_first_commit(make_inputs):
    # What `reporter import git` writes: the squash commit itself is in commits.csv, linked to its PR.
    # Its author date is the merge, so taking it as the first commit would make a zero-hour PR.
    days = _days("2026-03-02", 7)
    prs = [dict(id=f"r#{i}", repo="api", author=f"e{i % 6}", created_at=f"{d}T13:00:00Z", merged_at=f"{d}T13:00:00Z",
                merge_commit_sha=f"{i:040x}") for i, d in enumerate(days)]
    commits = [dict(sha=f"{i:040x}", authored_at=f"{d}T13:00:00Z", pr_id=f"r#{i}", author=f"e{i % 6}",
                    message=f"Change {i} (#{i})") for i, d in enumerate(days)]
    # and one merged PR whose branch commit came two hours before its merge commit
    prs.append(dict(id="r#50", repo="api", author="e1", created_at="2026-03-04T10:00:00Z",
                    merged_at="2026-03-04T12:00:00Z", merge_commit_sha="f" * 40))
    commits += [dict(sha="e" * 40, authored_at="2026-03-04T10:00:00Z", pr_id="r#50", author="e1", message="Work"),
                dict(sha="f" * 40, authored_at="2026-03-04T12:00:00Z", pr_id="r#50", author="e1", message="Merge")]
    folder = make_inputs(people=PEOPLE, pull_requests=prs, commits=commits)
    m = compute_report("weekly", folder, period_id="2026-W10", today=TODAY)["metrics"]
    assert m["merged_prs"]["value"] == 8
    assert m["pr_cycle_time_hours"]["n"] == 1 and m["pr_cycle_time_hours"]["value"] == 2.0  # r#50 only
