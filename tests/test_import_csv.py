"""Any CSV through a column mapping (tests/fixtures/csv/SOURCE.md): values converted to the
canonical types, errors naming the original file, line and column. Expected values by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter.build import compute_report
from reporter.cli import main
from reporter.config import Config, parse_config
from reporter.errors import ConfigError
from reporter.importers.base import ImportContext, ImportFormatError
from reporter.importers.csv_mapping import import_csv
from reporter.importers.options import parse_options
from reporter.importers.people import PeopleMap

FIX = Path(__file__).parent / "fixtures" / "csv"
SEVERITY = {"1 - Critical": "sev1", "2 - High": "sev2", "3 - Moderate": "sev3", "4 - Low": "sev4"}


def _run(paths, people=(), config=None, **options):
    return import_csv(paths, ImportContext(PeopleMap.from_rows(list(people)), config or Config(),
                                           parse_options("csv", options)))


def test_servicenow_incidents_in_the_instance_time_zone():
    result = _run([FIX / "servicenow-incidents.csv"], dataset="incidents", timezone="Europe/Berlin",
                  columns={"id": "number", "service": "cmdb_ci", "severity": "priority"},
                  values={"severity": SEVERITY})
    # opened_at and resolved_at need no mapping: the export names them so. Berlin is UTC+2 in June.
    assert result.rows["incidents"] == [
        {"id": "INC0010001", "opened_at": "2026-06-01T07:15:00Z", "service": "payments-api",
         "resolved_at": "2026-06-01T09:45:00Z", "severity": "sev1"},
        {"id": "INC0010002", "opened_at": "2026-06-02T21:30:00Z", "service": "storefront",
         "resolved_at": "2026-06-02T23:00:00Z", "severity": "sev3"},
        {"id": "INC0010003", "opened_at": "2026-06-04T06:00:00Z", "service": "auth-service", "severity": "sev2"},
    ]
    assert [i.describe() for i in result.issues] == [
        "servicenow-incidents.csv, line 5, record 'INC0010004': column \"resolved_at\" (resolved_at): not a "
        "timestamp (ISO 8601; set datetime_format for others): 'yesterday'",
        "servicenow-incidents.csv, line 6, record 'INC0010005': column \"resolved_at\" (resolved_at) is before "
        "column \"opened_at\" (opened_at)",
        "servicenow-incidents.csv, line 7: column \"number\" (id): empty, but id is required",
    ]


def test_zendesk_tickets_name_the_original_column_in_errors(tmp_path):
    bad = tmp_path / "zendesk.csv"
    lines = (FIX / "zendesk-tickets.csv").read_text().splitlines()
    bad.write_text("\n".join(lines[:2] + [lines[2].replace("2026-06-02 09:00", "02.06.2026")]) + "\n")
    columns = {"id": "Id", "opened_at": "Created at", "resolved_at": "Solved at", "category": "Ticket type"}
    result = _run([bad], dataset="support_tickets", columns=columns)
    assert [r["id"] for r in result.rows["support_tickets"]] == ["4101"]
    assert result.issues[0].describe() == (
        "zendesk.csv, line 3, record '4102': column \"Created at\" (opened_at): not a timestamp (ISO 8601; "
        "set datetime_format for others): '02.06.2026'")
    whole = _run([FIX / "zendesk-tickets.csv"], dataset="support_tickets", columns=columns)
    assert whole.rows["support_tickets"][2] == {"id": "4103", "opened_at": "2026-06-03T07:45:00Z",
                                                "resolved_at": "2026-06-03T15:30:00Z", "category": "problem"}


def test_hr_people_semicolons_day_first_dates_and_role_values():
    result = _run([FIX / "hr-people.csv"], dataset="people", datetime_format="%d/%m/%Y",
                  columns={"person": "GitHub", "email": "Work Email", "team": "Department", "role": "Job Title",
                           "start_date": "Hire Date", "end_date": "Termination Date"},
                  values={"role": {"senior software engineer": "engineer", "Software Engineer": "engineer",
                                   "Engineering Manager": "manager"}})
    assert result.rows["people"] == [
        {"person": "ana-gh", "team": "payments", "role": "engineer", "email": "ana@acme.io",
         "start_date": "2021-03-15"},
        {"person": "bob-gh", "team": "payments", "role": "manager", "email": "bob@acme.io", "start_date": "2019-09-01"},
        {"person": "cleo-gh", "team": "web", "role": "engineer", "email": "cleo@acme.io", "start_date": "2024-05-02",
         "end_date": "2026-04-30"},
    ]
    assert [(i.line, i.record) for i in result.issues] == [(5, "dan-gh")]  # 31/02/2024
    assert result.issues[0].reason == "column \"Hire Date\" (start_date): not a date: '31/02/2024'"


def test_missing_columns_stop_the_file_with_a_hint():
    with pytest.raises(ImportFormatError, match=r'no column "Created" \(mapped to opened_at\); did you mean '
                                                r'"Created at"\?'):
        _run([FIX / "zendesk-tickets.csv"], dataset="support_tickets", columns={"id": "Id", "opened_at": "Created"})
    # "Id" fills id by its name (case aside); nothing is named like opened_at
    with pytest.raises(ImportFormatError, match=r"zendesk-tickets.csv: nothing fills the required support_tickets "
                                                r"column opened_at: map it with --map opened_at=COLUMN \(the header"):
        _run([FIX / "zendesk-tickets.csv"], dataset="support_tickets")


def test_identities_are_unified_and_numbers_checked(tmp_path):
    path = tmp_path / "usage.csv"
    path.write_text("Day,User,Product,Prompts\n2026-06-01,ana@acme.io,chat,\"1,204\"\n"
                    "2026-06-01,zed,chat,-3\n2026-06-02,ana@acme.io,chat,2.5\n")
    result = _run([path], people=[{"person": "ana", "team": "core", "email": "ana@acme.io"}], dataset="ai_usage",
                  columns={"date": "Day", "person": "User", "tool": "Product", "interactions": "Prompts"})
    assert result.rows["ai_usage"] == [{"date": "2026-06-01", "person": "ana", "tool": "chat", "interactions": "1204"}]
    assert [(i.line, i.reason) for i in result.issues] == [
        (3, "column \"Prompts\" (interactions): negative: '-3'"),
        (4, "column \"Prompts\" (interactions): not a whole number: '2.5'")]


def test_config_entry_feeds_the_build_and_the_cli(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "people.csv").write_text("person,team\nana,payments\n")
    (folder / "exports").mkdir()
    (folder / "exports" / "sn.csv").write_bytes((FIX / "servicenow-incidents.csv").read_bytes())
    (folder / "reporter.yaml").write_text(
        "timezone: Europe/Berlin\n"
        "imports:\n  - source: csv\n    dataset: incidents\n    paths: [exports/sn.csv]\n"
        "    columns: {id: number, service: cmdb_ci, severity: priority}\n")
    doc = compute_report("weekly", folder, period_id="2026-W23")  # 1-7 June 2026
    label = "incidents <- csv (sn.csv)"
    assert doc["inputs"][label]["rows"] == 3
    skipped = doc["data_quality"]["skipped"]
    assert [(s["file"], s["row"]) for s in skipped] == [("sn.csv", 5), ("sn.csv", 6), ("sn.csv", 7)]
    assert 'column "resolved_at" (resolved_at): not a timestamp' in skipped[0]["reason"]
    # the CLI finds the same entry through --config, and --map adds to its columns
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["import", "csv", str(folder / "exports" / "sn.csv"), "--out", str(out),
                                       "--config", str(folder / "reporter.yaml"), "--map", "severity=state"])
    assert result.exit_code == 0, result.output
    assert "wrote incidents.csv: 3 added" in result.output
    text = (out / "incidents.csv").read_text()
    assert "INC0010001,2026-06-01T07:15:00Z,payments-api,2026-06-01T09:45:00Z,Resolved" in text


def test_config_validation_names_the_key():
    with pytest.raises(ConfigError, match=r"imports\[0\]\.columns\.opened': incidents has no column 'opened'"):
        parse_config({"imports": [{"source": "csv", "paths": ["a.csv"], "dataset": "incidents",
                                   "columns": {"opened": "Created"}}]})
    with pytest.raises(ConfigError, match=r"imports\[0\]\.timezone': unknown IANA time zone 'Mars/Olympus'"):
        parse_config({"imports": [{"source": "csv", "paths": ["a.csv"], "dataset": "incidents",
                                   "timezone": "Mars/Olympus"}]})
    with pytest.raises(ConfigError, match=r"imports\[0\]\.dataset': the csv source needs the dataset"):
        parse_config({"imports": [{"source": "csv", "paths": ["a.csv"]}]})
