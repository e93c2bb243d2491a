"""The quarterly CFO packet: page 1 is the whole answer; the following pages are the evidence,
each headed by the question it answers; the appendix holds method, assumptions and lineage.

The first place money and ROI appear, always as a range with a confidence label, and N/A with
the reason when an input is missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..metrics import catalogue as cat
from . import fmt
from . import guardrails
from .model import (Bullet, ChartSpec, Section, Table, cohort_comparison, comparison_words, coverage_dots,
                    coverage_note, narrative_stories, Stream)
from .monthly import _money
from .weekly import DATASET_LABELS, _movement


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    note: str


@dataclass(frozen=True)
class QuarterlyReport:
    organization: str
    title: str
    period_id: str
    period_label: str
    coverage: tuple[tuple[str, bool], ...]
    headlines: tuple[Headline, ...]
    answer: Section  # what moved, what is at risk
    chapters: tuple[Section, ...]  # one per question
    charts: tuple[ChartSpec, ...]
    stories: Stream
    appendix: tuple[Table, ...]
    definitions: tuple[tuple[str, str], ...]
    data_quality: str
    reproduce: str
    lang: str = "en"
    coverage_note: str = ""


def _assumption(value) -> str:
    """An assumption's value in words: no Python dicts or reprs on the page."""
    if value is None:
        return "not configured"
    if isinstance(value, dict):
        return "; ".join(f"{k} {_assumption(v)}" for k, v in value.items()) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return fmt.number(value, 0) if float(value).is_integer() else fmt.minus(f"{value:,}")
    return str(value)


def _signed2(x: float) -> str:
    """+0.25 / −0.25 with a true minus sign."""
    return f"{x:+.2f}".replace("-", "−")


def _range(values: list | None, currency: str) -> tuple[str, str]:
    """("−55,463 USD", "range −241,039 to 113,471")."""
    if not values:
        return fmt.NA, ""
    low, base, high = values
    return f"{fmt.number(base)} {currency}", f"range {fmt.number(low)} to {fmt.number(high)}"


def _headlines(doc: dict) -> tuple[Headline, ...]:
    cap = doc.get("capacity") or {}
    roi = (cap.get("roi") or {}).get("difference_in_differences") or {}
    cost = cap.get("cost") or {}
    currency = roi.get("currency") or cost.get("currency") or ""
    net = None
    if roi.get("value") and cost.get("value") is not None:
        net = [v - cost["value"] for v in roi["value"]]
    value, spread = _range(net, currency)
    ratio = [f"{r:.1f}x".replace("-", "−") for r in roi["roi"]] if roi.get("roi") else None
    # A range that spans zero is no answer: say so before any figure, and print no point estimate.
    unclear = bool(net and net[0] < 0 < net[2])
    return (
        Headline("Net value", "Cannot yet tell" if unclear else value,
                 (f"{spread} {currency} spans zero; capacity reclaimed priced at loaded cost, minus AI cost"
                  if unclear else f"{spread}; capacity reclaimed priced at loaded cost, minus AI cost") if net else
                 (roi.get("reason") or "not computable")),
        Headline("ROI", "Cannot yet tell" if unclear else (ratio[1] if ratio else fmt.NA),
                 f"range {ratio[0]} to {ratio[2]}; (value − cost) / cost: 0 is break-even, 1.0x means value is "
                 "twice the cost" if ratio else
                 (roi.get("reason") or "not computable")),
        Headline("Confidence", "No estimate" if cap.get("confidence", "none") == "none" else
                 cap["confidence"].split(" (")[0].capitalize(),
                 cap.get("confidence", "").partition("(")[2].rstrip(")") or "see 'How sure are we?'"),
        Headline("AI cost", fmt.money(cost.get("value"), cost.get("currency", "")),
                 ("spend and enablement this quarter" if cost.get("enablement_share", 1) >= 1 else
                  f"spend and {cost['enablement_share']:.0%} of the quarter's enablement, for the days covered")
                 if cost.get("value") is not None else
                 (cost.get("reason") or "no cost data")),
    )


def _next_quarter(period_id: str) -> str:
    year, q = period_id.split("-Q")
    return f"{year}-Q{int(q) + 1}" if int(q) < 4 else f"{int(year) + 1}-Q1"


def _verdict(doc: dict) -> str:
    """The whole answer in plain words: can we tell, the decision, and when to look again."""
    cap = doc.get("capacity") or {}
    roi = (cap.get("roi") or {}).get("difference_in_differences") or {}
    cost = cap.get("cost") or {}
    again = f"Look again with {_next_quarter(doc['period'])}."
    if not roi.get("value") or cost.get("value") is None:
        why = roi.get("reason") or cost.get("reason") or "the inputs cannot support an estimate"
        return (f"We cannot yet tell whether AI tools pay for themselves: {why}. Decision: continue at the current "
                f"scale while the data that would answer it is collected. {again}")
    currency = cost.get("currency", "")
    low, _, high = (v - cost["value"] for v in roi["value"])
    spend = f"{fmt.number(cost['value'])} {currency}"
    if low < 0 < high:
        return (f"We cannot yet tell whether AI tools pay for themselves: the measured capacity, net of its "
                f"{spend} cost, is worth {fmt.number(low)} to {fmt.number(high)} {currency}, a range that includes a loss and a "
                f"gain. Decision: continue at the current scale; do not expand on this evidence. {again}")
    if high < 0:
        return (f"The measured capacity did not cover its cost: net {fmt.number(low)} to {fmt.number(high)} {currency} after "
                f"{spend}. Decision: review where AI is used and what it costs. {again}")
    decision = ("expand where the guardrails hold" if cap.get("confidence", "").startswith("moderate") else
                "continue, and optimise where the guardrails below are at risk (the confidence is low)")
    return (f"The measured capacity exceeded its cost: net {fmt.number(low)} to {fmt.number(high)} {currency} after {spend}. "
            f"Decision: {decision}. {again}")


def _answer(doc: dict) -> Section:
    m = doc["metrics"]
    moved = [k for k, v in m.items() if v.get("change") in ("up", "down")]
    headline = ("lead_time_hours", "change_failure_rate", "pr_cycle_time_hours", "merged_prs", "deployments",
                "ai_adoption_rate", "pickup_time_hours", "coding_time_hours", "work_items_done", "incidents",
                "escaped_defects")
    bullets = [Bullet(_verdict(doc))]
    shown = [k for k in headline if k in moved]

    def move(k: str) -> str:
        rate = m[k].get("unit") == "ratio"
        change = fmt.signed_points(m[k].get("delta")) if rate else fmt.signed_percent(m[k].get("delta_pct"))
        return f"{cat.get(k).in_sentence} {'rose' if m[k]['change'] == 'up' else 'fell'} ({change})"
    if shown:
        bullets.append(Bullet("What moved (outside noise): " + "; ".join(move(k) for k in shown) + "."))
    elif not doc["baseline"]["periods"]:
        bullets.append(Bullet("No previous quarter in the inputs: nothing can be compared with one yet."))
    else:
        bullets.append(Bullet("Nothing moved outside noise against the previous quarter."))
    survey = ((doc.get("capacity") or {}).get("roi") or {}).get("survey") or {}
    if survey.get("roi"):
        net = survey["value"][1] - survey["cost"]
        bullets.append(Bullet(f"Survey view (self-reported time saved, discounted): net of the same cost, "
                              f"{fmt.number(net)} {survey['currency']} (ROI {fmt.number(survey['roi'][1], 1)}x). It measures what people feel, the measured throughput what shipped; the two are "
                              "never added."))
    warnings = (doc.get("narrative") or {}).get("warnings", [])
    for item in warnings:
        bullets.append(Bullet("At risk: " + item["text"], "warning"))
    if not warnings:
        bullets.append(Bullet(_watch(doc)))
    for item in (doc.get("narrative") or {}).get("learnings", [])[:2]:
        bullets.append(Bullet(item["text"]))
    return Section("answer", "The answer", tuple(bullets))


def _watch(doc: dict) -> str:
    """Page 1 always says what is at risk: with no warning raised, the guardrails to watch."""
    watch = []
    failure = cohort_comparison(doc["metrics"].get("change_failure_rate") or {}, "change failure rate", fmt.percent,
                                points=True, ai_label="AI-touched deployments", other_label="other deployments")
    if failure:
        watch.append(failure.rstrip("."))
    reverts = doc["breakdowns"].get("reverts") or {}
    r_ai, r_other = (reverts.get("by_cohort") or {}).get("ai") or {}, (reverts.get("by_cohort") or {}).get("non_ai") or {}
    if r_ai.get("n") and r_other.get("n"):
        words = comparison_words(reverts.get("cohort_difference"), "AI-assisted higher", "AI-assisted lower")
        watch.append(f"reverted: {fmt.percent(r_ai['rate'])} of AI-assisted PRs (n {r_ai['n']}) vs "
                     f"{fmt.percent(r_other['rate'])} of others (n {r_other['n']}): {words}")
    text = "At risk: no guardrail crossed its warning threshold this quarter"
    return text + (". Watch: " + "; ".join(watch) + "." if watch else ".")


def _capacity(doc: dict) -> Section:
    cap = doc.get("capacity") or {}
    did = cap.get("difference_in_differences") or {}
    survey = cap.get("survey") or {}
    hours = cap.get("hours") or {}
    roi = cap.get("roi") or {}
    bullets = []
    if did.get("effect") is not None:
        if did.get("interval"):
            spread = f"95% interval {_signed2(did['interval'][0])} to {_signed2(did['interval'][1])}"
        else:
            spread = f"no interval: {did.get('interval_reason') or 'the method refused'}"
        bullets.append(Bullet(
            f"{did['method'].capitalize()}: {_signed2(did['effect'])} merged PRs per engineer-week "
            f"({spread}), {fmt.signed_percent(did['relative'])} of the adopting teams' level before rollout, "
            f"over {fmt.count(did.get('treated_engineer_weeks'))} engineer-weeks."))
        trend = did.get("pre_trend") or {}
        if trend.get("parallel") is False:
            bullets.append(Bullet("Pre-trend check failed: adopting and other teams were already diverging before "
                                  "the rollout, so the estimate is weaker evidence.", "warning"))
        elif trend.get("parallel"):
            # Not rejecting parallel trends is not proof of them: give the slope, its interval and the weeks.
            lo, hi = trend.get("interval") or (None, None)
            spread = f", 95% interval {_signed2(lo)} to {_signed2(hi)}" if lo is not None and hi is not None else ""
            bullets.append(Bullet(f"Pre-trend check: no clear divergence before the rollout (gap slope "
                                  f"{_signed2(trend['slope'])} per week{spread}); a short or noisy pre-period "
                                  "can hide one."))
        elif trend.get("reason"):
            bullets.append(Bullet(f"Pre-trend check: n/a — {trend['reason']}."))
    else:
        bullets.append(Bullet(f"Difference-in-differences: n/a — {did.get('reason')}."))

    def row(name: str, h, r: dict) -> tuple[str, ...]:
        if h is None:
            return (name, fmt.NA, fmt.NA, fmt.NA, r.get("reason") or "")
        triple = h if isinstance(h, list) else [h] * 3
        fte = r.get("fte")
        value = r.get("value")
        spans = triple[0] != triple[2]
        note = f"range {fmt.number(value[0])} to {fmt.number(value[2])} {r.get('currency', '')}" if value and spans else ""
        return (name, fmt.hours(triple[1]), fmt.number(fte[1], 1) if fte else fmt.NA,
                fmt.money(value[1], r.get("currency", "")) if value else fmt.NA,
                note if value else (r.get("reason") or ""))

    table = Table("Two independent estimates, side by side", ("Estimate", "Hours", "FTE", "Value", "Note"),
                  (row("Difference-in-differences", (hours.get("difference_in_differences") or {}).get("hours"),
                       roi.get("difference_in_differences") or {}),
                   row(f"Survey, discounted x{survey.get('discount', '')}", survey.get("hours"),
                       roi.get("survey") or {})),
                  (False, True, True, True, False),
                  note="Never added together: the survey measures what people feel, the comparison what shipped.")
    return Section("capacity", "Did we reclaim capacity?", tuple(bullets), (table,))


def _speed(doc: dict) -> Section:
    m = doc["metrics"]
    bullets = [_movement(m["strategic_time_to_market_days"], cat.label("strategic_time_to_market_days") + " (median, created to done)",
                         fmt.days, True),
               _movement(m["lead_time_hours"], cat.label("lead_time_hours"), fmt.hours, True),
               _movement(m["merged_prs_per_engineer_week"], cat.label("merged_prs_per_engineer_week") + " (merged PRs per engineer-week)",
                         lambda v: fmt.number(v, cat.get("merged_prs_per_engineer_week").digits), False),
               _movement(m["strategic_items_done"], cat.label("strategic_items_done"), fmt.count, False)]
    return Section("speed", "Did important work ship faster?", tuple(bullets))


def _cost(doc: dict) -> Section:
    m, b = doc["metrics"], doc["breakdowns"]
    cap = doc.get("capacity") or {}
    cost = cap.get("cost") or {}
    bullets = [Bullet(f"AI spend this quarter: {_money(m['ai_spend']['value'])}."),
               Bullet(f"Idle seats cost {_money(m['idle_seat_spend']['value'])}; cost per merged PR "
                      f"{_money(m['cost_per_merged_pr']['value'])}.")]
    if cost.get("value") is not None:
        rates = "; ".join(f"{code} converted at {c['rate']}" for code, c in cost["converted"].items())
        cur = cost["currency"]
        bullets.append(Bullet(f"Total in {cur}: {fmt.money(cost['value'], cur)} (spend {fmt.money(cost['ai_spend'], cur)}, "
                              f"enablement {fmt.money(cost['enablement'], cur)}{'; ' + rates if rates else ''})."))
    else:
        bullets.append(Bullet(f"Total: n/a — {cost.get('reason')}.", "warning"))
    tokens = b.get("tokens_by_category") or {}
    tables = [Table("By tool", ("", "Amount"), tuple((k, _money(v)) for k, v in (b.get("spend_by_tool") or {}).items()),
                    (False, True)),
              Table("By category", ("", "Amount", "Tokens"),
                    tuple((k, _money(v), fmt.tokens(tokens.get(k)) if tokens.get(k) else "—")
                          for k, v in (b.get("spend_by_category") or {}).items()),
                    (False, True, True))]
    return Section("cost", "What did it cost?", tuple(bullets), tuple(t for t in tables if t.rows))


def _risk(doc: dict) -> Section:
    m, g = doc["metrics"], doc["breakdowns"].get("guardrails") or {}
    bullets = [_movement(m["change_failure_rate"], cat.label("change_failure_rate"), fmt.percent, True, points=True),
               _movement(m["recovery_time_hours"], cat.label("recovery_time_hours"), fmt.hours, True),
               _movement(m["rework_rate"], cat.label("rework_rate") + " (unplanned deployments)", fmt.percent, True,
                         points=True),
               _movement(m["incidents"], cat.label("incidents"), fmt.count, True)]
    hours = g.get("incident_hours") or {}
    if hours:
        cost = hours.get("cost")
        bullets.append(Bullet(f"Incident hours: {fmt.number(hours['hours'])} over {fmt.count(hours['incidents'])} incidents"
                              + (f", costing {_money(cost)}." if cost else f" ({hours.get('reason')}).")))
    sec = g.get("security_findings")
    if sec:
        parts = ", ".join(f"{fmt.count(v)} {k}" for k, v in fmt.by_severity(sec["by_severity"]))
        bullets.append(Bullet(f"Security findings: {sec['total']} ({parts}); {sec['ai_touched']} on AI-touched code."))
    for text in (cohort_comparison(m["change_failure_rate"], cat.label("change_failure_rate"), fmt.percent, points=True,
                                   ai_label="AI-touched deployments"),
                 cohort_comparison(m["recovery_time_hours"], cat.label("recovery_time_hours"), fmt.hours, "longer", "shorter",
                                   ai_label="after AI-touched deployments")):
        if text:
            bullets.append(Bullet(text))
    return Section("risk", "Did risk go up?", tuple(bullets))


def _sure(doc: dict) -> Section:
    cap = doc.get("capacity") or {}
    did = cap.get("difference_in_differences") or {}
    bullets = [Bullet(f"Confidence: {cap.get('confidence', 'none')}.")]
    if did.get("effect") is not None:
        bullets.append(Bullet(f"Method: {did['method']}; adopting teams {', '.join(did['treated'])}; comparison teams "
                              f"{', '.join(did['control']) or 'none'}; {did['team_weeks']} team-weeks."))
        if did.get("inference"):
            bullets.append(Bullet(f"Interval: {did['inference']}"))
        if did.get("weighting"):
            bullets.append(Bullet(f"Weighting: {did['weighting']}"))
        if not did["control"]:
            bullets.append(Bullet("There is no control group: every team adopted AI, so this is a before/after "
                                  "comparison only, weaker evidence than a difference-in-differences.", "warning"))
    bullets.append(Bullet("Correlation is not causation: revenue and contract values are shown beside AI usage, "
                          "never attributed to it."))
    rows = tuple((a["name"], _assumption(a["value"]), a["source"]) for a in cap.get("assumptions", []))
    return Section("sure", "How sure are we?", tuple(bullets),
                   (Table("Assumptions", ("Input", "Value", "Source"), rows, (False, True, False)),))


def _ebm(doc: dict) -> Section:
    m, b = doc["metrics"], doc["breakdowns"]
    releases = b.get("releases") or []
    value: dict[str, float] = {}
    for r in releases:
        if r.get("contract_value"):
            value[r.get("currency") or "?"] = value.get(r.get("currency") or "?", 0.0) + r["contract_value"]
    backlog = b.get("backlog_by_initiative") or {}
    strategic_open = sum(v["open"] for v in backlog.values() if v["strategic"])
    category = b.get("spend_by_category") or {}
    rows = (
        ("Current value", f"{len(releases)} releases; contract value {_money(value)} (correlated, not caused)"),
        ("Unrealized value", f"{strategic_open} strategic work items open at quarter end"),
        ("Time to market", "strategic work created to done: " + (
            fmt.days(m["strategic_time_to_market_days"]["value"]))),
        ("Ability to innovate", "AI spend on new features: " + _money(category.get("new_feature"))
         + "; on maintenance: " + _money(category.get("maintenance"))),
    )
    return Section("ebm", "Evidence-Based Management value areas", (),
                   (Table("Value areas", ("Area", "This quarter"), rows, (False, False)),))


def _guardrails(doc: dict) -> Section:
    g = doc["breakdowns"].get("guardrails") or {}
    pulse = g.get("pulse") or {}
    now, before = pulse.get("now"), pulse.get("before")
    bullets = []
    if now:
        def show(key, label):
            was = f" (previous quarter {before[key]:.1f})" if before and before.get(key) is not None else ""
            return f"{label} {now[key]:.1f}{was}" if now.get(key) is not None else f"{label} n/a"
        bullets.append(Bullet(f"Team health pulse from {now['responses']} responses: " + "; ".join(
            (show("enps", "eNPS"), show("burnout", "burnout (1-5)"), show("ai_trust", "trust in AI (1-5)"))) + "."))
    else:
        bullets.append(Bullet("Team health pulse: n/a — no surveys.* file or no survey in the quarter."))
    m = doc["metrics"]
    bullets.append(_movement(m["pickup_time_hours"], cat.label("pickup_time_hours"), fmt.hours, True))
    return Section("guardrails", "Guardrails: people and review load", tuple(bullets))


def _scatter(doc: dict) -> tuple[ChartSpec, ...]:
    """One currency per axis: contract values in different currencies are never plotted together."""
    by_currency: dict[str, list[tuple[float, float]]] = {}
    for r in doc["breakdowns"].get("releases") or []:
        if r.get("ai_tokens") and r.get("contract_value"):
            by_currency.setdefault(r.get("currency") or "", []).append((r["ai_tokens"], r["contract_value"]))
    if not by_currency:
        return ()
    currency, points = max(by_currency.items(), key=lambda kv: (len(kv[1]), kv[0]))
    if len(points) < 3:
        return ()
    left_out = sum(len(v) for k, v in by_currency.items() if k != currency)
    note = f"; {left_out} release{'s' if left_out != 1 else ''} in other currencies not plotted" if left_out else ""
    unit = f" {currency}" if currency else ""
    return (ChartSpec("scatter", "Contract value vs AI tokens per release — correlation, not causation",
                      f"Scatter plot of {len(points)} releases in{unit or ' one currency'}: AI tokens used (x) "
                      f"against contract value (y){note}.",
                      {"points": points, "x": "AI tokens (millions)", "y": f"contract value (thousands{unit})",
                       "note": note.lstrip("; "), "chapter": "revenue"}),)


def _value_chart(doc: dict) -> tuple[ChartSpec, ...]:
    """Page 1's picture: the value of the capacity reclaimed (both estimates, never mixed) beside the cost."""
    cap = doc.get("capacity") or {}
    cost = cap.get("cost") or {}
    did = (cap.get("roi") or {}).get("difference_in_differences") or {}
    survey = (cap.get("roi") or {}).get("survey") or {}
    if cost.get("value") is None or not (did.get("value") or survey.get("value")):
        return ()
    rows = []
    if did.get("value"):
        low, base, high = did["value"]
        rows.append(("Measured throughput", low, base, high))
    if survey.get("value"):
        rows.append(("Survey, discounted", None, survey["value"][1], None))
    rows.append(("AI cost", None, cost["value"], None))
    currency = cost.get("currency", "")
    if did.get("value"):
        low, _, high = did["value"]
        finding = ("the measured range crosses zero: we cannot yet tell" if low < 0 < high else
                   "the measured range lies above the cost" if low > cost["value"] else
                   "the measured range does not clear the cost")
    else:
        finding = "only the survey estimate is available"
    return (ChartSpec("range", f"Value of the capacity reclaimed vs AI cost: {finding}",
                      "Range chart: the value of the capacity reclaimed by the measured-throughput estimate (low to "
                      "high, central estimate marked), the discounted survey estimate and the AI cost, in "
                      f"{currency}, with zero marked.",
                      {"rows": rows, "unit": f"{currency} this quarter", "chapter": "answer", "height_in": 1.9}),)


def _question_charts(doc: dict) -> tuple[ChartSpec, ...]:
    """The evidence under the questions, week by week inside the quarter (data['chapter'] places it)."""
    charts = []
    weekly = doc.get("weekly_trends") or {}
    m = doc["metrics"]
    quarter_weeks = weekly.get("periods") or []
    span = [quarter_weeks[0], quarter_weeks[-1]] if quarter_weeks else None  # the report period on weekly axes
    cycle = weekly.get("pr_cycle_time_hours") or []
    if sum(v is not None for v in cycle) >= 2:
        test = m["pr_cycle_time_hours"].get("cohort_difference") or {}
        n = test.get("n") or {}
        title = "PR cycle time by week" + (
            f": {comparison_words(test, 'AI-assisted PRs longer', 'AI-assisted PRs shorter')} over the quarter "
            f"(n {n.get('ai', 0)} vs {n.get('non_ai', 0)})" if n.get("ai") and n.get("non_ai") else "")
        charts.append(ChartSpec(
            "trend", title,
            f"Line chart of weekly median PR cycle time in hours over the {len(cycle)} weeks of {doc['period']}, "
            "all, AI-assisted and other PRs.",
            {"x": weekly["periods"], "series": {"All PRs": cycle, "AI-assisted": weekly.get("pr_cycle_time_hours_ai"),
                                                "Other PRs": weekly.get("pr_cycle_time_hours_non_ai")},
             "unit": "hours", "chapter": "speed", "period": doc["period"], "period_span": span}))
    did = (doc.get("capacity") or {}).get("difference_in_differences") or {}
    series = did.get("series") or {}
    if series.get("weeks") and sum(v is not None for v in series.get("adopting") or []) >= 2:
        weeks = series["weeks"]
        markers = [(weeks.index(w), f"{team} rollout") for team, w in sorted(series["rollouts"].items(),
                                                                            key=lambda kv: (kv[1], kv[0]))
                   if w in weeks]
        parallel = (did.get("pre_trend") or {}).get("parallel")
        if series.get("comparison") is None:
            title = "Adopting teams before and after rollout (no comparison group: weaker evidence)"
        elif parallel is False:
            title = "The groups already diverged before the rollouts, so the estimate is weak"
        elif parallel:
            title = "Adopting and comparison teams: no clear divergence before the rollouts"
        else:
            title = "Adopting and comparison teams before and after the rollouts"
        lines = {"Adopting teams": series["adopting"]}
        if series.get("comparison") is not None:
            lines["Comparison teams"] = series["comparison"]
        charts.append(ChartSpec(
            "trend", title,
            f"Line chart of weekly merged PRs per engineer-week for the adopting teams ({', '.join(did['treated'])})"
            + (f" and the comparison teams ({', '.join(did['control'])})" if did.get("control") else "")
            + f", {weeks[0]} to {weeks[-1]}, with each team's AI rollout marked.",
            {"x": weeks, "series": lines, "unit": "merged PRs per engineer-week", "markers": markers,
             "chapter": "capacity", "period": doc["period"], "period_span": span}))
    deploys = weekly.get("deployments") or []
    if any(deploys):
        rate = m["change_failure_rate"].get("value")
        charts.append(ChartSpec(
            "bars", "Deployments and change failure rate by week"
            + (f": {fmt.percent(rate)} of the quarter's deployments failed" if rate is not None else ""),
            f"Bar chart of weekly production deployments with the weekly change failure rate as a line, "
            f"{len(deploys)} weeks of {doc['period']}.",
            {"x": weekly["periods"], "bars": deploys, "line": weekly.get("change_failure_rate"),
             "unit": "deployments", "chapter": "risk", "period": doc["period"], "period_span": span,
             "line_label": f"{cat.get('change_failure_rate').in_sentence} (right axis)"}))
    return tuple(charts)


def _appendix(doc: dict) -> tuple[Table, ...]:
    lineage = tuple((name, fmt.count(v["rows"]), v["sha256"][:16] + "…", "yes" if v.get("validated") else "no")
                    for name, v in doc["inputs"].items())
    skipped = tuple((s["file"], str(s["row"]), s["column"] or "", s["reason"][:70])
                    for s in doc["data_quality"]["skipped"][:30])
    tables = [Table(f"Data lineage (config sha256 {doc['config_sha256'][:16]}…)", ("File", "Rows", "sha256",
                                                                                     "Validated"),
                    lineage, (False, True, False, False))]
    releases = (doc.get("breakdowns") or {}).get("releases") or []
    if releases:
        rows = tuple((r["date"], fmt.team(doc, r["team"]) if r.get("team") else "—", r["title"],
                      r.get("customer") or "—",
                      fmt.money(r["contract_value"], r.get("currency") or "USD")
                      if isinstance(r.get("contract_value"), (int, float)) else "—") for r in releases)
        tables.append(Table(f"Releases this quarter ({len(releases)}; contract values correlated, not caused)",
                            ("Date", "Team", "Release", "Customer", "Contract value"), rows,
                            (False, False, False, False, True)))
    tables.append(Table(f"Skipped rows ({doc['data_quality']['skipped_rows']})", ("File", "Row", "Column", "Reason"),
                        skipped or (("—", "", "", "no invalid input rows"),), (False, True, False, False)))
    return tuple(tables)


DEFINITIONS = (
    ("Net value", "capacity reclaimed (difference-in-differences) x hours per week x loaded cost per hour, minus "
                  "AI cost (spend and enablement) in the report currency."),
    ("Difference-in-differences", "change in merged PRs per engineer-week of adopting teams, before vs after their "
                                  "rollout, minus the change of not-yet-adopting teams over the same weeks."),
    ("Survey estimate", "self-reported hours saved per week x engineers x weeks, discounted."),
    ("Confidence", "moderate only with a control group, parallel pre-trends and an interval excluding zero."),
)


def build_quarterly(doc: dict, reproduce: str) -> QuarterlyReport:
    start = dt.date.fromisoformat(doc["start"])
    last = dt.date.fromisoformat(doc["end"]) - dt.timedelta(days=1)
    return QuarterlyReport(
        organization=doc["organization"], title="Quarterly AI ROI packet", period_id=doc["period"],
        period_label=f"Fiscal {doc['period'].replace('-', ' ')} · {fmt.day_range(start, last)}",
        coverage=coverage_dots(doc, DATASET_LABELS + (
            ("work_items", "work items"), ("support_tickets", "support"), ("surveys", "surveys"),
            ("security_findings", "security"))),
        coverage_note=coverage_note(doc),
        headlines=_headlines(doc), answer=_answer(doc),
        chapters=(_speed(doc), _capacity(doc), _cost(doc), _risk(doc), _sure(doc), _ebm(doc), _guardrails(doc))
        + tuple(s for s in (guardrails.section(doc, "quarter"),) if s is not None),
        charts=_value_chart(doc) + _question_charts(doc) + _scatter(doc)
        + tuple(c for c in (guardrails.chart(doc, "technical"),) if c is not None), stories=narrative_stories(doc, top=5), appendix=_appendix(doc), definitions=DEFINITIONS,
        data_quality=(f"{doc['data_quality']['skipped_rows']} invalid input rows skipped"
                      if doc["data_quality"]["skipped_rows"] else "No invalid input rows") + ".",
        reproduce=reproduce,
    )
