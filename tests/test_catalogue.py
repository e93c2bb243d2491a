"""The one metric catalogue drives every place that names a metric, and one formatter prints every number."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from reporter.views import evidence, fmt, monthly, weekly
from reporter.config import load_config
from reporter.metrics import catalogue
from reporter.narrative import KNOWN_METRICS, load_rules
from reporter.publish.index import index_page

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_inputs"
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def docs(sample_build):
    # 2026-W47 and 2026-10 on 2026-11-23 (TODAY; W47 is also the default week then), built once per run
    return {"weekly": sample_build("weekly")[0], "monthly": sample_build("monthly")[0]}


# -- the catalogue itself ----------------------------------------------------------------------

def test_one_name_per_quantity():
    # chosen by hand: the five names of pickup_time_hours and the two of recovery_time_hours are one each
    assert catalogue.label("pickup_time_hours") == "Review wait"
    assert catalogue.label("recovery_time_hours") == "Failed deployment recovery time"
    labels = [m.label.lower() for m in catalogue.METRICS]
    assert len(labels) == len(set(labels))
    for m in catalogue.METRICS:  # a card's short label is a shortening of the label, never another name
        assert m.short.lower().rstrip("s") in m.label.lower(), m.id


def test_the_dora_five_carry_dora_names_and_devlake_bands():
    named = {m.id: m.dora_name for m in catalogue.METRICS if m.dora_name}
    assert named == {"lead_time_hours": "Change lead time", "deployments": "Deployment frequency",
                     "recovery_time_hours": "Failed deployment recovery time",
                     "change_failure_rate": "Change fail rate", "rework_rate": "Deployment rework rate"}
    assert dict(catalogue.get("change_failure_rate").bands) == {
        "elite": "0-5%", "high": "5-10%", "medium": "10-15%", "low": "more than 15%"}
    assert dict(catalogue.get("recovery_time_hours").bands)["elite"] == "less than one hour"
    assert catalogue.get("lead_time_hours").band_source.startswith("DORA 2023")
    assert catalogue.get("rework_rate").bands == ()  # DevLake publishes no rework-rate cut-offs


def test_directions():
    assert catalogue.get("change_failure_rate").lower_is_better
    assert catalogue.get("escaped_defects").lower_is_better
    assert not catalogue.get("deployments").lower_is_better
    assert catalogue.get("pr_size_lines").better is None


# -- every place that names a metric reads it -----------------------------------------------------

def test_built_metrics_and_catalogue_agree_both_ways(docs):
    for cadence, doc in docs.items():
        expected = {m.id for m in catalogue.METRICS if cadence in m.cadences}
        assert set(doc["metrics"]) == expected, cadence
        assert doc["definitions"] == {i: catalogue.get(i).as_json() for i in sorted(expected)}
        for key, item in doc["metrics"].items():
            assert item["unit"] == catalogue.get(key).unit, key
    weekly_only = set(docs["weekly"]["metrics"])
    assert set(docs["monthly"]["metrics"]) | weekly_only == catalogue.IDS


def test_kpi_cards_dora_table_and_definitions_use_catalogue_labels():
    for module in (weekly, monthly):
        for key, label, _, lower, _, _ in module.KPIS:
            assert label == catalogue.short(key)
            assert lower == catalogue.get(key).lower_is_better
    # the one name of each metric, the same as on the cards and in bullets (dora.dev's wording is in the footer)
    assert [row[0] for row in monthly.DORA] == ["Deployment frequency", "Change lead time", "Change failure rate",
                                                "Failed deployment recovery time", "Deployment rework rate"]
    labels = {m.short for m in catalogue.METRICS}  # the footer defines the names on the cards
    for module in (weekly, monthly):
        for label, _ in module.DEFINITIONS[:-1]:
            assert label in labels
    assert dict(weekly.DEFINITIONS)["Review wait"].startswith("Median hours from PR opened to its first review")


def test_documents_never_use_the_old_names(docs):
    text = " ".join((repr(weekly.build_weekly(docs["weekly"], "r")), repr(monthly.build_monthly(docs["monthly"], "r")))).replace("pickup_time_hours", "")
    for old in ("turnaround", "Reviewer load", "pickup", "Pickup", "Recovery time:", "Lead time for changes",
                "Failed deployment recovery\""):
        assert old not in text, old
    assert "Review wait" in text


def test_evidence_labels_are_the_catalogue_names():
    assert evidence._test_label({"metric": "pickup_time_hours"}) == "review wait"
    assert evidence._test_label({"metric": "escaped_defects"}) == "escaped defects"
    assert evidence._test_label({"metric": "pr_cycle_time_hours"}) == "PR cycle time"


def test_narrative_engine_knows_every_catalogue_metric(tmp_path):
    assert KNOWN_METRICS == catalogue.IDS
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "r.yaml").write_text(yaml.safe_dump({"rules": [
        {"id": "defects", "kind": "learning", "cadences": ["monthly"],
         "when": {"metric": "escaped_defects", "change": "up"}, "text": "Escaped defects rose."}]}), encoding="utf-8")
    assert [r.id for r in load_rules([folder])] == ["defects"]  # was "unknown metric 'escaped_defects'"


def test_readme_table_is_the_catalogue():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- catalogue:start -->\n(.*?)\n<!-- catalogue:end -->", readme, re.S)
    assert block and block.group(1) == catalogue.readme_table()
    # the older "name | definition | assigned by" table names only catalogue metrics
    section = readme.split("## Metrics (`metrics.json`)", 1)[1].split("\n## ", 1)[0]
    names = set(re.findall(r"^\| ([a-z_]+) \|", section, re.M)) - {"name"}
    assert names and set(names) <= catalogue.IDS


def test_site_index_labels_come_from_the_catalogue():
    page = index_page([])
    assert dict(page.labels) == {"active_ai_users": "Active AI users", "engineers": "Engineers",
                                 "pr_cycle_time_hours": "PR cycle time", "deployments": "Deployments",
                                 "change_failure_rate": "Change failure rate"}


# -- one formatter ---------------------------------------------------------------------------------

def test_money_has_one_style():
    assert fmt.money(3561.4, "USD") == "3,561 USD"
    assert fmt.money(314.56, "EUR") == "314.56 EUR"
    assert fmt.money(-55463, "USD") == "\u221255,463 USD"
    assert fmt.money(None, "USD") == "n/a"
    assert fmt.money_map({"USD": 3561.4, "EUR": 314.56}) == "314.56 EUR and 3,561 USD"
    assert monthly._money({"USD": 1234567.0}) == "1,234,567 USD"


def test_negative_numbers_print_a_true_minus():
    assert fmt.hours(-2.5) == "\u22122.5 h"
    assert fmt.hours(-150) == "\u2212150 h"
    assert fmt.percent(-0.05) == "\u22125.0%"
    assert fmt.count(-3) == "\u22123"
    assert fmt.number(-1234.5, 1) == "\u22121,234.5"
    assert fmt.signed_points(-0.017) == "\u22121.7 pp"
    assert "-" not in fmt.signed_percent(-0.25)


def test_severity_in_severity_order():
    counts = {"low": 3, "critical": 1, "medium": 2, "high": 4, "weird": 1}
    assert [k for k, _ in fmt.by_severity(counts)] == ["critical", "high", "medium", "low", "weird"]


def test_team_names_as_configured(tmp_path):
    path = tmp_path / "reporter.yaml"
    path.write_text("teams:\n  web: {name: Web Platform}\n  payments: {}\n", encoding="utf-8")
    config = load_config(path)
    assert config.teams["web"].name == "Web Platform" and config.teams["payments"].name is None
    doc = {"team_names": {"web": "Web Platform", "payments": "Payments"}}
    assert fmt.team(doc, "web") == "Web Platform"
    assert fmt.team({}, "payments") == "Payments"


def test_team_table_rates_keep_the_card_precision(docs):
    report = weekly.build_weekly(docs["weekly"], "r")
    card = next(k for k in report.kpis if k.key == "change_failure_rate")
    column = report.teams.columns.index(catalogue.short("change_failure_rate"))
    shown = [card.value] + [row[column] for row in report.teams.rows if row[column] != "—"]
    assert len(shown) > 1
    for text in shown:  # one decimal, as the catalogue says: "12.5%"
        assert re.fullmatch(r"\d+\.\d%", text), text
    assert report.teams.rows[0][0][:1].isupper()  # team names displayed capitalised by default
