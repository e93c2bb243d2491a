"""A rule's `when:` condition: structured data checked at load time, evaluated against metrics.json.

Conditions are plain YAML trees (all / any / not and leaf tests), never Python expressions, so a
rule file cannot run code. Evaluation uses three-valued logic: a leaf whose data is missing or
null is *unknown*, unknown propagates through all / any / not, and an unknown condition is false.
So missing data never makes a rule fire, not even under `not`.

A `differs:` leaf reads a noise test that metrics.json already holds (a team against the rest of the
organisation, AI-assisted against other work, or a breakdown's test block): "higher" holds only
when the difference is outside noise, "no clear difference" is false, too little data is unknown.
`held_tests` returns, for a condition that held, the figures of every test that made it hold, so
an item can show its evidence (difference, interval, n on both sides).
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
DIFFERENCES = ("higher", "lower")
DIFFERS_CHANGE = {"up": "higher", "down": "lower", "flat": None}  # a test's change -> what it says
COHORTS = ("ai", "non_ai")
SCOPES = ("team",)
RELEASES = ("any", "none")
OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt,
    "<=": operator.le, "==": operator.eq, "!=": operator.ne,
}
COMBINATORS = ("all", "any", "not")
METRIC_LEAF = ("metric", "scope", "cohort", "field", "change", "differs", "min_n", "op", "value", "than")
BREAKDOWN_LEAF = ("breakdown", "path", "differs", "min_n", "op", "value", "than")
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
        if "differs" in node or "min_n" in node:
            _validate_differs(node, where)
        else:
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
    if "differs" in node:
        if "change" in node:
            raise ConditionError(f"{where}: use change: (this period against the baseline) or differs: "
                                 f"(two groups in this period), not both")
        if not node.get("scope") and not node.get("cohort"):
            raise ConditionError(f"{where}: differs compares two groups: add scope: team (this team against the "
                                 f"rest of the organisation) or cohort: ai (AI-assisted against other work); "
                                 f"for a move against the baseline use change: up or down")
        if node.get("cohort") == "non_ai":
            raise ConditionError(f"{where}: the cohort test is AI-assisted minus other work: write cohort: ai "
                                 f"(non_ai higher is cohort: ai with differs: lower)")
        _validate_differs(node, where)
        return
    if "min_n" in node:
        raise ConditionError(f"{where}: min_n goes with differs: (the least n on each side of the test)")
    if "change" in node:
        if any(key in node for key in ("op", "value", "than", "field")):
            raise ConditionError(f"{where}: a change test takes no op, value, than or field")
        if node.get("scope") or node.get("cohort"):
            raise ConditionError(f"{where}: change is only known for the whole organisation, "
                                 f"not per team or cohort")
        _one_or_more(node, "change", CHANGES, where)
        return
    _validate_comparison(node, known, for_each, where, names)


def _one_or_more(node: Mapping, key: str, allowed: tuple[str, ...], where: str, hint: str = "") -> None:
    """``key`` holds one of ``allowed`` or a non-empty list of them."""
    values = node[key] if isinstance(node[key], list) else [node[key]]
    if not values:
        raise ConditionError(f"{where}: {key} needs at least one of {', '.join(allowed)}")
    for value in values:
        if value not in allowed:
            raise ConditionError(f"{where}: {key} must be one of {', '.join(allowed)}, got {value!r}"
                                 f"{_suggest(value, allowed)}{hint}")


def _validate_differs(node: Mapping, where: str) -> None:
    """A differs: leaf reads a test result, so it takes no op/value/than/field; min_n is a whole number >= 1."""
    if "differs" not in node:
        raise ConditionError(f"{where}: min_n goes with differs: (the least n on each side of the test)")
    extra = [key for key in ("op", "value", "than", "field") if key in node]
    if extra:
        raise ConditionError(f"{where}: a differs test takes no {', '.join(extra)}; it reads the test's result "
                             f"(add a separate leaf with op: for a threshold)")
    _one_or_more(node, "differs", DIFFERENCES, where,
                 " (no clear difference never makes a test hold: write not: {... differs: higher} to require "
                 "'not higher outside noise')")
    if "min_n" in node:
        min_n = node["min_n"]
        if not isinstance(min_n, int) or isinstance(min_n, bool) or min_n < 1:
            raise ConditionError(f"{where}: min_n must be a whole number of at least 1, got {min_n!r}")


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


def _requires(node: Any, is_test: Callable[[Mapping], bool]) -> bool:
    """True when the condition cannot hold unless some leaf passing `is_test` holds.

    A leaf under `not` never counts (it holds when the test did not); an `all` needs one such
    child, an `any` needs one in every branch, since any branch alone can make it hold.
    """
    if not isinstance(node, Mapping) or "not" in node:
        return False
    if "all" in node:
        return any(_requires(child, is_test) for child in node["all"])
    if "any" in node:
        return all(_requires(child, is_test) for child in node["any"])
    return is_test(node)


def _is_direction_leaf(node: Mapping) -> bool:
    """{metric: M, change: up} or change: [up, down]: a move against the baseline outside noise."""
    if "metric" not in node or "change" not in node:
        return False
    changes = node["change"] if isinstance(node["change"], list) else [node["change"]]
    return bool(changes) and set(changes) <= DIRECTIONS


def _is_differs_leaf(node: Mapping) -> bool:
    """{..., differs: higher}: a difference between two groups outside noise."""
    return "differs" in node


def has_direction_test(node: Any) -> bool:
    """True when the condition requires some metric's change (against the baseline) to be up or down."""
    return _requires(node, _is_direction_leaf)


def has_test(node: Any) -> bool:
    """True when the condition requires a noise test to show a difference (change up/down or differs:)."""
    return _requires(node, lambda leaf: _is_direction_leaf(leaf) or _is_differs_leaf(leaf))


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
    return _number(_at(_get(doc, "breakdowns"), _breakdown_path(ref)))


def _breakdown_path(node: Mapping) -> str:
    return node["breakdown"] + ("." + node["path"] if node.get("path") else "")


def _at(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = _get(data, part)
    return data


def _test_block(node: Mapping, doc: Mapping, team: str | None) -> tuple[Any, Any, Any]:
    """The test a differs: leaf reads, with the n of its two sides (this team / AI-assisted first)."""
    if "breakdown" in node:
        block = _at(_get(doc, "breakdowns"), _breakdown_path(node))
        sizes = _get(block, "n")
        return block, _get(sizes, "ai"), _get(sizes, "non_ai")
    if node.get("scope") == "team":
        entry = _metric_entry(doc, node, team)
        block = _get(entry, "vs_rest")
        return block, _get(entry, "n"), _get(block, "rest_n")
    block = _get(_get(_get(doc, "metrics"), node["metric"]), "cohort_difference")
    sizes = _get(block, "n")
    return block, _get(sizes, "ai"), _get(sizes, "non_ai")


def _differs(node: Mapping, doc: Mapping, team: str | None) -> bool | None:
    """Whether the test says higher / lower outside noise; unknown without a test or below min_n."""
    block, n, other_n = _test_block(node, doc, team)
    change = _get(block, "change")
    if not isinstance(change, str) or change not in DIFFERS_CHANGE:
        return None  # insufficient_data, a withheld team, no test in the document
    if "min_n" in node:
        if _number(n) is None or _number(other_n) is None or min(n, other_n) < node["min_n"]:
            return None
    wanted = node["differs"] if isinstance(node["differs"], list) else [node["differs"]]
    return DIFFERS_CHANGE[change] in wanted


def _leaf(node: Mapping, doc: Mapping, team: str | None) -> bool | None:
    if "differs" in node:
        return _differs(node, doc, team)
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


def _sides(parent: Any, name: str) -> tuple[Any, Any, str | None]:
    """The two figures a breakdown test block compares, found next to it by the metrics.json naming.

    flow_by_size.large.review_time_test -> flow_by_size.large.{ai,non_ai}.review_time_hours;
    reverts.cohort_difference -> reverts.by_cohort.{ai,non_ai}.rate.
    """
    if name.endswith("_test"):
        key = name[: -len("_test")] + "_hours"
        return _get(_get(parent, "ai"), key), _get(_get(parent, "non_ai"), key), "hours"
    if name == "cohort_difference":
        cohorts = _get(parent, "by_cohort")
        return _get(_get(cohorts, "ai"), "rate"), _get(_get(cohorts, "non_ai"), "rate"), "ratio"
    return None, None, None


def _interval(value: Any) -> list[float] | None:
    ok = isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_number(v) for v in value)
    return [value[0], value[1]] if ok else None


def _evidence(path: str, compares: str, subject: dict, unit: Any, test: Any, difference: Any, sides: tuple) -> dict:
    """One test's evidence in the shape every item's `tests` list uses."""
    n, other_n, side, other = sides
    return {"path": path, "compares": compares, **subject, "unit": unit if isinstance(unit, str) else None,
            "value": _number(difference), "interval": _interval(_get(test, "interval")),
            "change": _get(test, "change"),
            "test": _get(test, "test") if isinstance(_get(test, "test"), str) else None,
            "n": _number(n), "other_n": _number(other_n), "side_value": _number(side), "other_value": _number(other)}


def _differs_record(node: Mapping, doc: Mapping, team: str | None) -> dict[str, Any]:
    block, n, other_n = _test_block(node, doc, team)
    if "breakdown" in node:
        path = _breakdown_path(node)
        parent, _, name = path.rpartition(".")
        side, other, unit = _sides(_at(_get(doc, "breakdowns"), parent) if parent else None, name)
        return _evidence(f"breakdowns.{path}", "ai_vs_other", {"breakdown": path}, unit, block,
                         _get(block, "value"), (n, other_n, side, other))
    metric = node["metric"]
    entry = _get(_get(doc, "metrics"), metric)
    if node.get("scope") == "team":
        side, other = _get(_get(_get(entry, "by_team"), team), "value"), _get(block, "rest_value")
        path, compares = f"metrics.{metric}.by_team.{team}.vs_rest", "team_vs_rest"
    else:
        cohorts = _get(entry, "by_cohort")
        side, other = _get(_get(cohorts, "ai"), "value"), _get(_get(cohorts, "non_ai"), "value")
        path, compares = f"metrics.{metric}.cohort_difference", "ai_vs_other"
    return _evidence(path, compares, {"metric": metric}, _get(entry, "unit"), block, _get(block, "value"),
                     (n, other_n, side, other))


def _record(node: Mapping, doc: Mapping, team: str | None) -> dict[str, Any] | None:
    """The evidence of one test leaf: {path, compares, metric|breakdown, unit, value (the difference),
    interval, change, test, n, other_n, side_value, other_value}; None for a leaf that is not a test."""
    if "differs" in node:
        return _differs_record(node, doc, team)
    if "metric" in node and "change" in node and not node.get("scope") and not node.get("cohort"):
        entry = _get(_get(doc, "metrics"), node["metric"])
        if _get(entry, "change") not in ("up", "down", "flat"):
            return None  # 'insufficient_data' held: there is no test to show
        sides = (_get(entry, "n"), _get(entry, "baseline_n"), _get(entry, "value"), _get(entry, "baseline"))
        return _evidence(f"metrics.{node['metric']}", "period_vs_baseline", {"metric": node["metric"]},
                         _get(entry, "unit"), entry, _get(entry, "delta"), sides)
    return None


def _collect(node: Mapping, doc: Mapping, team: str | None, wanted: bool, out: list[dict]) -> None:
    """Test leaves whose result gave the node the truth value `wanted` (False under a `not`)."""
    if "not" in node:
        _collect(node["not"], doc, team, not wanted, out)
        return
    for key in ("all", "any"):
        if key in node:
            for child in node[key]:
                if _truth(child, doc, team) is wanted:
                    _collect(child, doc, team, wanted, out)
            return
    record = _record(node, doc, team)
    if record is not None and all(record["path"] != seen["path"] for seen in out):
        out.append(record)


def held_tests(node: Mapping, doc: Mapping, team: str | None = None) -> list[dict[str, Any]]:
    """For a condition that holds: the evidence of each noise test (differs: or change:) it rests on,
    in the order the condition names them; a `not` contributes the tests that did not hold."""
    out: list[dict[str, Any]] = []
    if isinstance(doc, Mapping) and _truth(node, doc, team) is True:
        _collect(node, doc, team, True, out)
    return out


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
