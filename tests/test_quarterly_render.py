"""The quarterly CFO packet: the answer on page 1, the questions, at most 12 pages, metrics attached."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from reporter.build import build

SAMPLE = Path(__file__).resolve().parent.parent / "sample_inputs"
QUESTIONS = ("Did important work ship faster?", "Did we reclaim capacity?", "What did it cost?", "Did risk go up?",
             "How sure are we?", "Evidence-Based Management value areas", "Guardrails", "Revenue correlation",
             "Appendix: method, definitions, lineage")


@pytest.fixture(scope="module")
def packet(sample_build):
    doc, files = sample_build("quarterly")  # 2027-Q3 on 2026-11-23, built once per test run (conftest.py)
    reader = PdfReader(files["report.pdf"])
    return doc, reader, [re.sub(r"\s+", " ", p.extract_text()) for p in reader.pages]


def test_at_most_twelve_pages_with_every_question(packet):
    _, reader, pages = packet
    assert len(reader.pages) <= 12
    text = " ".join(pages)
    for question in QUESTIONS:
        assert question in text, question
    assert "correlation, not causation" in text.lower()
    for leak in (" nan ", " None ", "{{"):
        assert leak not in text


def test_page_one_is_the_answer(packet):
    doc, _, pages = packet
    first = pages[0]
    roi = doc["capacity"]["roi"]["difference_in_differences"]
    low, base, high = (v - doc["capacity"]["cost"]["value"] for v in roi["value"])
    if low < 0 < high:  # a range across zero is no answer: it says so, with the range, and no point figure
        assert "Cannot yet tell" in first and f"{abs(low):,.0f} to {high:,.0f} USD spans zero" in first
        assert f"{abs(base):,.0f} USD" not in first
    else:
        assert f"{abs(base):,.0f} USD" in first
        assert f"{abs(roi['roi'][1]):.1f}x" in first
    assert doc["capacity"]["confidence"].split(" (")[0].capitalize() in first


def test_metrics_json_is_attached(packet):
    doc, reader, _ = packet
    attached = reader.attachments["metrics.json"][0]
    assert json.loads(attached)["capacity"]["cost"] == doc["capacity"]["cost"]


def test_assumptions_table_lists_every_finance_input(packet):
    doc, _, pages = packet
    text = " ".join(pages)
    for name in ("Loaded cost per engineer-year", "Hours per week", "Survey discount", "Enablement cost per quarter",
                 "Exchange rate EUR to USD"):
        assert name in text


@pytest.mark.parametrize("cadence,period", [("monthly", "2026-10"), ("quarterly", "2027-Q3")])
def test_monthly_and_quarterly_are_reproducible(tmp_path, cadence, period, sample_build):
    # A second, independent build (the first is the run's shared one) gives the same bytes.
    _, first = sample_build(cadence)
    _, paths = build(cadence, SAMPLE, tmp_path, period_id=period, today=dt.date(2026, 11, 23))
    assert sorted(p.name for p in paths) == sorted(first) == ["metrics.json", "report.html", "report.pdf"]
    for path in paths:
        assert path.read_bytes() == first[path.name].read_bytes(), path.name
