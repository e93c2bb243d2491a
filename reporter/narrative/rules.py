"""The rule file format: loading YAML rule folders, validating every rule, merging overrides.

A rule is checked completely when it is loaded (keys, kind, cadences, condition, template, filters),
so a typo in a user's override fails the build with the file, line and rule id, instead of
silently never firing. Folders are merged in order: a later folder replaces a rule by id or adds one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

from reporter.cadences import NAMES as CADENCES  # the one table of cadences
from reporter.config import MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, MAX_CONFIG_VALUES, bracket_depth, expanded_size
from reporter.errors import ConfigError
from reporter.metrics import catalogue

from . import conditions, phrasing

KINDS = ("story", "learning", "action", "decision", "warning")
FOR_EACH = ("team", "release")
# The metric names of metrics.json, from the one catalogue (reporter.metrics.catalogue).
KNOWN_METRICS: frozenset[str] = catalogue.IDS
REQUIRED_KEYS = ("id", "kind", "cadences", "when", "text")
OPTIONAL_KEYS = ("priority", "for_each", "enabled", "description", "subject")
RULE_KEYS = REQUIRED_KEYS + OPTIONAL_KEYS
FILE_KEYS = ("rules",)
DEFAULT_PRIORITY = 50
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class RuleError(ConfigError):
    """A rule file or a rule is wrong, or a rule produced a sentence that breaks an honesty check."""


@dataclass(frozen=True, eq=False)
class Rule:
    """One validated rule, with its compiled text and where it was defined."""

    id: str
    kind: str
    cadences: tuple[str, ...]
    priority: int
    for_each: str | None
    when: Mapping[str, Any]
    text: str
    source: Path
    line: int
    metrics: tuple[str, ...]
    template: jinja2.Template = field(repr=False)  # the checked text, compiled once
    enabled: bool = True
    subject: str | None = None  # what an item is about when it is not a team ("large AI-assisted PRs")

    @property
    def where(self) -> str:
        """'narratives/actions.yaml:12: rule 'cap-pr-size'' — the prefix of every message about it."""
        return f"{self.source}:{self.line}: rule {self.id!r}"

    @property
    def tests_direction(self) -> bool:
        """The condition requires a metric's change against the baseline to be up or down."""
        return conditions.has_direction_test(self.when)

    @property
    def tests_difference(self) -> bool:
        """The condition requires a noise test to show a difference (change: up/down or differs:)."""
        return conditions.has_test(self.when)


def _suggest(word: Any, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _parse_file(path: Path) -> tuple[Any, list[int], list[list[str]]]:
    """The file's data, each rule's line, and each rule's keys as written (to catch duplicate keys)."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{path}: cannot read rule file: {exc}") from None
    # The bounds of a config file (config.py) hold for rule files too: a user's narratives folder is input.
    if len(raw) > MAX_CONFIG_BYTES:
        raise RuleError(f"{path}: {len(raw):,} bytes; a rule file is at most {MAX_CONFIG_BYTES:,} bytes")
    if bracket_depth(text) > MAX_CONFIG_DEPTH:
        raise RuleError(f"{path}: YAML nested too deeply to read (more than {MAX_CONFIG_DEPTH} levels of [ or {{)")
    # One parse, with libyaml when PyYAML has it (the pure-Python loader took ~1 s per build): the node
    # tree gives each rule's line and written keys, and the same tree is constructed into the data.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleError(f"{path}{line}: YAML syntax error: {problem}") from None
    finally:
        loader.dispose()
    if expanded_size(data, MAX_CONFIG_VALUES) > MAX_CONFIG_VALUES:
        raise RuleError(f"{path}: more than {MAX_CONFIG_VALUES:,} values once YAML aliases (*name) are expanded; "
                        "a rule file never needs that many (an alias bomb?)")
    lines: list[int] = []
    keys: list[list[str]] = []
    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if key_node.value == "rules" and isinstance(value_node, yaml.SequenceNode):
                for item in value_node.value:
                    lines.append(item.start_mark.line + 1)
                    keys.append([k.value for k, _ in item.value] if isinstance(item, yaml.MappingNode) else [])
    return data, lines, keys


def load_file(path: Path, known_metrics: Iterable[str] = KNOWN_METRICS) -> list[Rule]:
    """Every rule of one YAML file, validated, in file order."""
    data, lines, keys = _parse_file(path)
    if data is None:
        return []
    if not isinstance(data, Mapping):
        raise RuleError(f"{path}: a rule file is a mapping with a 'rules:' list, got {type(data).__name__}")
    for key in data:
        if key not in FILE_KEYS:
            raise RuleError(f"{path}: unknown top-level key {key!r}{_suggest(key, FILE_KEYS)}; "
                            f"a rule file holds 'rules: [...]'")
    items = data.get("rules")
    if items is None:
        return []
    if not isinstance(items, list):
        raise RuleError(f"{path}: 'rules' must be a list of rules, got {type(items).__name__}")
    known = frozenset(known_metrics)
    rules = []
    for index, item in enumerate(items):
        line = lines[index] if index < len(lines) else 0
        written = keys[index] if index < len(keys) else []
        rules.append(_build(path, line, index, item, written, known))
    return rules


def _build(path: Path, line: int, index: int, item: Any, written: list[str], known: frozenset[str]) -> Rule:
    if not isinstance(item, Mapping):
        raise RuleError(f"{path}:{line}: rule #{index + 1} must be a mapping of keys, got {item!r}")
    rule_id = item.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        what = "has no id" if rule_id is None else f"has an invalid id {rule_id!r} (letters, digits, - _ .)"
        raise RuleError(f"{path}:{line}: rule #{index + 1} {what}")
    where = f"{path}:{line}: rule {rule_id!r}"

    def fail(problem: str) -> RuleError:
        return RuleError(f"{where}: {problem}")

    duplicates = sorted({key for key in written if written.count(key) > 1})
    if duplicates:
        raise fail(f"key {duplicates[0]!r} is given twice")
    for key in item:
        if key not in RULE_KEYS:
            raise fail(f"unknown key {key!r}{_suggest(key, RULE_KEYS)}; allowed: {', '.join(RULE_KEYS)}")
    for key in REQUIRED_KEYS:
        if key not in item:
            raise fail(f"missing key {key!r}")
    kind = item["kind"]
    if kind not in KINDS:
        raise fail(f"unknown kind {kind!r}{_suggest(kind, KINDS)}; kinds: {', '.join(KINDS)}")
    cadences = item["cadences"] if isinstance(item["cadences"], list) else [item["cadences"]]
    if not cadences:
        raise fail(f"cadences must list at least one of {', '.join(CADENCES)}")
    for cadence in cadences:
        if cadence not in CADENCES:
            raise fail(f"unknown cadence {cadence!r}{_suggest(cadence, CADENCES)}; cadences: {', '.join(CADENCES)}")
    if kind == "decision" and set(cadences) != {"monthly"}:
        raise fail("a decision appears only in the monthly report; set cadences: [monthly]")
    priority = item.get("priority", DEFAULT_PRIORITY)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise fail(f"priority must be a whole number, got {priority!r}")
    for_each = item.get("for_each")
    if for_each is not None and for_each not in FOR_EACH:
        raise fail(f"for_each must be one of {', '.join(FOR_EACH)}, got {for_each!r}{_suggest(for_each, FOR_EACH)}")
    enabled = item.get("enabled", True)
    if not isinstance(enabled, bool):
        raise fail(f"enabled must be true or false, got {enabled!r}")
    if "description" in item and not isinstance(item["description"], str):
        raise fail("description must be text")
    subject = item.get("subject")
    if subject is not None and (not isinstance(subject, str) or not subject.strip()):
        raise fail("subject must be a short text, such as 'large AI-assisted PRs'")
    if subject is not None and for_each == "team":
        raise fail("subject names what a rule is about when it is not a team; drop it or for_each: team")
    try:
        metrics = conditions.validate(item["when"], known, for_each)
    except conditions.ConditionError as exc:
        raise fail(str(exc)) from None
    text = item["text"]
    if not isinstance(text, str) or not text.strip():
        raise fail("text must be a non-empty string")
    try:
        template = phrasing.compile_text(text, known, for_each)
    except phrasing.TextError as exc:
        raise fail(str(exc)) from None
    rule = Rule(id=rule_id, kind=kind, cadences=tuple(dict.fromkeys(cadences)), priority=priority,
                for_each=for_each, when=item["when"], text=text, source=path, line=line,
                metrics=tuple(metrics), enabled=enabled, template=template,
                subject=subject.strip() if subject else None)
    if enabled:  # a switched-off rule says nothing, so its words need no test
        from . import honesty  # here, not at the top: honesty imports this module

        honesty.check_rule(rule)
    return rule


def _rule_files(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir()
                   if p.is_file() and p.suffix in (".yaml", ".yml") and not p.name.startswith(".")),
                  key=lambda p: p.name)


def load_rules(rule_dirs: Iterable[Path | str | None],
               known_metrics: Iterable[str] = KNOWN_METRICS) -> list[Rule]:
    """Load folders in order; a later folder replaces rules by id or adds rules.

    A folder that does not exist is an error naming it (None entries are skipped, for an
    unconfigured user folder); an empty folder contributes nothing. Rules switched off with
    `enabled: false` are left out. The result is sorted by (-priority, id).
    """
    known = frozenset(known_metrics)
    merged: dict[str, Rule] = {}
    for entry in rule_dirs:
        if entry is None:
            continue
        folder = Path(entry)
        if not folder.exists():
            raise RuleError(f"narrative rule folder {folder} does not exist")
        if not folder.is_dir():
            raise RuleError(f"narrative rule folder {folder} is not a folder")
        seen: dict[str, Rule] = {}
        for path in _rule_files(folder):
            for rule in load_file(path, known):
                if rule.id in seen:
                    first = seen[rule.id]
                    raise RuleError(f"{rule.where}: duplicate id, already defined at {first.source}:{first.line}")
                seen[rule.id] = rule
        merged.update(seen)
    return sorted((rule for rule in merged.values() if rule.enabled), key=lambda r: (-r.priority, r.id))
