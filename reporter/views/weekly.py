"""The weekly engineering update: adoption, flow, quality drift, learning, actions.

Built from metrics.json (the document) alone, so what the PDF says is what the JSON holds.
No money: ROI belongs to the quarterly packet.
"""

from __future__ import annotations

import datetime as dt

from reporter.metrics import catalogue as cat

from . import fmt
from .signal import strongest
from .scope_view import scoped_organization, with_organisation
from . import guardrails
from .model import (KPI, Bullet, ChartSpec, Section, Table, WeeklyReport, cohort_comparison, coverage_dots,
                    coverage_note, narrative_stories, privacy_note)

DATASET_LABELS = (
    ("people", "people"), ("pull_requests", "pull requests"), ("commits", "commits"),
    ("deployments", "deployments"), ("incidents", "incidents"), ("ai_usage", "AI usage"),
    ("seats", "seats"), ("ai_costs", "AI costs"), ("releases", "releases"),
)

# key, label, unit shown under the value, lower-is-better, formatter, delta as points (rates);
# labels and directions from the one catalogue (reporter.metrics.catalogue).
KPIS = tuple((key, cat.short(key), caption, cat.get(key).lower_is_better, formatter, points)
             for key, caption, formatter, points in (
    ("active_ai_users", "engineers this week", None, False),
    ("pr_cycle_time_hours", "median, first commit → merge", fmt.hours, False),
    ("pickup_time_hours", "median, opened → first review", fmt.hours, False),
    ("deployments", "to production", fmt.count, False),
    ("change_failure_rate", "of deployments", fmt.percent, True),
    ("recovery_time_hours", "median, incident open → resolved", fmt.hours, False),
))

CHANGE_DEFINITION = (
    "Change", "called better or worse only outside noise (95% interval: order statistics for medians, exact for"
              " rates and counts; n ≥ 5, ≥ 5% move); otherwise 'no clear change'. Baseline: the preceding weeks pooled."
              " AI-assisted vs other: the same tests on the difference, n on both sides.")
DEFINITIONS = tuple((cat.short(key), cat.get(key).footer) for key, *_ in KPIS)  # the cards' names + (CHANGE_DEFINITION,)


def _status(change: str, lower_is_better: bool) -> tuple[str, str]:
    if change in ("up", "down"):
        good = (change == "down") == lower_is_better
        return ("good", "better") if good else ("bad", "worse")
    if change == "flat":
        return "flat", "no clear change"
    return "na", "not enough data"


def _kpi(metrics: dict, key: str, label: str, unit: str, lower: bool, formatter, points: bool,
         baseline_periods: int, span: str = "wk") -> KPI:
    m = metrics[key]
    engineers = metrics["engineers"]["value"]
    if key == "active_ai_users":
        value = fmt.NA if m["value"] is None else f"{m['value']} of {engineers}"
        unit = "engineers used AI tools"
    else:
        value = formatter(m["value"])
    if m["baseline"] is None or m["value"] is None:
        delta = "no baseline" if m["value"] is not None else (m.get("reason") or "no data")
    elif m["change"] == "insufficient_data":
        delta = f"too few to compare (n {m['n']})"
    elif points:
        delta = f"{fmt.signed_points(m['delta'])} vs baseline"
    elif m.get("delta_pct") is not None:
        delta = f"{fmt.signed_percent(m['delta_pct'])} vs baseline"
    else:
        delta = "baseline was 0"
    status, status_label = _status(m["change"], lower)
    base = m["baseline"]
    if key == "active_ai_users":
        base_text = "—" if base is None else f"{base:.1f}"
    elif formatter is not None:
        base_text = formatter(base)
    else:
        base_text = fmt.count(base)
    detail = f"n {m['n']} · baseline {base_text} ({baseline_periods} {span})" if base is not None else f"n {m['n']}"
    band = m.get("dora", {}).get("band") if isinstance(m.get("dora"), dict) else None
    return KPI(key, label, value, unit, delta, status, status_label, detail, band)


def _cohort_line(metrics: dict, key: str, what: str, formatter, higher: str = "higher", lower: str = "lower",
                 points: bool = False, ai_label: str = "AI-assisted") -> Bullet | None:
    text = cohort_comparison(metrics[key], what, formatter, higher, lower, points, ai_label)
    return Bullet(text) if text else None


def _movement(m: dict, label: str, formatter, lower: bool, points: bool = False) -> Bullet:
    if m["value"] is None:
        return Bullet(f"{label}: n/a — {m.get('reason', 'no data')}.")
    if m["baseline"] is None:
        return Bullet(f"{label}: {formatter(m['value'])} (no baseline yet).")
    if m["change"] == "insufficient_data":
        return Bullet(f"{label}: {formatter(m['value'])} from {m['n']} observation{'s' if m['n'] != 1 else ''}, too few to compare with the "
                      f"{formatter(m['baseline'])} baseline.")
    change = fmt.signed_points(m["delta"]) if points else fmt.signed_percent(m.get("delta_pct"))
    status, words = _status(m["change"], lower)
    moved = {"up": "rose", "down": "fell"}.get(m["change"], "")
    verdict = {"good": f"{moved} outside noise: better", "bad": f"{moved} outside noise: worse",
               "flat": "no clear change", "na": "not enough data to call"}[status]
    tone = {"good": "good", "bad": "bad"}.get(status, "neutral")
    return Bullet(f"{label}: {formatter(m['value'])} vs {formatter(m['baseline'])} baseline ({change}, {verdict}; "
                  f"n {m['n']}).", tone)


def _adoption(doc: dict) -> Section:
    m = doc["metrics"]
    users, engineers, rate = m["active_ai_users"], m["engineers"], m["ai_adoption_rate"]
    bullets = []
    if users["value"] is None:
        return Section("adoption", "Adoption", empty_note=f"Adoption: n/a — {users.get('reason')}.")
    bullets.append(Bullet(f"{users['value']} of {engineers['value']} engineers used AI tools this week "
                          f"({fmt.percent(rate['value'], 0)}); baseline {fmt.percent(rate['baseline'], 0)}."))
    details = doc.get("breakdowns", {})
    minimum = (doc.get("privacy") or {}).get("min_group_size", 5)
    for key, lead in (("ai_users_by_tool", "By tool"), ("ai_users_by_feature", "Strongest workflows")):
        groups = [g for g in details.get(key, []) if g.get("users")]
        named = [g for g in groups if g["name"] != "other"]
        if named:
            shown = named[:4] if key == "ai_users_by_feature" else groups
            bullets.append(Bullet(f"{lead}: " + ", ".join(f"{g['name']} {g['users']}" for g in shown) + " users."))
        elif groups:  # every group under the privacy minimum: one pooled count, no ranking
            what = "tool" if key == "ai_users_by_tool" else "workflow"
            bullets.append(Bullet(f"{lead}: each {what} has fewer than {minimum} users; "
                                  f"{groups[0]['groups']} {what}s pooled, {groups[0]['users']} users."))
    by_team = rate["by_team"]
    rows = []
    for team, v in by_team.items():
        if v.get("value") is None and "n" not in v:  # withheld: its size is never shown
            rows.append((fmt.team(doc, team), "—", "—", "withheld"))
        else:
            active = m["active_ai_users"]["by_team"].get(team, {}).get("value")
            rows.append((fmt.team(doc, team), fmt.count(v["n"]), fmt.count(active), fmt.percent(v["value"], 0)))
    table = Table("AI adoption by team", ("Team", "Engineers", "Active", "Adoption"), tuple(rows),
                  (False, True, True, True),
                  note=privacy_note(doc, short=True))
    low = [(t, v["value"]) for t, v in by_team.items() if v.get("value") is not None and t != "other"]
    if len(low) >= 2:
        low.sort(key=lambda tv: tv[1])
        bullets.append(Bullet(f"Lowest adoption: {fmt.team(doc, low[0][0])} ({fmt.percent(low[0][1], 0)}); "
                              f"highest: {fmt.team(doc, low[-1][0])} ({fmt.percent(low[-1][1], 0)})."))
    return Section("adoption", "Adoption", tuple(bullets), (table,))


def _flow(doc: dict) -> Section:
    m = doc["metrics"]
    bullets = [_movement(m["pr_cycle_time_hours"], "Median " + cat.label("pr_cycle_time_hours"), fmt.hours, True)]
    stages = [(cat.get(key).in_sentence, m[key]["value"]) for key in (
        "coding_time_hours", "pickup_time_hours", "review_time_hours", "deploy_time_hours")]
    if any(v is not None for _, v in stages):
        bullets.append(Bullet("Stages (medians): " + " · ".join(f"{label} {fmt.hours(v)}" for label, v in stages)
                              + "."))
    bullets.append(_movement(m["pickup_time_hours"], cat.label("pickup_time_hours"), fmt.hours, True))
    for line in (_cohort_line(m, "pr_cycle_time_hours", cat.label("pr_cycle_time_hours"), fmt.hours, "longer", "shorter"),
                 _cohort_line(m, "pr_size_lines", "PR size (lines)", fmt.lines, "larger", "smaller")):
        if line:
            bullets.append(line)
    bullets.append(_movement(m["merged_prs"], "Merged PRs", fmt.count, False))
    return Section("flow", "Flow", tuple(bullets))


def _quality(doc: dict) -> Section:
    m = doc["metrics"]
    bullets = [_movement(m["change_failure_rate"], cat.label("change_failure_rate"), fmt.percent, True, points=True)]
    cfr_line = _cohort_line(m, "change_failure_rate", cat.label("change_failure_rate"), fmt.percent, points=True,
                            ai_label="AI-touched deployments")
    if cfr_line:
        bullets.append(cfr_line)
    bullets.append(_movement(m["rework_rate"], f"{cat.label('rework_rate')} (unplanned deployments)", fmt.percent,
                             True, points=True))
    code = guardrails.weekly_line(doc)  # complexity added, AI-assisted vs other (code_quality)
    if code:
        bullets.append(code)
    rev = doc.get("breakdowns", {}).get("reverts") or {}
    if rev.get("value") is not None:
        c = rev["by_cohort"]
        bullets.append(Bullet(f"Reverted PRs: {rev['value']} of {rev['n']} merged "
                              f"(AI-assisted {c['ai']['value']} of {c['ai']['n']}, others "
                              f"{c['non_ai']['value']} of {c['non_ai']['n']})."))
    bullets.append(_movement(m["recovery_time_hours"], cat.label("recovery_time_hours"), fmt.hours, True))
    recovery_line = _cohort_line(m, "recovery_time_hours", cat.label("recovery_time_hours"), fmt.hours, "longer", "shorter",
                                 ai_label="after AI-touched deployments")
    if recovery_line:
        bullets.append(recovery_line)
    return Section("quality", "Quality drift", tuple(bullets))


def _teams(doc: dict) -> Table:
    m = doc["metrics"]
    teams = sorted({t for key in ("merged_prs", "pr_cycle_time_hours", "deployments") for t in m[key]["by_team"]})
    def cell(team: str, key: str, formatter) -> str:
        v = m[key]["by_team"].get(team)
        return "—" if not v or v.get("value") is None else formatter(v["value"])

    def rate(key: str):
        """A rate with the catalogue's precision, the same as on its card and bullet."""
        return lambda v: fmt.percent(v, cat.get(key).digits)

    rows = [(fmt.team(doc, team), cell(team, "merged_prs", fmt.count), cell(team, "pr_cycle_time_hours", fmt.hours),
             cell(team, "pickup_time_hours", fmt.hours), cell(team, "deployments", fmt.count),
             cell(team, "change_failure_rate", rate("change_failure_rate")),
             cell(team, "ai_adoption_rate", rate("ai_adoption_rate")))
            for team in teams]
    return Table("Teams this week", ("Team", cat.short("merged_prs"), cat.short("pr_cycle_time_hours"), cat.short("pickup_time_hours"),
                                          cat.short("deployments"), cat.short("change_failure_rate"), cat.short("ai_adoption_rate")),
                 tuple(rows), (False, True, True, True, True, True, True),
                 note="PR metrics by author's team, deployments by the owning service's team; '—' = no data. "
                      + _adds_up(m) + " " + privacy_note(doc))


def _adds_up(m: dict) -> str:
    """Whether the team rows add up to the cards, and why not where they do not."""
    parts = []
    for key, words in (("merged_prs", "merged PRs"), ("deployments", "deployments")):
        total = m[key]["value"]
        if total is None:
            continue
        rows = sum(v["value"] for v in m[key]["by_team"].values() if isinstance(v.get("value"), (int, float)))
        parts.append(f"{words} add up to the total ({fmt.count(total)})" if rows == total else
                     f"{words}: the rows hold {fmt.count(rows)} of {fmt.count(total)} (a withheld group holds the rest)")
    if not parts:
        return "Medians and rates do not add up across teams."
    return "Counts: " + "; ".join(parts) + ". Medians and rates do not add up across teams."


def _charts(doc: dict) -> tuple[ChartSpec, ...]:
    m, trends = doc["metrics"], doc.get("trends") or {}
    charts = []
    cycle = trends.get("pr_cycle_time_hours") or []
    if any(v is not None for v in cycle):
        base = m["pr_cycle_time_hours"]["baseline"]
        charts.append(ChartSpec(
            "trend", trend_title(cat.label("pr_cycle_time_hours"), m["pr_cycle_time_hours"], fmt.hours, "week"),
            f"Line chart of weekly median PR cycle time in hours for the {len(cycle)} weeks to {doc['period']}, "
            f"AI-assisted and other PRs, with the baseline of {fmt.hours(base)}.",
            {"x": trends["periods"], "series": {"All PRs": cycle,
                                                "AI-assisted": trends.get("pr_cycle_time_hours_ai"),
                                                "Other PRs": trends.get("pr_cycle_time_hours_non_ai")},
             "baseline": base, "unit": "hours"}))
    stage_keys = tuple((cat.short(k), k) for k in ("coding_time_hours", "pickup_time_hours", "review_time_hours",
                                                   "deploy_time_hours"))
    cohorts = {name: [(m[k]["by_cohort"] or {}).get(name, {}).get("value") for _, k in stage_keys]
               for name in ("ai", "non_ai")}
    # Drawn only when both cohorts have a stage to show: an empty side is no comparison.
    if all(any(v is not None for v in vals) for vals in cohorts.values()):
        charts.append(ChartSpec(
            "stages", stages_title(m["review_time_hours"]),
            f"Stacked bars of median hours per stage ({', '.join(cat.get(k).in_sentence for _, k in stage_keys)}) for AI-assisted and other PRs "
            "merged this week.",
            {"stages": [s for s, _ in stage_keys], "bars": {"AI-assisted": cohorts["ai"], "Other PRs": cohorts["non_ai"]},
             "unit": "hours"}))
    deploys = trends.get("deployments") or []
    cfr = trends.get("change_failure_rate") or []
    if any(deploys):
        cfr_label = cat.label("change_failure_rate")
        charts.append(ChartSpec(
            "bars", trend_title(cfr_label, m["change_failure_rate"], _cfr_percent, "week"),
            f"Bar chart of weekly production deployments with the weekly {cfr_label.lower()} as a line, "
            f"{len(deploys)} weeks to {doc['period']}.",
            {"x": trends["periods"], "bars": deploys, "line": cfr, "unit": "deployments",
             "line_label": f"{cfr_label.lower()} (right axis)"}))
    return tuple(charts)


def _cfr_percent(value: float | None) -> str:
    return fmt.percent(value, cat.get("change_failure_rate").digits)


def trend_title(label: str, m: dict, formatter, span: str) -> str:
    """A chart title whose verb is the noise test's (this period vs its baseline), never the
    first and last points of the line."""
    change, n = m.get("change"), m.get("n")
    if m.get("value") is None:
        return f"{label}: no data this {span}"
    if change == "up":
        return f"{label} rose to {formatter(m['value'])} this {span}, outside noise (baseline {formatter(m['baseline'])})"
    if change == "down":
        return f"{label} fell to {formatter(m['value'])} this {span}, outside noise (baseline {formatter(m['baseline'])})"
    if change == "flat":
        return f"{label}: no clear change this {span} ({formatter(m['value'])}, n {n}; baseline {formatter(m['baseline'])})"
    return f"{label}: too few to call a change this {span} (n {n})"


def stages_title(review: dict) -> str:
    """The stage chart's finding: review time AI-assisted vs other, as the test says."""
    test = review.get("cohort_difference") or {}
    n = test.get("n") or {}
    sizes = f"n {n.get('ai', 0)} vs {n.get('non_ai', 0)}"
    if test.get("change") == "up":
        return f"Review takes longer for AI-assisted PRs ({sizes}, outside noise)"
    if test.get("change") == "down":
        return f"Review is shorter for AI-assisted PRs ({sizes}, outside noise)"
    if test.get("change") == "flat":
        return f"Stages: no clear difference in review time, AI-assisted vs other ({sizes})"
    return f"Stages of AI-assisted and other PRs (too few to compare review time; {sizes})"


def build_weekly(doc: dict, reproduce: str) -> WeeklyReport:
    start = dt.date.fromisoformat(doc["start"])
    last = dt.date.fromisoformat(doc["end"]) - dt.timedelta(days=1)
    week = int(doc["period"].split("-W")[1])
    weeks = len(doc["baseline"]["periods"])
    kpis = tuple(_kpi(doc["metrics"], key, label, unit, lower, f, points, weeks)
                 for key, label, unit, lower, f, points in KPIS)
    kpis = with_organisation(kpis, doc, KPIS)  # a scoped document: the organisation's figure as context
    quality = _quality(doc)
    narrative = doc.get("narrative") or {}
    learning = tuple(Bullet(i["text"]) for i in narrative.get("learnings", []))
    actions = tuple(Bullet(i["text"]) for i in narrative.get("actions", []))[:5]
    warnings = tuple(Bullet(i["text"], "warning") for i in narrative.get("warnings", []))
    dq = doc["data_quality"]
    skipped = dq["skipped_rows"]
    quality_line = (f"{skipped} invalid input row{'s' if skipped != 1 else ''} skipped" if skipped else
                    "No invalid input rows") + (f"; {len(dq['warnings'])} data warning"
                                                f"{'s' if len(dq['warnings']) != 1 else ''}" if dq["warnings"] else "")
    return WeeklyReport(
        organization=scoped_organization(doc),
        title="AI delivery update",
        period_id=doc["period"],
        period_label=f"Week {week} · {fmt.day_range(start, last)}",
        coverage=coverage_dots(doc, DATASET_LABELS),
        coverage_note=coverage_note(doc),
        signal=strongest(doc, "week"),
        kpis=kpis,
        adoption=_adoption(doc),
        flow=_flow(doc),
        quality=quality,
        learning=Section("learning", "Learning", learning,
                         empty_note="No pattern passed the evidence bar this week."),
        actions=Section("actions", "Actions next week", actions,
                        empty_note="No action triggered by this week's numbers."),
        warnings=warnings,
        charts=_charts(doc),
        teams=_teams(doc),
        stories=narrative_stories(doc),
        definitions=DEFINITIONS,
        data_quality=quality_line + " (details in metrics.json). Baseline: "
                     + (", ".join(doc["baseline"]["periods"]) or "none") + ".",
        reproduce=reproduce,
    )
