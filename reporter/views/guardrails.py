"""Technical guardrails in words (doc["quality"], metrics/quality.py): what merged PRs did to the code,
AI-assisted vs other, for the team that owns the code, never per person.

Every sentence follows its test: a direction only outside noise, n on both sides, and "n/a" with the
reason where code_quality does not reach the period or does not measure a metric (the git analyser
measures no security hotspots)."""

from __future__ import annotations

import datetime as dt

from reporter.metrics import catalogue as cat

from . import fmt
from .model import Bullet, ChartSpec, Section, cohort_comparison, datasets_present, signed

DATASET = "code_quality"

ORDER = ("complexity_per_100_lines", "functions_over_threshold_per_100_prs", "duplicated_lines_per_100_added",
         "hotspots_per_100_prs")


def _formatter(key: str):
    """A rate per 100 lines or PRs with the catalogue's decimals and the documents' minus sign."""
    digits = cat.get(key).digits
    return lambda value: fmt.number(value, digits)


def _shown(doc: dict) -> dict | None:
    """doc["quality"] when the inputs hold code_quality (or an import measured it); else None: an
    organisation that never measured its code gets no guardrail lines, not a page of n/a."""
    quality = doc.get("quality")
    if not isinstance(quality, dict):
        return None
    if quality.get("available") or DATASET in datasets_present(doc) or DATASET in ((doc.get("coverage") or {})
                                                                                     .get("datasets") or {}):
        return quality
    return None


def _comparison(metric: dict, key: str) -> str:
    """AI-assisted vs other, or why there is no comparison."""
    label = cat.get(key).label
    if metric.get("value") is None:
        return f"{label}: n/a — {metric.get('reason') or 'no data'}."
    text = cohort_comparison(metric, label, _formatter(key), higher="higher", lower="lower", other_label="other PRs")
    if text:
        return text
    return (f"{label}: {_formatter(key)(metric['value'])} (n {metric['n']}); no AI-assisted vs other comparison: "
            "one side has no measured PR.")


def _tone(metric: dict) -> str:
    change = (metric.get("cohort_difference") or {}).get("change")
    return "bad" if change == "up" else "neutral"


def weekly_line(doc: dict) -> Bullet | None:
    """The weekly report's one line: complexity added per 100 changed lines, AI-assisted vs other."""
    quality = _shown(doc)
    if quality is None:
        return None
    metric = quality["metrics"]["complexity_per_100_lines"]
    return Bullet(_comparison(metric, "complexity_per_100_lines"), _tone(metric))


def _movement(metric: dict, key: str, span: str) -> str:
    """This period against its baseline, as the test says, then AI-assisted vs other: one bullet a metric."""
    label, shown = cat.get(key).label, _formatter(key)
    if metric.get("value") is None:
        return f"{label}: n/a — {metric.get('reason') or 'no data'}."
    now = f"{label}: {shown(metric['value'])} this {span} (n {metric['n']})"
    base = f"baseline {shown(metric.get('baseline'))} (n {metric.get('baseline_n', 0)})"
    change = metric.get("change")
    if metric.get("baseline") is None:
        first = f"{now}, no baseline yet."
    elif change in ("up", "down"):
        word = "rose" if change == "up" else "fell"
        lo, hi = metric.get("delta_interval") or (None, None)
        spread = f"; change 95% interval {signed(lo, shown)} to {signed(hi, shown)}" if lo is not None else ""
        first = f"{label} {word} to {shown(metric['value'])} this {span} from a {base}, outside noise{spread}."
    elif change == "flat":
        first = f"{now} vs {base}: no clear change."
    else:
        first = f"{now} vs {base}: too few PRs to call a change."
    text = cohort_comparison(metric, label, shown, higher="higher", lower="lower", other_label="other PRs")
    versus = text.split(": ", 1)[1] if text else "no AI-assisted vs other comparison: one side has no measured PR."
    return f"{first} {versus[:1].upper()}{versus[1:]}"


def _team_lines(doc: dict, quality: dict) -> list[Bullet]:
    """Teams whose AI-assisted PRs add more complexity than their other PRs, outside noise (Bonferroni
    over the teams): the owning team's call, with both sides' figures."""
    metric = quality["metrics"]["complexity_per_100_lines"]
    shown = _formatter("complexity_per_100_lines")
    lines = []
    for team in (quality.get("complexity_ai_higher") or {}).get("teams") or []:
        entry = (metric.get("by_team") or {}).get(team) or {}
        test = entry.get("cohort_difference") or {}
        n = test.get("n") or {}
        lo, hi = test.get("interval") or (None, None)
        lines.append(Bullet(
            f"{fmt.team(doc, team)}: AI-assisted PRs add more complexity per 100 changed lines than the team's "
            f"other PRs, outside noise (difference {signed(test.get('value'), shown)}, 95% interval "
            f"{signed(lo, shown)} to {signed(hi, shown)}; n {n.get('ai', 0)} vs {n.get('non_ai', 0)} PRs). "
            "A review of those changes' structure is the team's to make.", "bad"))
    return lines


def section(doc: dict, span: str) -> Section | None:
    """The monthly and quarterly "Technical guardrails" section."""
    quality = _shown(doc)
    if quality is None:
        return None
    metrics = quality["metrics"]
    bullets: list[Bullet] = []
    for key in ORDER:
        metric = metrics.get(key)
        if metric is None:
            continue
        bullets.append(Bullet(_movement(metric, key, span), _tone(metric)))
    bullets.extend(_team_lines(doc, quality))
    rework = (doc.get("metrics") or {}).get("rework_rate") or {}
    if rework:
        line = cohort_comparison(rework, cat.label("rework_rate"), lambda v: fmt.percent(v, cat.get("rework_rate")
                                                                                     .digits),
                                 points=True, ai_label="AI-touched deployments", other_label="others")
        if line:
            bullets.append(Bullet(line))
    sources = ", ".join(quality.get("sources") or []) or "the code_quality file"
    threshold = quality.get("complexity_threshold")
    note = (f"Measured on {fmt.count(quality.get('prs'))} merged PRs (lines and complexity: {sources}; issues and "
            "hotspots where SonarQube was imported)"
            + (f"; a function over a cyclomatic complexity of {threshold} counts as over threshold"
               if isinstance(threshold, int) else "") + ".")
    size = (doc.get("metrics") or {}).get("pr_size_lines") or {}
    if ((size.get("cohort_difference") or {}).get("change") == "up"
            and (size.get("by_cohort") or {}).get("ai", {}).get("value") is not None):
        cohorts = size["by_cohort"]
        note += (f" AI-assisted PRs are larger ({fmt.lines(cohorts['ai']['value'])} vs "
                 f"{fmt.lines(cohorts['non_ai']['value'])} lines at the median), so rates per PR are higher "
                 "for them in part because of size; the rates per changed line are not.")
    note += " Per team and AI-assisted vs other, never per person; an association, not a cause."
    bullets.append(Bullet(note, "note"))  # what was measured and how to read it, set in small type
    return Section("technical", "Technical guardrails", tuple(bullets))


def _week_id(monday: str) -> str:
    year, week, _ = dt.date.fromisoformat(monday).isocalendar()
    return f"{year}-W{week:02d}"


def chart(doc: dict, chapter: str) -> ChartSpec | None:
    """Complexity added per 100 changed lines week by week, AI-assisted vs other PRs."""
    quality = _shown(doc)
    trend = (quality or {}).get("weekly_trend") or {}
    series = (trend.get("series") or {}).get("complexity_per_100_lines") or {}
    if not any(v is not None for v in (series.get("ai") or []) + (series.get("non_ai") or [])):
        return None
    metric = quality["metrics"]["complexity_per_100_lines"] if quality else {}
    test = metric.get("cohort_difference") or {}
    n = test.get("n") or {}
    verdict = {"up": "AI-assisted PRs higher, outside noise", "down": "AI-assisted PRs lower, outside noise",
               "flat": "no clear difference, AI-assisted vs other"}.get(test.get("change") or "",
                                                                       "too few PRs to compare")
    label = cat.get("complexity_per_100_lines").label
    weeks = [_week_id(day) for day in trend["weeks"]]
    start, end = doc.get("start"), doc.get("end")
    inside = [w for day, w in zip(trend["weeks"], weeks) if start and end and start <= day < end]
    return ChartSpec(
        "trend", f"{label}: {verdict} this period (n {n.get('ai', 0)} vs {n.get('non_ai', 0)})",
        f"Line chart of weekly {label.lower()}, AI-assisted and other PRs, {weeks[0]} to {weeks[-1]}.",
        {"x": weeks, "series": {"AI-assisted": series.get("ai"), "Other PRs": series.get("non_ai")},
         "baseline": None, "unit": cat.get("complexity_per_100_lines").unit, "chapter": chapter,
         "period": doc.get("period"), **({"period_span": [inside[0], inside[-1]]} if inside else {})})
