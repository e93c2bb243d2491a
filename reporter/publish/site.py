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

import errno
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..document import schema_path
from ..files import fsync_file, fsync_folders, link_tree, os_reason, restore_aside, swap_in, write_atomic
from ..files import sha256_file as _sha256
from .index import render_index
from .reports import (CADENCE_TITLES, CADENCES, FILE_LABELS, INDEX, LATEST, MANIFEST, MANIFEST_SCHEMA,  # noqa: F401
                      REPORT_FILES, _OLD_PREFIX, _TMP_PREFIX, PublishError, _drop_vanished, _load_site, _newest,
                      _read_report, _refuse_symlinks, _Report, _symlink_message, discover_reports, manifest_bytes)

try:  # POSIX only; elsewhere publishers are not serialised
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


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
