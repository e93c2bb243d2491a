"""The sample generator: deterministic, complete, and telling the story the reports must tell.

Every check recomputes its figure from the CSV files with pandas, independently of the
reporter's own loaders and metrics, so a bug there cannot hide a bug here.
"""

from __future__ import annotations

import datetime
import pathlib

import pandas as pd
import pytest
import yaml

from reporter.inputs.spec import DATASETS
from reporter.sample.generator import generate

BOT = "copilot-swe-agent[bot]"
AI_TRAILER = r"(?m)^(?:Co-authored-by: (?:Claude|Copilot|Cursor)|Assisted-by: )"
AI_BODY = r"(?m)^(?:\S+ )?Generated with \[Claude Code\]|^https://chatgpt\.com/codex/tasks/"
# default range: 70 ISO weeks to 2026-11-22, i.e. from Monday 2026-11-16 back 69 weeks
START = pd.Timestamp("2025-07-21", tz="UTC")
WEEKS = 70
# The three demo periods (fiscal years start in February: 2027-Q3 is August-October 2026) and the
# first day of the period before each (its baseline), by hand from the calendar.
DEMOS = {
    "weekly 2026-W47": ("2026-11-16", "2026-11-23", "2026-10-19"),  # baseline: 4 weeks
    "monthly 2026-10": ("2026-10-01", "2026-11-01", "2026-07-01"),  # baseline: 3 months
    "quarterly 2027-Q3": ("2026-08-01", "2026-11-01", "2026-05-01"),  # baseline: 1 quarter
}

UNIQUE_KEYS = {
    "people.csv": ["person"],
    "pull_requests.csv": ["id"],
    "commits.csv": ["sha"],
    "deployments.csv": ["id"],
    "incidents.csv": ["id"],
    "ai_usage.csv": ["date", "person", "tool", "feature"],
    "seats.csv": ["tool", "person"],
    "work_items.csv": ["id"],
    "support_tickets.csv": ["id"],
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[pathlib.Path, dict[str, int]]:
    """The default organisation: the story must be visible at the size of the demo."""
    out = tmp_path_factory.mktemp("sample")
    return out, generate(out)


@pytest.fixture(scope="module")
def out(sample) -> pathlib.Path:
    return sample[0]


def read(out: pathlib.Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, dtype=str, keep_default_na=False)


def stamp(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.replace("", None), utc=True, format="%Y-%m-%dT%H:%M:%SZ")


def config(out: pathlib.Path) -> dict:
    return yaml.safe_load((out / "reporter.yaml").read_text(encoding="utf-8"))


def week_of(times: pd.Series) -> pd.Series:
    return (times - START).dt.days // 7


def merged_prs(out: pathlib.Path) -> pd.DataFrame:
    """Merged PRs with their stages (hours), size, owning team and service, AI flag."""
    prs = read(out, "pull_requests.csv")
    for column in ("created_at", "merged_at", "first_commit_at", "first_review_at"):
        prs[column] = stamp(prs[column])
    trailers = read(out, "commits.csv").query("message.str.contains(@AI_TRAILER)", engine="python")
    prs["ai"] = (
        (prs.ai_assisted == "true")
        | prs.labels.str.split(";").apply(lambda labels: "ai-assisted" in labels)
        | prs.id.isin(trailers.pr_id)
        | prs.body.str.contains(AI_BODY)
        | (prs.author == BOT)
    )
    services = config(out)["services"]
    prs["service"] = prs.repo.map({r: s for s, v in services.items() for r in v["repos"]})
    prs["team"] = prs.repo.map({r: v["team"] for v in services.values() for r in v["repos"]})
    prs["size"] = prs.additions.astype(int) + prs.deletions.astype(int)
    prs["pickup"] = (prs.first_review_at - prs.created_at).dt.total_seconds() / 3600
    prs["coding"] = (prs.created_at - prs.first_commit_at).dt.total_seconds() / 3600
    prs["week"] = week_of(prs.merged_at)
    return prs[prs.merged_at.notna()]


# --- determinism and shape -------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_other_prs(tmp_path):
    small = dict(engineers=15, teams=3, weeks=8)
    first = generate(tmp_path / "a", **small)
    second = generate(tmp_path / "b", **small)
    other = generate(tmp_path / "c", seed=8, **small)
    assert first == second
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
    assert other != first
    prs = (tmp_path / "a" / "pull_requests.csv").read_bytes()
    assert (tmp_path / "c" / "pull_requests.csv").read_bytes() != prs


def test_every_file_has_exactly_the_contract_columns_and_fills_each(sample):
    """Header = the data contract's columns in its order; every column holds a value somewhere, so
    a column added to the contract without teaching the sample to fill it fails here."""
    out, counts = sample
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{name}.csv" for name in DATASETS] + ["reporter.yaml"])
    for name, spec in DATASETS.items():
        with open(out / f"{name}.csv", encoding="utf-8") as f:
            assert f.readline().rstrip("\n") == ",".join(c.name for c in spec.columns), name
        frame = read(out, f"{name}.csv")
        assert counts[f"{name}.csv"] == len(frame) > 0, name
        assert not [c for c in frame.columns if (frame[c] == "").all()], name


def test_ids_are_unique(out):
    for name, key in UNIQUE_KEYS.items():
        frame = read(out, name)
        assert not frame.duplicated(key).any(), name


def test_pull_request_timeline_is_consistent(out):
    prs = read(out, "pull_requests.csv")
    created, merged = stamp(prs.created_at), stamp(prs.merged_at)
    first_commit, first_review = stamp(prs.first_commit_at), stamp(prs.first_review_at)
    assert not (merged < created).any()
    assert not (first_commit > created).any()
    assert not (first_review < created).any()
    assert (prs.closed_at[merged.notna()] == prs.merged_at[merged.notna()]).all()
    assert created.min() >= START and created.max() < START + pd.Timedelta(weeks=WEEKS)
    commits = read(out, "commits.csv")
    earliest = stamp(commits.authored_at).groupby(commits.pr_id).min()
    assert (earliest == first_commit.set_axis(prs.id).loc[earliest.index]).all()
    assert 0.02 < first_commit.isna().mean() < 0.08


def test_incidents_are_acknowledged_between_opening_and_resolution(out):
    incidents = read(out, "incidents.csv")
    opened, acked, resolved = (stamp(incidents[c]) for c in ("opened_at", "acknowledged_at", "resolved_at"))
    assert acked.notna().mean() > 0.9
    assert not (acked < opened).any() and not (acked > resolved).any()


def test_period_ends_with_the_iso_week_of_end_date(tmp_path):
    generate(tmp_path, engineers=10, teams=2, weeks=5, end_date=datetime.date(2026, 3, 4))  # a Wednesday
    created = stamp(read(tmp_path, "pull_requests.csv").created_at)
    assert created.min() >= pd.Timestamp("2026-02-02", tz="UTC")
    assert created.max() < pd.Timestamp("2026-03-09", tz="UTC")


def test_larger_organisations_get_generated_team_names(tmp_path):
    generate(tmp_path, engineers=40, teams=8, weeks=6)
    people = read(tmp_path, "people.csv")
    assert (people.role == "engineer").sum() == 40
    assert people.team.nunique() == 8
    assert list(config(tmp_path)["teams"])[:6] == ["payments", "platform", "mobile", "web", "data", "growth"]


# --- the organisation ------------------------------------------------------------------


def test_rollouts_are_staggered_mondays_inside_the_range_with_a_comparison_group(out):
    teams = config(out)["teams"]
    rollouts = [v["ai_rollout"] for v in teams.values() if "ai_rollout" in v]
    assert len(rollouts) == 4 and len(teams) - len(rollouts) == 2
    assert len(set(rollouts)) == 4
    for day in rollouts:
        assert isinstance(day, datetime.date) and day.weekday() == 0
        assert START.date() < day < (START + pd.Timedelta(weeks=WEEKS)).date()


def test_the_default_range_covers_fifteen_whole_months(out):
    created = stamp(read(out, "pull_requests.csv").created_at)
    assert created.min() < pd.Timestamp("2025-08-01", tz="UTC")  # August 2025 .. October 2026 whole
    assert created.max() >= pd.Timestamp("2026-11-20", tz="UTC")  # the data runs to its end date


@pytest.mark.parametrize("demo", sorted(DEMOS))
def test_every_demo_period_has_a_baseline_a_fresh_rollout_and_teams_to_compare_with(out, demo):
    """What a difference-in-differences needs for each demo period: a team that adopted before the
    period ended with 13 whole weeks of data before its rollout, and comparison teams that had not
    adopted by then, pooling at least the privacy minimum of engineers; and data for its baseline."""
    start, end, baseline = (pd.Timestamp(d, tz="UTC") for d in DEMOS[demo])
    assert baseline >= START + pd.Timedelta(weeks=13)  # a quarter of data before the baseline too
    teams = config(out)["teams"]
    rollout = {t: pd.Timestamp(v["ai_rollout"], tz="UTC") for t, v in teams.items() if "ai_rollout" in v}
    adopted = [t for t, day in rollout.items() if day < end and day - pd.Timedelta(weeks=13) >= START]
    recent = [t for t in adopted if rollout[t] >= start - pd.Timedelta(weeks=13)]
    assert recent, demo  # a rollout inside the period or in the quarter before it
    comparison = [t for t in teams if t not in rollout or rollout[t] >= end]
    people = read(out, "people.csv").query("role == 'engineer'")
    assert comparison and people.team.isin(comparison).sum() >= config(out)["privacy"]["min_group_size"]


def test_monthly_pulses_give_every_quarter_three(out):
    surveys = read(out, "surveys.csv")
    dates = pd.to_datetime(surveys.date)
    assert (dates.dt.day_of_week == 3).all() and dates.dt.day.between(8, 14).all()  # second Thursday
    for first, last in (("2026-05-01", "2026-07-31"), ("2026-08-01", "2026-10-31")):  # 2027-Q2, 2027-Q3
        inside = surveys[dates.between(first, last)]
        assert inside.date.nunique() == 3 and set(inside.team) == set(config(out)["teams"])


def test_one_team_is_smaller_than_the_privacy_minimum(out):
    people = read(out, "people.csv")
    engineers = people[people.role == "engineer"].groupby("team").size()
    assert engineers["data"] == 4 < config(out)["privacy"]["min_group_size"]
    assert engineers.sum() == 58
    assert {"manager", "product", "designer"} <= set(people.role)
    assert BOT not in set(people.person)


# --- the story -------------------------------------------------------------------------


def test_adoption_rises_after_each_rollout_and_not_in_the_control_group(out):
    people = read(out, "people.csv").query("role == 'engineer'")
    usage = read(out, "ai_usage.csv").merge(people[["person", "team"]], on="person")
    usage["week"] = week_of(pd.to_datetime(usage.date).dt.tz_localize("UTC"))
    active = usage.groupby(["team", "week"]).person.nunique().unstack(fill_value=0)
    engineers = people.groupby("team").size()
    share = active.reindex(index=engineers.index, columns=range(WEEKS), fill_value=0).div(engineers, axis=0)
    for team, settings in config(out)["teams"].items():
        if "ai_rollout" in settings:
            week = (pd.Timestamp(settings["ai_rollout"], tz="UTC") - START).days // 7
            # ~30% in the first week, rising by ~7 points a week (the latest rollout has 7 weeks)
            first, later = share.loc[team, week], share.loc[team, week + 5:].mean()
            assert first < 0.5 and later > 0.6 and later > first + 0.2, team
            assert share.loc[team, : week - 1].mean() < 0.2, team
        else:
            assert share.loc[team].mean() < 0.25, team


def test_ai_assisted_prs_are_larger_and_marked_every_way(out):
    prs = merged_prs(out)
    ai, other = prs[prs.ai], prs[~prs.ai]
    assert ai["size"].median() > 1.4 * other["size"].median()
    assert (ai.ai_assisted == "true").any() and ai.labels.str.contains("ai-assisted").any()
    assert (ai.author == BOT).any() and (ai.ai_assisted == "").sum() > 0.4 * len(ai)
    assert ai.body.str.contains(AI_BODY).any() and (other.body == "").all()
    assert set(other.ai_assisted) <= {"", "false"}


def test_payments_review_queue_grows_while_its_coding_time_falls(out):
    payments = merged_prs(out).query("team == 'payments'")
    first, last = payments[payments.week < 8], payments[payments.week >= WEEKS - 4]
    assert last.pickup.median() >= 1.5 * first.pickup.median()
    assert last.coding.median() <= 0.75 * first.coding.median()


def test_edge_gateway_fails_more_after_the_platform_rollout(out):
    deployments = read(out, "deployments.csv")
    deployments["finished_at"] = stamp(deployments.finished_at)
    production = deployments[deployments.environment == "production"].sort_values("finished_at")
    incidents = read(out, "incidents.csv")
    incidents["opened_at"] = stamp(incidents.opened_at)
    unnamed = incidents[(incidents.deployment_id == "") & (incidents.service != "")].sort_values("opened_at")
    previous = pd.merge_asof(
        unnamed, production[["finished_at", "service", "id"]].rename(columns={"id": "previous"}),
        left_on="opened_at", right_on="finished_at", by="service", allow_exact_matches=False,
    )
    caused = set(incidents.deployment_id) | set(previous.previous.dropna())
    shipped = production[production.status == "success"].copy()
    shipped["failed"] = (shipped.rolled_back == "true") | shipped.id.isin(caused)
    shipped["week"] = week_of(shipped.finished_at)
    rollout = (pd.Timestamp(config(out)["teams"]["platform"]["ai_rollout"], tz="UTC") - START).days // 7
    edge = shipped[shipped.service == "edge-gateway"]
    before = edge[edge.week < rollout].failed.mean()
    after = edge[edge.week >= WEEKS - 8].failed.mean()
    others = shipped[(shipped.service != "edge-gateway") & (shipped.week >= WEEKS - 8)].failed.mean()
    assert after > 0.15 and after > 2.5 * before
    assert others < 0.1
