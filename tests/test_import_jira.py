"""The Jira importer on search pages written from Atlassian's documented format
(tests/fixtures/jira/SOURCE.md). Every expected value is worked out by hand from the fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.config import Config, parse_config
from reporter.importers.base import ImportContext, ImportFormatError
from reporter.importers.jira import import_jira
from reporter.importers.options import parse_options
from reporter.importers.people import PeopleMap

FIX = Path(__file__).parent / "fixtures" / "jira"
PAGES = [FIX / "search-jql-page1.json", FIX / "search-jql-page2.json"]


def _run(paths, **options):
    return import_jira(paths, ImportContext(PeopleMap(), Config(), parse_options("jira", options)))


def test_search_jql_pages_by_the_documented_defaults():
    result = _run(PAGES, team_map={"SHOP": "payments"})
    rows = {r["id"]: r for r in result.rows["work_items"]}
    assert rows["SHOP-1"] == {  # the epic: in progress since its category changed; its own initiative
        "id": "SHOP-1", "type": "epic", "created_at": "2026-02-02T09:00:00Z", "team": "payments",
        "initiative": "Checkout v2", "strategic": "true", "started_at": "2026-02-10T10:00:00Z",
        "status": "in_progress", "ai_assisted": "false", "escaped_defect": "false"}
    assert rows["SHOP-2"] == {  # 08:30+01:00 is 07:30Z; done at resolutiondate; strategic from its epic
        "id": "SHOP-2", "type": "story", "created_at": "2026-02-03T07:30:00Z", "team": "payments",
        "initiative": "Checkout v2", "strategic": "true", "done_at": "2026-03-04T16:00:00Z", "status": "done",
        "ai_assisted": "true", "escaped_defect": "false"}
    # the page-1 copy of SHOP-3 is newer (updated 9 Mar vs 2 Mar) and carries the production-bug label
    assert rows["SHOP-3"]["escaped_defect"] == "true" and rows["SHOP-3"]["status"] == "todo"
    assert "initiative" not in rows["SHOP-3"] and "started_at" not in rows["SHOP-3"]
    # a subtask under SHOP-2 reaches the epic through its parent
    assert rows["SHOP-4"]["initiative"] == "Checkout v2" and rows["SHOP-4"]["type"] == "subtask"
    assert rows["SHOP-4"]["done_at"] == "2026-02-06T10:00:00Z"
    # Won't Do: not work done; its epic is not in the export but the parent stub names it
    assert rows["SHOP-5"]["status"] == "canceled" and "done_at" not in rows["SHOP-5"]
    assert rows["SHOP-5"]["initiative"] == "Faster search"
    assert set(rows) == {"SHOP-1", "SHOP-2", "SHOP-3", "SHOP-4", "SHOP-5"}
    assert [(i.file, i.line, i.record) for i in result.issues] == [
        ("search-jql-page2.json", 2, "SHOP-6"), ("search-jql-page2.json", 3, "SHOP-7")]
    assert "'yesterday'" in result.issues[0].reason and "before the creation" in result.issues[1].reason
    assert any("1 issue listed more than once" in n for n in result.notes)
    assert any("1 Won't Do" in n for n in result.notes)


def test_configured_fields_by_display_name_changelog_start_and_epic_link():
    result = _run([FIX / "search-v3-names-changelog.json"],
                  fields={"initiative": "Initiative", "team": "customfield_10001", "strategic": "Strategic"},
                  team_map={"Web Team": "web"})
    rows = {r["id"]: r for r in result.rows["work_items"]}
    assert rows["WEB-10"] == {  # started at its To Do -> In Progress move (3 Mar), not at creation
        "id": "WEB-10", "type": "epic", "created_at": "2026-03-02T09:00:00Z", "team": "web",
        "initiative": "Accessibility", "strategic": "true", "started_at": "2026-03-03T10:00:00Z",
        "done_at": "2026-03-05T10:00:00Z", "status": "done", "ai_assisted": "false", "escaped_defect": "false"}
    # in progress with an empty changelog: statuscategorychangedate; the checkbox field is empty
    assert rows["WEB-11"]["started_at"] == "2026-03-06T08:00:00Z" and rows["WEB-11"]["strategic"] == "false"
    assert rows["WEB-11"]["escaped_defect"] == "true" and "initiative" not in rows["WEB-11"]
    # no own values: initiative, team and strategic come from WEB-10 through the Epic Link field
    assert {k: rows["WEB-12"][k] for k in ("initiative", "team", "strategic")} == {
        "initiative": "Accessibility", "team": "web", "strategic": "true"}
    assert result.issues == []


def test_rules_from_config_and_a_missing_field_is_reported():
    result = _run(PAGES, escaped_defect={"types": ["Bug"]}, ai_assisted={"labels": ["backend"]},
                  fields={"initiative": "customfield_99999"})
    rows = {r["id"]: r for r in result.rows["work_items"]}
    assert [i for i, r in rows.items() if r["escaped_defect"] == "true"] == ["SHOP-3"]  # the Bug
    assert [i for i, r in rows.items() if r["ai_assisted"] == "true"] == ["SHOP-2"]
    assert not any("initiative" in r for r in rows.values())  # the configured field decides, and is absent
    assert any("customfield_99999 (initiative) is in none of the 5 issues" in n for n in result.notes)
    assert any("5 work items have no team" in n for n in result.notes)


def test_wrong_files_fail_with_a_reason(tmp_path):
    ids_only = tmp_path / "ids.json"
    ids_only.write_text(json.dumps({"issues": [{"id": "1", "key": "A-1"}], "isLast": True}))
    with pytest.raises(ImportFormatError, match="ids only unless fields="):
        _run([ids_only])
    error = tmp_path / "error.json"
    error.write_text(json.dumps({"errorMessages": ["The value 'NOPE' does not exist for the field 'project'."],
                                 "errors": {}}))
    with pytest.raises(ImportFormatError, match="error.json: Jira answered with an error.*NOPE"):
        _run([error])
    other = tmp_path / "other.json"
    other.write_text(json.dumps([{"hello": 1}]))
    with pytest.raises(ImportFormatError, match="not a Jira search export"):
        _run([other])


def test_config_options_reach_the_cli_and_reimport_changes_nothing(tmp_path):
    out = tmp_path / "data"
    out.mkdir()
    (out / "reporter.yaml").write_text("imports:\n  - source: jira\n    paths: [jira.json]\n"
                                       "    team_map: {SHOP: payments}\n")
    runner = CliRunner()
    args = ["import", "jira", *map(str, PAGES), "--out", str(out)]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "wrote work_items.csv: 5 added" in first.output and "2 invalid records skipped" in first.output
    text = (out / "work_items.csv").read_text()
    assert text.count(",payments,") == 5
    again = runner.invoke(main, args)
    assert "no change to work_items.csv: 0 added, 0 updated, 5 unchanged" in again.output
    assert (out / "work_items.csv").read_text() == text
    strict = runner.invoke(main, [*args, "--strict", "--out", str(tmp_path / "s")])
    assert strict.exit_code == 4 and "nothing written" in strict.output
    wrong = runner.invoke(main, [*args, "--dataset", "incidents"])
    assert wrong.exit_code == 4 and "dataset: does not apply to jira (it applies to csv)" in wrong.output


def test_config_rejects_misplaced_options():
    with pytest.raises(Exception, match=r"imports\[0\]\.fields\.sprint.*allowed: initiative"):
        parse_config({"imports": [{"source": "jira", "paths": ["a.json"], "fields": {"sprint": "x"}}]})
    with pytest.raises(Exception, match=r"imports\[0\]\.escaped_defect\.tags.*allowed: labels"):
        parse_config({"imports": [{"source": "jira", "paths": ["a.json"], "escaped_defect": {"tags": ["x"]}}]})
    config = parse_config({"imports": [{"source": "jira", "paths": ["a.json"],
                                        "escaped_defect": {"labels": "sev-escape"}}]})
    assert config.imports[0].options == {"escaped_defect": {"labels": ("sev-escape",)}}
