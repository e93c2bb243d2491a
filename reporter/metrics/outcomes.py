"""Business outcomes and cost for the monthly review and the quarterly packet: throughput of
work items, escaped defects, support load, incidents, spend per merged PR, idle-seat spend.

Same shapes and tests as the delivery metrics (value, baseline, delta, change, splits), so a
monthly document reads the same way as a weekly one. Money is per currency, never summed
across currencies.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from . import stats
from ..cadences import OUTCOME_DATASETS
from ..periods import Period
from .suite import Suite, Window, _in, _in_days, _round, make_window, seat_cost

# Extra datasets these metrics read (validated only for the cadences that report them).
DATASETS = OUTCOME_DATASETS  # the one table of cadences names what the monthly and quarterly read
IDLE_DAYS = 30


def compute(suite: Suite, present: set[str] | None, metrics: dict) -> dict[str, dict]:
    """Outcome metrics for the suite's period; ``metrics`` are the delivery metrics already computed.
    A dataset whose records do not reach the period makes its metrics N/A (``Suite.no_data``)."""
    if present is not None:
        suite.files |= set(present)
    p = suite.prep
    work, support, inc = p.work_items, p.support, p.incidents
    work_gap, support_gap, inc_gap = suite.no_data("work_items"), suite.no_data("support_tickets"), \
        suite.no_data("incidents")

    def count(gap: str | None, frame, time_col: str, cohort: str | None, empty: str) -> dict:
        if gap:
            return suite._unavailable("count", gap)
        return suite._count_metric("count", frame, time_col, "team", cohort, True, empty)

    done = work[work["done_at"].notna().to_numpy()]
    m: dict[str, dict] = {}
    m["work_items_done"] = count(work_gap, done, "done_at", "ai", "no work item done in the period")
    strategic = done[done["strategic"].fillna(False).to_numpy(dtype=bool)]
    # Without any strategic flag in the file, "none strategic" would be a guess: N/A, not 0.
    strategic_gap = work_gap or (None if work["strategic"].notna().any() or p.facts.get("work_items.strategic") else
                                 "no work item says whether it is strategic (work_items.strategic is empty)")
    m["strategic_items_done"] = count(strategic_gap, strategic, "done_at", "ai", "no strategic work item done")
    escaped = work[work["escaped_defect"].fillna(False).to_numpy(dtype=bool)]
    m["escaped_defects"] = count(work_gap, escaped, "created_at", None, "no escaped defect")
    m["support_tickets"] = count(support_gap, support, "opened_at", None, "no support ticket")
    defects = support[support["defect"].fillna(False).to_numpy(dtype=bool)]
    m["defect_tickets"] = count(support_gap, defects, "opened_at", None, "no defect ticket")
    m["incidents"] = count(inc_gap, inc, "opened_at", "ai", "no incident")
    ttm = done.assign(ttm_days=((done["done_at"] - done["created_at"]).dt.total_seconds() / 86400).to_numpy())
    strategic_ttm = ttm[ttm["strategic"].fillna(False).to_numpy(dtype=bool)]
    m["strategic_time_to_market_days"] = suite._unavailable("days", strategic_gap) if strategic_gap else suite._median_metric(
        "strategic_time_to_market_days", "days", strategic_ttm, "done_at", "ttm_days", "team", "ai",
        "no strategic work item was done in the period")
    m["merged_prs_per_engineer_week"] = _per_engineer_week(suite, metrics)
    m["cost_per_merged_pr"] = _cost_per_pr(suite, metrics)
    m["idle_seat_spend"] = _idle_seat_spend(suite, suite.no_data("seats"))
    return m


def _per_engineer_week(suite: Suite, metrics: dict) -> dict:
    """Merged PRs per engineer-week, tested as a Poisson rate with engineer-weeks as exposure."""
    merged, engineers = metrics["merged_prs"], metrics["engineers"]

    def exposure(people: float | None, w: Window | None, reach=None) -> float | None:
        if not people or w is None:
            return None
        lo, hi = w.first_day, w.end_day
        if reach is not None:  # only the weeks the pull requests themselves reach
            lo, hi = max(lo, reach[0]), min(hi, reach[1])
        return people * max((hi - lo).days, 0) / 7  # engineer-weeks

    prs = suite.coverage.get("pull_requests")
    reach = None
    if prs is not None and prs.activity is not None:
        first, last = prs.activity
        reach = (first - dt.timedelta(days=first.weekday()), last - dt.timedelta(days=last.weekday()) + dt.timedelta(7))
    now = exposure(engineers["value"], suite.cur, reach)
    then = exposure(engineers["baseline"], suite.base)  # baseline headcount is a mean per period
    value = merged["value"] / now if merged["value"] is not None and now else None
    base = merged["baseline_n"] / then if then else None
    verdict = stats.rate_change(merged["value"] or 0, now or 0.0, merged["baseline_n"], then or 0.0,
                                confidence=suite.stats.confidence, min_sample=suite.stats.min_sample,
                                min_relative_change=suite.stats.min_relative_change, per="engineer-week")
    metric = suite._assemble("ratio", value, merged["n"], merged.get("reason") or engineers.get("reason") or
                             "no merged PRs or no engineers in the period", base, merged["baseline_n"], verdict, {}, None)
    metric["unit"] = "PRs per engineer-week"
    return metric


def _cost_per_pr(suite: Suite, metrics: dict) -> dict:
    spend, merged = metrics["ai_spend"], metrics["merged_prs"]
    value = None
    if isinstance(spend.get("value"), dict) and merged["value"]:
        value = {c: _round(v / merged["value"]) for c, v in spend["value"].items()}
    base = None
    if isinstance(spend.get("baseline"), dict) and merged.get("baseline"):
        base = {c: _round(v / merged["baseline"]) for c, v in spend["baseline"].items()}
    out = {"value": value, "unit": "currency per merged PR", "n": merged["n"]}
    if value is None:
        out["reason"] = "needs AI spend (ai_costs or seats) and merged PRs in the period"
    out.update({"baseline": base, "baseline_n": merged["baseline_n"],
                "delta": None if value is None or base is None else
                {c: _round(value[c] - base.get(c, 0.0)) for c in value},
                "change": stats.INSUFFICIENT if value is None or base is None else
                _exact(value, base, suite.config.currency, suite.stats.min_relative_change),
                "interval": None, "test": "derived: ai_spend / merged_prs, per currency",
                "by_team": {}, "by_cohort": None})
    return out


def _exact(value: dict, base: dict, currency: str, threshold: float) -> str:
    key = currency if currency in value else sorted(value)[0]
    return stats.exact_change(value[key], base.get(key), threshold).change


def _idle_seat_spend(suite: Suite, gap: str | None) -> dict:
    """What seats idle for IDLE_DAYS or more at the end of the period cost during it."""
    if gap:
        return suite._unavailable("currency", gap)
    seats = suite.prep.seats

    def idle_cost(w: Window) -> tuple[float, int]:
        cutoff = w.end - pd.Timedelta(days=IDLE_DAYS)
        last = seats["last_activity_at"]
        idle = (last.isna() | (last < cutoff)).to_numpy(dtype=bool)
        cost = seat_cost(seats, w, suite.config.tz)
        return float(cost[idle].sum()), int((idle & (cost > 0)).sum())

    assert suite.cur is not None  # a suite always has its period
    value, n = idle_cost(suite.cur)
    base = None
    if suite.base is not None:
        base = sum(idle_cost(_window(p, suite))[0] for p in suite.base.periods) / suite.base.count
    currency = suite.config.currency
    verdict = stats.exact_change(value, base, suite.stats.min_relative_change)
    return {"value": {currency: _round(value)}, "unit": "currency", "n": n,
            "baseline": None if base is None else {currency: _round(base)}, "baseline_n": 0,
            "delta": None if base is None else {currency: _round(value - base)},
            "change": verdict.change if base is not None else stats.INSUFFICIENT, "interval": None,
            "test": verdict.method, "idle_days": IDLE_DAYS, "by_team": {}, "by_cohort": None}


def _window(period: Period, suite: Suite) -> Window:
    """One period as a window (make_window returns None only for no period)."""
    w = make_window([period], suite.config)
    assert w is not None
    return w


def spend_breakdown(suite: Suite, column: str) -> dict[str, dict[str, float]]:
    """AI spend in the period by tool or by category, per currency; seats count under their tool
    (category 'seats')."""
    costs = suite.prep.costs
    w = suite.cur
    assert w is not None  # a suite always has its period
    rows = costs[_in_days(costs["date"], w)]
    key = rows[column].astype(object).where(rows[column].notna(), "unspecified")
    out: dict[str, dict[str, float]] = {}
    for (name, currency), amount in rows.groupby([key.to_numpy(), rows["currency"].to_numpy()])["amount"].sum().items():
        out.setdefault(str(name), {})[currency] = _round(float(amount))
    seats = suite.prep.seats
    if not seats.empty:
        cost = seat_cost(seats, w, suite.config.tz)
        names = seats["tool"].astype(object).to_numpy() if column == "tool" else np.full(len(seats), "seats", object)
        for name in sorted(set(names[cost > 0])):
            entry = out.setdefault(str(name), {})
            amount = float(cost[(names == name) & (cost > 0)].sum())
            entry[suite.config.currency] = _round(entry.get(suite.config.currency, 0.0) + amount)
    return dict(sorted(out.items()))


def backlog(suite: Suite) -> dict[str, dict]:
    """Open work items at the end of the period by initiative: how many, and their median age in
    days; plus items done in the period. Aged backlog is what a monthly review moves."""
    work = suite.prep.work_items
    assert suite.cur is not None  # a suite always has its period
    end = suite.cur.end
    created = (work["created_at"] < end).to_numpy(dtype=bool)
    open_at_end = created & (work["done_at"].isna() | (work["done_at"] >= end)).to_numpy(dtype=bool)
    done = _in(work["done_at"], suite.cur)
    age = ((end - work["created_at"]).dt.total_seconds() / 86400).to_numpy(dtype=float)
    initiative = work["initiative"].astype(object).where(work["initiative"].notna(), "(none)").to_numpy()
    strategic = work["strategic"].fillna(False).to_numpy(dtype=bool)
    out = {}
    for name in sorted(set(initiative[open_at_end | done])):
        mine = initiative == name
        ages = age[mine & open_at_end]
        out[str(name)] = {"open": int((mine & open_at_end).sum()), "done": int((mine & done).sum()),
                          "median_age_days": _round(float(np.median(ages))) if len(ages) else None,
                          "open_over_90_days": int((ages > 90).sum()), "strategic": bool(strategic[mine].any())}
    return out



def guardrails(suite: Suite, inputs, config) -> dict:
    """Team health pulse, security findings and incident hours for the quarterly packet."""
    w = suite.cur
    assert w is not None  # a suite always has its period
    out: dict = {}
    surveys = inputs["surveys"]
    now = surveys[_in_days(surveys["date"], w)]
    before = surveys[_in_days(surveys["date"], suite.base)] if suite.base else surveys.iloc[0:0]

    def pulse(rows) -> dict | None:
        if rows.empty:
            return None
        weight = rows["responses"].fillna(1).to_numpy(dtype=float)
        result: dict[str, float | None] = {"responses": int(rows["responses"].fillna(0).sum())}
        for key in ("enps", "ai_trust", "burnout"):
            values = rows[key].to_numpy(dtype=float)
            ok = ~np.isnan(values)
            result[key] = _round(float(np.average(values[ok], weights=weight[ok]))) if ok.any() else None
        return result

    out["pulse"] = {"now": pulse(now), "before": pulse(before)}
    findings = inputs["security_findings"]
    rows = findings[_in_days(findings["date"], w)]
    out["security_findings"] = None if "security_findings" not in inputs.present else {
        "total": int(len(rows)),
        "by_severity": {str(k): int(v) for k, v in rows["severity"].astype(object).value_counts().sort_index().items()},
        "ai_touched": int(rows["ai_touched"].fillna(False).to_numpy(dtype=bool).sum()),
    }
    inc = suite.prep.incidents
    resolved = _in(inc["resolved_at"], w)
    hours = float(np.nansum(inc["recovery_h"].to_numpy(dtype=float)[resolved]))
    cost = config.finance.incident_hour_cost
    out["incident_hours"] = {"hours": _round(hours), "incidents": int(resolved.sum()),
                             "cost": None if cost is None else {config.currency: _round(hours * cost)},
                             "reason": None if cost is not None else "finance.incident_hour_cost not configured"}
    return out


def tokens_by_category(suite: Suite) -> dict[str, int]:
    """Tokens billed in the period per spend category (from ai_costs.tokens; no per-person figure)."""
    costs = suite.prep.costs
    assert suite.cur is not None  # a suite always has its period
    rows = costs[_in_days(costs["date"], suite.cur) & costs["tokens"].notna().to_numpy()]
    key = rows["category"].astype(object).where(rows["category"].notna(), "unspecified")
    return {str(k): int(v) for k, v in rows.groupby(key.to_numpy())["tokens"].sum().sort_index().items()}
