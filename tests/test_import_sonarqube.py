"""`reporter import sonarqube`: issues, hotspots and measures history mapped to PRs by hand.

Fixtures (tests/fixtures/sonarqube/) are written from the documented response shapes of the
SonarQube Web API (the server's own /web_api examples of api/issues/search, api/hotspots/search and
api/measures/search_history; SonarSource, "Retrieving issues", docs.sonarsource.com): an issue has
key, rule, severity (BLOCKER..INFO), component, project, type, creationDate and, in a pull-request
analysis, pullRequest; SonarQube 10 adds impacts [{softwareQuality, severity}]; a hotspot has key,
component, project, securityCategory, vulnerabilityProbability, status, creationDate; a measures
history is {"measures": [{"metric", "history": [{"date", "value"}]}]}, with no project key.
"""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from reporter.cli import main
from reporter.importers.sonarqube import repo_of, severity_of

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sonarqube"
PRS = [("shop#1", "2026-03-03T10:00:00Z"), ("shop#2", "2026-03-05T10:00:00Z"), ("shop#3", "2026-03-20T10:00:00Z")]


def _out(tmp_path: Path, measured: bool = False) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    with open(out / "pull_requests.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "repo", "author", "created_at", "merged_at"])
        for pr, merged in PRS:
            w.writerow([pr, "shop", "ann", "2026-03-01T00:00:00Z", merged])
    if measured:  # the git analyser measured shop#1 already
        with open(out / "code_quality.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["pr_id", "repo", "merged_at", "source", "lines_added", "complexity_added"])
            w.writerow(["shop#1", "shop", "2026-03-03T10:00:00Z", "git-lizard", "30", "7"])
    return out


def _run(out: Path, *files: str, extra: tuple[str, ...] = ()) -> str:
    result = CliRunner().invoke(main, ["import", "sonarqube", *(str(FIXTURES / f) for f in files), "--out", str(out),
                                       *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "code_quality.csv", newline="") as fh:
        return {r["pr_id"]: r for r in csv.DictReader(fh)}


def test_issues_and_hotspots_map_to_prs(tmp_path: Path):
    out = _out(tmp_path)
    output = _run(out, "issues.json", "hotspots.json")
    rows = _rows(out)
    sev = ("issues_blocker", "issues_critical", "issues_major", "issues_minor", "issues_info")
    # shop#1: the CRITICAL bug created 2026-03-02 11:00 UTC, first merge at or after it (3 March)
    assert [rows["shop#1"][c] for c in sev] == ["0", "1", "0", "0", "0"]
    # shop#2: MAJOR by pullRequest 2, MINOR of 4 March (next merge 5 March), the impacts-only issue at the very
    # merge instant (HIGH -> critical)
    assert [rows["shop#2"][c] for c in sev] == ["0", "1", "1", "1", "0"]
    # shop#3 merged 20 March, after the issues' span (2 March .. 10 March + 7 days): not measured, empty
    assert [rows["shop#3"][c] for c in sev] == ["", "", "", "", ""]
    # hotspots: #1 by date (3 March 09:00 -> merge 10:00), #3 by pullRequest; #2 inside the span with none
    assert [rows[p]["security_hotspots_added"] for p in ("shop#1", "shop#2", "shop#3")] == ["1", "0", "1"]
    assert rows["shop#1"]["merged_at"] == "2026-03-03T10:00:00Z" and rows["shop#1"]["repo"] == "shop"
    # never dropped silently: the INFO issue 10 days before the next merge, the unknown project, PR 9
    assert "1 issues with no PR of its repository merged within 7 days after it" in output
    assert "1 issues of a project no repository in pull_requests matches" in output and "acme_other" in output
    assert "1 issues of a pull request not merged in pull_requests" in output and "shop#9" in output
    assert "issues by date 3" in output and "issues by pullRequest 1" in output
    assert "1 issues resolved as false positives, not counted" in output  # the BLOCKER: no issue, no 1
    assert "page 1 of a 200-record answer" in output  # hotspots.json is one page of two


def test_measures_history_goes_to_the_only_pr_between_two_analyses(tmp_path: Path):
    out = _out(tmp_path)
    output = _run(out, "history.json", extra=("--project", "acme_shop"))
    rows = _rows(out)
    # 1 -> 4 March: only shop#1 merged: complexity 100 -> 110, duplicated lines 50 -> 60
    assert rows["shop#1"]["complexity_added"] == "10" and rows["shop#1"]["duplicated_lines_added"] == "10"
    # 4 -> 21 March: shop#2 and shop#3 merged: the -5 cannot be split
    assert "shop#2" not in rows and "shop#3" not in rows
    assert "1 measure changes span several merged PRs" in output


def test_git_measurements_win_over_the_history(tmp_path: Path):
    out = _out(tmp_path, measured=True)
    _run(out, "history.json", extra=("--project", "shop"))
    assert _rows(out)["shop#1"]["complexity_added"] == "7"


def test_history_needs_its_project(tmp_path: Path):
    out = _out(tmp_path)
    result = CliRunner().invoke(main, ["import", "sonarqube", str(FIXTURES / "history.json"), "--out", str(out)])
    assert result.exit_code != 0 and "--project" in result.output and "Traceback" not in result.output


def test_without_pull_requests_a_clear_error(tmp_path: Path):
    result = CliRunner().invoke(main, ["import", "sonarqube", str(FIXTURES / "issues.json"), "--out",
                                       str(tmp_path / "empty")])
    assert result.exit_code != 0 and "pull_requests" in result.output and "Traceback" not in result.output


def test_project_keys_and_severities():
    assert repo_of("acme_shop", {"shop", "hop"}) == "shop"
    assert repo_of("shop", {"shop"}) == "shop" and repo_of("shopping", {"shop"}) is None
    assert severity_of({"severity": "BLOCKER"}) == "blocker"
    assert severity_of({"impacts": [{"severity": "LOW"}, {"severity": "MEDIUM"}]}) == "major"
    assert severity_of({"impacts": []}) is None
