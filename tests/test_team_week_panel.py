"""The DiD's team-week panel, counted by hand on a small roster: who is employed in which week, and
which merged PRs fall in it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd

from reporter.config import Config
from reporter.metrics.attribution import team_week_panel


def ts(text: str | None) -> pd.Timestamp:
    return pd.NaT if text is None else pd.Timestamp(text)


def test_panel_counts_engineers_employed_in_each_week_and_the_prs_merged_in_it():
    # weeks: Mon 2026-03-02, 2026-03-09, 2026-03-16
    people = pd.DataFrame({
        "team": ["a", "a", "b", "b", "b", None],
        "engineer": [True, True, True, True, False, True],
        # a1 always; a2 leaves on Tue 03-03 (still employed in week 1); b1 starts Sun 03-15 (week 2);
        # b2 from the start; b3 is not an engineer; the teamless engineer counts nowhere
        "start_date": [ts(None), ts("2026-01-01"), ts("2026-03-15"), ts(None), ts(None), ts(None)],
        "end_date": [ts(None), ts("2026-03-03"), ts(None), ts(None), ts(None), ts(None)],
    })
    merged = ["2026-03-02T10:00Z", "2026-03-08T23:00Z", "2026-03-09T00:30Z", "2026-03-17T12:00Z",
              "2026-03-17T13:00Z", "2026-03-23T09:00Z", None]
    prs = pd.DataFrame({"team": ["a", "a", "b", "b", "b", "a", "a"],
                        "merged_at": pd.to_datetime(pd.Series(merged), utc=True)})
    prep = SimpleNamespace(people=people, prs=prs)
    panel = team_week_panel(prep, Config(), dt.date(2026, 3, 4), dt.date(2026, 3, 23))
    rows = [(r.team, r.week.date().isoformat(), r.engineers, r.prs) for r in panel.itertuples()]
    assert rows == [
        ("a", "2026-03-02", 2, 2),  # a1 and a2 (left in the week); PRs on Mon and Sun 23:00 UTC
        ("b", "2026-03-02", 1, 0),  # b2 only
        ("b", "2026-03-09", 2, 1),  # b2 and b1 (started on the Sunday): the larger team comes first
        ("a", "2026-03-09", 1, 0),
        ("b", "2026-03-16", 2, 2),
        ("a", "2026-03-16", 1, 0),  # the PR of 03-23 is after the panel's end
    ]
    assert list(panel["rate"]) == [1.0, 0.0, 0.5, 0.0, 1.0, 0.0]
