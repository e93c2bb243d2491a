"""Number formatting for executives: short, consistent, never 'nan' or 'None'."""

from __future__ import annotations

NA = "n/a"


def hours(value: float | None) -> str:
    if value is None:
        return NA
    if value >= 100:
        return f"{value:,.0f} h"
    return f"{value:.1f} h"


def percent(value: float | None, digits: int = 1) -> str:
    return NA if value is None else f"{value * 100:.{digits}f}%"


def count(value: float | int | None) -> str:
    if value is None:
        return NA
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def lines(value: float | None) -> str:
    return NA if value is None else f"{value:,.0f}"


def signed_percent(value: float | None) -> str:
    if value is None:
        return NA
    if round(abs(value) * 100) == 0:
        return "±0%"
    sign = "+" if value > 0 else "−"
    return f"{sign}{abs(value) * 100:.0f}%"


def signed_points(value: float | None) -> str:
    """A difference of two rates, in percentage points."""
    if value is None:
        return NA
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{abs(value) * 100:.1f} pp"


def tokens(value: float | None) -> str:
    if value is None:
        return NA
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"


def day_range(start, last) -> str:
    """16–22 Nov 2026, or 28 Dec 2026 – 3 Jan 2027 across a year."""
    if start.year != last.year:
        return f"{start.day} {start:%b %Y} – {last.day} {last:%b %Y}"
    if start.month != last.month:
        return f"{start.day} {start:%b} – {last.day} {last:%b %Y}"
    return f"{start.day}–{last.day} {last:%b %Y}"
