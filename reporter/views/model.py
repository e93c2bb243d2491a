"""The typed report model that templates render: everything already computed and worded.

Templates compute nothing; they lay out these objects. The narrative layer adds items to
``learning``, ``actions`` and ``stories``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import fmt


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
    stories: Stream
    definitions: tuple[tuple[str, str], ...]
    data_quality: str
    reproduce: str
    lang: str = "en"
    notes: tuple[str, ...] = field(default_factory=tuple)
    coverage_note: str = ""
    signal: str = ""  # page 1's lead: the strongest finding outside noise (views/signal.py)


@dataclass(frozen=True)
class Stream:
    """The Success Stream of a document: the stories shown, how many more there are, and the one caveat
    the section carries for every amount in it (instead of one after each story)."""

    stories: tuple[Story, ...]
    more: int = 0
    caveat: str = ""


CAVEAT = f" ({fmt.DISCLAIMER})"


def _rates(doc: dict) -> dict[str, float]:
    """Exchange rates to the report currency, as the ROI assumptions state them (config finance)."""
    rates = {}
    for row in (doc.get("capacity") or {}).get("assumptions") or []:
        source = str(row.get("source", ""))
        if source.startswith("config finance.exchange_rates.") and isinstance(row.get("value"), (int, float)):
            rates[source.rsplit(".", 1)[1]] = float(row["value"])
    return rates


def _value(doc: dict, item: dict, rates: dict[str, float], currency: str) -> float | None:
    """A release story's contract value in the report currency; None when unknown or not convertible."""
    releases = (doc.get("breakdowns") or {}).get("releases") or []
    index = item.get("release")
    if not isinstance(index, int) or not 0 <= index < len(releases):
        return None
    release = releases[index]
    amount, code = release.get("contract_value"), release.get("currency") or currency
    if not isinstance(amount, (int, float)):
        return None
    rate = 1.0 if code == currency else rates.get(code)
    return None if rate is None else amount * rate


def narrative_stories(doc: dict, top: int | None = None) -> Stream:
    """Success Stream items of the narrative, split into a bold first sentence and the rest.

    With ``top``, the stories with the largest contract value (converted to the report currency with the
    configured rates) come first and only ``top`` are shown; the rest are counted. Achievement stories
    without a value keep their narrative order after the valued ones.
    """
    items = list((doc.get("narrative") or {}).get("stories", []))
    if top is not None and len(items) > top:
        currency = str(((doc.get("capacity") or {}).get("cost") or {}).get("currency") or "USD")
        rates = _rates(doc)
        ranked = sorted(enumerate(items), key=lambda pair: (-(_value(doc, pair[1], rates, currency) or -1.0), pair[0]))
        items = [item for _, item in ranked]
    shown, more = (items[:top], len(items) - top) if top is not None and len(items) > top else (items, 0)
    caveat = any(fmt.DISCLAIMER in item["text"] for item in items)
    stories = []
    for item in shown:
        text = item["text"].replace(CAVEAT, "")
        headline, _, body = text.partition(". ")
        stories.append(Story(headline + ("." if body else ""), body))
    note = ("Contract values are those of the customers' contracts: they are correlated with the work, "
            "not caused by AI tools." if caveat else "")
    return Stream(tuple(stories), more, note)


def datasets_present(doc: dict) -> set[str]:
    """Dataset names the inputs held, from the lineage (people.csv -> people)."""
    return {name.rsplit(".", 1)[0] for name in doc["inputs"]}


def coverage_dots(doc: dict, labels: tuple[tuple[str, str], ...]) -> tuple[tuple[str, bool], ...]:
    """(label, has records in this period) per dataset: a file that exists but stops before the
    period is an empty dot, not a full one. A roster (people) counts when its file is there."""
    datasets = (doc.get("coverage") or {}).get("datasets") or {}
    present = datasets_present(doc)

    def has(name: str) -> bool:
        if name in datasets:
            return datasets[name]["records_in_period"] > 0
        return name == "people" and name in present
    return tuple((label, has(name)) for name, label in labels)


def coverage_note(doc: dict) -> str:
    """Page 1's sentence for a period the inputs reach only in part (empty when fully covered)."""
    cov = doc.get("coverage") or {}
    if not cov.get("partial"):
        return ""
    if not cov.get("covered_days"):
        return (f"The inputs ({cov['first_day']} to {cov['last_day']}) do not reach this period: every figure "
                "below is N/A.")
    start, last = dt.date.fromisoformat(cov["covered_from"]), dt.date.fromisoformat(cov["covered_to"])
    weeks = cov["covered_days"] / 7
    whole = f"{cov['covered_days']} of {cov['period_days']} days"
    if cov["period_days"] > 7:
        whole += f" ({weeks:.1f} of {cov['period_days'] / 7:.1f} weeks)"
    return (f"The inputs cover {fmt.day_range(start, last)} only: {whole} of this period. Counts, rates, "
            "costs and capacity are computed over those days only; baselines are scaled to them.")


def comparison_words(test: dict | None, higher: str, lower: str) -> str:
    """The verdict of an AI vs other (or team vs rest) test in words: a direction only outside noise."""
    if not test:
        return "not tested"
    if test.get("change") in (None, "insufficient_data"):
        return "too few on one side to compare"
    if test["change"] == "up":
        return f"{higher}, outside noise"
    if test["change"] == "down":
        return f"{lower}, outside noise"
    return "no clear difference"


def signed(value: float | None, formatter) -> str:
    """A difference with a true minus sign, in the metric's own format."""
    if value is None:
        return fmt.NA
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + formatter(abs(value))


def cohort_comparison(metric: dict, what: str, formatter, higher: str = "higher", lower: str = "lower",
                      points: bool = False, ai_label: str = "AI-assisted", other_label: str = "others") -> str | None:
    """AI vs other with n on both sides and the test's verdict (a direction only outside noise,
    with the difference and its interval); None when a side is empty: that is no comparison."""
    c = metric.get("by_cohort") or {}
    ai, other = c.get("ai") or {}, c.get("non_ai") or {}
    if not ai.get("n") or not other.get("n"):
        return None
    test = metric.get("cohort_difference")
    verdict = comparison_words(test, f"{ai_label} {higher}", f"{ai_label} {lower}")
    if test and test.get("change") in ("up", "down") and test.get("interval"):
        lo, hi = test["interval"]
        diff = fmt.signed_points if points else (lambda v: signed(v, formatter))
        verdict += f"; difference {diff(test['value'])}, 95% interval {diff(lo)} to {diff(hi)}"
    return (f"{what}: {ai_label} {formatter(ai['value'])} (n {ai['n']}) vs {other_label} "
            f"{formatter(other['value'])} (n {other['n']}): {verdict}.")


def privacy_note(doc: dict, short: bool = False) -> str:
    """What 'other' holds: the pooled teams by name (never their sizes) and rows of no team."""
    privacy = doc.get("privacy") or {}
    minimum = privacy.get("min_group_size", 5)
    other = privacy.get("other")
    if not other:
        return f"No team is under {minimum} engineers; 'other' holds only rows that belong to no team."
    teams = other.get("teams") or []
    names = ", ".join(teams[:-1]) + (" and " if len(teams) > 1 else "") + teams[-1] if teams else "no team"
    if other.get("engineers") is None:
        return f"'other' ({names}) is withheld: together they have fewer than {minimum} engineers."
    if short:
        return f"'other' pools {names} ({other['engineers']} engineers) for privacy."
    return (f"'other' pools {names} ({other['engineers']} engineers), so that no group under {minimum} engineers "
            "is shown or can be recovered from the totals; it also holds rows that belong to no team.")
