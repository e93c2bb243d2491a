"""Reporting periods: ISO weeks, calendar months and fiscal quarters.

A period is a half-open range of local calendar days [start, end) in the configured time
zone; its UTC bounds are what events are compared against.

Fiscal years are named by the calendar year in which they end (the convention of
Microsoft, Apple and Walmart): with ``fiscal_year_start_month: 7``, ``2026-Q1`` is
July-September 2025. With the default start month 1, fiscal quarters are calendar quarters.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .errors import PeriodError

_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")

EXAMPLES = {"weekly": "2026-W10", "monthly": "2026-03", "quarterly": "2026-Q1"}


@dataclass(frozen=True, order=True)
class Period:
    cadence: str
    start: dt.date  # first local day
    end: dt.date  # first local day after the period
    id: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def utc_bounds(self, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        return local_midnight_utc(self.start, tz), local_midnight_utc(self.end, tz)

    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def local_midnight_utc(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """UTC instant of local midnight; zoneinfo resolves a DST gap at midnight forward."""
    local = dt.datetime(day.year, day.month, day.day, tzinfo=tz)
    return local.astimezone(dt.timezone.utc)


def iso_weeks_in_year(year: int) -> int:
    return dt.date(year, 12, 28).isocalendar()[1]


def _week(year: int, week: int) -> Period:
    start = dt.date.fromisocalendar(year, week, 1)
    return Period("weekly", start, start + dt.timedelta(days=7), f"{year}-W{week:02d}")


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _month(year: int, month: int) -> Period:
    ny, nm = _add_months(year, month, 1)
    return Period("monthly", dt.date(year, month, 1), dt.date(ny, nm, 1), f"{year}-{month:02d}")


def _quarter(fiscal_year: int, q: int, fiscal_start: int) -> Period:
    # Fiscal year N ends in calendar year N; it starts fiscal_start months before its end.
    first_year = fiscal_year if fiscal_start == 1 else fiscal_year - 1
    sy, sm = _add_months(first_year, fiscal_start, 3 * (q - 1))
    ey, em = _add_months(sy, sm, 3)
    return Period("quarterly", dt.date(sy, sm, 1), dt.date(ey, em, 1), f"{fiscal_year}-Q{q}")


def parse_period(cadence: str, text: str, fiscal_start: int = 1) -> Period:
    """Parse ``2026-W10``, ``2026-03`` or ``2026-Q1`` for the given cadence."""
    text = text.strip()
    pattern = {"weekly": _WEEK, "monthly": _MONTH, "quarterly": _QUARTER}[cadence]
    m = pattern.match(text)
    if not m:
        raise PeriodError(f"period {text!r} is not a {cadence} period; expected for example {EXAMPLES[cadence]}")
    year, n = int(m.group(1)), int(m.group(2))
    try:
        return _parse_checked(cadence, text, year, n, fiscal_start)
    except (ValueError, OverflowError) as exc:
        raise PeriodError(f"period {text!r} is outside the supported calendar: {exc}") from exc


def _parse_checked(cadence: str, text: str, year: int, n: int, fiscal_start: int) -> Period:
    if cadence == "weekly":
        last = iso_weeks_in_year(year)
        if not 1 <= n <= last:
            raise PeriodError(f"period {text!r}: ISO year {year} has weeks 1 to {last}")
        return _week(year, n)
    if cadence == "monthly":
        if not 1 <= n <= 12:
            raise PeriodError(f"period {text!r}: month must be 01 to 12")
        return _month(year, n)
    return _quarter(year, n, fiscal_start)


def period_containing(cadence: str, day: dt.date, fiscal_start: int = 1) -> Period:
    if cadence == "weekly":
        y, w, _ = day.isocalendar()
        return _week(y, w)
    if cadence == "monthly":
        return _month(day.year, day.month)
    offset = (day.month - fiscal_start) % 12  # months since the fiscal year began
    fy_first_year, _ = _add_months(day.year, day.month, -offset)
    fiscal_year = fy_first_year if fiscal_start == 1 else fy_first_year + 1
    return _quarter(fiscal_year, offset // 3 + 1, fiscal_start)


def shift(period: Period, n: int, fiscal_start: int = 1) -> Period:
    """The period ``n`` steps after (negative: before) ``period``."""
    p = period
    step = 1 if n > 0 else -1
    for _ in range(abs(n)):
        anchor = p.end if step > 0 else p.start - dt.timedelta(days=1)
        p = period_containing(p.cadence, anchor, fiscal_start)
    return p


def preceding(period: Period, count: int, fiscal_start: int = 1) -> list[Period]:
    """The ``count`` periods before ``period``, oldest first."""
    return [shift(period, -k, fiscal_start) for k in range(count, 0, -1)]


def last_complete(cadence: str, today: dt.date, fiscal_start: int = 1) -> Period:
    """The last period that ended on or before ``today`` (today itself is not complete)."""
    return shift(period_containing(cadence, today, fiscal_start), -1, fiscal_start)


def last_complete_covered(cadence: str, data_last_day: dt.date, fiscal_start: int = 1) -> Period:
    """The last period whose final day the data reaches."""
    p = period_containing(cadence, data_last_day, fiscal_start)
    return p if p.last_day() <= data_last_day else shift(p, -1, fiscal_start)
