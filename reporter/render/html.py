"""HTML with jinja2: autoescape on, StrictUndefined, one typed context per template.

The page is one self-contained file: CSS inline, fonts and charts as data: URIs, no script,
so it reads the same from a mail attachment, file:// or any static host.

A user's template folder (config `templates:`) is searched before the packaged one, file by file:
a template, `report.css` or a font in `assets/` found there wins; everything else comes from the
package, so an override can be one file (a `base.html` with the company's header, say).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..assets import templates_dir
from ..views.model import ChartSpec, WeeklyReport
from ..views.monthly import MonthlyReport
from ..views.quarterly import QuarterlyReport

FONTS = (("Inter", 400, "inter-latin-400-normal.woff"), ("Inter", 600, "inter-latin-600-normal.woff"),
         ("Inter", 700, "inter-latin-700-normal.woff"))


@dataclass(frozen=True)
class RenderedChart:
    spec: ChartSpec
    src: str  # data: URI


@dataclass(frozen=True)
class WeeklyPage:
    """The context of templates/weekly.html."""

    report: WeeklyReport
    charts: tuple[RenderedChart, ...]
    css: str


@dataclass(frozen=True)
class MonthlyPage:
    """The context of templates/monthly.html."""

    report: MonthlyReport
    charts: tuple[RenderedChart, ...]
    css: str


@dataclass(frozen=True)
class QuarterlyPage:
    """The context of templates/quarterly.html."""

    report: QuarterlyReport
    charts: tuple[RenderedChart, ...]
    css: str


@lru_cache(maxsize=4)
def _environment(folders: tuple[str, ...]):
    """One environment per search path: the first folder holding a template wins."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder) for folder in folders]),
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def search_path(folder: Path | None = None, templates: Path | None = None) -> tuple[Path, ...]:
    """The folders templates are read from, first match wins: the user's (config `templates:`), then ours."""
    package = folder or templates_dir()
    if templates is None:
        return (package,)
    if not Path(templates).is_dir():
        from ..errors import ConfigError

        raise ConfigError(f"templates folder {templates} (config `templates:`) does not exist or is not a folder")
    return (Path(templates), package)


def _find(name: str, folders: tuple[Path, ...]) -> Path:
    """The first folder's copy of ``name`` (the packaged folder, last, always has one)."""
    return next((f / name for f in folders if (f / name).is_file()), folders[-1] / name)


def stylesheet(folder: Path | None = None, templates: Path | None = None) -> str:
    """report.css with the packaged fonts inlined as data: URIs."""
    folders = search_path(folder, templates)
    faces = []
    for family, weight, name in FONTS:
        data = base64.b64encode(_find(f"assets/{name}", folders).read_bytes()).decode("ascii")
        faces.append(f"@font-face {{ font-family: '{family}'; font-weight: {weight}; font-style: normal; "
                     f"src: url(data:font/woff;base64,{data}) format('woff'); }}")
    return "\n".join(faces) + "\n" + _find("report.css", folders).read_text(encoding="utf-8")


def _render(template: str, page_type: type, report, folder: Path | None, size: tuple[float, float] | None = None,
            templates: Path | None = None) -> str:
    """Draw the report's charts, then fill its template with a typed page context."""
    from .charts import render as draw

    folders = search_path(folder, templates)
    def drawn(spec):  # a chart may ask for its own height (a three-row range chart needs less)
        width, height = size or (None, None)
        height = spec.data.get("height_in", height)
        return draw(spec, *(v for v in (width, height) if v is not None)) if width else draw(spec)

    charts = tuple(RenderedChart(spec, drawn(spec)) for spec in report.charts)
    page = page_type(report=report, charts=charts, css=stylesheet(folders[-1], templates))
    return _environment(tuple(map(str, folders))).get_template(template).render(page=page)


def render_weekly(report: WeeklyReport, *, folder: Path | None = None, templates: Path | None = None) -> str:
    """One HTML for screen and print: the stylesheet's @media rules do the rest."""
    return _render("weekly.html", WeeklyPage, report, folder, templates=templates)


def render_monthly(report: MonthlyReport, *, folder: Path | None = None, templates: Path | None = None) -> str:
    return _render("monthly.html", MonthlyPage, report, folder, templates=templates)


def render_quarterly(report: QuarterlyReport, *, folder: Path | None = None, templates: Path | None = None) -> str:
    return _render("quarterly.html", QuarterlyPage, report, folder, size=(5.9, 3.0),  # the 150 mm column, 1:1
                   templates=templates)
