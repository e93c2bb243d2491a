"""The site's index page: every report grouped by cadence, the latest of each as a card, formatted
strings only (templates compute nothing), byte-reproducible."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from ..assets import templates_dir
from ..metrics import catalogue
from ..views import fmt
from .reports import (CADENCE_TITLES, CADENCES, FILE_LABELS, LATEST, REPORT_FILES, _HEADLINE, _newest,
                      _Report)

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
