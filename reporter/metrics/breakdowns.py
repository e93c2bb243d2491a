"""Small breakdowns the reports show beside the headline metrics: AI users by tool and by
workflow, reverted PRs by cohort, the period's releases. Group counts only, never per person;
groups under the privacy minimum are pooled into 'other'."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import Config
from ..inputs.load import Inputs
from .prepare import Prepared
from .stats import median_of_spans
from .suite import Window, _activity, _in, _in_days


def users_by(prep: Prepared, config: Config, w: Window, column: str) -> list[dict]:
    """Distinct active engineers per tool (or feature), largest first; small groups pooled."""
    usage = prep.usage
    engineers = set(prep.people.loc[prep.people["engineer"].to_numpy(dtype=bool), "person"])
    rows = usage[_activity(usage) & _in_days(usage["date"], w)]
    rows = rows[rows["who"].isin(list(engineers)).to_numpy(dtype=bool)] if len(rows) else rows
    if rows.empty:
        return []
    key = rows[column].astype(object).where(rows[column].notna(), "unspecified")
    counts = pd.Series(rows["who"].to_numpy(dtype=object)).groupby(key.to_numpy()).nunique()
    minimum = config.privacy.min_group_size
    out, pooled = [], 0
    for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        if n >= minimum:
            out.append({"name": str(name), "users": int(n)})
        else:
            pooled += 1
    if pooled:
        out.append({"name": "other", "users": None, "groups": pooled,
                    "reason": f"{pooled} group(s) with fewer than {minimum} users"})
    return out


def reverts(prep: Prepared, w: Window) -> dict:
    """Merged PRs later reverted (the ``reverted`` flag), by cohort; null without the column."""
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

    return {"value": int((hit & known).sum()), "n": int(known.sum()),
            "by_cohort": {"ai": cohort(known & ai), "non_ai": cohort(known & ~ai)}}


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


def flow_by_size(prep: Prepared, w: Window, minimum: int) -> dict[str, dict]:
    """Median cycle and review time of AI-assisted vs other merged PRs per size bucket (lines
    changed: small < 100 <= medium < 400 <= large), and their ratios (AI / other). A cohort
    under ``minimum`` PRs is None: a median of three PRs is an anecdote."""
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
        for key in ("cycle_time_hours", "review_time_hours"):
            a, b = entry["ai"][key], entry["non_ai"][key]
            entry[key.replace("_hours", "_ratio")] = round(a / b, 4) if a is not None and b else None
        out[name] = entry
    return out


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
