"""The GitHub importers on small hand-made exports: gh JSON, REST pulls with reviews and
commits, deployments with statuses. Expected values are worked out by hand in each test."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reporter.config import Config
from reporter.importers.base import ImportContext, ImportFormatError
from reporter.importers.github_deployments import import_deployments
from reporter.importers.github_prs import import_prs
from reporter.importers.people import PeopleMap

from conftest import write_inputs

ROSTER = [
    {"person": "alice", "team": "core", "email": "alice@acme.com"},
    {"person": "bob", "team": "core", "email": "bob@acme.com"},
    {"person": "carol", "team": "core"},
    {"person": "dave", "team": "web", "aliases": "dave-gh;dave-old"},
]
TRAILER = "Co-authored-by: Claude <noreply@anthropic.com>"


def _ctx() -> ImportContext:
    return ImportContext(PeopleMap.from_rows(ROSTER), Config())


def _write(path: Path, data) -> Path:
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def _gh_review(login, state, at):
    return {"author": {"login": login}, "state": state, "submittedAt": at, "body": ""}


GH_PRS = [
    {  # 1: label ai-assisted; alice reviews and approves her own PR first: neither counts
        "number": 11, "title": "Checkout flow", "url": "https://github.com/acme/shop/pull/11",
        "author": {"login": "alice", "is_bot": False}, "baseRefName": "main",
        "createdAt": "2026-03-02T09:00:00Z", "mergedAt": "2026-03-03T15:00:00Z", "closedAt": "2026-03-03T15:00:00Z",
        "additions": 40, "deletions": 5, "labels": [{"name": "ai-assisted"}, {"name": "backend"}],
        "mergeCommit": {"oid": "m11"},
        "reviews": [
            _gh_review("alice", "COMMENTED", "2026-03-02T09:30:00Z"),
            _gh_review("alice", "APPROVED", "2026-03-02T10:00:00Z"),
            _gh_review("bob", "CHANGES_REQUESTED", "2026-03-02T12:00:00Z"),
            _gh_review("carol", "PENDING", None),
            _gh_review("bob", "APPROVED", "2026-03-03T10:00:00Z"),
        ],
        "commits": [
            {"oid": "a1", "authoredDate": "2026-03-01T18:00:00+01:00", "messageHeadline": "Start",
             "messageBody": "", "authors": [{"login": "alice", "email": "alice@acme.com", "name": "Alice"}]},
            {"oid": "a2", "authoredDate": "2026-03-02T08:00:00Z", "messageHeadline": "Finish",
             "messageBody": "Details here.", "authors": [{"login": "", "email": "bob@acme.com", "name": "Bob"}]},
        ],
    },
    {  # 2: opened by the Copilot coding agent (gh spells GitHub Apps app/NAME), still open
        "number": 12, "title": "Fix typo", "url": "https://github.com/acme/shop/pull/12",
        "author": {"login": "app/copilot-swe-agent", "is_bot": True}, "baseRefName": "main",
        "createdAt": "2026-03-04T10:00:00Z", "mergedAt": None, "closedAt": None,
        "additions": 3, "deletions": 1, "labels": [], "mergeCommit": None, "reviews": [],
        "commits": [{"oid": "b1", "authoredDate": "2026-03-04T09:55:00Z", "messageHeadline": "Fix typo",
                     "messageBody": "", "authors": [{"login": "Copilot", "email": "", "name": "Copilot"}]}],
    },
    {  # 3: a Claude trailer; dave reviews under his other alias (self), carol's comment is first
        "number": 13, "title": "Search", "url": "https://github.com/acme/shop/pull/13",
        "author": {"login": "dave-gh"}, "baseRefName": "main",
        "createdAt": "2026-03-05T08:00:00Z", "mergedAt": None, "closedAt": "2026-03-06T08:00:00Z",
        "additions": 10, "deletions": 0, "labels": [{"name": "search"}], "mergeCommit": None,
        "reviews": [_gh_review("dave-old", "COMMENTED", "2026-03-05T08:10:00Z"),
                    _gh_review("carol", "COMMENTED", "2026-03-05T11:00:00Z")],
        "commits": [{"oid": "c1", "authoredDate": "2026-03-05T07:00:00Z", "messageHeadline": "Add search",
                     "messageBody": TRAILER, "authors": [{"login": "dave-gh", "email": "", "name": "Dave"}]}],
    },
    {  # 4: unreadable creation time
        "number": 14, "title": "Bad", "url": "https://github.com/acme/shop/pull/14", "author": {"login": "bob"},
        "createdAt": "yesterday", "mergedAt": None, "closedAt": None, "reviews": [], "commits": [],
    },
    {  # 5: merged before it was created
        "number": 15, "title": "Worse", "url": "https://github.com/acme/shop/pull/15", "author": {"login": "bob"},
        "createdAt": "2026-03-05T08:00:00Z", "mergedAt": "2026-03-04T08:00:00Z", "closedAt": None,
        "reviews": [], "commits": [],
    },
]


def test_gh_pr_list_json(tmp_path):
    result = import_prs([_write(tmp_path / "prs.json", GH_PRS)], _ctx())
    prs = {r["id"]: r for r in result.rows["pull_requests"]}
    assert prs["shop#11"] == {
        "id": "shop#11", "repo": "shop", "author": "alice", "created_at": "2026-03-02T09:00:00Z",
        "merged_at": "2026-03-03T15:00:00Z", "closed_at": "2026-03-03T15:00:00Z",
        "first_commit_at": "2026-03-01T17:00:00Z",  # 18:00+01:00
        "first_review_at": "2026-03-02T12:00:00Z",  # bob's; alice's own 09:30 and 10:00 do not count
        "approved_at": "2026-03-03T10:00:00Z",
        "additions": "40", "deletions": "5", "labels": "ai-assisted;backend", "title": "Checkout flow",
        "merge_commit_sha": "m11",
    }
    assert prs["shop#12"] == {
        "id": "shop#12", "repo": "shop", "author": "copilot-swe-agent[bot]", "created_at": "2026-03-04T10:00:00Z",
        "first_commit_at": "2026-03-04T09:55:00Z", "additions": "3", "deletions": "1", "title": "Fix typo"}
    assert prs["shop#13"]["author"] == "dave"
    assert prs["shop#13"]["first_review_at"] == "2026-03-05T11:00:00Z"  # dave-old is dave: a self-review
    assert "approved_at" not in prs["shop#13"] and "merged_at" not in prs["shop#13"]
    assert prs["shop#13"]["closed_at"] == "2026-03-06T08:00:00Z"
    assert set(prs) == {"shop#11", "shop#12", "shop#13"}

    commits = {r["sha"]: r for r in result.rows["commits"]}
    assert commits["a1"] == {"sha": "a1", "authored_at": "2026-03-01T17:00:00Z", "pr_id": "shop#11",
                             "author": "alice", "message": "Start"}
    assert commits["a2"]["author"] == "bob"  # no login: the email
    assert commits["a2"]["message"] == "Finish\n\nDetails here."
    assert commits["c1"]["message"] == "Add search\n\n" + TRAILER
    assert commits["b1"]["author"] == "Copilot"

    assert [(i.file, i.line, i.record) for i in result.issues] == [("prs.json", 4, "shop#14"),
                                                                   ("prs.json", 5, "shop#15")]
    assert "createdAt" in result.issues[0].reason and "yesterday" in result.issues[0].reason
    assert result.issues[1].reason == "merged_at is before created_at"
    # label (#11), bot author (#12), trailer (#13), as the build's default rules decide
    assert any("flag 3 of 3 PRs" in n and "label 1, trailer 1, bot author 1" in n for n in result.notes), \
        result.notes


REST_PULLS = [
    {  # the list endpoint: no additions/deletions; reviews and commits embedded as REST returns them
        "url": "https://api.github.com/repos/acme/api/pulls/3", "html_url": "https://github.com/acme/api/pull/3",
        "number": 3, "title": "Rate limits", "user": {"login": "bob", "type": "User"},
        "created_at": "2026-03-10T09:00:00Z", "merged_at": "2026-03-11T09:00:00Z", "closed_at": "2026-03-11T09:00:00Z",
        "merge_commit_sha": "r3", "labels": [{"name": "AI"}], "base": {"ref": "main", "repo": {"name": "api"}},
        "reviews": [
            {"id": 1, "user": {"login": "bob"}, "state": "COMMENTED", "submitted_at": "2026-03-10T09:05:00Z"},
            {"id": 2, "user": {"login": "carol"}, "state": "APPROVED", "submitted_at": "2026-03-10T15:00:00Z"},
        ],
        "commits": [
            {"sha": "r3a", "commit": {"author": {"name": "Bob", "email": "bob@acme.com",
                                                 "date": "2026-03-09T20:00:00Z"}, "message": "Limit rates"},
             "author": {"login": "bob"}},
        ],
    },
    {  # open: REST still gives a merge_commit_sha (the test merge), which is not a merge
        "url": "https://api.github.com/repos/acme/api/pulls/4", "number": 4, "title": "Retry",
        "user": {"login": "alice"}, "created_at": "2026-03-12T09:00:00Z", "merged_at": None, "closed_at": None,
        "merge_commit_sha": "testmerge", "labels": [], "base": {"repo": {"name": "api"}},
    },
]


def test_rest_pulls_with_reviews_commits_bundles_and_detail(tmp_path):
    pulls = _write(tmp_path / "pulls.json", REST_PULLS)
    detail = _write(tmp_path / "pull-4.json", dict(REST_PULLS[1], additions=7, deletions=2, title="Other title"))
    reviews = _write(tmp_path / "reviews-4.json", [
        {"id": 9, "user": {"login": "bob"}, "state": "APPROVED", "submitted_at": "2026-03-12T10:00:00Z",
         "pull_request_url": "https://api.github.com/repos/acme/api/pulls/4"},
        {"id": 10, "user": {"login": "bob"}, "state": "COMMENTED", "submitted_at": "2026-03-12T11:00:00Z",
         "pull_request_url": "https://api.github.com/repos/acme/api/pulls/99"},
    ])
    bundle = _write(tmp_path / "bundle.json", {
        "pull": {"number": 8, "title": "Web thing", "user": {"login": "dave-gh"}, "created_at": "2026-03-01T00:00:00Z",
                 "merged_at": None, "closed_at": None, "base": {"repo": {"name": "web"}}},
        "reviews": [{"id": 20, "user": {"login": "alice"}, "state": "DISMISSED", "submitted_at": "2026-03-01T05:00:00Z"}],
        "commits": [{"sha": "w1", "commit": {"author": {"email": "x@y.z", "date": "2026-02-28T00:00:00Z"},
                                             "message": "Web\n\n" + TRAILER}, "author": None}],
    })
    result = import_prs([pulls, detail, reviews, bundle], _ctx())
    prs = {r["id"]: r for r in result.rows["pull_requests"]}
    assert prs["api#3"] == {
        "id": "api#3", "repo": "api", "author": "bob", "created_at": "2026-03-10T09:00:00Z",
        "merged_at": "2026-03-11T09:00:00Z", "closed_at": "2026-03-11T09:00:00Z",
        "first_commit_at": "2026-03-09T20:00:00Z", "first_review_at": "2026-03-10T15:00:00Z",
        "approved_at": "2026-03-10T15:00:00Z", "labels": "AI", "title": "Rate limits", "merge_commit_sha": "r3"}
    # list row first (its title wins), the detail fills additions/deletions, the loose review attaches
    assert prs["api#4"] == {
        "id": "api#4", "repo": "api", "author": "alice", "created_at": "2026-03-12T09:00:00Z",
        "first_review_at": "2026-03-12T10:00:00Z", "approved_at": "2026-03-12T10:00:00Z",
        "additions": "7", "deletions": "2", "title": "Retry"}
    assert prs["web#8"]["author"] == "dave" and prs["web#8"]["first_review_at"] == "2026-03-01T05:00:00Z"
    assert "approved_at" not in prs["web#8"]
    commits = {r["sha"]: r for r in result.rows["commits"]}
    assert commits["r3a"] == {"sha": "r3a", "authored_at": "2026-03-09T20:00:00Z", "pr_id": "api#3",
                              "author": "bob", "message": "Limit rates"}
    assert commits["w1"]["author"] == "x@y.z" and commits["w1"]["pr_id"] == "web#8"
    assert [(i.file, i.line) for i in result.issues] == [("reviews-4.json", 2)]
    assert "api#99" in result.issues[0].reason
    assert any("2 PRs without additions/deletions" in n for n in result.notes)  # api#3, web#8
    assert any("flag 2 of 3 PRs" in n and "label 1, trailer 1" in n for n in result.notes), result.notes


def test_paginated_output_back_to_back_arrays(tmp_path):
    page1, page2 = json.dumps([REST_PULLS[0]]), json.dumps([REST_PULLS[1]])
    (tmp_path / "pages.json").write_text(page1 + page2 + "\n", encoding="utf-8")  # gh api --paginate
    result = import_prs([tmp_path / "pages.json"], _ctx())
    assert [r["id"] for r in result.rows["pull_requests"]] == ["api#3", "api#4"]


def test_truncated_and_wrong_files_fail_with_where(tmp_path):
    bad = tmp_path / "cut.json"
    bad.write_text('[{"number": 1,\n  "title": "x"', encoding="utf-8")  # line 2 is 14 characters
    with pytest.raises(ImportFormatError, match=r"cut\.json: not valid JSON at line 2, column 15.*truncated"):
        import_prs([bad], _ctx())
    other = _write(tmp_path / "other.json", {"hello": "world"})
    with pytest.raises(ImportFormatError, match="other.json: not a pull request export"):
        import_prs([other], _ctx())
    commits = _write(tmp_path / "commits.json", [REST_PULLS[0]["commits"][0]])
    with pytest.raises(ImportFormatError, match="does not say which PR"):
        import_prs([commits], _ctx())
    with pytest.raises(ImportFormatError, match="not a deployments export"):
        import_deployments([other], _ctx())


def _status(state, at, dep=None, sid=None):
    s = {"id": sid, "state": state, "created_at": at, "updated_at": at}
    if dep is not None:
        s["deployment_url"] = f"https://api.github.com/repos/acme/shop/deployments/{dep}"
    return s


def _deployment(dep_id, env, statuses=None, **extra):
    d = {"id": dep_id, "sha": f"sha{dep_id}", "ref": "main", "environment": env, "payload": {},
         "url": f"https://api.github.com/repos/acme/shop/deployments/{dep_id}",
         "repository_url": "https://api.github.com/repos/acme/shop", "created_at": "2026-03-01T00:00:00Z"}
    if statuses is not None:
        d["statuses"] = statuses
    d.update(extra)
    return d


def test_deployments_with_statuses(tmp_path):
    deps = _write(tmp_path / "deployments.json", [
        # newest first, as the API lists statuses; inactive (superseded) after success stays success
        _deployment(101, "Production", [_status("inactive", "2026-03-05T00:00:00Z", sid=4),
                                        _status("success", "2026-03-02T10:05:00Z", sid=3),
                                        _status("in_progress", "2026-03-02T10:01:00Z", sid=2),
                                        _status("pending", "2026-03-02T10:00:00Z", sid=1)]),
        _deployment(102, "prod", [_status("error", "2026-03-03T11:00:00Z"), _status("pending", "2026-03-03T10:50:00Z")],
                    payload='{"service": "checkout"}'),
        _deployment(103, "staging", [_status("in_progress", "2026-03-04T00:01:00Z"),
                                     _status("pending", "2026-03-04T00:00:00Z")]),
        _deployment(104, "production"),  # its statuses come from the separate file
        _deployment(105, "production", [_status("exploded", "2026-03-04T00:00:00Z")]),
        _deployment(106, "production", []),
    ])
    statuses = _write(tmp_path / "statuses.json", [
        _status("failure", "2026-03-04T09:00:00Z", dep=104), _status("success", "2026-03-04T09:00:00Z", dep=999)])
    result = import_deployments([deps, statuses], _ctx())
    assert result.rows["deployments"] == [
        {"id": "101", "service": "shop", "finished_at": "2026-03-02T10:05:00Z", "environment": "production",
         "status": "success", "sha": "sha101"},
        {"id": "102", "service": "checkout", "finished_at": "2026-03-03T11:00:00Z", "environment": "production",
         "status": "failure", "sha": "sha102"},
        {"id": "104", "service": "shop", "finished_at": "2026-03-04T09:00:00Z", "environment": "production",
         "status": "failure", "sha": "sha104"},
    ]
    assert [(i.file, i.line, i.record) for i in result.issues] == [("statuses.json", 2, None),
                                                                   ("deployments.json", 5, "105")]
    assert "deployment 999" in result.issues[0].reason and "'exploded'" in result.issues[1].reason
    assert result.notes == ["2 deployments not finished, left out (no finished_at yet): "
                            "1 still in_progress, 1 without any status"]


def test_end_to_end_loads_clean_and_the_build_finds_ai(tmp_path):
    from reporter.inputs.load import load_inputs
    from reporter.metrics.prepare import prepare

    prs = import_prs([_write(tmp_path / "prs.json", GH_PRS), _write(tmp_path / "pulls.json", REST_PULLS)], _ctx())
    deps = import_deployments([_write(tmp_path / "deps.json", [
        _deployment(1, "production", [_status("success", "2026-03-03T16:00:00Z")]),
        _deployment(2, "staging", [_status("success", "2026-03-03T17:00:00Z")])])], _ctx())
    folder = write_inputs(tmp_path / "data", people=ROSTER, **prs.rows, **deps.rows)
    inputs = load_inputs(folder, ZoneInfo("UTC"))
    assert inputs.skipped == []
    prepared = prepare(inputs, Config())
    ai = dict(zip(prepared.prs["id"], prepared.prs["ai"]))
    # label, bot author, trailer, label "AI" (rules are case-insensitive), nothing
    assert ai == {"shop#11": True, "shop#12": True, "shop#13": True, "api#3": True, "api#4": False}
    assert prepared.ai_sources == {"column": 0, "label": 2, "trailer": 1, "pr_body": 0, "bot_author": 1}
    rules = dict(zip(prepared.prs["id"], prepared.prs["ai_rule"]))
    assert rules == {"shop#11": "label", "shop#12": "bot:copilot", "shop#13": "trailer:claude", "api#3": "label",
                     "api#4": None}
    assert list(prepared.deployments["id"]) == ["1"]  # the only successful production one
    assert dict(zip(prepared.prs["id"], prepared.prs["deployment"]))["shop#11"] == "1"  # merged 15:00, out 16:00
