"""The typed report model that templates render: everything already computed and worded.

Templates compute nothing; they lay out these objects. The narrative layer adds items to
``learning``, ``actions`` and ``stories``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KPI:
    key: str
    label: str
    value: str
    unit: str
    delta: str  # "+11% vs baseline", "no baseline"
    status: str  # good | bad | flat | na
    status_label: str  # better | worse | within noise | not enough data
    detail: str  # sample size and baseline, small print
    band: str | None = None  # DORA band, when the metric has one


@dataclass(frozen=True)
class Bullet:
    text: str
    tone: str = "neutral"  # neutral | good | bad | warning


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    note: str = ""


@dataclass(frozen=True)
class ChartSpec:
    """What to draw; the renderer turns it into an SVG with this title and alt text."""

    kind: str  # trend | stages | bars
    title: str
    alt: str
    data: dict


@dataclass(frozen=True)
class Story:
    headline: str
    body: str
    meta: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    bullets: tuple[Bullet, ...] = ()
    tables: tuple[Table, ...] = ()
    empty_note: str = ""


@dataclass(frozen=True)
class WeeklyReport:
    organization: str
    title: str
    period_id: str
    period_label: str  # "Week 47 · 16–22 Nov 2026"
    coverage: tuple[tuple[str, bool], ...]
    kpis: tuple[KPI, ...]
    adoption: Section
    flow: Section
    quality: Section
    learning: Section
    actions: Section
    warnings: tuple[Bullet, ...]
    charts: tuple[ChartSpec, ...]
    teams: Table
    stories: tuple[Story, ...]
    definitions: tuple[tuple[str, str], ...]
    data_quality: str
    reproduce: str
    lang: str = "en"
    notes: tuple[str, ...] = field(default_factory=tuple)


def narrative_stories(doc: dict) -> tuple[Story, ...]:
    """Success Stream items of the narrative, split into a bold first sentence and the rest."""
    stories = []
    for item in (doc.get("narrative") or {}).get("stories", []):
        headline, _, body = item["text"].partition(". ")
        stories.append(Story(headline + ("." if body else ""), body))
    return tuple(stories)


def datasets_present(doc: dict) -> set[str]:
    """Dataset names the inputs held, from the lineage (people.csv -> people)."""
    return {name.rsplit(".", 1)[0] for name in doc["inputs"]}
