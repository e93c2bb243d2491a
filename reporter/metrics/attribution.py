"""Did AI reclaim capacity? Two independent estimates, never blended:

1. A difference-in-differences of merged PRs per engineer-week between teams that adopted AI
   (config ``teams.*.ai_rollout``) and teams that had not yet, before vs after each team's
   rollout, with a placebo-calibrated interval and pre-trend check (do the two groups move in
   parallel before the rollout?) that hold on short, autocorrelated weekly series (see
   ``placebo``). Without a control group: pre/post only, labelled weaker.
2. Survey self-reported hours saved, discounted by ``finance.survey_discount``.

Hours become FTE-equivalents and money through ``finance.loaded_cost_per_engineer_year``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..config import Config
from ..periods import Period
from . import placebo
from .prepare import Prepared
from .stats import rng_for

PRE_WEEKS = 13  # a quarter of history before each rollout
WEEK = dt.timedelta(weeks=1)


def team_week_panel(prep: Prepared, config: Config, first: dt.date, end: dt.date) -> pd.DataFrame:
    """Merged PRs per engineer-week for every team and ISO week in [first, end): the DiD's units.

    Array arithmetic, no loop per week: an engineer x week matrix of employment (employed at any time in
    the week, as ``people.employed_during``) summed per team, and merged PRs binned by week index. Rows
    come week by week, teams by headcount (largest first, ties in roster order), one per team with
    engineers that week."""
    columns = ["team", "week", "engineers", "prs", "rate"]
    monday = first - dt.timedelta(days=first.weekday())
    weeks = max(0, -(-(end - monday).days // 7))
    people = prep.people[prep.people["engineer"].to_numpy(dtype=bool)]
    if not weeks or people.empty:
        return pd.DataFrame(columns=columns)
    starts = pd.Timestamp(monday) + pd.to_timedelta(np.arange(weeks) * 7, unit="D")
    begin = people["start_date"].to_numpy(dtype="datetime64[ns]")
    leave = people["end_date"].to_numpy(dtype="datetime64[ns]")
    week_start = starts.to_numpy(dtype="datetime64[ns]")
    week_stop = week_start + np.timedelta64(7, "D")
    employed = ((np.isnat(begin)[:, None] | (begin[:, None] < week_stop[None, :]))
                & (np.isnat(leave)[:, None] | (leave[:, None] >= week_start[None, :])))
    codes, teams = pd.factorize(people["team"].to_numpy(dtype=object))
    valid = codes >= 0
    headcount = np.zeros((len(teams), weeks), dtype=np.int64)
    np.add.at(headcount, codes[valid], employed[valid].astype(np.int64))
    merged_day = prep.prs["merged_at"].dt.tz_convert(config.tz).dt.tz_localize(None).dt.normalize()
    offset = ((merged_day - pd.Timestamp(monday)).dt.days // 7).to_numpy(dtype="float64", na_value=np.nan)
    in_range = np.isfinite(offset) & (offset >= 0) & (offset < weeks)
    pr_team = pd.Index(teams).get_indexer(prep.prs["team"].to_numpy(dtype=object)[in_range])
    known = pr_team >= 0
    merged = np.zeros((len(teams), weeks), dtype=np.int64)
    np.add.at(merged, (pr_team[known], offset[in_range][known].astype(np.int64)), 1)
    # roster order of first appearance among the week's engineers breaks ties, as value_counts does
    first_row = np.where(employed, np.arange(len(people))[:, None], len(people))
    first_seen = np.full((len(teams), weeks), len(people), dtype=np.int64)
    np.minimum.at(first_seen, codes[valid], first_row[valid])
    week_idx, team_idx = np.nonzero(headcount.T > 0)
    order = np.lexsort((first_seen[team_idx, week_idx], -headcount[team_idx, week_idx], week_idx))
    team_idx, week_idx = team_idx[order], week_idx[order]
    engineers = headcount[team_idx, week_idx]
    prs = merged[team_idx, week_idx]
    return pd.DataFrame({"team": np.asarray(teams, dtype=object)[team_idx], "week": starts[week_idx],
                         "engineers": engineers.astype(int), "prs": prs.astype(int), "rate": prs / engineers},
                        columns=columns)


def difference_in_differences(prep: Prepared, config: Config, quarter: Period, first_day: dt.date,
                              resamples: int = 1000, confidence: float = 0.95, *,
                              last_day: dt.date | None = None) -> dict:
    """Effect on merged PRs per engineer-week of adopting AI, for rollouts before the quarter ends.

    Only weeks fully inside [first_day, last_day] count: a week the inputs do not cover is not a week
    of zero PRs. A week belongs to the quarter that holds its Monday."""
    rollouts = {team: t.ai_rollout for team, t in config.teams.items() if t.ai_rollout is not None}
    treated = sorted(t for t, day in rollouts.items() if day < quarter.end)
    if not treated:
        return {"method": None, "effect": None, "reason": "no team adopted AI before the quarter ended "
                "(config teams.<team>.ai_rollout)"}
    earliest = min(_monday(rollouts[t]) for t in treated) - PRE_WEEKS * WEEK
    first = _monday(max(first_day, earliest) + dt.timedelta(days=6))  # first Monday on or after
    end = quarter.end if last_day is None else min(quarter.end, last_day - dt.timedelta(days=5))
    panel = team_week_panel(prep, config, first, max(first, end))
    control = sorted(set(panel["team"]) - set(treated))
    return did_from_panel(panel, {t: rollouts[t] for t in treated}, control, quarter.start, quarter.end,
                          rng=rng_for(config.statistics.seed, "difference_in_differences"), resamples=resamples,
                          confidence=confidence)


def did_from_panel(panel: pd.DataFrame, rollouts: dict[str, dt.date], control: list[str], post_start: dt.date,
                   post_end: dt.date, *, rng: np.random.Generator, resamples: int = 1000,
                   confidence: float = 0.95) -> dict:
    """The estimate and its calibrated interval from a team-week panel (columns team, week (Monday),
    engineers, prs, rate; one row per team with engineers and fully covered week). Pure, so that its
    coverage can be checked by simulation. Post weeks: on or after the rollout, Monday in
    [post_start, post_end); pre weeks: the PRE_WEEKS whole weeks before the rollout."""
    design = _design(panel, rollouts, control, post_start, post_end)
    if not design["teams"]:
        detail = "; ".join(f"{t}: {why}" for t, why in design["left_out"].items())
        return {"method": None, "effect": None, "reason": "no adopting team has fully covered weeks both before and "
                f"after its rollout ({detail})", "left_out": design["left_out"]}
    gaps, pre, post, share = design["gaps"], design["pre"], design["post"], design["share"]
    contrasts = {"effect": share[:, None] * (post / post.sum(1, keepdims=True) - pre / pre.sum(1, keepdims=True))}
    with_control = design["with_control"]
    if with_control:
        slope = _slope_weights(pre, share, design["weekno"])
        if slope is not None:
            contrasts["slope"] = slope
    result = placebo.studentized_intervals(gaps, pre, post, design["weekno"], contrasts, rng=rng,
                                           resamples=resamples, confidence=confidence)
    effect, pre_level = result.estimates["effect"], design["pre_level"]
    interval = result.intervals["effect"] if result.intervals else None
    relative_ok = bool(pre_level)
    return {
        "method": ("difference-in-differences, adopting vs not-yet-adopting teams" if with_control else
                   "pre/post only: no control group, weaker evidence"),
        "effect": round(effect, 4), "interval": [round(x, 4) for x in interval] if interval else None,
        "interval_reason": result.reason, "unit": "merged PRs per engineer-week",
        "pre_level": round(pre_level, 4) if relative_ok else None,
        "relative": round(effect / pre_level, 4) if relative_ok else None,
        "relative_interval": [round(x / pre_level, 4) for x in interval] if relative_ok and interval else None,
        "treated": design["teams"], "control": design["control"], "left_out": design["left_out"],
        "treated_post_weeks": int(sum(design["post_weeks"].values())),
        "treated_engineer_weeks": float(sum(design["engineer_weeks"].values())),
        "post_weeks_used": design["post_weeks"], "post_weeks_in_quarter": design["possible"],
        "quarter_weeks": _mondays(post_start, post_start, post_end),
        "team_weeks": design["team_weeks"],
        "pre_trend": _pre_trend(result, "slope" in contrasts) if with_control else None,
        "resamples": resamples, "placebo_draws": result.draws, "confidence": confidence,
        "week_to_week_correlation": None if result.phi is None else round(result.phi, 2),
        "inference": _inference_note(result, resamples, confidence),
        "weighting": "each adopting team weighted by its engineer-weeks in the post weeks used (mean engineers x "
                     "post weeks), so effect x engineer-weeks is the extra PRs; " + (
                         "the comparison teams pooled each week (their merged PRs over their engineers)"
                         if with_control else "no comparison group"),
        "series": group_series(panel, design["teams"], design["control"], rollouts),
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


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _mondays(earliest: dt.date, start: dt.date, end: dt.date) -> int:
    """Mondays in [max(earliest, start), end): the weeks of the quarter on or after a day."""
    first = _monday(max(earliest, start) + dt.timedelta(days=6))
    return max(0, ((end - first).days + 6) // 7)


def _design(panel: pd.DataFrame, rollouts: dict[str, dt.date], control: list[str], post_start: dt.date,
            post_end: dt.date) -> dict:
    """Adopting teams grouped into cohorts that share the same pre and post weeks; each cohort's weekly
    rate is its teams' rates weighted by engineer-weeks in the post weeks, minus the comparison's."""
    weeks = pd.DatetimeIndex(sorted(panel["week"].unique()))
    rate = panel.pivot(index="team", columns="week", values="rate").reindex(columns=weeks)
    engineers = panel.pivot(index="team", columns="week", values="engineers").reindex(columns=weeks).fillna(0)
    control = [t for t in control if t in rate.index]
    comparison = np.zeros(len(weeks))
    has_comparison = np.ones(len(weeks), dtype=bool)
    if control:
        sums = panel[panel["team"].isin(control)].groupby("week")[["prs", "engineers"]].sum().reindex(weeks)
        people = sums["engineers"].to_numpy(dtype=float, na_value=0.0)
        has_comparison = people > 0
        comparison = np.divide(sums["prs"].to_numpy(dtype=float, na_value=0.0), people, out=np.zeros(len(weeks)),
                               where=has_comparison)
    mondays = weeks.to_numpy(dtype="datetime64[D]")
    rates, masks, engineer_weeks, post_weeks, possible, left_out = {}, {}, {}, {}, {}, {}
    for team in sorted(rollouts):
        day = rollouts[team]
        possible[team] = _mondays(day, post_start, post_end)
        if team not in rate.index:
            left_out[team] = "no engineer of the team in a fully covered week"
            continue
        row = rate.loc[team].to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(row) & (engineers.loc[team].to_numpy(dtype=float) > 0) & has_comparison
        start = np.datetime64(_monday(day) - PRE_WEEKS * WEEK)
        pre = present & (mondays >= start) & (mondays + np.timedelta64(7, "D") <= np.datetime64(day))
        post = present & (mondays >= np.datetime64(max(day, post_start))) & (mondays < np.datetime64(post_end))
        if not pre.any():
            left_out[team] = f"no fully covered week in the {PRE_WEEKS} weeks before its rollout" + (
                " with comparison teams" if control else "")
        elif not post.any():
            left_out[team] = "no fully covered week after its rollout in the quarter"
        else:
            rates[team], masks[team] = row, (pre, post)
            engineer_weeks[team] = float(engineers.loc[team].to_numpy(dtype=float)[post].sum())
            post_weeks[team] = int(post.sum())
    teams = sorted(rates)
    cohorts: dict[bytes, list[str]] = {}
    for team in teams:
        cohorts.setdefault(masks[team][0].tobytes() + masks[team][1].tobytes(), []).append(team)
    total = sum(engineer_weeks.values())
    gaps, pres, posts, shares = [], [], [], []
    for members in cohorts.values():
        weight = np.array([engineer_weeks[t] for t in members])
        pre, post = masks[members[0]]
        used = pre | post
        series = np.where(used, np.nan_to_num(np.average([rates[t] for t in members], axis=0, weights=weight)), 0.0)
        gaps.append(np.where(used, series - comparison, 0.0))
        pres.append(pre)
        posts.append(post)
        shares.append(weight.sum() / total if total else 1 / len(cohorts))
    columns = np.array(pres).any(0) | np.array(posts).any(0) if teams else np.zeros(len(weeks), dtype=bool)
    pre_level = sum(engineer_weeks[t] * np.mean(rates[t][masks[t][0]]) for t in teams) / total if total else 0.0
    control_rows = int((engineers.loc[control].to_numpy(dtype=float)[:, columns] > 0).sum()) if control else 0
    return {
        "teams": teams, "control": control, "with_control": bool(control), "left_out": left_out,
        "gaps": np.array(gaps)[:, columns] if teams else None, "pre": np.array(pres)[:, columns] if teams else None,
        "post": np.array(posts)[:, columns] if teams else None, "share": np.array(shares),
        "weekno": ((mondays[columns] - mondays[0]) // np.timedelta64(7, "D")).astype(int) if teams else None,
        "pre_level": float(pre_level), "engineer_weeks": engineer_weeks, "post_weeks": post_weeks,
        "possible": possible, "team_weeks": sum(int(m[0].sum() + m[1].sum()) for m in masks.values()) + control_rows,
    }


def _slope_weights(pre: np.ndarray, share: np.ndarray, weekno: np.ndarray) -> np.ndarray | None:
    """Weights giving the share-weighted mean over cohorts of the least-squares slope of the gap
    (adopting - comparison) over the weeks before rollout: near 0 means parallel trends."""
    ok = pre.sum(1) >= 3
    if not ok.any():
        return None
    weights = np.zeros(pre.shape)
    for c in np.flatnonzero(ok):
        x = weekno[pre[c]].astype(float)
        x -= x.mean()
        weights[c, pre[c]] = share[c] / share[ok].sum() * x / (x @ x)
    return weights


def _pre_trend(result: placebo.Result, checked: bool) -> dict:
    if not checked:
        return {"slope": None, "parallel": None, "reason": "too few weeks before the rollouts (3 needed)"}
    slope = round(result.estimates["slope"], 4)
    if not result.intervals:
        return {"slope": slope, "interval": None, "parallel": None, "reason": result.reason,
                "unit": "merged PRs per engineer-week, per week"}
    lo, hi = result.intervals["slope"]
    return {"slope": slope, "interval": [round(lo, 4), round(hi, 4)], "parallel": bool(lo <= 0 <= hi),
            "unit": "merged PRs per engineer-week, per week"}


def _inference_note(result: placebo.Result, resamples: int, confidence: float) -> str:
    if result.intervals is None:
        return f"No interval: {result.reason}."
    if not result.draws:
        return "The weekly rates never move around their before and after means, so the interval has no width."
    shared = ", cohorts' noise as estimated or fully shared" if result.worlds > len(placebo.WORLDS) else ""
    return (f"Placebo inference: the studentized estimate is set against {result.draws:,} simulated placebo panels "
            f"with no effect ({result.worlds} null worlds x {resamples:,}: week-to-week correlation 0 to "
            f"{placebo.COVERED}{shared}), keeping the widest critical values, so the {confidence:.0%} interval is "
            f"built to hold for any such correlation (estimated here: {result.phi:.2f}).")
