"""Tests for reporter/periods.py: ISO weeks, months, fiscal quarters, shifting, UTC bounds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporter.errors import PeriodError
from reporter.periods import (
    Period,
    last_complete,
    last_complete_covered,
    parse_period,
    period_containing,
    preceding,
    shift,
)

D = dt.date
UTC = dt.timezone.utc


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# ---------------------------------------------------------------------------
# Parsing


def test_parse_week():
    p = parse_period("weekly", "2026-W10")
    # 2026-01-01 is a Thursday, so W01 starts Mon 2025-12-29; W10 starts 9*7 = 63 days later = 2026-03-02.
    assert p == Period("weekly", D(2026, 3, 2), D(2026, 3, 9), "2026-W10")
    assert p.start.weekday() == 0 and p.end.weekday() == 0
    assert p.days == 7
    assert p.last_day() == D(2026, 3, 8)


def test_parse_week_single_digit_is_normalised():
    p = parse_period("weekly", "2026-W5")
    assert p.id == "2026-W05"
    assert p.start == D(2026, 1, 26)  # 2025-12-29 + 4*7


def test_parse_month():
    p = parse_period("monthly", "2026-03")
    assert p == Period("monthly", D(2026, 3, 1), D(2026, 4, 1), "2026-03")
    assert p.days == 31


def test_parse_month_december_and_february():
    assert parse_period("monthly", "2026-12").end == D(2027, 1, 1)
    assert parse_period("monthly", "2024-02").days == 29  # leap year
    assert parse_period("monthly", "2026-02").days == 28


def test_parse_quarter_calendar():
    assert parse_period("quarterly", "2026-Q1") == Period("quarterly", D(2026, 1, 1), D(2026, 4, 1), "2026-Q1")
    assert parse_period("quarterly", "2026-Q4", 1) == Period("quarterly", D(2026, 10, 1), D(2027, 1, 1), "2026-Q4")


def test_parse_quarter_fiscal_july():
    # FY2026 with start month 7 ends June 2026, so it begins 2025-07-01; Q1 = Jul..Sep 2025.
    assert parse_period("quarterly", "2026-Q1", 7) == Period("quarterly", D(2025, 7, 1), D(2025, 10, 1), "2026-Q1")
    # Q3 = Jan..Mar 2026, Q4 = Apr..Jun 2026.
    assert parse_period("quarterly", "2026-Q3", 7).start == D(2026, 1, 1)
    assert parse_period("quarterly", "2026-Q4", 7) == Period("quarterly", D(2026, 4, 1), D(2026, 7, 1), "2026-Q4")


def test_parse_quarter_fiscal_february_crosses_year():
    # FY2027 with start 2 runs 2026-02-01..2027-02-01; Q4 = Nov 2026, Dec 2026, Jan 2027.
    p = parse_period("quarterly", "2027-Q4", 2)
    assert p == Period("quarterly", D(2026, 11, 1), D(2027, 2, 1), "2027-Q4")
    assert parse_period("quarterly", "2027-Q1", 2).start == D(2026, 2, 1)


def test_parse_strips_whitespace():
    assert parse_period("weekly", " 2026-W10 ").id == "2026-W10"


def test_iso_week_53_depends_on_the_year():
    # A year has 53 ISO weeks when Dec 28 falls in week 53.
    weeks_2026 = D(2026, 12, 28).isocalendar()[1]
    if weeks_2026 == 53:
        p = parse_period("weekly", "2026-W53")
        assert p.start == D(2026, 12, 28) and p.end == D(2027, 1, 4)
    else:
        with pytest.raises(PeriodError):
            parse_period("weekly", "2026-W53")
    # 2026 begins on a Thursday, so (by hand) it does have 53 weeks: the branch above is the first one.
    assert weeks_2026 == 53
    # 2025 begins on a Wednesday and is not a leap year: 52 weeks, W53 invalid.
    assert D(2025, 12, 28).isocalendar()[1] == 52
    with pytest.raises(PeriodError, match="52"):
        parse_period("weekly", "2025-W53")


def test_2020_week_53():
    # 2020 began on a Wednesday in a leap year: 53 weeks; W53 = Mon 2020-12-28 .. Mon 2021-01-04.
    assert parse_period("weekly", "2020-W53") == Period("weekly", D(2020, 12, 28), D(2021, 1, 4), "2020-W53")


def test_week_one_can_start_in_the_previous_year():
    # 2025-01-01 is a Wednesday; the Monday of its week is 2024-12-30.
    assert parse_period("weekly", "2025-W01").start == D(2024, 12, 30)


def test_week_of_2027_new_year_belongs_to_2026():
    p = period_containing("weekly", D(2027, 1, 1))
    assert p.id == "2026-W53"
    assert p.start == D(2026, 12, 28)


@pytest.mark.parametrize(
    ("cadence", "text"),
    [
        ("weekly", "2026W10"),
        ("weekly", "2026-10"),
        ("weekly", "2026-w10"),
        ("weekly", "26-W10"),
        ("weekly", "2026-W100"),
        ("weekly", ""),
        ("monthly", "2026-3-1"),
        ("monthly", "2026/03"),
        ("monthly", "March 2026"),
        ("monthly", "2026-W10"),
        ("quarterly", "2026-Q5"),
        ("quarterly", "2026-Q0"),
        ("quarterly", "2026Q1"),
        ("quarterly", "Q1-2026"),
        ("quarterly", "2026-03"),
    ],
)
def test_malformed_ids_raise_with_an_example(cadence, text):
    examples = {"weekly": "2026-W10", "monthly": "2026-03", "quarterly": "2026-Q1"}
    with pytest.raises(PeriodError) as err:
        parse_period(cadence, text)
    assert examples[cadence] in str(err.value)


@pytest.mark.parametrize(
    ("cadence", "text"),
    [("weekly", "2026-W00"), ("weekly", "2026-W54"), ("monthly", "2026-00"), ("monthly", "2026-13")],
)
def test_out_of_range_ids_raise(cadence, text):
    with pytest.raises(PeriodError):
        parse_period(cadence, text)


@pytest.mark.parametrize(("cadence", "text"), [("weekly", "0000-W01"), ("monthly", "0000-01"), ("monthly", "9999-12")])
def test_out_of_datetime_range_years_raise_period_error(cadence, text):
    with pytest.raises(PeriodError):
        parse_period(cadence, text)


# ---------------------------------------------------------------------------
# period_containing, shift, preceding


@pytest.mark.parametrize(
    ("cadence", "day", "fs", "expected"),
    [
        ("weekly", D(2026, 3, 2), 1, "2026-W10"),  # Monday: first day of W10
        ("weekly", D(2026, 3, 8), 1, "2026-W10"),  # Sunday: last day of W10
        ("weekly", D(2024, 12, 31), 1, "2025-W01"),
        ("monthly", D(2026, 2, 28), 1, "2026-02"),
        ("quarterly", D(2026, 3, 31), 1, "2026-Q1"),
        ("quarterly", D(2026, 4, 1), 1, "2026-Q2"),
        ("quarterly", D(2025, 7, 1), 7, "2026-Q1"),
        ("quarterly", D(2025, 6, 30), 7, "2025-Q4"),
        ("quarterly", D(2026, 1, 15), 7, "2026-Q3"),
        ("quarterly", D(2027, 1, 31), 2, "2027-Q4"),
        ("quarterly", D(2027, 2, 1), 2, "2028-Q1"),
        ("quarterly", D(2026, 12, 1), 12, "2027-Q1"),  # FY2027 with start 12 begins 2026-12-01
    ],
)
def test_period_containing(cadence, day, fs, expected):
    p = period_containing(cadence, day, fs)
    assert p.id == expected
    assert p.start <= day < p.end


def test_shift_forward_and_back():
    w = parse_period("weekly", "2026-W52")
    assert shift(w, 1).id == "2026-W53"
    assert shift(w, 2).id == "2027-W01"
    assert shift(w, 0) == w
    assert shift(parse_period("monthly", "2026-11"), 3).id == "2027-02"
    assert shift(parse_period("monthly", "2026-01"), -1).id == "2025-12"
    assert shift(parse_period("quarterly", "2026-Q1"), -1).id == "2025-Q4"
    # Fiscal start 7: 2026-Q4 (Apr-Jun 2026) is followed by 2027-Q1 (Jul-Sep 2026).
    nxt = shift(parse_period("quarterly", "2026-Q4", 7), 1, 7)
    assert nxt == Period("quarterly", D(2026, 7, 1), D(2026, 10, 1), "2027-Q1")


def test_preceding_weeks_cross_into_previous_year():
    # 2026-W02 starts 2026-01-05; four weeks before: 2025-12-08 (W50), 12-15, 12-22, 12-29 (= 2026-W01).
    got = preceding(parse_period("weekly", "2026-W02"), 4)
    assert [p.id for p in got] == ["2025-W50", "2025-W51", "2025-W52", "2026-W01"]
    assert [p.start for p in got] == [D(2025, 12, 8), D(2025, 12, 15), D(2025, 12, 22), D(2025, 12, 29)]


def test_preceding_months_and_quarters():
    assert [p.id for p in preceding(parse_period("monthly", "2026-02"), 3)] == ["2025-11", "2025-12", "2026-01"]
    got = preceding(parse_period("quarterly", "2026-Q1", 7), 2, 7)
    assert [p.id for p in got] == ["2025-Q3", "2025-Q4"]
    assert got[0].start == D(2025, 1, 1)  # FY2025 Q3 with start 7 = Jan-Mar 2025
    assert preceding(parse_period("monthly", "2026-02"), 0) == []


# ---------------------------------------------------------------------------
# last_complete and last_complete_covered


def test_last_complete_week_on_monday():
    today = D(2026, 11, 23)
    assert today.weekday() == 0  # Monday
    # W48 starts today (2025-12-29 + 47*7 = 2026-11-23), so the last complete week is W47.
    p = last_complete("weekly", today)
    assert p == Period("weekly", D(2026, 11, 16), D(2026, 11, 23), "2026-W47")


def test_last_complete_week_on_sunday():
    today = D(2026, 11, 22)
    assert today.weekday() == 6
    # Today is the last day of W47, which is not complete yet.
    assert last_complete("weekly", today).id == "2026-W46"


def test_last_complete_at_year_start():
    assert last_complete("monthly", D(2026, 1, 1)).id == "2025-12"
    assert last_complete("monthly", D(2026, 1, 31)).id == "2025-12"
    assert last_complete("monthly", D(2026, 2, 1)).id == "2026-01"
    assert last_complete("quarterly", D(2026, 1, 1)) == Period("quarterly", D(2025, 10, 1), D(2026, 1, 1), "2025-Q4")
    # Fiscal start 7: Jan 2026 is in FY2026 Q3, so the last complete is FY2026 Q2 = Oct-Dec 2025.
    p = last_complete("quarterly", D(2026, 1, 2), 7)
    assert p == Period("quarterly", D(2025, 10, 1), D(2026, 1, 1), "2026-Q2")
    # Start 7, early July: the fiscal year just turned; last complete is FY2026-Q4 (Apr-Jun 2026).
    assert last_complete("quarterly", D(2026, 7, 1), 7).id == "2026-Q4"
    assert last_complete("weekly", D(2027, 1, 4)).id == "2026-W53"


def test_last_complete_covered():
    # Data reaching Sunday 2026-11-22 covers all of W47 (11-16..11-22).
    assert last_complete_covered("weekly", D(2026, 11, 22)).id == "2026-W47"
    # Data ending Saturday 2026-11-21 does not reach W47's last day.
    assert last_complete_covered("weekly", D(2026, 11, 21)).id == "2026-W46"
    assert last_complete_covered("monthly", D(2026, 3, 31)).id == "2026-03"
    assert last_complete_covered("monthly", D(2026, 3, 30)).id == "2026-02"
    assert last_complete_covered("quarterly", D(2026, 6, 30)).id == "2026-Q2"
    assert last_complete_covered("quarterly", D(2026, 6, 29)).id == "2026-Q1"
    assert last_complete_covered("quarterly", D(2026, 6, 30), 7).id == "2026-Q4"
    assert last_complete_covered("quarterly", D(2027, 1, 31), 2).id == "2027-Q4"


# ---------------------------------------------------------------------------
# UTC bounds


def test_utc_bounds_utc():
    start, end = parse_period("weekly", "2026-W10").utc_bounds(ZoneInfo("UTC"))
    assert (start, end) == (utc(2026, 3, 2), utc(2026, 3, 9))


def test_utc_bounds_berlin_winter():
    start, end = parse_period("weekly", "2026-W10").utc_bounds(ZoneInfo("Europe/Berlin"))
    # CET is UTC+1: local midnight Monday 2026-03-02 is 2026-03-01 23:00 UTC.
    assert start == utc(2026, 3, 1, 23)
    assert end == utc(2026, 3, 8, 23)
    assert end - start == dt.timedelta(hours=168)


def test_utc_bounds_berlin_spring_forward_week_has_167_hours():
    # EU DST starts on the last Sunday of March: 2026-03-29. Week W13 = 2026-03-23 .. 2026-03-30.
    p = parse_period("weekly", "2026-W13")
    assert p.start == D(2026, 3, 23)
    start, end = p.utc_bounds(ZoneInfo("Europe/Berlin"))
    assert start == utc(2026, 3, 22, 23)  # CET, +1
    assert end == utc(2026, 3, 29, 22)  # CEST, +2
    assert end - start == dt.timedelta(hours=167)


def test_utc_bounds_berlin_fall_back_week_has_169_hours():
    # DST ends on the last Sunday of October: 2026-10-25. Week W43 = 2026-10-19 .. 2026-10-26.
    p = parse_period("weekly", "2026-W43")
    assert p.start == D(2026, 10, 19)
    start, end = p.utc_bounds(ZoneInfo("Europe/Berlin"))
    assert start == utc(2026, 10, 18, 22)
    assert end == utc(2026, 10, 25, 23)
    assert end - start == dt.timedelta(hours=169)


def test_utc_bounds_new_york_month():
    # March 2026 in New York: starts EST (-5), ends EDT (-4) after DST on 2026-03-08.
    start, end = parse_period("monthly", "2026-03").utc_bounds(ZoneInfo("America/New_York"))
    assert start == utc(2026, 3, 1, 5)
    assert end == utc(2026, 4, 1, 4)
    assert end - start == dt.timedelta(days=31, hours=-1)


def test_utc_bounds_east_of_utc_starts_previous_day():
    # Asia/Tokyo is UTC+9 with no DST: 2026-Q1 starts 2025-12-31 15:00 UTC.
    start, end = parse_period("quarterly", "2026-Q1").utc_bounds(ZoneInfo("Asia/Tokyo"))
    assert start == utc(2025, 12, 31, 15)
    assert end == utc(2026, 3, 31, 15)


# ---------------------------------------------------------------------------
# Properties

CADENCE = st.sampled_from(["weekly", "monthly", "quarterly"])
DAY = st.dates(min_value=D(1901, 1, 1), max_value=D(2199, 12, 31))
FISCAL = st.integers(min_value=1, max_value=12)


@settings(max_examples=300, deadline=None)
@given(cadence=CADENCE, day=DAY, fs=FISCAL)
def test_property_periods_tile_the_calendar(cadence, day, fs):
    p = period_containing(cadence, day, fs)
    assert p.start <= day < p.end
    assert p.cadence == cadence
    nxt = shift(p, 1, fs)
    prv = shift(p, -1, fs)
    assert nxt.start == p.end
    assert prv.end == p.start
    assert shift(nxt, -1, fs) == p
    assert shift(prv, 1, fs) == p
    assert parse_period(cadence, p.id, fs) == p
    # Independent checks of shape.
    if cadence == "weekly":
        assert p.start.weekday() == 0 and p.days == 7
        assert p.start.isocalendar()[:2] == day.isocalendar()[:2]
    elif cadence == "monthly":
        assert p.start == D(day.year, day.month, 1) and p.start.day == 1
        assert p.days in (28, 29, 30, 31)
    else:
        assert p.start.day == 1 and p.end.day == 1
        assert (p.start.month - fs) % 3 == 0  # quarters start 0, 3, 6 or 9 months after the fiscal start
        assert 89 <= p.days <= 92
        # The fiscal year is named by the calendar year it ends in: the year of its last month.
        fy, q = int(p.id[:4]), int(p.id[-1])
        months_to_fy_end = 12 - 3 * (q - 1)  # months from the quarter's start to the fiscal year end
        index = p.start.year * 12 + p.start.month - 1 + months_to_fy_end - 1
        assert index // 12 == fy


@settings(max_examples=150, deadline=None)
@given(cadence=CADENCE, day=DAY, fs=FISCAL, n=st.integers(min_value=-6, max_value=6))
def test_property_shift_composes(cadence, day, fs, n):
    p = period_containing(cadence, day, fs)
    assert shift(shift(p, n, fs), -n, fs) == p
    got = preceding(p, 3, fs)
    assert len(got) == 3
    assert got[-1].end == p.start
    assert all(a.end == b.start for a, b in zip(got, got[1:]))


@settings(max_examples=150, deadline=None)
@given(cadence=CADENCE, today=DAY, fs=FISCAL)
def test_property_last_complete_ends_by_today(cadence, today, fs):
    p = last_complete(cadence, today, fs)
    assert p.end <= today
    assert shift(p, 1, fs).start <= today < shift(p, 1, fs).end
    c = last_complete_covered(cadence, today, fs)
    assert c.last_day() <= today
    assert shift(c, 1, fs).last_day() > today
