"""Opsgenie importer on fixtures written from Opsgenie's documented shapes (tests/fixtures/opsgenie/
README.md names the source of each); every expected value is worked out by hand in the comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reporter.cli import main
from reporter.config import parse_config
from reporter.importers.base import ImportContext, ImportFormatError
from reporter.importers.opsgenie import import_opsgenie
from reporter.importers.people import PeopleMap

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "opsgenie"
CONFIG = {"services": {"payments-api": {"team": "payments", "aliases": ["9d2f0c1e-payments"]},
                       "ledger": {"team": "payments", "aliases": ["Ledger Team", "t-ledger"]}}}


def _ctx() -> ImportContext:
    return ImportContext(PeopleMap(), parse_config(CONFIG))


def _rows(result) -> dict[str, dict]:
    return {r["id"]: r for r in result.rows["incidents"]}


def test_alert_pages_use_report_durations_not_updated_at():
    result = import_opsgenie([FIXTURES / "alerts.json"], _ctx())
    assert _rows(result) == {
        # The documentation's sample: created 20:32:52.353; ackTime 15702 ms -> 20:33:08.055;
        # closeTime 60503 ms -> 20:33:52.856. updatedAt (13 days later) is not its resolution.
        # No tag, team or entity names a configured service: no service.
        "70413a06-38d6-4c85-92b8-5ebc900d42e2": {
            "id": "70413a06-38d6-4c85-92b8-5ebc900d42e2", "opened_at": "2017-03-21T20:32:52.353000Z",
            "resolved_at": "2017-03-21T20:33:52.856000Z", "acknowledged_at": "2017-03-21T20:33:08.055000Z",
            "severity": "sev5"},
        # Open: acknowledged 120000 ms after creation, no resolved_at; the service: tag names the service.
        "8418d193-2dab-4490-b331-8c02cdd196b7": {
            "id": "8418d193-2dab-4490-b331-8c02cdd196b7", "opened_at": "2017-03-21T21:00:00Z",
            "acknowledged_at": "2017-03-21T21:02:00Z", "service": "payments-api", "severity": "sev1"},
        # 01:00 + 300000 ms = 01:05; + 5400000 ms = 02:30. The responder team "Ledger Team" is an alias.
        "c9cec2cb-e782-4ebb-bc1d-1b2fa703cf03": {
            "id": "c9cec2cb-e782-4ebb-bc1d-1b2fa703cf03", "opened_at": "2017-03-22T01:00:00Z",
            "resolved_at": "2017-03-22T02:30:00Z", "acknowledged_at": "2017-03-22T01:05:00Z", "service": "ledger",
            "severity": "sev2"},
        # Closed with an empty report: no resolved_at (a note says so).
        "0c5f7c4d-9a1e-4b6b-8e0c-5f3d2a1b0c9d": {
            "id": "0c5f7c4d-9a1e-4b6b-8e0c-5f3d2a1b0c9d", "opened_at": "2017-03-22T03:00:00Z", "severity": "sev3"},
    }
    # Record 5: the third alert of page two (2 + 3), createdAt "21/03/2017".
    assert [(i.file, i.line) for i in result.issues] == [("alerts.json", 5)]
    notes = "\n".join(result.notes)
    assert "1 closed alert without report.closeTime" in notes
    assert "1 alert or incident still open" in notes
    assert "paging.next" not in notes  # the last page has none
    assert "OverwriteQuietHours / Critical" in notes  # what no service matched


def test_a_page_with_paging_next_is_noted():
    result = import_opsgenie([FIXTURES / "alerts-last-page-missing.json"], _ctx())
    assert len(result.rows["incidents"]) == 2
    assert any(n.startswith("alerts-last-page-missing.json: its last page has paging.next") for n in result.notes)


def test_incidents_have_no_resolution_time_and_say_so():
    result = import_opsgenie([FIXTURES / "incidents.json"], _ctx())
    assert _rows(result) == {
        # serviceId is an alias of payments-api; resolved, but the Incident API gives no resolve time.
        "696f0e9d-ae8a-4e5a-a7e1-9d3b0b5a9f11": {"id": "696f0e9d-ae8a-4e5a-a7e1-9d3b0b5a9f11",
                                                 "opened_at": "2017-04-01T10:00:00Z", "service": "payments-api",
                                                 "severity": "sev1"},
        # The owner team t-ledger is an alias of ledger.
        "a4d3c2b1-0000-4000-8000-000000000002": {"id": "a4d3c2b1-0000-4000-8000-000000000002",
                                                 "opened_at": "2017-04-02T12:00:00Z", "service": "ledger",
                                                 "severity": "sev3"},
    }
    assert any("1 resolved incident without a resolution time" in n for n in result.notes)


def test_impact_end_and_epoch_close_times(tmp_path):
    page = {"data": [
        {"id": "inc-1", "status": "resolved", "createdAt": "2017-04-01T10:00:00Z", "impactEndDate": "2017-04-01T12:30:00Z",
         "priority": "P2", "ownerTeam": "nobody", "extraProperties": {}},
        # 1490000000000 ms = 2017-03-20T08:53:20Z: too large for a duration, read as a time.
        {"id": "al-1", "status": "closed", "createdAt": "2017-03-20T08:00:00Z", "report": {"closeTime": 1490000000000}},
        {"id": "al-2", "status": "closed", "createdAt": "2017-03-20T08:00:00Z", "report": {"closeTime": "soon"}},
    ], "paging": {}}
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(page))
    result = import_opsgenie([path], _ctx())
    rows = _rows(result)
    assert rows["inc-1"]["resolved_at"] == "2017-04-01T12:30:00Z" and rows["inc-1"]["severity"] == "sev2"
    assert rows["al-1"]["resolved_at"] == "2017-03-20T08:53:20Z"
    assert [(i.line, i.record) for i in result.issues] == [(3, "al-2")]
    assert "closeTime is not a number of milliseconds" in result.issues[0].reason


@pytest.mark.parametrize("content,expected", [
    ('{"data": [{"id": "x"', "not valid JSON at line 1"),
    ('{"result": "ok"}', "not an Opsgenie export"),
])
def test_unreadable_files_fail_clearly(tmp_path, content, expected):
    path = tmp_path / "og.json"
    path.write_text(content)
    with pytest.raises(ImportFormatError) as err:
        import_opsgenie([path], _ctx())
    assert expected in str(err.value) and "og.json" in str(err.value)


def _cli(*args: str):
    return CliRunner().invoke(main, ["import", "opsgenie", *args])


def test_cli_merge_reimport_strict_and_dry_run(tmp_path):
    out = tmp_path / "data"
    out.mkdir()
    (out / "reporter.yaml").write_text(yaml.safe_dump(CONFIG))
    strict = _cli(str(FIXTURES / "alerts.json"), "--out", str(out), "--strict")
    assert strict.exit_code == 4 and "alerts.json, line 5" in strict.output and "nothing written" in strict.output
    dry = _cli(str(FIXTURES / "alerts.json"), "--out", str(out), "--dry-run")
    assert dry.exit_code == 0 and "would write incidents.csv: 4 added" in dry.output
    assert not (out / "incidents.csv").exists()

    first = _cli(str(FIXTURES / "alerts-last-page-missing.json"), "--out", str(out))
    assert first.exit_code == 0 and "wrote incidents.csv: 2 added" in first.output
    # The full export: the two alerts again (unchanged) and two more; the bad record is listed.
    full = _cli(str(FIXTURES / "alerts.json"), str(FIXTURES / "incidents.json"), "--out", str(out))
    assert "incidents.csv: 4 added, 0 updated, 2 unchanged" in full.output, full.output
    assert "1 invalid record skipped" in full.output
    snapshot = (out / "incidents.csv").read_bytes(), (out / "incidents.csv").stat().st_mtime_ns
    again = _cli(str(FIXTURES / "alerts.json"), str(FIXTURES / "incidents.json"), "--out", str(out))
    assert "no change to incidents.csv: 0 added, 0 updated, 6 unchanged" in again.output
    assert ((out / "incidents.csv").read_bytes(), (out / "incidents.csv").stat().st_mtime_ns) == snapshot


def test_imported_alerts_load_and_give_recovery_time(tmp_path):
    from reporter.build import compute_report

    out = tmp_path / "data"
    out.mkdir()
    (out / "people.csv").write_text("person,team\nana,payments\n")
    (out / "reporter.yaml").write_text(yaml.safe_dump(CONFIG))
    assert _cli(str(FIXTURES / "alerts.json"), "--out", str(out)).exit_code == 0
    doc = compute_report("weekly", out, period_id="2017-W12")
    # Resolved in ISO week 12 of 2017 (Mar 20-26): 60.503 s and 1.5 h -> median (0.016806 + 1.5) / 2 h.
    metric = doc["metrics"]["recovery_time_hours"]
    assert metric["n"] == 2 and metric["value"] == pytest.approx((60.503 / 3600 + 1.5) / 2, abs=1e-3)
