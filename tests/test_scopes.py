"""Scoped reports (issue 16): a team's or group's documents, checked against counts made by hand
from the raw CSV files; privacy across reports; the CLI's errors; the site per scope."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reporter.build import ScopeRequest, build_scopes, compute_report
from reporter.cli import main
from reporter.config import parse_config
from reporter.errors import ConfigError

from conftest import SAMPLE, SAMPLE_TODAY

PERIOD = ("2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z")  # 2026-W47, the sample's time zone is UTC


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scoped") / "in"
    shutil.copytree(SAMPLE, folder)
    config = yaml.safe_load((folder / "reporter.yaml").read_text())
    config["groups"] = {"money": ["payments", "web"], "small": ["payments", "data"]}
    (folder / "reporter.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


@pytest.fixture(scope="module")
def run(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("scoped-out")
    result = build_scopes("weekly", inputs, out, ScopeRequest(teams=("payments", "web"), groups=("money",)),
                          period_id="2026-W47", formats=("json",), today=SAMPLE_TODAY)
    return result, out


def _rows(name: str) -> list[dict]:
    with (SAMPLE / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _in_period(value: str) -> bool:
    return bool(value) and PERIOD[0] <= value < PERIOD[1]  # ISO-8601 UTC strings sort as instants


def _service_team() -> tuple[dict, dict]:
    config = yaml.safe_load((SAMPLE / "reporter.yaml").read_text())
    repo_service, service_team = {}, {}
    for service, spec in config["services"].items():
        service_team[service] = spec.get("team")
        for repo in spec.get("repos", []):
            repo_service[repo] = service
    return repo_service, service_team


def _merged_by_team() -> dict[str, int]:
    """Merged PRs of 2026-W47 per team, by hand: the author's team, else the repo's service owner."""
    people = _rows("people")
    team_of = {}
    for p in people:
        for key in [p["person"], p["email"], *filter(None, (p["aliases"] or "").split(";"))]:
            team_of[key.strip().lower()] = p["team"]
    repo_service, service_team = _service_team()
    counts: dict[str, int] = {}
    for pr in _rows("pull_requests"):
        if not _in_period(pr["merged_at"]):
            continue
        team = team_of.get(pr["author"].strip().lower()) or service_team.get(repo_service.get(pr["repo"], pr["repo"]))
        counts[team] = counts.get(team, 0) + 1
    return counts


def _deployments_by_team() -> dict[str, int]:
    _, service_team = _service_team()
    counts: dict[str, int] = {}
    for d in _rows("deployments"):
        if (d["environment"] or "production").lower() in ("production", "prod") and \
                (d["status"] or "success").lower() in ("success", "succeeded", "successful") and \
                _in_period(d["finished_at"]):
            team = service_team.get(d["service"])
            counts[team] = counts.get(team, 0) + 1
    return counts


def _engineers(team: str) -> int:
    """Engineers of the team employed at some point of the week."""
    return sum(1 for p in _rows("people") if p["team"] == team and (p["role"] or "engineer") == "engineer"
               and (not p["start_date"] or p["start_date"] < "2026-11-23")
               and (not p["end_date"] or p["end_date"] >= "2026-11-16"))


def _scoped(run, folder: str) -> dict:
    return next(doc for doc, _ in run[0].scoped if doc["scope"]["folder"] == folder)


def test_the_hand_count_route_agrees_with_the_organisation_report(run):
    """The independent route is trusted only if it gives the organisation's own totals back."""
    org = run[0].organisation["metrics"]
    assert org["merged_prs"]["value"] == sum(_merged_by_team().values())
    assert org["deployments"]["value"] == sum(_deployments_by_team().values())


@pytest.mark.parametrize("team", ["payments", "web"])
def test_a_team_report_counts_only_its_teams_rows(run, team):
    doc = _scoped(run, f"team-{team}")
    m = doc["metrics"]
    assert m["merged_prs"]["value"] == _merged_by_team()[team]
    assert m["deployments"]["value"] == _deployments_by_team()[team]
    assert m["engineers"]["value"] == _engineers(team)
    assert set(m["merged_prs"]["by_team"]) == {team}
    assert doc["scope"] == {"kind": "team", "id": team, "name": team.capitalize(), "teams": [team],
                            "folder": f"team-{team}"}


def test_a_group_report_adds_its_teams_and_no_other(run):
    doc = _scoped(run, "group-money")
    merged, deps = _merged_by_team(), _deployments_by_team()
    assert doc["metrics"]["merged_prs"]["value"] == merged["payments"] + merged["web"]
    assert doc["metrics"]["deployments"]["value"] == deps["payments"] + deps["web"]
    assert set(doc["metrics"]["merged_prs"]["by_team"]) == {"payments", "web"}
    assert doc["scope"]["teams"] == ["payments", "web"]


def test_ai_cohorts_are_the_scopes_own(run):
    doc = _scoped(run, "team-payments")
    cohorts = doc["metrics"]["pr_cycle_time_hours"]["by_cohort"]
    org = run[0].organisation["metrics"]["pr_cycle_time_hours"]["by_cohort"]
    # The team's cohorts hold the team's merged PRs only (fewer than the organisation's).
    assert cohorts["ai"]["n"] + cohorts["non_ai"]["n"] <= doc["metrics"]["merged_prs"]["value"]
    assert cohorts["ai"]["n"] < org["ai"]["n"] and cohorts["non_ai"]["n"] < org["non_ai"]["n"]


def test_organisation_context_is_the_organisation_reports_figures(run, inputs):
    org = compute_report("weekly", inputs, period_id="2026-W47", today=SAMPLE_TODAY)  # an independent build
    doc = _scoped(run, "team-payments")
    for name, entry in doc["organisation_context"].items():
        assert entry["value"] == org["metrics"][name]["value"], name
        assert entry.get("n") == org["metrics"][name].get("n"), name
    assert "scope" not in org and "organisation_context" not in org


def test_files_go_to_a_folder_per_scope_and_the_organisation_is_not_written_for_named_scopes(run):
    result, out = run
    assert result.organisation_paths == []
    assert sorted(p.relative_to(out).as_posix() for _, paths in result.scoped for p in paths) == [
        "weekly/2026-W47/group-money/metrics.json", "weekly/2026-W47/team-payments/metrics.json",
        "weekly/2026-W47/team-web/metrics.json"]


def test_a_team_pooled_by_the_organisation_has_no_report_and_no_group_may_contain_it(inputs, tmp_path):
    org = compute_report("weekly", inputs, period_id="2026-W47", today=SAMPLE_TODAY)
    pooled = org["privacy"]["other"]["teams"]
    assert "data" in pooled  # the sample's smallest team
    runner = CliRunner()
    base = ["build", "weekly", "--input", str(inputs), "--out", str(tmp_path), "--period", "2026-W47", "--format",
            "json"]
    result = runner.invoke(main, base + ["--team", "data"])
    assert result.exit_code == 2 and "pooled into 'other'" in result.output
    result = runner.invoke(main, base + ["--group", "small"])
    assert result.exit_code == 2 and "group small contains data" in result.output
    assert not (tmp_path / "weekly").exists()  # nothing written
    result = runner.invoke(main, base + ["--all-teams"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "weekly" / "2026-W47").iterdir() if p.is_dir())
    assert written == sorted(f"team-{t}" for t in ("payments", "platform", "mobile", "web", "data", "growth")
                             if t not in pooled)
    assert (tmp_path / "weekly" / "2026-W47" / "metrics.json").is_file()  # --all-teams: the organisation too
    for team in pooled:
        assert f"no report for team-{team}" in result.output


def test_unknown_scopes_and_quarterly_are_usage_errors_naming_what_exists(inputs, tmp_path):
    runner = CliRunner()
    base = ["build", "--input", str(inputs), "--out", str(tmp_path), "--format", "json"]
    result = runner.invoke(main, base[:1] + ["weekly"] + base[1:] + ["--team", "nope"])
    assert result.exit_code == 2
    assert "unknown team 'nope'" in result.output and "payments" in result.output and "web" in result.output
    result = runner.invoke(main, base[:1] + ["weekly"] + base[1:] + ["--group", "nope"])
    assert result.exit_code == 2 and "configured groups: money, small" in result.output
    result = runner.invoke(main, base[:1] + ["quarterly"] + base[1:] + ["--team", "payments"])
    assert result.exit_code == 2 and "stays organisation-wide" in result.output


def test_same_inputs_same_bytes(inputs, tmp_path):
    outs = []
    for k in range(2):
        r = build_scopes("weekly", inputs, tmp_path / str(k), ScopeRequest(teams=("payments",)),
                         period_id="2026-W47", formats=("json",), today=SAMPLE_TODAY)
        outs.append(r.scoped[0][1][0].read_bytes())
    assert outs[0] == outs[1]


def test_groups_and_scope_recipients_parse_and_fail_clearly():
    config = parse_config({"groups": {"core": ["payments", "web"], "one": "data"},
                           "delivery": {"email": {"teams": {"payments": "a@x.io", "web": {"to": ["b@x.io", "c@x.io"]}},
                                                  "groups": {"core": ["d@x.io"]}}}})
    assert config.groups == {"core": ("payments", "web"), "one": ("data",)}
    assert config.delivery.email.teams == {"payments": ("a@x.io",), "web": ("b@x.io", "c@x.io")}
    assert config.delivery.email.groups == {"core": ("d@x.io",)}
    with pytest.raises(ConfigError, match="groups.core.*non-empty list"):
        parse_config({"groups": {"core": []}})
    with pytest.raises(ConfigError, match="delivery.email.teams.web.*unknown key.*|unknown key 'delivery.email.teams.web.cc'"):
        parse_config({"delivery": {"email": {"teams": {"web": {"cc": ["b@x.io"]}}}}})


def test_configs_without_scopes_keep_their_hash():
    """Adding the groups / per-scope recipients keys must not change the hash of existing configs."""
    assert "groups" not in parse_config({}).to_dict()
    assert parse_config({"groups": {"g": ["a"]}}).sha256() != parse_config({}).sha256()


def test_the_site_has_an_index_per_scope_with_stable_latest_links(inputs, tmp_path):
    out, site = tmp_path / "out", tmp_path / "site"
    build_scopes("weekly", inputs, out, ScopeRequest(all_teams=True), period_id="2026-W47", formats=("json", "html"),
                 today=SAMPLE_TODAY)
    page1 = (out / "weekly" / "2026-W47" / "team-payments" / "report.html").read_text()
    doc = json.loads((out / "weekly" / "2026-W47" / "team-payments" / "metrics.json").read_text())
    from reporter.views import fmt

    assert "Northwind Labs · Team Payments" in page1
    for name, formatter in (("pr_cycle_time_hours", fmt.hours), ("deployments", fmt.count)):
        assert f"organisation {formatter(doc['organisation_context'][name]['value'])}" in page1
    result = CliRunner().invoke(main, ["publish", "--site", str(site), "--from", str(out)])
    assert result.exit_code == 0, result.output
    page = (site / "scopes.html").read_text()
    for folder in ("team-payments", "team-web"):
        assert f'href="{folder}/index.html"' in page
        assert f'href="{folder}/weekly/latest/report.html"' in page
        latest = json.loads((site / folder / "weekly" / "latest" / "metrics.json").read_text())
        assert latest["scope"]["folder"] == folder and latest["period"] == "2026-W47"
    assert (site / "weekly" / "latest" / "metrics.json").is_file()  # the organisation's site is untouched
    again = CliRunner().invoke(main, ["publish", "--site", str(site), "--from", str(out)])
    assert again.exit_code == 0 and "updated" not in again.output.replace("already up to date", "")
