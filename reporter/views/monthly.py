"""The monthly review: throughput, backlog movement, quality and support trends, DORA, AI
spend, and the decisions it forces (scale / hold / stop), each with its evidence.

Built from metrics.json alone. Money appears here as spend (never as ROI, which is the
quarterly packet's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reporter.metrics import catalogue as cat

from . import fmt
from .evidence import describe_test
from .scope_view import scoped_organization, with_organisation
from . import guardrails
from .model import (KPI, Bullet, ChartSpec, Section, Table, comparison_words, coverage_dots, coverage_note,
                    datasets_present,
                    narrative_stories, Stream)
from .weekly import DATASET_LABELS, _kpi, _movement, _status, trend_title

# key, label, caption, lower-is-better, formatter, delta as points: labels and directions from the catalogue.
KPIS = tuple((key, cat.short(key), caption, cat.get(key).lower_is_better, formatter, points)
             for key, caption, formatter, points in (
    ("merged_prs_per_engineer_week", "merged PRs per engineer-week",
     lambda v: fmt.number(v, cat.get("merged_prs_per_engineer_week").digits), False),
    ("work_items_done", "stories, bugs and tasks closed", fmt.count, False),
    ("lead_time_hours", "median, first commit → production", fmt.hours, False),
    ("change_failure_rate", "of deployments", fmt.percent, True),
    ("escaped_defects", "found in production", fmt.count, False),
    ("ai_adoption_rate", "of engineers active in the month",
     lambda v: fmt.percent(v, cat.get("ai_adoption_rate").digits), False),
))

# The DORA five, named as dora.dev names them.
DORA = tuple((cat.get(key).label, key, show, cat.get(key).lower_is_better) for key, show in (
    ("deployments", lambda m: f"{fmt.count(m['value'])} deploys · {fmt.count(m.get('days'))} days"),
    ("lead_time_hours", lambda m: fmt.hours(m["value"])),
    ("change_failure_rate", lambda m: fmt.percent(m["value"])),
    ("recovery_time_hours", lambda m: fmt.hours(m["value"])),
    ("rework_rate", lambda m: fmt.percent(m["value"])),
))

DEFINITIONS = tuple((cat.short(key), cat.get(key).footer) for key in (
    "merged_prs_per_engineer_week", "work_items_done", "lead_time_hours", "escaped_defects", "cost_per_merged_pr",
    "idle_seat_spend")) + (
    ("Change", "called better or worse only outside noise (95% interval: order statistics for medians, exact for"
               " rates and counts; n ≥ 5, ≥ 5% move);"
               " baseline: the preceding months pooled."),
)


@dataclass(frozen=True)
class Decision:
    """One row of the decisions table; `evidence` is the noise tests it rests on, n on both sides."""

    team: str
    decision: str  # Scale | Hold | Stop
    text: str
    evidence: str


@dataclass(frozen=True)
class MonthlyReport:
    organization: str
    title: str
    period_id: str
    period_label: str
    coverage: tuple[tuple[str, bool], ...]
    kpis: tuple[KPI, ...]
    summary: Section
    warnings: tuple[Bullet, ...]
    throughput: Section
    quality: Section
    dora: Table
    spend: Section
    decisions: tuple[Decision, ...]
    charts: tuple[ChartSpec, ...]
    stories: Stream
    definitions: tuple[tuple[str, str], ...]
    data_quality: str
    reproduce: str
    lang: str = "en"
    coverage_note: str = ""
    technical: Section | None = None  # Technical guardrails (code_quality), when the inputs hold it


def _money(amounts: dict | None) -> str:
    """Amounts per currency side by side ("and", never "+": currencies are not summed)."""
    return fmt.money_map(amounts)


def _throughput(doc: dict) -> Section:
    m, b = doc["metrics"], doc["breakdowns"]
    bullets = [
        _movement(m["merged_prs_per_engineer_week"], cat.label("merged_prs_per_engineer_week") + " (merged PRs per engineer-week)",
                  lambda v: fmt.number(v, cat.get("merged_prs_per_engineer_week").digits), False),
        _movement(m["work_items_done"], cat.label("work_items_done"), fmt.count, False),
        _movement(m["strategic_items_done"], cat.label("strategic_items_done"), fmt.count, False),
    ]
    rows = []
    for name, v in sorted((b.get("backlog_by_initiative") or {}).items(), key=lambda kv: (not kv[1]["strategic"], kv[0])):
        rows.append((name + (" ★" if v["strategic"] else ""), fmt.count(v["done"]), fmt.count(v["open"]),
                     "—" if v["median_age_days"] is None else f"{v['median_age_days']:.0f} d",
                     fmt.count(v["open_over_90_days"])))
    table = Table("Backlog by initiative at month end", ("Initiative", "Done", "Open", "Median age", "Open > 90 d"),
                  tuple(rows), (False, True, True, True, True), note="★ strategic initiative.")
    return Section("throughput", "Throughput and backlog", tuple(bullets), (table,) if rows else (),
                   empty_note="No work items in the inputs.")


def _quality(doc: dict) -> Section:
    m = doc["metrics"]
    bullets = [
        _movement(m[key], cat.label(key), fmt.count, cat.get(key).lower_is_better)
        for key in ("escaped_defects", "support_tickets", "defect_tickets", "incidents")
    ]
    return Section("quality", "Defects, support and incidents", tuple(bullets))


def _dora(doc: dict) -> Table:
    m = doc["metrics"]
    rows = []
    for label, key, show, lower in DORA:
        metric = dict(m[key], days=m["deployment_days"]["value"]) if key == "deployments" else m[key]
        band = (metric.get("dora") or {}).get("band", "—") if isinstance(metric.get("dora"), dict) else "—"
        _, words = _status(metric["change"], lower)
        cohorts = metric.get("by_cohort") or {}
        ai, other = cohorts.get("ai", {}), cohorts.get("non_ai", {})
        fmt_value = {"deployments": fmt.count, "lead_time_hours": fmt.hours, "change_failure_rate": fmt.percent,
                     "recovery_time_hours": fmt.hours, "rework_rate": fmt.percent}[key]
        split = "—"
        if ai.get("n") and other.get("n"):
            test = metric.get("cohort_difference")
            verdict = comparison_words(test, "AI-touched higher", "AI-touched lower")
            split = (f"{fmt_value(ai.get('value'))} (n {ai['n']}) / {fmt_value(other.get('value'))} "
                     f"(n {other['n']}): {verdict}") if test is not None else \
                f"{fmt_value(ai.get('value'))} / {fmt_value(other.get('value'))}"
        rows.append((label, show(metric) if metric["value"] is not None else fmt.NA, band, words, split))
    return Table("The five DORA metrics", ("Metric", "This month", "Band (DORA 2023)", "vs baseline",
                                           "AI-touched / other"),
                 tuple(rows), (False, True, False, False, True),
                 note="Bands: DORA 2023 cut-offs as applied by Apache DevLake. AI-touched: deployments that ship "
                      "an AI-assisted PR (lead time: AI-assisted PRs).")


def _spend(doc: dict) -> Section:
    m, b = doc["metrics"], doc["breakdowns"]
    spend = m["ai_spend"]
    bullets = [Bullet(f"AI spend this month: {_money(spend['value'])} (baseline {_money(spend['baseline'])} "
                      f"per month).")]
    cost = m["cost_per_merged_pr"]
    if cost["value"]:
        bullets.append(Bullet(f"Cost per merged PR: {_money(cost['value'])} (baseline {_money(cost['baseline'])})."))
    idle = m["idle_seat_spend"]
    seats = b.get("seats") or {}
    if idle["value"] is not None and seats:
        bullets.append(Bullet(f"Idle seats: {seats.get('idle')} of {seats.get('seats')} had no activity in "
                              f"{seats.get('idle_days')} days; they cost {_money(idle['value'])} this month."))
    tables = []
    for key, caption in (("spend_by_tool", "Spend by tool"), ("spend_by_category", "Spend by category")):
        rows = tuple((name, _money(v)) for name, v in (b.get(key) or {}).items())
        if rows:
            tables.append(Table(caption, ("", "Amount"), rows, (False, True)))
    return Section("spend", "AI spend", tuple(bullets), tuple(tables))


def _decisions(doc: dict) -> tuple[Decision, ...]:
    out = []
    for item in (doc.get("narrative") or {}).get("decisions", []):
        verb = item["text"].split(" ", 1)[0].rstrip(":")
        tests = item.get("tests") or []
        if tests:
            evidence = " · ".join(describe_test(test) for test in tests)
        else:  # a document written before decisions carried their tests
            evidence = "; ".join(f"{e['path'].split('.')[1]} {e['shown']}" for e in item["evidence"][:3])
        who = fmt.team(doc, item["team"]) if item.get("team") else item.get("subject") or "Organisation"
        out.append(Decision(who, verb, item["text"], evidence))
    return tuple(out)


def _moves_title(subject: str, metrics: list[tuple[str, dict]]) -> str:
    """A chart title that states its finding from the noise tests of this month vs the baseline."""
    moved = [f"{name} {'rose' if m['change'] == 'up' else 'fell'}" for name, m in metrics
             if m.get("change") in ("up", "down")]
    if moved:
        return f"{subject}: " + " and ".join(moved) + " this month, outside noise"
    if any(m.get("change") == "flat" for _, m in metrics):
        return f"{subject}: no clear change this month"
    return f"{subject} by month (too few to call a change)"


def _charts(doc: dict) -> tuple[ChartSpec, ...]:
    trends = doc.get("trends") or {}
    charts = []
    if any(v is not None for v in trends.get("pr_cycle_time_hours") or []):
        charts.append(ChartSpec(
            "trend", trend_title(cat.label("pr_cycle_time_hours"), doc["metrics"]["pr_cycle_time_hours"], fmt.hours, "month"),
            "Line chart of monthly median PR cycle time in hours, AI-assisted and other PRs, with the baseline.",
            {"x": trends["periods"], "series": {"All PRs": trends["pr_cycle_time_hours"],
                                                "AI-assisted": trends.get("pr_cycle_time_hours_ai"),
                                                "Other PRs": trends.get("pr_cycle_time_hours_non_ai")},
             "baseline": doc["metrics"]["pr_cycle_time_hours"]["baseline"], "unit": "hours",
             "chapter": "throughput"}))
    present = datasets_present(doc)
    series = {cat.short(key): trends.get(key) for key, dataset in (
        ("support_tickets", "support_tickets"), ("escaped_defects", "work_items"),
        ("incidents", "incidents")) if dataset in present and trends.get(key)}
    if series:
        charts.append(ChartSpec(
            "trend", _moves_title("Defects, tickets and incidents", [
                (cat.get(key).in_sentence, doc["metrics"].get(key) or {}) for key, dataset in (
                    ("support_tickets", "support_tickets"), ("escaped_defects", "work_items"),
                    ("incidents", "incidents"))
                if dataset in present]),
            "Line chart of monthly counts of support tickets, escaped defects and incidents.",
            {"x": trends["periods"], "series": series, "baseline": None, "unit": "count", "chapter": "quality"}))
    if any(trends.get("deployments") or []):
        charts.append(ChartSpec(
            "bars", _moves_title(f"Deployments and {cat.get('change_failure_rate').in_sentence}", [
                ("deployments", doc["metrics"]["deployments"]),
                (cat.get("change_failure_rate").in_sentence, doc["metrics"]["change_failure_rate"])]),
            f"Bar chart of monthly production deployments with the monthly {cat.get('change_failure_rate').in_sentence} "
            "as a line.",
            {"x": trends["periods"], "bars": trends["deployments"], "line": trends.get("change_failure_rate"),
             "unit": "deployments", "chapter": "quality",
             "line_label": f"{cat.get('change_failure_rate').in_sentence} (right axis)"}))
    return tuple(charts)


def build_monthly(doc: dict, reproduce: str) -> MonthlyReport:
    start = dt.date.fromisoformat(doc["start"])
    weeks = len(doc["baseline"]["periods"])
    metrics = doc["metrics"]
    kpis = tuple(_kpi(metrics, key, label, unit, lower, f, points, weeks, "mo")
                 for key, label, unit, lower, f, points in KPIS)
    kpis = with_organisation(kpis, doc, KPIS)  # a scoped document: the organisation's figure as context
    narrative = doc.get("narrative") or {}
    summary = tuple(Bullet(i["text"]) for i in narrative.get("learnings", [])[:4])
    dq = doc["data_quality"]
    return MonthlyReport(
        organization=scoped_organization(doc),
        title="Monthly AI delivery review",
        period_id=doc["period"],
        period_label=f"{start:%B %Y}",
        coverage=coverage_dots(doc, DATASET_LABELS + (("work_items", "work items"), ("support_tickets", "support"))),
        coverage_note=coverage_note(doc),
        kpis=kpis,
        summary=Section("summary", "What the month says", summary,
                        empty_note="No pattern passed the evidence bar this month."),
        warnings=tuple(Bullet(i["text"], "warning") for i in narrative.get("warnings", [])),
        throughput=_throughput(doc),
        quality=_quality(doc),
        dora=_dora(doc),
        spend=_spend(doc),
        decisions=_decisions(doc),
        charts=_charts(doc),
        stories=narrative_stories(doc),
        technical=guardrails.section(doc, "month"),
        definitions=DEFINITIONS,
        data_quality=(f"{dq['skipped_rows']} invalid input rows skipped" if dq["skipped_rows"] else
                      "No invalid input rows") + " (details in metrics.json). Baseline: "
                     + (", ".join(doc["baseline"]["periods"]) or "none") + ".",
        reproduce=reproduce,
    )
