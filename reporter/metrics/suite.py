"""Every metric of DESIGN section 5 for one period, with baseline, delta, change and splits.

Input: the prepared frames. Output: plain dicts ready for metrics.json. A metric without
data is ``None`` with a reason, never 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from collections.abc import Collection
from functools import partial
from typing import Any, Callable, overload

import numpy as np
import pandas as pd

from ..config import Config
from ..frames import is_in
from ..periods import Period, local_midnight_utc
from . import dora, people as ppl, stats
from .coverage import DatasetCoverage
from .prepare import UNASSIGNED, Prepared

OTHER = "other"
# The datasets the metrics of DESIGN section 5 read; the loader validates these.
DATASETS_USED = ("people", "pull_requests", "commits", "deployments", "incidents", "ai_usage", "ai_costs", "seats",
                 "releases", "code_quality")
COHORTS = (("ai", True), ("non_ai", False))
_PR_STAGES = ("pr_cycle_time_hours", "coding_time_hours", "pickup_time_hours", "review_time_hours",
              "deploy_time_hours", "pr_size_lines")


@dataclass(frozen=True)
class Window:
    """One or more contiguous periods, as UTC instants and local days."""

    periods: tuple[Period, ...]
    start: pd.Timestamp
    end: pd.Timestamp
    first_day: dt.date
    end_day: dt.date

    @property
    def count(self) -> int:
        return len(self.periods)

    @property
    def fraction(self) -> float:
        """Share of the periods' days the window keeps (below 1 when the inputs cover part of it)."""
        full = (self.periods[-1].end - self.periods[0].start).days
        return (self.end_day - self.first_day).days / full if full else 1.0


def make_window(periods: list[Period], config: Config, first_day: dt.date | None = None,
                end_day: dt.date | None = None) -> Window | None:
    """The periods as one window; ``first_day``/``end_day`` clip it to the days the inputs cover."""
    if not periods:
        return None
    tz = config.tz
    lo = max(periods[0].start, first_day) if first_day else periods[0].start
    hi = min(periods[-1].end, end_day) if end_day else periods[-1].end
    hi = max(hi, lo)
    return Window(tuple(periods), pd.Timestamp(local_midnight_utc(lo, tz)), pd.Timestamp(local_midnight_utc(hi, tz)),
                  lo, hi)


def _in(series: pd.Series, w: Window) -> np.ndarray:
    return ((series >= w.start) & (series < w.end)).to_numpy(dtype=bool, na_value=False)


def _in_days(series: pd.Series, w: Window) -> np.ndarray:
    lo, hi = pd.Timestamp(w.first_day), pd.Timestamp(w.end_day)
    return ((series >= lo) & (series < hi)).to_numpy(dtype=bool, na_value=False)


class TeamFolder:
    """Which teams a report names and which it pools into 'other': decided once per report.

    A team's size is its engineers employed in the period. Every team of someone employed in
    the period (any role: a team of designers holds seats and may author PRs) with fewer than
    ``privacy.min_group_size`` engineers is pooled, and so is a people team literally named
    'other' or 'unassigned' (those names mean the pool). While the pool holds teams but fewer
    engineers than the minimum, the smallest named team (ties by name) joins it. So 'other'
    reaches the minimum, or it holds every team and the whole organisation is under the
    minimum: then its entries are withheld, without their n. Every split of every dataset
    uses this one decision, so the team rows add up to the organisation's total and no table
    minus another gives a pooled team back.

    Rows of no team of the period's people (no team, a service whose owner is not in people,
    a team nobody in it was employed in the period) also count under 'other'. They belong to
    no group of known size; they are never shown on their own, and only ever add to 'other',
    which is at the minimum or withheld, so they cannot reveal a pooled team. With no team
    pooled, 'other' holds only such rows.
    """

    def __init__(self, prep: Prepared, config: Config, w: Window) -> None:
        people = prep.people
        employed = ppl.employed_during(people, w.first_day, w.end_day)
        engineer = people["engineer"].to_numpy(dtype=bool)
        teams = people["team"].astype(object).to_numpy()
        self.headcount: dict[str, int] = {str(t): 0 for t in teams[employed] if isinstance(t, str)}
        for team in teams[employed & engineer]:
            if isinstance(team, str):
                self.headcount[team] += 1
        self.minimum = config.privacy.min_group_size
        self.pooled = TeamFolder.pool(self.headcount, self.minimum, forced={OTHER, UNASSIGNED})
        self.named = frozenset(self.headcount) - self.pooled
        self.withheld = bool(self.pooled) and self.other_headcount() < self.minimum
        self._codes_cache: dict[tuple[int, str], tuple[pd.DataFrame, np.ndarray, list[str]]] = {}

    @staticmethod
    def pool(sizes: dict[str, int], minimum: int, forced: Collection[str] = frozenset(),
             pooled_size: Callable[[set[str]], int] | None = None) -> frozenset[str]:
        """Groups under ``minimum`` (and ``forced`` ones), plus the smallest others (ties by name)
        until the pool reaches ``minimum`` or holds every group. ``pooled_size`` measures a pool
        (default: the sum of its sizes; pass a union count when one member sits in several groups)."""
        measure = pooled_size or (lambda group: sum(sizes[g] for g in group))
        pooled = {g for g, n in sizes.items() if n < minimum or g in forced}
        rest = sorted((g for g in sizes if g not in pooled), key=lambda g: (sizes[g], g))
        while pooled and rest and measure(pooled) < minimum:
            pooled.add(rest.pop(0))
        return frozenset(pooled)

    def fold(self, team: str) -> str:
        return team if team in self.named else OTHER

    def other_headcount(self) -> int:
        return sum(self.headcount[t] for t in self.pooled)

    def withheld_entry(self) -> dict:
        """A withheld group: no value and no n (an n would give the group's size back)."""
        return {"value": None, "reason": f"withheld: the organisation has fewer than {self.minimum} engineers "
                                         f"in the period, the privacy minimum for a group"}

    def describe(self) -> dict:
        """What 'other' holds, for the document: pooled team names and their engineers in total
        (never per team). ``other`` is None when no team is pooled."""
        if not self.pooled:
            return {"min_group_size": self.minimum, "other": None}
        other: dict = {"teams": sorted(self.pooled), "engineers": self.other_headcount()}
        if self.withheld:
            other["engineers"] = None
            other["reason"] = self.withheld_entry()["reason"]
        return {"min_group_size": self.minimum, "other": other}

    def _codes(self, frame: pd.DataFrame, column: str) -> tuple[np.ndarray, list[str]]:
        """Integer code per row and the folded team of each code (cached: frames are reused)."""
        key = (id(frame), column)
        if key not in self._codes_cache:
            codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
            labels = [self.fold(str(t)) for t in uniques]
            if (codes < 0).any():
                codes = np.where(codes < 0, len(labels), codes)
                labels.append(OTHER)
            self._codes_cache[key] = (frame, codes, labels)
        _, codes, labels = self._codes_cache[key]
        return codes, labels

    def split(self, frame: pd.DataFrame, column: str, compute: Callable[[np.ndarray], dict]) -> dict[str, dict]:
        codes, labels = self._codes(frame, column)
        teams = sorted(set(labels))
        folded = np.asarray([teams.index(label) for label in labels], dtype=np.int64)[codes] if labels else codes
        out = {}
        for k, team in enumerate(teams):
            out[team] = self.withheld_entry() if team == OTHER and self.withheld else compute(folded == k)
        return out


def _cohorts(ai: np.ndarray, compute: Callable[[np.ndarray], dict]) -> dict[str, dict]:
    return {name: compute(ai == flag) for name, flag in COHORTS}


@overload
def _round(x: None) -> None: ...
@overload
def _round(x: float) -> float: ...  # an int stays an int (a float to the checker)
@overload
def _round(x: float | None) -> float | None: ...
def _round(x: float | int | None) -> float | int | None:
    """Counts stay integers; measured values keep 4 decimals (stable, readable JSON)."""
    if x is None:
        return None
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return int(x)
    return round(float(x), 4)


def _interval(d: stats.Difference) -> list | None:
    return None if d.interval is None else [_round(d.interval[0]), _round(d.interval[1])]


def _cohort_difference(d: stats.Difference) -> dict:
    """metrics.json ``cohort_difference``: AI-assisted minus other work, in the metric's unit."""
    return {"value": _round(d.value), "interval": _interval(d), "change": d.change, "test": d.method,
            "n": {"ai": d.n[0], "non_ai": d.n[1]}}


def _vs_rest(d: stats.Difference) -> dict:
    """A team's ``vs_rest``: the team minus the rest of the organisation (never the organisation
    including the team itself, which would pull the comparison towards no difference)."""
    return {"value": _round(d.value), "rest_value": _round(d.reference), "rest_n": d.n[1],
            "interval": _interval(d), "change": d.change, "test": d.method}


def _rest_only_for_named(by_team: dict[str, dict]) -> dict[str, dict]:
    """No ``vs_rest`` for the pooled 'other' group or an entry with no value (withheld, empty)."""
    for team, entry in by_team.items():
        if team == OTHER or entry.get("value") is None:
            entry.pop("vs_rest", None)
    return by_team


class Suite:
    def __init__(self, prep: Prepared, config: Config, period: Period, baseline: list[Period],
                 has_unplanned: bool, coverage: dict[str, DatasetCoverage] | None = None,
                 covered: tuple[dt.date, dt.date] | None = None, files: Collection[str] = ()) -> None:
        self.prep = prep
        self.config = config
        self.stats = config.statistics
        self.period = period
        # A partly covered period is measured over the days the inputs reach (rates, costs, headcount).
        cur = make_window([period], config, *(covered or (None, None)))
        assert cur is not None  # make_window returns None only for an empty list of periods
        self.cur: Window = cur
        self.base = make_window(baseline, config)
        self.has_unplanned = has_unplanned
        self.coverage = coverage or {}
        self.files = set(files)  # datasets with at least one input file
        self.teams = TeamFolder(prep, config, self.cur)

    def no_data(self, *datasets: str) -> str | None:
        """Why the period cannot be measured from these datasets (the first that fails), or None."""
        last = self.period.last_day()
        for name in datasets:
            cov = self.coverage.get(name)
            if cov is None:  # a roster (people) has no dates of its own: its files are enough
                if name not in self.files:
                    return f"no {name}.* file in the inputs"
                continue
            reason = cov.reason(self.period.start, last, self.period.id)
            if reason:
                return reason
        return None

    # -- generic shapes -------------------------------------------------------------------

    def _median_metric(self, name: str, unit: str, frame: pd.DataFrame, time_col: str, value_col: str,
                       team_col: str, cohort_col: str | None, empty_reason: str) -> dict:
        values = frame[value_col].to_numpy(dtype=float)

        def sample(w: Window) -> tuple[np.ndarray, int]:
            """Rows in the window with a usable span, and how many spans were negative."""
            rows = np.flatnonzero(_in(frame[time_col], w))
            v = values[rows]
            negative = v < 0  # NaN compares False
            return rows[~np.isnan(v) & ~negative], int(negative.sum())

        cur_idx, cur_neg = sample(self.cur)
        cur_values = values[cur_idx]
        base_values = values[sample(self.base)[0]] if self.base is not None else np.array([])

        def summary(positions: np.ndarray) -> dict:
            v = values[positions]
            return {"value": _round(stats.median(v)), "n": int(len(v))}

        def select(sub: np.ndarray) -> np.ndarray:
            return cur_idx[sub[cur_idx]]

        ordered = stats.SortedSample(cur_values)  # sorted once; every team, the rest and the cohorts read it

        def team(sub: np.ndarray) -> dict:
            inside, rest = ordered.split(sub[cur_idx])
            return {"value": _round(inside.median), "n": inside.n,
                    "vs_rest": _vs_rest(stats.median_difference(inside, rest, **self._compare))}

        cohort_difference = None if cohort_col is None else _cohort_difference(stats.median_difference(
            *ordered.split(frame[cohort_col].to_numpy(dtype=bool)[cur_idx]), **self._compare))
        verdict = stats.median_change(cur_values, base_values, name=name, seed=self.stats.seed,
                                      resamples=self.stats.bootstrap_resamples, confidence=self.stats.confidence,
                                      min_sample=self.stats.min_sample,
                                      min_relative_change=self.stats.min_relative_change)
        metric = self._assemble(
            unit, stats.median(cur_values), len(cur_values), empty_reason,
            stats.median(base_values) if len(base_values) else None, len(base_values), verdict,
            _rest_only_for_named(self.teams.split(frame, team_col, team)),
            None if cohort_col is None else _cohorts(frame[cohort_col].to_numpy(dtype=bool),
                                                     lambda sub: summary(select(sub))),
            cohort_difference,
        )
        if cur_neg:
            metric["dropped_negative"] = cur_neg
        return metric

    def _count_metric(self, unit: str, frame: pd.DataFrame, time_col: str, team_col: str,
                      cohort_col: str | None, available: bool, empty_reason: str) -> dict:
        if not available:
            return self._unavailable(unit, empty_reason)
        cur = _in(frame[time_col], self.cur)
        value = int(cur.sum())
        base_total = int(_in(frame[time_col], self.base).sum()) if self.base else 0
        periods = self.base.count if self.base else 0
        # A partly covered period is compared with the baseline scaled to the days it covers.
        share = self.cur.fraction
        verdict = stats.rate_change(value, share, base_total, float(periods), confidence=self.stats.confidence,
                                    min_sample=self.stats.min_sample,
                                    min_relative_change=self.stats.min_relative_change, per="period")

        def count(sub: np.ndarray) -> dict:
            k = int((cur & sub).sum())
            return {"value": k, "n": k}

        return self._assemble(
            unit, value, value, empty_reason, base_total / periods * share if periods else None, base_total, verdict,
            self.teams.split(frame, team_col, count),
            None if cohort_col is None else _cohorts(frame[cohort_col].to_numpy(dtype=bool), count),
        )

    def _ratio_metric(self, name: str, frame: pd.DataFrame, time_col: str, flag: pd.Series, team_col: str,
                      cohort_col: str | None, empty_reason: str) -> dict:
        known = flag.notna().to_numpy()
        hit = flag.fillna(False).to_numpy(dtype=bool)
        cur = _in(frame[time_col], self.cur) & known
        base = (_in(frame[time_col], self.base) & known) if self.base else np.zeros(len(frame), dtype=bool)
        k1, n1, k0, n0 = int(hit[cur].sum()), int(cur.sum()), int(hit[base].sum()), int(base.sum())
        verdict = stats.proportion_change(k1, n1, k0, n0, name=name, seed=self.stats.seed,
                                          resamples=self.stats.bootstrap_resamples,
                                          confidence=self.stats.confidence, min_sample=self.stats.min_sample,
                                          min_relative_change=self.stats.min_relative_change)

        def ratio(sub: np.ndarray) -> dict:
            m = cur & sub
            n = int(m.sum())
            return {"value": _round(hit[m].sum() / n) if n else None, "n": n}

        def against_rest(sub: np.ndarray) -> stats.Difference:
            """The rows in ``sub`` against the period's other rows."""
            m = cur & sub
            k, n = int(hit[m].sum()), int(m.sum())
            return stats.proportion_difference(k, n, k1 - k, n1 - n, **self._compare)

        def team(sub: np.ndarray) -> dict:
            return {**ratio(sub), "vs_rest": _vs_rest(against_rest(sub))}

        ai = None if cohort_col is None else frame[cohort_col].to_numpy(dtype=bool)
        return self._assemble(
            "ratio", k1 / n1 if n1 else None, n1, empty_reason, k0 / n0 if n0 else None, n0, verdict,
            _rest_only_for_named(self.teams.split(frame, team_col, team)),
            None if ai is None else _cohorts(ai, ratio),
            None if ai is None else _cohort_difference(against_rest(ai)),
        )

    @property
    def _compare(self) -> dict:
        """Settings of the comparisons between two groups of the period (stats.*_difference)."""
        return dict(confidence=self.stats.confidence, min_sample=self.stats.min_sample,
                    min_relative_change=self.stats.min_relative_change)

    def _assemble(self, unit: str, value, n: int, empty_reason: str, base, base_n: int,
                  verdict: stats.Verdict, by_team: dict, by_cohort: dict | None,
                  cohort_difference: dict | None = None) -> dict:
        metric: dict = {"value": _round(value), "unit": unit, "n": int(n)}
        if value is None:
            metric["reason"] = empty_reason
        metric["baseline"] = _round(base)
        metric["baseline_n"] = int(base_n)
        delta = None if value is None or base is None else value - base
        metric["delta"] = _round(delta)
        metric["delta_pct"] = _round(delta / base) if delta is not None and base not in (None, 0) else None
        change = verdict.change if value is not None else stats.INSUFFICIENT
        if base is None:
            change = stats.INSUFFICIENT
        metric["change"] = change
        metric["interval"] = None if verdict.interval is None else [_round(verdict.interval[0]),
                                                                    _round(verdict.interval[1])]
        metric["test"] = verdict.method
        metric["by_team"] = by_team
        metric["by_cohort"] = by_cohort
        metric["cohort_difference"] = cohort_difference
        return metric

    def _unavailable(self, unit: str, reason: str) -> dict:
        return {"value": None, "unit": unit, "n": 0, "reason": reason, "baseline": None, "baseline_n": 0,
                "delta": None, "delta_pct": None, "change": stats.INSUFFICIENT, "interval": None,
                "test": None, "by_team": {}, "by_cohort": None, "cohort_difference": None}

    # -- the metrics ----------------------------------------------------------------------

    def compute(self, present: set[str] | None = None) -> dict[str, dict]:
        """Every delivery metric; a metric whose files do not reach the period is N/A with the file
        and its dates. ``present`` (datasets with files) serves callers that measured no coverage."""
        if present is not None:
            self.files |= set(present)
        p = self.prep
        prs, deps, inc = p.prs, p.deployments, p.incidents
        dep_gap, pr_gap, inc_gap = self.no_data("deployments"), self.no_data("pull_requests"), self.no_data("incidents")
        # Incidents fail deployments too: a file that stops before the period would undercount failures.
        failure_gap = dep_gap or (inc_gap if self.coverage.get("incidents") and self.coverage["incidents"].files
                                  else None)
        why = self._pr_reasons()
        m: dict[str, dict] = {}

        def guarded(gap: str | None, unit: str, compute: Callable[[], dict]) -> dict:
            return self._unavailable(unit, gap) if gap else compute()

        m["deployments"] = guarded(dep_gap, "count", lambda: self._count_metric(
            "count", deps, "finished_at", "team", "ai", True, "no deployments"))
        m["deployments"]["dora"] = None if dep_gap else self._deployment_frequency()
        m["deployment_days"] = guarded(dep_gap, "days", lambda: self._deployment_days(True))
        m["lead_time_hours"] = guarded(pr_gap or dep_gap, "hours", lambda: self._median_metric(
            "lead_time_hours", "hours", prs, "deployed_at", "lead_h", "team", "ai",
            "no merged pull request reached a successful production deployment in the period"))
        m["lead_time_hours"]["dora"] = dora.lead_time(m["lead_time_hours"]["value"])
        m["change_failure_rate"] = guarded(failure_gap, "ratio", lambda: self._ratio_metric(
            "change_failure_rate", deps, "finished_at", deps["failed"], "team", "ai",
            "no successful production deployment finished in the period"))
        m["change_failure_rate"]["dora"] = dora.change_failure_rate(m["change_failure_rate"]["value"])
        m["recovery_time_hours"] = guarded(inc_gap, "hours", lambda: self._median_metric(
            "recovery_time_hours", "hours", inc, "resolved_at", "recovery_h", "team", "ai",
            "no incident was resolved in the period"))
        m["recovery_time_hours"]["dora"] = dora.recovery_time(m["recovery_time_hours"]["value"])
        if not self.has_unplanned:
            m["rework_rate"] = self._unavailable("ratio", "deployments have no unplanned column")
        else:
            m["rework_rate"] = guarded(dep_gap, "ratio", lambda: self._ratio_metric(
                "rework_rate", deps, "finished_at", deps["unplanned"], "team", "ai",
                "no deployment in the period says whether it was unplanned"))
        for name, col in (("pr_cycle_time_hours", "cycle_h"), ("coding_time_hours", "coding_h"),
                          ("pickup_time_hours", "pickup_h"), ("review_time_hours", "review_h"),
                          ("deploy_time_hours", "deploy_h"), ("pr_size_lines", "size")):
            gap = pr_gap or (dep_gap if name == "deploy_time_hours" else None)
            unit = "lines" if name == "pr_size_lines" else "hours"
            m[name] = guarded(gap, unit, partial(self._median_metric,
                                                 name, unit, prs, "merged_at", col, "team", "ai", why[name]))
        m["merged_prs"] = guarded(pr_gap, "count", lambda: self._count_metric(
            "count", prs, "merged_at", "team", "ai", True, "no pull request merged in the period"))
        m.update(self._adoption(self.no_data("people"), self.no_data("ai_usage")))
        spend_source = "ai_costs" if self.coverage.get("ai_costs") and self.coverage["ai_costs"].files else "seats"
        m["ai_spend"] = self._spend(self.no_data(spend_source))
        return m

    def _pr_reasons(self) -> dict[str, str]:
        """Why each PR stage could be N/A, named by its cause in the period's merged PRs (a missing
        column, squash merges with no known start), never a generic 'no pull request merged'."""
        prs = self.prep.prs
        merged = _in(prs["merged_at"], self.cur)
        n = int(merged.sum())
        if n == 0:
            return {name: "no pull request merged in the period" for name in _PR_STAGES}
        rows = prs[merged]
        some = f"{n} PR{'s' if n != 1 else ''} merged in the period"

        def lacking(column: str, hint: str) -> str | None:
            return f"none of the {some} has {column} ({hint})" if rows[column].isna().all() else None

        unknown = int(rows["start_unknown"].sum()) if "start_unknown" in rows else 0
        squash = (f"{unknown} of the {some} have no known start (squash merges imported from git: created_at = "
                  "merged_at and no first commit), so cycle time cannot be measured") if unknown else None
        review = lacking("first_review_at", "the input holds no review times; a git import cannot see reviews")
        generic = f"no usable time span among the {some} (missing or negative)"
        return {
            "pr_cycle_time_hours": squash or generic,
            "coding_time_hours": lacking("first_commit_at", "nor a commit linked by pr_id") or squash or generic,
            "pickup_time_hours": review or squash or generic,
            "review_time_hours": review or generic,
            "deploy_time_hours": f"none of the {some} reached a successful production deployment",
            "pr_size_lines": (f"none of the {some} has additions and deletions (a git import does not derive them)"
                              if (rows["additions"].isna() | rows["deletions"].isna()).all() else generic),
        }

    def _deployment_frequency(self) -> dict | None:
        deps = self.prep.deployments
        w = self.cur if self.base is None else Window(
            self.base.periods + self.cur.periods, self.base.start, self.cur.end, self.base.first_day, self.cur.end_day)
        if deps.empty:
            return None
        local = deps["finished_at"].dt.tz_convert(self.config.tz).dt.tz_localize(None)
        days = local[_in(deps["finished_at"], w)].dt.normalize().drop_duplicates()
        weeks, months = [], []
        day = w.first_day - dt.timedelta(days=w.first_day.weekday())
        while day < w.end_day:
            lo, hi = pd.Timestamp(day), pd.Timestamp(day + dt.timedelta(days=7))
            weeks.append(int(((days >= lo) & (days < hi)).sum()))
            day += dt.timedelta(days=7)
        month = dt.date(w.first_day.year, w.first_day.month, 1)
        while month < w.end_day:
            nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
            months.append(int(((days >= pd.Timestamp(month)) & (days < pd.Timestamp(nxt))).sum()))
            month = nxt
        label = f"the period and its baseline ({w.first_day} to {w.end_day - dt.timedelta(days=1)})"
        return dora.deployment_frequency(weeks, months, label)

    def _deployment_days(self, available: bool) -> dict:
        if not available:
            return self._unavailable("days", "no deployments.* file in the inputs")
        deps = self.prep.deployments
        day = deps["finished_at"].dt.tz_convert(self.config.tz).dt.tz_localize(None).dt.normalize()

        def distinct(mask: np.ndarray) -> int:
            return int(day[mask].nunique())

        cur = _in(deps["finished_at"], self.cur)
        base = _in(deps["finished_at"], self.base) if self.base else np.zeros(len(deps), dtype=bool)
        k1, k0 = distinct(cur), distinct(base)
        n1 = (self.cur.end_day - self.cur.first_day).days
        n0 = (self.base.end_day - self.base.first_day).days if self.base else 0
        verdict = stats.proportion_change(k1, n1, k0, n0, name="deployment_days", seed=self.stats.seed,
                                          resamples=self.stats.bootstrap_resamples,
                                          confidence=self.stats.confidence, min_sample=self.stats.min_sample,
                                          min_relative_change=self.stats.min_relative_change)
        base_value = k0 / self.base.count if self.base else None
        # Scale the proportion interval (share of days) back to days per period.
        if verdict.interval is not None:
            verdict = stats.Verdict(verdict.change, (verdict.interval[0] * n1, verdict.interval[1] * n1),
                                    verdict.method + ", on the share of days with a deployment")

        def split(sub: np.ndarray) -> dict:
            return {"value": distinct(cur & sub), "n": int((cur & sub).sum())}

        return self._assemble("days", k1, int(cur.sum()), "no deployments", base_value, int(base.sum()), verdict,
                              self.teams.split(deps, "team", split),
                              _cohorts(deps["ai"].to_numpy(dtype=bool), split))

    def _adoption(self, people_gap: str | None, usage_gap: str | None) -> dict[str, dict]:
        if people_gap:
            reason = people_gap + " (who is an engineer)"
            return {"engineers": self._unavailable("people", reason),
                    "active_ai_users": self._unavailable("people", reason),
                    "ai_adoption_rate": self._unavailable("ratio", reason)}
        people = self.prep.people
        usage = self.prep.usage
        engineer = people["engineer"].to_numpy(dtype=bool)
        active_rows = _activity(usage)

        def counts(w: Window) -> tuple[np.ndarray, np.ndarray]:
            employed = engineer & ppl.employed_during(people, w.first_day, w.end_day)
            users = set(usage.loc[active_rows & _in_days(usage["date"], w), "who"].dropna())
            return employed, employed & is_in(people["person"], users)

        eng, act = counts(self.cur)
        base_eng = base_act = 0
        periods = self.base.count if self.base else 0
        if self.base:
            for period in self.base.periods:
                w = make_window([period], self.config)
                assert w is not None  # one period
                e, a = counts(w)
                base_eng += int(e.sum())
                base_act += int(a.sum())

        def team_split(flags: np.ndarray, denominator: np.ndarray | None) -> dict:
            def fn(sub: np.ndarray) -> dict:
                if denominator is None:
                    k = int((flags & sub).sum())
                    return {"value": k, "n": k}
                n = int((denominator & sub).sum())
                return {"value": _round((flags & sub).sum() / n) if n else None, "n": n}
            return self.teams.split(people, "team", fn)

        s = self.stats
        n_eng, n_act = int(eng.sum()), int(act.sum())
        out = {}
        out["engineers"] = self._assemble(
            "people", n_eng, n_eng, "no engineers employed in the period",
            base_eng / periods if periods else None, base_eng,
            stats.exact_change(n_eng, base_eng / periods if periods else None, s.min_relative_change),
            team_split(eng, None), None)
        if usage_gap:
            reason = usage_gap
            out["active_ai_users"] = self._unavailable("people", reason)
            out["ai_adoption_rate"] = self._unavailable("ratio", reason)
            return out
        kwargs: dict[str, Any] = dict(seed=s.seed, resamples=s.bootstrap_resamples, confidence=s.confidence,
                                      min_sample=s.min_sample, min_relative_change=s.min_relative_change)
        users_verdict = stats.proportion_change(n_act, n_eng, base_act, base_eng, name="active_ai_users", **kwargs)
        if users_verdict.interval is not None:  # share of engineers -> people in this period
            users_verdict = stats.Verdict(users_verdict.change, (users_verdict.interval[0] * n_eng,
                                                                 users_verdict.interval[1] * n_eng),
                                          users_verdict.method + ", on the share of engineers")
        out["active_ai_users"] = self._assemble(
            "people", n_act if n_eng else None, n_eng, "no engineers employed in the period",
            base_act / periods if periods else None, base_eng, users_verdict, team_split(act, None), None)
        out["ai_adoption_rate"] = self._assemble(
            "ratio", n_act / n_eng if n_eng else None, n_eng, "no engineers employed in the period",
            base_act / base_eng if base_eng else None, base_eng,
            stats.proportion_change(n_act, n_eng, base_act, base_eng, name="ai_adoption_rate", **kwargs),
            team_split(act, eng), None)
        return out

    def _fold_spend(self, by_team: dict[str, tuple[dict[str, float], int]]) -> dict[str, dict]:
        """Spend per team folded as every other split (the report's one TeamFolder decision)."""
        pooled: dict[str, tuple[dict[str, float], int]] = {}
        for team, (amounts, n) in by_team.items():
            target, count = pooled.get(self.teams.fold(team), ({}, 0))
            for c, v in amounts.items():
                target[c] = target.get(c, 0.0) + v
            pooled[self.teams.fold(team)] = (target, count + n)
        out = {}
        for team in sorted(pooled):
            amounts, n = pooled[team]
            if team == OTHER and self.teams.withheld:
                out[team] = self.teams.withheld_entry()
            else:
                out[team] = {"value": {c: _round(v) for c, v in sorted(amounts.items())}, "n": n}
        return out

    def _spend(self, gap: str | None) -> dict:
        if gap:
            if gap.startswith("no seats.*"):
                gap = "no ai_costs.* or seats.* file in the inputs"
            return self._unavailable("currency", gap)
        cur_total, cur_n, cur_team = spend_in(self.prep, self.config, self.cur)
        metric: dict = {"value": {k: _round(v) for k, v in cur_total.items()}, "unit": "currency", "n": cur_n}
        if not cur_total:
            metric["value"] = None
            metric["reason"] = "no AI cost line or paid seat in the period"
        base_total: dict[str, float] = {}
        base_n = 0
        if self.base:
            totals, base_n, _ = spend_in(self.prep, self.config, self.base)
            base_total = {k: v / self.base.count for k, v in totals.items()}
        metric["baseline"] = {k: _round(v) for k, v in base_total.items()} if self.base else None
        metric["baseline_n"] = base_n
        currencies = sorted(set(cur_total) | set(base_total))
        metric["delta"] = {c: _round(cur_total.get(c, 0.0) - base_total.get(c, 0.0)) for c in currencies} \
            if self.base else None
        by_currency = {c: stats.exact_change(cur_total.get(c, 0.0), base_total.get(c) if self.base else None,
                                             self.stats.min_relative_change).change for c in currencies}
        primary = self.config.currency if self.config.currency in by_currency else (currencies[0] if currencies else None)
        metric["change"] = by_currency.get(primary, stats.INSUFFICIENT) if self.base and primary is not None \
            else stats.INSUFFICIENT  # no currency: nothing to compare
        metric["change_by_currency"] = by_currency
        metric["interval"] = None
        metric["test"] = f"exact quantity: a move of {self.stats.min_relative_change:.0%} of the baseline or more"
        metric["by_team"] = self._fold_spend(cur_team)
        metric["by_cohort"] = None
        metric["cohort_difference"] = None
        return metric


def _activity(usage: pd.DataFrame) -> np.ndarray:
    """A usage row is activity unless every count it reports is zero."""
    cols = ["interactions", "lines_suggested", "lines_accepted", "tokens"]
    values = usage[cols].to_numpy(dtype=float)
    reported = ~np.isnan(values)
    zero = np.where(reported, values == 0, True).all(axis=1) & reported.any(axis=1)
    return ~zero


def seat_cost(seats: pd.DataFrame, w: Window, tz) -> np.ndarray:
    """Each seat costs monthly_price per calendar month, pro rata by day, from assigned_at on."""
    price = seats["monthly_price"].to_numpy(dtype=float)
    assigned = seats["assigned_at"].dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    start = assigned.fillna(pd.Timestamp(w.first_day)).to_numpy(dtype="datetime64[D]")
    cost = np.zeros(len(seats))
    month = dt.date(w.first_day.year, w.first_day.month, 1)
    while month < w.end_day:
        nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        lo = np.datetime64(max(month, w.first_day), "D")
        hi = np.datetime64(min(nxt, w.end_day), "D")
        days = (hi - np.maximum(start, lo)).astype(int)
        cost += np.where(days > 0, days, 0) / (nxt - month).days * np.nan_to_num(price)
        month = nxt
    return cost


def spend_in(prep: Prepared, config: Config, w: Window
             ) -> tuple[dict[str, float], int, dict[str, tuple[dict[str, float], int]]]:
    """Spend per currency (never summed across), its number of lines, and both per team."""
    totals: dict[str, float] = {}
    by_team: dict[str, tuple[dict[str, float], int]] = {}

    def add(team: str, currency: str, amount: float, lines: int) -> None:
        totals[currency] = totals.get(currency, 0.0) + amount
        amounts, n = by_team.get(team, ({}, 0))
        amounts[currency] = amounts.get(currency, 0.0) + amount
        by_team[team] = (amounts, n + lines)

    costs = prep.costs
    rows = costs[_in_days(costs["date"], w)]
    teams = rows["team"].astype(object).where(rows["team"].notna(), UNASSIGNED)
    grouped = rows.groupby([rows["currency"].astype(object), teams], sort=True)["amount"]
    for (currency, team), (amount, lines) in zip(grouped.sum().index, zip(grouped.sum(), grouped.size())):
        add(team, currency, float(amount), int(lines))
    n = len(rows)
    seats = prep.seats
    if not seats.empty:
        cost = seat_cost(seats, w, config.tz)
        paid = cost > 0
        seat_teams = seats["team"].astype(object).where(seats["team"].notna(), UNASSIGNED).to_numpy()
        for team in sorted(set(seat_teams[paid])):
            mask = paid & (seat_teams == team)
            add(team, config.currency, float(cost[mask].sum()), int(mask.sum()))
        n += int(paid.sum())
    return dict(sorted(totals.items())), n, by_team
