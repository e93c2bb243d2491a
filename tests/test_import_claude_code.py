"""Claude Code importer: usage report pages -> ai_usage and ai_costs, values worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reporter.config import Config
from reporter.importers.base import ImportContext, ImportFormatError
from reporter.importers.claude_code import import_claude_code
from reporter.importers.people import PeopleMap
from reporter.inputs.load import load_inputs
from tests.conftest import write_inputs

ROSTER = [{"person": "Ada", "team": "core", "email": "ada@example.com", "aliases": "ci-bot-key"}]


def ctx() -> ImportContext:
    return ImportContext(people=PeopleMap.from_rows(ROSTER), config=Config())


def record(identity: str, date: str = "2026-03-02", *, api: bool = False, terminal: str = "vscode",
           customer: str | None = "api", sessions: int = 2, added: int = 10, models: list | None = None) -> dict:
    actor = {"type": "api_actor", "api_key_name": identity} if api else {"type": "user_actor",
                                                                         "email_address": identity}
    rec = {"date": date, "actor": actor, "organization_id": "org-1", "terminal_type": terminal,
           "core_metrics": {"num_sessions": sessions, "lines_of_code": {"added": added, "removed": 1},
                            "commits_by_claude_code": 1, "pull_requests_by_claude_code": 0},
           "tool_actions": {"edit_tool": {"accepted": 3, "rejected": 1}},
           "model_breakdown": models if models is not None else [model(100, 1000)]}
    if customer is not None:
        rec["customer_type"] = customer
    return rec


def model(cents, tokens: int, currency: str = "USD", name: str = "claude-sonnet-4") -> dict:
    # tokens split over the four kinds: input, output, cache read, cache creation
    return {"model": name, "estimated_cost": {"amount": cents, "currency": currency},
            "tokens": {"input": tokens, "output": 2 * tokens, "cache_read": 3 * tokens, "cache_creation": 4 * tokens}}


def page(records: list, has_more: bool = False) -> dict:
    return {"data": records, "has_more": has_more, "next_page": "page_abc" if has_more else None}


def write(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_one_page_usage_and_costs(tmp_path):
    recs = [
        record("ada@example.com", sessions=2, added=10, models=[model(1999, 100), model(1, 10, name="haiku")]),
        record("ADA@example.com", terminal="iTerm.app", sessions=1, added=5, models=[model(50, 1)]),
        record("ci-bot-key", api=True, sessions=4, added=0, models=[model(250, 20)]),
        record("sub@example.com", customer="subscription", sessions=3, added=8, models=[model(700, 5)]),
    ]
    people = ctx()
    result = import_claude_code([write(tmp_path / "p1.json", page(recs))], people)
    usage = {r["person"]: r for r in result.rows["ai_usage"]}
    # Ada's two terminals summed: 3 sessions, 15 lines; tokens (100 + 10 + 1) x (1 + 2 + 3 + 4)
    assert usage["Ada"] == {"date": "2026-03-02", "person": "Ada", "tool": "claude-code", "feature": "cli",
                            "interactions": "7", "lines_accepted": "15", "tokens": str((100 + 10 + 1 + 20) * 10)}
    # ...and the API key aliased to Ada is Ada too (4 sessions, 20 x 10 tokens), so: one row
    assert set(usage) == {"Ada", "sub@example.com"}
    assert usage["sub@example.com"]["tokens"] == "50" and usage["sub@example.com"]["lines_accepted"] == "8"
    assert "lines_suggested" not in usage["Ada"]
    # Costs: API-billed only, 1999 + 1 + 50 + 250 cents = 23.00; subscription's 7.00 is a note
    assert result.rows["ai_costs"] == [{"date": "2026-03-02", "tool": "claude-code", "amount": "23",
                                        "currency": "USD", "category": "tokens", "tokens": str(131 * 10)}]
    assert any("USD 7.00, is not booked as spend" in n for n in result.notes)
    assert result.issues == []
    assert dict(people.people.unmatched) == {"sub@example.com": 1}


def test_cents_are_exact(tmp_path):
    result = import_claude_code([write(tmp_path / "p.json", page([record("x@example.com",
                                                                         models=[model(1999, 1)])]))], ctx())
    assert result.rows["ai_costs"][0]["amount"] == "19.99"


def test_pages_as_files_or_as_one_array(tmp_path):
    one = page([record("a@example.com", "2026-03-02")], has_more=True)
    two = page([record("b@example.com", "2026-03-02"), record("a@example.com", "2026-03-03")])
    as_files = import_claude_code([write(tmp_path / "1.json", one), write(tmp_path / "2.json", two)], ctx())
    as_array = import_claude_code([write(tmp_path / "all.json", [one, two])], ctx())
    ndjson = tmp_path / "pages.ndjson"
    ndjson.write_text(json.dumps(one) + "\n" + json.dumps(two) + "\n", encoding="utf-8")
    as_lines = import_claude_code([ndjson], ctx())
    assert as_files.rows == as_array.rows == as_lines.rows
    assert len(as_files.rows["ai_usage"]) == 3
    assert {r["date"]: r["amount"] for r in as_files.rows["ai_costs"]} == {"2026-03-02": "2", "2026-03-03": "1"}
    assert not any("has_more" in n for n in as_files.notes)  # the last page says has_more: false


def test_last_page_missing_is_a_note(tmp_path):
    result = import_claude_code([write(tmp_path / "1.json", page([record("a@example.com")], has_more=True))], ctx())
    assert any("has_more: true" in n for n in result.notes)


def test_timestamp_dates_and_records_array(tmp_path):
    rec = record("a@example.com", date="2025-08-08T00:00:00Z")
    result = import_claude_code([write(tmp_path / "r.json", [rec])], ctx())
    assert result.rows["ai_usage"][0]["date"] == "2025-08-08"


def test_bad_and_duplicate_records_are_issues(tmp_path):
    recs = [
        record("a@example.com"),
        {"date": "2026-03-02", "actor": {"type": "user_actor"}},  # no email
        record("b@example.com", models=[{"model": "m", "estimated_cost": {"amount": "lots", "currency": "USD"}}]),
        {**record("c@example.com"), "model_breakdown": "many"},
        {**record("d@example.com"), "date": "March 2nd"},
        record("e@example.com", sessions=-1),
    ]
    first = write(tmp_path / "a.json", page(recs))
    again = write(tmp_path / "b.json", page([record("a@example.com")]))  # the same page passed twice
    result = import_claude_code([first, again], ctx())
    assert [r["person"] for r in result.rows["ai_usage"]] == ["a@example.com"]
    got = [(i.file, i.line) for i in result.issues]
    assert got == [("a.json", 2), ("a.json", 3), ("a.json", 4), ("a.json", 5), ("a.json", 6), ("b.json", 1)]
    reasons = [i.reason for i in result.issues]
    assert "no email_address or api_key_name" in reasons[0]
    assert "not an amount in cents" in reasons[1]
    assert "model_breakdown is not a list" in reasons[2]
    assert "not a date" in reasons[3]
    assert "negative" in reasons[4]
    assert "duplicate of a.json record 1" in reasons[5]
    assert result.rows["ai_costs"][0]["amount"] == "1"  # counted once


def test_currencies_are_never_summed_together(tmp_path):
    rec = record("a@example.com", models=[model(100, 1), model(250, 1, currency="EUR")])
    result = import_claude_code([write(tmp_path / "p.json", page([rec]))], ctx())
    assert {r["currency"]: r["amount"] for r in result.rows["ai_costs"]} == {"USD": "1", "EUR": "2.5"}


def test_truncated_page_names_line_and_column(tmp_path):
    text = json.dumps(page([record("a@example.com")]), indent=2)
    path = tmp_path / "p.json"
    path.write_text(text[:-40], encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"p\.json: not valid JSON at line \d+, column \d+"):
        import_claude_code([path], ctx())


def test_not_a_usage_report(tmp_path):
    with pytest.raises(ImportFormatError, match="not a Claude Code usage report"):
        import_claude_code([write(tmp_path / "x.json", {"results": []})], ctx())
    csv = tmp_path / "x.csv"
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="not JSON"):
        import_claude_code([csv], ctx())


def test_end_to_end_rows_load_without_skips(tmp_path):
    recs = [record("ada@example.com"), record("b@example.com", "2026-03-03", customer=None),
            record("ci-bot-key", api=True)]
    result = import_claude_code([write(tmp_path / "p.json", page(recs))], ctx())
    assert result.issues == []
    folder = write_inputs(tmp_path / "inputs", **result.rows)
    inputs = load_inputs(folder, ZoneInfo("UTC"))
    assert inputs.skipped == []
    assert len(inputs["ai_usage"]) == 2 and len(inputs["ai_costs"]) == 2
    assert float(inputs["ai_costs"]["amount"].sum()) == 3.0
