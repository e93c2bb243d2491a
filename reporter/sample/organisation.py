"""The sample organisation: its calendar, teams, services, AI rollouts, people and their weekly
activity, and the reporter.yaml that describes it.

Rollouts are staggered and anchored to the end of the data, so that with the default range each
demo period has a fresh rollout to look at: payments adopts early (a long "after"), platform a
quarter before the quarterly packet's quarter, web inside that quarter, mobile at the start of the
monthly report's month; data and growth never adopt and are the comparison group. With a short range
(--weeks) the waves fall back to fixed shares of it, still staggered and still in order.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .draw import order_by, stratified
from .writer import Table

ORGANIZATION = "Northwind Labs"
EMAIL_DOMAIN = "northwind.example"
BOT = "copilot-swe-agent[bot]"
FISCAL_YEAR_START_MONTH = 2
MIN_GROUP_SIZE = 5

HOUR = 3600.0
DAY = 24 * HOUR
WEEK = 7 * DAY
EPOCH = datetime.date(1970, 1, 1)

DEFAULT_TEAMS = ("payments", "platform", "mobile", "web", "data", "growth")
DEFAULT_TEAM_WEIGHTS = (14, 12, 9, 11, 4, 8)
EXTRA_TEAMS = (
    "search", "identity", "billing", "notifications", "checkout", "catalog", "analytics",
    "messaging", "fraud", "onboarding", "pricing", "logistics", "inventory", "partners",
    "observability", "security", "reporting", "ml-platform", "developer-tools", "accounts",
    "marketplace", "shipping", "loyalty", "content", "support-tools", "integrations",
    "compliance",
)
SMALL_TEAM, SMALL_TEAM_SIZE = "data", 4  # below the privacy minimum on purpose
BUSY_TEAM = "payments"
FRAGILE_SERVICE = "edge-gateway"

TOOLS = ("copilot", "cursor", "claude-code")
COPILOT, CURSOR, CLAUDE = 0, 1, 2


@dataclass(frozen=True)
class Wave:
    """One AI rollout: the Monday `weeks_before_end` weeks before the last week of the data, but
    never earlier than `share` of the range (short ranges), and the tool it brought."""

    weeks_before_end: int
    share: float
    tool: int


WAVES = (Wave(37, 0.30, CLAUDE), Wave(24, 0.45, COPILOT), Wave(10, 0.60, CURSOR), Wave(6, 0.80, COPILOT))
DEFAULT_WAVE = {"payments": 0, "platform": 1, "web": 2, "mobile": 3}  # data and growth never adopt

KTLO = "keep-the-lights-on"
DEFAULT_INITIATIVES = {
    "payments": "checkout-v2",
    "platform": "eu-data-residency",
    "mobile": "mobile-offline-mode",
    "web": "checkout-v2",
    "data": "eu-data-residency",
    "growth": "self-serve-onboarding",
}
EXTRA_INITIATIVES = ("partner-api", "enterprise-sso", "usage-based-billing", "search-relevance")
KNOWN_SERVICES = {
    "payments": [("payments-api", ["payments-api", "payments-web"]), ("ledger", ["ledger"])],
    "platform": [("edge-gateway", ["edge-gateway"]), ("auth-service", ["auth-service"])],
    "mobile": [("mobile-app", ["mobile-ios", "mobile-android"])],
    "web": [("storefront", ["storefront", "design-system"])],
    "data": [("data-pipeline", ["data-pipeline"])],
    "growth": [("experiments", ["experiments"])],
}

FIRST_NAMES = (
    "ada", "alan", "grace", "linus", "barbara", "edsger", "donald", "margaret", "ken",
    "dennis", "frances", "john", "radia", "tim", "sophie", "katherine", "guido", "bjarne",
    "anita", "leslie", "ivan", "hedy", "yukihiro", "james", "annie", "mary", "carl", "elena",
    "fatima", "kwame", "priya", "chen", "sofia", "mateo", "amara", "lars", "ingrid", "diego",
    "aisha", "tomas", "noor", "hiro", "zara", "omar", "lucia", "nikolai", "mei", "rafael",
    "imani", "jonas", "kofi", "leila", "sven", "ana", "ravi", "yara", "felix", "nadia",
    "marco", "emma", "luca", "olga", "pablo", "rosa",
)
LAST_NAMES = (
    "lovelace", "turing", "hopper", "torvalds", "liskov", "dijkstra", "knuth", "hamilton",
    "thompson", "ritchie", "allen", "backus", "perlman", "berners", "wilson", "johnson",
    "rossum", "stroustrup", "borg", "lamport", "sutherland", "lamarr", "matsumoto", "gosling",
    "easley", "keller", "kay", "moreno", "haddad", "mensah", "sharma", "wang", "rossi",
    "garcia", "okafor", "nilsson", "berg", "fernandez", "khan", "novak", "hassan", "tanaka",
    "ali", "costa", "petrov", "li", "silva", "nkosi", "weber", "dubois", "ivanova", "kowalski",
    "santos", "yilmaz", "murphy", "jensen", "larsen", "nakamura", "obi", "reyes", "schmidt",
    "varga", "zhou", "adeyemi",
)


# --------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The ISO weeks covered; times are float seconds since the epoch, UTC."""

    start: datetime.date  # Monday of the first week
    weeks: int

    @classmethod
    def ending(cls, end_date: datetime.date, weeks: int) -> Period:
        last_monday = end_date - datetime.timedelta(days=end_date.weekday())
        return cls(last_monday - datetime.timedelta(weeks=weeks - 1), weeks)

    @property
    def day0(self) -> int:
        return (self.start - EPOCH).days

    @property
    def end(self) -> datetime.date:
        """The Monday after the last week (exclusive)."""
        return self.start + datetime.timedelta(weeks=self.weeks)

    @property
    def days(self) -> int:
        return 7 * self.weeks

    @property
    def t0(self) -> float:
        return self.day0 * DAY

    @property
    def t_end(self) -> float:
        return self.t0 + self.weeks * WEEK

    def monday(self, week: int) -> datetime.date:
        return self.start + datetime.timedelta(weeks=int(week))

    def week_of(self, t: np.ndarray) -> np.ndarray:
        return np.floor((np.asarray(t) - self.t0) / WEEK).astype(np.int64)

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every calendar month the range touches."""
        first, last = self.start, self.end - datetime.timedelta(days=1)
        out, y, m = [], first.year, first.month
        while (y, m) <= (last.year, last.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def month_end(days: np.ndarray) -> np.ndarray:
    """Day number of the last day of the month containing each day."""
    month = np.asarray(days).astype("datetime64[D]").astype("datetime64[M]")
    return ((month + 1).astype("datetime64[D]") - 1).astype(np.int64)


# --------------------------------------------------------------------------------------
# Teams, services, rollouts
# --------------------------------------------------------------------------------------


@dataclass
class Org:
    """Static structure: who owns what, who rolled out what and when."""

    period: Period
    teams: list[str]
    sizes: np.ndarray  # engineers per team
    rollout: np.ndarray  # week index of the team's rollout, -1 for the comparison group
    team_tool: np.ndarray  # tool rolled out to the team, -1 for none
    initiatives: list[str]  # the team's strategic initiative
    services: list[str]
    service_team: np.ndarray
    service_repos: list[list[str]]
    repos: list[str]
    repo_team: np.ndarray
    repo_service: np.ndarray
    repo_weight: np.ndarray  # share of the owning team's PRs

    def team_index(self, name: str) -> int:
        return self.teams.index(name) if name in self.teams else -1

    def service_index(self, name: str) -> int:
        return self.services.index(name) if name in self.services else -1

    def rollout_ramp(self, team: np.ndarray, week: np.ndarray, full_after: int) -> np.ndarray:
        """0 before the team's rollout, rising linearly to 1 at week `full_after`, then 1."""
        start = self.rollout[team]
        full = np.maximum(start, full_after)
        ramp = (week - start + 1) / (full - start + 1)
        return np.where(start < 0, 0.0, np.clip(ramp, 0.0, 1.0))

    def busy_ramp(self, team: np.ndarray, week: np.ndarray) -> np.ndarray:
        """0 until the last quarter (13 weeks), then rising to 1: the busy team's review queue grows."""
        span = min(13, self.period.weeks // 2)
        ramp = np.clip((week - (self.period.weeks - span) + 1) / span, 0.0, 1.0)
        return np.where(team == self.team_index(BUSY_TEAM), ramp, 0.0)

    def fragile_ramp(self, service: np.ndarray, week: np.ndarray) -> np.ndarray:
        """0 until the fragile service's team rolls out, 1 over the last 8 weeks."""
        fragile = self.service_index(FRAGILE_SERVICE)
        if fragile < 0:
            return np.zeros(len(service))
        team = np.full(len(service), self.service_team[fragile])
        ramp = self.rollout_ramp(team, week, self.period.weeks - 8)
        return np.where(service == fragile, ramp, 0.0)


def organisation(engineers: int, teams: int, period: Period, rng: np.random.Generator) -> Org:
    names = team_names(teams)
    rollout, team_tool = rollouts(names, period)
    services, service_team, service_repos = _services(names)
    repo_team = np.array([team for team, rs in zip(service_team, service_repos) for _ in rs])
    repo_service = np.array([s for s, rs in enumerate(service_repos) for _ in rs])
    weight = np.zeros(len(repo_team))
    for t in range(teams):  # geometric shares: the first repo of a team is the busiest
        idx = np.nonzero(repo_team == t)[0]
        weight[idx] = 0.55 ** np.arange(len(idx))
        weight[idx] /= weight[idx].sum()
    return Org(
        period=period,
        teams=names,
        sizes=_team_sizes(names, engineers, rng),
        rollout=rollout,
        team_tool=team_tool,
        initiatives=[DEFAULT_INITIATIVES.get(n, EXTRA_INITIATIVES[i % len(EXTRA_INITIATIVES)])
                     for i, n in enumerate(names)],
        services=services,
        service_team=np.array(service_team),
        service_repos=service_repos,
        repos=[r for rs in service_repos for r in rs],
        repo_team=repo_team,
        repo_service=repo_service,
        repo_weight=weight,
    )


def team_names(teams: int) -> list[str]:
    names = list(DEFAULT_TEAMS[:teams])
    for i in range(teams - len(names)):
        cycle, k = divmod(i, len(EXTRA_TEAMS))
        names.append(EXTRA_TEAMS[k] + (f"-{cycle + 1}" if cycle else ""))
    return names


def _team_sizes(names: list[str], engineers: int, rng: np.random.Generator) -> np.ndarray:
    """Uneven sizes; the small team keeps 4 engineers, below the privacy minimum of 5."""
    weights = np.array(
        [DEFAULT_TEAM_WEIGHTS[i] if i < len(DEFAULT_TEAMS) else rng.lognormal(np.log(10), 0.45)
         for i in range(len(names))]
    )
    sizes = np.zeros(len(names), dtype=np.int64)
    small = names.index(SMALL_TEAM) if SMALL_TEAM in names else -1
    if small >= 0 and len(names) > 1 and engineers >= 5 * len(names):
        sizes[small] = SMALL_TEAM_SIZE
        weights[small] = 0.0
    remaining = engineers - sizes.sum()
    quota = weights / weights.sum() * remaining
    share = np.floor(quota).astype(np.int64)
    leftover = int(remaining - share.sum())
    order = np.lexsort((np.arange(len(names)), -(quota - share)))  # largest remainders first
    share[order[:leftover]] += 1
    sizes += share
    while (sizes == 0).any():  # tiny organisations: every team gets someone
        sizes[np.argmax(sizes)] -= 1
        sizes[np.argmin(sizes)] += 1
    return sizes


def wave_of(index: int, name: str) -> int | None:
    """The rollout wave of a team; None for the comparison group (about half the extra teams)."""
    if index < len(DEFAULT_TEAMS):
        return DEFAULT_WAVE.get(name)
    return (index // 2) % len(WAVES) if index % 2 == 0 else None


def rollout_week(wave: Wave, weeks: int) -> int:
    """Week index of a wave's rollout Monday, inside the range with a week before and two after."""
    week = max(weeks - 1 - wave.weeks_before_end, int(round(wave.share * weeks)))
    return min(max(week, 1), weeks - 2)


def rollouts(names: list[str], period: Period) -> tuple[np.ndarray, np.ndarray]:
    """Rollout week and tool per team (-1 for the comparison group)."""
    rollout = np.full(len(names), -1)
    tool = np.full(len(names), -1)
    for i, name in enumerate(names):
        wave = wave_of(i, name)
        if wave is not None:
            rollout[i] = rollout_week(WAVES[wave], period.weeks)
            tool[i] = WAVES[wave].tool
    return rollout, tool


def _services(names: list[str]) -> tuple[list[str], list[int], list[list[str]]]:
    """Services with their owning team and the repos that deploy as them."""
    services, owners, repos = [], [], []
    for i, name in enumerate(names):
        entries = KNOWN_SERVICES.get(name) if i < len(DEFAULT_TEAMS) else None
        if entries is None:
            entries = [(f"{name}-api", [f"{name}-api"] + ([f"{name}-console"] if i % 3 == 0 else []))]
            if i % 4 == 1:
                entries.append((f"{name}-worker", [f"{name}-worker"]))
        for service, rs in entries:
            services.append(service)
            owners.append(i)
            repos.append(rs)
    return services, owners, repos


# --------------------------------------------------------------------------------------
# People and their weekly activity
# --------------------------------------------------------------------------------------


@dataclass
class People:
    """Everyone, engineers first. Days are days since the epoch; -1 = no end date."""

    login: np.ndarray
    alias: np.ndarray  # first alias or ''
    aliases: np.ndarray  # the ';'-joined field
    team: np.ndarray
    role: np.ndarray
    is_engineer: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray
    propensity: np.ndarray  # in [0, 1), spread evenly per team and role: lower adopts sooner
    early: np.ndarray  # early adopter: uses AI before (or without) a rollout
    tool1: np.ndarray  # primary AI tool, -1 none
    tool2: np.ndarray  # secondary AI tool, -1 none
    productivity: np.ndarray
    employed: np.ndarray  # (people, weeks): employed the whole working week
    present: np.ndarray  # (people, weeks): not on leave
    active: np.ndarray  # (people, weeks): used an AI tool


def people(org: Org, rng: np.random.Generator, activity_rng: np.random.Generator) -> People:
    """Engineers of every team, a manager each, product managers and designers for some."""
    teams = len(org.teams)
    extra = [(t, "manager") for t in range(teams)]
    extra += [(t, "product") for t in range(0, teams, 2)]
    extra += [(t, "designer") for t in range(2, teams, 3)]
    team = np.concatenate([np.repeat(np.arange(teams), org.sizes), [t for t, _ in extra]]).astype(np.int64)
    role = np.array(["engineer"] * int(org.sizes.sum()) + [r for _, r in extra], dtype=object)
    n = len(team)
    is_eng = role == "engineer"
    login, alias, aliases = _logins(n, rng)
    start, end = _employment(org, team, is_eng, rng)
    propensity = stratified(team * 2 + is_eng, rng)
    early = is_eng & (propensity < 0.10)  # the keenest 10% use AI before any rollout
    tool1 = org.team_tool[team].copy()
    picks = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    tool1 = np.where((tool1 < 0) & early, picks, tool1)
    second = (tool1 >= 0) & (rng.random(n) < 0.25)
    tool2 = np.where(second, (tool1 + 1 + rng.integers(0, 2, n)) % 3, -1)
    productivity = rng.gamma(5.0, 0.2, n)
    employed, present, active = _activity(org, team, is_eng, start, end, propensity, early, tool1, activity_rng)
    return People(
        login=login, alias=alias, aliases=aliases, team=team, role=role, is_engineer=is_eng,
        start_day=start, end_day=end, propensity=propensity, early=early, tool1=tool1, tool2=tool2,
        productivity=productivity, employed=employed, present=present, active=active,
    )


def _logins(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """first.last logins (suffixed once every name pair is taken) and a few spare handles."""
    first, last = np.array(FIRST_NAMES, dtype=object), np.array(LAST_NAMES, dtype=object)
    combos = len(first) * len(last)
    cycles = -(-n // combos)
    order = np.concatenate([rng.permutation(combos) for _ in range(cycles)])[:n]
    fi, li = order // len(last), order % len(last)
    cycle = np.arange(n) // combos
    suffix = np.array(["" if c == 0 else str(c + 1) for c in range(cycles)], dtype=object)[cycle]
    login = first[fi] + "." + last[li] + suffix
    short = first[fi] + np.array([s[0] for s in LAST_NAMES], dtype=object)[li] + suffix
    long = np.array([s[0] for s in FIRST_NAMES], dtype=object)[fi] + last[li] + suffix
    has1 = rng.random(n) < 0.25
    has2 = has1 & (rng.random(n) < 0.2)
    taken = pd.Series(np.concatenate([login, short, long]))
    unique = ~taken.duplicated(keep=False).to_numpy()  # an ambiguous handle is worse than none
    has1 &= unique[n: 2 * n]
    has2 &= unique[2 * n:]
    alias = np.where(has1, short, "")
    both = has1 & has2
    aliases = np.where(both, short + ";" + long, np.where(has1, short, np.where(has2, long, "")))
    return login, alias.astype(object), aliases.astype(object)


def _employment(org: Org, team: np.ndarray, is_eng: np.ndarray, rng: np.random.Generator):
    """Most started long ago; ~8% of engineers join and ~4% leave during the range."""
    p, n = org.period, len(team)
    start = p.day0 - rng.integers(60, 6 * 365, n)
    end = np.full(n, -1, dtype=np.int64)
    movable = is_eng & (team != org.team_index(SMALL_TEAM))
    fate = rng.random(n)
    joiner = movable & (fate < 0.08)
    leaver = movable & (fate >= 0.08) & (fate < 0.12)
    start[joiner] = p.day0 + rng.integers(7, int(0.75 * p.days), joiner.sum())
    end[leaver] = p.day0 + rng.integers(int(0.25 * p.days), p.days - 10, leaver.sum())
    return start, end


def _activity(org: Org, team, is_eng, start_day, end_day, propensity, early, tool1, rng: np.random.Generator):
    """Who is employed, present and active with AI, week by week (the adoption story)."""
    weeks = org.period.weeks
    n = len(team)
    monday = org.period.day0 + 7 * np.arange(weeks)
    employed = (start_day[:, None] <= monday[None, :]) & (
        (end_day[:, None] < 0) | (end_day[:, None] >= monday[None, :] + 4)
    )
    present = rng.random((n, weeks)) < 0.93
    since = np.arange(weeks)[None, :] - org.rollout[team][:, None]
    rolled = (org.rollout[team] >= 0)[:, None] & (since >= 0)
    # ~30% of engineers in the first week, ~85% after 8 weeks (presence is 0.93).
    target = np.clip((0.30 + 0.55 * np.clip(since, 0, 8) / 8) / 0.93, 0.0, 1.0)
    keen = propensity[:, None]
    engineer = rolled & (keen < target)
    sooner = early[:, None] & (rng.random((n, weeks)) < 0.45)
    other = rolled & (keen < 0.7)
    uses = np.where(is_eng[:, None], engineer | sooner, other)
    return employed, present, employed & present & uses & (tool1 >= 0)[:, None]


def people_table(org: Org, people: People) -> Table:
    team = np.array(org.teams, dtype=object)[people.team]
    order = order_by(team, people.role, people.login)
    return {
        "person": people.login[order],
        "team": team[order],
        "role": people.role[order],
        "email": (people.login + "@" + EMAIL_DOMAIN)[order],
        "aliases": people.aliases[order],
        "start_date": people.start_day[order],
        "end_date": people.end_day[order],
    }


# --------------------------------------------------------------------------------------
# reporter.yaml
# --------------------------------------------------------------------------------------


def config_yaml(org: Org, engineers: int, seed: int) -> str:
    p = org.period
    last = p.end - datetime.timedelta(days=1)
    lines = [
        f"# Generated by `reporter sample` (seed {seed}, {engineers} engineers, {len(org.teams)} teams,",
        f"# {p.weeks} ISO weeks {p.start.isoformat()} .. {last.isoformat()}): a fictional organisation.",
        "# Teams with ai_rollout adopted AI tools on that Monday (staggered); the others have not yet",
        "# and are the comparison group of the difference-in-differences.",
        f"organization: {ORGANIZATION}",
        "currency: USD",
        "timezone: UTC",
        f"fiscal_year_start_month: {FISCAL_YEAR_START_MONTH}",
        "teams:",
    ]
    for t, team in enumerate(org.teams):
        rollout = f"ai_rollout: {p.monday(org.rollout[t]).isoformat()}" if org.rollout[t] >= 0 else ""
        lines.append(f"  {team}: {{{rollout}}}")
    lines.append("services:")
    for s, service in enumerate(org.services):
        repos = ", ".join(org.service_repos[s])
        lines.append(f"  {service}: {{team: {org.teams[org.service_team[s]]}, repos: [{repos}]}}")
    lines += ["privacy:", f"  min_group_size: {MIN_GROUP_SIZE}",
              "# Inputs of the quarterly ROI packet (illustrative figures; every one is listed in its assumptions).",
              "finance:", "  loaded_cost_per_engineer_year: 180000", "  hours_per_week: 40",
              "  survey_discount: 0.5", "  enablement_cost_per_quarter: 6000", "  incident_hour_cost: 250",
              "  exchange_rates: {EUR: 1.08}", ""]
    return "\n".join(lines)
