"""The weekly HTML and PDF: content, escaping, reproducibility, confinement, failures."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from reporter.assets import narratives_dir
from reporter.build import build
from reporter.narrative import narrate
from reporter.views.weekly import build_weekly
from reporter.render.html import render_weekly
from reporter.render.pdf import RenderError, confined_fetcher, html_to_pdf

SAMPLE = Path(__file__).resolve().parent.parent / "sample_inputs"
TODAY = dt.date(2026, 11, 23)
SECTIONS = ("Adoption", "Flow", "Quality drift", "Learning", "Actions next week", "Success Stream")


@pytest.fixture(scope="module")
def weekly(sample_build):
    return sample_build("weekly")  # 2026-W47 on 2026-11-23, built once per test run (conftest.py)


def pdf_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(path)
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []
        self.headings: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_h2 = tag == "h2"

    def handle_endtag(self, tag):
        self._in_h2 = False if tag == "h2" else self._in_h2

    def handle_data(self, data):
        self.text.append(data)
        if self._in_h2:
            self.headings.append(data.strip())


def parse(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def test_default_build_writes_html_pdf_and_json(weekly):
    _, files = weekly
    assert set(files) == {"report.html", "report.pdf", "metrics.json"}


def test_pdf_has_every_section_in_two_pages_and_no_leaks(weekly):
    doc, files = weekly
    pages, text = pdf_text(files["report.pdf"])
    assert pages <= 2
    for heading in SECTIONS:
        assert heading in text
    for leak in ("nan", "None", "{{", "}}", "NaN"):
        assert not re.search(rf"\b{re.escape(leak)}\b" if leak.isalpha() else re.escape(leak), text), leak
    # the headline numbers of metrics.json are what the PDF says
    m = doc["metrics"]
    assert f"{m['active_ai_users']['value']} of {m['engineers']['value']}" in text
    assert f"{m['pr_cycle_time_hours']['value']:.1f} h" in text
    assert "Page 1 of 2" in text and "Page 2 of 2" in text
    assert "Week 47" in text and "16–22 Nov 2026" in text


def test_pdf_metadata_title_language_and_tags(weekly):
    _, files = weekly
    reader = PdfReader(files["report.pdf"])
    assert reader.metadata.title == "Northwind Labs · AI delivery update · 2026-W47"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert "/StructTreeRoot" in root  # tagged PDF
    assert root["/MarkInfo"]["/Marked"]


def test_weekly_shows_no_money(weekly):
    doc, files = weekly
    _, text = pdf_text(files["report.pdf"])
    html = files["report.html"].read_text()
    assert not re.search(r"[$€£]\s?\d|\bUSD\b|\bEUR\b|ROI", text)
    assert "contract" not in html.lower()


def test_html_is_self_contained_and_has_the_sections(weekly):
    _, files = weekly
    html = files["report.html"].read_text()
    parsed = parse(html)
    assert [h for h in parsed.headings if h in SECTIONS] == list(SECTIONS)
    assert "script" not in parsed.tags
    # every external reference is a data: URI (no network, no files)
    for url in re.findall(r"""(?:src|href)=["']([^"']+)""", html) + re.findall(r"url\(([^)]+)\)", html):
        assert url.strip("'\"").startswith("data:"), url
    assert all(img_alt for img_alt in re.findall(r'<img [^>]*alt="([^"]*)"', html))


def test_same_inputs_same_bytes(weekly, tmp_path):
    _, files = weekly
    _, again = build("weekly", SAMPLE, tmp_path, period_id="2026-W47", today=TODAY)
    for path in again:
        assert path.read_bytes() == files[path.name].read_bytes(), path.name


def test_untrusted_text_is_escaped(tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(SAMPLE, folder)
    with (folder / "releases.csv").open("a", encoding="utf-8") as fh:
        fh.write('2026-11-18,<b>web</b>,<script>alert(1)</script>,"It <i>enabled</i> x & y",Contoso,,,,\n')
    doc, paths = build("weekly", folder, tmp_path / "out", period_id="2026-W47", today=TODAY)
    html = (tmp_path / "out" / "weekly" / "2026-W47" / "report.html").read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;web&lt;/b&gt;" in html and "It &lt;i&gt;enabled&lt;/i&gt; x &amp; y" in html
    _, text = pdf_text(tmp_path / "out" / "weekly" / "2026-W47" / "report.pdf")
    assert "<script>alert(1)</script>" in text  # shown as text


def test_shipping_bugs_faster_warning(weekly):
    doc, _ = weekly
    doc = copy.deepcopy(doc)
    doc["metrics"]["deployments"]["change"] = "up"
    doc["metrics"]["change_failure_rate"]["change"] = "up"
    doc["narrative"] = narrate(doc, "weekly", [narratives_dir()])
    report = build_weekly(doc, "reporter build weekly")
    assert report.warnings and "Shipping bugs faster" in report.warnings[0].text
    assert "Shipping bugs faster" in render_weekly(report)
    calm = build_weekly(weekly[0], "reporter build weekly")
    assert not any("Shipping bugs faster" in w.text for w in calm.warnings)


def test_kpi_colour_follows_good_and_bad_not_up_and_down(weekly):
    doc = copy.deepcopy(weekly[0])
    doc["metrics"]["recovery_time_hours"].update(change="down", n=20)
    doc["metrics"]["deployments"]["change"] = "down"
    kpis = {k.key: k for k in build_weekly(doc, "x").kpis}
    assert kpis["recovery_time_hours"].status == "good"  # faster recovery is good
    assert kpis["deployments"].status == "bad"  # fewer deployments is bad
    doc["metrics"]["pr_cycle_time_hours"]["change"] = "flat"
    assert {k.key: k for k in build_weekly(doc, "x").kpis}["pr_cycle_time_hours"].status_label == "no clear change"


def test_fetcher_refuses_network_and_foreign_files(tmp_path):
    from weasyprint.urls import FatalURLFetchingError

    fetcher = confined_fetcher(tmp_path)
    for url in ("http://example.com/x.png", "https://example.com/x.css", "file:///etc/passwd"):
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)
    (tmp_path / "ok.css").write_text("p { color: red }")
    assert fetcher.fetch((tmp_path / "ok.css").as_uri()) is not None


def test_renderer_errors_fail_the_build(tmp_path):
    (tmp_path / "x").mkdir()
    base = '<html lang="en"><head><title>t</title>{head}</head><body>{body}</body></html>'
    with pytest.raises(RenderError, match="refused"):
        html_to_pdf(base.format(head="", body='<img src="http://example.com/a.png" alt="a">'), root=tmp_path)
    with pytest.raises(RenderError, match="refused"):
        html_to_pdf(base.format(head="", body='<img src="file:///etc/hostname" alt="a">'), root=tmp_path)
    with pytest.raises(RenderError):
        html_to_pdf(base.format(head="<style>p { colour: red; margin: banana }</style>", body="<p>x</p>"),
                    root=tmp_path)
    pdf = html_to_pdf(base.format(head="<style>p { color: red }</style>", body="<p>fine</p>"), root=tmp_path)
    assert pdf.startswith(b"%PDF")


def test_metrics_json_unchanged_by_rendering(weekly, tmp_path):
    doc, files = weekly
    _, paths = build("weekly", SAMPLE, tmp_path, period_id="2026-W47", today=TODAY, formats=("json",))
    assert paths[0].read_bytes() == files["metrics.json"].read_bytes()
    assert json.loads(paths[0].read_text())["period"] == "2026-W47"


def test_a_failed_pdf_writes_nothing_and_exits_5(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from reporter.cli import main
    from reporter.render import pdf

    out = tmp_path / "out"
    target = out / "weekly" / "2026-W47"
    target.mkdir(parents=True)
    (target / "metrics.json").write_text("previous")

    def broken(html, root=None, attachments=None):
        raise RenderError("PDF rendering failed: injected")

    monkeypatch.setattr(pdf, "html_to_pdf", broken)
    result = CliRunner().invoke(main, ["build", "weekly", "--input", str(SAMPLE), "--period", "2026-W47",
                                       "--out", str(out)])
    assert result.exit_code == 5 and "injected" in result.output
    assert sorted(p.name for p in target.iterdir()) == ["metrics.json"]
    assert (target / "metrics.json").read_text() == "previous"
