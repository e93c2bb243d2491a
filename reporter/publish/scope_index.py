"""The site per scope: each team's or group's reports as a site of their own, and an index of scopes.

    SITE/index.html, SITE/<cadence>/...        the organisation (publish/site.py)
    SITE/<team-x|group-y>/index.html           that scope's index, archive and stable
    SITE/<team-x|group-y>/<cadence>/latest/    ``latest`` copies (the same publisher, one level down)
    SITE/scopes.html                           every scope, with its ``latest`` links

Each scope is published with site.publish into its own folder, so it keeps the publisher's
guarantees (staged, atomic, idempotent); this module only finds the scope folders of a build
output and writes the index of scopes.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from ..files import write_atomic
from . import site

SCOPES_PAGE = "scopes.html"
_SCOPE_RE = re.compile(r"^(team|group)-[a-z0-9_][a-z0-9_-]*$")


def discover_scopes(out_dir: Path) -> dict[str, list[Path]]:
    """Scope folder name -> its ``<cadence>/<period>/<scope>/`` report folders under a build output."""
    found: dict[str, list[Path]] = {}
    for period_dir in _periods(out_dir):
        for child in sorted(period_dir.iterdir()):
            if child.is_dir() and _SCOPE_RE.match(child.name) and (child / "metrics.json").is_file():
                found.setdefault(child.name, []).append(child)
    return dict(sorted(found.items()))


def _periods(out_dir: Path) -> list[Path]:
    out = []
    for cadence in site.CADENCES:
        base = Path(out_dir) / cadence
        if base.is_dir():
            out += [p for p in sorted(base.iterdir()) if p.is_dir() and p.name != site.LATEST
                    and not p.name.startswith(".")]
    return out


def publish_all(site_dir: Path, out_dir: Path) -> list[str]:
    """Publish the organisation's reports (if any), every scope's, and the index of scopes."""
    lines = []
    org = site.discover_reports(out_dir)
    if org:
        result = site.publish(site_dir, org, scopes_page=bool(discover_scopes(out_dir)))
        lines.append(f"site {site_dir}: organisation " + ("updated" if result.changed else "already up to date"))
    lines += publish_scopes(site_dir, out_dir)
    return lines


def publish_scopes(site_dir: Path, out_dir: Path) -> list[str]:
    scopes = discover_scopes(out_dir)
    lines = []
    for folder, reports in scopes.items():
        result = site.publish(Path(site_dir) / folder, reports)
        lines.append(f"site {Path(site_dir) / folder}: " + ("updated" if result.changed else "already up to date"))
    if scopes or (Path(site_dir) / SCOPES_PAGE).exists():
        page = render_scopes_page(Path(site_dir))
        path = Path(site_dir) / SCOPES_PAGE
        if not path.is_file() or path.read_bytes() != page:
            write_atomic(path, page)
            lines.append(f"site {site_dir}: index of scopes {SCOPES_PAGE} rewritten")
    return lines


def _scope_of(folder: Path) -> dict:
    """Name and teams of a published scope, from its newest report's metrics.json."""
    newest = None
    for cadence in site.CADENCES:
        candidate = folder / cadence / site.LATEST / "metrics.json"
        if candidate.is_file():
            newest = candidate
            break
    try:
        doc = json.loads(newest.read_text(encoding="utf-8")) if newest else {}
    except ValueError:
        doc = {}
    scope = doc.get("scope") or {}
    return {"name": scope.get("name") or folder.name, "kind": scope.get("kind") or folder.name.split("-")[0],
            "teams": scope.get("teams") or []}


def render_scopes_page(site_dir: Path) -> bytes:
    """SITE/scopes.html: one row per published scope, with its index and the stable latest links."""
    rows = []
    for folder in sorted(p for p in site_dir.iterdir() if p.is_dir() and _SCOPE_RE.match(p.name)):
        if not (folder / site.INDEX).is_file():
            continue
        info = _scope_of(folder)
        links = []
        for cadence in site.CADENCES:
            latest = folder / cadence / site.LATEST
            for name, label in (("report.html", "HTML"), ("report.pdf", "PDF")):
                if (latest / name).is_file():
                    links.append(f'<a href="{folder.name}/{cadence}/{site.LATEST}/{name}">{cadence} {label}</a>')
        teams = ", ".join(info["teams"])
        rows.append(
            f'<tr><td><a href="{folder.name}/{site.INDEX}">{html.escape(info["name"])}</a></td>'
            f'<td>{html.escape(info["kind"])}</td><td>{html.escape(teams)}</td>'
            f'<td>{" · ".join(links) or "none yet"}</td></tr>')
    body = "\n".join(rows) or '<tr><td colspan="4">No scoped report is published.</td></tr>'
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Reports per team and group</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<style>body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1c2430;margin:32px;'
        'max-width:960px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 10px;'
        'border-bottom:1px solid #dde2e8;font-size:14px}th{color:#5b6675;font-weight:600}a{color:#1f5fbf}'
        '</style></head><body>\n<h1>Reports per team and group</h1>\n'
        f'<p><a href="{site.INDEX}">The organisation\'s reports</a>. The latest links are stable: they always '
        'hold the newest period.</p>\n'
        '<table><thead><tr><th>Scope</th><th>Kind</th><th>Teams</th><th>Latest</th></tr></thead><tbody>\n'
        f'{body}\n</tbody></table>\n</body></html>\n')
    return page.encode("utf-8")
