"""The static site publisher on real folders: layout, order, links, latest/, idempotence,
atomicity under injected failures, escaping, and clear errors."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reporter.errors import EXIT_DELIVERY, ReporterError
from reporter.publish.site import PublishError, discover_reports, publish

ROOT = Path(__file__).resolve().parent.parent


def make_report(root: Path, cadence: str, period: str, start: str, end: str, *, organization: str = "Acme",
                files: tuple[str, ...] = ("report.html",), users: int | None = 10, engineers: int | None = 20,
                cycle: float | None = 30.0, deployments: int | None = 12, cfr: float | None = 0.125,
                tag: str = "") -> Path:
    """A minimal build output folder: metrics.json plus small report files."""
    folder = root / cadence / period
    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "schema_version": 1, "organization": organization, "cadence": cadence, "period": period,
        "start": start, "end": end,
        "metrics": {"active_ai_users": {"value": users}, "engineers": {"value": engineers},
                    "pr_cycle_time_hours": {"value": cycle}, "deployments": {"value": deployments},
                    "change_failure_rate": {"value": cfr}},
    }
    (folder / "metrics.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    if "report.html" in files:
        (folder / "report.html").write_text(f"<!DOCTYPE html><html><body><h1>{cadence} {period}{tag}</h1></body></html>\n",
                                            encoding="utf-8")
    if "report.pdf" in files:
        (folder / "report.pdf").write_bytes(f"%PDF-1.4 fake {period}{tag}\n".encode())
    return folder


def sample_set(root: Path) -> list[Path]:
    """Three weeks (given out of order), two months, one quarter."""
    return [
        make_report(root, "weekly", "2026-W46", "2026-11-09", "2026-11-16"),
        make_report(root, "weekly", "2026-W47", "2026-11-16", "2026-11-23", files=("report.html", "report.pdf")),
        make_report(root, "weekly", "2026-W45", "2026-11-02", "2026-11-09"),
        make_report(root, "monthly", "2026-09", "2026-09-01", "2026-10-01"),
        make_report(root, "monthly", "2026-10", "2026-10-01", "2026-11-01", files=()),
        make_report(root, "quarterly", "2026-Q3", "2026-07-01", "2026-10-01", files=("report.html", "report.pdf")),
    ]


class _Index(HTMLParser):
    """Collect hrefs, the archive's sections with their period cells, and the text."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.sections: dict[str, list[str]] = {}
        self.scripts = 0
        self._section: str | None = None
        self._in_period = False
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag == "script":
            self.scripts += 1
        if tag == "section":
            self._section = attrs.get("id")
            self.sections[self._section] = []
        if tag == "td" and attrs.get("class") == "period" and self._section:
            self._in_period = True

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_period = False
        if tag == "section":
            self._section = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in_period:
            self.sections[self._section].append(data.strip())


def parse_index(site: Path) -> _Index:
    parser = _Index()
    parser.feed((site / "index.html").read_text(encoding="utf-8"))
    return parser


def snapshot(site: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every path under the site with its bytes (None for a folder) and mtime."""
    out = {}
    for path in sorted(site.rglob("*")):
        out[str(path.relative_to(site))] = (path.read_bytes() if path.is_file() else None, path.stat().st_mtime_ns)
    out["."] = (None, site.stat().st_mtime_ns)
    return out


def contents(site: Path) -> dict[str, bytes | None]:
    return {k: v[0] for k, v in snapshot(site).items() if k != "."}


def leftovers(site: Path) -> list[str]:
    return [p.name for p in site.iterdir() if p.name.startswith((".tmp-", ".old-"))]


# --- layout and index ---------------------------------------------------------------------------


def test_site_layout_and_result(tmp_path):
    site = tmp_path / "site"
    result = publish(site, sample_set(tmp_path / "out"))
    assert result.added == ("weekly/2026-W47", "weekly/2026-W46", "weekly/2026-W45",
                            "monthly/2026-10", "monthly/2026-09", "quarterly/2026-Q3")
    assert result.replaced == () and result.unchanged == ()
    assert result.latest == {"weekly": "2026-W47", "monthly": "2026-10", "quarterly": "2026-Q3"}
    assert result.latest_updated == ("weekly", "monthly", "quarterly")
    assert result.index_updated and result.changed
    files = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    assert files == [
        "index.html", "manifest.json",
        "monthly/2026-09/metrics.json", "monthly/2026-09/report.html",
        "monthly/2026-10/metrics.json",
        "monthly/latest/metrics.json",
        "quarterly/2026-Q3/metrics.json", "quarterly/2026-Q3/report.html", "quarterly/2026-Q3/report.pdf",
        "quarterly/latest/metrics.json", "quarterly/latest/report.html", "quarterly/latest/report.pdf",
        "schema/metrics.schema.json",
        "weekly/2026-W45/metrics.json", "weekly/2026-W45/report.html",
        "weekly/2026-W46/metrics.json", "weekly/2026-W46/report.html",
        "weekly/2026-W47/metrics.json", "weekly/2026-W47/report.html", "weekly/2026-W47/report.pdf",
        "weekly/latest/metrics.json", "weekly/latest/report.html", "weekly/latest/report.pdf",
    ]
    # A static host's web server (another user) must be able to read everything.
    assert oct((site / "weekly" / "2026-W47").stat().st_mode & 0o777) == "0o755"
    assert oct((site / "weekly" / "2026-W47" / "report.pdf").stat().st_mode & 0o777) == "0o644"
    assert oct((site / "index.html").stat().st_mode & 0o777) == "0o644"


def test_index_groups_by_cadence_latest_first(tmp_path):
    site = tmp_path / "site"
    publish(site, sample_set(tmp_path / "out"))
    index = parse_index(site)
    assert list(index.sections) == ["weekly", "monthly", "quarterly"]
    assert index.sections == {"weekly": ["2026-W47", "2026-W46", "2026-W45"],
                              "monthly": ["2026-10", "2026-09"],
                              "quarterly": ["2026-Q3"]}
    text = " ".join(index.text)
    # End dates are exclusive: the week of 16 Nov runs to Sunday 22 Nov.
    for dates in ("16–22 Nov 2026", "9–15 Nov 2026", "1–30 Sep 2026", "1 Jul – 30 Sep 2026"):
        assert dates in text
    # Headline numbers, formatted by hand: 10 of 20 engineers, 30.0 h, 12 deployments, 12.5 %.
    for figure in ("10 of 20", "30.0 h", "12.5%"):
        assert figure in text
    assert index.scripts == 0


def test_order_follows_dates_across_a_year_end(tmp_path):
    out = tmp_path / "out"
    dirs = [make_report(out, "weekly", "2026-W01", "2025-12-29", "2026-01-05"),
            make_report(out, "weekly", "2025-W52", "2025-12-22", "2025-12-29"),
            make_report(out, "weekly", "2026-W02", "2026-01-05", "2026-01-12")]
    site = tmp_path / "site"
    result = publish(site, dirs)
    assert parse_index(site).sections["weekly"] == ["2026-W02", "2026-W01", "2025-W52"]
    assert result.latest == {"weekly": "2026-W02"}
    assert "29 Dec 2025 – 4 Jan 2026" in (site / "index.html").read_text(encoding="utf-8")


def test_links_are_relative_and_resolve(tmp_path):
    site = tmp_path / "site"
    publish(site, sample_set(tmp_path / "out"))
    hrefs = parse_index(site).hrefs
    assert hrefs, "the index links nothing"
    for href in hrefs:
        assert "://" not in href and not href.startswith(("/", "#", "data:")), href
        target = (site / href).resolve()
        assert target.is_file(), href
        assert site.resolve() in target.parents
    # Only files that exist are linked: W46 has no PDF, monthly 2026-10 only its metrics.json.
    assert "weekly/2026-W46/report.pdf" not in hrefs
    assert "weekly/2026-W47/report.pdf" in hrefs
    assert [h for h in hrefs if h.startswith("monthly/2026-10/")] == ["monthly/2026-10/metrics.json"]
    # The latest cards link the stable latest/ folders.
    assert {"weekly/latest/report.html", "weekly/latest/report.pdf", "weekly/latest/metrics.json",
            "monthly/latest/metrics.json", "quarterly/latest/report.pdf", "manifest.json"} <= set(hrefs)


def test_manifest_lists_every_file_with_its_sha256(tmp_path):
    site = tmp_path / "site"
    publish(site, sample_set(tmp_path / "out"))
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert [r["path"] for r in manifest["reports"]] == [
        "weekly/2026-W47", "weekly/2026-W46", "weekly/2026-W45", "monthly/2026-10", "monthly/2026-09",
        "quarterly/2026-Q3"]
    assert manifest["latest"]["weekly"] == {"period": "2026-W47", "path": "weekly/latest",
                                            "files": ["metrics.json", "report.html", "report.pdf"]}
    for report in manifest["reports"]:
        for item in report["files"]:
            data = (site / report["path"] / item["name"]).read_bytes()
            assert item["sha256"] == hashlib.sha256(data).hexdigest()
            assert item["bytes"] == len(data)
    w47 = manifest["reports"][0]
    assert (w47["start"], w47["end"], w47["organization"]) == ("2026-11-16", "2026-11-23", "Acme")
    assert w47["headline"] == {"active_ai_users": 10, "engineers": 20, "pr_cycle_time_hours": 30.0,
                               "deployments": 12, "change_failure_rate": 0.125}


def test_index_and_manifest_are_byte_reproducible(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    publish(one, sample_set(tmp_path / "out1"))
    dirs = sample_set(tmp_path / "out2")
    publish(two, list(reversed(dirs[3:])))  # other order, in two runs
    publish(two, dirs[:3])
    assert (one / "index.html").read_bytes() == (two / "index.html").read_bytes()
    assert (one / "manifest.json").read_bytes() == (two / "manifest.json").read_bytes()


def test_missing_figures_read_na(tmp_path):
    folder = make_report(tmp_path / "out", "weekly", "2026-W47", "2026-11-16", "2026-11-23",
                         users=None, cycle=None, deployments=None, cfr=None)
    site = tmp_path / "site"
    publish(site, [folder])
    cells = parse_index(site).text
    assert cells.count("N/A") == 8  # four figures on the latest card, four in the archive row


# --- latest/ ------------------------------------------------------------------------------------


def test_latest_is_a_copy_of_the_newest_period(tmp_path):
    out, site = tmp_path / "out", tmp_path / "site"
    publish(site, sample_set(out))
    for name in ("metrics.json", "report.html", "report.pdf"):
        assert (site / "weekly/latest" / name).read_bytes() == (site / "weekly/2026-W47" / name).read_bytes()
    # An older period published later does not move latest/.
    before = snapshot(site / "weekly" / "latest")
    result = publish(site, [make_report(out, "weekly", "2026-W44", "2026-10-26", "2026-11-02")])
    assert result.added == ("weekly/2026-W44",) and result.latest_updated == ()
    assert snapshot(site / "weekly" / "latest") == before
    assert parse_index(site).sections["weekly"] == ["2026-W47", "2026-W46", "2026-W45", "2026-W44"]
    # A newer one does, and latest/ holds exactly its files (W48 has no PDF: none left behind).
    result = publish(site, [make_report(out, "weekly", "2026-W48", "2026-11-23", "2026-11-30")])
    assert result.latest == {"weekly": "2026-W48", "monthly": "2026-10", "quarterly": "2026-Q3"}
    assert result.latest_updated == ("weekly",)
    assert sorted(p.name for p in (site / "weekly/latest").iterdir()) == ["metrics.json", "report.html"]
    assert (site / "weekly/latest/report.html").read_bytes() == (site / "weekly/2026-W48/report.html").read_bytes()
    assert (site / "weekly/2026-W47/report.pdf").is_file()  # the archive keeps it


# --- adding, replacing, idempotence -------------------------------------------------------------


def test_publishing_adds_to_the_site_and_replaces_a_republished_period(tmp_path):
    out, site = tmp_path / "out", tmp_path / "site"
    publish(site, sample_set(out))
    w47 = make_report(out / "again", "weekly", "2026-W47", "2026-11-16", "2026-11-23", tag=" (rebuilt)")
    m11 = make_report(out, "monthly", "2026-11", "2026-11-01", "2026-12-01")
    w46 = out / "weekly" / "2026-W46"
    result = publish(site, [w47, m11, w46])
    assert result.added == ("monthly/2026-11",)
    assert result.replaced == ("weekly/2026-W47",)
    assert result.unchanged == ("weekly/2026-W46",)
    assert result.latest_updated == ("weekly", "monthly")
    # The rebuilt W47 has no PDF: the folder was replaced whole, not merged.
    assert sorted(p.name for p in (site / "weekly/2026-W47").iterdir()) == ["metrics.json", "report.html"]
    assert b"(rebuilt)" in (site / "weekly/2026-W47/report.html").read_bytes()
    assert b"(rebuilt)" in (site / "weekly/latest/report.html").read_bytes()
    index = parse_index(site)
    assert index.sections["weekly"] == ["2026-W47", "2026-W46", "2026-W45"]  # earlier reports stay
    assert index.sections["monthly"] == ["2026-11", "2026-10", "2026-09"]
    assert leftovers(site) == []


def test_republishing_the_same_reports_changes_nothing(tmp_path):
    out, site = tmp_path / "out", tmp_path / "site"
    dirs = sample_set(out)
    publish(site, dirs)
    before = snapshot(site)
    result = publish(site, dirs)
    assert snapshot(site) == before  # bytes and mtimes of every file and folder
    assert result.added == () and result.replaced == () and result.latest_updated == ()
    assert result.unchanged == ("weekly/2026-W47", "weekly/2026-W46", "weekly/2026-W45",
                                "monthly/2026-10", "monthly/2026-09", "quarterly/2026-Q3")
    assert not result.index_updated and not result.changed
    # Publishing nothing new (e.g. a cron run with nothing built) is a no-op too.
    assert not publish(site, []).changed
    assert snapshot(site) == before


def test_publishing_from_the_site_itself_is_a_no_op(tmp_path):
    site = tmp_path / "site"
    publish(site, sample_set(tmp_path / "out"))
    before = snapshot(site)
    result = publish(site, discover_reports(site))
    assert len(result.unchanged) == 6 and not result.changed
    assert snapshot(site) == before


def test_a_lost_manifest_is_rebuilt_from_the_report_folders(tmp_path):
    out, site = tmp_path / "out", tmp_path / "site"
    first = publish(site, sample_set(out))
    manifest = (site / "manifest.json").read_bytes()
    (site / "manifest.json").unlink()
    publish(site, [])
    assert (site / "manifest.json").read_bytes() == manifest
    assert parse_index(site).sections["weekly"] == ["2026-W47", "2026-W46", "2026-W45"]
    assert first.added  # (sanity: the first run did publish)


def test_a_report_folder_deleted_by_hand_leaves_the_index(tmp_path):
    site = tmp_path / "site"
    publish(site, sample_set(tmp_path / "out"))
    shutil.rmtree(site / "weekly" / "2026-W46")
    (site / "weekly" / "2026-W45" / "report.html").unlink()  # edited by hand: re-read from disk
    result = publish(site, [])
    assert result.dropped == ("weekly/2026-W46",) and result.changed
    assert parse_index(site).sections["weekly"] == ["2026-W47", "2026-W45"]
    for href in parse_index(site).hrefs:
        assert (site / href).is_file(), href
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    w45 = next(r for r in manifest["reports"] if r["path"] == "weekly/2026-W45")
    assert [f["name"] for f in w45["files"]] == ["metrics.json"]


def test_a_corrupt_manifest_stops_the_publish(tmp_path):
    site = tmp_path / "site"
    publish(site, sample_set(tmp_path / "out"))
    (site / "manifest.json").write_text("{not json", encoding="utf-8")
    index = (site / "index.html").read_bytes()
    with pytest.raises(PublishError, match="manifest"):
        publish(site, [make_report(tmp_path / "more", "weekly", "2026-W48", "2026-11-23", "2026-11-30")])
    assert (site / "index.html").read_bytes() == index
    assert not (site / "weekly" / "2026-W48").exists()


# --- atomicity ----------------------------------------------------------------------------------


def test_a_failure_while_copying_leaves_the_site_untouched(tmp_path, monkeypatch):
    out, site = tmp_path / "out", tmp_path / "site"
    publish(site, sample_set(out))
    before = snapshot(site)
    changed = make_report(out / "again", "weekly", "2026-W47", "2026-11-16", "2026-11-23", tag=" (rebuilt)")
    new = make_report(out, "weekly", "2026-W48", "2026-11-23", "2026-11-30")
    real_copy = shutil.copy2
    calls = []

    def failing_copy(src, dst, *args, **kwargs):
        calls.append(Path(src).name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_copy(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copy2", failing_copy)
    with pytest.raises(PublishError, match="No space left on device") as info:
        publish(site, [changed, new])
    assert isinstance(info.value.__cause__, OSError)
    assert len(calls) == 2
    # Index, manifest and every report folder: bytes and mtimes. (Only the site folder's own mtime
    # moves: the staging folder was created in it and removed.)
    after = snapshot(site)
    after.pop(".")
    before.pop(".")
    assert after == before
    assert leftovers(site) == []


def test_a_failure_while_swapping_puts_everything_back(tmp_path, monkeypatch):
    out, site = tmp_path / "out", tmp_path / "site"
    publish(site, sample_set(out))
    before = contents(site)
    changed = make_report(out / "again", "weekly", "2026-W47", "2026-11-16", "2026-11-23", tag=" (rebuilt)")
    new = make_report(out, "monthly", "2026-11", "2026-11-01", "2026-12-01")
    real_replace = os.replace

    def failing_replace(src, dst, *args, **kwargs):
        if Path(dst).name == "index.html":  # the very last step: folders and manifest are already swapped
            raise OSError(5, "Input/output error")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(PublishError, match="Input/output error"):
        publish(site, [changed, new])
    monkeypatch.undo()
    assert contents(site) == before
    assert not (site / "monthly" / "2026-11").exists()
    assert leftovers(site) == []


def test_stale_temp_folders_from_a_killed_run_are_removed(tmp_path):
    site = tmp_path / "site"
    publish(site, sample_set(tmp_path / "out"))
    (site / ".tmp-abc123").mkdir()
    (site / ".tmp-abc123" / "report.html").write_text("half", encoding="utf-8")
    (site / ".old-def456").mkdir()
    publish(site, [])
    assert leftovers(site) == []


# --- escaping and errors ------------------------------------------------------------------------


def test_untrusted_text_is_escaped(tmp_path):
    evil = "<script>alert(1)</script>"
    folder = make_report(tmp_path / "out", "weekly", "2026-W47", "2026-11-16", "2026-11-23", organization=evil)
    site = tmp_path / "site"
    publish(site, [folder])
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert parse_index(site).scripts == 0
    assert json.loads((site / "manifest.json").read_text(encoding="utf-8"))["reports"][0]["organization"] == evil


@pytest.mark.parametrize("period", ["<b>x</b>", "../../etc", "latest", ".hidden", ""])
def test_an_unsafe_period_is_refused(tmp_path, period):
    folder = tmp_path / "out" / "weekly" / "x"
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps(
        {"cadence": "weekly", "period": period, "start": "2026-11-16", "end": "2026-11-23"}), encoding="utf-8")
    with pytest.raises(PublishError, match="period"):
        publish(tmp_path / "site", [folder])
    assert not (tmp_path / "site").exists()


def test_a_folder_without_metrics_json_is_an_error_naming_it(tmp_path):
    good = make_report(tmp_path / "out", "weekly", "2026-W47", "2026-11-16", "2026-11-23")
    bad = tmp_path / "out" / "weekly" / "2026-W48"
    bad.mkdir()
    (bad / "report.html").write_text("<html></html>", encoding="utf-8")
    with pytest.raises(PublishError) as info:
        publish(tmp_path / "site", [good, bad])
    assert str(bad) in str(info.value) and "metrics.json" in str(info.value)
    assert isinstance(info.value, ReporterError)
    assert info.value.exit_code == EXIT_DELIVERY == 6
    assert not (tmp_path / "site").exists()  # nothing published, not even the good one


@pytest.mark.parametrize("text, message", [
    ("{broken", "unreadable"),
    ('["a list"]', "not a JSON object"),
    ('{"cadence": "daily", "period": "2026-11-16", "start": "2026-11-16", "end": "2026-11-17"}', "cadence"),
    ('{"cadence": "weekly", "period": "2026-W47", "start": "16 Nov", "end": "2026-11-23"}', "start"),
])
def test_an_unreadable_metrics_json_is_an_error_naming_the_folder(tmp_path, text, message):
    folder = tmp_path / "out" / "weekly" / "2026-W47"
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(text, encoding="utf-8")
    with pytest.raises(PublishError, match=message) as info:
        publish(tmp_path / "site", [folder])
    assert str(folder) in str(info.value)


def test_the_same_period_twice_in_one_publish_is_an_error(tmp_path):
    a = make_report(tmp_path / "a", "weekly", "2026-W47", "2026-11-16", "2026-11-23")
    b = make_report(tmp_path / "b", "weekly", "2026-W47", "2026-11-16", "2026-11-23")
    with pytest.raises(PublishError, match="weekly/2026-W47"):
        publish(tmp_path / "site", [a, b])


# --- discovery and the real build ---------------------------------------------------------------


def test_discover_reports_finds_every_built_period(tmp_path):
    out = tmp_path / "out"
    w47 = make_report(out, "weekly", "2026-W47", "2026-11-16", "2026-11-23")
    m10 = make_report(out, "monthly", "2026-10", "2026-10-01", "2026-11-01")
    q3 = make_report(out, "quarterly", "2026-Q3", "2026-07-01", "2026-10-01")
    make_report(out, "weekly", "latest", "2026-11-16", "2026-11-23")  # a site's latest/: not a period
    (out / "weekly" / ".tmp-x").mkdir()
    (out / "weekly" / ".tmp-x" / "metrics.json").write_text("{}", encoding="utf-8")
    (out / "monthly" / "2026-09").mkdir()  # no metrics.json: not a report
    (out / "daily" / "2026-11-16").mkdir(parents=True)
    (out / "daily" / "2026-11-16" / "metrics.json").write_text("{}", encoding="utf-8")
    assert discover_reports(out) == [w47, m10, q3]
    (tmp_path / "empty").mkdir()
    assert discover_reports(tmp_path / "empty") == []
    with pytest.raises(PublishError, match="no-such"):
        discover_reports(tmp_path / "no-such")


def test_publish_a_real_weekly_build(tmp_path, sample_build):
    out = tmp_path / "reports"
    doc, files = sample_build("weekly")  # the run's shared build: its HTML and JSON, copied
    (out / "weekly" / doc["period"]).mkdir(parents=True)
    for name in ("metrics.json", "report.html"):
        shutil.copyfile(files[name], out / "weekly" / doc["period"] / name)
    site = tmp_path / "site"
    result = publish(site, discover_reports(out))
    key = f"weekly/{doc['period']}"
    assert result.added == (key,) and result.latest == {"weekly": doc["period"]}
    assert (site / key / "report.html").read_bytes() == (out / key / "report.html").read_bytes()
    assert (site / "weekly/latest/metrics.json").read_bytes() == (out / key / "metrics.json").read_bytes()
    index = parse_index(site)
    assert index.sections == {"weekly": [doc["period"]]}
    m = doc["metrics"]
    text = " ".join(index.text)
    assert f"{m['active_ai_users']['value']} of {m['engineers']['value']}" in text
    assert doc["organization"] in text
    before = snapshot(site)
    assert not publish(site, discover_reports(out)).changed
    assert snapshot(site) == before


def test_a_second_publisher_waits_its_turn(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    site = tmp_path / "site"
    publish(site, sample_set(tmp_path / "out"))
    before = contents(site)
    fd = os.open(site, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running publish holds it
        with pytest.raises(PublishError, match="another publish is running"):
            publish(site, [make_report(tmp_path / "more", "weekly", "2026-W48", "2026-11-23", "2026-11-30")])
    finally:
        os.close(fd)
    assert contents(site) == before
