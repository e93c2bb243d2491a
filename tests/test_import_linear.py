"""The Linear importer on a CSV export and GraphQL pages written from Linear's documented formats
(tests/fixtures/linear/SOURCE.md). Expected values are worked out by hand from the fixtures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.config import Config
from reporter.importers.base import ImportContext, ImportFormatError
from reporter.importers.linear import import_linear, linear_time
from reporter.importers.options import parse_options
from reporter.importers.people import PeopleMap

FIX = Path(__file__).parent / "fixtures" / "linear"


def _run(paths, **options):
    return import_linear(paths, ImportContext(PeopleMap(), Config(), parse_options("linear", options)))


def test_javascript_and_iso_times():
    utc = dt.timezone.utc
    assert linear_time("Mon Mar 02 2026 09:15:00 GMT+0100 (Central European Standard Time)") == \
        dt.datetime(2026, 3, 2, 8, 15, tzinfo=utc)
    assert linear_time("Sat Mar 07 2026 19:30:00 GMT-0530 (x)") == dt.datetime(2026, 3, 8, 1, 0, tzinfo=utc)
    assert linear_time("2026-03-04T08:00:00.000Z") == dt.datetime(2026, 3, 4, 8, 0, tzinfo=utc)
    assert linear_time("") is None
    with pytest.raises(ValueError):
        linear_time("Mon Foo 02 2026 09:15:00 GMT+0100")


def test_csv_export():
    result = _run([FIX / "linear-export.csv"], team_map={"Payments": "payments"})
    rows = {r["id"]: r for r in result.rows["work_items"]}
    assert rows["PAY-101"] == {
        "id": "PAY-101", "type": "issue", "created_at": "2026-03-02T08:15:00Z", "team": "payments",
        "initiative": "Checkout v2", "strategic": "false", "started_at": "2026-03-03T10:00:00Z",
        "done_at": "2026-03-05T16:30:00Z", "status": "done", "ai_assisted": "true", "escaped_defect": "false"}
    assert rows["PAY-102"] == {  # label Bug makes the type; escaped-defect the flag; no project
        "id": "PAY-102", "type": "bug", "created_at": "2026-03-04T08:00:00Z", "team": "payments",
        "strategic": "false", "started_at": "2026-03-04T11:00:00Z", "status": "in_progress",
        "ai_assisted": "false", "escaped_defect": "true"}
    assert rows["PAY-103"]["initiative"] == "Checkout v2"  # no project of its own: its parent PAY-101's
    assert rows["PAY-103"]["status"] == "todo"
    # canceled (and archived): kept, not done
    assert rows["PAY-104"]["status"] == "canceled" and "done_at" not in rows["PAY-104"]
    assert [(i.file, i.line, i.record) for i in result.issues] == [("linear-export.csv", 6, "PAY-105")]
    assert result.issues[0].reason.startswith('column "Created": ')
    # the Initiatives column instead of the project
    other = _run([FIX / "linear-export.csv"], fields={"initiative": "Initiatives"}, team="web")
    rows = {r["id"]: r for r in other.rows["work_items"]}
    assert rows["PAY-101"]["initiative"] == "Payments 2026" and rows["PAY-103"]["initiative"] == "Payments 2026"
    assert {r["team"] for r in rows.values()} == {"web"}


def test_graphql_pages():
    result = _run([FIX / "graphql-issues.json"])
    rows = {r["id"]: r for r in result.rows["work_items"]}
    assert rows["WEB-7"] == {
        "id": "WEB-7", "type": "issue", "created_at": "2026-03-02T09:00:00Z", "team": "Web",
        "initiative": "Accessible checkout", "strategic": "true", "started_at": "2026-03-03T09:00:00Z",
        "done_at": "2026-03-06T15:00:00Z", "status": "done", "ai_assisted": "false", "escaped_defect": "false"}
    # In Review is a started state; the sub-issue takes project and strategic from WEB-7
    assert rows["WEB-8"]["status"] == "in_progress" and rows["WEB-8"]["ai_assisted"] == "true"
    assert rows["WEB-8"]["initiative"] == "Accessible checkout" and rows["WEB-8"]["strategic"] == "true"
    assert rows["WEB-9"]["status"] == "todo" and rows["WEB-9"]["type"] == "bug"  # triage
    assert rows["WEB-9"]["escaped_defect"] == "true"
    assert rows["WEB-10"]["status"] == "canceled" and "done_at" not in rows["WEB-10"]  # Duplicate
    assert [(i.file, i.line) for i in result.issues] == [("graphql-issues.json", 5)]  # 5th node: no identifier


def test_wrong_files(tmp_path):
    errors = tmp_path / "errors.json"
    errors.write_text('{"errors": [{"message": "Authentication required, not authenticated"}]}')
    with pytest.raises(ImportFormatError, match="errors.json: Linear answered with errors.*Authentication"):
        _run([errors])
    other = tmp_path / "other.csv"
    other.write_text("Key,Summary\nA-1,x\n")
    with pytest.raises(ImportFormatError, match="other.csv: not a Linear CSV export: no ID, Title, Status, Created"):
        _run([other])


def test_cli_import_is_idempotent(tmp_path):
    runner = CliRunner()
    args = ["import", "linear", str(FIX / "linear-export.csv"), str(FIX / "graphql-issues.json"),
            "--out", str(tmp_path)]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "wrote work_items.csv: 8 added" in first.output and "2 invalid records skipped" in first.output
    before = (tmp_path / "work_items.csv").read_bytes()
    again = runner.invoke(main, args)
    assert "0 added, 0 updated, 8 unchanged" in again.output
    assert (tmp_path / "work_items.csv").read_bytes() == before
