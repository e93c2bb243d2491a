"""What a report reads: per dataset, the columns it uses and the rows its windows reach.

A ``ReadPlan`` maps a dataset name to a ``DatasetRead``; a dataset without an entry is read
whole (every row, every column). A ``DatasetRead`` holds

- ``columns``: the columns read (the ones the report uses, plus the required, key and id
  columns, so that a row with an empty required value or a duplicate key is still skipped and
  listed exactly as before);
- ``ranges``: a row is read when ANY range holds for it. ``Range(column, since, until)`` holds
  when the column's instant is in ``[since, until)`` (UTC; ``None`` = unbounded on that side);
  ``or_missing`` also takes rows whose column is empty (open work items). A value that cannot
  be parsed as a time is always read, so that validation can list it. No ranges = every row.
- ``key_column``/``keys``: rows whose ``key_column`` is one of ``keys`` are read too (PRs that a
  deployment of the window lists, commits of the PRs read): a consumer that cannot push such a
  list into its query must read those rows anyway (a larger read is always correct, a smaller
  one never is); ``also`` holds more (column, values) pairs alike (rows of identities people
  does not know: the data-quality warning counts them all);
- ``firsts``: one row (the smallest id) of each distinct combination of these columns is read too
  (``name?`` groups by whether the column is empty): a team that has rows only outside the window
  still appears in a metric's split, with 0, as when every row is read. The file engine finds the
  ids in its summary scan and reads them as ``also`` keys.

``since``/``until`` (properties) are the outer bounds over the ranges, for a consumer that
only pushes one interval per dataset (a superset of the ranges, hence still correct).

How far each dataset reaches, and why (windowing must not change any metric):

- the analysis window ``[start, end)`` covers the period, the whole requested baseline
  (``baseline_periods``), the trend periods (``cadences.Cadence.trend_periods``) and, for the quarterly
  packet, the difference-in-differences pre-period (``attribution.PRE_WEEKS`` before the
  earliest rollout), padded by a day on each side (local days vs UTC instants);
- ``pull_requests``: merged or created in the window, plus the attribution reach, computed
  once deployments and incidents are loaded (``pull_request_read``): every PR a deployment of
  the window (or one an incident of the window is linked to) ships, i.e. merged on or after the
  previous deployment of its service, and the PRs such a deployment lists by id;
- ``commits``: of the PRs read (their first commit may be long before the window), and those
  authored in the window (the coverage counts them);
- ``ai_usage``: the window's days; ``work_items``: created or done in the window, done after
  it, or still open (the backlog counts items open at the period's end, however old);
- ``people``, ``seats``, ``deployments``, ``incidents`` and the small datasets: whole
  (rosters, seat lists, and the attribution chains deployments -> incidents need them all).

Coverage (each dataset's first and last day, and the rows in the period) is not read from the
window: the loader measures every row's dated columns with cheap min/max queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .spec import DATASETS

DAY = dt.timedelta(days=1)

# Rows read for the splits (see DatasetRead.firsts): a PR's team comes from its author or its repo.
FIRSTS: dict[str, tuple[str, ...]] = {"pull_requests": ("author", "repo"),
                                      "work_items": ("team", "done_at?", "strategic", "escaped_defect")}
# Identities whose rows are read whole when people does not know them: the warning counts them all.
IDENTITIES: dict[str, str] = {"pull_requests": "author", "ai_usage": "person"}

# Columns each windowed dataset's report reads (besides the spec's required, key and id columns).
USED_COLUMNS: dict[str, tuple[str, ...]] = {
    "pull_requests": ("id", "repo", "author", "created_at", "merged_at", "first_commit_at", "first_review_at",
                      "additions", "deletions", "labels", "ai_assisted", "reverted", "body", "merge_commit_sha"),
    "commits": ("sha", "authored_at", "pr_id", "author", "message"),
    "ai_usage": ("date", "person", "tool", "feature", "interactions", "lines_suggested", "lines_accepted", "tokens"),
    "work_items": ("id", "created_at", "team", "initiative", "strategic", "done_at", "ai_assisted",
                   "escaped_defect"),
}


@dataclass(frozen=True)
class Range:
    column: str
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    or_missing: bool = False


@dataclass(frozen=True)
class DatasetRead:
    columns: tuple[str, ...]
    ranges: tuple[Range, ...] = ()
    key_column: str | None = None
    keys: frozenset[str] = frozenset()
    also: tuple[tuple[str, frozenset[str]], ...] = ()
    firsts: tuple[str, ...] = ()

    @property
    def since(self) -> dt.datetime | None:
        """The earliest instant any range reaches (None: unbounded, or no ranges)."""
        if not self.ranges or any(r.since is None or r.or_missing for r in self.ranges) or self.keys:
            return None
        return min(r.since for r in self.ranges)  # type: ignore[type-var]

    @property
    def until(self) -> dt.datetime | None:
        if not self.ranges or any(r.until is None or r.or_missing for r in self.ranges) or self.keys:
            return None
        return max(r.until for r in self.ranges)  # type: ignore[type-var]

    @property
    def time_columns(self) -> tuple[str, ...]:
        """The ranges' columns (for a consumer pushing one interval: any of them within [since, until))."""
        return tuple(r.column for r in self.ranges)

    def describe(self) -> list[str]:
        """Plain words for the report's data-quality statement."""
        out = []
        for r in self.ranges:
            lo = "" if r.since is None else f"from {_day(r.since)}"
            hi = "" if r.until is None else f"before {_day(r.until)}"
            words = f"{r.column} {' '.join(w for w in (lo, hi) if w) or 'any'}"
            out.append(words + (" or empty" if r.or_missing else ""))
        for column, values in ((self.key_column, self.keys),) + self.also:
            if values:
                out.append(f"{column} among {len(values):,} linked values")
        if self.firsts:
            out.append(f"the first row of each {', '.join(c.rstrip('?') for c in self.firsts)}")
        return out

    def with_keys(self, column: str, values: frozenset[str]) -> "DatasetRead":
        if not values:
            return self
        return DatasetRead(self.columns, self.ranges, self.key_column, self.keys, self.also + ((column, values),),
                           self.firsts)


@dataclass(frozen=True)
class ReadPlan:
    """Per dataset, what the report reads; datasets not listed are read whole."""

    start: dt.datetime  # the analysis window, UTC, padded
    end: dt.datetime
    reads: Mapping[str, DatasetRead] = field(default_factory=dict)

    def get(self, dataset: str) -> DatasetRead | None:
        return self.reads.get(dataset)

    @property
    def datasets(self) -> Mapping[str, DatasetRead]:
        return self.reads

    def with_read(self, dataset: str, read: DatasetRead) -> "ReadPlan":
        return ReadPlan(self.start, self.end, {**self.reads, dataset: read})


def _day(instant: dt.datetime) -> str:
    return instant.strftime("%Y-%m-%d")


def columns_for(dataset: str) -> tuple[str, ...]:
    """Used columns plus required, key and id columns, in spec order."""
    spec = DATASETS[dataset]
    wanted = set(USED_COLUMNS.get(dataset, [c.name for c in spec.columns])) | set(spec.required) | set(spec.key)
    if spec.id_column:
        wanted.add(spec.id_column)
    return tuple(c.name for c in spec.columns if c.name in wanted)


def report_plan(start_day: dt.date, end_day: dt.date, tz) -> ReadPlan:
    """The plan for an analysis window of local days ``[start_day, end_day)``.

    ``start_day`` is the first day of the earliest period the report reads (baseline, trends,
    DiD pre-period); ``end_day`` the day after the period. Pull requests and commits get their
    final reach from ``pull_request_read``/``commit_read`` once deployments are loaded."""
    start = dt.datetime.combine(start_day, dt.time(), tz).astimezone(dt.timezone.utc) - DAY
    end = dt.datetime.combine(end_day, dt.time(), tz).astimezone(dt.timezone.utc) + DAY
    reads = {
        # Unbounded before: the attribution reach is known once deployments are loaded (pull_request_read).
        "pull_requests": DatasetRead(columns_for("pull_requests"), (
            Range("merged_at", None, end), Range("created_at", start, end)), firsts=FIRSTS["pull_requests"]),
        "ai_usage": DatasetRead(columns_for("ai_usage"), (Range("date", start, end),)),
        "work_items": DatasetRead(columns_for("work_items"), (
            Range("created_at", start, end), Range("done_at", start, None, or_missing=True)),
            firsts=FIRSTS["work_items"]),
    }
    return ReadPlan(start, end, reads)


def did_start(rollouts: Mapping[str, dt.date], quarter_end: dt.date) -> dt.date | None:
    """First day of the difference-in-differences pre-period: PRE_WEEKS before the Monday of the
    earliest rollout that precedes the quarter's end (None without one)."""
    from ..metrics.attribution import PRE_WEEKS

    days = [day for day in rollouts.values() if day is not None and day < quarter_end]
    if not days:
        return None
    earliest = min(days)
    return earliest - dt.timedelta(days=earliest.weekday()) - dt.timedelta(weeks=PRE_WEEKS)


def _utc_ns(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT")).view(np.int64)


def pull_request_read(plan: ReadPlan, deployments: pd.DataFrame, incidents: pd.DataFrame) -> DatasetRead:
    """PRs the report's deployments and incidents need besides those merged or created in the window.

    A deployment of the window ships the PRs it lists and, by time, those of its service merged after the
    service's previous deployment. So does the deployment an incident of the window is linked to
    (explicitly, or the service's last deployment before the incident opened). The window's lower
    bound on ``merged_at`` moves back to the earliest such previous deployment; a service whose
    first deployment is needed has no previous one, and then every merged PR is read.
    Mirrors metrics/prepare.py (successful production deployments, ordered by time then id)."""
    from ..metrics.prepare import PRODUCTION, SUCCESS  # late: prepare imports the loader

    base = plan.get("pull_requests")
    assert base is not None
    env = deployments["environment"].astype("string").str.strip().str.lower().fillna("production")
    status = deployments["status"].astype("string").str.strip().str.lower().fillna("success")
    ok = (env.isin(PRODUCTION) & status.isin(SUCCESS)).to_numpy(dtype=bool)
    deps = deployments.loc[ok, ["id", "service", "finished_at", "pr_ids"]]
    deps = deps.sort_values(["finished_at", "id"], kind="stable").reset_index(drop=True)
    if deps.empty:
        return base
    start = pd.Timestamp(plan.start)
    finished = deps["finished_at"]
    end = pd.Timestamp(plan.end)
    needed = ((finished >= start) & (finished < end)).to_numpy(dtype=bool, na_value=False).copy()

    inc = incidents
    if len(inc):
        touching = (inc["opened_at"].between(start, end, inclusive="left")
                    | inc["resolved_at"].between(start, end, inclusive="left")).to_numpy(dtype=bool, na_value=False)
        inc = inc.loc[touching]
        ids = deps["id"].astype(object).to_numpy()
        explicit = inc["deployment_id"].astype(object)
        needed = needed | np.isin(ids, explicit.dropna().to_numpy(dtype=object))
        # Inferred links: the service's last deployment strictly before the incident opened.
        infer = inc.loc[explicit.isna().to_numpy() & inc["service"].notna().to_numpy()]
        dep_service = deps["service"].astype(object).to_numpy()
        dep_ns = _utc_ns(finished)
        for service, group in infer.groupby(infer["service"].astype(object)):
            mine = np.flatnonzero(dep_service == service)
            at = np.searchsorted(dep_ns[mine], _utc_ns(group["opened_at"]), side="left") - 1
            needed[mine[at[at >= 0]]] = True

    since: pd.Timestamp | None = start
    service = deps["service"].astype(object).to_numpy()
    for name in pd.unique(service[needed]):
        mine = np.flatnonzero(service == name)
        first_needed = mine[needed[mine]][0]
        before = mine[mine < first_needed]
        if before.size == 0:
            since = None
            break
        since = min(since, finished.iloc[before[-1]])
    listed = deps.loc[needed, "pr_ids"].dropna().astype(str)
    keys = frozenset(k.strip() for value in listed for k in value.split(";") if k.strip())
    ranges = (Range("merged_at", None if since is None else since.to_pydatetime(), plan.end),
              Range("created_at", plan.start, plan.end))
    return DatasetRead(base.columns, ranges, "id", keys, base.also, base.firsts)


def commit_read(plan: ReadPlan, pr_ids: pd.Series) -> DatasetRead:
    """Commits of the PRs read (whatever their date), and those authored in the window."""
    keys = frozenset(str(v) for v in pr_ids.dropna().astype(object))
    return DatasetRead(columns_for("commits"), (Range("authored_at", plan.start, plan.end),), "pr_id", keys)
