"""The monthly review document: sections, page budget, decisions with evidence, money kept apart."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from reporter.build import build

SAMPLE = Path(__file__).resolve().parent.parent / "sample_inputs"


@pytest.fixture(scope="module")
def october(tmp_path_factory):
    out = tmp_path_factory.mktemp("m")
    doc, paths = build("monthly", SAMPLE, out, period_id="2026-10", today=dt.date(2026, 11, 23))
    reader = PdfReader(out / "monthly" / "2026-10" / "report.pdf")
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    return doc, {p.name: p for p in paths}, reader, text


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
        assert d["team"] in text and d["text"][:30] in text


def test_spend_shows_each_currency_apart(october):
    doc, _, _, text = october
    usd = doc["metrics"]["ai_spend"]["value"]["USD"]
    eur = doc["metrics"]["ai_spend"]["value"]["EUR"]
    assert f"{usd:,.0f} USD" in text and f"{eur:,.2f} EUR" in text
    assert not re.search(r"EUR \+|USD \+", text)
    assert "(correlated, not caused)" in text  # contract values in release stories


def test_dora_table_has_bands(october):
    doc, _, _, text = october
    for key in ("lead_time_hours", "change_failure_rate"):
        assert doc["metrics"][key]["dora"]["band"] in text
