"""The default rules tell the sample organisation's story; a user's folder overrides them."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from reporter.build import compute_report

SAMPLE = Path(__file__).resolve().parent.parent / "sample_inputs"
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def october(sample_build):
    return sample_build("monthly")[0]  # 2026-10 on 2026-11-23 (= TODAY), built once per test run


@pytest.fixture(scope="module")
def week47(sample_build):
    return sample_build("weekly")[0]  # 2026-W47 on 2026-11-23 (= TODAY), built once per test run


def ids(items: list[dict]) -> list[str]:
    return [i["id"] for i in items]


def teams_of(items: list[dict], rule_id: str) -> list[str]:
    return [i["team"] for i in items if i["id"] == rule_id]


def higher_than_rest(doc: dict, metric: str, min_n: int, floor: float, times: float) -> list[str]:
    """Teams a 'higher than the rest' rule must name, read straight from the document: the team's
    test says up with n >= min_n on both sides, and the value passes the rule's materiality guards."""
    entry = doc["metrics"][metric]
    return sorted(team for team, split in entry["by_team"].items()
                  if team != "other" and split.get("value") is not None
                  and (split.get("vs_rest") or {}).get("change") == "up" and split["n"] >= min_n and split["vs_rest"]["rest_n"] >= min_n
                  and split["value"] >= floor and split["value"] > times * entry["value"])


def test_sample_document_carries_the_tests_the_rules_read(october):
    m, b = october["metrics"], october["breakdowns"]
    assert set(m["change_failure_rate"]["by_team"]["platform"]["vs_rest"]) >= {"value", "rest_n", "interval", "change"}
    assert m["pr_size_lines"]["cohort_difference"]["change"] in ("up", "down", "flat", "insufficient_data")
    assert b["flow_by_size"]["large"]["review_time_test"]["change"] in ("up", "down", "flat", "insufficient_data")
    assert b["reverts"]["cohort_difference"]["change"] in ("up", "down", "flat", "insufficient_data")


def test_monthly_tells_rollout_review_bottleneck_and_failing_service(october):
    n = october["narrative"]
    m = october["metrics"]
    # rollout: adoption up (a change outside noise) while flow is flat
    assert m["ai_adoption_rate"]["change"] == "up"
    assert "adoption-without-flow-change" in ids(n["learnings"])
    # review bottleneck: coding time down, pickup up -> moved downstream
    assert (m["coding_time_hours"]["change"], m["pickup_time_hours"]["change"]) == ("down", "up")
    assert "bottleneck-moved-downstream" in ids(n["learnings"])
    # hold and stop name exactly the teams whose test against the rest says higher (n >= 20 / 10)
    assert teams_of(n["decisions"], "decide-hold") == higher_than_rest(october, "pickup_time_hours", 20, 0, 1.5)
    stop = higher_than_rest(october, "change_failure_rate", 10, 0.15, 2)
    assert teams_of(n["decisions"], "decide-stop") == stop
    # platform's 7 failures in 43 deployments: a stop only if its test against the rest says so
    platform = m["change_failure_rate"]["by_team"]["platform"]
    assert ("platform" in stop) == (platform["vs_rest"]["change"] == "up")
    # every decision shows the tests it rests on, each with n on both sides
    for decision in n["decisions"]:
        assert decision["tests"] and all(t["n"] and t["other_n"] for t in decision["tests"])
        assert decision["tests"][0]["change"] in ("up", "down")
    # small AI-assisted PRs gain, large ones pay a review tax: only when both size tests say so
    size = october["breakdowns"]["flow_by_size"]
    both = (size["small"]["cycle_time_test"]["change"] == "down" and size["large"]["review_time_test"]["change"] == "up"
            and min(size["small"]["cycle_time_test"]["n"].values()) >= 10
            and min(size["large"]["review_time_test"]["n"].values()) >= 10
            and size["small"]["cycle_time_ratio"] < 0.9 and size["large"]["review_time_ratio"] > 1.25)
    assert ("small-ai-prs-gain-large-pay-review-tax" in ids(n["learnings"])) == both
    assert not n["actions"] or all(a["id"] == "reclaim-idle-seats" for a in n["actions"])


def test_weekly_names_the_busy_team_and_caps_actions(week47):
    n = week47["narrative"]
    assert teams_of(n["learnings"], "team-review-queue") == higher_than_rest(week47, "pickup_time_hours", 10, 0, 2)
    assert len(n["actions"]) <= 5
    assert n["decisions"] == []
    # one story per release of the week, in date order
    releases = week47["breakdowns"]["releases"]
    stories = [s for s in n["stories"] if s["id"] == "release"]
    assert len(stories) == len(releases) == 3
    for story, release in zip(stories, releases):
        # the team as configured, else its key capitalised ("growth" -> "Growth")
        shown = week47["team_names"].get(release["team"]) or release["team"].capitalize()
        assert story["text"].startswith(f"{shown} delivered {release['title']}")
        assert story["release"] == week47["breakdowns"]["releases"].index(release)


def test_every_number_in_every_item_is_in_its_evidence(october, week47):
    for doc in (october, week47):
        for kind, items in doc["narrative"].items():
            for item in items:
                shown = " ".join(e["shown"] for e in item["evidence"])
                for number in re.findall(r"\d+(?:[.,]\d+)?", item["text"]):
                    assert number in shown or item.get("id") == "release", (kind, item["text"], number)


def test_weekly_items_carry_no_money(week47):
    text = json.dumps(week47["narrative"])
    assert not re.search(r"[$€£]\s?\d", text) and "contract" not in text.lower()


def test_narrative_is_deterministic(october):
    again = compute_report("monthly", SAMPLE, period_id="2026-10", today=TODAY)
    assert again["narrative"] == october["narrative"]


def test_user_folder_overrides_a_phrasing_and_adds_a_rule(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(SAMPLE, folder)
    rules = folder / "my_rules"
    rules.mkdir()
    (rules / "mine.yaml").write_text("""
rules:
  - id: bottleneck-moved-downstream
    kind: learning
    cadences: [monthly]
    priority: 85
    when:
      all:
        - {metric: coding_time_hours, change: down}
        - {metric: pickup_time_hours, change: up}
    text: "Review is our constraint now: first review takes {{ m.pickup_time_hours.value | hours }}."
  - id: our-own
    kind: learning
    cadences: [monthly]
    priority: 1
    when: {metric: merged_prs, field: value, op: ">", value: 0}
    text: "We merged {{ m.merged_prs.value | count }} PRs."
""")
    config = (folder / "reporter.yaml").read_text() + "narratives: my_rules\n"
    (folder / "reporter.yaml").write_text(config)
    doc = compute_report("monthly", folder, period_id="2026-10", today=TODAY)
    texts = {i["id"]: i["text"] for i in doc["narrative"]["learnings"]}
    pickup = doc["metrics"]["pickup_time_hours"]["value"]
    assert texts["bottleneck-moved-downstream"] == f"Review is our constraint now: first review takes {pickup:.1f} h."
    assert texts["our-own"] == f"We merged {doc['metrics']['merged_prs']['value']:,} PRs."


def test_weekly_pdf_shows_the_narrative(sample_build):
    from pypdf import PdfReader

    doc, files = sample_build("weekly")
    text = " ".join(p.extract_text() for p in PdfReader(files["report.pdf"]).pages)
    text = re.sub(r"\s+", " ", text)
    for item in doc["narrative"]["learnings"] + doc["narrative"]["actions"]:
        assert re.sub(r"\s+", " ", item["text"])[:40] in text
