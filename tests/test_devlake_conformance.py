"""Conformance with Apache DevLake's DORA-plugin e2e fixtures (vendored in tests/vendor/devlake).

The DevLake tables go through the importer, then through reporter's own loader and metric code
(``prepare``); the per-PR spans, in whole minutes rounded up with negatives as NULL, must equal
DevLake's expected rows. Where the two definitions differ, the test pins reporter's value,
computed by hand, next to DevLake's and says why (see also reporter/importers/devlake.py).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from conftest import write_inputs
from reporter.config import Config
from reporter.importers.base import ImportContext
from reporter.importers.devlake import devlake_time, import_devlake_project, previous_success_ids
from reporter.importers.people import PeopleMap
from reporter.inputs.load import load_inputs
from reporter.metrics.prepare import Prepared, prepare

# Vendored (Apache-2.0, LICENSE/NOTICE beside it) so the tests run, never skip, in every clone.
CONFORMANCE = Path(__file__).resolve().parent / "vendor" / "devlake"

SPANS = {"pr_coding_time": "coding_h", "pr_pickup_time": "pickup_h", "pr_review_time": "review_h",
         "pr_deploy_time": "deploy_h"}

# (pr, DevLake column) -> (reporter's value in minutes, computed by hand; why it differs)
PIPELINE_END = ("the canonical deployment pipeline4 ends when its last commit does (07:30:34); DevLake "
                "stops at the commit of the PR's repo (commit 5, 07:29:14)")
DIFFERENCES_BY_DEPLOYMENT = {
    # merged 04-11 05:51:47 -> 04-13 07:30:34 = 2 d 1 h 38 min 47 s = 2978.8 -> 2979
    ("pr1", "pr_deploy_time"): (2979, PIPELINE_END),
    # merged 04-12 05:51:47 -> 04-13 07:30:34 = 1 d 1 h 38 min 47 s = 1538.8 -> 1539
    ("pr2", "pr_deploy_time"): (1539, PIPELINE_END),
    # first commit 04-10 04:51:47 -> 04-13 07:30:34 = 4478.8 -> 4479
    ("pr1", "pr_cycle_time"): (4479, PIPELINE_END),
    # first commit 04-13 04:51:47 (after the PR was opened) -> 07:30:34 = 158.8 -> 159
    ("pr2", "pr_cycle_time"): (159, "reporter's lead time starts at the first commit even when it comes after "
                                    "the PR was opened; DevLake counts that coding time as 0 and starts at created"),
    # first commit 04-07 04:51:47 -> deployed 04-13 07:30:34 = 6 d 2 h 38 min 47 s = 8798.8 -> 8799
    ("pr3", "pr_cycle_time"): (8799, "the deployment finished before the merge: reporter's lead time still ends at "
                                     "the deployment, DevLake's cycle time stops at the merge (deploy part NULL = 0)"),
}
DIFFERENCES_BY_REPO = {
    # first commit 04-13 04:51:47 -> commit 5 finished 07:29:14 = 157.45 -> 158
    ("pr2", "pr_cycle_time"): (158, DIFFERENCES_BY_DEPLOYMENT[("pr2", "pr_cycle_time")][1]),
    ("pr3", "pr_cycle_time"): DIFFERENCES_BY_DEPLOYMENT[("pr3", "pr_cycle_time")],
}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def minutes(hours: float) -> int | None:
    """DevLake's rounding: whole minutes rounded up; a negative span is NULL."""
    if hours is None or math.isnan(hours):
        return None
    seconds = round(hours * 3600)  # the canonical timestamps are whole seconds
    return None if seconds < 0 else -(-seconds // 60)


def _run(folder: Path, tmp: Path, split_by_repo: bool = False) -> tuple[Prepared, dict]:
    result = import_devlake_project([folder], ImportContext(PeopleMap(), Config()), project="project1",
                                    split_by_repo=split_by_repo)
    assert result.issues == []
    inputs = load_inputs(write_inputs(tmp, **result.rows), ZoneInfo("UTC"))
    assert inputs.skipped == []
    return prepare(inputs, Config()), result.rows


@pytest.fixture(scope="module", params=[False, True], ids=["by_deployment", "by_repo"])
def lead_time(request, tmp_path_factory):
    prep, rows = _run(CONFORMANCE / "change_lead_time", tmp_path_factory.mktemp("clt"), request.param)
    differences = DIFFERENCES_BY_REPO if request.param else DIFFERENCES_BY_DEPLOYMENT
    return prep, rows, differences, request.param


def _expected_prs() -> list[dict[str, str]]:
    return _csv(CONFORMANCE / "change_lead_time" / "project_pr_metrics.expected.csv")


def _expected_value(text: str) -> int | None:
    return int(text) if text else None


def test_every_pr_span_matches_devlake_or_a_documented_difference(lead_time):
    prep, _, differences, _ = lead_time
    prs = prep.prs.set_index("id")
    matched = total = 0
    for expected in _expected_prs():
        pr = prs.loc[expected["id"]]
        deployed = bool(expected["deployment_commit_id"])
        columns = dict(SPANS, pr_cycle_time="lead_h" if deployed else "cycle_h")
        for devlake_column, reporter_column in columns.items():
            want = _expected_value(expected[devlake_column])
            got = minutes(pr[reporter_column])
            total += 1
            if (expected["id"], devlake_column) in differences:
                hand, _why = differences[(expected["id"], devlake_column)]
                assert got == hand and got != want, (expected["id"], devlake_column)
            else:
                assert got == want, (expected["id"], devlake_column, got, want)
                matched += 1
    assert total == 30 and matched == total - len(differences)


def test_only_merged_prs_are_measured(lead_time):
    prep, _, _, _ = lead_time
    prs = prep.prs.set_index("id")
    assert sorted(prs.index) == ["pr0", "pr1", "pr2", "pr3", "pr4", "pr5", "pr6"]
    assert pd.isna(prs.loc["pr6", "merged_at"]) and pd.isna(prs.loc["pr6", "cycle_h"])  # pr6 is not in DevLake's rows


def test_pr_boundaries_are_devlakes(lead_time):
    """first commit, first comment, created and merged: the instants every span is built from."""
    prep, _, _, _ = lead_time
    prs = prep.prs.set_index("id")
    for expected in _expected_prs():
        pr = prs.loc[expected["id"]]
        for devlake_column, column in (("first_commit_authored_date", "first_commit_at"),
                                       ("first_comment_date", "first_review_at"),
                                       ("pr_created_date", "created_at"), ("pr_merged_date", "merged_at")):
            want = devlake_time(expected[devlake_column])
            got = None if pd.isna(pr[column]) else pr[column].to_pydatetime()
            assert got == want, (expected["id"], column)


def test_prs_ship_with_devlakes_deployment(lead_time):
    """The PR's deployment is the one holding DevLake's deployment commit (pr0, pr4, pr5: none)."""
    prep, _, _, by_repo = lead_time
    commits = {r["id"]: r for r in _csv(CONFORMANCE / "change_lead_time" / "cicd_deployment_commits.csv")}
    prs = prep.prs.set_index("id")
    for expected in _expected_prs():
        pr = prs.loc[expected["id"]]
        commit = commits.get(expected["deployment_commit_id"])
        if commit is None:
            assert pd.isna(pr["deployment"]) and pd.isna(pr["deployed_at"]), expected["id"]
            continue
        repo = commit["repo_url"]
        assert pr["deployment"] == (f"{commit['cicd_deployment_id']}:{repo}" if by_repo
                                    else commit["cicd_deployment_id"])
        if by_repo:
            assert pr["deployed_at"].to_pydatetime() == devlake_time(expected["pr_deployed_date"])
        else:  # the pipeline's last successful production commit: commit 6 of pipeline4
            assert pr["deployed_at"].to_pydatetime() == devlake_time("2023-04-13T07:30:34.000+00:00")


def test_devlake_lead_time_median(lead_time):
    """DevLake's lead time: the 'median' (max x with percent_rank <= 0.5) of [1598, 4478, 10203] = 4478 min.

    Reporter's lead times for the same PRs are [4479, 159, 8799] (by deployment) or [4478, 158, 8799]
    (by repo); with three values the interpolated median is the middle one.
    """
    prep, _, _, by_repo = lead_time
    prs = prep.prs.set_index("id")
    lead = sorted(minutes(prs.loc[p, "lead_h"]) for p in ("pr1", "pr2", "pr3"))
    assert lead == ([158, 4478, 8799] if by_repo else [159, 4479, 8799])
    devlake = sorted(int(r["pr_cycle_time"]) for r in _expected_prs() if r["deployment_commit_id"])
    assert devlake == [1598, 4478, 10203]
    assert lead[1] == (4478 if by_repo else 4479)


# ---------------------------------------------------------------------------
# Incidents -> deployments (change failure rate)


@pytest.fixture(scope="module")
def incidents(tmp_path_factory):
    return _run(CONFORMANCE / "connect_incident_to_deployment", tmp_path_factory.mktemp("inc"))


def test_incident_deployment_links_match_devlake(incidents):
    prep, rows = incidents
    expected = {r["id"]: r["deployment_id"] for r in _csv(
        CONFORMANCE / "connect_incident_to_deployment" / "project_incident_deployment_relationships.expected.csv")}
    imported = {r["id"]: r.get("deployment_id") for r in rows["incidents"]}
    assert imported == expected  # the repo3 incident (project2) is not imported at all
    linked = dict(zip(prep.incidents["id"], prep.incidents["deployment"]))
    assert linked == expected


def test_incident_linked_by_commit_time_not_deployment_end(incidents):
    """...478 (09-15 01:56) goes to pipeline2 via commit 3 (09-14), though pipeline2 ended 09-15 06:51."""
    prep, _ = incidents
    deps = prep.deployments.set_index("id")
    assert deps.loc["pipeline2", "finished_at"].to_pydatetime() == devlake_time("2022-09-15 06:51:47")
    inc = prep.incidents.set_index("id")
    assert inc.loc["github:GithubIssue:1:1373792478", "deployment"] == "pipeline2"


def test_change_failure_rate_and_deployment_days_as_devlake(incidents):
    """README derivation: 5 production deployments, pipeline2 and pipeline7 failed: CFR 2/5."""
    prep, _ = incidents
    deps = prep.deployments
    assert sorted(deps["id"]) == ["pipeline1", "pipeline2", "pipeline4", "pipeline6", "pipeline7"]
    assert sorted(deps.loc[deps["failed"], "id"]) == ["pipeline2", "pipeline7"]
    assert deps["failed"].sum() / len(deps) == pytest.approx(0.4)
    days = sorted(deps["finished_at"].dt.strftime("%m-%d"))
    assert days == ["09-12", "09-15", "09-17", "09-21", "09-24"]


# ---------------------------------------------------------------------------
# Deployment chaining (used when an export lacks prev_success_deployment_commit_id)


def test_previous_success_chain_matches_devlake():
    folder = CONFORMANCE / "prev_success_deployment_commit"
    before = _csv(folder / "cicd_deployment_commits_before.csv")
    after = {r["id"]: r["prev_success_deployment_commit_id"]
             for r in _csv(folder / "cicd_deployment_commits_after.expected.csv")}
    assert previous_success_ids(before) == after
