"""The evidence of a narrative item's noise tests, in words: both sides with their n, the difference
and its interval, so a decision shows what it rests on (item["tests"], see reporter.narrative)."""

from __future__ import annotations

from reporter.metrics import catalogue as cat

from . import fmt

# A test's subject in a sentence: the catalogue's one name, plus the breakdowns that are not metrics.
TEST_LABELS = {**{m.id: m.in_sentence for m in cat.METRICS}, "reverts.cohort_difference": "revert rate"}
SIDES = {"team_vs_rest": ("", "rest"), "ai_vs_other": (" AI-assisted", "other"),
         "period_vs_baseline": ("", "baseline")}


def _test_label(test: dict) -> str:
    """'change failure rate'; a size-bucket test reads 'review time of large PRs'."""
    name = test.get("metric") or test.get("breakdown") or test.get("path", "")
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "flow_by_size" and parts[2].endswith("_test"):
        return f"{parts[2][:-len('_test')].replace('_', ' ')} of {parts[1]} PRs"
    return TEST_LABELS.get(name, name.removesuffix("_hours").replace("_", " "))


def _unit(unit: str | None, difference: bool) -> str:
    """What follows a number: '%' for a rate and ' pp' for a difference of rates, ' h', ' lines'."""
    if unit == "ratio":
        return " pp" if difference else "%"
    return {"hours": " h", "lines": " lines"}.get(unit or "", "")


def _digits(test: dict) -> int:
    """Decimals as the catalogue shows the metric on cards and tables (one by default)."""
    metric = cat.BY_ID.get(test.get("metric") or "")
    return metric.digits if metric else 1


def _number(value: float | None, unit: str | None, signed: bool = False, digits: int = 1) -> str:
    """The bare number: rates in percent, hours with the metric's decimals, others as counts."""
    if value is None:
        return fmt.NA
    shown = abs(value) if signed else value
    if unit in ("ratio", "hours"):
        text = f"{shown * 100 if unit == 'ratio' else shown:,.{digits}f}"
    else:
        text = fmt.count(shown)
    if not signed:
        return text
    return ("±" if text.strip("0.,") == "" else "+" if value > 0 else "−") + text


def _figure(value: float | None, unit: str | None, signed: bool = False, digits: int = 1) -> str:
    number = _number(value, unit, signed, digits)
    return number if value is None else number + _unit(unit, signed)


def describe_test(test: dict) -> str:
    """'change failure rate 16.3% (n 43) vs 7.4% rest (n 400); difference +8.9 pp, 95% interval +1.2 to +18.0 pp'."""
    unit, d = test.get("unit"), _digits(test)
    side, other = SIDES.get(test.get("compares") or "", ("", "other"))
    interval = test.get("interval")
    spread = (f"95% interval {_number(interval[0], unit, True, d)} to {_number(interval[1], unit, True, d)}"
              f"{_unit(unit, True)}" if interval else "no interval")
    return (f"{_test_label(test)} {_figure(test.get('side_value'), unit, digits=d)}{side} "
            f"(n {fmt.count(test.get('n'))}) vs {_figure(test.get('other_value'), unit, digits=d)} {other} "
            f"(n {fmt.count(test.get('other_n'))}); difference {_figure(test.get('value'), unit, True, d)}, {spread}")
