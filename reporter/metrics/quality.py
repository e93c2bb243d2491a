"""Technical guardrails: what merged PRs did to the code, AI-assisted vs other (doc["quality"]).

Each metric is a ratio of sums over the PRs merged in a window (code_quality joined to
pull_requests by pr_id for the AI flag and the team):

* complexity_per_100_lines: 100 x sum(complexity_added) / sum(lines_added + lines_removed);
* functions_over_threshold_per_100_prs: 100 x sum(functions_over_threshold_added) / PRs;
* duplicated_lines_per_100_added: 100 x sum(duplicated_lines_added) / sum(lines_added);
* hotspots_per_100_prs: 100 x sum(security_hotspots_added) / PRs.

A ratio of sums, not a mean of per-PR ratios: a 2-line PR must not weigh as much as a 500-line
one. n is the number of PRs (the sampling unit). Its interval is the linearised (delta-method)
standard error of a ratio estimator, sum((y - R x)^2) / (n (n - 1) xbar^2), with a Student t
quantile; two groups (AI-assisted vs other, the period vs its baseline) are compared by the
difference of ratios with the Welch-Satterthwaite degrees of freedom, each side's standard error
being the larger of its own and the one around the pooled ratio (a side that is all zeros by
chance is not noiseless), and for counts per PR widened to the MOVER interval of exact Poisson
(Garwood) intervals (rare events). tests/test_quality_metrics.py checks by simulation (lognormal
PR sizes, Poisson complexity, rare hotspots, blocks of duplicated lines; n 5-300 against 5-300)
that pure-noise comparisons are called at most 8% of the time at 95% (measured: 0-6%) and that a
doubling over 100 PRs a side is found. A difference is a direction word only under the suite's
rule (stats._decide): both groups at min_sample PRs, the interval excluding 0 and the move
material. Per team, AI-assisted vs other is shown only when each side's PRs come from at least
privacy.min_group_size distinct authors, with a Bonferroni correction over the team comparisons.

A PR only counts for a metric when its row holds every column the metric reads: an empty cell is
"not measured" (the git analyser does not measure hotspots), never 0. With no code_quality file
reaching the period, every metric is None with the coverage reason.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import stats
from ..periods import local_midnight_utc
from .suite import COHORTS, OTHER, Suite, Window, _in, _round

DATASET = "code_quality"
PER = 100.0


@dataclass(frozen=True)
class QualityMetric:
    id: str
    numerator: tuple[str, ...]  # summed
    denominator: tuple[str, ...]  # summed; () = one per PR
    unit: str


METRICS: tuple[QualityMetric, ...] = (
    QualityMetric("complexity_per_100_lines", ("complexity_added",), ("lines_added", "lines_removed"),
                  "per 100 changed lines"),
    QualityMetric("functions_over_threshold_per_100_prs", ("functions_over_threshold_added",), (), "per 100 PRs"),
    QualityMetric("duplicated_lines_per_100_added", ("duplicated_lines_added",), ("lines_added",),
                  "per 100 added lines"),
    QualityMetric("hotspots_per_100_prs", ("security_hotspots_added",), (), "per 100 PRs"),
)


@dataclass(frozen=True)
class Ratio:
    value: float | None  # PER x sum(y) / sum(x)
    se: float | None
    n: int
    y: np.ndarray | None = None  # the sample, for the comparison's pooled residuals
    x: np.ndarray | None = None


def _se(y: np.ndarray, x: np.ndarray, r: float) -> float:
    n = len(y)
    e = y - r * x
    return math.sqrt(float((e * e).sum()) / (n * (n - 1))) / (float(x.sum()) / n)


def ratio(y: np.ndarray, x: np.ndarray) -> Ratio:
    """PER x sum(y)/sum(x) with its linearised standard error (module doc); None when sum(x) is 0."""
    n = len(y)
    sx = float(x.sum())
    if n == 0 or sx <= 0:
        return Ratio(None, None, n)
    r = float(y.sum()) / sx
    if n < 2:
        return Ratio(PER * r, None, n, y, x)
    return Ratio(PER * r, PER * _se(y, x, r), n, y, x)


def _t(df: float, confidence: float) -> float:
    from scipy.special import stdtrit

    return float(stdtrit(df, 0.5 + confidence / 2))


def ratio_interval(r: Ratio, confidence: float) -> tuple[float, float] | None:
    if r.value is None or r.se is None:
        return None
    half = _t(r.n - 1, confidence) * r.se
    return (r.value - half, r.value + half)


def garwood(k: int, n: int, confidence: float) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson mean per unit: k events over n units."""
    from scipy.special import gammaincinv

    tail = (1 - confidence) / 2
    lo = 0.0 if k == 0 else float(gammaincinv(k, tail))
    hi = float(gammaincinv(k + 1, 1 - tail))
    return lo / n, hi / n


def ratio_difference(a: Ratio, b: Ratio, *, confidence: float, min_sample: int,
                     min_relative_change: float, counts: bool = False) -> stats.Difference:
    """a - b (module doc). Each side's standard error is the larger of its own and the one from
    the residuals around the pooled ratio, so a side that is all zeros by chance is not taken as
    noiseless; Welch t interval. With ``counts`` (events per PR) the interval also covers the
    MOVER interval of the two exact Poisson (Garwood) intervals, which holds for rare events."""
    method = (f"difference of ratios of sums, {round(confidence * 100, 4):g}% Welch t interval on linearised standard errors "
              "(n = PRs)" + ("; widened to the exact Poisson (Garwood, MOVER) interval" if counts else ""))
    value = None if a.value is None or b.value is None else a.value - b.value
    sides = (a.n, b.n)
    if value is None or min(sides) < min_sample or a.se is None or b.se is None:
        return stats.Difference(value, b.value, None, stats.INSUFFICIENT, method, sides)
    # ratio() gives a standard error only with a value and its sample
    assert a.value is not None and b.value is not None
    assert a.y is not None and a.x is not None and b.y is not None and b.x is not None
    pooled = (float(a.y.sum()) + float(b.y.sum())) / (float(a.x.sum()) + float(b.x.sum()))
    sa = max(a.se, PER * _se(a.y, a.x, pooled))
    sb = max(b.se, PER * _se(b.y, b.x, pooled))
    va, vb = sa ** 2, sb ** 2
    if va + vb == 0:  # both groups constant and equal: nothing to tell apart
        return stats.Difference(value, b.value, (value, value), stats.FLAT, method, sides)
    df = (va + vb) ** 2 / ((va ** 2 / (a.n - 1)) + (vb ** 2 / (b.n - 1)))
    half = _t(df, confidence) * math.sqrt(va + vb)
    lo, hi = value - half, value + half
    if counts:
        ka, kb = int(round(float(a.y.sum()))), int(round(float(b.y.sum())))
        la, ua = (PER * v for v in garwood(ka, a.n, confidence))
        lb, ub = (PER * v for v in garwood(kb, b.n, confidence))
        lo = min(lo, value - math.hypot(a.value - la, ub - b.value))
        hi = max(hi, value + math.hypot(ua - a.value, b.value - lb))
    interval = (lo, hi)
    return stats.Difference(value, b.value, interval, stats._decide(value, b.value, interval, min_relative_change),
                            method, sides)


# ---------------------------------------------------------------------------


def quality_frame(code_quality: pd.DataFrame, prs: pd.DataFrame) -> pd.DataFrame:
    """code_quality rows with their PR's ``ai`` flag (None when the PR is unknown) and ``team``."""
    frame = code_quality.reset_index(drop=True).copy()
    lookup = prs.drop_duplicates("id").set_index("id")
    ids = frame["pr_id"].astype(object)
    known = ids.isin(lookup.index).to_numpy()
    frame["matched"] = known
    for column in ("ai", "team", "person"):
        values = ids.map(lookup[column]).astype(object) if len(lookup) else pd.Series([None] * len(frame),
                                                                                      dtype=object)
        frame[column] = values.where(known, None)
    return frame


def _columns(frame: pd.DataFrame, metric: QualityMetric) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y, x, usable) per row: usable when every column the metric reads is filled."""
    usable = np.ones(len(frame), dtype=bool)
    cols = {}
    for c in metric.numerator + metric.denominator:
        values = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan) \
            if c in frame else np.full(len(frame), np.nan)
        usable &= ~np.isnan(values)
        cols[c] = np.nan_to_num(values)
    y = sum((cols[c] for c in metric.numerator), np.zeros(len(frame)))
    x = sum((cols[c] for c in metric.denominator), np.zeros(len(frame))) if metric.denominator \
        else np.ones(len(frame))
    return y, x, usable


def _entry(r: Ratio, confidence: float) -> dict:
    interval = ratio_interval(r, confidence)
    return {"value": _round(r.value), "n": r.n,
            "interval": None if interval is None else [_round(interval[0]), _round(interval[1])]}


def _difference(d: stats.Difference) -> dict:
    return {"value": _round(d.value), "interval": None if d.interval is None else [_round(d.interval[0]),
                                                                                   _round(d.interval[1])],
            "change": d.change, "test": d.method, "n": {"ai": d.n[0], "non_ai": d.n[1]}}


def _unavailable(metric: QualityMetric, reason: str) -> dict:
    return {"value": None, "unit": metric.unit, "n": 0, "reason": reason, "interval": None, "baseline": None,
            "baseline_n": 0, "baseline_interval": None, "delta": None, "change": stats.INSUFFICIENT,
            "delta_interval": None, "test": None,
            "by_cohort": None, "cohort_difference": None, "by_team": {}}


def _missing_reason(metric: QualityMetric, n_prs: int) -> str:
    if n_prs == 0:
        return "no PR in code_quality merged in the period"
    cols = ", ".join(metric.numerator + metric.denominator)
    hint = " (the git analyser does not measure hotspots: import sonarqube)" \
        if "security_hotspots_added" in metric.numerator else ""
    return f"none of the {n_prs} PRs merged in the period has {cols} measured{hint}"


def metric_block(suite: Suite, frame: pd.DataFrame, metric: QualityMetric) -> dict:
    """One metric for the suite's period: value, interval, baseline comparison, cohorts, teams."""
    s = suite.stats
    compare: dict[str, Any] = dict(confidence=s.confidence, min_sample=s.min_sample,
                                   min_relative_change=s.min_relative_change, counts=not metric.denominator)
    y, x, usable = _columns(frame, metric)
    cur = _in(frame["merged_at"], suite.cur)
    base = _in(frame["merged_at"], suite.base) if suite.base else np.zeros(len(frame), dtype=bool)
    n_prs = int(cur.sum())
    cur = cur & usable
    base = base & usable

    def of(mask: np.ndarray) -> Ratio:
        return ratio(y[mask], x[mask])

    now, then = of(cur), of(base)
    out = _entry(now, s.confidence)
    out["unit"] = metric.unit
    if now.value is None:
        out["reason"] = _missing_reason(metric, n_prs) if not now.n else \
            f"the {now.n} PRs merged in the period changed no {'source line' if metric.denominator else 'PR'}"
    verdict = ratio_difference(now, then, **compare)
    out["baseline"] = _round(then.value)
    out["baseline_n"] = then.n
    out["baseline_interval"] = _entry(then, s.confidence)["interval"]
    out["delta"] = _round(verdict.value)
    out["change"] = verdict.change
    out["delta_interval"] = None if verdict.interval is None else [_round(verdict.interval[0]),
                                                                   _round(verdict.interval[1])]
    out["test"] = verdict.method
    ai = frame["ai"].to_numpy(dtype=object)
    is_ai = np.asarray([v is True or v is np.True_ for v in ai], dtype=bool)
    is_other = np.asarray([v is False or v is np.False_ for v in ai], dtype=bool)
    groups = {"ai": is_ai, "non_ai": is_other}
    out["by_cohort"] = {name: _entry(of(cur & groups[name]), s.confidence) for name, _ in COHORTS}
    out["cohort_difference"] = _difference(ratio_difference(of(cur & is_ai), of(cur & is_other), **compare))
    authors = frame["person"].to_numpy(dtype=object)
    minimum = suite.teams.minimum

    pending: dict[int, tuple[dict, Ratio, Ratio]] = {}

    def team(sub: np.ndarray) -> dict:
        entry = _entry(of(cur & sub), s.confidence)
        # AI-assisted vs other inside one team, only when each side's PRs come from at least the
        # privacy minimum of distinct authors: a side of one or two people would score them.
        sides = {name: cur & sub & groups[name] for name in groups}
        few = [name for name, m in sides.items() if len({a for a in authors[m] if isinstance(a, str)}) < minimum]
        if few:
            entry["cohort_difference"] = {"value": None, "reason": f"withheld: fewer than {minimum} distinct "
                                          f"authors among the team's {' and '.join(n.replace('_', '-') for n in few)} PRs"}
        else:
            pending[id(entry)] = (entry, of(sides["ai"]), of(sides["non_ai"]))
        return entry

    out["by_team"] = suite.teams.split(frame, "team", team)
    # "Which team?" is several comparisons at once: Bonferroni over them keeps the chance of any
    # false team call at 1 - confidence (uncorrected, 4-5 teams would give one in five reports one).
    k = max(len(pending), 1)
    team_compare = dict(compare, confidence=1 - (1 - s.confidence) / k)
    for entry, ai_side, other_side in pending.values():
        d = _difference(ratio_difference(ai_side, other_side, **team_compare))
        d["test"] += f"; Bonferroni over {k} team comparison{'s' if k != 1 else ''}"
        entry["cohort_difference"] = d
    return out


def weekly_trend(suite: Suite, frame: pd.DataFrame) -> dict:
    """Each metric week by week (Monday to Sunday, local) over the baseline and the period, per cohort."""
    lo = suite.base.first_day if suite.base else suite.cur.first_day
    hi = suite.cur.end_day
    monday = lo - dt.timedelta(days=lo.weekday())
    weeks = []
    while monday < hi:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    ai = frame["ai"].to_numpy(dtype=object)
    groups = {"ai": np.asarray([v is True or v is np.True_ for v in ai], dtype=bool),
              "non_ai": np.asarray([v is False or v is np.False_ for v in ai], dtype=bool)}
    tz = suite.config.tz
    windows = [Window((suite.period,), pd.Timestamp(local_midnight_utc(w, tz)),
                      pd.Timestamp(local_midnight_utc(w + dt.timedelta(days=7), tz)), w, w + dt.timedelta(days=7))
               for w in weeks]
    series: dict[str, dict] = {}
    for metric in METRICS:
        y, x, usable = _columns(frame, metric)
        per: dict[str, list] = {"ai": [], "non_ai": [], "n_ai": [], "n_non_ai": []}
        for w in windows:
            inside = _in(frame["merged_at"], w) & usable
            for name in ("ai", "non_ai"):
                r = ratio(y[inside & groups[name]], x[inside & groups[name]])
                per[name].append(_round(r.value))
                per[f"n_{name}"].append(r.n)
        series[metric.id] = per
    return {"weeks": [w.isoformat() for w in weeks], "series": series}


def definitions() -> dict:
    """The catalogue entries of the guardrail metrics (labels, units, definitions, tests)."""
    from .catalogue import QUALITY_BY_ID

    return {m.id: QUALITY_BY_ID[m.id].as_json() for m in METRICS}


def compute(suite: Suite, code_quality: pd.DataFrame, with_trend: bool) -> dict:
    """doc["quality"]: the four guardrail metrics for the suite's period (module doc)."""
    gap = suite.no_data(DATASET)
    if gap:
        return {"available": False, "reason": gap, "sources": [], "complexity_threshold": None,
                "prs": 0, "prs_without_pull_request": 0,
                "metrics": {m.id: _unavailable(m, gap) for m in METRICS}, "definitions": definitions(),
                "complexity_ai_higher": None,
                "weekly_trend": None}
    frame = quality_frame(code_quality, suite.prep.prs)
    cur = _in(frame["merged_at"], suite.cur)
    thresholds = sorted({int(t) for t in pd.to_numeric(frame.loc[cur, "complexity_threshold"],
                                                       errors="coerce").dropna()}) \
        if "complexity_threshold" in frame else []
    unmatched = frame.loc[cur & ~frame["matched"].to_numpy(dtype=bool), "pr_id"]
    sources = sorted({str(v) for v in frame.loc[cur, "source"].dropna()}) if "source" in frame else []
    metrics = {m.id: metric_block(suite, frame, m) for m in METRICS}
    complexity = metrics["complexity_per_100_lines"]
    return {
        "available": True,
        "reason": None,
        "sources": sources,
        "complexity_threshold": thresholds[0] if len(thresholds) == 1 else (thresholds or None),
        "prs": int(cur.sum()),
        # rows whose PR is not in pull_requests: in the totals, in no cohort, in the team 'other'
        "prs_without_pull_request": int(len(unmatched)),
        "metrics": metrics,
        "definitions": definitions(),
        # For a decision rule: where AI-assisted PRs add more complexity per changed line than other
        # work, outside noise ("up" of cohort_difference), in the organisation and per named team.
        "complexity_ai_higher": {
            "organisation": complexity["cohort_difference"]["change"] == stats.UP,
            "teams": sorted(t for t, e in complexity["by_team"].items()
                            if t != OTHER and (e.get("cohort_difference") or {}).get("change") == stats.UP),
        },
        "weekly_trend": weekly_trend(suite, frame) if with_trend else None,
    }


__all__ = ["METRICS", "OTHER", "compute", "ratio", "ratio_difference", "ratio_interval", "quality_frame"]
