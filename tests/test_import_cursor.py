"""Cursor importer: daily usage (API JSON, dashboard CSV) and spend pages, values worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reporter.config import Config
from reporter.importers.base import ImportContext, ImportFormatError
from reporter.importers.cursor import import_cursor
from reporter.importers.people import PeopleMap
from reporter.inputs.load import load_inputs
from tests.conftest import write_inputs

ROSTER = [{"person": "Dev One", "team": "web", "email": "developer@company.com"}]
MAR_18 = 1710720000000  # 2024-03-18T00:00:00Z in epoch milliseconds
MAR_19 = MAR_18 + 86_400_000


def ctx() -> ImportContext:
    return ImportContext(people=PeopleMap.from_rows(ROSTER), config=Config())


def write(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def day(email: str, date=MAR_18, active=True, **counts) -> dict:
    base = {"date": date, "email": email, "isActive": active, "totalLinesAdded": 0, "acceptedLinesAdded": 0,
            "totalApplies": 0, "totalAccepts": 0, "totalTabsShown": 0, "totalTabsAccepted": 0,
            "composerRequests": 0, "chatRequests": 0, "agentRequests": 0, "cmdkUsages": 0,
            "subscriptionIncludedReqs": 0, "usageBasedReqs": 0, "mostUsedModel": "gpt-5"}
    base.update(counts)
    return base


def test_daily_usage_api_json(tmp_path):
    doc = {"data": [
        day("developer@company.com", totalLinesAdded=1543, acceptedLinesAdded=1102, totalApplies=87,
            totalAccepts=73, totalTabsShown=342, totalTabsAccepted=289, composerRequests=45, chatRequests=128,
            agentRequests=12, cmdkUsages=67),
        day("developer@company.com", MAR_19, active=False),
        day("new@company.com", MAR_19, agentRequests=3),
        day("idle@company.com", MAR_19, bugbotUsages=2),  # active, but none of the counted features
    ], "period": {"startDate": MAR_18, "endDate": MAR_19}}
    people = ctx()
    result = import_cursor([write(tmp_path / "usage.json", doc)], people)
    rows = {(r["date"], r["person"], r["feature"]): r for r in result.rows["ai_usage"]}
    dev = {f: rows[("2024-03-18", "Dev One", f)] for f in ("tab", "composer", "chat", "agent", "cmdk", "apply")}
    assert {f: r["interactions"] for f, r in dev.items()} == {"tab": "289", "composer": "45", "chat": "128",
                                                              "agent": "12", "cmdk": "67", "apply": "73"}
    assert dev["apply"]["lines_accepted"] == "1102"
    assert all("lines_accepted" not in r for f, r in dev.items() if f != "apply")
    assert all("lines_suggested" not in r for r in rows.values())
    assert rows[("2024-03-19", "new@company.com", "agent")] == {
        "date": "2024-03-19", "person": "new@company.com", "tool": "cursor", "feature": "agent", "interactions": "3"}
    assert len(rows) == 7 and result.issues == []  # inactive day and Bugbot-only day make no rows
    assert any("1 inactive person-days" in n for n in result.notes)
    assert any("1 active person-days had none" in n for n in result.notes)
    assert dict(people.people.unmatched) == {"new@company.com": 1}  # idle made no row, so no lookup


CSV_HEADER = ("Date,User ID,Email,Is Active,Chat Suggested Lines Added,Chat Suggested Lines Deleted,"
              "Chat Accepted Lines Added,Chat Accepted Lines Deleted,Chat Total Applies,Chat Total Accepts,"
              "Chat Total Rejects,Chat Tabs Shown,Tabs Accepted,Edit Requests,Ask Requests,Agent Requests,"
              "Cmd+K Usages,Subscription Included Reqs,API Key Reqs,Usage Based Reqs,Bugbot Usages,Most Used Model,"
              "Most Used Apply Extension,Most Used Tab Extension,Client Version")


def test_dashboard_csv_with_bom(tmp_path):
    rows = [
        "2024-03-18T00:00:00.000Z,user_1,developer@company.com,true,50,5,40,2,6,5,1,30,20,2,7,3,1,10,0,0,0,gpt-5,.ts,.ts,1.6",
        "2024-03-18T00:00:00.000Z,user_2,other@company.com,false,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,,,,",
        "2024-03-18T00:00:00.000Z,user_3,bad@company.com,true,1,0,1,0,1,1,0,0,x,0,0,0,0,0,0,0,0,,,,",
        "2024-03-18T00:00:00.000Z,,3 active users,true,51,5,41,2,7,6,1,30,20,2,7,3,1,10,0,0,0,,,,",
        "2024-03-19T00:00:00.000Z,user_1,developer@company.com,true,0,0,0,0,0,0,0,0,9,0,0,0,0,0,0,0,0,,,,",
    ]
    path = tmp_path / "cursor-analytics.csv"
    path.write_bytes(("\ufeff" + CSV_HEADER + "\n" + "\n".join(rows) + "\n").encode("utf-8"))
    result = import_cursor([path], ctx())
    got = {(r["date"], r["feature"]): (r["interactions"], r.get("lines_accepted")) for r in result.rows["ai_usage"]}
    # Tabs Accepted 20, Edit Requests -> composer 2, Ask Requests -> chat 7, Agent 3, Cmd+K 1,
    # Chat Total Accepts 5 with Chat Accepted Lines Added 40
    assert got == {("2024-03-18", "tab"): ("20", None), ("2024-03-18", "composer"): ("2", None),
                   ("2024-03-18", "chat"): ("7", None), ("2024-03-18", "agent"): ("3", None),
                   ("2024-03-18", "cmdk"): ("1", None), ("2024-03-18", "apply"): ("5", "40"),
                   ("2024-03-19", "tab"): ("9", None)}
    assert {r["person"] for r in result.rows["ai_usage"]} == {"Dev One"}
    assert [(i.file, i.line) for i in result.issues] == [("cursor-analytics.csv", 4), ("cursor-analytics.csv", 5)]
    assert "not a whole number" in result.issues[0].reason
    assert "not a person's email" in result.issues[1].reason


def test_csv_and_json_of_one_day_agree(tmp_path):
    api = write(tmp_path / "u.json", {"data": [day("developer@company.com", totalTabsAccepted=4, agentRequests=2,
                                                   totalAccepts=1, acceptedLinesAdded=12)]})
    csv = tmp_path / "u.csv"
    csv.write_text("date,email,isActive,totalTabsAccepted,agentRequests,totalAccepts,acceptedLinesAdded\n"
                   "2024-03-18,developer@company.com,true,4,2,1,12\n", encoding="utf-8")
    assert import_cursor([api], ctx()).rows == import_cursor([csv], ctx()).rows


def test_duplicate_person_day_is_an_issue(tmp_path):
    doc = {"data": [day("developer@company.com", agentRequests=1)]}
    result = import_cursor([write(tmp_path / "a.json", doc), write(tmp_path / "b.json", doc)], ctx())
    assert len(result.rows["ai_usage"]) == 1
    assert [(i.file, i.line) for i in result.issues] == [("b.json", 1)]
    assert "a.json record 1" in result.issues[0].reason


def spend(members: list, cycle=1708992000000, total_pages=1, total_members=None) -> dict:
    return {"teamMemberSpend": members, "subscriptionCycleStart": cycle,
            "totalMembers": total_members if total_members is not None else len(members), "totalPages": total_pages}


def member(email: str, cents) -> dict:
    return {"email": email, "spendCents": cents, "fastPremiumRequests": 10, "name": email.split("@")[0],
            "role": "member", "hardLimitOverrideDollars": 0}


def test_spend_is_one_row_per_cycle_never_per_person(tmp_path):
    page1 = write(tmp_path / "spend-1.json", spend([member("a@x.com", 1999), member("b@x.com", 2450)],
                                                   total_pages=2, total_members=4))
    page2 = write(tmp_path / "spend-2.json", spend([member("c@x.com", 1), member("b@x.com", 2450),
                                                    member("d@x.com", "ten")], total_pages=2, total_members=4))
    result = import_cursor([page1, page2], ctx())
    # 1999 + 2450 + 1 cents; b's second listing and d's unreadable amount are issues
    assert result.rows == {"ai_costs": [{"date": "2024-02-27", "tool": "cursor", "amount": "44.5",
                                         "currency": "USD", "category": "usage"}]}
    assert [(i.file, i.line) for i in result.issues] == [("spend-2.json", 2), ("spend-2.json", 3)]
    assert "listed twice" in result.issues[0].reason and "not an amount in cents" in result.issues[1].reason
    assert all("@" not in (i.record or "") for i in result.issues)  # no per-person money in the issue log
    note = next(n for n in result.notes if n.startswith("Cursor spend: cycle starting 2024-02-27: USD 44.50"))
    assert "3 members" in note


def test_spend_cents_are_exact_and_pages_are_checked(tmp_path):
    result = import_cursor([write(tmp_path / "s.json", spend([member("a@x.com", 1999)], total_pages=3))], ctx())
    assert result.rows["ai_costs"][0]["amount"] == "19.99"
    assert any("1 of 3 pages passed" in n for n in result.notes)


def test_two_cycles_two_rows(tmp_path):
    a = write(tmp_path / "a.json", spend([member("a@x.com", 100)], cycle=1708992000000))
    b = write(tmp_path / "b.json", spend([member("a@x.com", 250)], cycle=1711670400000))  # 2024-03-29
    result = import_cursor([a, b], ctx())
    assert [(r["date"], r["amount"]) for r in result.rows["ai_costs"]] == [("2024-02-27", "1"), ("2024-03-29", "2.5")]


def test_truncated_json_names_line_and_column(tmp_path):
    path = tmp_path / "spend.json"
    text = json.dumps(spend([member("a@x.com", 100)]), indent=2)
    path.write_text(text[:60], encoding="utf-8")
    with pytest.raises(ImportFormatError, match=r"spend\.json: not valid JSON at line \d+, column \d+"):
        import_cursor([path], ctx())


def test_unknown_shapes_fail(tmp_path):
    with pytest.raises(ImportFormatError, match="not a Cursor export"):
        import_cursor([write(tmp_path / "x.json", {"teamMembers": []})], ctx())
    csv = tmp_path / "x.csv"
    csv.write_text("name,value\na,1\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="not a Cursor usage CSV"):
        import_cursor([csv], ctx())


def test_end_to_end_rows_load_without_skips(tmp_path):
    usage = write(tmp_path / "u.json", {"data": [day("developer@company.com", totalTabsAccepted=4, agentRequests=2,
                                                     totalAccepts=1, acceptedLinesAdded=12),
                                                 day("x@company.com", MAR_19, chatRequests=5)]})
    money = write(tmp_path / "s.json", spend([member("a@x.com", 1999), member("b@x.com", 1)]))
    result = import_cursor([usage, money], ctx())
    assert result.issues == []
    folder = write_inputs(tmp_path / "inputs", **result.rows)
    inputs = load_inputs(folder, ZoneInfo("UTC"))
    assert inputs.skipped == []
    assert len(inputs["ai_usage"]) == 4 and list(inputs["ai_costs"]["amount"]) == [20.0]


def test_an_explicit_day_wins_over_the_epoch_date(tmp_path):
    # 1758151800000 is 2025-09-17T23:30:00Z; the record's own calendar day is the 18th
    rec = {**day("developer@company.com", 1758151800000, agentRequests=1), "day": "2025-09-18"}
    result = import_cursor([write(tmp_path / "u.json", {"data": [rec]})], ctx())
    assert result.rows["ai_usage"][0]["date"] == "2025-09-18"
    del rec["day"]
    result = import_cursor([write(tmp_path / "u.json", {"data": [rec]})], ctx())
    assert result.rows["ai_usage"][0]["date"] == "2025-09-17"  # epoch ms alone: the UTC day
