"""The git importer on repositories built here with fixed dates: PRs from merge and squash
commits, commit membership, trailers kept for the build's AI detection."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reporter.config import Config
from reporter.importers.base import ImportContext, ImportFormatError
from reporter.importers.git import import_git
from reporter.importers.people import PeopleMap

from conftest import write_inputs

ROSTER = [
    {"person": "alice", "team": "core", "email": "alice@acme.com"},
    {"person": "bob", "team": "core", "email": "bob@acme.com"},
    {"person": "carol", "team": "core", "email": "carol@acme.com"},
    {"person": "dave", "team": "web", "aliases": "dave-gh"},
]
DAVE = "12345+dave-gh@users.noreply.github.com"


def _ctx() -> ImportContext:
    return ImportContext(PeopleMap.from_rows(ROSTER), Config())


class Repo:
    """A scratch repository whose every commit has the author, email and dates it is given."""

    def __init__(self, path: Path):
        self.path = path
        path.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")
        self.n = 0

    def git(self, *args: str, who: tuple[str, str] = ("alice", "alice@acme.com"), at: str = "2026-01-01T00:00:00Z",
            committed: str | None = None) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", LC_ALL="C",
                   GIT_AUTHOR_NAME=who[0], GIT_AUTHOR_EMAIL=who[1], GIT_AUTHOR_DATE=at,
                   GIT_COMMITTER_NAME=who[0], GIT_COMMITTER_EMAIL=who[1], GIT_COMMITTER_DATE=committed or at)
        out = subprocess.run(["git", "-c", "commit.gpgsign=false", "-C", str(self.path), *args], env=env,
                             check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def commit(self, message: str, **kw) -> str:
        self.n += 1
        (self.path / f"f{self.n}.txt").write_text(f"{self.n}\n")
        self.git("add", f"f{self.n}.txt")
        self.git("commit", "-q", "-m", message, **kw)
        return self.git("rev-parse", "HEAD")

    def merge(self, branch: str, message: str, **kw) -> str:
        self.git("merge", "-q", "--no-ff", branch, "-m", message, **kw)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    r = Repo(tmp_path / "shop")
    sha = {}
    sha["c1"] = r.commit("Initial commit", at="2026-03-02T09:00:00Z")
    r.git("checkout", "-q", "-b", "feature")
    sha["f1"] = r.commit("Add feature part 1", who=("Bob", "bob@acme.com"), at="2026-03-02T11:00:00+01:00")
    sha["f2"] = r.commit("Add feature part 2\n\nCo-authored-by: Claude <noreply@anthropic.com>",
                         who=("Bob", "bob@acme.com"), at="2026-03-03T08:00:00Z")
    r.git("checkout", "-q", "main")
    sha["c2"] = r.commit("Direct fix on main", at="2026-03-03T09:00:00Z")
    sha["m7"] = r.merge("feature", "Merge pull request #7 from acme/feature\n\nAdd the feature",
                        who=("Carol", "carol@acme.com"), at="2026-03-04T12:00:00Z", committed="2026-03-04T12:30:00Z")
    sha["s8"] = r.commit("Add thing (#8)", who=("Dave", DAVE), at="2026-03-05T10:00:00Z",
                         committed="2026-03-05T10:05:00Z")
    return r.path, sha


def test_prs_and_commits_from_merge_and_squash(shop):
    path, sha = shop
    result = import_git([path], _ctx())
    assert result.issues == []
    prs = {r["id"]: r for r in result.rows["pull_requests"]}
    assert prs == {
        # Merge commit: author of the branch (second parent), created = earliest branch commit
        # (11:00+01:00 = 10:00Z), merged = the merge's committer date.
        "shop#7": {"id": "shop#7", "repo": "shop", "author": "bob", "created_at": "2026-03-02T10:00:00Z",
                   "merged_at": "2026-03-04T12:30:00Z", "closed_at": "2026-03-04T12:30:00Z",
                   "first_commit_at": "2026-03-02T10:00:00Z", "title": "Add the feature",
                   "merge_commit_sha": sha["m7"]},
        # Squash: the commit is the PR; noreply login dave-gh is dave's alias. Its author date (10:00)
        # is not when work started: the start is unknown, written as created_at = merged_at.
        "shop#8": {"id": "shop#8", "repo": "shop", "author": "dave", "created_at": "2026-03-05T10:05:00Z",
                   "merged_at": "2026-03-05T10:05:00Z", "closed_at": "2026-03-05T10:05:00Z",
                   "title": "Add thing",
                   "merge_commit_sha": sha["s8"]},
    }
    commits = {r["sha"]: r for r in result.rows["commits"]}
    assert len(commits) == 6
    assert {k: commits[v].get("pr_id") for k, v in sha.items()} == {
        "c1": None, "f1": "shop#7", "f2": "shop#7", "c2": None, "m7": "shop#7", "s8": "shop#8"}
    assert commits[sha["f1"]]["authored_at"] == "2026-03-02T10:00:00Z"
    assert commits[sha["f1"]]["author"] == "bob"
    assert commits[sha["c1"]]["author"] == "alice"
    assert commits[sha["f2"]]["message"] == "Add feature part 2\n\nCo-authored-by: Claude <noreply@anthropic.com>"
    assert commits[sha["m7"]]["message"] == "Merge pull request #7 from acme/feature\n\nAdd the feature"
    assert any("flag 1 of 2 PRs" in n and "trailer 1" in n for n in result.notes), result.notes
    assert any("1 PRs are squash merges" in n for n in result.notes)


def test_end_to_end_loads_clean_and_the_trailer_pr_is_ai(shop, tmp_path):
    from reporter.inputs.load import load_inputs
    from reporter.metrics.prepare import prepare

    path, _ = shop
    result = import_git([path], _ctx())
    folder = write_inputs(tmp_path / "data", people=ROSTER, **result.rows)
    inputs = load_inputs(folder, ZoneInfo("UTC"))
    assert inputs.skipped == []
    assert len(inputs["pull_requests"]) == 2 and len(inputs["commits"]) == 6
    prepared = prepare(inputs, Config())
    ai = dict(zip(prepared.prs["id"], prepared.prs["ai"]))
    assert ai == {"shop#7": True, "shop#8": False}
    assert prepared.ai_sources["trailer"] == 1


def test_branch_commits_exclude_main_merged_in_and_nested_prs(tmp_path):
    """PR commits = reachable from the second parent, not from the first: main merged into the
    branch does not join the PR; a PR merged into a release branch owns its commits."""
    r = Repo(tmp_path / "api.git")  # folder name without .git is the repo
    base = r.commit("base", at="2026-04-01T00:00:00Z")
    r.git("checkout", "-q", "-b", "feat")
    a = r.commit("feat a", who=("Bob", "bob@acme.com"), at="2026-04-02T00:00:00Z")
    r.git("checkout", "-q", "main")
    m1 = r.commit("main moves on", at="2026-04-01T12:00:00Z")
    r.git("checkout", "-q", "feat")
    sync = r.merge("main", "Merge branch 'main' into feat", who=("Bob", "bob@acme.com"), at="2026-04-03T00:00:00Z")
    b = r.commit("feat b", who=("Bob", "bob@acme.com"), at="2026-04-04T00:00:00Z")
    # A release branch, with PR #2 merged into it, merged to main as PR #3.
    r.git("checkout", "-q", "-b", "release", "main")
    r.git("checkout", "-q", "-b", "fix")
    x = r.commit("fix x", who=("Carol", "carol@acme.com"), at="2026-04-05T00:00:00Z")
    r.git("checkout", "-q", "release")
    m2 = r.merge("fix", "Merge pull request #2 from acme/fix\n\nFix x", at="2026-04-06T00:00:00Z")
    y = r.commit("release y", who=("Dave", DAVE), at="2026-04-06T06:00:00Z")
    r.git("checkout", "-q", "main")
    m5 = r.merge("feat", "Merge pull request #5 from acme/feat\n\nFeat", at="2026-04-07T00:00:00Z")
    m3 = r.merge("release", "Merge pull request #3 from acme/release\n\nRelease", at="2026-04-08T00:00:00Z")

    result = import_git([r.path], _ctx())
    owner = {c["sha"]: c.get("pr_id") for c in result.rows["commits"]}
    assert owner == {base: None, m1: None, a: "api#5", sync: "api#5", b: "api#5", m5: "api#5",
                     x: "api#2", m2: "api#2", y: "api#3", m3: "api#3"}
    prs = {p["id"]: p for p in result.rows["pull_requests"]}
    assert set(prs) == {"api#2", "api#3", "api#5"}
    # PR #5: earliest of a, sync, b (m1 came from main and is not the PR's): a at 04-02.
    assert prs["api#5"]["first_commit_at"] == "2026-04-02T00:00:00Z"
    assert prs["api#5"]["author"] == "bob"  # second parent b
    assert prs["api#2"]["first_commit_at"] == "2026-04-05T00:00:00Z"
    assert prs["api#2"]["author"] == "carol"
    # PR #3 covers the nested PR #2's commits too (x at 04-05); second parent y is dave's.
    assert prs["api#3"]["first_commit_at"] == "2026-04-05T00:00:00Z"
    assert prs["api#3"]["author"] == "dave"
    assert prs["api#3"]["merged_at"] == "2026-04-08T00:00:00Z"


def test_not_a_repository_is_a_format_error(tmp_path):
    (tmp_path / "plain").mkdir()
    with pytest.raises(ImportFormatError, match="plain: not a git repository"):
        import_git([tmp_path / "plain"], _ctx())
    with pytest.raises(ImportFormatError, match="no such folder"):
        import_git([tmp_path / "missing"], _ctx())


def test_empty_repository_is_a_note_not_an_error(tmp_path):
    Repo(tmp_path / "empty")
    result = import_git([tmp_path / "empty"], _ctx())
    assert result.rows == {} and result.issues == []
    assert any("empty: no commits" in n for n in result.notes)


def test_callers_git_environment_does_not_leak(shop, monkeypatch, tmp_path):
    """GIT_DIR pointing elsewhere, a pager and a foreign locale change nothing."""
    path, sha = shop
    other = Repo(tmp_path / "other")
    other.commit("unrelated")
    monkeypatch.setenv("GIT_DIR", str(other.path / ".git"))
    monkeypatch.setenv("GIT_PAGER", "false")
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    result = import_git([path], _ctx())
    assert {c["sha"] for c in result.rows["commits"]} == set(sha.values())
