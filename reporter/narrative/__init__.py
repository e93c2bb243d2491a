"""The narrative layer: rule files turn a metrics document into short, honest, traceable sentences.

`narrate(doc, cadence, rule_dirs)` loads the rule folders (later ones override earlier ones by id),
evaluates each rule's condition on metrics.json (per team or per release when asked), renders its
text in a sandbox with evidence-recording filters, records the noise tests the condition rested on
(`item["tests"]`: difference, interval, n on both sides), runs the honesty checks on every sentence, and
selects the items: sorted by priority, deduplicated, at most five weekly actions, decisions only
in the monthly report. The same inputs always give the same output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from reporter import cadences

from . import conditions, honesty, phrasing
from .conditions import insufficient
from .rules import CADENCES, KINDS, KNOWN_METRICS, Rule, RuleError, load_rules

__all__ = ["KNOWN_METRICS", "SECTIONS", "Rule", "RuleError", "insufficient", "load_rules", "narrate", "narrate_rules"]

SECTIONS = {"story": "stories", "learning": "learnings", "action": "actions", "decision": "decisions",
            "warning": "warnings"}


def narrate(doc: dict, cadence: str, rule_dirs: Sequence[Path | str | None], *, causal_support: bool = False,
            known_metrics: Iterable[str] = KNOWN_METRICS) -> dict:
    """Return {"stories": [...], "learnings": [...], "actions": [...], "decisions": [...], "warnings": [...]}."""
    return narrate_rules(doc, cadence, load_rules(rule_dirs, known_metrics), causal_support=causal_support)


def narrate_rules(doc: Mapping, cadence: str, rules: Iterable[Rule], *, causal_support: bool = False) -> dict:
    """As narrate(), with rules already loaded (to load them once for several reports)."""
    if cadence not in CADENCES:
        raise ValueError(f"unknown cadence {cadence!r}; expected one of {', '.join(CADENCES)}")
    doc = doc if isinstance(doc, Mapping) else {}
    produced: dict[str, list[tuple[tuple, dict]]] = {kind: [] for kind in KINDS}
    for rule in rules:
        if not rule.enabled or cadence not in rule.cadences:
            continue
        for ordinal, (team, release) in enumerate(_bindings(rule, doc)):
            if not conditions.evaluate(rule.when, doc, team):
                continue
            item = _item(rule, doc, cadence, team, release, causal_support)
            if item is not None:
                produced[rule.kind].append(((-rule.priority, rule.id, ordinal, item["team"] or ""), item))
    result: dict[str, list[dict]] = {}
    for kind in KINDS:
        items, seen = [], set()
        for _, item in sorted(produced[kind], key=lambda pair: pair[0]):
            if item["text"] not in seen:
                seen.add(item["text"])
                items.append(item)
        row = cadences.get(cadence)
        if kind == "action" and row.action_cap is not None:
            items = items[:row.action_cap]
        if kind == "decision" and not row.decisions:
            items = []
        result[SECTIONS[kind]] = items
    return result


def _bindings(rule: Rule, doc: Mapping) -> list[tuple[str | None, int | None]]:
    """(team, release index) pairs the rule is evaluated for."""
    if rule.for_each == "team":
        return [(team, None) for team in conditions.teams(doc)]
    if rule.for_each == "release":
        breakdowns = doc.get("breakdowns")
        releases = breakdowns.get("releases") if isinstance(breakdowns, Mapping) else None
        if not isinstance(releases, list):
            return []
        return [(r.get("team") if isinstance(r.get("team"), str) else None, i)
                for i, r in enumerate(releases) if isinstance(r, Mapping)]
    return [(None, None)]


_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?])(?=\s|$)")


def _tidy(text: str) -> str:
    """Collapse whitespace and drop spaces before punctuation (names such as teams keep their case)."""
    return _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split())).strip()


def _item(rule: Rule, doc: Mapping, cadence: str, team: str | None, release: int | None,
          causal_support: bool) -> dict[str, Any] | None:
    try:
        rendered = phrasing.render(rule.template, doc, cadence=cadence,
                                   team=team if rule.for_each == "team" else None, release=release)
    except phrasing.TextError as exc:
        raise RuleError(f"{rule.where}: {exc}") from None
    if rendered is None:  # the text printed a missing value: nothing to say
        return None
    text = honesty.add_disclaimer(_tidy(rendered.text), rendered.money)
    if not text:
        return None
    honesty.check_item(rule, text, rendered.evidence, rendered.strings, cadence=cadence,
                       causal_support=causal_support)
    item = {"id": rule.id, "kind": rule.kind, "text": text, "priority": rule.priority, "team": team,
            "evidence": rendered.evidence, "metrics": list(rule.metrics),
            "tests": conditions.held_tests(rule.when, doc, team)}
    if rule.subject:
        item["subject"] = rule.subject
    if release is not None:
        item["release"] = release  # breakdowns.releases[release]: lets a document rank stories by value
    return item
