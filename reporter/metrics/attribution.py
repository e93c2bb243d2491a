"""Did AI reclaim capacity? Two independent estimates, never blended:

1. A difference-in-differences of merged PRs per engineer-week between teams that adopted AI
   (config ``teams.*.ai_rollout``) and teams that had not yet, before vs after each team's
   rollout, with a seeded bootstrap interval and a pre-trend check (do the two groups move in
   parallel before the rollout?). Without a control group: pre/post only, labelled weaker.
2. Survey self-reported hours saved, discounted by ``finance.survey_discount``.

Hours become FTE-equivalents and money through ``finance.loaded_cost_per_engineer_year``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..config import Config
from ..periods import Period
from . import people as ppl
from .prepare import Prepared
from .stats import rng_for

PRE_WEEKS = 13  # a quarter of history before each rollout


def team_week_panel(prep: Prepared, config: Config, first: dt.date, end: dt.date) -> pd.DataFrame:
    """Merged PRs per engineer-week for every team and ISO week in [first, end): the DiD's units."""
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
        in_week = ((merged_day >= pd.Timestamp(monday)) & (merged_day < pd.Timestamp(nxt))).to_numpy(dtype=bool,
                                                                                                       na_value=False)
        merged = pd.Series(prs["team"].to_numpy(dtype=object)[in_week]).value_counts()
        for team, n in headcount.items():
            rows.append({"team": team, "week": pd.Timestamp(monday), "engineers": int(n), "prs": int(merged.get(team, 0)),
                         "rate": merged.get(team, 0) / n})
        monday = nxt
    return pd.DataFrame(rows, columns=["team", "week", "engineers", "prs", "rate"])


def difference_in_differences(prep: Prepared, config: Config, quarter: Period, first_day: dt.date,
                              resamples: int = 1000, confidence: float = 0.95) -> dict:
    """Effect on merged PRs per engineer-week of adopting AI, for rollouts before the quarter ends."""
    rollouts = {team: t.ai_rollout for team, t in config.teams.items() if t.ai_rollout is not None}
    treated = sorted(t for t, day in rollouts.items() if day < quarter.end)
    if not treated:
        return {"method": None, "effect": None, "reason": "no team adopted AI before the quarter ended "
                "(config teams.<team>.ai_rollout)"}
    start = max(first_day, min(rollouts[t] for t in treated) - dt.timedelta(weeks=PRE_WEEKS))
    panel = team_week_panel(prep, config, start, quarter.end)
    control = sorted(set(panel["team"]) - set(rollouts) | {t for t, d in rollouts.items() if d >= quarter.end})
    control = [t for t in control if t in set(panel["team"])]
    cells = _cells(panel, treated, control, rollouts, quarter)
    if not cells["treated"]:
        return {"method": None, "effect": None, "reason": "the adopting teams have no weeks before and after "
                "their rollout inside the inputs"}
    with_control = bool(control) and all(len(c["control_pre"]) and len(c["control_post"]) for c in cells["treated"])
    effect, pre_level = _pooled(cells["treated"], with_control)
    rng = rng_for(config.statistics.seed, "difference_in_differences")
    draws = np.array([_pooled(_resample(cells["treated"], rng), with_control)[0] for _ in range(resamples)])
    alpha = (1 - confidence) / 2
    lo, hi = (float(x) for x in np.quantile(draws, [alpha, 1 - alpha]))
    post_weeks = sum(len(c["post"]) for c in cells["treated"])
    engineer_weeks = float(sum(c["engineers"] * len(c["post"]) for c in cells["treated"]))
    return {
        "method": ("difference-in-differences, adopting vs not-yet-adopting teams" if with_control else
                   "pre/post only: no control group, weaker evidence"),
        "effect": round(effect, 4), "interval": [round(lo, 4), round(hi, 4)], "unit": "merged PRs per engineer-week",
        "pre_level": round(pre_level, 4) if pre_level else None,
        "relative": round(effect / pre_level, 4) if pre_level else None,
        "relative_interval": [round(lo / pre_level, 4), round(hi / pre_level, 4)] if pre_level else None,
        "treated": treated, "control": control if with_control else [],
        "treated_post_weeks": post_weeks, "treated_engineer_weeks": engineer_weeks,
        "team_weeks": int(len(panel)),
        "pre_trend": _pre_trend(cells["treated"], rng, resamples, confidence) if with_control else None,
        "resamples": resamples, "confidence": confidence,
        "series": group_series(panel, treated, control if with_control else [], rollouts),
    }


def group_series(panel: pd.DataFrame, treated: list[str], control: list[str], rollouts: dict) -> dict:
    """Weekly merged PRs per engineer-week of the adopting and the comparison teams (pooled, so
    engineer-weighted), with each rollout's week: the picture behind the estimate and its pre-trend."""
    weeks = sorted(panel["week"].unique())

    def rate(teams: list[str]) -> list[float | None]:
        sums = panel[panel["team"].isin(teams)].groupby("week")[["prs", "engineers"]].sum()
        return [round(float(sums.at[w, "prs"] / sums.at[w, "engineers"]), 4)
                if w in sums.index and sums.at[w, "engineers"] else None for w in weeks]

    def week_id(day: pd.Timestamp) -> str:
        year, week, _ = day.date().isocalendar()
        return f"{year}-W{week:02d}"

    return {"weeks": [week_id(w) for w in weeks], "adopting": rate(treated), "comparison": rate(control) if control
            else None, "rollouts": {t: week_id(pd.Timestamp(rollouts[t])) for t in treated}}


def _cells(panel: pd.DataFrame, treated: list[str], control: list[str], rollouts: dict, quarter: Period) -> dict:
    out = []
    q_start, q_end = pd.Timestamp(quarter.start), pd.Timestamp(quarter.end)
    ctrl = panel[panel["team"].isin(control)]
    for team in treated:
        rollout = pd.Timestamp(rollouts[team])
        mine = panel[panel["team"] == team]
        pre_mask = (mine["week"] < rollout) & (mine["week"] >= rollout - pd.Timedelta(weeks=PRE_WEEKS))
        post_mask = (mine["week"] >= max(rollout, q_start)) & (mine["week"] < q_end)
        pre_weeks, post_weeks = set(mine.loc[pre_mask, "week"]), set(mine.loc[post_mask, "week"])
        if not pre_weeks or not post_weeks:
            continue
        by_week = ctrl.groupby("week").apply(lambda g: g["prs"].sum() / g["engineers"].sum(), include_groups=False)
        out.append({
            "team": team, "engineers": float(mine.loc[post_mask, "engineers"].mean()),
            "pre": mine.loc[pre_mask, "rate"].to_numpy(), "post": mine.loc[post_mask, "rate"].to_numpy(),
            "control_pre": by_week[by_week.index.isin(pre_weeks)].to_numpy(),
            "control_post": by_week[by_week.index.isin(post_weeks)].to_numpy(),
        })
    return {"treated": out}


def _pooled(cells: list[dict], with_control: bool) -> tuple[float, float]:
    """Engineer-weighted mean of each adopting team's (post - pre) - (control post - control pre)."""
    weights = np.array([c["engineers"] for c in cells])
    effects = []
    for c in cells:
        diff = c["post"].mean() - c["pre"].mean()
        if with_control:
            diff -= c["control_post"].mean() - c["control_pre"].mean()
        effects.append(diff)
    pre = np.array([c["pre"].mean() for c in cells])
    return float(np.average(effects, weights=weights)), float(np.average(pre, weights=weights))


def _resample(cells: list[dict], rng: np.random.Generator) -> list[dict]:
    """Weeks resampled with replacement inside each cell (team x before/after, and the control)."""
    def draw(values: np.ndarray) -> np.ndarray:
        return values[rng.integers(0, len(values), len(values))] if len(values) else values
    return [{**c, "pre": draw(c["pre"]), "post": draw(c["post"]), "control_pre": draw(c["control_pre"]),
             "control_post": draw(c["control_post"])} for c in cells]


def _pre_trend(cells: list[dict], rng: np.random.Generator, resamples: int, confidence: float) -> dict:
    """Slope of (adopting - control) rate over the weeks before rollout: near 0 means parallel trends."""
    gaps = [c["pre"] - c["control_pre"] for c in cells if len(c["pre"]) == len(c["control_pre"]) and len(c["pre"]) > 2]
    if not gaps:
        return {"slope": None, "parallel": None, "reason": "too few weeks before the rollouts"}

    def slope(pairs: list[tuple[np.ndarray, np.ndarray]]) -> float:
        return float(np.mean([np.polyfit(x, y, 1)[0] for x, y in pairs]))

    point = slope([(np.arange(len(g)), g) for g in gaps])
    draws = []
    for _ in range(resamples):
        pairs = []
        for g in gaps:  # resample (week, gap) points, keeping each point's position in time
            idx = rng.integers(0, len(g), len(g))
            pairs.append((idx, g[idx]) if len(set(idx)) > 1 else (np.arange(len(g)), g))
        draws.append(slope(pairs))
    alpha = (1 - confidence) / 2
    lo, hi = (float(x) for x in np.quantile(draws, [alpha, 1 - alpha]))
    return {"slope": round(point, 4), "interval": [round(lo, 4), round(hi, 4)], "parallel": lo <= 0 <= hi,
            "unit": "merged PRs per engineer-week, per week"}
