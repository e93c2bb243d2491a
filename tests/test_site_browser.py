"""The published site in a real browser (headless Chromium driven by Playwright): no console
errors, no request leaving the site folder, no script, and every link on the index resolves.

Needs the `playwright` Python package, a Chromium binary (Debian: `apt-get install chromium`;
never `playwright install`, which downloads browsers) and libatomic1 for Playwright's Node.js
driver. Without them the test skips locally and fails on CI (env var CI set), so a CI image that
lost its browser does not pass silently.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from reporter.publish.site import discover_reports, publish

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _chromium() -> str | None:
    for candidate in (os.environ.get("REPORTER_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    missing = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        missing.append("the Python package 'playwright' (pip install playwright)")
    executable = _chromium()
    if executable is None:
        missing.append("a Chromium binary (apt-get install chromium, or set REPORTER_CHROMIUM)")
    if missing:
        reason = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must provide them")
        pytest.skip(reason)
    try:
        manager = sync_playwright().start()
    except Exception as exc:  # its Node.js driver did not start: say why, not "connection closed"
        reason = (f"Playwright's driver did not start ({exc}); its Node.js needs libatomic1 "
                  "(apt-get install libatomic1), which minimal Debian and Ubuntu images lack")
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must provide it")
        pytest.skip(reason)
    try:
        chromium = manager.chromium.launch(executable_path=executable, args=ARGS)
        yield chromium
        chromium.close()
    finally:
        manager.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory, sample_build) -> Path:
    """A real weekly build (HTML + JSON; the run's shared sample build) plus a minimal monthly report, published."""
    base = tmp_path_factory.mktemp("browser")
    out = base / "reports"
    doc, files = sample_build("weekly")
    (out / "weekly" / doc["period"]).mkdir(parents=True)
    for name in ("metrics.json", "report.html"):
        shutil.copyfile(files[name], out / "weekly" / doc["period"] / name)
    monthly = out / "monthly" / "2026-10"
    monthly.mkdir(parents=True)
    (monthly / "metrics.json").write_text(json.dumps({
        "organization": "Northwind <Labs> & Co", "cadence": "monthly", "period": "2026-10",
        "start": "2026-10-01", "end": "2026-11-01", "metrics": {}}), encoding="utf-8")
    (monthly / "report.pdf").write_bytes(b"%PDF-1.4 placeholder\n")
    site = base / "site"
    publish(site, discover_reports(out))
    return site.resolve()


def _visit(browser, site: Path, relative: str):
    """Open one page; return it with its console errors and every request URL it made."""
    context = browser.new_context(viewport={"width": 1200, "height": 900}, java_script_enabled=True)
    page = context.new_page()
    errors, requests = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: errors.append(f"failed: {req.url}"))
    context.on("request", lambda req: requests.append(req.url))
    # Anything not under the site folder is refused before it leaves the browser.
    prefix = (site.as_uri() + "/")

    def guard(route):
        if route.request.url.startswith((prefix, "data:")):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", guard)
    page.goto((site / relative).as_uri(), wait_until="load")
    return context, page, errors, requests


def _outside(site: Path, requests: list[str]) -> list[str]:
    prefix = site.as_uri() + "/"
    return [url for url in requests if not (url.startswith(prefix) or url.startswith("data:"))]


def test_index_in_chromium(browser, site):
    context, page, errors, requests = _visit(browser, site, "index.html")
    try:
        assert errors == []
        assert _outside(site, requests) == []
        assert page.evaluate("document.scripts.length") == 0
        # Organisations sorted by code point: "<" (60) sorts before "L" (76).
        assert page.title() == "Northwind <Labs> & Co · Northwind Labs · AI delivery reports"
        # The escaped organisation shows as text, not markup.
        assert "Northwind <Labs> & Co" in page.inner_text("h1")
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        assert len(hrefs) >= 7  # 3 latest-card links per cadence with files, archive rows, manifest
        for href in hrefs:
            url = urlparse(href)
            assert url.scheme == "file", href
            target = Path(unquote(url.path))
            assert target.is_file(), href
            assert site in target.parents, href
        assert site.joinpath("monthly/2026-10/report.pdf").as_uri() in hrefs
        assert site.joinpath("weekly/latest/report.html").as_uri() in hrefs
        page.screenshot(path=str(site.parent / "site_index.png"), full_page=True)
        assert (site.parent / "site_index.png").stat().st_size > 10_000
    finally:
        context.close()


def test_every_html_report_linked_from_the_index_loads_cleanly(browser, site):
    context, page, _, _ = _visit(browser, site, "index.html")
    hrefs = page.eval_on_selector_all("a[href$='.html']", "links => links.map(a => a.getAttribute('href'))")
    context.close()
    assert "weekly/latest/report.html" in hrefs
    for href in hrefs:
        context, page, errors, requests = _visit(browser, site, href)
        try:
            assert errors == [], href
            assert _outside(site, requests) == [], href
            assert page.evaluate("document.scripts.length") == 0, href
            assert page.evaluate("document.images.length") > 0, href  # the charts (data: URIs) are there
        finally:
            context.close()


def test_the_harness_sees_requests_that_leave_the_site(browser, tmp_path):
    """The checks above are not vacuous: a page with an external font, an outside file and a
    missing image produces outside requests and console errors (all refused, none sent)."""
    site = tmp_path.resolve()
    (site / "page.html").write_text(
        '<html><head><link rel="stylesheet" href="https://fonts.example.com/inter.css"></head>'
        '<body><img src="missing.png"><img src="file:///etc/hostname"></body></html>', encoding="utf-8")
    context, _, errors, requests = _visit(browser, site, "page.html")
    context.close()
    # The browser issues these in parallel: their order varies from run to run.
    assert sorted(_outside(site, requests)) == ["file:///etc/hostname", "https://fonts.example.com/inter.css"]
    assert len([e for e in errors if e.startswith("failed: ")]) == 3
