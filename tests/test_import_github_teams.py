"""GitHub teams -> people and GitHub releases -> releases, on exports written from GitHub's REST
reference (tests/fixtures/github-teams/SOURCE.md, tests/fixtures/github-releases/SOURCE.md).
Expected values are worked out by hand from the fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.config import Config, parse_config
from reporter.importers.base import ImportContext, ImportFormatError
from reporter.importers.github_releases import import_github_releases, summary_of
from reporter.importers.github_teams import import_github_teams
from reporter.importers.options import parse_options
from reporter.importers.people import PeopleMap

TEAMS = Path(__file__).parent / "fixtures" / "github-teams"
RELEASES = Path(__file__).parent / "fixtures" / "github-releases"
ROSTER = [{"person": "bob", "team": "core", "aliases": "bob-gh"}]


def _teams(paths, **options):
    ctx = ImportContext(PeopleMap.from_rows(ROSTER), Config(), parse_options("github-teams", options))
    return import_github_teams(paths, ctx)


def test_folder_of_teams_and_members():
    result = _teams([TEAMS])
    # alice and bob: engineering is payments' parent, and payments (2) is smaller than everyone (5);
    # carol and dave: platform (2, the bot left out) over engineering and everyone; erin: everyone only
    assert result.rows["people"] == [
        {"person": "alice", "team": "payments"}, {"person": "bob", "team": "payments"},
        {"person": "carol", "team": "platform"}, {"person": "dave", "team": "platform"},
        {"person": "erin", "team": "everyone"}]
    assert result.issues == []
    several = next(n for n in result.notes if "in several teams" in n)
    assert several.startswith("4 people in several teams")
    assert "carol -> platform (of engineering, everyone, platform)" in several
    assert any("1 bot membership left out" in n for n in result.notes)


def test_team_map_a_bundle_and_a_member_file_the_list_lacks(tmp_path):
    (tmp_path / "bundle.json").write_text(json.dumps({"team": {"slug": "data", "name": "Data"},
                                                      "members": [{"login": "erin", "type": "User"}]}))
    (tmp_path / "members-ghost.json").write_text(json.dumps([{"login": "zoe", "type": "User"}]))
    result = _teams([TEAMS / "teams.json", TEAMS / "members-everyone.json", tmp_path / "bundle.json",
                     tmp_path / "members-ghost.json"], team_map={"everyone": "org"})
    people = {r["person"]: r["team"] for r in result.rows["people"]}
    assert people == {"alice": "org", "bob": "org", "carol": "org", "dave": "org", "erin": "data"}
    assert [(i.file, i.line) for i in result.issues] == [("members-ghost.json", None)]
    assert "'ghost'" in result.issues[0].reason


def test_not_a_teams_export(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text(json.dumps([{"number": 1}]))
    with pytest.raises(ImportFormatError, match="not a GitHub teams export"):
        _teams([bad])


def test_teams_cli_updates_the_roster_team_and_keeps_its_other_columns(tmp_path):
    (tmp_path / "people.csv").write_text("person,team,role,email,aliases\nbob,core,manager,bob@acme.io,bob-gh\n")
    result = CliRunner().invoke(main, ["import", "github-teams", str(TEAMS), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "people.csv: 4 added, 1 updated, 0 unchanged" in result.output
    lines = (tmp_path / "people.csv").read_text().splitlines()
    assert lines[1] == "bob,payments,manager,bob@acme.io,bob-gh"
    assert "not in the people roster" not in result.output  # new logins become people, not warnings


def test_summary_is_the_first_paragraph_that_is_not_a_heading():
    assert summary_of("## What's changed\r\n\r\nOne\r\ntwo.\r\n\r\n* more") == "One two."
    assert summary_of("") is None and summary_of(None) is None


def _releases(paths, config=None, **options):
    return import_github_releases(paths, ImportContext(PeopleMap(), config or Config(),
                                                       parse_options("github-releases", options)))


def test_releases_team_from_services_date_in_the_time_zone():
    config = parse_config({"timezone": "Europe/Berlin",
                           "services": {"payments-api": {"team": "payments", "repos": ["payments-api"]}}})
    result = _releases(sorted(RELEASES.glob("*.json")), config)
    assert result.rows["releases"] == [
        {"date": "2026-06-03", "team": "payments", "title": "One-click refunds",  # 22:30Z is 00:30 in Berlin
         "summary": "Support agents refund an order in one step instead of a three-day manual process."},
        {"date": "2026-06-04", "team": "payments", "title": "payments-api v2.4.1"},  # named like its tag
    ]
    assert [(i.file, i.line, i.record) for i in result.issues] == [
        ("releases-mystery-tool.json", 1, "v0.1.0"), ("releases-payments-api.json", 5, "v2.3.9")]
    assert "no team for repository 'mystery-tool'" in result.issues[0].reason
    assert any("left out 1 draft, 1 prerelease" in n for n in result.notes)


def test_releases_team_option():
    result = _releases([RELEASES / "releases-mystery-tool.json"], team="growth")
    assert result.rows["releases"] == [{"date": "2026-06-03", "team": "growth", "title": "First cut",
                                        "summary": "Hello"}]


def test_releases_cli_merges_once(tmp_path):
    runner = CliRunner()
    args = ["import", "github-releases", str(RELEASES / "releases-mystery-tool.json"), "--team", "growth",
            "--out", str(tmp_path)]
    assert "releases.csv: 1 added" in runner.invoke(main, args).output
    again = runner.invoke(main, args)
    assert again.exit_code == 0 and "0 added, 0 updated, 1 unchanged" in again.output


def test_an_import_that_writes_the_roster_does_not_ask_for_one(tmp_path):
    result = CliRunner().invoke(main, ["import", "github-teams", str(TEAMS), "--out", str(tmp_path / "new")])
    assert result.exit_code == 0, result.output
    assert "people.csv: 5 added" in result.output and "no people file" not in result.output
