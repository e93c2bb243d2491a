"""The static site: an index, a stable ``latest`` per cadence, an archive of every report.

A cron job publishes built report folders into a site folder that any static host (or file://)
serves as is. Layout::

    SITE/index.html                      every report, grouped by cadence, latest period first
    SITE/manifest.json                   what is published, sorted, with the sha256 of each file
    SITE/<cadence>/<period>/             metrics.json, report.html, report.pdf (those present)
    SITE/<cadence>/latest/               a real copy of the newest period's files

``latest/`` is a copy, not a redirect page, so ``weekly/latest/report.pdf`` is a stable URL a
mail, a wiki or a dashboard can link to, and it works on hosts without symlinks or redirects.
The reports are self-contained files, so a copy in another folder reads the same.

Atomicity: every changed report folder (and every changed ``latest/``) is first staged complete
in a ``.tmp-*`` folder inside SITE, and the new index and manifest are rendered in memory; only
then are the staged folders renamed into place (an existing one is renamed aside to ``.old-*``
first, and deleted once everything is in place), then manifest.json and index.html are replaced
via temp file + ``os.replace``. A failure while staging leaves the site untouched; a failure while
swapping puts the old folders and files back. Either way the temp folders are removed and the
error is raised. Unchanged files (same sha256) are never rewritten, so publishing the same reports
twice changes nothing, not even an mtime. A directory lock (flock) keeps two publishers apart.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

from ..assets import templates_dir
from ..cadence import fmt
from ..metrics import catalogue
from ..files import sha256_file as _sha256
from ..errors import EXIT_DELIVERY, DeliveryError

try:  # POSIX only; elsewhere publishers are not serialised
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

CADENCES = ("weekly", "monthly", "quarterly")
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
class PublishResult:
    """What a publish did, as ``<cadence>/<period>`` keys (sorted like the index)."""

    site_dir: Path
    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()  # listed by the manifest, but their folder was deleted from the site
    latest: Mapping[str, str] = field(default_factory=dict)  # cadence -> newest period
    latest_updated: tuple[str, ...] = ()  # cadences whose latest/ folder was rewritten
    index_updated: bool = False  # index.html or manifest.json was rewritten

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.dropped or self.latest_updated or self.index_updated)


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
            dates.append(dt.date.fromisoformat(value))
        except (TypeError, ValueError):
            raise PublishError(f"{folder}: metrics.json has {name} {value!r}, not an ISO date") from None
    if dates[1] <= dates[0]:
        raise PublishError(f"{folder}: metrics.json ends ({dates[1]}) before it starts ({dates[0]})")
    organization = doc.get("organization")
    metric_values = doc.get("metrics") if isinstance(doc.get("metrics"), dict) else {}
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


# --- the index --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexLink:
    label: str
    href: str


@dataclass(frozen=True)
class IndexSlot:
    """One file column of an archive row: a link when the file exists, a greyed label when not."""

    label: str
    href: str | None


@dataclass(frozen=True)
class IndexRow:
    period: str
    dates: str
    ai_users: str
    cycle_time: str
    deployments: str
    change_failure: str
    links: tuple[IndexLink, ...]  # the files that exist
    slots: tuple[IndexSlot, ...]  # every file kind, in a fixed order, so the columns line up


@dataclass(frozen=True)
class IndexSection:
    cadence: str
    title: str
    latest: IndexRow
    latest_links: tuple[IndexLink, ...]
    rows: tuple[IndexRow, ...]


@dataclass(frozen=True)
class IndexPage:
    """The context of templates/site_index.html: formatted strings only, templates compute nothing."""

    title: str
    organizations: tuple[str, ...]
    sections: tuple[IndexSection, ...]
    report_count: int
    # Column and card labels of the headline metrics, from the one catalogue.
    labels: Mapping[str, str] = field(default_factory=lambda: {k: catalogue.short(k) for k in _HEADLINE})


def _date_range(start: str, end: str) -> str:
    """'16–22 Nov 2026', '1 Aug – 31 Oct 2026', '29 Dec 2025 – 4 Jan 2026' (end is exclusive)."""
    first = dt.date.fromisoformat(start)
    last = dt.date.fromisoformat(end) - dt.timedelta(days=1)
    if first == last:
        return f"{first.day} {first:%b %Y}"
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day}–{last.day} {last:%b %Y}"


def _fmt_hours(value) -> str:
    return "N/A" if value is None else fmt.hours(value)


def _row(report: _Report, folder: str) -> IndexRow:
    h = report.headline
    users, engineers = h.get("active_ai_users"), h.get("engineers")
    if users is None:
        ai_users = "N/A"
    elif engineers:
        ai_users = f"{users:g} of {engineers:g}"
    else:
        ai_users = f"{users:g}"
    deployments = h.get("deployments")
    cfr = h.get("change_failure_rate")
    slots = tuple(IndexSlot(FILE_LABELS[name], f"{report.cadence}/{folder}/{name}" if name in report.files else None)
                  for name in REPORT_FILES)
    links = tuple(IndexLink(slot.label, slot.href) for slot in slots if slot.href)
    return IndexRow(
        period=report.period,
        dates=_date_range(report.start, report.end),
        ai_users=ai_users,
        cycle_time=_fmt_hours(h.get("pr_cycle_time_hours")),
        deployments="N/A" if deployments is None else f"{deployments:g}",
        change_failure="N/A" if cfr is None else fmt.percent(cfr, catalogue.get("change_failure_rate").digits),
        links=links,
        slots=slots,
    )


def index_page(reports: list[_Report]) -> IndexPage:
    ordered = sorted(reports, key=_Report.sort_key)
    sections = []
    for cadence in CADENCES:
        mine = [r for r in ordered if r.cadence == cadence]
        if not mine:
            continue
        newest = _newest(mine)
        sections.append(IndexSection(
            cadence=cadence, title=CADENCE_TITLES[cadence], latest=_row(newest, newest.period),
            latest_links=_row(newest, LATEST).links, rows=tuple(_row(r, r.period) for r in mine)))
    organizations = tuple(sorted({r.organization for r in reports if r.organization}))
    title = " · ".join(organizations) if organizations else "Delivery reports"
    return IndexPage(title=title, organizations=organizations, sections=tuple(sections), report_count=len(reports))


def render_index(reports: list[_Report], folder: Path | None = None) -> str:
    """index.html: byte-reproducible (no clock, deterministic order), no script, relative links."""
    import jinja2

    folder = folder or templates_dir()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template("site_index.html").render(page=index_page(reports))


# --- staging and swapping ---------------------------------------------------------------------


def _copy_file(src: Path, dst: Path, sha256: str) -> None:
    """Copy with metadata, then check the bytes: a source rewritten mid-publish is an error."""
    shutil.copy2(src, dst)
    os.chmod(dst, 0o644)
    if _sha256(dst) != sha256:
        raise PublishError(f"{src} changed while it was being published; publish again")


def _folder_matches(folder: Path, files: Mapping[str, str]) -> bool:
    """The site folder holds exactly these files with these bytes (hashed from disk, not trusted
    from the manifest, so a hand-edited site is repaired)."""
    if not folder.is_dir():
        return False
    try:
        names = {p.name for p in folder.iterdir()}
        return names == set(files) and all((folder / n).is_file() and _sha256(folder / n) == files[n] for n in files)
    except OSError:
        return False


class _Transaction:
    """Stage folders and files inside SITE, then swap them in; undo everything on failure."""

    def __init__(self, site_dir: Path):
        self.site = site_dir
        self.staged_dirs: list[tuple[Path, Path]] = []  # (tmp, target)
        self.staged_files: list[tuple[Path, Path]] = []
        self.done: list[tuple[str, Path, Path | None, bytes | None]] = []  # undo log
        self.asides: list[Path] = []
        self.created_parents: list[Path] = []

    def stage_dir(self, target: Path, files: Mapping[str, tuple[Path, str]]) -> None:
        tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=self.site))
        self.staged_dirs.append((tmp, target))
        os.chmod(tmp, 0o755)
        for name in sorted(files):
            src, sha = files[name]
            _copy_file(src, tmp / name, sha)

    def stage_file(self, target: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX + target.name + ".", dir=self.site)
        self.staged_files.append((Path(tmp), target))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)

    def commit(self) -> None:
        for tmp, target in self.staged_dirs:
            if not target.parent.is_dir():
                target.parent.mkdir(parents=True)
                self.created_parents.append(target.parent)
            aside = None
            if target.exists():
                aside = Path(tempfile.mkdtemp(prefix=_OLD_PREFIX, dir=self.site))
                aside.rmdir()  # a unique free name to rename the old folder to
                os.rename(target, aside)
                self.asides.append(aside)
                self.done.append(("aside", target, aside, None))
            os.rename(tmp, target)
            self.done.append(("dir", target, aside, None))
        for tmp, target in self.staged_files:
            old = target.read_bytes() if target.exists() else None
            os.replace(tmp, target)
            self.done.append(("file", target, None, old))

    def rollback(self) -> None:
        """Best effort, newest change first: put back what was there before this run."""
        for kind, target, aside, old in reversed(self.done):
            try:
                if kind == "dir":
                    shutil.rmtree(target, ignore_errors=True)
                elif kind == "aside":
                    os.rename(aside, target)
                    self.asides.remove(aside)
                elif old is None:
                    target.unlink(missing_ok=True)
                else:
                    fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX + target.name + ".", dir=self.site)
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(old)
                    os.chmod(tmp, 0o644)
                    os.replace(tmp, target)
            except OSError:
                pass
        for parent in reversed(self.created_parents):
            try:
                parent.rmdir()
            except OSError:
                pass
        self.done.clear()

    def cleanup(self) -> None:
        for tmp, _ in self.staged_dirs:
            shutil.rmtree(tmp, ignore_errors=True)
        for tmp, _ in self.staged_files:
            tmp.unlink(missing_ok=True)
        for aside in self.asides:
            shutil.rmtree(aside, ignore_errors=True)


class _Lock:
    """An exclusive flock on the site folder itself (no lock file to leak onto the host)."""

    def __init__(self, site_dir: Path):
        self.site = site_dir
        self.fd: int | None = None

    def __enter__(self) -> "_Lock":
        if fcntl is not None:
            try:
                self.fd = os.open(self.site, os.O_RDONLY)
            except OSError as exc:
                raise PublishError(f"{self.site}: cannot open the site folder ({exc.strerror})") from None
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(self.fd)
                self.fd = None
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    raise PublishError(f"{self.site}: another publish is running; try again when it ends") from None
                # A file system without flock (some network mounts): publish unserialised.
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)


def _leftovers(site_dir: Path) -> Iterator[Path]:
    for child in site_dir.iterdir():
        if child.name.startswith((_TMP_PREFIX, _OLD_PREFIX)):
            yield child


# --- publish ----------------------------------------------------------------------------------


def publish(site_dir: Path, report_dirs: list[Path]) -> PublishResult:
    """Add (or replace) these report folders in the site, then rewrite its index and manifest.

    Everything is staged before anything visible changes, so a failure leaves the site as it
    was; unchanged files are not touched, so a repeated publish is a no-op.
    """
    site_dir = Path(site_dir)
    incoming: dict[str, _Report] = {}
    for folder in report_dirs:
        report = _read_report(Path(folder))
        if report.key in incoming:
            raise PublishError(f"{folder}: {report.key} is also in {incoming[report.key].source}; "
                               f"publish one folder per period")
        incoming[report.key] = report
    try:
        site_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"{site_dir}: cannot create the site folder ({exc.strerror})") from None

    with _Lock(site_dir):
        tx = _Transaction(site_dir)
        try:
            for stale in _leftovers(site_dir):  # from a run that was killed; we hold the lock
                if stale.is_dir() and not stale.is_symlink():
                    shutil.rmtree(stale)
                else:
                    stale.unlink()
            old_manifest, reports = _load_site(site_dir)
            dropped = _drop_vanished(site_dir, reports, incoming)
            added, replaced, unchanged = [], [], []
            for key, report in sorted(incoming.items(), key=lambda kv: kv[1].sort_key()):
                target = site_dir / report.cadence / report.period
                existed = target.exists()
                if _folder_matches(target, report.files):
                    unchanged.append(key)
                else:
                    tx.stage_dir(target, {n: (report.source / n, sha) for n, sha in report.files.items()})
                    (replaced if existed else added).append(key)
                reports[key] = report
            latest, latest_updated = {}, []
            for cadence in CADENCES:
                mine = [r for r in reports.values() if r.cadence == cadence]
                if not mine:
                    continue
                newest = _newest(mine)
                latest[cadence] = newest.period
                target = site_dir / cadence / LATEST
                if not _folder_matches(target, newest.files):
                    tx.stage_dir(target, {n: (newest.source / n, sha) for n, sha in newest.files.items()})
                    latest_updated.append(cadence)
            everything = list(reports.values())
            new_manifest = manifest_bytes(everything)
            new_index = render_index(everything).encode("utf-8")
            index_path = site_dir / INDEX
            index_updated = False
            if new_manifest != old_manifest:
                tx.stage_file(site_dir / MANIFEST, new_manifest)
                index_updated = True
            if not index_path.is_file() or index_path.read_bytes() != new_index:
                tx.stage_file(index_path, new_index)
                index_updated = True
            tx.commit()
        except BaseException as exc:
            tx.rollback()
            tx.cleanup()
            if isinstance(exc, OSError):
                raise PublishError(f"publishing to {site_dir} failed ({exc}); the site was left as it was") from exc
            raise
        tx.cleanup()
    order = {r.key: r.sort_key() for r in reports.values()}
    return PublishResult(
        site_dir=site_dir,
        added=tuple(sorted(added, key=order.__getitem__)),
        replaced=tuple(sorted(replaced, key=order.__getitem__)),
        unchanged=tuple(sorted(unchanged, key=order.__getitem__)),
        dropped=dropped,
        latest=latest,
        latest_updated=tuple(latest_updated),
        index_updated=index_updated,
    )
