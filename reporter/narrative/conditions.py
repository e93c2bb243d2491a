"""A rule's `when:` condition: structured data checked at load time, evaluated against metrics.json.

Conditions are plain YAML trees (all / any / not and leaf tests), never Python expressions, so a
rule file cannot run code. Evaluation uses three-valued logic: a leaf whose data is missing or
null is *unknown*, unknown propagates through all / any / not, and an unknown condition is false.
So missing data never makes a rule fire, not even under `not`.
"""

from __future__ import annotations

import difflib
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

CHANGES = ("up", "down", "flat", "insufficient_data")
DIRECTIONS = frozenset({"up", "down"})
FIELDS = ("value", "n", "baseline", "delta", "delta_pct")
SPLIT_FIELDS = ("value", "n")  # what a by_team / by_cohort entry holds
COHORTS = ("ai", "non_ai")
SCOPES = ("team",)
RELEASES = ("any", "none")
OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt,
    "<=": operator.le, "==": operator.eq, "!=": operator.ne,
}
COMBINATORS = ("all", "any", "not")
METRIC_LEAF = ("metric", "scope", "cohort", "field", "change", "op", "value", "than")
BREAKDOWN_LEAF = ("breakdown", "path", "op", "value", "than")
RELEASES_LEAF = ("releases",)
METRIC_REF = ("metric", "scope", "cohort", "field", "times")
BREAKDOWN_REF = ("breakdown", "path", "times")
HEADS = ("metric", "breakdown", "releases") + COMBINATORS


class ConditionError(ValueError):
    """A malformed condition; the message starts with where in `when:` the problem is."""


def insufficient(metric: str) -> dict[str, str]:
    """The leaf 'this metric has too little data to call a change' (for rules that say so)."""
    return {"metric": metric, "change": "insufficient_data"}


# -- validation ---------------------------------------------------------------------------------

def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_keys(node: Mapping, allowed: tuple[str, ...], where: str) -> None:
    for key in node:
        if key not in allowed:
            raise ConditionError(f"{where}: unknown key {key!r}{_suggest(key, allowed)}; "
                                 f"allowed here: {', '.join(allowed)}")


def validate(node: Any, known_metrics: Iterable[str], for_each: str | None, where: str = "when") -> list[str]:
    """Check a condition tree; return the metric names it reads, in order of first use."""
    names: list[str] = []
    _validate(node, frozenset(known_metrics), for_each, where, names)
    return names


def _validate(node: Any, known: frozenset[str], for_each: str | None, where: str, names: list[str]) -> None:
    if not isinstance(node, Mapping) or not node:
        raise ConditionError(f"{where}: a condition must be a mapping such as {{metric: NAME, change: up}} "
                             f"or {{all: [...]}}, got {node!r}")
    combinators = [key for key in COMBINATORS if key in node]
    if combinators:
        if len(node) != 1:
            raise ConditionError(f"{where}: {combinators[0]!r} must be the only key of its mapping; "
                                 f"put the other tests inside it (found {', '.join(map(str, node))})")
        key = combinators[0]
        if key == "not":
            _validate(node["not"], known, for_each, f"{where}.not", names)
            return
        children = node[key]
        if not isinstance(children, list) or not children:
            raise ConditionError(f"{where}.{key}: expected a non-empty list of conditions")
        for i, child in enumerate(children):
            _validate(child, known, for_each, f"{where}.{key}[{i}]", names)
        return
    if "metric" in node:
        _validate_metric_leaf(node, known, for_each, where, names)
    elif "breakdown" in node:
        _check_keys(node, BREAKDOWN_LEAF, where)
        _validate_breakdown_ref(node, where)
        _validate_comparison(node, known, for_each, where, names)
    elif "releases" in node:
        _check_keys(node, RELEASES_LEAF, where)
        if node["releases"] not in RELEASES:
            raise ConditionError(f"{where}: releases must be one of {', '.join(RELEASES)}, "
                                 f"got {node['releases']!r}")
    else:
        key = next(iter(node))
        raise ConditionError(f"{where}: unknown key {key!r}{_suggest(key, HEADS)}; a condition starts with "
                             f"one of {', '.join(HEADS)}")


def _validate_metric_ref(node: Mapping, known: frozenset[str], for_each: str | None, where: str,
                         names: list[str]) -> None:
    name = node["metric"]
    if not isinstance(name, str) or name not in known:
        raise ConditionError(f"{where}: unknown metric {name!r}{_suggest(name, sorted(known))}")
    if name not in names:
        names.append(name)
    scope, cohort = node.get("scope"), node.get("cohort")
    if scope is not None and scope not in SCOPES:
        raise ConditionError(f"{where}: scope must be 'team', got {scope!r}")
    if scope == "team" and for_each != "team":
        raise ConditionError(f"{where}: scope: team reads the current team, so the rule needs for_each: team")
    if cohort is not None and cohort not in COHORTS:
        raise ConditionError(f"{where}: cohort must be one of {', '.join(COHORTS)}, got {cohort!r}"
                             f"{_suggest(cohort, COHORTS)}")
    if scope is not None and cohort is not None:
        raise ConditionError(f"{where}: scope and cohort cannot be combined (metrics.json has no team x cohort split)")
    field = node.get("field", "value")
    allowed = SPLIT_FIELDS if (scope or cohort) else FIELDS
    if field not in allowed:
        raise ConditionError(f"{where}: field must be one of {', '.join(allowed)}"
                             f"{' for a team or cohort split' if (scope or cohort) else ''}, got {field!r}"
                             f"{_suggest(field, allowed)}")


def _validate_breakdown_ref(node: Mapping, where: str) -> None:
    for key in ("breakdown", "path"):
        if key in node and (not isinstance(node[key], str) or not node[key].strip(".")
                            or "" in node[key].split(".")):
            raise ConditionError(f"{where}: {key} must be a dot path such as reverts.by_cohort.ai.value, "
                                 f"got {node[key]!r}")


def _validate_metric_leaf(node: Mapping, known: frozenset[str], for_each: str | None, where: str,
                          names: list[str]) -> None:
    _check_keys(node, METRIC_LEAF, where)
    _validate_metric_ref(node, known, for_each, where, names)
    if "change" in node:
        if any(key in node for key in ("op", "value", "than", "field")):
            raise ConditionError(f"{where}: a change test takes no op, value, than or field")
        if node.get("scope") or node.get("cohort"):
            raise ConditionError(f"{where}: change is only known for the whole organisation, "
                                 f"not per team or cohort")
        changes = node["change"] if isinstance(node["change"], list) else [node["change"]]
        if not changes:
            raise ConditionError(f"{where}: change needs at least one of {', '.join(CHANGES)}")
        for change in changes:
            if change not in CHANGES:
                raise ConditionError(f"{where}: change must be one of {', '.join(CHANGES)}, got {change!r}"
                                     f"{_suggest(change, CHANGES)}")
        return
    _validate_comparison(node, known, for_each, where, names)


def _validate_comparison(node: Mapping, known: frozenset[str], for_each: str | None, where: str,
                         names: list[str]) -> None:
    if "op" not in node:
        hint = "change: or op:" if "metric" in node else "op:"
        raise ConditionError(f"{where}: missing key {hint} (a leaf tests a change or compares with op)")
    if node["op"] not in OPS:
        raise ConditionError(f"{where}: op must be one of {', '.join(OPS)}, got {node['op']!r}")
    if ("value" in node) == ("than" in node):
        raise ConditionError(f"{where}: op needs exactly one of value: (a number) or than: (another reference)")
    if "value" in node:
        if not _is_number(node["value"]):
            raise ConditionError(f"{where}: value must be a number, got {node['value']!r}")
        return
    than, at = node["than"], f"{where}.than"
    if not isinstance(than, Mapping) or ("metric" in than) == ("breakdown" in than):
        raise ConditionError(f"{at}: than must be a mapping with metric: or breakdown: "
                             f"(and optional times:), got {than!r}")
    if "metric" in than:
        _check_keys(than, METRIC_REF, at)
        _validate_metric_ref(than, known, for_each, at, names)
    else:
        _check_keys(than, BREAKDOWN_REF, at)
        _validate_breakdown_ref(than, at)
    if "times" in than and not _is_number(than["times"]):
        raise ConditionError(f"{at}: times must be a number, got {than['times']!r}")


def has_direction_test(node: Any) -> bool:
    """True when some leaf (not under `not`) requires a metric's change to be up or down only."""
    if not isinstance(node, Mapping):
        return False
    if "not" in node:
        return False
    for key in ("all", "any"):
        if key in node:
            return any(has_direction_test(child) for child in node[key])
    if "metric" in node and "change" in node:
        changes = node["change"] if isinstance(node["change"], list) else [node["change"]]
        return bool(changes) and set(changes) <= DIRECTIONS
    return False


# -- evaluation ---------------------------------------------------------------------------------

def _get(data: Any, key: Any) -> Any:
    if isinstance(data, Mapping):
        return data.get(key)
    if isinstance(data, list) and isinstance(key, str) and key.lstrip("-").isdigit():
        index = int(key)
        return data[index] if -len(data) <= index < len(data) else None
    return None


def _number(value: Any) -> float | None:
    return value if _is_number(value) else None


def _metric_entry(doc: Mapping, ref: Mapping, team: str | None) -> Any:
    entry = _get(_get(doc, "metrics"), ref["metric"])
    if ref.get("scope") == "team":
        entry = _get(_get(entry, "by_team"), team) if team is not None else None
    elif ref.get("cohort"):
        entry = _get(_get(entry, "by_cohort"), ref["cohort"])
    return entry


def _ref_value(doc: Mapping, ref: Mapping, team: str | None) -> float | None:
    if "metric" in ref:
        return _number(_get(_metric_entry(doc, ref, team), ref.get("field", "value")))
    data: Any = _get(doc, "breakdowns")
    path = ref["breakdown"] + ("." + ref["path"] if ref.get("path") else "")
    for part in path.split("."):
        data = _get(data, part)
    return _number(data)


def _leaf(node: Mapping, doc: Mapping, team: str | None) -> bool | None:
    if "releases" in node:
        releases = _get(_get(doc, "breakdowns"), "releases")
        if not isinstance(releases, list):
            return None
        return bool(releases) if node["releases"] == "any" else not releases
    if "change" in node:
        change = _get(_metric_entry(doc, node, team), "change")
        if not isinstance(change, str):
            return None
        wanted = node["change"] if isinstance(node["change"], list) else [node["change"]]
        return change in wanted
    left = _ref_value(doc, node, team)
    if "value" in node:
        right: float | None = node["value"]
    else:
        right = _ref_value(doc, node["than"], team)
        if right is not None:
            right = right * node["than"].get("times", 1)
    if left is None or right is None:
        return None
    return OPS[node["op"]](left, right)


def _truth(node: Mapping, doc: Mapping, team: str | None) -> bool | None:
    if "not" in node:
        inner = _truth(node["not"], doc, team)
        return None if inner is None else not inner
    if "all" in node:
        results = [_truth(child, doc, team) for child in node["all"]]
        return False if False in results else None if None in results else True
    if "any" in node:
        results = [_truth(child, doc, team) for child in node["any"]]
        return True if True in results else None if None in results else False
    return _leaf(node, doc, team)


def evaluate(node: Mapping, doc: Mapping, team: str | None = None) -> bool:
    """Whether a validated condition holds for the document (and the current team, if any)."""
    if not isinstance(doc, Mapping):
        return False
    return _truth(node, doc, team) is True


def teams(doc: Mapping) -> list[str]:
    """Every team named in some metric's by_team split, sorted; the pooled 'other' group is skipped."""
    metrics = _get(doc, "metrics")
    names: set[str] = set()
    if isinstance(metrics, Mapping):
        for entry in metrics.values():
            by_team = _get(entry, "by_team")
            if isinstance(by_team, Mapping):
                names.update(str(name) for name in by_team)
    names.discard("other")
    return sorted(names)
