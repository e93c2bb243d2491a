"""`reporter import` as its user runs it, and native exports read directly by `reporter build`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reporter.build import compute_report
from reporter.cli import main


def _gh(number: int, author: str, created: str, merged: str | None, title: str = "Change") -> dict:
    return {
        "number": number, "title": title, "author": {"login": author}, "createdAt": created,
        "mergedAt": merged, "closedAt": merged, "additions": 10 * number, "deletions": number,
        "labels": [], "reviews": [{"author": {"login": "rev-gh"}, "submittedAt": "2026-03-03T09:00:00Z",
                                   "state": "APPROVED"}],
        "commits": [{"oid": f"{number:040x}", "authoredDate": "2026-03-02T08:00:00Z", "messageHeadline": title,
                     "messageBody": "", "authors": [{"login": author}]}],
        "mergeCommit": {"oid": f"{number + 100:040x}"} if merged else None, "baseRefName": "main",
        "url": f"https://github.com/acme/api/pull/{number}",
    }


def _roster(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "people.csv").write_text("person,team,email,aliases\nana,core,ana@acme.io,ana-gh\n"
                                       "rev,core,rev@acme.io,rev-gh\n")


def test_import_merges_reimport_changes_nothing_and_build_reads_it(tmp_path):
    export = tmp_path / "prs.json"
    export.write_text(json.dumps([_gh(1, "ana-gh", "2026-03-02T10:00:00Z", "2026-03-04T10:00:00Z"),
                                  _gh(2, "stranger", "2026-03-02T11:00:00Z", None)]))
    data = tmp_path / "data"
    _roster(data)
    runner = CliRunner()
    first = runner.invoke(main, ["import", "github-prs", str(export), "--out", str(data)])
    assert first.exit_code == 0, first.output
    assert "wrote pull_requests.csv: 2 added, 0 updated, 0 unchanged" in first.output
    assert "1 identity not in the people roster" in first.output and "stranger" in first.output
    rows = (data / "pull_requests.csv").read_text().splitlines()
    assert rows[1].startswith("api#1,api,ana,2026-03-02T10:00:00Z,2026-03-04T10:00:00Z")  # alias -> person
    snapshot = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in data.glob("*.csv")}

    again = runner.invoke(main, ["import", "github-prs", str(export), "--out", str(data)])
    assert again.exit_code == 0
    assert "no change to pull_requests.csv: 0 added, 0 updated, 2 unchanged" in again.output
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in data.glob("*.csv")} == snapshot

    export.write_text(json.dumps([_gh(2, "stranger", "2026-03-02T11:00:00Z", "2026-03-05T09:00:00Z"),
                                  _gh(3, "ana", "2026-03-06T11:00:00Z", None)]))
    later = runner.invoke(main, ["import", "github-prs", str(export), "--out", str(data)])
    assert "pull_requests.csv: 1 added, 1 updated, 0 unchanged, 1 kept from before" in later.output
    ids = [line.split(",")[0] for line in (data / "pull_requests.csv").read_text().splitlines()[1:]]
    assert ids == ["api#1", "api#2", "api#3"]

    doc = compute_report("weekly", data, period_id="2026-W10")
    assert doc["metrics"]["merged_prs"]["value"] == 2  # api#1 (4 Mar) and api#2 (5 Mar), ISO week 10
    assert doc["data_quality"]["skipped_rows"] == 0


def test_import_errors_are_clear_and_strict_writes_nothing(tmp_path):
    runner = CliRunner()
    truncated = tmp_path / "prs.json"
    truncated.write_text('[{"number": 1, "title": "x"')
    result = runner.invoke(main, ["import", "github-prs", str(truncated), "--out", str(tmp_path / "out")])
    assert result.exit_code == 4
    assert "prs.json: not valid JSON at line 1" in result.output
    assert "Traceback" not in result.output

    unknown = runner.invoke(main, ["import", "gitlab", str(truncated), "--out", str(tmp_path / "out")])
    assert unknown.exit_code == 2 and "choose one of github-prs" in unknown.output

    missing = runner.invoke(main, ["import", "github-prs", str(tmp_path / "nope.json"), "--out", str(tmp_path)])
    assert missing.exit_code == 4 and "no such file or folder" in missing.output

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([_gh(1, "ana", "2026-03-02T10:00:00Z", None),
                               {**_gh(2, "ana", "2026-03-02T10:00:00Z", None), "createdAt": "soon"}]))
    out = tmp_path / "strict"
    strict = runner.invoke(main, ["import", "github-prs", str(bad), "--out", str(out), "--strict"])
    assert strict.exit_code == 4 and "bad.json" in strict.output and "nothing written" in strict.output
    assert not (out / "pull_requests.csv").exists()
    lenient = runner.invoke(main, ["import", "github-prs", str(bad), "--out", str(out)])
    assert lenient.exit_code == 0
    assert "1 invalid record skipped" in lenient.output
    log = json.loads((out / ".import-issues" / "github-prs.json").read_text())
    assert [(s["file"], s["line"]) for s in log["skipped"]] == [("bad.json", 2)]


def test_config_imports_are_build_inputs_with_lineage_and_skipped_rows(tmp_path):
    folder = tmp_path / "in"
    _roster(folder)
    exports = folder / "exports"
    exports.mkdir()
    (exports / "prs.json").write_text(json.dumps([
        _gh(1, "ana-gh", "2026-03-02T10:00:00Z", "2026-03-04T10:00:00Z"),
        _gh(2, "ana", "2026-03-02T10:00:00Z", "2026-03-05T10:00:00Z"),
        {**_gh(3, "ana", "2026-03-02T10:00:00Z", None), "createdAt": "soon"},
    ]))
    (folder / "reporter.yaml").write_text("imports:\n  - source: github-prs\n    paths: [exports/prs.json]\n")
    doc = compute_report("weekly", folder, period_id="2026-W10")
    assert doc["metrics"]["merged_prs"]["value"] == 2
    label = "pull_requests <- github-prs (prs.json)"
    assert doc["inputs"][label]["rows"] == 2 and doc["inputs"][label]["source"] == "github-prs"
    skipped = doc["data_quality"]["skipped"]
    assert [(s["file"], s["row"]) for s in skipped] == [("prs.json", 3)]
    assert "github-prs import" in skipped[0]["reason"]
    # The same inputs give the same document (the converted rows are hashed, not timestamped).
    assert compute_report("weekly", folder, period_id="2026-W10")["inputs"] == doc["inputs"]


def test_project_option_reaches_devlake_and_only_devlake(tmp_path):
    fixtures = Path(__file__).resolve().parent / "vendor" / "devlake" / "change_lead_time"
    runner = CliRunner()
    ok = runner.invoke(main, ["import", "devlake", str(fixtures), "--out", str(tmp_path / "a"), "--project", "project1"])
    assert ok.exit_code == 0, ok.output
    # project1's expected output (project_pr_metrics.expected.csv) has 6 PRs merged; pr6 is open.
    assert "pull_requests.csv: 7 added" in ok.output
    other = runner.invoke(main, ["import", "devlake", str(fixtures), "--out", str(tmp_path / "b"), "--project", "nope"])
    assert other.exit_code == 4 and "no project 'nope'" in other.output
    wrong = runner.invoke(main, ["import", "git", str(tmp_path), "--out", str(tmp_path / "c"), "--project", "x"])
    assert wrong.exit_code == 4 and "--project does not apply to git" in wrong.output


def test_per_repo_gives_one_deployment_per_pipeline_and_repo(tmp_path):
    import csv

    fixtures = Path(__file__).resolve().parent / "vendor" / "devlake" / "change_lead_time"
    runner = CliRunner()
    ids = {}
    for flag in ([], ["--per-repo"]):
        out = tmp_path / ("split" if flag else "pipeline")
        result = runner.invoke(main, ["import", "devlake", str(fixtures), "--out", str(out), *flag])
        assert result.exit_code == 0, result.output
        with (out / "deployments.csv").open() as fh:
            ids[bool(flag)] = sorted(r["id"] for r in csv.DictReader(fh))
    # By hand from cicd_deployment_commits.csv (both projects, as no --project is given): pipelines
    # 1, 2, 4, 6 and 7 deploy two repos each; 5, 8, 9 and 10 deploy one.
    assert ids[False] == sorted(f"pipeline{i}" for i in (1, 2, 4, 5, 6, 7, 8, 9, 10))
    assert ids[True] == sorted(["pipeline1:REPO111", "pipeline1:REPO222", "pipeline10", "pipeline2:REPO111",
                         "pipeline2:REPO333", "pipeline4:REPO111", "pipeline4:REPO222", "pipeline5",
                         "pipeline6:REPO111", "pipeline6:REPO222", "pipeline7:REPO111", "pipeline7:REPO333",
                         "pipeline8", "pipeline9"])
    wrong = runner.invoke(main, ["import", "git", str(tmp_path), "--out", str(tmp_path / "c"), "--per-repo"])
    assert wrong.exit_code == 4 and "--per-repo does not apply to git" in wrong.output
