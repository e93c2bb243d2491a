"""The monthly review document: sections, page budget, decisions with evidence, money kept apart."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader


@pytest.fixture(scope="module")
def october(sample_build):
    doc, files = sample_build("monthly")  # 2026-10 on 2026-11-23, built once per test run (conftest.py)
    reader = PdfReader(files["report.pdf"])
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    return doc, files, reader, text


def test_monthly_writes_three_formats_in_three_to_six_pages(october):
    _, files, reader, text = october
    assert set(files) == {"metrics.json", "report.html", "report.pdf"}
    assert 3 <= len(reader.pages) <= 6
    for heading in ("What the month says", "Decisions", "Throughput and backlog", "Defects, support and incidents",
                    "The five DORA metrics", "AI spend", "Success Stream"):
        assert heading in text
    for leak in (" nan ", " None ", "{{"):
        assert leak not in text


def test_decisions_table_lists_each_decision_with_its_team(october):
    doc, _, _, text = october
    for d in doc["narrative"]["decisions"]:
        who = doc["team_names"].get(d["team"], d["team"].capitalize()) if d["team"] else d["subject"]
        assert who in text and d["text"][:30] in text


def test_spend_shows_each_currency_apart(october):
    doc, _, _, text = october
    usd = doc["metrics"]["ai_spend"]["value"]["USD"]
    eur = doc["metrics"]["ai_spend"]["value"]["EUR"]
    assert f"{usd:,.0f} USD" in text and f"{eur:,.2f} EUR" in text
    assert not re.search(r"EUR \+|USD \+", text)
    # contract values in release stories: the caveat once for the section, not after each story
    assert text.count("correlated with the work, not caused by AI tools") == 1
    assert "(correlated, not caused)" not in text


def test_dora_table_has_bands(october):
    doc, _, _, text = october
    for key in ("lead_time_hours", "change_failure_rate"):
        assert doc["metrics"][key]["dora"]["band"] in text


def test_workflow_decisions_follow_the_size_breakdown_and_the_revert_guard():
    """Hand-built breakdowns: large AI PRs wait 2x in review, longer outside noise -> Hold; small AI PRs 25%
    faster outside noise, reverts tested and within 2x of others -> Scale; with AI reverts above 2x, or
    higher outside noise, no Scale (quality travels with speed)."""
    from reporter.assets import narratives_dir
    from reporter.views.monthly import _decisions
    from reporter.narrative import narrate

    def doc(ai_revert_rate: float, reverts_change: str = "flat") -> dict:
        test = lambda ai, other, n: {  # noqa: E731  (intervals exclude zero: outside noise)
            "value": ai - other, "interval": [ai - other - 3, ai - other + 3],
            "change": "up" if ai > other else "down", "test": "bootstrap", "n": {"ai": n, "non_ai": n}}
        size = lambda lo, hi, ai, other, n: {  # noqa: E731
            "min_lines": lo, "max_lines": hi, "ai": {"n": n, "cycle_time_hours": ai, "review_time_hours": ai},
            "non_ai": {"n": n, "cycle_time_hours": other, "review_time_hours": other},
            "cycle_time_ratio": round(ai / other, 4), "review_time_ratio": round(ai / other, 4),
            "cycle_time_test": test(ai, other, n), "review_time_test": test(ai, other, n)}
        return {"cadence": "monthly", "period": "2026-10", "metrics": {}, "baseline": {"periods": []},
                "breakdowns": {"flow_by_size": {"small": size(0, 100, 15.0, 20.0, 30),
                                                "large": size(400, None, 40.0, 20.0, 12)},
                               "reverts": {"by_cohort": {"ai": {"value": 3, "n": 100, "rate": ai_revert_rate},
                                                         "non_ai": {"value": 3, "n": 100, "rate": 0.03}},
                                           "cohort_difference": {"value": ai_revert_rate - 0.03,
                                                                 "interval": [-0.02, 0.06], "change": reverts_change,
                                                                 "test": "exact", "n": {"ai": 100, "non_ai": 100}}}}}

    decisions = narrate(doc(0.05), "monthly", [narratives_dir()])["decisions"]
    rows = [(d.team, d.decision) for d in _decisions({"narrative": {"decisions": decisions}})]
    assert rows == [("large AI-assisted PRs", "Hold"), ("small AI-assisted PRs", "Scale")]
    assert decisions[0]["text"] == ("Hold large AI-assisted PRs (400+ lines): they wait 40.0 h in review vs 20.0 h "
                                    "for other large PRs (12 and 12 PRs), longer outside noise; split them before "
                                    "review.")
    assert decisions[1]["text"] == ("Scale small AI-assisted PRs (under 100 lines): they merge in 15.0 h vs 20.0 h "
                                    "for other small PRs (30 and 30 PRs), faster outside noise; reverts 5% of 100 "
                                    "AI-assisted PRs vs 3% of 100 others, no clear difference.")
    for guarded in (doc(0.07), doc(0.05, reverts_change="up"), doc(0.05, reverts_change="insufficient_data")):
        assert [d["id"] for d in narrate(guarded, "monthly", [narratives_dir()])["decisions"]] == [
            "decide-hold-large-ai-prs"]
