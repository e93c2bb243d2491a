"""The week's strongest signal: the one finding page 1 leads with, chosen by the noise tests.

Candidates are changes against the baseline and AI-vs-other differences that are outside noise.
Quality comes before speed, speed before adoption; within a tier, the finding whose interval
stands furthest from zero (relative to its width) wins. With nothing outside noise, the lead
says so with n: "no clear change" is a finding too.
"""

from __future__ import annotations

from collections.abc import Callable

from reporter.metrics import catalogue as cat

from . import fmt

# metric, words, formatter, rate (points), tier: 0 quality, 1 speed, 2 adoption
def _percent(key: str) -> Callable:
    return lambda v: fmt.percent(v, cat.get(key).digits)


def _word(key: str) -> str:
    """The catalogue's name inside a sentence; a count of deployments reads as 'deployments'."""
    return "deployments" if key == "deployments" else cat.get(key).in_sentence


CANDIDATES: tuple[tuple[str, str, Callable, bool, int], ...] = tuple(
    (key, _word(key), formatter, points, tier) for key, formatter, points, tier in (
        ("change_failure_rate", _percent("change_failure_rate"), True, 0),
        ("rework_rate", _percent("rework_rate"), True, 0),
        ("recovery_time_hours", fmt.hours, False, 0),
        ("pr_cycle_time_hours", fmt.hours, False, 1),
        ("pickup_time_hours", fmt.hours, False, 1),
        ("lead_time_hours", fmt.hours, False, 1),
        ("deployments", fmt.count, False, 1),
        ("merged_prs", fmt.count, False, 1),
        ("pr_size_lines", lambda v: f"{fmt.lines(v)} lines", False, 1),
        ("ai_adoption_rate", _percent("ai_adoption_rate"), True, 2),
    ))


TESTED = ("up", "down", "flat")  # a noise test ran (not "insufficient_data", not missing)

COMPARATIVES = {"pr_size_lines": ("larger", "smaller"), "pr_cycle_time_hours": ("longer", "shorter"),
                "pickup_time_hours": ("longer", "shorter"), "lead_time_hours": ("longer", "shorter"),
                "recovery_time_hours": ("longer", "shorter")}


def _strength(interval: list | None) -> float:
    """How far the interval stands from zero, in widths (0 when it touches zero)."""
    if not interval:
        return 0.0
    lo, hi = interval
    width = abs(hi - lo) or 1e-9
    return min(abs(lo), abs(hi)) / width if lo * hi > 0 else 0.0


def strongest(doc: dict, span: str = "week") -> str:
    """One sentence naming the strongest finding outside noise, or saying there is none."""
    metrics = doc.get("metrics") or {}
    found: list[tuple[int, float, str]] = []
    for key, words, formatter, points, tier in CANDIDATES:
        m = metrics.get(key) or {}
        if m.get("change") in ("up", "down") and m.get("value") is not None and m.get("baseline") is not None:
            moved = "rose" if m["change"] == "up" else "fell"
            delta = fmt.signed_points(m.get("delta")) if points else fmt.signed_percent(m.get("delta_pct"))
            found.append((tier, _strength(m.get("interval")),
                          f"{words} {moved} to {formatter(m['value'])} from {formatter(m['baseline'])} "
                          f"({delta}; n {m['n']} vs {m['baseline_n']} in the baseline), outside noise"))
        test = m.get("cohort_difference") or {}
        if test.get("change") in ("up", "down"):
            cohorts = m.get("by_cohort") or {}
            ai, other = cohorts.get("ai") or {}, cohorts.get("non_ai") or {}
            side = "AI-touched deployments" if key in ("change_failure_rate", "rework_rate") else "AI-assisted PRs"
            more, less = COMPARATIVES.get(key, ("higher", "lower"))
            higher = more if test["change"] == "up" else less
            found.append((tier, _strength(test.get("interval")),
                          f"{words} of {side} {higher} than the others: {formatter(ai.get('value'))} vs "
                          f"{formatter(other.get('value'))} (n {ai.get('n')} vs {other.get('n')}), outside noise"))
    if not found:
        n = (metrics.get("merged_prs") or {}).get("value")
        deploys = (metrics.get("deployments") or {}).get("value")
        sizes = ", ".join(part for part in (f"{n} merged PRs" if n is not None else "",
                                             f"{deploys} deployments" if deploys is not None else "") if part)
        tested = any((metrics.get(key) or {}).get("change") in TESTED for key, *_ in CANDIDATES)
        compared = any(((metrics.get(key) or {}).get("cohort_difference") or {}).get("change") in TESTED
                       for key, *_ in CANDIDATES)
        # "nothing moved outside noise" only where a noise test ran; else say there was too little to test
        moved = (f"No headline metric moved outside noise this {span}" if tested else
                 f"No headline metric had enough data this {span} to be tested against a baseline")
        differs = ("no AI-vs-other difference is clear" if compared else
                   "AI-assisted and other work had too little data to compare")
        return f"Strongest signal: none. {moved}" + (f" ({sizes})" if sizes else "") + f", and {differs}."
    tier, _, text = sorted(found, key=lambda f: (f[0], -f[1]))[0]
    return f"Strongest signal: {text}."
