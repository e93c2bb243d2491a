"""Small breakdowns the reports show beside the headline metrics: AI users by tool and by
workflow, reverted PRs by cohort, the period's releases. Group counts only, never per person;
groups under the privacy minimum are pooled into 'other'."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import Config, Statistics
from ..inputs.load import Inputs
from .prepare import Prepared
from .stats import median_difference, median_of_spans, order_stats, proportion_difference
from .suite import OTHER, TeamFolder, Window, _activity, _cohort_difference, _in, _in_days


def users_by(prep: Prepared, config: Config, w: Window, column: str) -> list[dict]:
    """Distinct active engineers per tool (or feature), largest first, then 'other'.

    Groups under ``privacy.min_group_size`` users are pooled with ``TeamFolder.pool``: while the
    pool's distinct users fall short of the minimum, the smallest shown group (ties by name)
    joins it. So 'other' shows its distinct users (at the minimum or more) and how many groups
    it holds, never which or how many users each has; only when every group pooled together
    stays under the minimum is its count withheld. One engineer may use several tools, so the
    rows do not add up to active_ai_users, and a difference of published counts is at best an
    overlap of groups that are each at the minimum, never a pooled group on its own."""
    usage = prep.usage
    engineers = set(prep.people.loc[prep.people["engineer"].to_numpy(dtype=bool), "person"])
    rows = usage[_activity(usage) & _in_days(usage["date"], w)]
    rows = rows[rows["who"].isin(list(engineers)).to_numpy(dtype=bool)] if len(rows) else rows
    if rows.empty:
        return []
    key = rows[column].astype(object).where(rows[column].notna(), "unspecified").astype(str)
    users = {str(name): set(group) for name, group in
             pd.Series(rows["who"].to_numpy(dtype=object)).groupby(key.to_numpy()).agg(set).items()}
    minimum = config.privacy.min_group_size
    pooled = TeamFolder.pool({g: len(u) for g, u in users.items()}, minimum,
                             pooled_size=lambda group: len(set().union(*(users[g] for g in group))))
    shown = sorted((g for g in users if g not in pooled), key=lambda g: (-len(users[g]), g))
    out = [{"name": g, "users": len(users[g])} for g in shown]
    if pooled:
        n = len(set().union(*(users[g] for g in pooled)))
        entry: dict = {"name": OTHER, "users": n, "groups": len(pooled)}
        if n < minimum:
            entry["users"] = None
            entry["reason"] = f"withheld: all {len(pooled)} group(s) together have fewer than {minimum} users"
        out.append(entry)
    return out


def _compare(statistics: Statistics) -> dict:
    return dict(confidence=statistics.confidence, min_sample=statistics.min_sample,
                min_relative_change=statistics.min_relative_change)


def reverts(prep: Prepared, w: Window, statistics: Statistics) -> dict:
    """Merged PRs later reverted (the ``reverted`` flag), by cohort; null without the column.
    ``cohort_difference`` is the AI-assisted revert rate minus the other PRs' (mid-p MOVER interval)."""
    prs = prep.prs
    flag = prs["reverted"]
    merged = _in(prs["merged_at"], w)
    known = merged & flag.notna().to_numpy()
    if not known.any():
        return {"value": None, "reason": "no reverted column for the period's merged PRs"}
    hit = flag.fillna(False).to_numpy(dtype=bool)
    ai = prs["ai"].to_numpy(dtype=bool)

    def cohort(rows: np.ndarray) -> dict:
        n = int(rows.sum())
        k = int((hit & rows).sum())
        return {"value": k, "n": n, "rate": round(k / n, 4) if n else None}

    by_cohort = {"ai": cohort(known & ai), "non_ai": cohort(known & ~ai)}
    a, b = by_cohort["ai"], by_cohort["non_ai"]
    return {"value": int((hit & known).sum()), "n": int(known.sum()), "by_cohort": by_cohort,
            "cohort_difference": _cohort_difference(proportion_difference(a["value"], a["n"], b["value"], b["n"],
                                                                          **_compare(statistics)))}


def releases(inputs: Inputs, w: Window, with_money: bool) -> list[dict]:
    """The period's releases, oldest first. Contract values only ``with_money`` (monthly and
    quarterly): the weekly report makes no money claims, not even in its JSON."""
    rel = inputs["releases"]
    rows = rel[_in_days(rel["date"], w)]
    out = []
    for rec in rows.sort_values(["date", "team", "title"], kind="stable").itertuples(index=False):
        item = {
            "date": rec.date.date().isoformat(), "team": rec.team, "title": rec.title,
            "summary": _text(rec.summary), "customer": _text(rec.customer), "initiative": _text(rec.initiative),
            "ai_tokens": None if pd.isna(rec.ai_tokens) else int(rec.ai_tokens),
        }
        if with_money:
            item["contract_value"] = None if pd.isna(rec.contract_value) else float(rec.contract_value)
            item["currency"] = _text(rec.currency)
        out.append(item)
    return out


def _text(value) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value) else str(value)


SIZE_BUCKETS = (("small", 0, 100), ("medium", 100, 400), ("large", 400, float("inf")))


def flow_by_size(prep: Prepared, w: Window, statistics: Statistics) -> dict[str, dict]:
    """Median cycle and review time of AI-assisted vs other merged PRs per size bucket (lines
    changed: small < 100 <= medium < 400 <= large), their ratios (AI / other) and the test of
    their difference (``cycle_time_test``, ``review_time_test``: AI minus other, in hours). A
    cohort under ``statistics.min_sample`` PRs is None: a median of three PRs is an anecdote."""
    minimum = statistics.min_sample
    prs = prep.prs
    merged = _in(prs["merged_at"], w)
    size = prs["size"].to_numpy(dtype=float)
    ai = prs["ai"].to_numpy(dtype=bool)
    cycle = prs["cycle_h"].to_numpy(dtype=float)
    review = prs["review_h"].to_numpy(dtype=float)
    out = {}
    for name, low, high in SIZE_BUCKETS:
        bucket = merged & (size >= low) & (size < high)
        entry: dict = {"min_lines": low, "max_lines": None if high == float("inf") else high}
        for cohort, flag in (("ai", ai), ("non_ai", ~ai)):
            rows = bucket & flag
            entry[cohort] = {"n": int(rows.sum()), "cycle_time_hours": median_of_spans(cycle[rows], minimum),
                             "review_time_hours": median_of_spans(review[rows], minimum)}
        for key, values in (("cycle_time_hours", cycle), ("review_time_hours", review)):
            a, b = entry["ai"][key], entry["non_ai"][key]
            entry[key.replace("_hours", "_ratio")] = round(a / b, 4) if a is not None and b else None
            test = _cohort_difference(median_difference(order_stats(_usable(values[bucket & ai])),
                                                        order_stats(_usable(values[bucket & ~ai])),
                                                        **_compare(statistics)))
            if a is None or b is None:  # a cohort median the table withholds has no difference either
                test["value"] = None
            entry[key.replace("_hours", "_test")] = test
        out[name] = entry
    return out


def _usable(spans: np.ndarray) -> np.ndarray:
    """The spans ``median_of_spans`` keeps: known and not negative."""
    return spans[~np.isnan(spans) & (spans >= 0)]


def seats(prep: Prepared, w: Window, idle_days: int = 30) -> dict | None:
    """Seats held at the end of the period and those idle for ``idle_days`` or more (no
    activity since, or never). Counts per tool only; no seat holder is named."""
    table = prep.seats
    if table.empty:
        return None
    end = w.end
    assigned = table["assigned_at"]
    held = (assigned.isna() | (assigned < end)).to_numpy(dtype=bool)
    last = table["last_activity_at"]
    cutoff = end - pd.Timedelta(days=idle_days)
    idle = held & (last.isna() | (last < cutoff)).to_numpy(dtype=bool)
    tools = table["tool"].astype(object).to_numpy()
    by_tool = {str(t): {"seats": int((held & (tools == t)).sum()), "idle": int((idle & (tools == t)).sum())}
               for t in sorted(set(tools[held]))}
    return {"seats": int(held.sum()), "idle": int(idle.sum()), "idle_days": idle_days,
            "idle_share": round(float(idle.sum() / held.sum()), 4) if held.any() else None, "by_tool": by_tool}
