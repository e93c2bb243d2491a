"""Per-period series for trend charts: the same definitions as the suite, without the tests.

A trend point is a plain value and its sample size; whether a move is real is decided by
the suite's tests on the report period, never by eyeballing a line.
"""

from __future__ import annotations


from ..config import Config
from ..frames import is_in
from ..periods import Period, preceding
from . import people as ppl
from .stats import median_of_spans
from .prepare import Prepared
from .suite import _activity, _in, _in_days, make_window


def series(prep: Prepared, config: Config, period: Period, count: int, first_day=None, last_day=None) -> dict:
    """``count`` periods ending with ``period``: ids plus one list per metric. A period the
    inputs do not fully cover (it starts before ``first_day`` or ends after ``last_day``) is None
    throughout, not zero."""
    periods = preceding(period, count - 1, config.fiscal_year_start_month) + [period]
    prs, deps, usage, people = prep.prs, prep.deployments, prep.usage, prep.people
    cycle = prs["cycle_h"].to_numpy(dtype=float)
    pickup = prs["pickup_h"].to_numpy(dtype=float)
    ai = prs["ai"].to_numpy(dtype=bool)
    failed = deps["failed"].to_numpy(dtype=bool)
    engineer = people["engineer"].to_numpy(dtype=bool)
    active = _activity(usage)
    out: dict[str, list] = {k: [] for k in (
        "pr_cycle_time_hours", "pr_cycle_time_hours_ai", "pr_cycle_time_hours_non_ai", "pickup_time_hours",
        "merged_prs", "deployments", "change_failure_rate", "active_ai_users", "engineers", "incidents",
        "support_tickets", "escaped_defects")}
    support, work, incidents = prep.support, prep.work_items, prep.incidents
    escaped = work[work["escaped_defect"].fillna(False).to_numpy(dtype=bool)]
    for p in periods:
        if first_day is None or p.start < first_day or (last_day is not None and p.last_day() > last_day):
            for values in out.values():
                values.append(None)
            continue
        w = make_window([p], config)
        assert w is not None  # None only for no period
        merged = _in(prs["merged_at"], w)
        out["merged_prs"].append(int(merged.sum()))
        out["pr_cycle_time_hours"].append(median_of_spans(cycle[merged]))
        out["pr_cycle_time_hours_ai"].append(median_of_spans(cycle[merged & ai]))
        out["pr_cycle_time_hours_non_ai"].append(median_of_spans(cycle[merged & ~ai]))
        out["pickup_time_hours"].append(median_of_spans(pickup[merged]))
        shipped = _in(deps["finished_at"], w)
        out["deployments"].append(int(shipped.sum()))
        out["change_failure_rate"].append(float(failed[shipped].mean()) if shipped.any() else None)
        employed = engineer & ppl.employed_during(people, w.first_day, w.end_day)
        users = set(usage.loc[active & _in_days(usage["date"], w), "who"].dropna())
        out["engineers"].append(int(employed.sum()))
        out["active_ai_users"].append(int((employed & is_in(people["person"], users)).sum()) if users else 0)
        out["incidents"].append(int(_in(incidents["opened_at"], w).sum()))
        out["support_tickets"].append(int(_in(support["opened_at"], w).sum()))
        out["escaped_defects"].append(int(_in(escaped["created_at"], w).sum()))
    return {"periods": [p.id for p in periods], "starts": [p.start.isoformat() for p in periods], **out}
