"""Number formatting for executives: short, consistent, never 'nan' or 'None'."""

from __future__ import annotations

from collections.abc import Mapping

NA = "n/a"
DISCLAIMER = "correlated, not caused"  # follows money in narrative texts; once per section in documents
MINUS = "\u2212"  # a true minus sign, never a hyphen
SEVERITY_ORDER = ("critical", "high", "medium", "moderate", "low", "info", "informational", "none", "unknown")


def minus(text: str) -> str:
    """Every hyphen-minus of a formatted number as a true minus sign."""
    return text.replace("-", MINUS)


def number(value: float | None, digits: int = 0) -> str:
    """12,345 or −0.25: thousands separators, fixed decimals, a true minus sign."""
    return NA if value is None else minus(f"{value:,.{digits}f}")


def money(value: float | None, currency: str) -> str:
    """One money style everywhere: '3,561 USD', '314.56 EUR', '−55,463 USD' (whole units from 1,000,
    cents below; the ISO code after the amount)."""
    if value is None:
        return NA
    return f"{number(value, 0 if abs(value) >= 1000 else 2)} {currency}"


def money_map(amounts: dict | None) -> str:
    """Amounts per currency side by side, sorted by code ("and", never "+": currencies are not summed)."""
    if not amounts:
        return NA
    return " and ".join(money(v, c) for c, v in sorted(amounts.items()))


def by_severity(counts: dict) -> list[tuple[str, int]]:
    """Severity counts in severity order (critical first), unknown levels after, alphabetically."""
    rank = {name: i for i, name in enumerate(SEVERITY_ORDER)}
    return sorted(counts.items(), key=lambda kv: (rank.get(str(kv[0]).lower(), len(rank)), str(kv[0])))


def display_name(key: str, names: Mapping[str, str]) -> str:
    """A team as configured (`teams.X.name`), else its key capitalised: the one spelling of every document."""
    return names.get(key) or key[:1].upper() + key[1:]


def team(doc: dict, key: str) -> str:
    return display_name(key, doc.get("team_names") or {})


def hours(value: float | None) -> str:
    if value is None:
        return NA
    if abs(value) >= 100:
        return minus(f"{value:,.0f} h")
    return minus(f"{value:.1f} h")


def days(value: float | None) -> str:
    return NA if value is None else minus(f"{value:,.1f} days")


def percent(value: float | None, digits: int = 1) -> str:
    return NA if value is None else minus(f"{value * 100:.{digits}f}%")


def count(value: float | int | None) -> str:
    if value is None:
        return NA
    if float(value).is_integer():
        return minus(f"{int(value):,}")
    return minus(f"{value:,.1f}")


def lines(value: float | None) -> str:
    return number(value, 0)


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
