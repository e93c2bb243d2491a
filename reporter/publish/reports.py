"""Reading built report folders and the published manifest: what a report folder holds (its
period, dates, headline figures and files with their sha256), refused when it is not what
`reporter build` writes or holds a symlink. Shared by the index (index.py) and the publishing
transaction (site.py)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from reporter.cadences import NAMES as CADENCES  # the one table of cadences

from ..errors import EXIT_DELIVERY, DeliveryError
from ..files import sha256_file as _sha256

CADENCE_TITLES = {"weekly": "Weekly updates", "monthly": "Monthly reviews", "quarterly": "Quarterly ROI packets"}
# The files a report folder may publish, in the order the index links them.
REPORT_FILES = ("report.html", "report.pdf", "metrics.json")
FILE_LABELS = {"report.html": "HTML", "report.pdf": "PDF", "metrics.json": "JSON"}
LATEST = "latest"
MANIFEST = "manifest.json"
INDEX = "index.html"
MANIFEST_SCHEMA = 1
_TMP_PREFIX = ".tmp-"
_OLD_PREFIX = ".old-"
# A period becomes a folder name and a URL segment: keep it to safe characters.
_PERIOD_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_HEADLINE = ("active_ai_users", "engineers", "pr_cycle_time_hours", "deployments", "change_failure_rate")


class PublishError(DeliveryError):
    """The site could not be published; exit code 6 (EXIT_DELIVERY: publish/delivery error)."""

    exit_code = EXIT_DELIVERY


@dataclass(frozen=True)
class _Report:
    """One report as the site knows it: a manifest entry plus where its bytes come from."""

    cadence: str
    period: str
    start: str
    end: str
    organization: str
    headline: Mapping[str, float | int | None]
    files: Mapping[str, str]  # name -> sha256
    sizes: Mapping[str, int]
    source: Path  # folder holding the files (the build output, or the site itself)

    @property
    def key(self) -> str:
        return f"{self.cadence}/{self.period}"

    def sort_key(self) -> tuple:
        return (CADENCES.index(self.cadence), _neg(self.start), _neg(self.period))

    def entry(self) -> dict:
        return {
            "cadence": self.cadence,
            "period": self.period,
            "start": self.start,
            "end": self.end,
            "organization": self.organization,
            "path": self.key,
            "headline": dict(self.headline),
            "files": [{"name": name, "sha256": self.files[name], "bytes": self.sizes[name]}
                      for name in sorted(self.files)],
        }


def _neg(text: str) -> tuple[int, ...]:
    """Sort key that orders strings descending inside an ascending sort."""
    return tuple(-ord(c) for c in text) + (1,)


# --- reading report folders -------------------------------------------------------------------



def _number(value) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _read_report(folder: Path) -> _Report:
    """Validate one ``<cadence>/<period>/`` folder: its metrics.json says what and when it is."""
    folder = Path(folder)
    metrics = folder / "metrics.json"
    try:
        doc = json.loads(metrics.read_bytes())
    except FileNotFoundError:
        raise PublishError(f"{folder}: no metrics.json, so this is not a report folder "
                           f"(expected <cadence>/<period>/ from `reporter build`)") from None
    except (OSError, ValueError) as exc:
        raise PublishError(f"{folder}: metrics.json is unreadable ({exc})") from None
    if not isinstance(doc, dict):
        raise PublishError(f"{folder}: metrics.json is not a JSON object")
    cadence, period = doc.get("cadence"), doc.get("period")
    if cadence not in CADENCES:
        raise PublishError(f"{folder}: metrics.json has cadence {cadence!r}; expected one of {', '.join(CADENCES)}")
    if not isinstance(period, str) or not _PERIOD_RE.match(period) or period == LATEST:
        raise PublishError(f"{folder}: metrics.json has period {period!r}, not a period id such as 2026-W47")
    dates = []
    for name in ("start", "end"):
        value = doc.get(name)
        try:
            dates.append(dt.date.fromisoformat(value))  # type: ignore[arg-type]  # non-text: TypeError below
        except (TypeError, ValueError):
            raise PublishError(f"{folder}: metrics.json has {name} {value!r}, not an ISO date") from None
    if dates[1] <= dates[0]:
        raise PublishError(f"{folder}: metrics.json ends ({dates[1]}) before it starts ({dates[0]})")
    organization = doc.get("organization")
    if isinstance(organization, str) and isinstance(doc.get("scope"), dict):  # a team's or group's report
        from ..views.scope_view import scoped_organization

        organization = scoped_organization(doc)
    metric_values: dict = doc["metrics"] if isinstance(doc.get("metrics"), dict) else {}
    headline = {}
    for name in _HEADLINE:
        item = metric_values.get(name)
        headline[name] = _number(item.get("value")) if isinstance(item, dict) else None
    present = [name for name in REPORT_FILES if (folder / name).is_file()]
    try:
        files = {name: _sha256(folder / name) for name in present}
        sizes = {name: (folder / name).stat().st_size for name in present}
    except OSError as exc:
        raise PublishError(f"{folder}: cannot read {exc.filename}: {exc.strerror}") from None
    return _Report(cadence, period, dates[0].isoformat(), dates[1].isoformat(),
                   organization if isinstance(organization, str) else "", headline, files, sizes, folder)


def discover_reports(out_dir: Path) -> list[Path]:
    """Every ``<cadence>/<period>/`` folder with a metrics.json under a build output folder,
    so ``reporter publish --from reports/`` publishes everything that was built."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise PublishError(f"{out_dir}: no such folder of built reports")
    found = []
    for cadence in CADENCES:
        base = out_dir / cadence
        if not base.is_dir():
            continue
        for child in sorted(base.iterdir()):
            if (child.name == LATEST or child.name.startswith(".") or not child.is_dir()
                    or not (child / "metrics.json").is_file()):
                continue
            found.append(child)
    return found


# --- the manifest -----------------------------------------------------------------------------


def _load_site(site_dir: Path) -> tuple[bytes | None, dict[str, _Report]]:
    """What the site holds, from its manifest; without one (a new site, or a lost manifest),
    from the report folders on disk, so a lost manifest never drops the archive from the index."""
    path = site_dir / MANIFEST
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        reports = {}
        for folder in discover_reports(site_dir):
            try:
                report = _read_report(folder)
            except PublishError:
                continue
            if f"{report.cadence}/{report.period}" == f"{folder.parent.name}/{folder.name}":
                reports[report.key] = report
        return None, reports
    try:
        doc = json.loads(raw)
        reports = {}
        for item in doc["reports"]:
            report = _Report(
                cadence=item["cadence"], period=item["period"], start=item["start"], end=item["end"],
                organization=item["organization"], headline=dict(item["headline"]),
                files={f["name"]: f["sha256"] for f in item["files"]},
                sizes={f["name"]: int(f["bytes"]) for f in item["files"]},
                source=site_dir / item["cadence"] / item["period"])
            if report.cadence not in CADENCES or not _PERIOD_RE.match(report.period) or report.period == LATEST:
                raise ValueError(f"bad entry {report.key!r}")
            reports[report.key] = report
    except (ValueError, KeyError, TypeError) as exc:
        raise PublishError(f"{path}: unreadable site manifest ({exc}); restore it, or delete it and the "
                           f"publisher rebuilds it from the report folders") from None
    return raw, reports


def _drop_vanished(site_dir: Path, reports: dict[str, _Report], incoming: Mapping[str, _Report]) -> tuple[str, ...]:
    """Keep the index honest when someone deleted or edited a report folder by hand: an entry
    whose files are gone is re-read from its folder, or dropped when the folder is no report.
    (A size check, not a hash, so a large archive costs no reading.)"""
    dropped = []
    for key, report in sorted(reports.items()):
        if key in incoming:
            continue
        folder = site_dir / report.cadence / report.period
        try:
            intact = all((folder / n).stat().st_size == report.sizes[n] for n in report.files)
        except OSError:
            intact = False
        if intact:
            continue
        try:
            reports[key] = _read_report(folder)
        except PublishError:
            del reports[key]
            dropped.append(key)
    return tuple(dropped)


def _newest(reports: list[_Report]) -> _Report:
    return max(reports, key=lambda r: (r.start, r.period))


def manifest_bytes(reports: list[_Report]) -> bytes:
    ordered = sorted(reports, key=_Report.sort_key)
    latest = {}
    for cadence in CADENCES:
        mine = [r for r in ordered if r.cadence == cadence]
        if mine:
            newest = _newest(mine)
            latest[cadence] = {"period": newest.period, "path": f"{cadence}/{LATEST}",
                               "files": sorted(newest.files)}
    doc = {"schema_version": MANIFEST_SCHEMA, "generator": "reporter", "latest": latest,
           "reports": [r.entry() for r in ordered]}
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _symlink_message(path: Path) -> str:
    try:
        target = f" (to {os.readlink(path)})"
    except OSError:
        target = ""
    return (f"{path}: is a symbolic link{target}; a report folder must hold its own files, so publish "
            f"refuses it rather than copy what it points to")


def _refuse_symlinks(folder: Path) -> None:
    """A symlink in a report folder is an error, never followed: it would publish whatever it points at."""
    if folder.is_symlink():
        raise PublishError(_symlink_message(folder))
    for root, dirs, names in os.walk(folder):  # os.walk does not descend into symlinked folders
        for name in sorted(dirs + names):
            path = Path(root) / name
            if path.is_symlink():
                raise PublishError(_symlink_message(path))
