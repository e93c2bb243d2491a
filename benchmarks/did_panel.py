"""The team-week panel of the difference-in-differences: the vectorised build (metrics/attribution.py)
against the former loop over weeks, kept here as the independent reference, on one prepared organisation.

    python benchmarks/did_panel.py benchmarks/data/org-5000x52 [--runs 5]

Prints the median seconds of each, their ratio, and whether the two panels are equal (they must be).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from pathlib import Path

import pandas as pd

from reporter.build import load_context
from reporter.metrics import attribution, people as ppl


def loop_panel(prep, config, first: dt.date, end: dt.date) -> pd.DataFrame:
    """The panel as it was built before: one pass over the people and the PRs per week."""
    people = prep.people
    engineer = people["engineer"].to_numpy(dtype=bool)
    prs = prep.prs
    merged_day = prs["merged_at"].dt.tz_convert(config.tz).dt.tz_localize(None).dt.normalize()
    rows = []
    monday = first - dt.timedelta(days=first.weekday())
    while monday < end:
        nxt = monday + dt.timedelta(days=7)
        employed = engineer & ppl.employed_during(people, monday, nxt)
        headcount = people.loc[employed, "team"].value_counts()
        in_week = ((merged_day >= pd.Timestamp(monday)) & (merged_day < pd.Timestamp(nxt))).to_numpy(
            dtype=bool, na_value=False)
        merged = pd.Series(prs["team"].to_numpy(dtype=object)[in_week]).value_counts()
        for team, n in headcount.items():
            rows.append({"team": team, "week": pd.Timestamp(monday), "engineers": int(n),
                         "prs": int(merged.get(team, 0)), "rate": merged.get(team, 0) / n})
        monday = nxt
    return pd.DataFrame(rows, columns=["team", "week", "engineers", "prs", "rate"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ctx = load_context("quarterly", args.input)
    prep, config = ctx.prep, ctx.config
    first, end = prep.prs["merged_at"].min().date(), prep.prs["merged_at"].max().date() + dt.timedelta(days=1)
    timings = {"loop": [], "vectorised": []}
    for _ in range(args.runs):
        for name, build in (("loop", loop_panel), ("vectorised", attribution.team_week_panel)):
            started = time.perf_counter()
            panel = build(prep, config, first, end)
            timings[name].append(time.perf_counter() - started)
            if name == "loop":
                reference = panel
    equal = reference.reset_index(drop=True).equals(panel.reset_index(drop=True)) or (
        pd.testing.assert_frame_equal(reference.reset_index(drop=True), panel.reset_index(drop=True),
                                      check_dtype=False) is None)
    loop, vec = statistics.median(timings["loop"]), statistics.median(timings["vectorised"])
    print(f"{args.input.name}: {len(prep.people):,} people, {len(prep.prs):,} PRs, {len(panel):,} team-weeks "
          f"({first} to {end})")
    print(f"loop median {loop:.3f} s, vectorised median {vec:.3f} s over {args.runs} runs: {loop / vec:.1f}x; "
          f"panels equal: {equal}")


if __name__ == "__main__":
    main()
