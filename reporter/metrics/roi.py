"""Capacity reclaimed, total AI cost and ROI as a range, for the quarterly packet.

ROI = (value - cost) / cost, where value is the capacity reclaimed priced at the loaded cost of
an engineer. Every input is listed in ``assumptions`` with its source; when an input is missing
the figure is N/A with the reason, never a guess. Currencies are never added: costs in another
currency count only through an exchange rate the config states (and the packet lists).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..config import Config
from ..periods import Period
from . import people as ppl
from .prepare import Prepared


def survey_estimate(prep_surveys, prep: Prepared, config: Config, quarter: Period,
                    first_day: dt.date | None = None, end_day: dt.date | None = None) -> dict:
    """Self-reported hours saved per week (team averages in the quarter) x engineers x weeks,
    discounted by finance.survey_discount. Weeks are those of [first_day, end_day), the part of
    the quarter the inputs cover (default: the whole quarter)."""
    first_day = first_day or quarter.start
    end_day = end_day or quarter.end
    if prep_surveys is None or prep_surveys.empty:
        return {"hours": None, "reason": "no surveys.* file in the inputs"}
    rows = prep_surveys[(prep_surveys["date"] >= np.datetime64(quarter.start)) &
                        (prep_surveys["date"] < np.datetime64(quarter.end)) &
                        prep_surveys["time_saved_hours_per_week"].notna()]
    if rows.empty:
        return {"hours": None, "reason": "no survey with time_saved_hours_per_week in the quarter"}
    people = prep.people
    employed = people["engineer"].to_numpy(dtype=bool) & ppl.employed_during(people, first_day, end_day)
    headcount = people.loc[employed, "team"].value_counts()
    weeks = (end_day - first_day).days / 7
    per_team = rows.groupby(rows["team"].astype(object))["time_saved_hours_per_week"].mean()
    raw = sum(float(v) * int(headcount.get(team, 0)) * weeks for team, v in per_team.items())
    discount = config.finance.survey_discount
    return {"hours": round(raw * discount, 2), "raw_hours": round(raw, 2), "discount": discount,
            "teams": sorted(str(t) for t in per_team.index), "weeks": round(weeks, 4),
            "responses": int(rows["responses"].fillna(0).sum())}


def did_hours(did: dict, config: Config) -> dict:
    """Relative throughput change x the engineer-weeks the estimate used (the adopting teams' post
    weeks) x hours per week. N/A without a calibrated interval: a point without its range would say
    more than the data."""
    if did.get("effect") is None:
        return {"hours": None, "reason": did.get("reason") or "no difference-in-differences estimate"}
    if did.get("relative") is None:
        return {"hours": None, "reason": "the adopting teams merged no PR in the weeks before their rollout: no "
                                         "level to express the effect against"}
    if did.get("relative_interval") is None:
        return {"hours": None, "reason": "no calibrated interval for the difference-in-differences: "
                                         + (did.get("interval_reason") or "not computable")}
    base_hours = did["treated_engineer_weeks"] * config.finance.hours_per_week
    low, high = did["relative_interval"]
    return {"hours": [round(low * base_hours, 2), round(did["relative"] * base_hours, 2), round(high * base_hours, 2)],
            "engineer_weeks": did["treated_engineer_weeks"], "hours_per_week": config.finance.hours_per_week}


def total_cost(spend: dict | None, config: Config, share: float = 1.0) -> dict:
    """AI spend in the quarter in the report currency, plus enablement pro rata to the ``share``
    of the quarter the inputs cover; N/A when a currency has no configured exchange rate."""
    currency = config.currency
    if not spend:
        return {"value": None, "reason": "no ai_costs.* or seats.* file, or no AI spend in the quarter"}
    total, converted = 0.0, {}
    for code, amount in sorted(spend.items()):
        if code == currency:
            total += amount
            continue
        rate = config.finance.exchange_rates.get(code)
        if rate is None:
            return {"value": None, "reason": f"AI costs in {code} ({amount:,.2f}) cannot be added to {currency}: "
                                             f"set finance.exchange_rates.{code}; currencies are never added as is"}
        converted[code] = {"amount": amount, "rate": rate}
        total += amount * rate
    enablement = round(config.finance.enablement_cost_per_quarter * share, 2)
    return {"value": round(total + enablement, 2), "currency": currency, "ai_spend": round(total, 2),
            "enablement": enablement, "enablement_share": round(share, 4), "converted": converted}


def roi_range(hours: dict, cost: dict, config: Config, weeks: float) -> dict:
    """(value - cost) / cost at the low, base and high capacity estimates; FTE over ``weeks``."""
    loaded = config.finance.loaded_cost_per_engineer_year
    if hours.get("hours") is None:
        return {"roi": None, "reason": hours.get("reason")}
    if loaded is None:
        return {"roi": None, "reason": "finance.loaded_cost_per_engineer_year is not configured: capacity cannot be "
                                       "priced"}
    if cost.get("value") is None:
        return {"roi": None, "reason": cost.get("reason")}
    if cost["value"] <= 0:
        return {"roi": None, "reason": "AI cost in the quarter is 0: ROI is undefined"}
    hourly = loaded / (52 * config.finance.hours_per_week)
    estimates = hours["hours"] if isinstance(hours["hours"], list) else [hours["hours"]] * 3
    values = [h * hourly for h in estimates]
    fte = [h / (config.finance.hours_per_week * weeks) for h in estimates]
    return {"value": [round(v, 2) for v in values], "fte": [round(f, 3) for f in fte],
            "roi": [round((v - cost["value"]) / cost["value"], 4) for v in values],
            "cost": cost["value"], "currency": config.currency, "hourly_cost": round(hourly, 4)}


def confidence_label(did: dict) -> str:
    """A CFO's word for how much the estimate can carry, from the calibrated interval: "moderate" only
    for a difference-in-differences whose interval excludes zero after parallel pre-trends."""
    if did.get("effect") is None or did.get("interval") is None:
        return "none"
    if not did.get("control"):
        return "low (no control group: pre/post only)"
    trend = did.get("pre_trend") or {}
    lo, hi = did["interval"]
    if trend.get("parallel") is False:
        return "low (adopting and other teams already diverged before the rollout)"
    if trend.get("parallel") is None:
        return "low (too few weeks before the rollout to check that the groups moved in parallel)"
    if lo <= 0 <= hi:
        return "low (the 95% interval includes zero: no effect cannot be ruled out)"
    return "moderate (difference-in-differences, parallel pre-trends, interval excludes zero)"


def assumptions(config: Config, did: dict, survey: dict) -> list[dict]:
    f = config.finance
    rows: list[dict] = [
        {"name": "Loaded cost per engineer-year", "value": f.loaded_cost_per_engineer_year,
         "source": "config finance.loaded_cost_per_engineer_year"},
        {"name": "Hours per week", "value": f.hours_per_week, "source": "config finance.hours_per_week"},
        {"name": "Survey discount", "value": f.survey_discount, "source": "config finance.survey_discount"},
        {"name": "Enablement cost per quarter", "value": f.enablement_cost_per_quarter,
         "source": "config finance.enablement_cost_per_quarter"},
        {"name": "Throughput stands for capacity", "value": "merged PRs per engineer-week",
         "source": "method: a change in throughput is read as capacity reclaimed"},
        {"name": "AI rollout dates", "value": {t: c.ai_rollout.isoformat() for t, c in sorted(config.teams.items())
                                                if c.ai_rollout}, "source": "config teams.<team>.ai_rollout"},
    ]
    for code, rate in sorted(f.exchange_rates.items()):
        rows.append({"name": f"Exchange rate {code} to {config.currency}", "value": rate,
                     "source": f"config finance.exchange_rates.{code}"})
    if survey.get("hours") is not None:
        rows.append({"name": "Survey responses", "value": survey["responses"], "source": "surveys file"})
    if did.get("effect") is not None:
        # The full sentences are in the method section (capacity.difference_in_differences.inference/weighting).
        rows.append({"name": "Interval method", "value": "placebo inference (simulated panels with no effect)",
                     "source": "method: capacity.difference_in_differences.inference"})
        rows.append({"name": "Placebo draws", "value": did["placebo_draws"],
                     "source": "method: statistics.bootstrap_resamples per null world"})
        rows.append({"name": "Team weighting", "value": "engineer-weeks in the post weeks used",
                     "source": "method: capacity.difference_in_differences.weighting"})
        rows.append({"name": "Post weeks used", "value": {t: f"{n} of {did['post_weeks_in_quarter'][t]}" for t, n in
                                                          did["post_weeks_used"].items()},
                     "source": "inputs: weeks after each rollout, in the quarter, fully covered by the data"})
    return rows

