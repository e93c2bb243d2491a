"""Copilot importer: every export it sniffs, checked against values worked out by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reporter.config import Config
from reporter.importers.base import ImportContext, ImportFormatError
from reporter.importers.copilot import import_copilot
from reporter.importers.people import PeopleMap
from reporter.inputs.load import load_inputs
from tests.conftest import write_inputs

# Vendored (MIT, LICENSE beside it) so these tests run, never skip, in every clone.
SHARED = Path(__file__).resolve().parent / "vendor" / "copilot"

ROSTER = [
    {"person": "Mona Lisa", "team": "platform", "email": "mona@example.com", "aliases": "monalisa"},
    {"person": "Octo Cat", "team": "web", "email": "octo@example.com", "aliases": "octocat;octo-cat"},
]


def ctx(roster: list[dict] | None = None) -> ImportContext:
    return ImportContext(people=PeopleMap.from_rows(ROSTER if roster is None else roster), config=Config())


def shared(name: str) -> Path:
    path = SHARED / name
    assert path.is_file(), f"vendored sample {path} is missing"
    return path


def ndjson(path: Path, lines: list) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def by_key(rows: list[dict]) -> dict[tuple, dict]:
    return {(r["date"], r["person"], r["feature"]): r for r in rows}


# ---------------------------------------------------------------------------
# Users report


def test_users_report_sample_ndjson():
    people = ctx()
    result = import_copilot([shared("github-copilot-usage-users-1-day.ndjson")], people)
    rows = by_key(result.rows["ai_usage"])
    assert set(rows) == {("2026-04-25", "hubot", "copilot_cli"), ("2026-04-25", "Octo Cat", "copilot_cli")}
    hubot = rows[("2026-04-25", "hubot", "copilot_cli")]
    # totals_by_feature copilot_cli: 24 interactions, 0 suggested, 435 added; totals_by_cli tokens
    # 23,229,028 prompt + 121,157 output.
    assert hubot == {"date": "2026-04-25", "person": "hubot", "tool": "copilot", "feature": "copilot_cli",
                     "interactions": "24", "lines_suggested": "0", "lines_accepted": "435",
                     "tokens": "23350185"}
    octo = rows[("2026-04-25", "Octo Cat", "copilot_cli")]
    assert (octo["interactions"], octo["lines_accepted"], octo["tokens"]) == ("0", "0", str(616618 + 626901))
    assert result.issues == []
    assert dict(people.people.unmatched) == {"hubot": 1}  # octocat is the roster's Octo Cat


def test_users_report_json_variant_gives_the_same_rows():
    a = import_copilot([shared("github-copilot-usage-users-1-day.ndjson")], ctx())
    b = import_copilot([shared("github-copilot-usage-users-1-day.json")], ctx())
    assert a.rows == b.rows and b.issues == []


def test_features_flags_and_cli(tmp_path):
    alice = {"user_login": "alice", "day": "2026-05-07", "used_agent": True, "used_chat": True, "used_cli": False,
             "totals_by_feature": [
                 {"feature": "code_completion", "user_initiated_interaction_count": 0,
                  "loc_suggested_to_add_sum": 120, "loc_added_sum": 30},
                 {"feature": "chat_panel_ask_mode", "user_initiated_interaction_count": 5,
                  "loc_suggested_to_add_sum": 10, "loc_added_sum": 4}]}
    bob = {"user_login": "bob", "day": "2026-05-07", "used_cli": True, "totals_by_feature": [],
           "totals_by_cli": {"prompt_count": 3, "token_usage": {"prompt_tokens_sum": 1000, "output_tokens_sum": 250}}}
    carol = {"user_login": "carol", "day": "2026-05-07", "user_initiated_interaction_count": 2,
             "loc_suggested_to_add_sum": 0, "loc_added_sum": 7}  # totals only, no breakdown
    path = ndjson(tmp_path / "users.ndjson", [alice, bob, carol])
    result = import_copilot([path], ctx([]))
    rows = by_key(result.rows["ai_usage"])
    assert rows[("2026-05-07", "alice", "code_completion")]["lines_suggested"] == "120"
    assert rows[("2026-05-07", "alice", "code_completion")]["lines_accepted"] == "30"
    assert rows[("2026-05-07", "alice", "chat_panel_ask_mode")]["interactions"] == "5"
    # used_agent with no agent feature entry: a row that says "used", with no counts
    assert rows[("2026-05-07", "alice", "agent")] == {"date": "2026-05-07", "person": "alice", "tool": "copilot",
                                                      "feature": "agent"}
    assert ("2026-05-07", "alice", "chat") not in rows  # chat_panel_ask_mode covers used_chat
    assert rows[("2026-05-07", "bob", "copilot_cli")] == {
        "date": "2026-05-07", "person": "bob", "tool": "copilot", "feature": "copilot_cli",
        "interactions": "3", "tokens": "1250"}
    assert rows[("2026-05-07", "carol", "unspecified")]["lines_accepted"] == "7"
    assert len(rows) == 5 and result.issues == []
    assert any("1 'agent'" in n for n in result.notes)


def test_bad_records_are_issues_with_file_and_line(tmp_path):
    good = {"user_login": "alice", "day": "2026-05-07", "totals_by_feature": [
        {"feature": "code_completion", "loc_suggested_to_add_sum": 3, "loc_added_sum": 1}]}
    lines = [good,
             '{"user_login": "bob", "day": "2026-05-07", ',  # cut off
             {"user_login": "carol", "totals_by_feature": []},  # no day
             {"user_login": "dan", "day": "2026-05-07", "totals_by_feature": [
                 {"feature": "code_completion", "loc_added_sum": -2}]},
             good,  # the same user-day again
             {"user_login": "erin", "day": "07/05/2026"}]
    result = import_copilot([ndjson(tmp_path / "u.ndjson", lines)], ctx([]))
    assert [r["person"] for r in result.rows["ai_usage"]] == ["alice"]
    issues = {i.line: i for i in result.issues}
    assert set(issues) == {2, 3, 4, 5, 6}
    assert all(i.file == "u.ndjson" for i in result.issues)
    assert "not valid JSON" in issues[2].reason
    assert issues[3].reason == "no day" and issues[3].record == "carol"
    assert "negative" in issues[4].reason
    assert "duplicate" in issues[5].reason and "u.ndjson line 1" in issues[5].reason
    assert "not a date" in issues[6].reason


def test_unmatched_identities_are_kept_and_counted(tmp_path):
    rec = {"day": "2026-05-07", "totals_by_feature": [{"feature": "code_completion", "loc_added_sum": 1}]}
    path = ndjson(tmp_path / "u.ndjson", [{**rec, "user_login": "octo-cat"}, {**rec, "user_login": "stranger"},
                                         {**rec, "user_login": "dependabot[bot]"}])
    people = ctx()
    result = import_copilot([path], people)
    assert [r["person"] for r in result.rows["ai_usage"]] == ["Octo Cat", "stranger", "dependabot[bot]"]
    assert dict(people.people.unmatched) == {"stranger": 1}  # bots are kept but never "unmatched"


# ---------------------------------------------------------------------------
# User-teams report


def test_user_teams_add_only_unknown_logins(tmp_path):
    lines = [
        {"user_id": 1, "user_login": "alice", "day": "2026-05-06", "organization_id": "9", "team_id": 41, "slug": "old"},
        {"user_id": 1, "user_login": "alice", "day": "2026-05-07", "organization_id": "9", "team_id": 43,
         "slug": "backend"},
        {"user_id": 1, "user_login": "alice", "day": "2026-05-07", "organization_id": "9", "team_id": 42,
         "slug": "frontend"},
        {"user_id": 2, "user_login": "bob", "day": "2026-05-07", "organization_id": "9", "team_id": 42,
         "slug": "frontend"},
        {"user_id": 3, "user_login": "monalisa", "day": "2026-05-07", "organization_id": "9", "team_id": 42,
         "slug": "frontend"},  # in the roster: its team stays the roster's, no row, no issue
        {"user_id": 4, "user_login": "zed", "day": "2026-05-07", "team_id": 42},  # no slug
        {"user_id": 5, "user_login": "renovate[bot]", "day": "2026-05-07", "team_id": 42, "slug": "frontend"},
    ]
    result = import_copilot([ndjson(tmp_path / "teams.ndjson", lines)], ctx())
    # alice: latest day 2026-05-07 has backend and frontend -> the first alphabetically
    assert result.rows["people"] == [{"person": "alice", "team": "backend"}, {"person": "bob", "team": "frontend"}]
    assert [(i.line, i.record) for i in result.issues] == [(6, "zed")]
    assert "ai_usage" not in result.rows
    assert any("1 membership rows left to the roster" in n for n in result.notes)
    assert any("1 membership rows of bot accounts left out" in n for n in result.notes)


# ---------------------------------------------------------------------------
# Legacy org metrics


def test_legacy_metrics_sample_is_notes_only():
    result = import_copilot([shared("github-copilot-metrics-legacy-org.json")], ctx())
    assert result.rows == {} and result.issues == []
    note = next(n for n in result.notes if "legacy" in n)
    assert "2024-11-04 to 2024-11-24 (21 days)" in note
    # active/engaged per day as in the sample: 4/4 on the first day, 24/20 on 2024-11-22
    assert "2024-11-04 4/4" in note and "2024-11-22 24/20" in note and "2024-11-24 7/7" in note
    assert "users report" in note


def test_legacy_metrics_sums(tmp_path):
    days = [
        {"date": "2024-11-05", "total_active_users": 3, "total_engaged_users": 2,
         "copilot_ide_code_completions": {"editors": [{"name": "vscode", "models": [{"name": "default", "languages": [
             {"name": "python", "total_code_suggestions": 10, "total_code_acceptances": 4,
              "total_code_lines_suggested": 30, "total_code_lines_accepted": 9},
             {"name": "go", "total_code_suggestions": 5, "total_code_acceptances": 1,
              "total_code_lines_suggested": 12, "total_code_lines_accepted": 2}]}]}]},
         "copilot_ide_chat": {"editors": [{"name": "vscode", "models": [{"name": "default", "total_chats": 7}]}]}},
        {"date": "2024-11-04", "total_active_users": 1, "total_engaged_users": 1,
         "copilot_dotcom_chat": {"models": [{"name": "default", "total_chats": 2}]}},
        "not a day",
    ]
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(days), encoding="utf-8")
    result = import_copilot([path], ctx())
    note = result.notes[0]
    assert "2024-11-04 to 2024-11-05 (2 days)" in note and "2024-11-04 1/1, 2024-11-05 3/2" in note
    assert "15 suggestions, 5 acceptances, 11 of 42 suggested lines accepted" in note
    assert "IDE chats: 7; github.com chats: 2" in note
    assert [(i.line, i.reason) for i in result.issues] == [(3, "day is not an object")]


# ---------------------------------------------------------------------------
# Seats


def test_seats_sample():
    people = ctx()
    result = import_copilot([shared("github-copilot-billing-seats-org.json")], people)
    seats = {r["person"]: r for r in result.rows["seats"]}
    assert len(seats) == 9 and result.issues == []
    assert seats["Mona Lisa"] == {"tool": "copilot", "person": "Mona Lisa", "assigned_at": "2026-01-03T09:00:00Z",
                                  "last_activity_at": "2026-05-01T12:00:00Z"}
    assert seats["newjoiner"] == {"tool": "copilot", "person": "newjoiner", "assigned_at": "2026-04-28T09:00:00Z"}
    assert all("monthly_price" not in r for r in result.rows["seats"])
    note = next(n for n in result.notes if "Copilot seats" in n)
    assert "5 business, 4 enterprise" in note and "USD 19 (Business) and 39 (Enterprise)" in note
    assert people.people.unmatched["defunkt"] == 1 and "monalisa" not in people.people.unmatched


def test_seats_bad_records_and_pagination(tmp_path):
    doc = {"total_seats": 4, "seats": [
        {"created_at": "2026-01-03T09:00:00Z", "assignee": {"login": "alice", "type": "User"}},
        {"created_at": "2026-01-03T09:00:00Z", "assignee": {"slug": "a-team", "type": "Team"}},
        {"created_at": "yesterday", "assignee": {"login": "bob", "type": "User"}}]}
    path = tmp_path / "seats.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = import_copilot([path], ctx([]))
    assert [r["person"] for r in result.rows["seats"]] == ["alice"]
    assert [(i.file, i.line) for i in result.issues] == [("seats.json", 2), ("seats.json", 3)]
    assert "assignee type Team" in result.issues[0].reason and result.issues[1].record == "bob"
    assert any("3 of 4 seats" in n for n in result.notes)


def test_truncated_json_names_line_and_column(tmp_path):
    text = json.dumps({"total_seats": 1, "seats": [{"created_at": "2026-01-03T09:00:00Z",
                                                    "assignee": {"login": "alice"}}]}, indent=2)
    path = tmp_path / "seats.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"seats\.json: not valid JSON at line \d+, column \d+"):
        import_copilot([path], ctx())


def test_unknown_json_shape_fails(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": "world"}', encoding="utf-8")
    with pytest.raises(ImportFormatError, match="not a Copilot export"):
        import_copilot([path], ctx())


# ---------------------------------------------------------------------------
# Billing usage report

BILLING_HEADER = ("date,product,sku,quantity,unit_type,applied_cost_per_quantity,gross_amount,discount_amount,"
                  "net_amount,username,organization,repository,workflow_path,cost_center_name,model,"
                  "exceeds_quota,total_monthly_quota")


def billing(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "usage.csv"
    path.write_bytes(("\ufeff" + BILLING_HEADER + "\r\n" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    return path


def test_billing_csv_with_bom(tmp_path):
    assert len(BILLING_HEADER.split(",")) == 17
    path = billing(tmp_path, [
        "2026-05-01,copilot,copilot_for_business,1,user-months,19,19,0,19,alice,acme,,,Platform,,False,0",
        "2026-05-01,copilot,copilot_premium_request,10,requests,0.04,0.4,0.3,0.1,alice,acme,,,,GPT-5,True,300",
        "2026-05-01,copilot,copilot_premium_request,5,requests,0.04,0.2,0,0.2,bob,acme,,,,GPT-5,True,300",
        "2026-05-02,copilot,copilot_for_business,1,user-months,19,19.99,0,19.99,bob,acme,,,,,False,0",
        "2026-05-01,actions,actions_linux,100,minutes,0.008,0.8,0.8,0,,acme,acme/api,ci.yml,,,False,0",
        "2026-05-02,copilot,copilot_premium_request,1,requests,0.04,0.04,0,n/a,carol,acme,,,,GPT-5,True,300",
    ])
    result = import_copilot([path], ctx())
    costs = {(r["date"], r.get("category")): r for r in result.rows["ai_costs"]}
    assert set(costs) == {("2026-05-01", "seats"), ("2026-05-01", "premium-requests"), ("2026-05-02", "seats")}
    assert costs[("2026-05-01", "premium-requests")]["amount"] == "0.3"  # 0.1 + 0.2 exactly
    assert costs[("2026-05-02", "seats")]["amount"] == "19.99"
    assert costs[("2026-05-01", "seats")] == {"date": "2026-05-01", "tool": "copilot", "amount": "19",
                                               "currency": "USD", "category": "seats"}
    assert all("team" not in r for r in result.rows["ai_costs"])  # cost centers are not roster teams
    assert [(i.file, i.line) for i in result.issues] == [("usage.csv", 7)]  # header = line 1
    assert "not an amount" in result.issues[0].reason
    note = next(n for n in result.notes if n.startswith("Copilot billing"))
    assert "gross USD 39.59, discounts USD 0.30, net USD 39.29" in note  # 19 + 0.4 + 0.2 + 19.99
    assert any("other products not imported (1 actions)" in n for n in result.notes)


def test_billing_csv_missing_columns_fails(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("day,amount\n2026-05-01,3\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="not a GitHub billing usage report"):
        import_copilot([path], ctx())


# ---------------------------------------------------------------------------
# End to end: the rows load as canonical inputs


def test_end_to_end_rows_load_without_skips(tmp_path):
    teams = ndjson(tmp_path / "teams.ndjson", [
        {"user_id": 9, "user_login": "hubot", "day": "2026-04-25", "team_id": 1, "slug": "backend-team"}])
    paths = [shared("github-copilot-usage-users-1-day.ndjson"), shared("github-copilot-billing-seats-org.json"),
             shared("github-copilot-metrics-legacy-org.json"), teams,
             billing(tmp_path, ["2026-05-01,copilot,copilot_for_business,1,user-months,19,19,0,19,,acme,,,,,False,0"])]
    result = import_copilot(paths, ctx())
    assert result.issues == []
    assert set(result.rows) == {"ai_usage", "seats", "people", "ai_costs"}
    folder = write_inputs(tmp_path / "inputs", **result.rows)
    inputs = load_inputs(folder, ZoneInfo("UTC"))
    assert inputs.skipped == []
    assert len(inputs["ai_usage"]) == 2 and len(inputs["seats"]) == 9 and len(inputs["people"]) == 1
    assert Decimal(str(inputs["ai_costs"]["amount"].sum())) == Decimal("19")


def test_billing_rest_usage_items(tmp_path):
    doc = {"timePeriod": {"year": 2026, "month": 5}, "organization": "acme", "usageItems": [
        {"date": "2026-05-01T00:00:00Z", "product": "Copilot", "sku": "Copilot Premium Request", "quantity": 100,
         "unitType": "requests", "pricePerUnit": 0.04, "grossAmount": 4, "discountAmount": 1.5, "netAmount": 2.5},
        {"date": "2026-05-01T00:00:00Z", "product": "Copilot", "sku": "Copilot Business", "quantity": 1,
         "unitType": "user-months", "pricePerUnit": 19, "grossAmount": 19, "discountAmount": 0, "netAmount": 19},
        {"date": "2026-05-01T00:00:00Z", "product": "Actions", "sku": "Actions Linux", "netAmount": 0.8},
        {"date": "2026-05-01T00:00:00Z", "product": "Copilot", "sku": "Copilot Premium Request"},  # no amount
    ]}
    path = tmp_path / "billing.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = import_copilot([path], ctx())
    assert {r["category"]: r["amount"] for r in result.rows["ai_costs"]} == {"premium-requests": "2.5", "seats": "19"}
    assert [(i.line, i.reason) for i in result.issues] == [(4, "no net_amount")]
    assert any("gross USD 23.00, discounts USD 1.50, net USD 21.50" in n for n in result.notes)


def test_seats_pages_slurped_into_one_array(tmp_path):
    def seat_page(*logins):
        return {"total_seats": 3, "seats": [{"created_at": "2026-01-03T09:00:00Z", "assignee": {"login": x}}
                                            for x in logins]}
    path = tmp_path / "seats.json"
    path.write_text(json.dumps([seat_page("a", "b"), seat_page("c", "a")]), encoding="utf-8")
    result = import_copilot([path], ctx([]))
    assert [r["person"] for r in result.rows["seats"]] == ["a", "b", "c"]
    # records are numbered across the pages: the repeated seat is the 4th in the file
    assert [(i.line, i.record) for i in result.issues] == [(4, "a")]
    assert "duplicate seat" in result.issues[0].reason and not any("of 3 seats" in n for n in result.notes)


def test_28_day_report_records_say_what_to_import(tmp_path):
    rec = {"user_login": "alice", "report_start_day": "2026-04-01", "report_end_day": "2026-04-28",
           "totals_by_feature": [{"feature": "code_completion", "loc_added_sum": 3}]}
    result = import_copilot([ndjson(tmp_path / "u28.ndjson", [rec, rec])], ctx([]))
    assert result.rows == {}
    assert [i.line for i in result.issues] == [1, 2] and "users-1-day" in result.issues[0].reason


def test_legacy_days_one_per_line_make_one_note(tmp_path):
    lines = [{"date": "2024-11-04", "total_active_users": 1, "total_engaged_users": 1},
             {"date": "2024-11-05", "total_active_users": 2, "total_engaged_users": 1}]
    result = import_copilot([ndjson(tmp_path / "m.ndjson", lines)], ctx())
    legacy = [n for n in result.notes if "legacy" in n]
    assert len(legacy) == 1 and "2024-11-04 1/1, 2024-11-05 2/1" in legacy[0]
