"""Values that are only blanks: each is a named issue, never a traceback nor a row without its key."""

from __future__ import annotations

import json

import pytest

from reporter.importers.base import day_of, dict_of, list_of
from reporter.importers.claude_code import import_claude_code
from reporter.importers.copilot import import_copilot
from tests.test_import_claude_code import ctx as claude_ctx
from tests.test_import_claude_code import page, record
from tests.test_import_copilot import ctx as copilot_ctx


@pytest.mark.parametrize("blank", ["", " ", "\t \n"])
def test_blank_day_is_missing(blank):
    with pytest.raises(ValueError, match="^no date$"):
        day_of(blank, "date")


def test_day_of_still_reads_dates_and_stamps():
    assert day_of(" 2026-03-02 ").isoformat() == "2026-03-02"
    assert day_of("2026-03-01T23:30:00-02:00").isoformat() == "2026-03-02"  # 01:30 UTC next day


def test_blank_claude_code_date_is_an_issue(tmp_path):
    path = tmp_path / "claude.json"
    path.write_text(json.dumps(page([record("ada@example.com", date="   "), record("ada@example.com")])),
                    encoding="utf-8")
    result = import_claude_code([path], claude_ctx())
    assert [(i.file, i.line, i.reason) for i in result.issues] == [("claude.json", 1, "no date")]
    assert [r["date"] for r in result.rows["ai_usage"]] == ["2026-03-02"]


def test_blank_seat_login_is_an_issue_not_a_seat(tmp_path):
    doc = {"total_seats": 2, "seats": [
        {"created_at": "2026-01-03T09:00:00Z", "assignee": {"login": "  ", "type": "User"}},
        {"created_at": "2026-01-03T09:00:00Z", "assignee": {"login": "alice", "type": "User"}}]}
    path = tmp_path / "seats.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = import_copilot([path], copilot_ctx([]))
    assert [r["person"] for r in result.rows["seats"]] == ["alice"]
    assert [(i.line, i.reason) for i in result.issues] == [(1, "seat has no assignee login (assignee type User)")]


def test_dict_of_and_list_of_keep_only_their_kind():
    obj, arr = {"a": 1}, [1]
    assert dict_of(obj) is obj and list_of(arr) is arr
    assert [dict_of(v) for v in (None, [1], "x", 0)] == [{}, {}, {}, {}]
    assert [list_of(v) for v in (None, {"a": 1}, "x", 0)] == [[], [], [], []]


def test_blank_claude_code_actor_is_an_issue_not_a_personless_row(tmp_path):
    path = tmp_path / "claude.json"
    path.write_text(json.dumps(page([record("  "), record("ada@example.com")])), encoding="utf-8")
    result = import_claude_code([path], claude_ctx())
    assert [(i.line, i.reason) for i in result.issues] == [(1, "actor's email_address or api_key_name is blank")]
    assert [r["person"] for r in result.rows["ai_usage"]] == ["Ada"]


def test_blank_copilot_user_login_is_an_issue_not_a_personless_row(tmp_path):
    day = {"day": "2026-05-07", "user_initiated_interaction_count": 2, "loc_suggested_to_add_sum": 0,
           "loc_added_sum": 7}
    path = tmp_path / "users.ndjson"
    path.write_text("\n".join(json.dumps({"user_login": login, **day}) for login in (" ", "carol")) + "\n",
                    encoding="utf-8")
    result = import_copilot([path], copilot_ctx([]))
    assert [(i.line, i.reason) for i in result.issues] == [(1, "user_login is blank")]
    assert [r["person"] for r in result.rows["ai_usage"]] == ["carol"]
