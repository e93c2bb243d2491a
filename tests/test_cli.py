"""The command line, driven through click's CliRunner as a user would type it."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from reporter.cli import main

from conftest import TWO_ENGINEERS as PEOPLE, TWO_PRS as PRS


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_build_writes_metrics_json(make_inputs, tmp_path):
    folder = make_inputs(people=PEOPLE, pull_requests=PRS)
    out = tmp_path / "out"
    result = run("build", "weekly", "--format", "json", "--input", str(folder), "--period", "2026-W10", "--out", str(out))
    assert result.exit_code == 0, result.output
    path = out / "weekly" / "2026-W10" / "metrics.json"
    assert str(path) in result.output
    doc = json.loads(path.read_text())
    assert doc["cadence"] == "weekly" and doc["period"] == "2026-W10"
    assert (doc["start"], doc["end"]) == ("2026-03-02", "2026-03-09")
    assert doc["metrics"]["merged_prs"]["value"] == 2
    assert doc["metrics"]["pr_cycle_time_hours"]["value"] == 3.0  # 2h and 4h
    for key in ("value", "unit", "n", "baseline", "delta", "change", "by_team", "by_cohort"):
        assert key in doc["metrics"]["pr_cycle_time_hours"]
    assert set(doc["inputs"]) == {"people.csv", "pull_requests.csv"}
    assert len(doc["config_sha256"]) == 64


def test_same_inputs_same_bytes(make_inputs, tmp_path):
    folder = make_inputs(people=PEOPLE, pull_requests=PRS)
    paths = []
    for name in ("a", "b"):
        run("build", "weekly", "--format", "json", "--input", str(folder), "--period", "2026-W10", "--out", str(tmp_path / name), "-q")
        paths.append(tmp_path / name / "weekly" / "2026-W10" / "metrics.json")
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_default_period_is_last_complete_week_the_inputs_reach(make_inputs, tmp_path):
    folder = make_inputs(people=PEOPLE, pull_requests=PRS + [
        dict(id="p3", repo="api", author="ann", created_at="2026-03-09T08:00:00Z")])  # data ends Monday 03-09
    result = run("build", "weekly", "--format", "json", "--input", str(folder), "--out", str(tmp_path / "o"), "--as-of", "2026-11-23")
    assert result.exit_code == 0, result.output
    # 2026-W11 is not complete in the data (it ends on its Monday), so W10 is reported, with a warning.
    assert "2026-W10" in result.output
    assert "inputs end on 2026-03-09" in result.output
    # As of 2026-03-10 the last complete week before today is W10 as well.
    result = run("build", "weekly", "--format", "json", "--input", str(folder), "--out", str(tmp_path / "o"), "--as-of", "2026-03-10")
    assert "2026-W10" in result.output


def test_invalid_rows_are_skipped_and_listed(make_inputs, tmp_path):
    bad = PRS + [dict(id="p9", repo="api", author="ann", created_at="2026-03-04T08:00:00Z",
                      merged_at="2026-03-03T08:00:00Z")]
    folder = make_inputs(pull_requests=bad)
    result = run("build", "weekly", "--format", "json", "--input", str(folder), "--period", "2026-W10", "--out", str(tmp_path / "o"))
    assert result.exit_code == 0
    assert "1 invalid rows skipped" in result.output
    doc = json.loads((tmp_path / "o" / "weekly" / "2026-W10" / "metrics.json").read_text())
    assert doc["data_quality"]["skipped"] == [{"file": "pull_requests.csv", "row": 4, "id": "p9",
                                               "column": "merged_at", "reason": "merged_at is before created_at"}]
    assert doc["metrics"]["merged_prs"]["value"] == 2


def test_strict_fails_naming_file_row_id_and_column(make_inputs, tmp_path):
    bad = PRS + [dict(id="p9", repo="api", author="ann", created_at="2026-03-04T08:00:00Z", additions="-3")]
    folder = make_inputs(pull_requests=bad)
    result = run("build", "weekly", "--format", "json", "--input", str(folder), "--period", "2026-W10", "--strict",
                 "--out", str(tmp_path / "o"))
    assert result.exit_code == 4
    assert "pull_requests.csv, row 4, id 'p9', column 'additions': must not be negative" in result.output
    assert not (tmp_path / "o").exists()


def test_usage_errors(make_inputs, tmp_path):
    folder = make_inputs(pull_requests=PRS)
    result = run("build", "weekly", "--format", "json", "--input", str(folder), "--period", "2026-03", "--out", str(tmp_path))
    assert result.exit_code == 2 and "2026-W10" in result.output
    result = run("build", "weekly", "--input", str(folder), "--format", "json,docx", "--out", str(tmp_path))
    assert result.exit_code != 0 and "docx" in result.output
    result = run("build", "weekly", "--format", "json", "--input", str(tmp_path / "nope"), "--out", str(tmp_path))
    assert result.exit_code == 4 and "does not exist" in result.output


def test_config_error_exit_code(make_inputs, tmp_path):
    folder = make_inputs(config={"privacy": {"min_group_sise": 3}}, pull_requests=PRS)
    result = run("build", "weekly", "--format", "json", "--input", str(folder), "--period", "2026-W10", "--out", str(tmp_path))
    assert result.exit_code == 3
    assert "privacy.min_group_sise" in result.output and "min_group_size" in result.output


def test_explicit_config_overrides_folder_config(make_inputs, tmp_path):
    folder = make_inputs(config={"organization": "Folder Org"}, pull_requests=PRS)
    other = tmp_path / "other.yaml"
    other.write_text("organization: Explicit Org\n")
    run("build", "weekly", "--format", "json", "--input", str(folder), "--config", str(other), "--period", "2026-W10",
        "--out", str(tmp_path / "o"), "-q")
    doc = json.loads((tmp_path / "o" / "weekly" / "2026-W10" / "metrics.json").read_text())
    assert doc["organization"] == "Explicit Org" and doc["config_file"] == "other.yaml"


def test_help_does_not_import_heavy_libraries():
    code = ("import sys; from click.testing import CliRunner; from reporter.cli import main; "
            "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0; "
            "r = CliRunner().invoke(main, ['build', '--help']); assert r.exit_code == 0; "
            "print(sorted(m for m in ('pandas', 'numpy', 'matplotlib', 'weasyprint', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_command_has_help():
    for command in ("build", "sample"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


def test_malformed_csv_line_fails_the_file_naming_its_line(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "pull_requests.csv").write_text(
        "id,repo,author,created_at\n1,a,ann,2026-03-02T00:00:00Z\n2,a,ann,2026-03-02T00:00:00Z,extra\n")
    result = run("build", "weekly", "--format", "json", "--input", str(folder), "--period", "2026-W10", "--out", str(tmp_path / "o"))
    assert result.exit_code == 4
    assert "pull_requests.csv: malformed CSV at line 3: expected 4 fields, got 5" in result.output


def test_ai_agents_are_not_reported_as_unknown_people(make_inputs, tmp_path):
    prs = PRS + [dict(id="p3", repo="api", author="copilot-swe-agent[bot]", created_at="2026-03-04T08:00:00Z"),
                 dict(id="p4", repo="api", author="mallory", created_at="2026-03-04T08:00:00Z")]
    folder = make_inputs(people=PEOPLE, pull_requests=prs)
    result = run("build", "weekly", "--format", "json", "--input", str(folder), "--period", "2026-W10", "--out", str(tmp_path / "o"))
    assert "1 pull_requests rows name 1 identity not found in people" in result.output
    assert "mallory" in result.output and "copilot-swe-agent" not in result.output


def test_unknown_format_is_refused(make_inputs, tmp_path):
    folder = make_inputs(pull_requests=PRS)
    result = run("build", "quarterly", "--input", str(folder), "--format", "json,docx", "--out", str(tmp_path))
    assert result.exit_code != 0 and "docx" in result.output and "json, html, pdf" in result.output


def test_sample_command_writes_an_organisation_that_builds(tmp_path):
    out = tmp_path / "org"
    result = run("sample", "--out", str(out), "--engineers", "20", "--teams", "3", "--weeks", "10", "--seed", "3",
                 "--end-date", "2026-03-08")
    assert result.exit_code == 0, result.output
    assert (out / "reporter.yaml").is_file() and (out / "pull_requests.csv").is_file()
    result = run("build", "monthly", "--input", str(out), "--out", str(tmp_path / "r"), "--as-of", "2026-03-09")
    assert result.exit_code == 0, result.output
    # the data ends on Sunday 2026-03-08, so the last complete month it reaches is February
    assert "monthly report 2026-02" in result.output
    result = run("sample", "--out", str(out), "--engineers", "6", "--teams", "7")
    assert result.exit_code == 2 and "teams" in result.output



def test_weekly_default_writes_all_three_formats(make_inputs, tmp_path):
    folder = make_inputs(people=PEOPLE, pull_requests=PRS)
    result = run("build", "weekly", "--input", str(folder), "--period", "2026-W10", "--out", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "o" / "weekly" / "2026-W10").iterdir())
    assert names == ["metrics.json", "report.html", "report.pdf"]
