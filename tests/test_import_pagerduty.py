"""PagerDuty importer on fixtures written from PagerDuty's documented shapes (tests/fixtures/pagerduty/
README.md names the page of each); every expected value is worked out by hand in the comments."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reporter.cli import main
from reporter.config import parse_config
from reporter.importers.base import ImportContext, ImportFormatError
from reporter.importers.oncall import severity
from reporter.importers.pagerduty import import_pagerduty
from reporter.importers.people import PeopleMap

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pagerduty"
SAMPLE = Path(__file__).resolve().parents[1] / "sample_inputs"
CONFIG = {"timezone": "Europe/Berlin", "services": {"mail": {"team": "ops", "aliases": ["PIJ90N7"]}}}


def _ctx(config: dict | None = None) -> ImportContext:
    return ImportContext(PeopleMap(), parse_config(CONFIG if config is None else config))


def _rows(result) -> dict[str, dict]:
    return {r["id"]: r for r in result.rows["incidents"]}


def test_rest_pages_back_to_back():
    result = import_pagerduty([FIXTURES / "incidents-pages.json"], _ctx())
    assert _rows(result) == {
        # OpenAPI example: priority P2 -> sev2; service id PIJ90N7 is an alias of "mail".
        "PT4KHLK": {"id": "PT4KHLK", "opened_at": "2015-10-06T21:30:42Z", "resolved_at": "2015-10-06T21:38:23Z",
                    "severity": "sev2", "service": "mail"},
        # Listed on both pages; the second copy (updated 09:20 > 09:15) is kept: 08:00+02:00 = 06:00Z,
        # resolved 09:15+02:00 = 07:15Z. No priority: severity is the urgency.
        "PQ1OLD1": {"id": "PQ1OLD1", "opened_at": "2015-10-07T06:00:00Z", "resolved_at": "2015-10-07T07:15:00Z",
                    "severity": "low", "service": "mail"},
        # Acknowledged, not resolved: the earliest of the two acknowledgements (10:05 before 10:07).
        # "SEV-1" -> sev1. "Checkout" is not in the config: kept as PagerDuty names it.
        "PACK001": {"id": "PACK001", "opened_at": "2015-10-07T10:00:00Z", "acknowledged_at": "2015-10-07T10:05:00Z",
                    "severity": "sev1", "service": "Checkout"},
    }
    # Record 4 of the file (2 on page one, then the third of page two) has an unreadable created_at.
    assert [(i.file, i.line, i.record) for i in result.issues] == [("incidents-pages.json", 4, "PBAD001")]
    assert "not an ISO 8601 timestamp: 'yesterday'" in result.issues[0].reason
    notes = "\n".join(result.notes)
    assert "1 incident listed more than once" in notes
    assert "1 incident not resolved yet" in notes
    assert "Checkout / PCHK001" in notes and "aliases" in notes
    assert "more: true" not in notes  # the last page says more: false


def test_pages_as_an_array_and_a_single_incident_give_the_same_rows(tmp_path):
    text = (FIXTURES / "incidents-pages.json").read_text()
    decoder = json.JSONDecoder()
    first, end = decoder.raw_decode(text)
    second, _ = decoder.raw_decode(text[end:].lstrip())
    array = tmp_path / "array.json"
    array.write_text(json.dumps([first, second]))
    assert _rows(import_pagerduty([array], _ctx())) == _rows(import_pagerduty([FIXTURES / "incidents-pages.json"],
                                                                              _ctx()))
    single = tmp_path / "one.json"
    single.write_text(json.dumps({"incident": first["incidents"][0]}))
    assert list(_rows(import_pagerduty([single], _ctx()))) == ["PT4KHLK"]


def test_a_page_that_says_more_is_noted(tmp_path):
    text = (FIXTURES / "incidents-pages.json").read_text()
    first, _ = json.JSONDecoder().raw_decode(text)
    page = tmp_path / "page1.json"
    page.write_text(json.dumps(first))
    result = import_pagerduty([page], _ctx())
    assert any(n.startswith("page1.json: its last page says more: true") for n in result.notes)
    # Only page one: PQ1OLD1 has no resolved_at there; its last status change (to resolved) is used.
    assert _rows(result)["PQ1OLD1"]["resolved_at"] == "2015-10-07T07:15:00Z"
    assert any("resolved_at is their last_status_change_at" in n for n in result.notes)


def test_analytics_raw_incidents():
    result = import_pagerduty([FIXTURES / "analytics-raw.json"], _ctx())
    assert _rows(result) == {
        # Times without offset are the API's default time_zone, UTC; ack = 10:05:00 + 5 s.
        "PYC0H08": {"id": "PYC0H08", "opened_at": "2023-05-31T10:05:00Z", "resolved_at": "2023-05-31T10:15:00Z",
                    "acknowledged_at": "2023-05-31T10:05:05Z", "severity": "low", "service": "Engineering"},
        "PTRIG01": {"id": "PTRIG01", "opened_at": "2023-06-01T07:30:00Z", "severity": "sev1", "service": "Engineering"},
    }
    # The documentation's second example record resolves a day before it was created.
    assert [(i.line, i.record) for i in result.issues] == [(2, "PCOOHCY")]
    assert "is before created_at" in result.issues[0].reason


def test_csv_export_in_the_configured_time_zone():
    result = import_pagerduty([FIXTURES / "incidents.csv"], _ctx())
    assert _rows(result) == {
        # 14:00 and 16:30 in Berlin (CEST, UTC+2) = 12:00Z and 14:30Z; acknowledged 120 s after opening.
        "P0CSV01": {"id": "P0CSV01", "opened_at": "2015-10-08T12:00:00Z", "resolved_at": "2015-10-08T14:30:00Z",
                    "acknowledged_at": "2015-10-08T12:02:00Z", "severity": "sev3", "service": "mail"},
        # No Resolved At: created (07:00Z) + Seconds To Resolve 1800 = 07:30Z.
        "P0CSV02": {"id": "P0CSV02", "opened_at": "2015-10-09T07:00:00Z", "resolved_at": "2015-10-09T07:30:00Z",
                    "severity": "low", "service": "Checkout"},
    }
    assert [(i.file, i.line, i.record) for i in result.issues] == [("incidents.csv", 4, "P0CSV03")]


@pytest.mark.parametrize("content,expected", [
    ('{"incidents": [{"id": "P1", "created_at": "2026-01-01T00:00:00Z"}', "not valid JSON at line 1"),
    ('{"users": []}', "not a PagerDuty incidents export"),
    ("Incident ID,Title\nP1,x\n", "no created_at column"),
    ("Title,Created At\nx,2026-01-01\n", "no id (or incident_number)"),
])
def test_unreadable_files_fail_clearly(tmp_path, content, expected):
    path = tmp_path / "export.json"
    path.write_text(content)
    with pytest.raises(ImportFormatError) as err:
        import_pagerduty([path], _ctx())
    assert expected in str(err.value) and "export.json" in str(err.value)


@pytest.mark.parametrize("priority,urgency,expected", [
    ("P1", "high", "sev1"), ("p4", None, "sev4"), ("SEV-2", "low", "sev2"), ("Sev3", None, "sev3"),
    ("severity 1", None, "sev1"), ("Critical", "high", "critical"), (None, "High", "high"), (None, None, None),
])
def test_severity_words(priority, urgency, expected):
    assert severity(priority, urgency)[0] == expected


def _cli(*args: str):
    return CliRunner().invoke(main, ["import", "pagerduty", *args])


def test_cli_merges_reimports_without_change_and_lists_bad_records(tmp_path):
    out = tmp_path / "data"
    out.mkdir()
    (out / "reporter.yaml").write_text(yaml.safe_dump(CONFIG))
    first = _cli(str(FIXTURES / "incidents-pages.json"), "--out", str(out))
    assert first.exit_code == 0, first.output
    assert "wrote incidents.csv: 3 added, 0 updated, 0 unchanged" in first.output
    assert "1 invalid record skipped" in first.output and "incidents-pages.json, line 4" in first.output
    log = json.loads((out / ".import-issues" / "pagerduty.json").read_text())
    assert [(s["file"], s["line"], s["record"]) for s in log["skipped"]] == [("incidents-pages.json", 4, "PBAD001")]
    snapshot = (out / "incidents.csv").read_bytes(), (out / "incidents.csv").stat().st_mtime_ns

    again = _cli(str(FIXTURES / "incidents-pages.json"), "--out", str(out))
    assert "no change to incidents.csv: 0 added, 0 updated, 3 unchanged" in again.output
    assert ((out / "incidents.csv").read_bytes(), (out / "incidents.csv").stat().st_mtime_ns) == snapshot

    # A deployment_id set by hand survives a re-import; the CSV export adds two incidents.
    lines = (out / "incidents.csv").read_text().splitlines()
    assert lines[0] == "id,opened_at,service,resolved_at,severity,acknowledged_at"
    lines = [lines[0] + ",deployment_id"] + [line + (",dep-9" if line.startswith("PT4KHLK,") else ",")
                                             for line in lines[1:]]
    (out / "incidents.csv").write_text("\n".join(lines) + "\n")
    more = _cli(str(FIXTURES / "incidents-pages.json"), str(FIXTURES / "incidents.csv"), "--out", str(out))
    assert "incidents.csv: 2 added, 0 updated, 3 unchanged" in more.output, more.output
    rows = (out / "incidents.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in rows[1:]] == ["PACK001", "PQ1OLD1", "PT4KHLK", "P0CSV01", "P0CSV02"]
    assert rows[3].endswith(",dep-9")


def test_cli_strict_and_dry_run_write_nothing(tmp_path):
    out = tmp_path / "data"
    strict = _cli(str(FIXTURES / "analytics-raw.json"), "--out", str(out), "--strict")
    assert strict.exit_code == 4
    assert "analytics-raw.json, line 2, record 'PCOOHCY'" in strict.output and "nothing written" in strict.output
    assert not (out / "incidents.csv").exists()
    dry = _cli(str(FIXTURES / "analytics-raw.json"), "--out", str(out), "--dry-run")
    assert dry.exit_code == 0 and "would write incidents.csv: 2 added" in dry.output
    assert not (out / "incidents.csv").exists()
    assert "Traceback" not in strict.output + dry.output


def test_config_aliases_must_name_one_service():
    from reporter.errors import ConfigError

    with pytest.raises(ConfigError, match="already names service"):
        parse_config({"services": {"a": {"aliases": ["Shop"]}, "b": {"aliases": ["shop"]}}})


def test_end_to_end_sample_organisation_recovery_time_from_pagerduty(tmp_path):
    """The sample organisation with its incidents from a PagerDuty export instead of incidents.csv.

    northwind.json, resolved incidents (opened -> resolved, UTC):
      PNW0001 09-29 08:00 -> 09:30  1.5 h   Payments API (alias of payments-api)
      PNW0002 09-30 20:15 -> 23:15  3 h     (+02:00 in the export) Edge Gateway (alias)
      PNW0003 10-02 10:00 -> 10:45  0.75 h  resolved_at missing: last_status_change_at; service id PSTORE1
      PNW0005 10-13 09:00 -> 15:00  6 h
      PNW0006 09-27 23:00 -> 09-28 01:00  2 h (opened in W39, resolved in W40)
      PNW0007 10-20 14:00 -> 18:00  4 h
    PNW0004 is acknowledged, not resolved.
    Week 2026-W40 (09-28..10-04) resolves 1.5, 3, 0.75, 2 -> median 1.75 h, n 4.
    October 2026 resolves 0.75, 6, 4 -> median 4 h, n 3.
    """
    from reporter.build import compute_report

    data = tmp_path / "northwind"
    shutil.copytree(SAMPLE, data)
    (data / "incidents.csv").unlink()
    config = yaml.safe_load((data / "reporter.yaml").read_text())
    config["services"]["payments-api"]["aliases"] = ["Payments API"]
    config["services"]["edge-gateway"]["aliases"] = ["Edge Gateway"]
    config["services"]["storefront"]["aliases"] = ["PSTORE1"]
    config["services"]["auth-service"]["aliases"] = ["Auth Service"]
    config["services"]["ledger"]["aliases"] = ["Ledger"]
    (data / "reporter.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    imported = _cli(str(FIXTURES / "northwind.json"), "--out", str(data))
    assert imported.exit_code == 0, imported.output
    assert "wrote incidents.csv: 7 added" in imported.output
    assert "services reporter.yaml does not list" not in imported.output  # every service mapped

    for cadence, period, value, n in (("weekly", "2026-W40", 1.75, 4), ("monthly", "2026-10", 4.0, 3)):
        built = CliRunner().invoke(main, ["build", cadence, "--input", str(data), "--period", period,
                                          "--out", str(tmp_path / "reports"), "--format", "json,html"])
        assert built.exit_code == 0, built.output
        doc = compute_report(cadence, data, period_id=period)
        metric = doc["metrics"]["recovery_time_hours"]
        assert metric["value"] == pytest.approx(value) and metric["n"] == n, metric
        assert doc["data_quality"]["skipped_rows"] == 0

