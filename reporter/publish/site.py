"""The static site: an index, a stable ``latest`` per cadence, an archive of every report.

A cron job publishes built report folders into a site folder that any static host (or file://)
serves as is. Layout::

    SITE/index.html                      every report, grouped by cadence, latest period first
    SITE/manifest.json                   what is published, sorted, with the sha256 of each file
    SITE/schema/metrics.schema.json      the JSON Schema of metrics.json (reporter/schema/)
    SITE/<cadence>/<period>/             metrics.json, report.html, report.pdf (those present)
    SITE/<cadence>/latest/               a real copy of the newest period's files

``latest/`` is a copy, not a redirect page, so ``weekly/latest/report.pdf`` is a stable URL a
mail, a wiki or a dashboard can link to, and it works on hosts without symlinks or redirects.
The reports are self-contained files, so a copy in another folder reads the same.

Atomicity: a publish that changes anything builds the complete next site beside the live one
(hidden sibling ``.SITE.publish/``; unchanged files as hard links), fsyncs it, and swaps it in
with one ``renameat2(RENAME_EXCHANGE)``; killed at any instant, SITE is the old site or the new
one, each whole. Chosen over generation folders behind a swapped symlink so that SITE stays a real
folder: the path a user gives keeps serving as a web root on hosts that refuse or pre-resolve
symlinks, copies with rsync/scp as files, and needs no conversion (more under "Crash safety").
A failure before the swap leaves the site untouched; the next run deletes what a killed run left.
Symlinks inside report folders are refused, never followed. Unchanged files (same sha256) are
never rewritten, so publishing the same reports twice changes nothing, not even an mtime. A
directory lock (flock) keeps two publishers apart.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from ..assets import templates_dir
from ..views import fmt
from ..metrics import catalogue
from ..files import fsync_file, fsync_folders, link_tree, os_reason, restore_aside, swap_in, write_atomic
from ..files import sha256_file as _sha256
from ..errors import EXIT_DELIVERY, DeliveryError
from ..document import schema_path

try:  # POSIX only; elsewhere publishers are not serialised
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

from reporter.cadences import NAMES as CADENCES  # the one table of cadences
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
    scopes: bool = False  # link to scopes.html: reports per team and group are published beside these
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


def render_index(reports: list[_Report], folder: Path | None = None, *, scopes: bool = False) -> str:
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
    return env.get_template("site_index.html").render(page=replace(index_page(reports), scopes=scopes))


# --- staging and swapping ---------------------------------------------------------------------
#
# Crash safety. The site is one folder that a web server serves; a publish that changes anything
# builds the complete next site in a hidden sibling folder (``.SITE.publish/stage-*``: unchanged
# files are hard links, so nothing is copied twice and their mtimes stay), fsyncs every file and
# folder of it, and then swaps it with SITE in one step, ``renameat2(RENAME_EXCHANGE)``. Killed at
# any instant, SITE is the old site or the new one, each whole: the index, the manifest and the
# report folders always change together. Why this and not generation folders behind a swapped
# symlink: SITE stays a real folder, so the path a user gives keeps serving as the URL root on
# hosts that refuse symlinks (or resolve them once, at start), ``rsync``/``scp`` of it copies
# files, and no existing site needs converting. The price: the publisher must be able to write
# the folder that holds SITE, and SITE cannot be a mount point (both are checked, with a clear
# error). Where the system has no exchange (not Linux, or a file system without it), SITE is
# renamed aside and the new one renamed in; a re-run puts the old one back if a crash fell
# between the two. Every run first empties the hidden folder: what a killed run left there is
# either a half-built next site or the previous one.

_WORKSPACE = ".{}.publish"
_STAGE_PREFIX = "stage-"
_ASIDE = "previous"


def workspace_of(site_dir: Path) -> Path:
    """The publisher's own folder: a hidden sibling of SITE (its file system, outside what is served)."""
    site = Path(os.path.realpath(site_dir))
    return site.parent / _WORKSPACE.format(site.name)


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


def _copy_file(src: Path, dst: Path, sha256: str) -> None:
    """Copy without following a symlink, then check the bytes: a source rewritten (or swapped for a
    symlink) mid-publish is an error."""
    if src.is_symlink():
        raise PublishError(_symlink_message(src))
    shutil.copy2(src, dst, follow_symlinks=False)
    if dst.is_symlink():
        raise PublishError(_symlink_message(src))
    os.chmod(dst, 0o644)
    if _sha256(dst) != sha256:
        raise PublishError(f"{src} changed while it was being published; publish again")
    fsync_file(dst)


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


def _stage_and_swap(site: Path, workspace: Path, folders: Mapping[str, Mapping[str, tuple[Path, str]]],
                    files: Mapping[str, bytes], dropped: tuple[str, ...]) -> None:
    """Build the next site beside the live one, fsync it, swap it in; delete the previous one.

    ``folders``: relative folder -> {name: (source, sha256)} written anew; ``files``: top-level files
    rewritten; ``dropped``: top-level names left out (temp folders of older versions)."""
    stage = Path(tempfile.mkdtemp(prefix=_STAGE_PREFIX, dir=workspace))
    old: Path | None = None
    try:
        link_tree(site, stage, skip=[*folders, *files, *dropped])
        for rel in sorted(folders):
            folder = stage / rel
            folder.parent.mkdir(parents=True, exist_ok=True)
            folder.mkdir()
            os.chmod(folder, 0o755)
            for name in sorted(folders[rel]):
                src, sha = folders[rel][name]
                _copy_file(src, folder / name, sha)
        for name in sorted(files):
            write_atomic(stage / name, files[name])
        fsync_folders(stage)
        old = swap_in(stage, site, workspace / _ASIDE)
    finally:
        shutil.rmtree(old if old is not None else stage, ignore_errors=True)


class _Lock:
    """An exclusive flock on a folder (no lock file to leak onto the host)."""

    def __init__(self, site_dir: Path, folder: Path):
        self.site = site_dir
        self.folder = folder
        self.fd: int | None = None

    def __enter__(self) -> "_Lock":
        if fcntl is not None:
            try:
                self.fd = os.open(self.folder, os.O_RDONLY)
            except OSError as exc:
                raise PublishError(f"{self.folder}: cannot open the folder ({exc.strerror})") from None
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


def _legacy_leftovers(site_dir: Path) -> list[str]:
    """Temp folders that versions before the whole-site swap left inside SITE when killed."""
    return sorted(child.name for child in site_dir.iterdir() if child.name.startswith((_TMP_PREFIX, _OLD_PREFIX)))


def _clear(workspace: Path) -> None:
    """Empty the publisher's folder (we hold the lock): a killed run's half-built or previous site."""
    for child in workspace.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


# --- publish ----------------------------------------------------------------------------------


def publish(site_dir: Path, report_dirs: list[Path], *, scopes_page: bool = False) -> PublishResult:
    """Add (or replace) these report folders in the site, then rewrite its index and manifest.

    The next site is built whole beside the live one and swapped in at once (see "Crash safety"
    above), so a failure or a kill leaves the old site or the new one, never a mix; unchanged
    files are not touched, so a repeated publish is a no-op.
    """
    site_dir = Path(site_dir)
    incoming: dict[str, _Report] = {}
    for folder in report_dirs:
        _refuse_symlinks(Path(folder))
        report = _read_report(Path(folder))
        if report.key in incoming:
            raise PublishError(f"{folder}: {report.key} is also in {incoming[report.key].source}; "
                               f"publish one folder per period")
        incoming[report.key] = report
    site = Path(os.path.realpath(site_dir))  # a symlinked SITE: the folder it points at is swapped, the link kept
    if site.parent == site or os.path.ismount(site):
        raise PublishError(f"{site_dir}: is a mount point (or the root folder), which cannot be swapped for a new "
                           f"site in one step; publish into a folder inside it and serve that folder")
    workspace = workspace_of(site)
    try:
        workspace.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"{site_dir}: cannot create {workspace} ({exc.strerror}); publish needs to write the "
                           f"folder that holds the site, to build the next site beside it") from None
    with _Lock(site_dir, workspace):
        try:
            restore_aside(site, workspace / _ASIDE)  # a crash between the two renames of the fallback
            site.mkdir(exist_ok=True)
        except OSError as exc:
            raise PublishError(f"{site_dir}: cannot create the site folder ({exc.strerror})") from None
        with _Lock(site_dir, site):  # the lock earlier versions take: keeps a mixed pair of publishers apart
            try:
                _clear(workspace)
                return _publish_locked(site_dir, site, workspace, incoming, scopes_page)
            except OSError as exc:
                raise PublishError(f"publishing to {site_dir} failed ({os_reason(exc)}); "
                                   f"the site was left as it was") from exc


def _publish_locked(site_dir: Path, site: Path, workspace: Path, incoming: dict[str, _Report],
                    scopes_page: bool = False) -> PublishResult:
    old_manifest, reports = _load_site(site)
    dropped = _drop_vanished(site, reports, incoming)
    folders: dict[str, Mapping[str, tuple[Path, str]]] = {}
    added: list[str] = []
    replaced: list[str] = []
    unchanged: list[str] = []
    for key, report in sorted(incoming.items(), key=lambda kv: kv[1].sort_key()):
        target = site / report.cadence / report.period
        if _folder_matches(target, report.files):
            unchanged.append(key)
        else:
            folders[key] = {n: (report.source / n, sha) for n, sha in report.files.items()}
            (replaced if target.exists() else added).append(key)
        reports[key] = report
    latest, latest_updated = {}, []
    for cadence in CADENCES:
        mine = [r for r in reports.values() if r.cadence == cadence]
        if not mine:
            continue
        newest = _newest(mine)
        latest[cadence] = newest.period
        if not _folder_matches(site / cadence / LATEST, newest.files):
            folders[f"{cadence}/{LATEST}"] = {n: (newest.source / n, sha) for n, sha in newest.files.items()}
            latest_updated.append(cadence)
    schema = schema_path()  # SITE/schema/metrics.schema.json: the contract every metrics.json follows
    if not _folder_matches(site / "schema", {schema.name: _sha256(schema)}):
        folders["schema"] = {schema.name: (schema, _sha256(schema))}
    everything = list(reports.values())
    new_manifest = manifest_bytes(everything)
    # The organisation's index links to the teams' and groups' reports once any is (being) published.
    scopes = scopes_page or (site / "scopes.html").is_file()
    new_index = render_index(everything, scopes=scopes).encode("utf-8")
    files: dict[str, bytes] = {}
    if new_manifest != old_manifest:
        files[MANIFEST] = new_manifest
    index_path = site / INDEX
    if not index_path.is_file() or index_path.is_symlink() or index_path.read_bytes() != new_index:
        files[INDEX] = new_index
    legacy = _legacy_leftovers(site)
    if folders or files or legacy:
        _stage_and_swap(site, workspace, folders, files, tuple(legacy))
    order = {r.key: r.sort_key() for r in reports.values()}
    return PublishResult(
        site_dir=site_dir,
        added=tuple(sorted(added, key=order.__getitem__)),
        replaced=tuple(sorted(replaced, key=order.__getitem__)),
        unchanged=tuple(sorted(unchanged, key=order.__getitem__)),
        dropped=dropped,
        latest=latest,
        latest_updated=tuple(latest_updated),
        index_updated=bool(files),
    )
