"""A deterministic, realistic sample organisation in the canonical format (DESIGN.md 4).

The data is synthetic but plants, on purpose, the story the reports must be able to tell:

1. AI is rolled out to half the teams in three staggered waves; the others are a control group
   with a few early adopters.
2. Adoption in a rolled-out team grows from ~30% of its engineers in the first week to ~85%.
3. AI-assisted PRs are ~1.7x larger; small ones are coded faster, large ones pay a review tax.
4. AI assistance is marked by the column, a label, a commit trailer or the bot author.
5. The review queue of the busy team (payments) grows while its coding time falls.
6. One service (edge-gateway) ships bugs faster after its team's rollout.
7. Incidents, costs, seats, work items, releases and survey pulses complete the picture.

Same arguments give byte-identical files: randomness comes only from child streams of
``np.random.default_rng(seed)`` (one per dataset, so changing one does not reshuffle the
others), dates only from ``end_date``. Rows are built with vectorised numpy, never one Python
iteration per PR, so a 5000-engineer organisation generates in seconds.
"""

from __future__ import annotations

import datetime
import pathlib
from dataclasses import dataclass
from typing import Union

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# A dataset ready to write: column name -> values (numpy, or pyarrow strings for speed).
Table = dict[str, Union[np.ndarray, pa.Array]]

# --------------------------------------------------------------------------------------
# Constants of the story
# --------------------------------------------------------------------------------------

ORGANIZATION = "Northwind Labs"
EMAIL_DOMAIN = "northwind.example"
BOT = "copilot-swe-agent[bot]"

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
SMALL_TEAM, SMALL_TEAM_SIZE = "data", 4
BUSY_TEAM = "payments"
FRAGILE_SERVICE = "edge-gateway"

TOOLS = ("copilot", "cursor", "claude-code")
COPILOT, CURSOR, CLAUDE = 0, 1, 2
SEAT_PRICE = (19.00, 40.00, 100.00)
TOOL_CURRENCY = ("USD", "EUR", "USD")
PRICE_PER_MTOK = (2.0, 4.0, 6.0)  # blended usage billing, in the tool's currency
ROLLOUT_FRACTIONS = (0.35, 0.45, 0.55)  # of the range, one per wave
WAVE_TOOL = (CLAUDE, COPILOT, CURSOR)  # the tool each wave rolled out
DEFAULT_ROLLED = {"payments": 0, "platform": 1, "web": 2}  # team -> wave

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

TRAILERS = (
    "Co-authored-by: Claude <noreply@anthropic.com>",
    "Co-authored-by: Claude Sonnet 4.5 <noreply@anthropic.com>",
    "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
    "Co-authored-by: Cursor Agent <cursoragent@cursor.com>",
    "Assisted-by: Codex",
)
# How an AI-assisted PR is marked (the bot author is the fourth way).
MARK_NONE, MARK_FLAG, MARK_LABEL, MARK_TRAILER, MARK_BOT = 0, 1, 2, 3, 4

CATEGORIES = ("new_feature", "bugfix", "refactor", "maintenance", "infrastructure")
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
CUSTOMERS = (
    "Northwind", "Contoso", "Fabrikam", "Globex", "Initech", "Tailspin Toys",
    "Wide World Importers", "Adventure Works", "Litware", "Proseware",
)
EUR_CUSTOMERS = ("Fabrikam", "Litware")

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

PR_VERBS = (
    "Add", "Fix", "Refactor", "Remove", "Update", "Improve", "Migrate", "Speed up", "Handle",
    "Clean up", "Document", "Test",
)
PR_OBJECTS = (
    "retry logic for webhooks", "pagination in the orders API", "flaky checkout test",
    "currency rounding", "session expiry", "the settings page", "rate limiting", "audit logging",
    "error messages on login", "the deploy pipeline", "feature flag cleanup", "N+1 queries in reports",
    "timeouts, retries and backoff", 'handling of "Retry-After" headers', "dark mode", "CSV export",
    "search indexing", "cache invalidation", "input validation", "metrics for the queue consumer",
    "database migrations", "dependency versions", "the onboarding flow", "push notifications",
    "refund edge cases", "TLS configuration", "health checks", "accessibility labels",
)
COMMIT_FOLLOWUPS = (
    "Address review comments", "Fix failing tests", "Update snapshots", "Tidy up",
    "Add missing tests", "Fix lint", "Rename for clarity", "Handle empty input",
)
LABELS_KIND = ("backend", "frontend", "bug", "feature", "refactor", "infra", "tests", "docs")
LABELS_EXTRA = ("needs-qa", "breaking-change", "security", "performance")
TICKET_CATEGORIES = ("how-to", "billing", "bug", "performance", "access", "data-request")

RELEASES = {
    "payments": (
        ("One-click refunds", "It let support agents refund an order in one step instead of a three-day manual process."),
        ("Multi-currency payouts", "It enabled merchants to receive payouts in their own currency without conversion fees."),
        ("Chargeback dispute portal", "It let merchants answer disputes online, cutting their response time from days to hours."),
        ("Instant settlement reports", "It gave finance teams same-day settlement figures instead of a weekly export."),
        ("Saved cards for returning buyers", "It enabled returning buyers to check out without re-entering card details."),
        ("Checkout v2 payment sheet", "It moved card entry into a single sheet that works on every device."),
        ("Fraud rules simulator", "It let risk analysts test a rule against last month's traffic before switching it on."),
        ("Invoice payment links", "It let customers pay an invoice straight from the email."),
    ),
    "platform": (
        ("Firewall migration toolset", "It enabled a one-day cutover of the customer's edge traffic to the new firewall."),
        ("Zero-downtime gateway upgrade", "It let the customer upgrade the gateway without a maintenance window."),
        ("Self-service TLS certificates", "It let customers rotate their own certificates without a support ticket."),
        ("Regional failover", "It kept the customer's API available through a full regional outage."),
        ("EU data residency controls", "It let European customers pin their data to EU regions."),
        ("Rate-limit dashboards", "It showed customers their API headroom before they hit a limit."),
        ("Single sign-on for partners", "It let partner staff sign in with their own identity provider."),
    ),
    "mobile": (
        ("Offline order history", "It let shoppers browse past orders without a connection."),
        ("Biometric login", "It cut the median sign-in time on mobile to under two seconds."),
        ("Push notification preferences", "It let users choose which alerts they receive, halving opt-outs."),
        ("Tablet layout for the shop app", "It gave tablet users a two-pane layout built for their screens."),
        ("In-app returns", "It let shoppers start a return from the app without calling support."),
    ),
    "web": (
        ("Accessible checkout", "It brought the checkout to WCAG 2.2 AA for screen-reader users."),
        ("Storefront theme editor", "It let merchants restyle their storefront without a developer."),
        ("Guest checkout", "It let first-time buyers pay without creating an account."),
        ("Faster product search", "It brought search results under 200 ms for large catalogues."),
        ("Localised storefronts", "It let merchants sell in six languages from one storefront."),
    ),
    "data": (
        ("R&D dashboard", "It gave the research team a daily view of experiment results without writing SQL."),
        ("Customer usage exports", "It let customers pull their own usage data into their warehouse."),
        ("Revenue forecasting model", "It gave finance a weekly forecast with a confidence band."),
        ("Data retention controls", "It let customers set how long their records are kept."),
    ),
    "growth": (
        ("Referral rewards", "It let customers invite peers and earn credit automatically."),
        ("Onboarding checklist", "It guided new accounts to their first sale in a single session."),
        ("Pricing page experiments", "It let marketing test pricing layouts without a deploy."),
        ("Win-back email journeys", "It re-engaged lapsed customers with tailored offers."),
    ),
}
GENERIC_RELEASES = (
    ("Audit log export", "It let compliance teams export a year of audit events in one click."),
    ("Bulk user import", "It let administrators onboard a whole department from one spreadsheet."),
    ("Usage-based alerts", "It warned customers before they exceeded their plan."),
    ("Role-based access control", "It let administrators grant least-privilege roles to their staff."),
    ("Scheduled reports", "It delivered recurring reports to customers' inboxes."),
    ("Webhook retries", "It made event delivery survive customer outages of up to a day."),
    ("Admin console redesign", "It cut the clicks for common admin tasks by half."),
    ("R&D dashboard", "It gave product research a live view of feature usage."),
)

STREAMS = (
    "org", "people", "activity", "usage", "prs", "commits", "deployments", "incidents",
    "work_items", "costs", "seats", "support", "releases", "surveys", "security",
)

COLUMNS = {
    "people.csv": ("person", "team", "role", "email", "aliases", "start_date", "end_date"),
    "pull_requests.csv": (
        "id", "repo", "author", "created_at", "merged_at", "closed_at", "first_commit_at",
        "first_review_at", "approved_at", "additions", "deletions", "labels", "ai_assisted",
        "title", "merge_commit_sha", "reverted", "work_item",
    ),
    "commits.csv": ("sha", "authored_at", "pr_id", "author", "message"),
    "deployments.csv": (
        "id", "service", "finished_at", "environment", "status", "pr_ids", "sha", "unplanned",
        "rolled_back",
    ),
    "incidents.csv": ("id", "opened_at", "service", "resolved_at", "severity", "deployment_id"),
    "ai_usage.csv": (
        "date", "person", "tool", "feature", "interactions", "lines_suggested", "lines_accepted",
        "tokens",
    ),
    "ai_costs.csv": ("date", "tool", "amount", "currency", "category", "tokens", "team"),
    "seats.csv": ("tool", "person", "assigned_at", "last_activity_at", "monthly_price"),
    "work_items.csv": (
        "id", "type", "created_at", "team", "initiative", "strategic", "started_at", "done_at",
        "status", "ai_assisted", "escaped_defect",
    ),
    "support_tickets.csv": ("id", "opened_at", "resolved_at", "category", "defect", "service"),
    "releases.csv": (
        "date", "team", "title", "summary", "customer", "contract_value", "currency",
        "initiative", "ai_tokens",
    ),
    "surveys.csv": (
        "date", "team", "responses", "enps", "ai_trust", "burnout", "time_saved_hours_per_week",
    ),
    "security_findings.csv": ("date", "severity", "service", "ai_touched"),
}


# --------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------


def generate(
    out: pathlib.Path,
    *,
    engineers: int = 58,
    teams: int = 6,
    weeks: int = 26,
    seed: int = 7,
    end_date: datetime.date = datetime.date(2026, 11, 22),
) -> dict[str, int]:
    """Write a realistic organisation in the canonical format into `out`; return {file name: data rows}."""
    _validate(engineers, teams, weeks)
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = dict(zip(STREAMS, np.random.default_rng(seed).spawn(len(STREAMS))))

    org = _organisation(engineers, teams, _Period.ending(end_date, weeks), rng["org"])
    people = _people(org, rng["people"])
    _activity(org, people, rng["activity"])
    counts: dict[str, int] = {}

    def write(name: str, frame: Table | pd.DataFrame) -> None:
        _write_csv(frame, out / name, COLUMNS[name])
        counts[name] = len(frame[COLUMNS[name][0]])

    write("people.csv", _people_frame(org, people))
    usage = _ai_usage(org, people, rng["usage"])
    write("ai_usage.csv", _usage_frame(people, usage))
    write("seats.csv", _seats_frame(org, people, usage, rng["seats"]))
    write("ai_costs.csv", _costs_frame(org, people, usage, rng["costs"]))
    prs = _pull_requests(org, people, rng["prs"])
    deps = _deployments(org, prs, rng["deployments"])
    incidents = _incidents(org, deps, rng["incidents"])
    work, pr_item = _work_items(org, prs, rng["work_items"])
    write("commits.csv", _commits_frame(org, people, prs, rng["commits"]))
    write("pull_requests.csv", _prs_frame(org, prs, pr_item))
    write("work_items.csv", _work_items_frame(org, work))
    write("deployments.csv", _deployments_frame(org, deps, prs))
    write("incidents.csv", _incidents_frame(org, incidents, deps))
    write("support_tickets.csv", _support_frame(org, incidents, rng["support"]))
    write("security_findings.csv", _security_frame(org, prs, rng["security"]))
    write("releases.csv", _releases_frame(org, people, usage, rng["releases"]))
    write("surveys.csv", _surveys_frame(org, people, rng["surveys"]))
    (out / "reporter.yaml").write_text(_config_yaml(org, engineers, seed), encoding="utf-8")
    return counts


def _validate(engineers: int, teams: int, weeks: int) -> None:
    if teams < 1 or engineers < teams:
        raise ValueError("need at least one team and at least one engineer per team")
    if weeks < 4:
        raise ValueError("need at least 4 weeks for a rollout to have a before and an after")


# --------------------------------------------------------------------------------------
# The organisation: period, teams, services, people and their weekly activity
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Period:
    """The ISO weeks covered; times are float seconds since the epoch, UTC."""

    start: datetime.date  # Monday of the first week
    weeks: int

    @classmethod
    def ending(cls, end_date: datetime.date, weeks: int) -> _Period:
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


@dataclass
class _Org:
    """Static structure: who owns what, who rolled out what and when."""

    period: _Period
    teams: list[str]
    sizes: np.ndarray  # engineers per team
    rollout: np.ndarray  # week index of the team's rollout, -1 for the control group
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
        """0 until the last ~10 weeks, then rising to 1: the busy team's review queue grows."""
        span = min(10, self.period.weeks // 2)
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


def _organisation(engineers: int, teams: int, period: _Period, rng: np.random.Generator) -> _Org:
    names = _team_names(teams)
    rollout, team_tool = _rollouts(names, period)
    services, service_team, service_repos = _services(names)
    repos, repo_team, repo_service = [], [], []
    for s, (team, rs) in enumerate(zip(service_team, service_repos)):
        for r in rs:
            repos.append(r)
            repo_team.append(team)
            repo_service.append(s)
    repo_team_arr = np.array(repo_team)
    raw = np.zeros(len(repos))
    for t in range(teams):  # geometric shares: the first repo of a team is the busiest
        idx = np.nonzero(repo_team_arr == t)[0]
        raw[idx] = 0.55 ** np.arange(len(idx))
        raw[idx] /= raw[idx].sum()
    return _Org(
        period=period,
        teams=names,
        sizes=_team_sizes(names, engineers, rng),
        rollout=rollout,
        team_tool=team_tool,
        initiatives=[
            DEFAULT_INITIATIVES.get(n, EXTRA_INITIATIVES[i % len(EXTRA_INITIATIVES)])
            for i, n in enumerate(names)
        ],
        services=services,
        service_team=np.array(service_team),
        service_repos=service_repos,
        repos=repos,
        repo_team=repo_team_arr,
        repo_service=np.array(repo_service),
        repo_weight=raw,
    )


def _team_names(teams: int) -> list[str]:
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


def _rollouts(names: list[str], period: _Period) -> tuple[np.ndarray, np.ndarray]:
    """Half the teams roll out in three waves (Mondays at ~35/45/55% of the range)."""
    rollout = np.full(len(names), -1)
    tool = np.full(len(names), -1)
    for i, name in enumerate(names):
        if i < len(DEFAULT_TEAMS):
            wave = DEFAULT_ROLLED.get(name)
        else:
            wave = (i // 2) % 3 if i % 2 == 0 else None
        if wave is None:
            continue
        week = int(round(ROLLOUT_FRACTIONS[wave] * period.weeks))
        rollout[i] = min(max(week, 1), period.weeks - 2)
        tool[i] = WAVE_TOOL[wave]
    return rollout, tool


def _services(names: list[str]) -> tuple[list[str], list[int], list[list[str]]]:
    """Services with their owning team and the repos that deploy as them."""
    known = {
        "payments": [("payments-api", ["payments-api", "payments-web"]), ("ledger", ["ledger"])],
        "platform": [("edge-gateway", ["edge-gateway"]), ("auth-service", ["auth-service"])],
        "mobile": [("mobile-app", ["mobile-ios", "mobile-android"])],
        "web": [("storefront", ["storefront", "design-system"])],
        "data": [("data-pipeline", ["data-pipeline"])],
        "growth": [("experiments", ["experiments"])],
    }
    services, owners, repos = [], [], []
    for i, name in enumerate(names):
        entries = known.get(name) if i < len(DEFAULT_TEAMS) else None
        if entries is None:
            entries = [(f"{name}-api", [f"{name}-api"] + ([f"{name}-console"] if i % 3 == 0 else []))]
            if i % 4 == 1:
                entries.append((f"{name}-worker", [f"{name}-worker"]))
        for service, rs in entries:
            services.append(service)
            owners.append(i)
            repos.append(rs)
    return services, owners, repos


@dataclass
class _People:
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
    employed: np.ndarray | None = None  # (people, weeks): employed the whole working week
    present: np.ndarray | None = None  # (people, weeks): not on leave
    active: np.ndarray | None = None  # (people, weeks): used an AI tool

    @property
    def engineers(self) -> int:
        return int(self.is_engineer.sum())


def _people(org: _Org, rng: np.random.Generator) -> _People:
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
    propensity = _stratified(team * 2 + is_eng, rng)
    early = is_eng & (propensity < 0.10)  # the keenest 10% use AI before any rollout
    tool1 = org.team_tool[team].copy()
    picks = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    tool1 = np.where((tool1 < 0) & early, picks, tool1)
    second = (tool1 >= 0) & (rng.random(n) < 0.25)
    tool2 = np.where(second, (tool1 + 1 + rng.integers(0, 2, n)) % 3, -1)
    return _People(
        login=login, alias=alias, aliases=aliases, team=team, role=role, is_engineer=is_eng,
        start_day=start, end_day=end, propensity=propensity, early=early, tool1=tool1, tool2=tool2,
        productivity=rng.gamma(5.0, 0.2, n),
    )


def _stratified(team: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uniform draws spread evenly within each team, so that "the first 30% of a team" is
    30% of it even for a team of 12 (plain draws make small teams' stories noisy)."""
    u = np.empty(len(team))
    for t in np.unique(team):  # one loop per team
        idx = np.nonzero(team == t)[0]
        u[idx] = (rng.permutation(len(idx)) + rng.random(len(idx))) / len(idx)
    return u


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


def _employment(org: _Org, team: np.ndarray, is_eng: np.ndarray, rng: np.random.Generator):
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


def _activity(org: _Org, people: _People, rng: np.random.Generator) -> None:
    """Who is employed, present and active with AI, week by week (the adoption story)."""
    weeks = org.period.weeks
    n = len(people.team)
    monday = org.period.day0 + 7 * np.arange(weeks)
    people.employed = (people.start_day[:, None] <= monday[None, :]) & (
        (people.end_day[:, None] < 0) | (people.end_day[:, None] >= monday[None, :] + 4)
    )
    people.present = rng.random((n, weeks)) < 0.93
    since = np.arange(weeks)[None, :] - org.rollout[people.team][:, None]
    rolled = (org.rollout[people.team] >= 0)[:, None] & (since >= 0)
    # ~30% of engineers in the first week, ~85% after 8 weeks (presence is 0.93).
    target = np.clip((0.30 + 0.55 * np.clip(since, 0, 8) / 8) / 0.93, 0.0, 1.0)
    propensity = people.propensity[:, None]
    engineer = rolled & (propensity < target)
    early = people.early[:, None] & (rng.random((n, weeks)) < 0.45)
    other = rolled & (propensity < 0.7)
    uses = np.where(people.is_engineer[:, None], engineer | early, other)
    people.active = people.employed & people.present & uses & (people.tool1 >= 0)[:, None]


# --------------------------------------------------------------------------------------
# AI usage, seats and costs
# --------------------------------------------------------------------------------------


def _gumbel_top(rng: np.random.Generator, weights: np.ndarray, k: np.ndarray):
    """Sample k[i] distinct columns per row without replacement, weighted; return (row, column)."""
    with np.errstate(divide="ignore"):
        keys = np.log(weights) - np.log(-np.log(rng.random(weights.shape)))
    order = np.argsort(-keys, axis=1, kind="stable")
    row = np.repeat(np.arange(len(k)), k)
    pos = np.arange(len(row)) - np.repeat(np.cumsum(k) - k, k)
    return row, order[row, pos]


def _ai_usage(org: _Org, people: _People, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One row per person, tool, feature and active day; ~3 active days per active week."""
    person, week = np.nonzero(people.active)
    days = np.clip(rng.binomial(5, 0.6, len(person)), 1, 5)
    occasional = (people.early | ~people.is_engineer)[person] & (rng.random(len(person)) < 0.7)
    days = np.where(occasional, np.minimum(days, 2), days)  # early adopters, managers: 1-2 days
    weekday_w = np.array([1.0, 1.0, 1.0, 1.0, 0.9, 0.08, 0.05])
    row, day = _gumbel_top(rng, np.broadcast_to(weekday_w, (len(person), 7)), days)
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
    row, feature = _gumbel_top(rng, FEATURE_WEIGHTS[tool], k)
    person, week, day, tool = person[row], week[row], day[row], tool[row]
    intensity = rng.lognormal(0.0, 0.4, len(people.team))[person]
    interactions = 1 + rng.poisson(FEATURE_INTERACTIONS[feature] * intensity)
    suggested = rng.poisson(interactions * FEATURE_LINES[feature] * rng.lognormal(0, 0.3, len(row)))
    accepted = rng.binomial(suggested, FEATURE_ACCEPT[feature])
    tokens = np.round(interactions * FEATURE_TOKENS[feature] * rng.lognormal(0, 0.3, len(row)))
    date = org.period.day0 + 7 * week + day
    order = np.lexsort((feature, tool, person, date))
    usage = {
        "date": date, "person": person, "week": week, "tool": tool, "feature": feature,
        "interactions": interactions, "lines_suggested": suggested, "lines_accepted": accepted,
        "tokens": tokens.astype(np.int64),
    }
    return {key: value[order] for key, value in usage.items()}


def _usage_frame(people: _People, usage: dict[str, np.ndarray]) -> Table:
    return {
        "date": _date_str(usage["date"]),
        "person": people.login[usage["person"]],
        "tool": np.array(TOOLS, dtype=object)[usage["tool"]],
        "feature": np.array(FEATURES, dtype=object)[usage["feature"]],
        "interactions": usage["interactions"],
        "lines_suggested": usage["lines_suggested"],
        "lines_accepted": usage["lines_accepted"],
        "tokens": usage["tokens"],
    }


def _seats_frame(org: _Org, people: _People, usage: dict, rng: np.random.Generator) -> Table:
    """Seats for everyone with a tool (rollout teams from their rollout, others shortly before
    first use) and a second seat for users who asked for another tool."""
    second = (people.tool2 >= 0) & people.active.any(axis=1)
    person = np.concatenate([np.nonzero(people.tool1 >= 0)[0], np.nonzero(second)[0]])
    tool = np.concatenate([people.tool1[people.tool1 >= 0], people.tool2[second]])
    used = pd.DataFrame({"key": usage["person"] * 3 + usage["tool"], "date": usage["date"]})
    span = used.groupby("key")["date"].agg(["min", "max"])
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
    order = _order(np.array(TOOLS)[tool], people.login[person])
    tool, person, assigned_at, last_at = tool[order], person[order], assigned_at[order], last_at[order]
    return {
        "tool": np.array(TOOLS, dtype=object)[tool],
        "person": people.login[person],
        "assigned_at": _iso(assigned_at),
        "last_activity_at": _iso(last_at),
        "monthly_price": np.array([f"{p:.2f}" for p in SEAT_PRICE], dtype=object)[tool],
    }


def _costs_frame(org: _Org, people: _People, usage: dict, rng: np.random.Generator) -> Table:
    """Usage billing per team, tool and category: weekly for most tools, monthly for copilot."""
    p = org.period
    bill = pd.DataFrame({"team": people.team[usage["person"]], "tool": usage["tool"],
                         "week": usage["week"], "tokens": usage["tokens"]})
    monday = p.day0 + 7 * bill["week"].to_numpy()
    month_end = _month_end(monday)
    bill["day"] = np.where(bill["tool"] == COPILOT, np.minimum(month_end, p.day0 + p.days - 1), monday)
    lines = bill.groupby(["day", "tool", "team"], as_index=False)["tokens"].sum()
    n = len(lines)
    mix = np.array([rng.dirichlet(_category_alpha(name)) for name in org.teams])
    weights = mix[lines["team"].to_numpy()] * rng.lognormal(0, 0.2, (n, len(CATEGORIES)))
    weights /= weights.sum(axis=1, keepdims=True)
    tool = lines["tool"].to_numpy()
    amount = lines["tokens"].to_numpy() / 1e6 * np.array(PRICE_PER_MTOK)[tool] * rng.normal(1, 0.03, n)
    row = np.repeat(np.arange(n), len(CATEGORIES))
    cat = np.tile(np.arange(len(CATEGORIES)), n)
    part = weights[row, cat]
    cents = np.round(amount[row] * part * 100)
    keep = cents >= 1
    row, cat, cents = row[keep], cat[keep], cents[keep]
    return {
        "date": _date_str(lines["day"].to_numpy()[row]),
        "tool": np.array(TOOLS, dtype=object)[tool[row]],
        "amount": _money(cents),
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


# --------------------------------------------------------------------------------------
# Pull requests
# --------------------------------------------------------------------------------------


def _pull_requests(org: _Org, people: _People, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """PRs of engineers (~2.9 opened per engineer-week) plus ~2% by the coding-agent bot."""
    human = _human_prs(org, people, rng)
    bot = _bot_prs(org, people, len(human["person"]), rng)
    prs = {k: np.concatenate([human[k], bot[k]]) for k in human}
    n = len(prs["person"])
    prs["team"] = org.repo_team[prs["repo"]]
    prs["service"] = org.repo_service[prs["repo"]]
    prs["marking"] = _markings(prs, rng)
    size = np.maximum(1, np.round(rng.lognormal(np.log(110), 1.0, n) * np.where(prs["ai"], 1.7, 1.0)))
    prs["additions"] = np.round(size * rng.uniform(0.55, 0.92, n)).astype(np.int64)
    prs["deletions"] = (size - prs["additions"]).astype(np.int64)
    _pr_times(org, prs, rng)
    prs["reverted"] = _reverts(org, prs, rng)
    prs["number"] = _pr_numbers(org, prs, rng)
    prs["author"] = _authors(people, prs["person"], 0.05, rng)
    prs["merge_sha"] = _hex(rng, n)
    prs["labels"] = _labels(prs["marking"] == MARK_LABEL, rng)
    prs["flag"] = _ai_flags(prs["marking"], rng)
    prs["title"] = _titles(n, rng)
    order = np.lexsort((prs["number"], prs["repo"], prs["created"]))
    prs = {k: v[order] for k, v in prs.items()}
    prs["id"] = _pr_ids(org, prs)
    return prs


def _authors(people: _People, person: np.ndarray, alias_share: float, rng: np.random.Generator) -> np.ndarray:
    """Logins (the bot for -1); people with a spare handle sometimes appear under it."""
    login = np.r_[people.login, np.array([BOT], dtype=object)][person]
    alias = np.r_[people.alias, np.array([""], dtype=object)][person]
    use = (alias != "") & (rng.random(len(person)) < alias_share)
    return np.where(use, alias, login)


def _ai_flags(marking: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The ai_assisted column: true when marked by it; for non-AI PRs false or empty (half the
    PR templates have the checkbox); empty for PRs marked another way."""
    unmarked = (marking == MARK_NONE) & (rng.random(len(marking)) < 0.5)
    return np.where(marking == MARK_FLAG, "true", np.where(unmarked, "false", "")).astype(object)


def _human_prs(org: _Org, people: _People, rng: np.random.Generator) -> dict[str, np.ndarray]:
    eng = people.is_engineer
    person, week = np.nonzero(people.employed & eng[:, None])
    rate = 2.9 * people.productivity[person]
    rate *= np.where(people.present[person, week], 1.0, 0.15)
    rate *= np.where(people.active[person, week], 1.08, 1.0)
    count = rng.poisson(rate)
    person, week = np.repeat(person, count), np.repeat(week, count)
    n = len(person)
    repo = _pick_repo(org, people.team[person], rng)
    cross = rng.random(n) < 0.03  # an occasional PR to another team's repo
    repo[cross] = rng.integers(0, len(org.repos), cross.sum())
    ai = people.active[person, week] & (rng.random(n) < 0.65)
    return {"person": person, "week": week, "repo": repo, "ai": ai,
            "created": _working_time(org, week, rng), "bot": np.zeros(n, dtype=bool)}


def _bot_prs(org: _Org, people: _People, humans: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The coding agent works where copilot users are active, so mostly after rollouts."""
    n = int(round(humans * 0.02 / 0.98))
    copilot = people.active & ((people.tool1 == COPILOT) | (people.tool2 == COPILOT))[:, None]
    teams = len(org.teams)
    weight = np.zeros((teams, org.period.weeks))
    baseline = 0.02 * (people.employed & people.is_engineer[:, None])  # a trickle everywhere
    np.add.at(weight, people.team, copilot + baseline)
    cell = rng.choice(weight.size, size=n, p=(weight / weight.sum()).ravel())
    team, week = np.divmod(cell, org.period.weeks)
    return {"person": np.full(n, -1), "week": week, "repo": _pick_repo(org, team, rng),
            "ai": np.ones(n, dtype=bool), "created": _working_time(org, week, rng),
            "bot": np.ones(n, dtype=bool)}


def _pick_repo(org: _Org, team: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A repo of the team, the team's first repo most often."""
    per_team = [np.nonzero(org.repo_team == t)[0] for t in range(len(org.teams))]
    width = max(len(r) for r in per_team)
    index = np.zeros((len(per_team), width), dtype=np.int64)
    cum = np.ones((len(per_team), width))
    for t, repos in enumerate(per_team):
        index[t, : len(repos)] = repos
        index[t, len(repos):] = repos[-1]
        cum[t, : len(repos)] = np.cumsum(org.repo_weight[repos])
    local = (rng.random(len(team))[:, None] > cum[team]).sum(axis=1)
    return index[team, np.minimum(local, width - 1)]


def _working_time(org: _Org, week: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A time on a working day (rarely a weekend), between 08:00 and 18:00 UTC."""
    day = rng.choice(7, size=len(week), p=[0.2, 0.21, 0.21, 0.2, 0.16, 0.01, 0.01])
    return org.period.t0 + week * WEEK + day * DAY + rng.uniform(8, 18, len(week)) * HOUR


def _markings(prs: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """How each AI-assisted PR is marked: column 44%, label 22%, trailer 34% (bots by author)."""
    n = len(prs["ai"])
    how = rng.choice([MARK_FLAG, MARK_LABEL, MARK_TRAILER], size=n, p=[0.44, 0.22, 0.34])
    return np.where(prs["bot"], MARK_BOT, np.where(prs["ai"], how, MARK_NONE))


def _pr_times(org: _Org, prs: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """Stage durations (hours, lognormal) carrying the size, AI and busy-team effects."""
    n = len(prs["ai"])
    size = (prs["additions"] + prs["deletions"]).astype(float)
    ai, bot, week, team = prs["ai"], prs["bot"], prs["week"], prs["team"]
    sf = size / 110.0
    log_size = np.log(np.maximum(size, 1.0))
    # AI helps small changes most: x0.45 at <=50 lines up to x0.95 at >=1000 lines.
    ai_coding = 0.45 + 0.5 * np.clip((log_size - np.log(50)) / np.log(20), 0, 1)
    # ... and large AI changes pay a review tax: x0.9 at <=150 lines up to x2.3 at >=1500.
    ai_review = 0.9 + 1.4 * np.clip((log_size - np.log(150)) / np.log(10), 0, 1)
    busy = org.busy_ramp(team, week)
    after = org.rollout_ramp(team, week, 0) > 0
    coding_h = 16.0 * sf**0.35 * np.where(ai, ai_coding, 1.0) * (1 - 0.45 * busy)
    coding_h = np.where(bot, 0.7, coding_h)
    pickup_h = 3.5 * sf**0.15 * (1 + 2.0 * busy) * np.where(after, 1.15, 1.0)
    review_h = 7.0 * sf**0.35 * np.where(ai, ai_review, 1.0)
    created = prs["created"]
    first_commit = created - _lognormal(rng, coding_h, 1.0) * HOUR
    first_review = created + np.maximum(_lognormal(rng, pickup_h, 0.9), 0.05) * HOUR
    merged = _working_hours(first_review + np.maximum(_lognormal(rng, review_h, 0.9), 0.05) * HOUR, rng)
    approved = first_review + rng.uniform(0.4, 0.95, n) * (merged - first_review)
    closed = created + np.maximum(_lognormal(rng, 40.0, 1.2), 0.2) * HOUR
    fate = rng.choice(3, size=n, p=[0.875, 0.08, 0.045])  # merged, closed, abandoned open
    t_end = org.period.t_end
    is_merged = (fate == 0) & (merged < t_end)
    is_closed = (fate == 1) & (closed < t_end)
    reviewed = np.where(fate == 1, (rng.random(n) < 0.6) & (first_review < closed), rng.random(n) < 0.9)
    reviewed |= is_merged
    prs["first_commit"] = np.where(_no_first_commit(prs, rng), np.nan, first_commit)
    prs["first_review"] = np.where(reviewed & (first_review < t_end), first_review, np.nan)
    prs["merged"] = np.where(is_merged, merged, np.nan)
    prs["closed"] = np.where(is_merged, merged, np.where(is_closed, closed, np.nan))
    prs["approved"] = np.where(is_merged & (rng.random(n) < 0.92), approved, np.nan)


def _working_hours(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Merges happen in working hours (07-20 UTC, Monday-Friday): a moment outside them moves
    to early the next working morning, so deployments do not all ship overnight backlogs."""
    day = np.floor(t / DAY)
    hour = (t - day * DAY) / HOUR
    weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday (3)
    inside = (weekday < 5) & (hour >= 7) & (hour < 20)
    next_day = day + np.where(hour >= 7, 1, 0)  # before 07:00 -> the same day's morning
    next_weekday = (next_day.astype(np.int64) + 3) % 7
    next_day += np.where(next_weekday >= 5, 7 - next_weekday, 0)
    morning = next_day * DAY + (7 + rng.exponential(1.5, len(t))) * HOUR
    return np.where(inside, t, morning)


def _no_first_commit(prs: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """~5% of PRs come without commit data; never those marked only by a commit trailer."""
    return (prs["marking"] != MARK_TRAILER) & (rng.random(len(prs["ai"])) < 0.055)


def _reverts(org: _Org, prs: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """~2% of merged PRs are reverted; on the fragile service up to ~18% after its rollout."""
    fragile = org.fragile_ramp(prs["service"], prs["week"])
    p = 0.02 + 0.16 * fragile * np.where(prs["ai"], 1.2, 0.8)
    return ~np.isnan(prs["merged"]) & (rng.random(len(p)) < p)


def _pr_numbers(org: _Org, prs: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Increasing numbers per repo with gaps (issues share the sequence), like GitHub."""
    order = np.lexsort((prs["created"], prs["repo"]))
    repo = prs["repo"][order]
    step = rng.geometric(0.6, len(order))
    total = np.cumsum(step)
    starts = np.r_[0, np.nonzero(np.diff(repo))[0] + 1]
    group_offset = np.repeat(total[starts] - step[starts], np.diff(np.r_[starts, len(order)]))
    base = rng.integers(200, 4000, len(org.repos))
    number = np.empty(len(order), dtype=np.int64)
    number[order] = base[repo] + total - group_offset
    return number


def _pr_ids(org: _Org, prs: dict[str, np.ndarray]) -> np.ndarray:
    repo = np.array(org.repos, dtype=object)[prs["repo"]]
    return repo + "#" + prs["number"].astype(str).astype(object)


def _prs_frame(org: _Org, prs: dict[str, np.ndarray], work_item: np.ndarray) -> Table:
    merged = ~np.isnan(prs["merged"])
    return {
        "id": prs["id"],
        "repo": np.array(org.repos, dtype=object)[prs["repo"]],
        "author": prs["author"],
        "created_at": _iso(prs["created"]),
        "merged_at": _iso(prs["merged"]),
        "closed_at": _iso(prs["closed"]),
        "first_commit_at": _iso(prs["first_commit"]),
        "first_review_at": _iso(prs["first_review"]),
        "approved_at": _iso(prs["approved"]),
        "additions": prs["additions"],
        "deletions": prs["deletions"],
        "labels": prs["labels"],
        "ai_assisted": prs["flag"],
        "title": prs["title"],
        "merge_commit_sha": np.where(merged, prs["merge_sha"], ""),
        "reverted": _bool_str(prs["reverted"]),
        "work_item": work_item,
    }


def _labels(ai_label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A kind label on most PRs, `ai-assisted` where that is the marking, a few extras."""
    kind = _maybe(LABELS_KIND, 0.3, len(ai_label), rng)
    extra = _maybe(LABELS_EXTRA, 0.85, len(ai_label), rng)
    ai = np.where(ai_label, "ai-assisted", "").astype(object)
    return _join([kind, ai, extra])


def _titles(n: int, rng: np.random.Generator) -> np.ndarray:
    verbs = np.array(PR_VERBS, dtype=object)[rng.integers(0, len(PR_VERBS), n)]
    objects = np.array(PR_OBJECTS, dtype=object)[rng.integers(0, len(PR_OBJECTS), n)]
    return verbs + " " + objects


def _maybe(values: tuple[str, ...], empty: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """n picks: '' with probability `empty`, else one of `values` evenly."""
    p = np.r_[empty, np.full(len(values), (1 - empty) / len(values))]
    return np.array(("",) + values, dtype=object)[rng.choice(len(values) + 1, n, p=p)]


# --------------------------------------------------------------------------------------
# Commits
# --------------------------------------------------------------------------------------


def _commits_frame(org: _Org, people: _People, prs: dict, rng: np.random.Generator) -> Table:
    """1-3 commits per PR with a first commit; the first one at first_commit_at."""
    has = np.nonzero(~np.isnan(prs["first_commit"]))[0]
    count = 1 + rng.binomial(2, 0.45, len(has))
    pr = np.repeat(has, count)
    nth = np.arange(len(pr)) - np.repeat(np.cumsum(count) - count, count)
    first = prs["first_commit"][pr]
    upper = np.where(np.isnan(prs["merged"][pr]), prs["created"][pr], prs["merged"][pr] - 60.0)
    upper = np.maximum(np.minimum(upper, org.period.t_end - 60.0), first)
    at = np.where(nth == 0, first, first + rng.random(len(pr)) * (upper - first))
    followup = np.array(COMMIT_FOLLOWUPS, dtype=object)[rng.integers(0, len(COMMIT_FOLLOWUPS), len(pr))]
    subject = np.where(nth == 0, prs["title"][pr], followup)
    trailer = _trailers(people, prs, pr, rng)
    carries = (prs["marking"][pr] == MARK_TRAILER) & ((nth == 0) | (rng.random(len(pr)) < 0.5))
    message = np.where(carries, subject + "\n\n" + trailer, subject)
    author = _authors(people, prs["person"][pr], 0.3, rng)
    sha = _hex(rng, len(pr))
    order = np.argsort(at, kind="stable")
    return {"sha": sha[order], "authored_at": _iso(at[order]), "pr_id": prs["id"][pr[order]],
            "author": author[order], "message": message[order]}


def _trailers(people: _People, prs: dict, pr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The trailer a PR author's tool writes: Claude (two spellings), Copilot, Cursor; some Codex."""
    person = prs["person"][pr]
    tool = np.where(person >= 0, people.tool1[np.maximum(person, 0)], COPILOT)
    claude = np.where(rng.random(len(pr)) < 0.6, 0, 1)
    pick = np.select([tool == COPILOT, tool == CURSOR], [2, 3], default=claude)
    pick = np.where(rng.random(len(pr)) < 0.08, 4, pick)
    # one trailer per PR: every commit of a PR uses the pick of its first commit
    first_of_pr = np.r_[0, np.nonzero(np.diff(pr))[0] + 1]
    pick = np.repeat(pick[first_of_pr], np.diff(np.r_[first_of_pr, len(pr)]))
    return np.array(TRAILERS, dtype=object)[pick]


# --------------------------------------------------------------------------------------
# Deployments and incidents
# --------------------------------------------------------------------------------------


def _deployments(org: _Org, prs: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Production deployments on most weekdays per service (plus staging), shipping merged PRs."""
    prod = _production_slots(org, prs, rng)
    n = len(prod["service"])
    prod["failure"] = rng.random(n) < 0.035
    fragile = org.fragile_ramp(prod["service"], org.period.week_of(prod["at"]))
    success = ~prod["failure"]
    # ~5% change failure rate, ~24% on the fragile service in the last 8 weeks; a failed
    # deployment is rolled back (35%), causes an incident (40%) or both (25%)
    failed = success & _dithered(prod["service"], 0.05 + (0.24 - 0.05) * fragile, rng)
    how = rng.choice(3, size=n, p=[0.35, 0.40, 0.25])
    prod["rolled_back"] = failed & (how != 1)
    prod["incident"] = failed & (how != 0)
    prod["environment"] = np.full(n, "production", dtype=object)
    staging = _staging(prod, rng)
    deps = {k: np.concatenate([prod[k], staging[k]]) for k in prod}
    order = np.lexsort((deps["service"], deps["at"]))
    deps = {k: v[order] for k, v in deps.items()}
    deps["id"] = _ids("dep-", len(order), 6)
    prod_ok = (deps["environment"] == "production") & ~deps["failure"]
    # pipelines that record PR ids; with deployments shipping nothing, ~70% end up with a list
    deps["listed"] = prod_ok & (rng.random(len(order)) < 0.82)
    deps["sha"] = _hex(rng, len(order))
    _ship(prs, deps)
    return deps


def _dithered(group: np.ndarray, p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Events with probability p (rows in time order within each group), spread so that every
    stretch of a group gets about its expected count: a rate change on a service with a few
    deployments a week shows as a rate change, not as luck. Jitter keeps them irregular."""
    order = np.lexsort((np.arange(len(group)), group))
    g, step = group[order], (p * rng.uniform(0.4, 1.6, len(p)))[order]
    cum = np.cumsum(step)
    starts = np.r_[0, np.nonzero(np.diff(g))[0] + 1]
    before = np.repeat(cum[starts] - step[starts], np.diff(np.r_[starts, len(g)]))
    offset = rng.random(len(group))[g]
    cum = cum - before + offset
    hit = np.floor(cum) > np.floor(cum - step)
    out = np.empty(len(group), dtype=bool)
    out[order] = hit
    return out


def _production_slots(org: _Org, prs: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """1 + Poisson deployments on ~90% of weekdays, one per ~5 merged PRs; rare weekends."""
    p = org.period
    services = len(org.services)
    merged = np.bincount(prs["service"][~np.isnan(prs["merged"])], minlength=services)
    per_day = np.clip(merged / (5 * p.weeks) / 5.0, 0.9, 5.0)  # ~5 merges per deployment
    service, day = np.divmod(np.arange(services * p.days), p.days)
    weekday = (day % 7) < 5
    count = np.where(
        weekday,
        (rng.random(len(day)) < 0.9) * (1 + rng.poisson(np.maximum(per_day[service] - 1, 0.15))),
        (rng.random(len(day)) < 0.04).astype(np.int64),
    )
    service, day = np.repeat(service, count), np.repeat(day, count)
    at = p.t0 + day * DAY + rng.uniform(9, 18, len(day)) * HOUR
    unplanned = ((day % 7) >= 5) | (rng.random(len(day)) < 0.02)  # weekend or ad-hoc hotfixes
    return {"service": service, "at": at, "unplanned": unplanned}


def _staging(prod: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A staging deployment 20-90 minutes before ~30% of production ones."""
    pick = np.nonzero(rng.random(len(prod["service"])) < 0.3)[0]
    n = len(pick)
    return {
        "service": prod["service"][pick],
        "at": prod["at"][pick] - rng.uniform(20, 90, n) * 60,
        "unplanned": np.zeros(n, dtype=bool),
        "failure": rng.random(n) < 0.04,
        "rolled_back": np.zeros(n, dtype=bool),
        "incident": np.zeros(n, dtype=bool),
        "environment": np.full(n, "staging", dtype=object),
    }


def _ship(prs: dict, deps: dict) -> None:
    """Each merged PR ships with the first successful production deployment of its service
    finishing at least 10 minutes after the merge (`deployed` = index, -1 = not yet)."""
    shipping = np.nonzero((deps["environment"] == "production") & ~deps["failure"])[0]
    big = 1e11  # service keys: service * big + time keeps services apart
    key = deps["service"][shipping] * big + deps["at"][shipping]
    order = np.argsort(key, kind="stable")
    key, shipping = key[order], shipping[order]
    merged = ~np.isnan(prs["merged"])
    want = prs["service"] * big + np.where(merged, prs["merged"], 0) + 600
    pos = np.searchsorted(key, want, side="left")
    ok = merged & (pos < len(key))
    found = shipping[np.minimum(pos, len(key) - 1)]
    ok &= deps["service"][found] == prs["service"]
    prs["deployed"] = np.where(ok, found, -1)


def _incidents(org: _Org, deps: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Incidents opened shortly after (and before the next deploy of) a production deployment;
    ~5% have no service (vendor outages). The next deployment after one is a hotfix."""
    prod = np.nonzero(deps["environment"] == "production")[0]
    service, at = deps["service"][prod], deps["at"][prod]
    order = np.lexsort((at, service))
    prod, service, at = prod[order], service[order], at[order]
    same_next = np.r_[service[1:] == service[:-1], False]
    next_at = np.where(same_next, np.r_[at[1:], np.inf], np.inf)
    cause = deps["incident"][prod]
    gap = np.minimum(next_at, org.period.t_end) - at
    src, gap = prod[cause], gap[cause]
    delay = np.minimum(_lognormal(rng, 2.5, 0.9, len(src)) * HOUR, 0.8 * gap)
    opened = deps["at"][src] + np.maximum(delay, np.minimum(60.0, 0.5 * gap))
    explicit = (rng.random(len(src)) < 0.66) | (gap < 600)
    vendor = max(1, int(round(0.05 * len(src))))
    p = org.period
    opened = np.r_[opened, p.t0 + rng.random(vendor) * (p.t_end - p.t0 - HOUR)]
    inc = {
        "opened": opened,
        "service": np.r_[deps["service"][src], np.full(vendor, -1)],
        "deployment": np.r_[np.where(explicit, src, -1), np.full(vendor, -1)],
        "severity": rng.choice(4, size=len(opened), p=[0.03, 0.15, 0.42, 0.40]),
    }
    slow = rng.random(len(opened)) < 0.08  # a few drag on for days
    resolved = opened + _lognormal(rng, np.where(slow, 48.0, 3.0), 1.1) * HOUR
    # some of last week's are still being worked on; the latest one always is
    still_open = (opened > p.t_end - WEEK) & (rng.random(len(opened)) < 0.35)
    still_open[np.argmax(opened)] = True
    inc["resolved"] = np.where((resolved < p.t_end) & ~still_open, resolved, np.nan)
    order = np.lexsort((inc["service"], inc["opened"]))
    inc = {k: v[order] for k, v in inc.items()}
    inc["id"] = _ids("INC-", len(order), 4, start=1001)
    _mark_hotfixes(deps, inc)
    return inc


def _mark_hotfixes(deps: dict, inc: dict) -> None:
    """The first production deployment of a service after its incident opens is unplanned."""
    prod = np.nonzero(deps["environment"] == "production")[0]
    big = 1e11
    key = deps["service"][prod] * big + deps["at"][prod]
    order = np.argsort(key, kind="stable")
    key, prod = key[order], prod[order]
    has = inc["service"] >= 0
    want = inc["service"][has] * big + inc["opened"][has]
    pos = np.searchsorted(key, want, side="right")
    ok = pos < len(key)
    hit = prod[pos[ok]]
    hit = hit[deps["service"][hit] == inc["service"][has][ok]]
    deps["unplanned"][hit] = True


def _deployments_frame(org: _Org, deps: dict, prs: dict) -> Table:
    """pr_ids lists what a deployment shipped, in merge order, where its pipeline records it;
    its sha is the merge commit of the last PR shipped."""
    n = len(deps["id"])
    shipped = np.nonzero(prs["deployed"] >= 0)[0]
    shipped = shipped[np.lexsort((prs["merged"][shipped], prs["deployed"][shipped]))]
    dep = prs["deployed"][shipped]
    count = np.bincount(dep, minlength=n)
    offsets = pa.array(np.r_[0, np.cumsum(count)].astype(np.int64))
    lists = pa.LargeListArray.from_arrays(offsets, pa.array(prs["id"][shipped], type=pa.large_string()))
    pr_ids = pc.if_else(pa.array(deps["listed"]), pc.binary_join(lists, _text(";")), _text(""))
    sha = deps["sha"].copy()
    last = np.r_[np.nonzero(np.diff(dep))[0], len(dep) - 1] if len(dep) else np.array([], dtype=np.int64)
    sha[dep[last]] = prs["merge_sha"][shipped[last]]
    return {
            "id": deps["id"],
            "service": np.array(org.services, dtype=object)[deps["service"]],
            "finished_at": _iso(deps["at"]),
            "environment": deps["environment"],
            "status": np.where(deps["failure"], "failure", "success"),
            "pr_ids": pr_ids,
            "sha": sha,
            "unplanned": _bool_str(deps["unplanned"]),
            "rolled_back": _bool_str(deps["rolled_back"]),
    }


def _incidents_frame(org: _Org, inc: dict, deps: dict) -> Table:
    services = np.array(org.services + [""], dtype=object)
    dep_ids = np.r_[deps["id"], np.array([""], dtype=object)]
    return {
            "id": inc["id"],
            "opened_at": _iso(inc["opened"]),
            "service": services[inc["service"]],
            "resolved_at": _iso(inc["resolved"]),
            "severity": np.array(["sev1", "sev2", "sev3", "sev4"], dtype=object)[inc["severity"]],
            "deployment_id": dep_ids[inc["deployment"]],
    }


# --------------------------------------------------------------------------------------
# Work items
# --------------------------------------------------------------------------------------


def _work_items(org: _Org, prs: dict, rng: np.random.Generator) -> tuple[dict, np.ndarray]:
    """Stories, bugs and tasks grouping ~82% of PRs, plus an untouched backlog and epics."""
    n = len(prs["ai"])
    linked = rng.random(n) < 0.82
    item = np.full(n, -1)
    offset = 0
    for t in range(len(org.teams)):  # consecutive PRs of a team share an item
        idx = np.nonzero(linked & (prs["team"] == t))[0]
        idx = idx[np.argsort(prs["created"][idx], kind="stable")]
        group = np.repeat(np.arange(len(idx)), 1 + rng.poisson(1.3, len(idx)))[: len(idx)]
        item[idx] = group + offset
        offset += int(group.max()) + 1 if len(idx) else 0
    items = _items_from_prs(org, prs, item, offset, rng)
    parts = [items, _backlog(org, rng), _epics(org, rng)]
    work = {k: np.concatenate([part[k] for part in parts]) for k in items}
    order = np.lexsort((work["team"], work["created"]))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    ids = _ids("NW-", len(order), 4, start=1001)
    work = {k: v[order] for k, v in work.items()}
    work["id"] = ids
    return work, np.where(item >= 0, ids[rank[np.maximum(item, 0)]], "").astype(object)


def _items_from_prs(org: _Org, prs: dict, item: np.ndarray, count: int, rng: np.random.Generator) -> dict:
    linked = item >= 0
    frame = pd.DataFrame(
        {
            "item": item[linked],
            "team": prs["team"][linked],
            "created": prs["created"][linked],
            "started": np.fmin(prs["first_commit"][linked], prs["created"][linked]),
            "merged": prs["merged"][linked],
            "open": np.isnan(prs["closed"][linked]),
            "ai": prs["ai"][linked],
        }
    )
    agg = frame.groupby("item").agg(
        team=("team", "first"), created=("created", "min"), started=("started", "min"),
        merged=("merged", "max"), open=("open", "any"), ai=("ai", "any"),
    ).reindex(np.arange(count))
    kind = rng.choice(3, size=count, p=[0.55, 0.22, 0.23])  # story, bug, task
    started = agg["started"].to_numpy() - rng.uniform(0, 4, count) * HOUR
    created = started - _lognormal(rng, 3.0, 1.0, count) * DAY
    done = agg["merged"].to_numpy() + rng.uniform(0.5, 48, count) * HOUR
    finished = ~agg["open"].to_numpy() & ~np.isnan(done) & (done < org.period.t_end)
    abandoned = ~agg["open"].to_numpy() & np.isnan(agg["merged"].to_numpy())
    status = np.where(finished, "done", np.where(abandoned, "todo", "in_progress")).astype(object)
    team = agg["team"].to_numpy().astype(np.int64)
    strategic = rng.random(count) < np.where(kind == 1, 0.15, 0.55)
    return {
        "type": np.array(["story", "bug", "task"], dtype=object)[kind],
        "created": created,
        "team": team,
        "strategic": strategic,
        "started": np.where(abandoned, np.nan, started),
        "done": np.where(finished, done, np.nan),
        "status": status,
        "ai": np.where(agg["ai"].to_numpy().astype(bool), "true", "false").astype(object),
        "escaped": (kind == 1) & (rng.random(count) < 0.35),
    }


def _backlog(org: _Org, rng: np.random.Generator) -> dict:
    """Items nobody started yet; their age is what backlog metrics look at."""
    p = org.period
    per_team = 20 + (1.5 * org.sizes).astype(np.int64)
    team = np.repeat(np.arange(len(org.teams)), per_team)
    n = len(team)
    kind = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    return {
        "type": np.array(["story", "bug", "task"], dtype=object)[kind],
        "created": p.t0 - 120 * DAY + rng.random(n) * (p.t_end - p.t0 + 119 * DAY),
        "team": team,
        "strategic": rng.random(n) < 0.4,
        "started": np.full(n, np.nan),
        "done": np.full(n, np.nan),
        "status": np.full(n, "todo", dtype=object),
        "ai": np.full(n, "", dtype=object),
        "escaped": (kind == 1) & (rng.random(n) < 0.35),
    }


def _epics(org: _Org, rng: np.random.Generator) -> dict:
    """One epic per team for its strategic initiative, started before the range."""
    p, n = org.period, len(org.teams)
    created = p.t0 - rng.uniform(30, 90, n) * DAY
    return {
        "type": np.full(n, "epic", dtype=object),
        "created": created,
        "team": np.arange(n),
        "strategic": np.ones(n, dtype=bool),
        "started": created + rng.uniform(3, 20, n) * DAY,
        "done": np.full(n, np.nan),
        "status": np.full(n, "in_progress", dtype=object),
        "ai": np.full(n, "", dtype=object),
        "escaped": np.zeros(n, dtype=bool),
    }


def _work_items_frame(org: _Org, work: dict) -> Table:
    initiative = np.where(work["strategic"], np.array(org.initiatives, dtype=object)[work["team"]], KTLO)
    bug = work["type"] == "bug"
    return {
            "id": work["id"],
            "type": work["type"],
            "created_at": _iso(work["created"]),
            "team": np.array(org.teams, dtype=object)[work["team"]],
            "initiative": initiative,
            "strategic": _bool_str(work["strategic"]),
            "started_at": _iso(work["started"]),
            "done_at": _iso(work["done"]),
            "status": work["status"],
            "ai_assisted": work["ai"],
            "escaped_defect": np.where(bug, _bool_str(work["escaped"]), "false"),
    }


# --------------------------------------------------------------------------------------
# Support, security, releases, surveys
# --------------------------------------------------------------------------------------


def _support_frame(org: _Org, inc: dict, rng: np.random.Generator) -> Table:
    """A steady trickle per service plus a burst of defect tickets after each incident."""
    p = org.period
    services = len(org.services)
    base = rng.poisson(1.0, (services, p.weeks))
    service = np.repeat(np.repeat(np.arange(services), p.weeks), base.ravel())
    week = np.repeat(np.tile(np.arange(p.weeks), services), base.ravel())
    opened = p.t0 + week * WEEK + rng.random(len(week)) * WEEK
    category = rng.choice(len(TICKET_CATEGORIES), size=len(week), p=[0.35, 0.15, 0.25, 0.1, 0.1, 0.05])
    defect = (category == 2) | ((category == 3) & (rng.random(len(week)) < 0.5))
    has = inc["service"] >= 0
    burst = rng.poisson(np.array([6.0, 3.0, 1.0, 0.3])[inc["severity"][has]])
    src = np.repeat(np.nonzero(has)[0], burst)
    service = np.r_[service, inc["service"][src]]
    opened = np.r_[opened, inc["opened"][src] + rng.uniform(0.1, 12, len(src)) * HOUR]
    category = np.r_[category, np.full(len(src), 2)]
    defect = np.r_[defect, np.ones(len(src), dtype=bool)]
    keep = opened < p.t_end
    service, opened, category, defect = service[keep], opened[keep], category[keep], defect[keep]
    resolved = opened + _lognormal(rng, 18.0, 1.2, len(opened)) * HOUR
    order = np.lexsort((service, opened))
    return {
        "id": _ids("SUP-", len(order), 5, start=10001),
        "opened_at": _iso(opened[order]),
        "resolved_at": _iso(np.where(resolved < p.t_end, resolved, np.nan)[order]),
        "category": np.array(TICKET_CATEGORIES, dtype=object)[category[order]],
        "defect": _bool_str(defect[order]),
        "service": np.array(org.services, dtype=object)[service[order]],
    }


def _security_frame(org: _Org, prs: dict, rng: np.random.Generator) -> Table:
    """Findings per service and week; AI-touched in proportion to the AI share of its merges."""
    p = org.period
    services = len(org.services)
    merged = ~np.isnan(prs["merged"])
    cell = prs["service"][merged] * p.weeks + np.minimum(p.week_of(prs["merged"][merged]), p.weeks - 1)
    total = np.bincount(cell, minlength=services * p.weeks)
    ai = np.bincount(cell, weights=prs["ai"][merged].astype(float), minlength=services * p.weeks)
    share = np.divide(ai, total, out=np.zeros(len(total)), where=total > 0)
    count = rng.poisson(0.3 * (1 + 0.5 * share))
    cell = np.repeat(np.arange(len(count)), count)
    service, week = np.divmod(cell, p.weeks)
    day = p.day0 + 7 * week + rng.integers(0, 7, len(cell))
    order = np.lexsort((service, day))
    severity = rng.choice(4, size=len(cell), p=[0.45, 0.35, 0.16, 0.04])
    return {
        "date": _date_str(day[order]),
        "severity": np.array(["low", "medium", "high", "critical"], dtype=object)[severity[order]],
        "service": np.array(org.services, dtype=object)[service[order]],
        "ai_touched": _bool_str((rng.random(len(cell)) < share[cell])[order]),
    }


def _months(period: _Period) -> list[tuple[int, int]]:
    first, last = period.start, period.end - datetime.timedelta(days=1)
    months, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _releases_frame(org: _Org, people: _People, usage: dict, rng: np.random.Generator) -> pd.DataFrame:
    """One or two releases per team and month, with a customer, a value and the AI tokens used."""
    p = org.period
    tokens = np.zeros((len(org.teams), p.weeks))
    np.add.at(tokens, (people.team[usage["person"]], usage["week"]), usage["tokens"])
    rows = []
    for t, team in enumerate(org.teams):  # loops per team and month only
        catalogue = RELEASES.get(team, GENERIC_RELEASES) if t < len(DEFAULT_TEAMS) else GENERIC_RELEASES
        offset = 0 if t < len(DEFAULT_TEAMS) else int(rng.integers(0, len(catalogue)))
        made = 0
        for year, month in _months(p):
            lo = max(p.day0, (datetime.date(year, month, 1) - EPOCH).days)
            hi = min(p.day0 + p.days, int(_month_end(np.array([lo]))[0]) + 1)
            for _ in range(1 + int(rng.random() < 0.4)):
                day = int(rng.integers(lo, hi))
                k = (offset + made) % len(catalogue)
                phase = (offset + made) // len(catalogue)
                title, summary = catalogue[k]
                rows.append(_release_row(org, t, day, title + (f" (phase {phase + 1})" if phase else ""),
                                         summary, tokens, rng))
                made += 1
    frame = pd.DataFrame(rows, columns=list(COLUMNS["releases.csv"]) + ["_day"])
    frame = frame.sort_values(["_day", "team", "title"], kind="stable")
    return frame.drop(columns="_day").reset_index(drop=True)


def _release_row(org: _Org, team: int, day: int, title: str, summary: str, tokens: np.ndarray,
                 rng: np.random.Generator) -> list:
    week = (day - org.period.day0) // 7
    internal = rng.random() < 0.2
    customer = "" if internal else CUSTOMERS[int(rng.integers(0, len(CUSTOMERS)))]
    value = "" if internal else f"{round(rng.lognormal(np.log(150), 0.8)) * 1000:.2f}"
    currency = "" if internal else ("EUR" if customer in EUR_CUSTOMERS else "USD")
    initiative = org.initiatives[team] if rng.random() < 0.7 else ""
    used = tokens[team, max(0, week - 4): week + 1].sum()
    rolled = org.rollout[team] >= 0 and week >= org.rollout[team]
    ai_tokens = str(int(used * rng.uniform(0.05, 0.2))) if rolled and used > 0 else ""
    return [_date_str(np.array([day]))[0], org.teams[team], title, summary, customer, value, currency,
            initiative, ai_tokens, day]


def _surveys_frame(org: _Org, people: _People, rng: np.random.Generator) -> pd.DataFrame:
    """A pulse per team on the second Thursday of each month: trust and time saved rise after
    rollout; the busy team's burnout creeps up as its review queue grows."""
    p = org.period
    headcount = np.bincount(people.team[people.end_day < 0], minlength=len(org.teams))
    rows = []
    for year, month in _months(p):
        first = datetime.date(year, month, 1)
        day = first + datetime.timedelta(days=(3 - first.weekday()) % 7 + 7)
        d = (day - EPOCH).days
        if not p.day0 <= d < p.day0 + p.days:
            continue
        week = np.full(len(org.teams), (d - p.day0) // 7)
        teams = np.arange(len(org.teams))
        since = np.where(org.rollout >= 0, week - org.rollout, -1)
        settled = np.where(since >= 0, 1 - np.exp(-(since + 1) / 6), 0.0)
        busy = org.busy_ramp(teams, week)
        trust = np.clip(2.7 + 1.1 * settled + rng.normal(0, 0.12, len(teams)), 1, 5)
        burnout = np.clip(2.4 + 0.8 * busy + rng.normal(0, 0.1, len(teams)), 1, 5)
        enps = np.clip(np.round(25 - 18 * busy + rng.normal(0, 6, len(teams))), -100, 100)
        saved = np.maximum(0.4 + 3.5 * settled + rng.normal(0, 0.2, len(teams)), 0)
        responses = np.maximum(1, np.round(headcount * rng.uniform(0.6, 0.95, len(teams))))
        for t in teams:
            rows.append([day.isoformat(), org.teams[t], int(responses[t]), f"{enps[t]:.0f}",
                         f"{trust[t]:.2f}", f"{burnout[t]:.2f}", f"{saved[t]:.1f}"])
    return pd.DataFrame(rows, columns=list(COLUMNS["surveys.csv"]))


# --------------------------------------------------------------------------------------
# People and config
# --------------------------------------------------------------------------------------


def _people_frame(org: _Org, people: _People) -> Table:
    team = np.array(org.teams, dtype=object)[people.team]
    order = _order(team, people.role, people.login)
    return {
        "person": people.login[order],
        "team": team[order],
        "role": people.role[order],
        "email": (people.login + "@" + EMAIL_DOMAIN)[order],
        "aliases": people.aliases[order],
        "start_date": _date_str(people.start_day[order]),
        "end_date": _date_str(people.end_day[order]),
    }


def _config_yaml(org: _Org, engineers: int, seed: int) -> str:
    p = org.period
    last = p.end - datetime.timedelta(days=1)
    lines = [
        f"# Generated by `reporter sample` (seed {seed}, {engineers} engineers, {len(org.teams)} teams,",
        f"# {p.weeks} ISO weeks {p.start.isoformat()} .. {last.isoformat()}): a fictional organisation.",
        "# Teams with ai_rollout adopted AI tools on that Monday; the others are the control group.",
        f"organization: {ORGANIZATION}",
        "currency: USD",
        "timezone: UTC",
        "fiscal_year_start_month: 2",
        "teams:",
    ]
    for t, team in enumerate(org.teams):
        rollout = f"ai_rollout: {p.monday(org.rollout[t]).isoformat()}" if org.rollout[t] >= 0 else ""
        lines.append(f"  {team}: {{{rollout}}}")
    lines.append("services:")
    for s, service in enumerate(org.services):
        repos = ", ".join(org.service_repos[s])
        lines.append(f"  {service}: {{team: {org.teams[org.service_team[s]]}, repos: [{repos}]}}")
    lines += ["privacy:", "  min_group_size: 5",
              "# Inputs of the quarterly ROI packet (illustrative figures; every one is listed in its assumptions).",
              "finance:", "  loaded_cost_per_engineer_year: 180000", "  hours_per_week: 40",
              "  survey_discount: 0.5", "  enablement_cost_per_quarter: 6000", "  incident_hour_cost: 250",
              "  exchange_rates: {EUR: 1.08}", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Small helpers: randomness and formatting
# --------------------------------------------------------------------------------------


def _lognormal(rng: np.random.Generator, median, sigma: float, size: int | None = None) -> np.ndarray:
    median = np.asarray(median, dtype=float)
    shape = median.shape if size is None else size
    return median * np.exp(sigma * rng.standard_normal(shape))


def _hex(rng: np.random.Generator, n: int, nbytes: int = 20) -> np.ndarray:
    """n random lowercase hex strings (40 chars = a git sha)."""
    raw = rng.integers(0, 256, size=n * nbytes, dtype=np.uint8).tobytes()
    return np.frombuffer(raw.hex().encode("ascii"), dtype=f"S{2 * nbytes}").astype(f"U{2 * nbytes}")


def _ids(prefix: str, n: int, width: int, start: int = 1) -> np.ndarray:
    numbers = np.char.zfill(np.arange(start, start + n).astype(str), width)
    return np.char.add(prefix, numbers).astype(object)


def _join(parts: list[np.ndarray], sep: str = ";") -> np.ndarray:
    """Element-wise join of string arrays, skipping empty strings."""
    out = parts[0].copy()
    for part in parts[1:]:
        out = np.where(part == "", out, np.where(out == "", part, out + sep + part))
    return out


def _iso(t: np.ndarray) -> pa.Array:
    """Float epoch seconds -> '2026-06-02T09:14:05Z' (seconds floored); NaN -> ''.

    Digits are written into a fixed-width byte matrix: formatting a million timestamps this
    way takes milliseconds where strftime-style formatting takes seconds."""
    t = np.asarray(t, dtype=float)
    ok = ~np.isnan(t)
    sec = np.floor(t[ok]).astype(np.int64)
    day = (sec // 86400).astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    year = month.astype("datetime64[Y]").astype(np.int64) + 1970
    mon = month.astype(np.int64) % 12 + 1
    dom = (day - month.astype("datetime64[D]")).astype(np.int64) + 1
    sod = sec % 86400
    fields = (
        (0, year, 4), (5, mon, 2), (8, dom, 2), (11, sod // 3600, 2), (14, sod // 60 % 60, 2), (17, sod % 60, 2)
    )
    return _fixed_width(b"0000-00-00T00:00:00Z", fields, ok)


def _fixed_width(template: bytes, fields, ok: np.ndarray) -> pa.Array:
    """Strings made of `template` with decimal fields (column, values, digits) filled in, one per
    True in `ok`; rows where `ok` is False become ''."""
    buf = np.empty((int(ok.sum()), len(template)), dtype=np.uint8)
    buf[:] = np.frombuffer(template, dtype=np.uint8)
    for col, values, digits in fields:
        for k in range(digits):
            buf[:, col + k] += (values // 10 ** (digits - 1 - k) % 10).astype(np.uint8)
    lengths = np.where(ok, len(template), 0)
    offsets = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    return pa.LargeStringArray.from_buffers(len(ok), pa.py_buffer(offsets), pa.py_buffer(buf.tobytes()))


def _date_str(days: np.ndarray) -> np.ndarray:
    """Days since the epoch -> '2026-06-02'; negative -> ''."""
    days = np.asarray(days, dtype=np.int64)
    out = np.full(days.shape, "", dtype=object)
    ok = days >= 0
    out[ok] = np.datetime_as_string(days[ok].astype("datetime64[D]"), unit="D")
    return out


def _month_end(days: np.ndarray) -> np.ndarray:
    """Day number of the last day of the month containing each day."""
    month = np.asarray(days).astype("datetime64[D]").astype("datetime64[M]")
    return ((month + 1).astype("datetime64[D]") - 1).astype(np.int64)


def _bool_str(values: np.ndarray) -> np.ndarray:
    return np.where(values, "true", "false").astype(object)


def _money(cents: np.ndarray) -> np.ndarray:
    cents = np.asarray(cents, dtype=np.int64)
    whole, frac = np.divmod(cents, 100)
    return np.char.add(np.char.add(whole.astype(str), "."), np.char.zfill(frac.astype(str), 2)).astype(object)


def _order(*keys: np.ndarray) -> np.ndarray:
    """Stable sort order by several keys, the first the most significant (strings allowed)."""
    return np.lexsort([np.asarray(k, dtype=str) if k.dtype == object else k for k in reversed(keys)])


def _write_csv(table: Table | pd.DataFrame, path: pathlib.Path, columns: tuple[str, ...]) -> None:
    """RFC 4180 CSV with minimal quoting, byte for byte what pandas' to_csv(index=False) writes
    for these string and integer columns, built with pyarrow kernels (10x faster)."""
    fields = [_csv_field(table[c]) for c in columns]
    header = ",".join(columns) + "\n"
    with open(path, "wb") as f:
        f.write(header.encode("utf-8"))
        if len(fields[0]) == 0:
            return
        lines = pc.binary_join_element_wise(*fields, _text(","))
        lines = pc.binary_join_element_wise(lines, _text(""), _text("\n"))  # each line + "\n"
        for chunk in lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]:
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
            offsets = offsets[chunk.offset: chunk.offset + len(chunk) + 1]
            f.write(memoryview(chunk.buffers()[2])[offsets[0]: offsets[-1]])


def _csv_field(values) -> pa.Array:
    """One column as CSV text: missing -> '', quoted when it holds a comma, quote or newline."""
    if isinstance(values, pd.Series):
        values = values.to_numpy()
    if isinstance(values, np.ndarray):
        text_like = values.dtype.kind in "OU"
        values = pa.array(values, type=pa.large_string() if text_like else None)
    text = values.cast(pa.large_string()).fill_null("")
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        needs = pc.match_substring_regex(text, r'[,"\r\n]')
        if pc.any(needs).as_py():
            escaped = pc.replace_substring(text, '"', '""')
            quoted = pc.binary_join_element_wise(_text('"'), escaped, _text('"'), _text(""))
            text = pc.if_else(needs, quoted, text)
    return text


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())
