"""AI-tool data of the sample: daily usage per person, tool and feature; seats (some idle); and
usage billing per team, tool and spend category, in each tool's currency."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .draw import gumbel_top, order_by
from .organisation import COPILOT, DAY, HOUR, TOOLS, Org, People, month_end
from .writer import Table, money

SEAT_PRICE = (19.00, 40.00, 100.00)
TOOL_CURRENCY = ("USD", "EUR", "USD")
PRICE_PER_MTOK = (2.0, 4.0, 6.0)  # blended usage billing, in the tool's currency
CATEGORIES = ("new_feature", "bugfix", "refactor", "maintenance", "infrastructure")

FEATURES = ("completion", "chat", "agent", "test-generation", "refactor", "code-review")
# How much each tool is used for each feature (0 = the tool does not offer it).
FEATURE_WEIGHTS = np.array(
    [
        [5.0, 3.0, 1.5, 1.0, 0.8, 0.8],  # copilot
        [5.0, 2.5, 2.0, 0.8, 1.2, 0.0],  # cursor
        [0.0, 2.0, 5.0, 1.5, 1.5, 1.0],  # claude-code
    ]
)
FEATURE_INTERACTIONS = np.array([40.0, 8.0, 6.0, 4.0, 4.0, 3.0])  # per active day
FEATURE_LINES = np.array([2.5, 6.0, 30.0, 15.0, 12.0, 0.0])  # suggested per interaction
FEATURE_ACCEPT = np.array([0.30, 0.35, 0.60, 0.55, 0.50, 0.0])
FEATURE_TOKENS = np.array([800.0, 6000.0, 200000.0, 30000.0, 40000.0, 25000.0])  # incl. cached context


def usage(org: Org, people: People, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One row per person, tool, feature and active day; ~3 active days per active week."""
    person, week = np.nonzero(people.active)
    days = np.clip(rng.binomial(5, 0.6, len(person)), 1, 5)
    occasional = (people.early | ~people.is_engineer)[person] & (rng.random(len(person)) < 0.7)
    days = np.where(occasional, np.minimum(days, 2), days)  # early adopters, managers: 1-2 days
    weekday_w = np.array([1.0, 1.0, 1.0, 1.0, 0.9, 0.08, 0.05])
    row, day = gumbel_top(rng, np.broadcast_to(weekday_w, (len(person), 7)), days)
    person, week = person[row], week[row]
    # the primary tool every active day, the secondary on ~40% of them; some of those who
    # try a second tool give it up after three weeks (idle seats)
    first_week = np.argmax(people.active, axis=1)
    gave_up = (rng.random(len(people.team)) < 0.15)[person] & (week > first_week[person] + 2)
    second = (people.tool2[person] >= 0) & (rng.random(len(person)) < 0.4) & ~gave_up
    idx = np.concatenate([np.arange(len(person)), np.nonzero(second)[0]])
    tool = np.concatenate([people.tool1[person], people.tool2[person][second]])
    person, week, day = person[idx], week[idx], day[idx]
    k = np.minimum(1 + rng.binomial(2, 0.35, len(person)), 4)
    row, feature = gumbel_top(rng, FEATURE_WEIGHTS[tool], k)
    person, week, day, tool = person[row], week[row], day[row], tool[row]
    intensity = rng.lognormal(0.0, 0.4, len(people.team))[person]
    interactions = 1 + rng.poisson(FEATURE_INTERACTIONS[feature] * intensity)
    suggested = rng.poisson(interactions * FEATURE_LINES[feature] * rng.lognormal(0, 0.3, len(row)))
    accepted = rng.binomial(suggested, FEATURE_ACCEPT[feature])
    tokens = np.round(interactions * FEATURE_TOKENS[feature] * rng.lognormal(0, 0.3, len(row)))
    date = org.period.day0 + 7 * week + day
    order = np.lexsort((feature, tool, person, date))
    out = {
        "date": date, "person": person, "week": week, "tool": tool, "feature": feature,
        "interactions": interactions, "lines_suggested": suggested, "lines_accepted": accepted,
        "tokens": tokens.astype(np.int64),
    }
    return {key: value[order] for key, value in out.items()}


def usage_table(people: People, used: dict[str, np.ndarray]) -> Table:
    return {
        "date": used["date"],
        "person": people.login[used["person"]],
        "tool": np.array(TOOLS, dtype=object)[used["tool"]],
        "feature": np.array(FEATURES, dtype=object)[used["feature"]],
        "interactions": used["interactions"],
        "lines_suggested": used["lines_suggested"],
        "lines_accepted": used["lines_accepted"],
        "tokens": used["tokens"],
    }


def seats_table(org: Org, people: People, used: dict, rng: np.random.Generator) -> Table:
    """Seats for everyone with a tool (rollout teams from their rollout, others shortly before
    first use) and a second seat for users who asked for another tool."""
    second = (people.tool2 >= 0) & people.active.any(axis=1)
    person = np.concatenate([np.nonzero(people.tool1 >= 0)[0], np.nonzero(second)[0]])
    tool = np.concatenate([people.tool1[people.tool1 >= 0], people.tool2[second]])
    span = pd.DataFrame({"key": used["person"] * 3 + used["tool"], "date": used["date"]}).groupby("key")["date"].agg(
        ["min", "max"])
    key = pd.Index(person * 3 + tool)
    first = span["min"].reindex(key).to_numpy()
    last = span["max"].reindex(key).to_numpy()
    team = people.team[person]
    rolled = (org.rollout[team] >= 0) & (org.team_tool[team] == tool)
    rollout_day = (org.period.day0 + 7 * org.rollout[team]).astype(float)
    rollout_day = np.where(rolled, np.maximum(rollout_day, people.start_day[person]), np.nan)
    before_use = np.maximum(first - rng.integers(1, 21, len(person)), people.start_day[person])
    assigned = np.fmin(rollout_day, before_use)  # NaN (no such date) is ignored
    never = np.isnan(assigned)  # a secondary tool requested but never used: an idle seat
    lo = np.maximum(people.start_day[person], org.period.day0)
    last_day = org.period.day0 + org.period.days - 1
    assigned[never] = lo[never] + np.floor(rng.random(never.sum()) * (last_day - lo[never]))
    assigned_at = assigned * DAY + rng.uniform(7, 9, len(person)) * HOUR  # before that day's use
    end = people.end_day[person]
    keep = (end < 0) | (assigned <= end)  # nobody gets a seat after leaving
    person, tool, assigned_at, last = person[keep], tool[keep], assigned_at[keep], last[keep]
    last_at = last * DAY + rng.uniform(9, 19, len(last)) * HOUR
    order = order_by(np.array(TOOLS)[tool], people.login[person])
    tool, person, assigned_at, last_at = tool[order], person[order], assigned_at[order], last_at[order]
    return {
        "tool": np.array(TOOLS, dtype=object)[tool],
        "person": people.login[person],
        "assigned_at": assigned_at,
        "last_activity_at": last_at,
        "monthly_price": np.array([f"{p:.2f}" for p in SEAT_PRICE], dtype=object)[tool],
    }


def costs_table(org: Org, people: People, used: dict, rng: np.random.Generator) -> Table:
    """Usage billing per team, tool and category: weekly for most tools, monthly for copilot."""
    p = org.period
    bill = pd.DataFrame({"team": people.team[used["person"]], "tool": used["tool"],
                         "week": used["week"], "tokens": used["tokens"]})
    monday = p.day0 + 7 * bill["week"].to_numpy()
    bill["day"] = np.where(bill["tool"] == COPILOT, np.minimum(month_end(monday), p.day0 + p.days - 1), monday)
    lines = bill.groupby(["day", "tool", "team"], as_index=False)["tokens"].sum()
    n = len(lines)
    mix = np.array([rng.dirichlet(_category_alpha(name)) for name in org.teams])
    weights = mix[lines["team"].to_numpy()] * rng.lognormal(0, 0.2, (n, len(CATEGORIES)))
    weights /= weights.sum(axis=1, keepdims=True)
    tool = lines["tool"].to_numpy()
    amount = lines["tokens"].to_numpy() / 1e6 * np.array(PRICE_PER_MTOK)[tool] * rng.normal(1, 0.03, n)
    row = np.repeat(np.arange(n), len(CATEGORIES))
    cat = np.tile(np.arange(len(CATEGORIES)), n)
    cents = np.round(amount[row] * weights[row, cat] * 100)
    keep = cents >= 1
    row, cat, cents = row[keep], cat[keep], cents[keep]
    return {
        "date": lines["day"].to_numpy()[row],
        "tool": np.array(TOOLS, dtype=object)[tool[row]],
        "amount": money(cents),
        "currency": np.array(TOOL_CURRENCY, dtype=object)[tool[row]],
        "category": np.array(CATEGORIES, dtype=object)[cat],
        "tokens": np.floor(lines["tokens"].to_numpy()[row] * weights[row, cat]).astype(np.int64),
        "team": np.array(org.teams, dtype=object)[lines["team"].to_numpy()[row]],
    }


def _category_alpha(team: str) -> np.ndarray:
    """Platform-like teams spend more on infrastructure, product teams on features."""
    if team in ("platform", "data") or team.startswith(("observability", "security", "developer")):
        return np.array([10.0, 6.0, 5.0, 6.0, 12.0])
    return np.array([20.0, 9.0, 6.0, 5.0, 2.0])
