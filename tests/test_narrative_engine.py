"""The narrative rule engine: conditions, rule files, rendering with evidence, honesty checks, selection.

Rule folders are written here in tmp_path and documents are small hand-made dicts, so these tests
do not depend on the default rules in narratives/. Expected values are worked out by hand.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml

from reporter.errors import ConfigError
from reporter.narrative import (
    KNOWN_METRICS,
    RuleError,
    conditions,
    insufficient,
    load_rules,
    narrate,
    phrasing,
)

PACKAGE = Path(__file__).resolve().parents[1] / "reporter" / "narrative"
MINUS = "\u2212"


def make_doc() -> dict:
    return {
        "cadence": "weekly",
        "period": "2026-W47",
        "metrics": {
            "pickup_time_hours": {
                "value": 6.0, "unit": "hours", "n": 40, "baseline": 4.0, "delta": 2.0, "delta_pct": 0.5,
                "change": "up",
                "by_team": {"payments": {"value": 16.45, "n": 12,
                                         "vs_rest": {"value": 13.25, "rest_value": 3.2, "rest_n": 23,
                                                     "interval": [6.1, 19.8], "change": "up", "test": "bootstrap"}},
                            "web": {"value": 3.0, "n": 20},
                            "other": {"value": None, "n": 3, "reason": "suppressed"}},
                "by_cohort": {"ai": {"value": 8.0, "n": 15}, "non_ai": {"value": 5.0, "n": 25}},
            },
            "coding_time_hours": {"value": 2.0, "unit": "hours", "n": 40, "baseline": 3.0, "delta": -1.0,
                                  "delta_pct": -0.0865, "change": "down", "by_team": {}, "by_cohort": None},
            "change_failure_rate": {
                "value": 0.08, "unit": "ratio", "n": 50, "baseline": 0.05, "delta": 0.03, "delta_pct": 0.6,
                "change": "flat",
                "by_team": {"payments": {"value": 0.25, "n": 8},
                            "web": {"value": 0.04, "n": 25,
                                    "vs_rest": {"value": -0.0767, "rest_value": 0.1167, "rest_n": 25,
                                                "interval": [-0.15, -0.01], "change": "down", "test": "exact"}}},
                "by_cohort": {"ai": {"value": 0.12, "n": 25}, "non_ai": {"value": 0.04, "n": 25}},
            },
            "merged_prs": {"value": 1234, "unit": "count", "n": 1234, "baseline": 1100.0, "delta": 134.0,
                           "delta_pct": 0.1218, "change": "up",
                           "by_team": {"mobile": {"value": 30, "n": 30}}, "by_cohort": None},
            "recovery_time_hours": {"value": None, "unit": "hours", "n": 1, "baseline": None, "delta": None,
                                    "delta_pct": None, "change": "insufficient_data", "reason": "too few",
                                    "by_team": {}, "by_cohort": None},
        },
        "breakdowns": {
            "ai_users_by_tool": [{"name": "copilot", "users": 13}, {"name": "cursor", "users": 10}],
            "reverts": {"value": 6, "n": 150, "by_cohort": {"ai": {"value": 4, "n": 58, "rate": 0.069},
                                                            "non_ai": {"value": 2, "n": 92, "rate": 0.0217}}},
            "releases": [
                {"date": "2026-11-18", "team": "web", "title": "Checkout 2027", "summary": "It settles 3 currencies.",
                 "customer": None, "initiative": None, "ai_tokens": None},
                {"date": "2026-11-17", "team": "payments", "title": "Ledger export", "summary": None,
                 "customer": "Northwind", "initiative": "ledger", "ai_tokens": 1800000,
                 "contract_value": 580000, "currency": "USD"},
            ],
        },
    }


def rule(**fields) -> dict:
    base = {"id": "r", "kind": "learning", "cadences": ["weekly", "monthly", "quarterly"],
            "when": {"metric": "merged_prs", "field": "n", "op": ">=", "value": 1},
            "text": "Merged PRs: {{ m.merged_prs.value | count }}."}
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def write(folder: Path, rules: list[dict], name: str = "rules.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump({"rules": rules}, sort_keys=False), encoding="utf-8")
    return path


def run(tmp_path: Path, rules: list[dict], doc: dict | None = None, cadence: str = "weekly", **kw) -> dict:
    write(tmp_path / "rules", rules)
    return narrate(make_doc() if doc is None else doc, cadence, [tmp_path / "rules"], **kw)


def texts(result: dict, section: str) -> list[str]:
    return [item["text"] for item in result[section]]


# -- conditions -----------------------------------------------------------------------------------

def check(node: dict, doc: dict | None = None, team: str | None = None, for_each: str | None = None) -> bool:
    conditions.validate(node, KNOWN_METRICS, for_each)
    return conditions.evaluate(node, make_doc() if doc is None else doc, team)


MISSING = {"metric": "rework_rate", "op": ">", "value": 0}  # not in the document
TRUE = {"metric": "merged_prs", "field": "n", "op": ">=", "value": 20}
FALSE = {"metric": "merged_prs", "field": "n", "op": "<", "value": 20}


@pytest.mark.parametrize("node, expected", [
    ({"metric": "pickup_time_hours", "change": "up"}, True),
    ({"metric": "pickup_time_hours", "change": ["down", "flat"]}, False),
    ({"metric": "coding_time_hours", "change": ["down", "flat"]}, True),
    (insufficient("recovery_time_hours"), True),
    (insufficient("pickup_time_hours"), False),
    ({"metric": "change_failure_rate", "cohort": "ai", "field": "value", "op": ">=", "value": 0.1}, True),   # 0.12
    ({"metric": "change_failure_rate", "cohort": "non_ai", "op": ">=", "value": 0.1}, False),                # 0.04
    ({"metric": "merged_prs", "field": "n", "op": ">=", "value": 20}, True),                                  # 1234
    ({"metric": "pickup_time_hours", "field": "baseline", "op": "<", "value": 5}, True),                      # 4.0
    ({"metric": "pickup_time_hours", "field": "delta", "op": "==", "value": 2}, True),
    ({"metric": "pickup_time_hours", "field": "delta", "op": "!=", "value": 2}, False),
    ({"metric": "pickup_time_hours", "field": "delta_pct", "op": ">", "value": 0.4}, True),                   # 0.5
    ({"metric": "coding_time_hours", "op": "<=", "value": 2.0}, True),
    ({"metric": "coding_time_hours", "op": "<", "value": 2.0}, False),
    ({"metric": "coding_time_hours", "op": ">", "value": 1.99}, True),
    # than with times: ai 8.0 > non_ai 5.0 * 1.5 = 7.5, but not > 5.0 * 2 = 10
    ({"metric": "pickup_time_hours", "cohort": "ai", "op": ">",
      "than": {"metric": "pickup_time_hours", "cohort": "non_ai", "times": 1.5}}, True),
    ({"metric": "pickup_time_hours", "cohort": "ai", "op": ">",
      "than": {"metric": "pickup_time_hours", "cohort": "non_ai", "times": 2}}, False),
    ({"metric": "pickup_time_hours", "op": ">", "than": {"metric": "coding_time_hours"}}, True),              # 6 > 2
    # breakdowns: reverts ai rate 0.069 > non_ai 0.0217 * 2 = 0.0434, not > 0.0217 * 4 = 0.0868
    ({"breakdown": "reverts.by_cohort.ai.value", "op": ">=", "value": 3}, True),
    ({"breakdown": "reverts", "path": "by_cohort.ai.rate", "op": ">",
      "than": {"breakdown": "reverts.by_cohort.non_ai.rate", "times": 2}}, True),
    ({"breakdown": "reverts", "path": "by_cohort.ai.rate", "op": ">",
      "than": {"breakdown": "reverts.by_cohort.non_ai.rate", "times": 4}}, False),
    ({"breakdown": "ai_users_by_tool.0.users", "op": "==", "value": 13}, True),
    ({"breakdown": "ai_users_by_tool.5.users", "op": ">=", "value": 0}, False),
    ({"breakdown": "reverts.by_cohort.ai", "op": ">=", "value": 0}, False),         # a mapping is not a number
    ({"breakdown": "seats.idle_share", "op": ">=", "value": 0}, False),              # missing breakdown
    ({"releases": "any"}, True),
    ({"releases": "none"}, False),
    # missing or null data is false, whatever the operator
    (MISSING, False),
    ({"metric": "recovery_time_hours", "op": ">=", "value": 0}, False),              # value is null
    ({"metric": "recovery_time_hours", "field": "baseline", "op": "<", "value": 1e9}, False),
    ({"metric": "pickup_time_hours", "op": ">", "than": {"metric": "recovery_time_hours"}}, False),
    ({"metric": "coding_time_hours", "cohort": "ai", "op": ">=", "value": 0}, False),  # by_cohort is null
    ({"metric": "rework_rate", "change": ["up", "down", "flat", "insufficient_data"]}, False),
    # all / any / not, with three-valued logic for missing data
    ({"all": [TRUE, {"metric": "pickup_time_hours", "change": "up"}]}, True),
    ({"all": [TRUE, FALSE]}, False),
    ({"all": [TRUE, MISSING]}, False),
    ({"any": [FALSE, TRUE]}, True),
    ({"any": [FALSE, FALSE]}, False),
    ({"any": [MISSING, TRUE]}, True),
    ({"any": [MISSING, FALSE]}, False),
    ({"not": FALSE}, True),
    ({"not": TRUE}, False),
    ({"not": MISSING}, False),  # missing data never makes a rule fire, even negated
    ({"not": {"all": [TRUE, MISSING]}}, False),
    ({"not": {"all": [FALSE, MISSING]}}, True),  # false whatever the missing leaf says
    ({"all": [{"any": [FALSE, {"not": FALSE}]}, {"not": {"metric": "pickup_time_hours", "change": "down"}}]}, True),
])
def test_condition_leaf_and_combinators(node, expected):
    assert check(node) is expected


@pytest.mark.parametrize("team, expected", [("payments", True), ("web", False), ("other", False),
                                            ("nobody", False), (None, False)])
def test_condition_team_scope_with_than_times(team, expected):
    # payments 16.45 > 6.0 * 1.5 = 9.0; web 3.0 is not; 'other' is null; an unknown team has no data
    node = {"metric": "pickup_time_hours", "scope": "team", "field": "value", "op": ">",
            "than": {"metric": "pickup_time_hours", "field": "value", "times": 1.5}}
    assert check(node, team=team, for_each="team") is expected


def test_condition_team_scope_field_n_and_team_in_than():
    node = {"metric": "pickup_time_hours", "scope": "team", "field": "n", "op": ">",
            "than": {"metric": "change_failure_rate", "scope": "team", "field": "n"}}
    assert check(node, team="payments", for_each="team") is True   # 12 > 8
    assert check(node, team="web", for_each="team") is False       # 20 > 25


def test_condition_on_broken_documents_is_false():
    node = {"all": [TRUE, {"releases": "any"}]}
    conditions.validate(node, KNOWN_METRICS, None)
    for doc in ({}, {"metrics": None}, {"metrics": [1, 2]}, {"metrics": {"merged_prs": "x"}},
                {"metrics": {"merged_prs": {"n": "20"}}}, {"metrics": {"merged_prs": {"n": True}}}, None, []):
        assert conditions.evaluate(node, doc) is False
    assert check({"releases": "none"}, doc={"breakdowns": {"releases": []}}) is True
    assert check({"releases": "any"}, doc={"breakdowns": {"releases": []}}) is False
    assert check({"releases": "none"}, doc={"breakdowns": {}}) is False


def test_teams_are_the_union_of_by_team_without_other():
    assert conditions.teams(make_doc()) == ["mobile", "payments", "web"]
    assert conditions.teams({}) == []


# -- for_each ------------------------------------------------------------------------------------

def test_for_each_team_binds_team_and_records_team_evidence(tmp_path):
    result = run(tmp_path, [rule(
        id="review-queue", for_each="team",
        when={"all": [{"metric": "pickup_time_hours", "scope": "team", "field": "n", "op": ">=", "value": 10},
                      {"metric": "pickup_time_hours", "scope": "team", "differs": "higher", "min_n": 10},
                      {"metric": "pickup_time_hours", "scope": "team", "op": ">",
                       "than": {"metric": "pickup_time_hours", "times": 1.5}}]},
        text="{{ team }} waits {{ m.pickup_time_hours.by_team[team].value | hours }} for a first review, "
             "against {{ m.pickup_time_hours.value | hours }} overall.")])
    assert result["learnings"] == [{
        "id": "review-queue", "kind": "learning", "priority": 50, "team": "payments",
        "text": "payments waits 16.4 h for a first review, against 6.0 h overall.",
        "evidence": [{"path": "metrics.pickup_time_hours.by_team.payments.value", "value": 16.45, "shown": "16.4 h"},
                     {"path": "metrics.pickup_time_hours.value", "value": 6.0, "shown": "6.0 h"}],
        "metrics": ["pickup_time_hours"],
        # the test the condition rested on: payments (16.45 h, n 12) against the rest (3.2 h, n 23)
        "tests": [{"path": "metrics.pickup_time_hours.by_team.payments.vs_rest", "compares": "team_vs_rest",
                   "metric": "pickup_time_hours", "unit": "hours", "value": 13.25, "interval": [6.1, 19.8],
                   "change": "up", "test": "bootstrap", "n": 12, "other_n": 23, "side_value": 16.45,
                   "other_value": 3.2}]}]


def test_subject_names_what_a_rule_without_a_team_is_about(tmp_path):
    result = run(tmp_path, [rule(id="large-prs", kind="decision", cadences=["monthly"], subject=" large AI-assisted PRs ",
                                 when={"metric": "merged_prs", "change": "up"},
                                 text="Hold large AI-assisted PRs: {{ m.merged_prs.value | count }} merged.")],
                 cadence="monthly")
    (item,) = result["decisions"]
    assert (item["team"], item["subject"]) == (None, "large AI-assisted PRs")
    plain = run(tmp_path, [rule(id="plain")])
    assert "subject" not in plain["learnings"][0]


def test_for_each_team_orders_by_team_and_skips_other(tmp_path):
    result = run(tmp_path, [rule(id="every-team", for_each="team", text="Team {{ team }} is listed.")])
    assert [(i["team"], i["text"]) for i in result["learnings"]] == [
        ("mobile", "Team mobile is listed."), ("payments", "Team payments is listed."), ("web", "Team web is listed.")]


def test_for_each_release_in_document_order(tmp_path):
    text = ("{{ release.team }} delivered {{ release.title }}{% if release.customer %} for {{ release.customer }}"
            "{% endif %}. {% if release.summary %}{{ release.summary }}{% endif %}"
            "{% if release.ai_tokens %} AI tools contributed {{ release.ai_tokens | tokens }} tokens.{% endif %}")
    result = run(tmp_path, [rule(id="release", kind="story", for_each="release", when={"releases": "any"},
                                 text=text)])
    stories = result["stories"]
    # document order (web, then payments), not team order; numbers in titles/summaries are the data's own
    assert [(s["team"], s["text"]) for s in stories] == [
        ("web", "web delivered Checkout 2027. It settles 3 currencies."),
        ("payments", "payments delivered Ledger export for Northwind. AI tools contributed 1.8M tokens."),
    ]
    assert stories[0]["evidence"] == []
    assert stories[1]["evidence"] == [{"path": "breakdowns.releases.1.ai_tokens", "value": 1800000, "shown": "1.8M"}]


def test_for_each_release_without_releases_says_nothing(tmp_path):
    doc = make_doc()
    del doc["breakdowns"]["releases"]
    result = run(tmp_path, [rule(kind="story", for_each="release", when={"releases": "any"},
                                 text="{{ release.title }} shipped.")], doc=doc)
    assert result["stories"] == []


def test_printing_missing_data_drops_the_item(tmp_path):
    # the condition holds but the baseline it prints is null: nothing is said, nothing crashes
    result = run(tmp_path, [
        rule(id="no-baseline", when={"metric": "recovery_time_hours", "change": "insufficient_data"},
             text="Recovery baseline {{ m.recovery_time_hours.baseline | hours }}."),
        rule(id="too-few", when={"metric": "recovery_time_hours", "change": "insufficient_data"},
             text="Recovery time rests on {{ m.recovery_time_hours.n | count }} incident: too few to call a change."),
    ])
    assert texts(result, "learnings") == ["Recovery time rests on 1 incident: too few to call a change."]


# -- folders: override and add -----------------------------------------------------------------------

def test_later_folder_overrides_by_id_and_adds(tmp_path):
    write(tmp_path / "packaged", [rule(id="a", text="Packaged a."), rule(id="b", text="Packaged b.")])
    write(tmp_path / "user", [rule(id="a", kind="warning", priority=90, text="User a."),
                              rule(id="c", text="User c.")], name="mine.yml")
    rules = load_rules([tmp_path / "packaged", tmp_path / "user"])
    assert [(r.id, r.kind, r.text, r.source.name) for r in rules] == [
        ("a", "warning", "User a.", "mine.yml"), ("b", "learning", "Packaged b.", "rules.yaml"),
        ("c", "learning", "User c.", "mine.yml")]
    result = narrate(make_doc(), "weekly", [tmp_path / "packaged", tmp_path / "user"])
    assert texts(result, "warnings") == ["User a."]
    assert texts(result, "learnings") == ["Packaged b.", "User c."]


def test_enabled_false_switches_a_packaged_rule_off(tmp_path):
    write(tmp_path / "packaged", [rule(id="a", text="Packaged a."), rule(id="b", text="Packaged b.")])
    write(tmp_path / "user", [rule(id="a", enabled=False, text="Off.")])
    assert [r.id for r in load_rules([tmp_path / "packaged", tmp_path / "user"])] == ["b"]


def test_folders_files_sorted_empty_and_none(tmp_path):
    write(tmp_path / "f", [rule(id="z", priority=1, text="Z.")], name="b.yaml")
    write(tmp_path / "f", [rule(id="y", priority=1, text="Y.")], name="a.yml")
    (tmp_path / "f" / "notes.txt").write_text("not rules", encoding="utf-8")
    (tmp_path / "f" / "empty.yaml").write_text("# nothing yet\n", encoding="utf-8")
    (tmp_path / "f" / "null.yaml").write_text("rules:\n", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    rules = load_rules([tmp_path / "empty", None, tmp_path / "f"])
    assert [r.id for r in rules] == ["y", "z"]
    assert load_rules([tmp_path / "empty"]) == []


# -- validation errors -------------------------------------------------------------------------------

def load_error(tmp_path: Path, rules: list[dict] | str, name: str = "rules.yaml") -> str:
    folder = tmp_path / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(rules, str):
        (folder / name).write_text(rules, encoding="utf-8")
    else:
        write(folder, rules, name)
    with pytest.raises(RuleError) as info:
        load_rules([folder])
    assert isinstance(info.value, ConfigError)
    message = str(info.value)
    assert str(folder / name) in message
    return message


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    message = load_error(tmp_path, "rules:\n  - id: a\n    kind: learning\n    cadences: [weekly\n    text: x\n")
    assert "YAML syntax error" in message
    assert re.search(r"rules\.yaml:5: YAML syntax error", message)


def test_rule_error_prefix_has_file_line_and_id(tmp_path):
    text = ("# rules\n"
            "rules:\n"
            "  - id: first\n"
            "    kind: learning\n"
            "    cadences: [weekly]\n"
            "    when: {releases: any}\n"
            "    text: First.\n"
            "\n"
            "  - id: second\n"
            "    kind: lesson\n"
            "    cadences: [weekly]\n"
            "    when: {releases: any}\n"
            "    text: Second.\n")
    message = load_error(tmp_path, text)
    assert message.endswith("rules.yaml:9: rule 'second': unknown kind 'lesson'; "
                            "kinds: story, learning, action, decision, warning")


@pytest.mark.parametrize("fields, expected", [
    ({"text": None}, "missing key 'text'"),
    ({"when": None}, "missing key 'when'"),
    ({"cadence": ["weekly"]}, "unknown key 'cadence' (did you mean 'cadences'?)"),
    ({"priorty": 3}, "unknown key 'priorty' (did you mean 'priority'?)"),
    ({"kind": "lerning"}, "unknown kind 'lerning' (did you mean 'learning'?)"),
    ({"cadences": ["weekley"]}, "unknown cadence 'weekley' (did you mean 'weekly'?)"),
    ({"cadences": ["daily"]}, "unknown cadence 'daily'"),
    ({"cadences": []}, "cadences must list at least one"),
    ({"kind": "decision", "cadences": ["weekly", "monthly"]}, "a decision appears only in the monthly report"),
    ({"priority": "high"}, "priority must be a whole number"),
    ({"for_each": "teams"}, "for_each must be one of team, release, got 'teams' (did you mean 'team'?)"),
    ({"enabled": "no"}, "enabled must be true or false"),
    ({"subject": ""}, "subject must be a short text"),
    ({"subject": "large PRs", "for_each": "team"}, "subject names what a rule is about when it is not a team"),
    ({"when": {"metric": "pickup_time", "change": "up"}},
     "when: unknown metric 'pickup_time' (did you mean 'pickup_time_hours'?)"),
    ({"when": {"all": [{"metric": "pickup_time_hours", "op": "=>", "value": 1}]}},
     "when.all[0]: op must be one of >, >=, <, <=, ==, !="),
    ({"when": {"metirc": "pickup_time_hours", "change": "up"}}, "when: unknown key 'metirc' (did you mean 'metric'?)"),
    ({"when": {"metric": "pickup_time_hours", "change": "up", "cohrt": "ai"}},
     "when: unknown key 'cohrt' (did you mean 'cohort'?)"),
    ({"when": {"metric": "pickup_time_hours", "change": "upward"}}, "change must be one of up, down, flat"),
    ({"when": {"metric": "pickup_time_hours", "cohort": "ai", "change": "up"}}, "change is only known for the whole"),
    ({"when": {"metric": "pickup_time_hours", "cohort": "bots", "op": ">", "value": 1}}, "cohort must be one of ai, non_ai"),
    ({"when": {"metric": "pickup_time_hours", "cohort": "ai", "field": "baseline", "op": ">", "value": 1}},
     "field must be one of value, n for a team or cohort split"),
    ({"when": {"metric": "pickup_time_hours", "field": "mean", "op": ">", "value": 1}}, "field must be one of value, n, baseline"),
    ({"when": {"metric": "pickup_time_hours", "scope": "team", "op": ">", "value": 1}},
     "scope: team reads the current team, so the rule needs for_each: team"),
    ({"when": {"metric": "pickup_time_hours", "op": ">", "value": "ten"}}, "value must be a number"),
    ({"when": {"metric": "pickup_time_hours", "op": ">", "value": 1, "than": {"metric": "merged_prs"}}},
     "op needs exactly one of value"),
    ({"when": {"metric": "pickup_time_hours"}}, "missing key change: or op:"),
    ({"when": {"metric": "pickup_time_hours", "op": ">", "than": {"metric": "merged_prs", "times": "2x"}}},
     "when.than: times must be a number"),
    ({"when": {"metric": "pickup_time_hours", "op": ">", "than": {"metric": "merged_pr"}}},
     "when.than: unknown metric 'merged_pr' (did you mean 'merged_prs'?)"),
    ({"when": {"breakdown": "reverts..value", "op": ">", "value": 1}}, "breakdown must be a dot path"),
    ({"when": {"breakdown": "reverts.value", "value": 1}}, "missing key op:"),
    ({"when": {"releases": "some"}}, "releases must be one of any, none"),
    ({"when": {"any": []}}, "when.any: expected a non-empty list"),
    ({"when": {"all": [{"metric": "pickup_time_hours", "change": "up"}], "any": []}}, "must be the only key"),
    ({"when": "pickup_time_hours > 3"}, "a condition must be a mapping"),
    ({"text": "Line one\n{{ m.merged_prs.value | count }\n"}, "template syntax error on line 2 of text"),
    ({"text": "{% if team %}in {{ team }}"}, "template syntax error on line 1 of text"),
    ({"text": "{{ m.merged_prs.value | hour }}"}, "unknown filter 'hour' (did you mean 'hours'?)"),
    ({"text": "{% if cadence %}{{ m.merged_prs.value | money_fmt }}{% endif %}"}, "unknown filter 'money_fmt'"),
    ({"text": "{{ m.merged_prs.value | length }}"}, "unknown filter 'length'"),
    ({"text": "{% if team is teamish %}x{% endif %}"}, "unknown test 'teamish'"),
    ({"text": "{{ metrics.merged_prs.value | count }}"}, "unknown variable 'metrics'"),
    ({"text": "{{ range(3) | first }}"}, "unknown variable 'range'"),
    ({"text": "{{ release.title }} shipped."}, "text uses 'release', which is only bound with for_each: release"),
    ({"text": "{{ m.merged_pr.value | count }}"}, "unknown metric m.merged_pr (did you mean 'merged_prs'?)"),
    ({"text": "{% include 'x.html' %}"}, "cannot include or import"),
    ({"text": "  "}, "text must be a non-empty string"),
])
def test_validation_errors_name_file_rule_and_problem(tmp_path, fields, expected):
    message = load_error(tmp_path, [rule(id="bad-rule", **fields)])
    assert "rule 'bad-rule'" in message
    assert expected in message


def test_missing_id_duplicate_key_and_bad_file_shapes(tmp_path):
    assert "rule #1 has no id" in load_error(tmp_path / "a", [rule(id=None)])
    message = load_error(tmp_path / "b", "rules:\n  - id: twice\n    text: a\n    text: b\n")
    assert "rule 'twice': key 'text' is given twice" in message
    assert "unknown top-level key 'rule' (did you mean 'rules'?)" in load_error(tmp_path / "c", "rule: []\n")
    assert "'rules' must be a list" in load_error(tmp_path / "d", "rules: {id: a}\n")
    assert "rule #1 must be a mapping" in load_error(tmp_path / "e", "rules: [just-a-string]\n")


def test_duplicate_id_within_a_folder_names_both_files(tmp_path):
    folder = tmp_path / "rules"
    write(folder, [rule(id="same")], name="a.yaml")
    write(folder, [rule(id="same")], name="b.yaml")
    with pytest.raises(RuleError) as info:
        load_rules([folder])
    message = str(info.value)
    assert f"{folder / 'b.yaml'}:" in message and "rule 'same': duplicate id" in message
    assert f"{folder / 'a.yaml'}:2" in message


def test_missing_folder_is_an_error_naming_it(tmp_path):
    with pytest.raises(RuleError, match=re.escape(f"narrative rule folder {tmp_path / 'nope'} does not exist")):
        load_rules([tmp_path / "nope"])
    (tmp_path / "file.yaml").write_text("rules: []\n", encoding="utf-8")
    with pytest.raises(RuleError, match="is not a folder"):
        load_rules([tmp_path / "file.yaml"])


def test_known_metrics_can_be_passed(tmp_path):
    write(tmp_path / "r", [rule(when={"metric": "review_depth", "op": ">", "value": 1}, text="Deep.")])
    with pytest.raises(RuleError, match="unknown metric 'review_depth'"):
        load_rules([tmp_path / "r"])
    assert [r.id for r in load_rules([tmp_path / "r"], known_metrics=KNOWN_METRICS | {"review_depth"})] == ["r"]


def test_known_metrics_match_a_real_metrics_document():
    names = ["deployments", "deployment_days", "lead_time_hours", "change_failure_rate", "recovery_time_hours",
             "rework_rate", "pr_cycle_time_hours", "coding_time_hours", "pickup_time_hours", "review_time_hours",
             "deploy_time_hours", "pr_size_lines", "merged_prs", "engineers", "active_ai_users",
             "ai_adoption_rate", "ai_spend",
             # the monthly and quarterly outcome metrics (reporter/metrics/outcomes.py)
             "work_items_done", "strategic_items_done", "escaped_defects", "support_tickets", "defect_tickets",
             "incidents", "strategic_time_to_market_days", "merged_prs_per_engineer_week", "cost_per_merged_pr",
             "idle_seat_spend"]
    assert frozenset(names) == KNOWN_METRICS


# -- rendering: filters and evidence ---------------------------------------------------------------------

def render(expr: str, cadence: str = "monthly", doc: dict | None = None) -> tuple[str, list[dict]]:
    template = phrasing.compile_text("{{ " + expr + " }}", KNOWN_METRICS, None)
    rendered = phrasing.render(template, make_doc() if doc is None else doc, cadence=cadence)
    assert rendered is not None
    return rendered.text, rendered.evidence


@pytest.mark.parametrize("expr, shown, path, value", [
    ("m.pickup_time_hours.value | hours", "6.0 h", "metrics.pickup_time_hours.value", 6.0),
    ("m.pickup_time_hours.by_team['payments'].value | hours", "16.4 h", "metrics.pickup_time_hours.by_team.payments.value", 16.45),
    ("m.pickup_time_hours.by_cohort.ai.value | hours", "8.0 h", "metrics.pickup_time_hours.by_cohort.ai.value", 8.0),
    ("1234.56 | hours", "1,234.6 h", None, 1234.56),
    ("m.change_failure_rate.value | percent", "8.0%", "metrics.change_failure_rate.value", 0.08),
    ("m.change_failure_rate.by_cohort.ai.value | percent", "12.0%", "metrics.change_failure_rate.by_cohort.ai.value", 0.12),
    ("0.125 | percent", "12.5%", None, 0.125),
    ("b.reverts.by_cohort.ai.rate | percent", "6.9%", "breakdowns.reverts.by_cohort.ai.rate", 0.069),
    ("m.change_failure_rate.delta | points", "+3.0 pp", "metrics.change_failure_rate.delta", 0.03),
    ("-0.031 | points", f"{MINUS}3.1 pp", None, -0.031),
    ("m.pickup_time_hours.delta_pct | pct_change", "+50%", "metrics.pickup_time_hours.delta_pct", 0.5),
    ("m.coding_time_hours.delta_pct | pct_change", f"{MINUS}9%", "metrics.coding_time_hours.delta_pct", -0.0865),
    ("0.001 | pct_change", "±0%", None, 0.001),
    ("m.merged_prs.value | count", "1,234", "metrics.merged_prs.value", 1234),
    ("m.merged_prs.baseline | count", "1,100", "metrics.merged_prs.baseline", 1100.0),
    ("2.25 | count", "2.2", None, 2.25),
    ("b.releases | count", "2", "breakdowns.releases.length", 2),
    ("b.releases[1].ai_tokens | tokens", "1.8M", "breakdowns.releases.1.ai_tokens", 1800000),
    ("950 | tokens", "950", None, 950),
    ("999960 | tokens", "1M", None, 999960),
    ("b.releases[1].contract_value | money(b.releases[1].currency)", "580,000 USD",
     "breakdowns.releases.1.contract_value", 580000),
    ("1234567 | money('eur')", "1,234,567 EUR", None, 1234567),
    ("950 | money", "950.00 USD", None, 950),
])
def test_filters_format_and_record_evidence(expr, shown, path, value):
    text, evidence = render(expr)
    assert text == shown
    assert evidence == [{"path": path, "value": value, "shown": shown}]


def test_evidence_is_recorded_once_per_figure():
    text, evidence = render("m.merged_prs.value | count }} and {{ m.merged_prs.value | count")
    assert text == "1,234 and 1,234"
    assert evidence == [{"path": "metrics.merged_prs.value", "value": 1234, "shown": "1,234"}]


def test_filters_on_missing_values_say_nothing_and_on_text_fail():
    template = phrasing.compile_text("{{ m.rework_rate.value | percent }}", KNOWN_METRICS, None)
    assert phrasing.render(template, make_doc(), cadence="weekly") is None
    template = phrasing.compile_text("{{ b.releases[1].title | hours }}", KNOWN_METRICS, None)
    with pytest.raises(phrasing.TextError, match="filter hours expects a number"):
        phrasing.render(template, make_doc(), cadence="weekly")


@pytest.mark.parametrize("text, expected", [
    ("{{ m.__class__ }}", "rule 'r': line 1 of text: unknown metric m.__class__"),   # caught at load time
    ("{{ b.__class__ }}", "rule 'r': text failed to render: SecurityError"),
    ("{{ ''.__class__.__mro__ }}", "rule 'r': text failed to render: SecurityError"),
    ("{{ cadence.__class__.__subclasses__() }}", "rule 'r': text failed to render: SecurityError"),
    ("{{ m.merged_prs.value * 100 }}", "rule 'r': text failed to render: TypeError"),
])
def test_sandbox_refuses_escapes_and_arithmetic_on_document_values(tmp_path, text, expected):
    with pytest.raises(RuleError, match=re.escape(expected)):
        run(tmp_path, [rule(text=text)])


# -- honesty checks --------------------------------------------------------------------------------------

def honesty_error(tmp_path: Path, rules: list[dict], cadence: str = "weekly", **kw) -> str:
    with pytest.raises(RuleError) as info:
        run(tmp_path, rules, cadence=cadence, **kw)
    message = str(info.value)
    assert "rules.yaml:" in message and "rule 'r'" in message
    return message


@pytest.mark.parametrize("text, number", [
    ("Review wait is {{ m.pickup_time_hours.value }} hours.", "6.0"),                  # unformatted
    ("Cap PR size at 400 lines ({{ m.merged_prs.value | count }} merged).", "400"),     # a literal constant
    ("{{ m.pickup_time_hours.value | hours }} is 16.4 hours for payments.", "16.4"),   # a copy, not the figure
    ("Review wait {{ m.pickup_time_hours.value | hours }} over 12 weeks.", "12"),
    ("Cap PR size at {{ 400 | count }} lines.", "400"),                               # a constant, even formatted
])
def test_honesty_untraced_numbers_are_rejected(tmp_path, text, number):
    message = honesty_error(tmp_path, [rule(text=text)])
    assert f"the number {number!r}" in message and "does not come from the document" in message


def test_honesty_traced_numbers_dates_periods_and_bound_strings_pass(tmp_path):
    result = run(tmp_path, [rule(
        kind="story", for_each="release", when={"releases": "any"},
        text="In {{ period }} (since 2026-11-16), {{ release.title }} shipped on {{ release.date }}"
             "{% if release.summary %}: {{ release.summary }}{% endif %}; "
             "{{ m.merged_prs.value | count }} PRs merged.")])
    assert texts(result, "stories") == [
        ("In 2026-W47 (since 2026-11-16), Checkout 2027 shipped on 2026-11-18: It settles 3 currencies.; "
         "1,234 PRs merged."),
        "In 2026-W47 (since 2026-11-16), Ledger export shipped on 2026-11-17; 1,234 PRs merged."]


def test_honesty_team_names_with_digits_are_exempt(tmp_path):
    doc = make_doc()
    doc["metrics"]["merged_prs"]["by_team"] = {"squad-7": {"value": 30, "n": 30}}
    text = "{{ team }} merged {{ m.merged_prs.by_team[team].value | count }} PRs."
    result = run(tmp_path, [rule(for_each="team", text=text)], doc=doc)
    assert "squad-7 merged 30 PRs." in texts(result, "learnings")


@pytest.mark.parametrize("phrase", [
    "thanks to AI", "because of AI adoption", "due to Copilot", "AI caused", "caused by AI tools",
    "AI made reviews faster", "AI tools improved", "AI adoption drove", "this led to", "which resulted in",
    "AI-driven", "the impact of AI",
])
def test_honesty_causal_wording_is_rejected_without_causal_support(tmp_path, phrase):
    text = f"Merged PRs reached {{{{ m.merged_prs.value | count }}}}, {phrase} the gain."
    message = honesty_error(tmp_path, [rule(when={"metric": "merged_prs", "change": "up"}, text=text)])
    assert "causal wording" in message and "correlation, not cause" in message
    result = run(tmp_path, [rule(when={"metric": "merged_prs", "change": "up"}, text=text)], causal_support=True)
    assert len(result["learnings"]) == 1


def test_honesty_correlated_wording_passes(tmp_path):
    result = run(tmp_path, [rule(text="Merged PRs {{ m.merged_prs.value | count }}, correlated with AI adoption; "
                                      "AI-assisted PRs wait {{ m.pickup_time_hours.by_cohort.ai.value | hours }}.")])
    assert texts(result, "learnings") == ["Merged PRs 1,234, correlated with AI adoption; AI-assisted PRs wait 8.0 h."]


@pytest.mark.parametrize("when", [
    {"metric": "merged_prs", "field": "n", "op": ">=", "value": 1},                 # no change test at all
    {"metric": "change_failure_rate", "change": "flat"},                          # flat is not a direction
    {"metric": "pickup_time_hours", "change": ["up", "flat"]},                    # might be noise
    {"not": {"metric": "pickup_time_hours", "change": "down"}},                   # negated
])
@pytest.mark.parametrize("text", [
    "Review wait rose to {{ m.pickup_time_hours.value | hours }}.",
    "Review wait is up {{ m.pickup_time_hours.delta_pct | pct_change }}.",
    "Review wait went down to {{ m.pickup_time_hours.value | hours }}.",
    "Quality improved: {{ m.change_failure_rate.value | percent }}.",
])
def test_honesty_direction_words_need_an_up_or_down_test(tmp_path, when, text):
    message = honesty_error(tmp_path, [rule(when=when, text=text)])
    assert "the condition tests no metric's change as up or down" in message


def test_honesty_direction_words_pass_with_a_direction_test_and_particles_pass_without(tmp_path):
    result = run(tmp_path, [
        rule(id="r", when={"all": [{"metric": "pickup_time_hours", "change": "up"}, TRUE]},
             text="Review wait rose to {{ m.pickup_time_hours.value | hours }} "
                  "from {{ m.pickup_time_hours.baseline | hours }}."),
        rule(id="s", text="Hold until review keeps up with {{ m.merged_prs.value | count }} merged PRs; "
                          "follow-up next week."),
    ])
    assert texts(result, "learnings") == ["Review wait rose to 6.0 h from 4.0 h.",
                                          "Hold until review keeps up with 1,234 merged PRs; follow-up next week."]


def test_honesty_money_filter_is_refused_in_weekly(tmp_path):
    message = honesty_error(tmp_path, [rule(kind="story", for_each="release", when={"releases": "any"},
                                            text="{% if release.contract_value %}Value "
                                                 "{{ release.contract_value | money(release.currency) }}.{% endif %}")])
    assert "money filter is not allowed in a weekly report" in message


def test_honesty_currency_figures_are_refused_in_weekly(tmp_path):
    for text in ("Spend ${{ m.merged_prs.value | count }} so far.", "Spend EUR {{ m.merged_prs.value | count }}.",
                 "Spend {{ m.merged_prs.value | count }} USD."):
        message = honesty_error(tmp_path, [rule(text=text)])
        assert "in a weekly text; weekly is not ROI" in message


def test_honesty_money_carries_the_disclaimer(tmp_path):
    result = run(tmp_path, [rule(kind="story", for_each="release", when={"releases": "any"},
                                 text="{% if release.contract_value %}{{ release.title }}: correlated contract value "
                                      "{{ release.contract_value | money(release.currency) }}.{% endif %}")],
                 cadence="monthly")
    assert result["stories"][0]["text"] == ("Ledger export: correlated contract value 580,000 USD "
                                            "(correlated, not caused).")
    assert result["stories"][0]["evidence"] == [
        {"path": "breakdowns.releases.1.contract_value", "value": 580000, "shown": "580,000 USD"}]
    # already said by the rule: not added twice
    result = run(tmp_path, [rule(text="Value {{ b.releases[1].contract_value | money }}, correlated, not caused.")],
                 cadence="quarterly")
    assert texts(result, "learnings") == ["Value 580,000 USD, correlated, not caused."]


def test_honesty_money_without_the_filter_needs_the_disclaimer(tmp_path):
    message = honesty_error(tmp_path, [rule(text="Spend ${{ m.merged_prs.value | count }}.")], cadence="monthly")
    assert "money '$1,234' is not followed by 'correlated, not caused'" in message


@pytest.mark.parametrize("text", [
    "AI tools used {{ b.releases[1].ai_tokens | tokens }} tokens per engineer.",
    "Usage per person: {{ m.merged_prs.value | count }} sessions.",
    "Each engineer's token count averaged {{ b.releases[1].ai_tokens | tokens }}.",
])
def test_honesty_per_person_usage_is_rejected(tmp_path, text):
    message = honesty_error(tmp_path, [rule(text=text)])
    assert "describes individual AI usage" in message


def test_honesty_wording_in_quoted_data_is_not_the_rules_claim(tmp_path):
    doc = make_doc()
    doc["breakdowns"]["releases"][0]["summary"] = "Thanks to AI, usage per engineer rose and led to $5 savings."
    result = run(tmp_path, [rule(kind="story", for_each="release", when={"releases": "any"},
                                 text="{{ release.title }}: {{ release.summary }}")], doc=doc, cadence="monthly")
    assert texts(result, "stories")[0] == ("Checkout 2027: Thanks to AI, usage per engineer rose and led to "
                                           "$5 savings.")


# -- selection ---------------------------------------------------------------------------------------------

def test_sorted_by_priority_then_id_and_deduplicated(tmp_path):
    result = run(tmp_path, [rule(id="b", priority=10, text="B."), rule(id="a", priority=10, text="A."),
                            rule(id="c", priority=90, text="C."), rule(id="d", priority=5, text="A.")])
    assert [(i["id"], i["text"]) for i in result["learnings"]] == [("c", "C."), ("a", "A."), ("b", "B.")]
    assert set(result) == {"stories", "learnings", "actions", "decisions", "warnings"}


def test_rules_fire_only_in_their_cadences(tmp_path):
    rules = [rule(id="w", cadences=["weekly"], text="W."), rule(id="q", cadences=["quarterly"], text="Q.")]
    assert texts(run(tmp_path, rules, cadence="weekly"), "learnings") == ["W."]
    assert texts(run(tmp_path, rules, cadence="quarterly"), "learnings") == ["Q."]
    with pytest.raises(ValueError, match="unknown cadence 'daily'"):
        run(tmp_path, rules, cadence="daily")


def test_weekly_actions_are_capped_at_five(tmp_path):
    rules = [rule(id=f"act-{i}", kind="action", priority=i, text=f"Action {'abcdefg'[i]}.") for i in range(7)]
    weekly = run(tmp_path, rules, cadence="weekly")["actions"]
    assert [i["id"] for i in weekly] == ["act-6", "act-5", "act-4", "act-3", "act-2"]
    assert len(run(tmp_path, rules, cadence="monthly")["actions"]) == 7


def test_decisions_only_in_the_monthly_report(tmp_path):
    rules = [rule(id="scale", kind="decision", cadences=["monthly"], for_each="team",
                  when={"all": [{"metric": "change_failure_rate", "scope": "team", "differs": "lower"},
                                {"metric": "change_failure_rate", "scope": "team", "op": "<=",
                                 "than": {"metric": "change_failure_rate"}}]},
                  text="Scale in {{ team }}: change failure rate "
                       "{{ m.change_failure_rate.by_team[team].value | percent }}.")]
    assert run(tmp_path, rules, cadence="monthly")["decisions"] == [{
        "id": "scale", "kind": "decision", "priority": 50, "team": "web",
        "text": "Scale in web: change failure rate 4.0%.",
        "evidence": [{"path": "metrics.change_failure_rate.by_team.web.value", "value": 0.04, "shown": "4.0%"}],
        "metrics": ["change_failure_rate"],
        "tests": [{"path": "metrics.change_failure_rate.by_team.web.vs_rest", "compares": "team_vs_rest",
                   "metric": "change_failure_rate", "unit": "ratio", "value": -0.0767, "interval": [-0.15, -0.01],
                   "change": "down", "test": "exact", "n": 25, "other_n": 25, "side_value": 0.04,
                   "other_value": 0.1167}]}]
    assert run(tmp_path, rules, cadence="weekly")["decisions"] == []
    assert run(tmp_path, rules, cadence="quarterly")["decisions"] == []


def test_output_is_deterministic(tmp_path):
    rules = [rule(id="teams", for_each="team", text="{{ team }} merged {{ m.merged_prs.value | count }}."),
             rule(id="rel", kind="story", for_each="release", when={"releases": "any"}, text="{{ release.title }}."),
             rule(id="act", kind="action", text="Act on {{ m.pickup_time_hours.value | hours }} review wait.")]
    doc = make_doc()
    first = run(tmp_path, rules, doc=doc, cadence="monthly")
    second = run(tmp_path, rules, doc=copy.deepcopy(doc), cadence="monthly")
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert doc == make_doc()  # the document is not modified


def test_whitespace_collapsed_and_sentence_trimmed_names_keep_case(tmp_path):
    result = run(tmp_path, [rule(text="  review   wait\n  {{ m.pickup_time_hours.value | hours }}\n .  ")])
    assert texts(result, "learnings") == ["review wait 6.0 h."]


def test_no_python_eval_or_exec_in_the_narrative_package():
    sources = sorted(PACKAGE.glob("*.py"))
    assert {p.name for p in sources} >= {"__init__.py", "rules.py", "conditions.py", "phrasing.py", "honesty.py"}
    for path in sources:
        code = path.read_text(encoding="utf-8")
        assert not re.search(r"(?<![\w.])(eval|exec|compile|__import__)\s*\(", code), path.name
