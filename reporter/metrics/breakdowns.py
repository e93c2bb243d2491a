"""Small breakdowns the reports show beside the headline metrics: AI users by tool and by
workflow, reverted PRs by cohort, the period's releases. Group counts only, never per person;
groups under the privacy minimum are pooled into 'other'."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import Config
from ..inputs.load import Inputs
from .prepare import Prepared
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
    return {
        "value": int((hit & known).sum()), "n": int(known.sum()),
        "by_cohort": {"ai": {"value": int((hit & known & ai).sum()), "n": int((known & ai).sum())},
                      "non_ai": {"value": int((hit & known & ~ai).sum()), "n": int((known & ~ai).sum())}},
    }


def releases(inputs: Inputs, w: Window) -> list[dict]:
    """The period's releases, oldest first; contract values are left to the monthly and quarterly
    reports, where money belongs."""
    rel = inputs["releases"]
    rows = rel[_in_days(rel["date"], w)]
    out = []
    for rec in rows.sort_values(["date", "team", "title"], kind="stable").itertuples(index=False):
        out.append({
            "date": rec.date.date().isoformat(), "team": rec.team, "title": rec.title,
            "summary": _text(rec.summary), "customer": _text(rec.customer), "initiative": _text(rec.initiative),
            "ai_tokens": None if pd.isna(rec.ai_tokens) else int(rec.ai_tokens),
        })
    return out


def _text(value) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value) else str(value)
