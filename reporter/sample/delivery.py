"""Delivery data of the sample: pull requests, their commits, and the work items they belong to.

The story lives in the PR stage durations: AI-assisted PRs are ~1.7x larger, small ones are coded
faster and large ones pay a review tax; the busy team's review wait grows over the last weeks
while its coding time falls; the fragile service's PRs are reverted more after its rollout. AI
assistance is marked five ways: the ai_assisted column, a label, a commit trailer, a PR body
footer, or the coding-agent bot as author.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .draw import group_starts, hex_strings, ids, join, lognormal, maybe, pick
from .organisation import BOT, CLAUDE, COPILOT, CURSOR, DAY, HOUR, KTLO, WEEK, Org, People
from .writer import Table

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
TRAILERS = (
    "Co-authored-by: Claude <noreply@anthropic.com>",
    "Co-authored-by: Claude Sonnet 4.5 <noreply@anthropic.com>",
    "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
    "Co-authored-by: Cursor Agent <cursoragent@cursor.com>",
    "Assisted-by: Codex",
)
BODY_FOOTERS = (
    "\U0001f916 Generated with [Claude Code](https://claude.com/claude-code)",
    "https://chatgpt.com/codex/tasks/task_e_",  # followed by the task's hex id
)
# How an AI-assisted PR is marked (the bot author is the fifth way).
MARK_NONE, MARK_FLAG, MARK_LABEL, MARK_TRAILER, MARK_BODY, MARK_BOT = 0, 1, 2, 3, 4, 5
MARK_SHARES = {MARK_FLAG: 0.40, MARK_LABEL: 0.20, MARK_TRAILER: 0.30, MARK_BODY: 0.10}
THROUGHPUT_GAIN = 0.08  # more PRs in a week an engineer uses AI: the capacity the DiD looks for
BUSY_CODING_CUT = 0.5  # the busy team's coding time falls by up to this share as its queue grows
BUSY_PICKUP_RISE = 3.0  # ... while its wait for a first review grows to up to 4x


# --------------------------------------------------------------------------------------
# Pull requests
# --------------------------------------------------------------------------------------


def pull_requests(org: Org, people: People, rng: np.random.Generator) -> dict[str, np.ndarray]:
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
    prs["author"] = authors(people, prs["person"], 0.05, rng)
    prs["merge_sha"] = hex_strings(rng, n)
    prs["labels"] = _labels(prs["marking"] == MARK_LABEL, rng)
    prs["flag"] = _ai_flags(prs["marking"], rng)
    prs["title"] = pick(PR_VERBS, n, rng) + " " + pick(PR_OBJECTS, n, rng)
    prs["body"] = _bodies(people, prs, rng)
    order = np.lexsort((prs["number"], prs["repo"], prs["created"]))
    prs = {k: v[order] for k, v in prs.items()}
    prs["id"] = np.array(org.repos, dtype=object)[prs["repo"]] + "#" + prs["number"].astype(str).astype(object)
    return prs


def authors(people: People, person: np.ndarray, alias_share: float, rng: np.random.Generator) -> np.ndarray:
    """Logins (the bot for -1); people with a spare handle sometimes appear under it."""
    login = np.r_[people.login, np.array([BOT], dtype=object)][person]
    alias = np.r_[people.alias, np.array([""], dtype=object)][person]
    use = (alias != "") & (rng.random(len(person)) < alias_share)
    return np.where(use, alias, login)


def _human_prs(org: Org, people: People, rng: np.random.Generator) -> dict[str, np.ndarray]:
    person, week = np.nonzero(people.employed & people.is_engineer[:, None])
    rate = 2.9 * people.productivity[person]
    rate *= np.where(people.present[person, week], 1.0, 0.15)
    rate *= np.where(people.active[person, week], 1 + THROUGHPUT_GAIN, 1.0)
    count = rng.poisson(rate)
    person, week = np.repeat(person, count), np.repeat(week, count)
    n = len(person)
    repo = _pick_repo(org, people.team[person], rng)
    cross = rng.random(n) < 0.03  # an occasional PR to another team's repo
    repo[cross] = rng.integers(0, len(org.repos), cross.sum())
    ai = people.active[person, week] & (rng.random(n) < 0.65)
    return {"person": person, "week": week, "repo": repo, "ai": ai,
            "created": _working_time(org, week, rng), "bot": np.zeros(n, dtype=bool)}


def _bot_prs(org: Org, people: People, humans: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The coding agent works where copilot users are active, so mostly after rollouts."""
    n = int(round(humans * 0.02 / 0.98))
    copilot = people.active & ((people.tool1 == COPILOT) | (people.tool2 == COPILOT))[:, None]
    weight = np.zeros((len(org.teams), org.period.weeks))
    baseline = 0.02 * (people.employed & people.is_engineer[:, None])  # a trickle everywhere
    np.add.at(weight, people.team, copilot + baseline)
    cell = rng.choice(weight.size, size=n, p=(weight / weight.sum()).ravel())
    team, week = np.divmod(cell, org.period.weeks)
    return {"person": np.full(n, -1), "week": week, "repo": _pick_repo(org, team, rng),
            "ai": np.ones(n, dtype=bool), "created": _working_time(org, week, rng),
            "bot": np.ones(n, dtype=bool)}


def _pick_repo(org: Org, team: np.ndarray, rng: np.random.Generator) -> np.ndarray:
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


def _working_time(org: Org, week: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A time on a working day (rarely a weekend), between 08:00 and 18:00 UTC."""
    day = rng.choice(7, size=len(week), p=[0.2, 0.21, 0.21, 0.2, 0.16, 0.01, 0.01])
    return org.period.t0 + week * WEEK + day * DAY + rng.uniform(8, 18, len(week)) * HOUR


def _markings(prs: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """How each AI-assisted PR is marked (MARK_SHARES); the bot's PRs by their author."""
    how = rng.choice(list(MARK_SHARES), size=len(prs["ai"]), p=list(MARK_SHARES.values()))
    return np.where(prs["bot"], MARK_BOT, np.where(prs["ai"], how, MARK_NONE))


def _pr_times(org: Org, prs: dict[str, np.ndarray], rng: np.random.Generator) -> None:
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
    coding_h = 16.0 * sf**0.35 * np.where(ai, ai_coding, 1.0) * (1 - BUSY_CODING_CUT * busy)
    coding_h = np.where(bot, 0.7, coding_h)
    pickup_h = 3.5 * sf**0.15 * (1 + BUSY_PICKUP_RISE * busy) * np.where(after, 1.15, 1.0)
    review_h = 7.0 * sf**0.35 * np.where(ai, ai_review, 1.0)
    created = prs["created"]
    first_commit = created - lognormal(rng, coding_h, 1.0) * HOUR
    first_review = created + np.maximum(lognormal(rng, pickup_h, 0.9), 0.05) * HOUR
    merged = _working_hours(first_review + np.maximum(lognormal(rng, review_h, 0.9), 0.05) * HOUR, rng)
    approved = first_review + rng.uniform(0.4, 0.95, n) * (merged - first_review)
    closed = created + np.maximum(lognormal(rng, 40.0, 1.2), 0.2) * HOUR
    fate = rng.choice(3, size=n, p=[0.875, 0.08, 0.045])  # merged, closed, abandoned open
    t_end = org.period.t_end
    is_merged = (fate == 0) & (merged < t_end)
    is_closed = (fate == 1) & (closed < t_end)
    reviewed = np.where(fate == 1, (rng.random(n) < 0.6) & (first_review < closed), rng.random(n) < 0.9)
    reviewed |= is_merged
    # ~5% of PRs come without commit data; never those marked only by a commit trailer
    no_commits = (prs["marking"] != MARK_TRAILER) & (rng.random(n) < 0.055)
    prs["first_commit"] = np.where(no_commits, np.nan, first_commit)
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


def _reverts(org: Org, prs: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """~2% of merged PRs are reverted; on the fragile service up to ~18% after its rollout."""
    fragile = org.fragile_ramp(prs["service"], prs["week"])
    p = 0.02 + 0.16 * fragile * np.where(prs["ai"], 1.2, 0.8)
    return ~np.isnan(prs["merged"]) & (rng.random(len(p)) < p)


def _pr_numbers(org: Org, prs: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Increasing numbers per repo with gaps (issues share the sequence), like GitHub."""
    order = np.lexsort((prs["created"], prs["repo"]))
    repo = prs["repo"][order]
    step = rng.geometric(0.6, len(order))
    total = np.cumsum(step)
    starts = group_starts(repo)
    group_offset = np.repeat(total[starts] - step[starts], np.diff(np.r_[starts, len(order)]))
    base = rng.integers(200, 4000, len(org.repos))
    number = np.empty(len(order), dtype=np.int64)
    number[order] = base[repo] + total - group_offset
    return number


def _labels(ai_label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A kind label on most PRs, `ai-assisted` where that is the marking, a few extras."""
    kind = maybe(LABELS_KIND, 0.3, len(ai_label), rng)
    extra = maybe(LABELS_EXTRA, 0.85, len(ai_label), rng)
    ai = np.where(ai_label, "ai-assisted", "").astype(object)
    return join([kind, ai, extra])


def _ai_flags(marking: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The ai_assisted column: true when marked by it; for non-AI PRs false or empty (half the
    PR templates have the checkbox); empty for PRs marked another way."""
    unmarked = (marking == MARK_NONE) & (rng.random(len(marking)) < 0.5)
    return np.where(marking == MARK_FLAG, "true", np.where(unmarked, "false", "")).astype(object)


def _bodies(people: People, prs: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """A PR description only where the tool signs it (the rest of the bodies are left out to keep
    the file small): Claude Code's footer for claude-code users, a Codex task link otherwise."""
    signed = np.nonzero(prs["marking"] == MARK_BODY)[0]
    out = np.full(len(prs["marking"]), "", dtype=object)
    person = prs["person"][signed]
    claude = people.tool1[np.maximum(person, 0)] == CLAUDE
    task = np.array([BODY_FOOTERS[1]], dtype=object) + hex_strings(rng, len(signed), 16).astype(object)
    footer = np.where(claude, BODY_FOOTERS[0], task)
    out[signed] = prs["title"][signed] + ".\n\n" + footer
    return out


def pull_requests_table(org: Org, prs: dict[str, np.ndarray], work_item: np.ndarray) -> Table:
    merged = ~np.isnan(prs["merged"])
    return {
        "id": prs["id"],
        "repo": np.array(org.repos, dtype=object)[prs["repo"]],
        "author": prs["author"],
        "created_at": prs["created"],
        "merged_at": prs["merged"],
        "closed_at": prs["closed"],
        "first_commit_at": prs["first_commit"],
        "first_review_at": prs["first_review"],
        "approved_at": prs["approved"],
        "additions": prs["additions"],
        "deletions": prs["deletions"],
        "labels": prs["labels"],
        "ai_assisted": prs["flag"],
        "title": prs["title"],
        "merge_commit_sha": np.where(merged, prs["merge_sha"], ""),
        "reverted": prs["reverted"],
        "work_item": work_item,
        "body": prs["body"],
    }


# --------------------------------------------------------------------------------------
# Commits
# --------------------------------------------------------------------------------------


def commits_table(org: Org, people: People, prs: dict, rng: np.random.Generator) -> Table:
    """1-3 commits per PR with a first commit; the first one at first_commit_at."""
    has = np.nonzero(~np.isnan(prs["first_commit"]))[0]
    count = 1 + rng.binomial(2, 0.45, len(has))
    pr = np.repeat(has, count)
    nth = np.arange(len(pr)) - np.repeat(np.cumsum(count) - count, count)
    first = prs["first_commit"][pr]
    upper = np.where(np.isnan(prs["merged"][pr]), prs["created"][pr], prs["merged"][pr] - 60.0)
    upper = np.maximum(np.minimum(upper, org.period.t_end - 60.0), first)
    at = np.where(nth == 0, first, first + rng.random(len(pr)) * (upper - first))
    subject = np.where(nth == 0, prs["title"][pr], pick(COMMIT_FOLLOWUPS, len(pr), rng))
    trailer = _trailers(people, prs, pr, rng)
    carries = (prs["marking"][pr] == MARK_TRAILER) & ((nth == 0) | (rng.random(len(pr)) < 0.5))
    message = np.where(carries, subject + "\n\n" + trailer, subject)
    author = authors(people, prs["person"][pr], 0.3, rng)
    sha = hex_strings(rng, len(pr))
    order = np.argsort(at, kind="stable")
    return {"sha": sha[order], "authored_at": at[order], "pr_id": prs["id"][pr[order]],
            "author": author[order], "message": message[order]}


def _trailers(people: People, prs: dict, pr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The trailer a PR author's tool writes: Claude (two spellings), Copilot, Cursor; some Codex."""
    person = prs["person"][pr]
    tool = np.where(person >= 0, people.tool1[np.maximum(person, 0)], COPILOT)
    claude = np.where(rng.random(len(pr)) < 0.6, 0, 1)
    choice = np.select([tool == COPILOT, tool == CURSOR], [2, 3], default=claude)
    choice = np.where(rng.random(len(pr)) < 0.08, 4, choice)
    # one trailer per PR: every commit of a PR uses the choice of its first commit
    first_of_pr = group_starts(pr)
    choice = np.repeat(choice[first_of_pr], np.diff(np.r_[first_of_pr, len(pr)]))
    return np.array(TRAILERS, dtype=object)[choice]


# --------------------------------------------------------------------------------------
# Work items
# --------------------------------------------------------------------------------------


def work_items(org: Org, prs: dict, rng: np.random.Generator) -> tuple[dict, np.ndarray]:
    """Stories, bugs and tasks grouping ~82% of PRs, plus an untouched backlog and epics.
    Returns the items and each PR's work item id ('' for none)."""
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
    item_ids = ids("NW-", len(order), 4, start=1001)
    work = {k: v[order] for k, v in work.items()}
    work["id"] = item_ids
    return work, np.where(item >= 0, item_ids[rank[np.maximum(item, 0)]], "").astype(object)


def _items_from_prs(org: Org, prs: dict, item: np.ndarray, count: int, rng: np.random.Generator) -> dict:
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
    created = started - lognormal(rng, 3.0, 1.0, count) * DAY
    done = agg["merged"].to_numpy() + rng.uniform(0.5, 48, count) * HOUR
    is_open = agg["open"].to_numpy().astype(bool)
    finished = ~is_open & ~np.isnan(done) & (done < org.period.t_end)
    abandoned = ~is_open & np.isnan(agg["merged"].to_numpy())
    return {
        "type": np.array(["story", "bug", "task"], dtype=object)[kind],
        "created": created,
        "team": agg["team"].to_numpy().astype(np.int64),
        "strategic": rng.random(count) < np.where(kind == 1, 0.15, 0.55),
        "started": np.where(abandoned, np.nan, started),
        "done": np.where(finished, done, np.nan),
        "status": np.where(finished, "done", np.where(abandoned, "todo", "in_progress")).astype(object),
        "ai": np.where(agg["ai"].to_numpy().astype(bool), "true", "false").astype(object),
        "escaped": (kind == 1) & (rng.random(count) < 0.35),
    }


def _backlog(org: Org, rng: np.random.Generator) -> dict:
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


def _epics(org: Org, rng: np.random.Generator) -> dict:
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


def work_items_table(org: Org, work: dict) -> Table:
    initiative = np.where(work["strategic"], np.array(org.initiatives, dtype=object)[work["team"]], KTLO)
    return {
        "id": work["id"],
        "type": work["type"],
        "created_at": work["created"],
        "team": np.array(org.teams, dtype=object)[work["team"]],
        "initiative": initiative,
        "strategic": work["strategic"],
        "started_at": work["started"],
        "done_at": work["done"],
        "status": work["status"],
        "ai_assisted": work["ai"],
        "escaped_defect": work["escaped"] & (work["type"] == "bug"),
    }
