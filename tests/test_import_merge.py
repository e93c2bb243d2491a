"""Merging imported rows into a canonical folder: keys, updates, no duplicates, stable bytes."""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reporter.errors import InputError
from reporter.importers.base import ImportResult, load_json, money_from_cents, parse_time, read_csv_dicts
from reporter.importers.merge import plan_and_write
from reporter.importers.people import PeopleMap
from reporter.inputs.load import load_inputs


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _prs(*rows: dict) -> ImportResult:
    result = ImportResult()
    for row in rows:
        result.add("pull_requests", row)
    return result


def test_first_import_writes_spec_columns_in_natural_key_order(tmp_path):
    result = _prs({"id": "api#10", "repo": "api", "author": "ana", "created_at": "2026-03-02T10:00:00Z"},
                  {"id": "api#9", "repo": "api", "author": "bo", "created_at": "2026-03-01T10:00:00Z",
                   "labels": ["ai", "bug"]})
    plan = plan_and_write(tmp_path, result)
    rows = _rows(tmp_path / "pull_requests.csv")
    assert [r["id"] for r in rows] == ["api#9", "api#10"]  # 9 before 10, not text order
    assert rows[0]["labels"] == "ai;bug"
    header = (tmp_path / "pull_requests.csv").read_text().splitlines()[0]
    assert header == "id,repo,author,created_at,labels"  # spec order, only columns that hold data
    assert (plan.stats[0].added, plan.stats[0].updated, plan.stats[0].unchanged) == (2, 0, 0)
    inputs = load_inputs(tmp_path, ZoneInfo("UTC"))
    assert len(inputs["pull_requests"]) == 2 and not inputs.skipped


def test_reimport_changes_no_byte_and_updates_merged_prs(tmp_path):
    first = _prs({"id": "api#1", "repo": "api", "author": "ana", "created_at": "2026-03-01T10:00:00Z"})
    plan_and_write(tmp_path, first)
    target = tmp_path / "pull_requests.csv"
    before = (target.read_bytes(), target.stat().st_mtime_ns)
    again = plan_and_write(tmp_path, first)
    assert (target.read_bytes(), target.stat().st_mtime_ns) == before
    assert (again.stats[0].unchanged, again.stats[0].written) == (1, False)

    # A hand-added column survives; the PR merged since the last export gets merged_at.
    text = target.read_text().replace("created_at\n", "created_at,ai_assisted\n").replace("Z\n", "Z,true\n")
    target.write_text(text)
    later = _prs({"id": "api#1", "repo": "api", "author": "ana", "created_at": "2026-03-01T10:00:00Z",
                  "merged_at": "2026-03-02T09:00:00Z"},
                 {"id": "api#2", "repo": "api", "author": "bo", "created_at": "2026-03-03T10:00:00Z"})
    plan = plan_and_write(tmp_path, later)
    rows = _rows(target)
    assert [(r["id"], r["merged_at"], r["ai_assisted"]) for r in rows] == [
        ("api#1", "2026-03-02T09:00:00Z", "true"), ("api#2", "", "")]
    assert (plan.stats[0].added, plan.stats[0].updated) == (1, 1)


def test_rows_the_export_lacks_are_kept(tmp_path):
    plan_and_write(tmp_path, _prs({"id": "a#1", "repo": "a", "author": "x", "created_at": "2026-01-01T00:00:00Z"}))
    plan = plan_and_write(tmp_path, _prs({"id": "a#2", "repo": "a", "author": "x",
                                          "created_at": "2026-01-02T00:00:00Z"}))
    assert [r["id"] for r in _rows(tmp_path / "pull_requests.csv")] == ["a#1", "a#2"]
    assert plan.stats[0].kept == 1


def test_costs_sharing_a_key_are_summed_exactly_and_currencies_kept_apart(tmp_path):
    result = ImportResult()
    result.add("ai_costs", {"date": "2026-03-01", "tool": "claude-code", "amount": money_from_cents(1999),
                            "currency": "USD"})
    result.add("ai_costs", {"date": "2026-03-01", "tool": "claude-code", "amount": money_from_cents(1),
                            "currency": "USD"})
    result.add("ai_costs", {"date": "2026-03-01", "tool": "claude-code", "amount": "5", "currency": "EUR"})
    plan_and_write(tmp_path, result)
    rows = _rows(tmp_path / "ai_costs.csv")
    assert sorted((r["currency"], r["amount"]) for r in rows) == [("EUR", "5"), ("USD", "20")]


def test_same_key_twice_in_one_import_is_reported_not_silently_merged(tmp_path):
    result = _prs({"id": "a#1", "repo": "a", "author": "x", "created_at": "2026-01-01T00:00:00Z"},
                  {"id": "a#1", "repo": "a", "author": "y", "created_at": "2026-01-01T00:00:00Z"})
    plan = plan_and_write(tmp_path, result)
    assert len(plan.issues) == 1 and "share the key" in plan.issues[0].reason
    assert [r["author"] for r in _rows(tmp_path / "pull_requests.csv")] == ["x"]


def test_a_non_csv_file_of_the_dataset_is_not_merged_into(tmp_path):
    (tmp_path / "pull_requests.json").write_text("[]")
    with pytest.raises(InputError, match="pull_requests.json exists"):
        plan_and_write(tmp_path, _prs({"id": "a#1", "repo": "a", "author": "x",
                                       "created_at": "2026-01-01T00:00:00Z"}))


def test_readers_name_line_and_column_of_a_truncated_file(tmp_path):
    bad = tmp_path / "prs.json"
    bad.write_text('[\n  {"number": 1,\n   "title": "x"')
    with pytest.raises(InputError, match=r"prs.json: not valid JSON at line 3, column \d+.*truncated"):
        load_json(bad)
    ragged = tmp_path / "usage.csv"
    ragged.write_bytes("\ufeffa,b\n1,2\n3\n".encode())
    with pytest.raises(InputError, match="usage.csv: line 3: 1 fields where the header has 2"):
        read_csv_dicts(ragged)
    ok = tmp_path / "ok.csv"
    ok.write_bytes("\ufeffa,b\n1,2\n".encode())
    assert read_csv_dicts(ok) == (["a", "b"], [(2, {"a": "1", "b": "2"})])


def test_values_money_and_times():
    assert str(money_from_cents(1999)) == "19.99"
    assert str(money_from_cents("250")) == "2.5"
    assert parse_time("2026-03-01T12:00:00+02:00").isoformat() == "2026-03-01T10:00:00+00:00"
    assert parse_time(0).isoformat() == "1970-01-01T00:00:00+00:00"
    with pytest.raises(ValueError, match="not an ISO 8601"):
        parse_time("yesterday")


def test_people_map_unifies_login_email_alias_and_counts_the_rest():
    people = PeopleMap.from_rows([{"person": "ana", "email": "Ana@Corp.com", "aliases": "ana-gh;ana.k"}])
    assert people.resolve("ANA-GH") == "ana"
    assert people.resolve("ana@corp.com") == "ana"
    assert people.resolve("zed", "copilot") == "zed"
    assert people.resolve("zed", "copilot") == "zed"
    assert people.resolve("dependabot[bot]") == "dependabot[bot]"
    assert dict(people.unmatched) == {"zed": 2}
    assert people.report() == [
        "1 identity not in the people roster (2 records kept under the raw name): zed; add them to "
        "people.csv as email or aliases to unify them"]
