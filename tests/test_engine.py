"""The windowed read (reporter/inputs/plan.py + engine.py): a report reads only the rows and columns
it needs, and its metrics.json is what reading every row gives.

The hand-made folder below holds rows outside any naive window that still change the report: a PR
merged a year before its service's first deployment (lead time in the period), a PR a deployment of
the period lists by id, a PR merged in the period whose deployment comes months later, a commit a
year old carrying the AI trailer of a PR merged in the period, an incident after the period that
fails one of its deployments, one opened months before and resolved in it, open work items years old.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import reporter.build as build
from conftest import write_inputs
from reporter.build import compute_report
from reporter.errors import InputError
from reporter.inputs import plan as plan_mod
from reporter.inputs.load import load_inputs, survey_inputs
from reporter.inputs.plan import DatasetRead, Range, ReadPlan, report_plan

UTC = dt.timezone.utc
TODAY = dt.date(2026, 12, 1)


def iso(*args) -> str:
    return dt.datetime(*args, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def edge_folder(folder: Path) -> Path:
    """Two teams, weekly PRs and weekday deployments from 2025-01 to 2026-08, plus the edge rows."""
    people = [{"person": f"p{i}", "team": "alpha" if i < 4 else "beta", "role": "engineer"} for i in range(8)]
    prs, commits, deps = [], [], []
    day, n = dt.datetime(2025, 1, 6, 9, tzinfo=UTC), 0
    while day < dt.datetime(2026, 8, 31, tzinfo=UTC):
        for i in range(8):
            n += 1
            created = day + dt.timedelta(hours=i * 3)
            merged = created + dt.timedelta(hours=5 + (n * 7) % 40)
            repo = "alpha" if i < 4 else "beta"
            prs.append({"id": f"{repo}#{n}", "repo": repo, "author": f"p{i}", "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "merged_at": merged.strftime("%Y-%m-%dT%H:%M:%SZ"), "additions": 10 + n % 300, "deletions": n % 7})
            commits.append({"sha": f"c{n}", "authored_at": (created - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "pr_id": f"{repo}#{n}", "author": f"p{i}", "message": "work"})
        day += dt.timedelta(days=7)
    d, k = dt.datetime(2025, 1, 6, 17, tzinfo=UTC), 0
    while d < dt.datetime(2026, 8, 31, tzinfo=UTC):
        if d.weekday() < 5:
            for service in ("alpha", "beta"):
                k += 1
                deps.append({"id": f"d{k}", "service": service, "finished_at": d.strftime("%Y-%m-%dT%H:%M:%SZ"),
                             "environment": "production", "status": "success", "rolled_back": "false"})
        d += dt.timedelta(days=1)
    # Lead time in 2026-W20 of a PR merged in 2025: gamma's first deployment is in the week.
    prs.append({"id": "gamma#1", "repo": "gamma", "author": "p5", "created_at": iso(2025, 1, 9, 9),
                "merged_at": iso(2025, 1, 10, 9)})
    deps.append({"id": "g1", "service": "gamma", "finished_at": iso(2026, 5, 13, 10), "environment": "production",
                 "status": "success"})
    # A deployment of the week lists a PR merged a year before (AI by its label).
    prs.append({"id": "alpha#old", "repo": "alpha", "author": "p1", "created_at": iso(2025, 5, 30, 9),
                "merged_at": iso(2025, 6, 1, 9), "labels": "ai"})
    deps.append({"id": "dlist", "service": "alpha", "finished_at": iso(2026, 5, 12, 11), "environment": "production",
                 "status": "success", "pr_ids": "alpha#old"})
    # Merged in the week, first deployed in July: its deploy time needs a deployment after the period.
    prs.append({"id": "delta#1", "repo": "delta", "author": "p2", "created_at": iso(2026, 5, 14, 9),
                "merged_at": iso(2026, 5, 15, 9)})
    deps.append({"id": "de1", "service": "delta", "finished_at": iso(2026, 7, 1, 9), "environment": "production",
                 "status": "success"})
    # Merged in the week, no first_commit_at: its commit (AI trailer) is a year old.
    prs.append({"id": "alpha#slow", "repo": "alpha", "author": "p3", "created_at": iso(2026, 5, 11, 9),
                "merged_at": iso(2026, 5, 12, 9)})
    commits.append({"sha": "old1", "authored_at": iso(2025, 5, 11, 9), "pr_id": "alpha#slow", "author": "p3",
                    "message": "start\n\nCo-authored-by: Cursor <cursoragent@cursor.com>"})
    incidents = [
        {"id": "i1", "opened_at": iso(2026, 5, 20, 9), "resolved_at": iso(2026, 5, 20, 12), "service": "gamma"},
        {"id": "i2", "opened_at": iso(2026, 3, 1, 9), "resolved_at": iso(2026, 5, 14, 9), "service": "alpha"},
        {"id": "i3", "opened_at": iso(2026, 8, 1, 9), "resolved_at": iso(2026, 8, 1, 10), "deployment_id": "dlist"},
        {"id": "i4", "opened_at": iso(2025, 3, 1, 9), "resolved_at": iso(2025, 3, 1, 10), "service": "beta"},
    ]
    work = [{"id": f"w{j}", "type": "story", "created_at": iso(2025, 1 + j % 12, 1 + j % 27, 9), "team": "alpha",
             "initiative": "core", "done_at": "" if j % 5 == 0 else iso(2026, 1 + j % 8, 2, 9)} for j in range(60)]
    config = {"organization": "Edge", "timezone": "Europe/Berlin", "teams": {"alpha": {"ai_rollout": "2026-03-02"}},
              "services": {"alpha": {"team": "alpha", "repos": ["alpha"]}, "beta": {"team": "beta", "repos": ["beta"]},
                           "gamma": {"team": "beta", "repos": ["gamma"]}, "delta": {"team": "alpha", "repos": ["delta"]}},
              "privacy": {"min_group_size": 2}}
    return write_inputs(folder, config, people=people, pull_requests=prs, commits=commits, deployments=deps,
                        incidents=incidents, work_items=work)


@pytest.fixture(scope="module")
def edge(tmp_path_factory) -> Path:
    return edge_folder(tmp_path_factory.mktemp("edge") / "in")


def _without_window(doc: dict) -> dict:
    doc = json.loads(build.to_json(doc))
    doc["data_quality"].pop("validated_window")
    return doc


def _full(monkeypatch, *args, **kwargs) -> dict:
    """The same report reading every row (no plan)."""
    with monkeypatch.context() as m:
        m.setattr(build, "read_plan", lambda *a, **k: None)
        return compute_report(*args, **kwargs)


@pytest.mark.parametrize("cadence,period", [("weekly", "2026-W20"), ("monthly", "2026-05"), ("quarterly", "2026-Q2"),
                                            ("weekly", "2025-W30"), ("weekly", None)])
def test_windowed_report_equals_reading_every_row(edge, monkeypatch, cadence, period):
    windowed = compute_report(cadence, edge, period_id=period, today=TODAY)
    full = _full(monkeypatch, cadence, edge, period_id=period, today=TODAY)
    assert _without_window(windowed) == _without_window(full)
    window = windowed["data_quality"]["validated_window"]["datasets"]["pull_requests"]
    assert window["read"] < window["rows"]  # it did read a window, not everything


def test_the_edge_rows_matter(edge, monkeypatch):
    """A naive window (PRs merged or created in the window only, commits authored in it) changes the
    week's numbers: the test above could fail."""
    right = compute_report("weekly", edge, period_id="2026-W20", today=TODAY)["metrics"]
    with monkeypatch.context() as m:
        m.setattr(plan_mod, "pull_request_read", lambda plan, deps, inc: DatasetRead(
            plan_mod.columns_for("pull_requests"),
            (Range("merged_at", plan.start, plan.end), Range("created_at", plan.start, plan.end))))
        m.setattr(plan_mod, "commit_read", lambda plan, ids: DatasetRead(
            plan_mod.columns_for("commits"), (Range("authored_at", plan.start, plan.end),)))
        import reporter.inputs.load as load
        m.setattr(load, "pull_request_read", plan_mod.pull_request_read)
        m.setattr(load, "commit_read", plan_mod.commit_read)
        naive = compute_report("weekly", edge, period_id="2026-W20", today=TODAY)["metrics"]
    # By hand: the naive read loses gamma#1 (merged 2025-01-10, shipped by gamma's first deployment on
    # 2026-05-13) and alpha#old (listed by dlist on 2026-05-12) from the week's lead times; alpha#old is AI
    # by its label, and alpha#slow (deployed in the week) is AI only by its year-old commit's trailer.
    assert right["lead_time_hours"]["n"] == naive["lead_time_hours"]["n"] + 2
    assert right["lead_time_hours"]["by_cohort"]["ai"]["n"] == naive["lead_time_hours"]["by_cohort"]["ai"]["n"] + 2
    assert right["merged_prs"]["by_cohort"]["ai"]["value"] == naive["merged_prs"]["by_cohort"]["ai"]["value"] + 1


def test_coverage_counts_rows_outside_the_window(edge):
    doc = compute_report("weekly", edge, period_id="2026-W20", today=TODAY)
    cov = doc["coverage"]["datasets"]
    assert cov["pull_requests"]["first_day"] == "2025-01-06"  # Berlin: 2025-01-06 10:00
    assert cov["commits"]["first_day"] == "2025-01-06"
    assert cov["incidents"]["last_day"] == "2026-08-01"


# ---------------------------------------------------------------------------
# Validation over the rows read: exact listing, strict mode, row numbers a person looks up

PRS = ["id,repo,author,created_at,merged_at,additions",
       "1,web,ann,2026-01-05T09:00:00Z,2026-01-05T10:00:00Z,oops",   # row 2: outside, invalid
       "2,web,ann,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z,5",      # row 3: inside
       "3,web,bob,2026-03-03T09:00:00Z,2026-03-03T10:00:00Z,-4",     # row 4: inside, invalid
       "4,web,bob,2026-03-04T09:00:00Z,,12",                          # row 5: inside (created)
       "3,web,cy,2026-03-05T09:00:00Z,2026-03-05T11:00:00Z,1",        # row 6: inside (3 was skipped: kept)
       "5,web,cy,2026-05-05T09:00:00Z,2026-05-05T11:00:00Z,1",        # row 7: outside
       "2,web,cy,2026-03-06T09:00:00Z,2026-03-06T11:00:00Z,1"]        # row 8: inside, duplicate of row 3


def _plan() -> ReadPlan:
    plan = report_plan(dt.date(2026, 3, 2), dt.date(2026, 3, 9), ZoneInfo("UTC"))
    return plan.with_read("pull_requests", DatasetRead(plan_mod.columns_for("pull_requests"), (
        Range("merged_at", plan.start, plan.end), Range("created_at", plan.start, plan.end))))


def _write(folder: Path, lines: list[str]) -> Path:
    """The PRs, and people who know their authors (an unknown author's rows are all read: the
    warning about unknown identities counts every row)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pull_requests.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "people.csv").write_text("person,team\nann,web\nbob,web\ncy,web\n", encoding="utf-8")
    return folder


def test_skipped_rows_are_listed_exactly_among_the_rows_read(tmp_path):
    folder = _write(tmp_path / "in", PRS)
    tz = ZoneInfo("UTC")
    got = load_inputs(folder, tz, plan=_plan(), survey=survey_inputs(folder, tz))
    assert [i.as_dict() for i in got.skipped] == [
        {"file": "pull_requests.csv", "row": 4, "id": "3", "column": "additions",
         "reason": "must not be negative, got '-4'"},
        {"file": "pull_requests.csv", "row": 8, "id": "2", "column": "id",
         "reason": "duplicate id '2': first seen at row 3"},
    ]
    assert sorted(got["pull_requests"]["id"]) == ["2", "3", "4"]
    assert got.window["pull_requests"] == {"rows": 7, "read": 5, "where": [
        "merged_at from 2026-03-01 before 2026-03-10", "created_at from 2026-03-01 before 2026-03-10"]}
    # Reading everything lists the invalid row outside the window too (and nothing else changes).
    every = load_inputs(folder, tz)
    assert [(i.row, i.column) for i in every.skipped] == [(2, "additions"), (4, "additions"), (8, "id")]
    # Coverage reaches the rows not read (not validated: row 2's dates count, its bad additions unseen).
    assert str(got.extent("pull_requests", "created_at")[0]) == "2026-01-05 09:00:00+00:00"
    assert str(every.extent("pull_requests", "created_at")[0]) == "2026-03-02 09:00:00+00:00"
    assert str(got.extent("pull_requests", "merged_at")[1]) == "2026-05-05 11:00:00+00:00"


def test_strict_stops_at_the_first_invalid_row_read(tmp_path):
    folder = _write(tmp_path / "in", PRS)
    tz = ZoneInfo("UTC")
    with pytest.raises(InputError) as err:
        load_inputs(folder, tz, strict=True, plan=_plan(), survey=survey_inputs(folder, tz))
    assert str(err.value) == ("invalid input (2 problems, --strict):\n  pull_requests.csv, row 4, id '3', "
                              "column 'additions': must not be negative, got '-4'\n  pull_requests.csv, row 8, "
                              "id '2', column 'id': duplicate id '2': first seen at row 3")
    # An invalid row outside the window does not stop a strict build: it is not read.
    ok = _write(tmp_path / "ok", [PRS[0], PRS[1], PRS[2], PRS[6]])
    assert len(load_inputs(ok, tz, strict=True, plan=_plan(), survey=survey_inputs(ok, tz))["pull_requests"]) == 1


def test_a_skipped_row_holding_the_last_day_does_not_count(tmp_path):
    lines = [PRS[0], PRS[2], "9,web,ann,2026-03-04T09:00:00Z,2026-03-08T10:00:00Z,-1"]  # last merge, invalid
    folder = _write(tmp_path / "in", lines)
    tz = ZoneInfo("UTC")
    got = load_inputs(folder, tz, plan=_plan(), survey=survey_inputs(folder, tz))
    every = load_inputs(folder, tz)
    assert got.extent("pull_requests", "merged_at") == every.extent("pull_requests", "merged_at")
    assert str(got.extent("pull_requests", "merged_at")[1]) == "2026-03-02 10:00:00+00:00"


def test_rows_of_unknown_identities_are_all_read(tmp_path):
    """So that the warning about identities people does not know counts every row, as before."""
    folder = _write(tmp_path / "in", PRS[:3] + ["8,web,zed,2025-01-05T09:00:00Z,2025-01-05T10:00:00Z,1"])
    tz = ZoneInfo("UTC")
    got = load_inputs(folder, tz, plan=_plan(), survey=survey_inputs(folder, tz))
    assert sorted(got["pull_requests"]["id"]) == ["2", "8"]  # 8: zed, outside the window


def test_an_unparseable_time_is_read_and_listed(tmp_path):
    folder = _write(tmp_path / "in", PRS[:1] + ["7,web,ann,5 March 2026,,1"])
    tz = ZoneInfo("UTC")
    got = load_inputs(folder, tz, plan=_plan(), survey=survey_inputs(folder, tz))
    assert [(i.row, i.column) for i in got.skipped] == [(2, "created_at")]


def test_unknown_pr_links_count_the_whole_file(edge, tmp_path):
    """A deployment listing a PR outside the window is not 'not in pull_requests'."""
    deps = (edge / "deployments.csv").read_text().splitlines()
    header = deps[0].split(",")
    row = {"id": "dx", "service": "alpha", "finished_at": "2026-05-12T12:00:00Z", "pr_ids": "alpha#1;ghost#9"}
    deps.append(",".join(row.get(h, "") for h in header))
    folder = tmp_path / "links"
    folder.mkdir()
    for f in edge.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "deployments.csv").write_text("\n".join(deps) + "\n")
    warnings = compute_report("weekly", folder, period_id="2026-W20", today=TODAY)["data_quality"]["warnings"]
    assert [w for w in warnings if "pr_ids" in w] == [
        "1 deployments.pr_ids entries name PRs that are not in pull_requests (e.g. ghost#9); they cannot "
        "contribute lead times"]
