"""What each input file covers, so that "no data" is never printed as 0.

A dataset covers the days from its first to its last dated record. A metric whose dataset has
no record on or after the period's first day, or none before its end, is N/A with a reason that
names the file and its dates: the export may simply stop there, and zero would be a guess.
Zero is kept for a file whose records reach into the period and hold none of the kind counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ..inputs.spec import DATED_COLUMNS  # one definition, in the data contract

# Where a dataset's dates say when work happened rather than when an item was filed: a backlog's
# creation dates reach far back and say nothing of the span an export covers.
ACTIVITY_COLUMNS: dict[str, tuple[str, ...]] = {"work_items": ("started_at", "done_at")}
# Datasets whose reach defines the report's overall coverage (delivery and AI activity).
CORE = ("pull_requests", "deployments", "incidents", "ai_usage", "ai_costs")

ABSENT, EMPTY, OUTSIDE, PARTIAL, COVERED = "absent", "empty", "outside", "partial", "covered"


@dataclass(frozen=True)
class DatasetCoverage:
    name: str
    files: tuple[str, ...]
    first_day: dt.date | None
    last_day: dt.date | None
    in_period: int  # records with a dated column inside the period
    activity: tuple[dt.date, dt.date] | None = None  # first and last day of its activity columns

    def status(self, first: dt.date, last: dt.date) -> str:
        """How the file's reach compares with the days [first, last]."""
        if not self.files:
            return ABSENT
        if self.first_day is None or self.last_day is None:
            return EMPTY
        if self.last_day < first or self.first_day > last:
            return OUTSIDE
        if self.first_day <= first and self.last_day >= last:
            return COVERED
        return PARTIAL

    def reason(self, first: dt.date, last: dt.date, label: str) -> str | None:
        """Why a metric of this dataset is N/A over [first, last], or None when it is measurable."""
        files = " and ".join(self.files) if self.files else f"no {self.name}.* file"
        state = self.status(first, last)
        if state == ABSENT:
            return f"no {self.name}.* file in the inputs"
        if state == EMPTY:
            return f"{files} holds no dated record"
        if state == OUTSIDE:
            if self.last_day < first:  # type: ignore[operator]
                return f"{files} ends on {self.last_day}, before {label}"
            return f"{files} starts on {self.first_day}, after {label}"
        return None

    def as_dict(self, first: dt.date, last: dt.date) -> dict:
        return {"files": list(self.files), "first_day": _day(self.first_day), "last_day": _day(self.last_day),
                "records_in_period": self.in_period, "status": self.status(first, last)}


def _day(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _local_days(values: pd.Series, tz: ZoneInfo) -> pd.Series:
    values = values.dropna()
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert(tz).dt.tz_localize(None)
    return values


def measure(name: str, frame: pd.DataFrame, files: list[str], tz: ZoneInfo, first: dt.date,
            end: dt.date, extent=None) -> DatasetCoverage:
    """The reach of one dataset, and how many of its records fall in [first, end). ``extent(name,
    column)`` gives a column's first and last value over every row when the frame holds only the
    rows a report reads (inputs.load.Inputs.extent)."""
    inside = np.zeros(len(frame), dtype=bool)
    lo, hi = pd.Timestamp(first), pd.Timestamp(end)
    for column in DATED_COLUMNS.get(name, ()):
        if column in frame.columns:
            local = frame[column]
            if isinstance(local.dtype, pd.DatetimeTZDtype):
                local = local.dt.tz_convert(tz).dt.tz_localize(None)
            inside |= ((local >= lo) & (local < hi)).to_numpy(dtype=bool, na_value=False)

    spans: dict[str, tuple[dt.date, dt.date] | None] = {}

    def span(column: str) -> tuple[dt.date, dt.date] | None:
        """First and last local day of one column (every row's, through ``extent``), measured once."""
        if column not in spans:
            spans[column] = None
            if column in frame.columns:
                values = _local_days(frame[column], tz) if extent is None else _local_days(
                    pd.Series(list(extent(name, column) or ()), dtype=frame[column].dtype), tz)
                if not values.empty:
                    spans[column] = (values.min().date(), values.max().date())
        return spans[column]

    def union(columns: tuple[str, ...]) -> tuple[dt.date, dt.date] | None:
        found = [s for s in map(span, columns) if s is not None]
        return (min(a for a, _ in found), max(b for _, b in found)) if found else None

    reach = union(DATED_COLUMNS.get(name, ()))
    lo_day, hi_day = reach or (None, None)
    activity = union(ACTIVITY_COLUMNS.get(name, DATED_COLUMNS.get(name, ())))
    return DatasetCoverage(name, tuple(files), lo_day, hi_day, int(inside.sum()), activity)


def measure_all(frames: dict[str, pd.DataFrame], present: dict[str, list[str]], tz: ZoneInfo, first: dt.date,
                end: dt.date, extent=None) -> dict[str, DatasetCoverage]:
    return {name: measure(name, frames[name], present.get(name) or [], tz, first, end, extent)
            for name in DATED_COLUMNS if name in frames}


def covered_days(first: dt.date, end: dt.date, data_first: dt.date, data_last: dt.date) -> tuple[dt.date, dt.date]:
    """The part [lo, hi) of the period [first, end) that the inputs reach, in whole ISO weeks: a
    week with any record counts whole (records are sparse inside a week; an export is not)."""
    monday = data_first - dt.timedelta(days=data_first.weekday())
    after = data_last - dt.timedelta(days=data_last.weekday()) + dt.timedelta(days=7)
    lo, hi = max(first, monday), min(end, after)
    return (lo, hi) if hi > lo else (first, first)


def reach(datasets: dict[str, DatasetCoverage]) -> tuple[dt.date, dt.date] | None:
    """First and last day any activity record reaches (seat lists are snapshots, not activity;
    a backlog counts from its first started or done item): a period is clipped only where no
    dataset the report reads has activity."""
    spans = [c.activity for name, c in datasets.items() if name != "seats" and c.activity is not None]
    if not spans:
        return None
    return min(a for a, _ in spans), max(b for _, b in spans)
