"""Per-source import options: what each source accepts, validated once for the config and the CLI.

An ``imports:`` entry in ``reporter.yaml`` carries them beside ``source`` and ``paths``
(``fields: {initiative: customfield_10011}``, ``escaped_defect: {labels: [...]}``, ``dataset:``,
``columns:`` ...); ``reporter import SOURCE --config FILE`` reads the same entry, so a mapping
written once serves both. Validation raises ``OptionError`` naming the key, so the config parser
and the CLI can each say where it is.

Flag rules (``strategic``, ``escaped_defect``, ``ai_assisted``) decide a work item's boolean
columns from its labels, its type or one field. True when any part matches; false when the
export holds the evidence (a labels list, a type, the field) and nothing matches; empty when it
holds none of it, because "not labelled" is only evidence when labels were exported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..inputs.spec import DATASETS, FALSE_WORDS

FLAGS = ("strategic", "escaped_defect", "ai_assisted")
WORK_ITEM_FIELDS = ("initiative", "team") + FLAGS
_WORK_ITEM_OPTIONS = {"fields": "fields", "team": "text", "team_map": "names", **{f: "rule" for f in FLAGS}}

# source -> option -> kind
SOURCE_OPTIONS: dict[str, dict[str, str]] = {
    "jira": _WORK_ITEM_OPTIONS,
    "linear": _WORK_ITEM_OPTIONS,
    "github-teams": {"team_map": "names"},
    "github-releases": {"team": "text"},
    "csv": {"dataset": "dataset", "columns": "columns", "values": "values", "timezone": "timezone",
            "datetime_format": "text"},
}
_FIELD_KEYS = {"jira": WORK_ITEM_FIELDS + ("epic_link",), "linear": WORK_ITEM_FIELDS}
_RULE_KEYS = ("labels", "types", "field", "values")

# Documented defaults: a label decides unless the configuration says otherwise.
DEFAULT_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "escaped_defect": {"labels": ("escaped-defect", "production-bug")},
    "ai_assisted": {"labels": ("ai-assisted",)},
    "strategic": {"labels": ("strategic",)},
}


class OptionError(ValueError):
    """A bad option: ``key`` is its path inside the import entry (``columns.opened_at``)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


def option_names(source: str) -> tuple[str, ...]:
    return tuple(SOURCE_OPTIONS.get(source, {}))


def sources_with(option: str) -> list[str]:
    return [s for s, opts in SOURCE_OPTIONS.items() if option in opts]


def parse_options(source: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validated, normalised options of one import; unknown or misplaced keys are errors."""
    allowed = SOURCE_OPTIONS.get(source, {})
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in allowed:
            others = sources_with(key)
            raise OptionError(key, f"does not apply to {source}"
                              + (f" (it applies to {', '.join(others)})" if others else ""))
        if value is None:
            continue
        out[key] = _PARSERS[allowed[key]](source, key, value)
    if source == "csv":
        _check_csv(out)
    return out


def _text(source: str, key: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
        raise OptionError(key, f"expected a non-empty string, got {value!r}")
    return str(value).strip()


def _texts(key: str, value: Any) -> tuple[str, ...]:
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, (list, tuple)):
        raise OptionError(key, f"expected a list of strings, got {type(value).__name__}")
    return tuple(_text("", key, v) for v in value)


def _names(source: str, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise OptionError(key, "expected a mapping such as {SOURCE-NAME: team}")
    return {_text(source, key, k): _text(source, f"{key}.{k}", v) for k, v in value.items()}


def _fields(source: str, key: str, value: Any) -> dict[str, str]:
    fields = _names(source, key, value)
    allowed = _FIELD_KEYS.get(source, WORK_ITEM_FIELDS)
    for name in fields:
        if name not in allowed:
            raise OptionError(f"{key}.{name}", f"unknown field; allowed: {', '.join(allowed)}")
    return fields


def _rule(source: str, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise OptionError(key, "expected a mapping with labels, types, field and/or values")
    out: dict[str, Any] = {}
    for part, v in value.items():
        if part not in _RULE_KEYS:
            raise OptionError(f"{key}.{part}", f"unknown rule key; allowed: {', '.join(_RULE_KEYS)}")
        out[part] = _text(source, f"{key}.{part}", v) if part == "field" else _texts(f"{key}.{part}", v)
    if "values" in out and "field" not in out:
        raise OptionError(f"{key}.values", "values need a field to read them from")
    return out


def _dataset(source: str, key: str, value: Any) -> str:
    name = _text(source, key, value)
    if name not in DATASETS:
        raise OptionError(key, f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    return name


def _columns(source: str, key: str, value: Any) -> dict[str, str]:
    return _names(source, key, value)


def _values(source: str, key: str, value: Any) -> dict[str, dict[str, str]]:
    if not isinstance(value, Mapping):
        raise OptionError(key, "expected {column: {source value: canonical value}}")
    out = {}
    for column, table in value.items():
        if not isinstance(table, Mapping):
            raise OptionError(f"{key}.{column}", "expected {source value: canonical value}")
        out[_text(source, key, column)] = {str(k): "" if v is None else str(v) for k, v in table.items()}
    return out


def _timezone(source: str, key: str, value: Any) -> str:
    name = _text(source, key, value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise OptionError(key, f"unknown IANA time zone {name!r} (for example Europe/Berlin or UTC)") from None
    return name


_PARSERS: dict[str, Callable[[str, str, Any], Any]] = {
    "text": _text, "names": _names, "fields": _fields, "rule": _rule, "dataset": _dataset,
    "columns": _columns, "values": _values, "timezone": _timezone,
}


def _check_csv(options: dict[str, Any]) -> None:
    """Columns and value tables name columns of the chosen dataset."""
    dataset = options.get("dataset")
    if dataset is None:
        raise OptionError("dataset", "the csv source needs the dataset its file holds (--dataset incidents, "
                                     "or dataset: incidents in the imports entry)")
    known = [c.name for c in DATASETS[dataset].columns]
    for key in ("columns", "values"):
        for column in options.get(key, {}):
            if column not in known:
                raise OptionError(f"{key}.{column}", f"{dataset} has no column {column!r}; its columns: "
                                                     f"{', '.join(known)}")


def parse_map_flags(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``--map opened_at=Created`` flags as {canonical column: source column}."""
    out: dict[str, str] = {}
    for item in items:
        column, sep, source = item.partition("=")
        if not sep or not column.strip() or not source.strip():
            raise OptionError("--map", f"expected CANONICAL=SOURCE COLUMN, got {item!r}")
        out[column.strip()] = source.strip()
    return out


# ---------------------------------------------------------------------------
# Flag rules


@dataclass(frozen=True)
class FlagRule:
    labels: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    field: str | None = None
    values: tuple[str, ...] = ()

    def decide(self, labels: list[str] | None, kind: str | None,
               lookup: Callable[[str], tuple[bool, Any]]) -> bool | None:
        """True on any match; False when some evidence was exported and none matched; else None."""
        evidence = False
        if self.labels and labels is not None:
            evidence = True
            if {x.casefold() for x in labels} & {x.casefold() for x in self.labels}:
                return True
        if self.types and kind:
            evidence = True
            if kind.casefold() in {x.casefold() for x in self.types}:
                return True
        if self.field:
            present, value = lookup(self.field)
            if present:
                evidence = True
                if field_matches(value, self.values):
                    return True
        return False if evidence else None


def flag_rule(options: Mapping[str, Any], flag: str) -> FlagRule:
    """The configured rule for ``flag`` (else its documented default); ``fields.<flag>`` adds a field."""
    spec = dict(options.get(flag) or DEFAULT_RULES[flag])
    shorthand = (options.get("fields") or {}).get(flag)
    if shorthand and "field" not in spec:
        spec["field"] = shorthand
    return FlagRule(tuple(spec.get("labels", ())), tuple(spec.get("types", ())), spec.get("field"),
                    tuple(spec.get("values", ())))


def field_texts(value: Any) -> list[str]:
    """The words a field holds: an option's value/name, each element of a list, a scalar as text."""
    if value is None:
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (int, float)):
        return [str(value).removesuffix(".0")]
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, Mapping):
        for key in ("value", "name", "title", "key", "displayName"):
            if isinstance(value.get(key), (str, int, float)) and not isinstance(value.get(key), bool):
                return field_texts(value[key])
        return []
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in field_texts(v)]
    return [str(value)]


def field_matches(value: Any, values: tuple[str, ...]) -> bool:
    """With ``values``: the field holds one of them; without: it holds anything but a false word."""
    texts = [t.casefold() for t in field_texts(value)]
    if values:
        return bool(set(texts) & {v.casefold() for v in values})
    return any(t not in FALSE_WORDS for t in texts)


def field_text(value: Any) -> str | None:
    """A field as one text (an initiative, a team): the first word it holds, or None."""
    texts = field_texts(value)
    return texts[0] if texts else None


def options_for_run(config: Any, source: str, paths: list, given: Mapping[str, Any]) -> dict[str, Any]:
    """``reporter import``'s options: the config's ``imports`` entry for this source, then the flags.

    With several entries for the source, the one whose ``dataset`` equals ``--dataset``, else the
    one listing the same files, is used; an ambiguous choice is an error, never a guess.
    """
    from pathlib import Path

    from ..errors import InputError

    entries = [e for e in getattr(config, "imports", ()) if e.source == source]
    if len(entries) > 1 and given.get("dataset"):
        entries = [e for e in entries if e.options.get("dataset") == given["dataset"]]
    if len(entries) > 1:
        wanted = {Path(p).resolve() for p in paths}
        entries = [e for e in entries if wanted & {p.resolve() for p in config.import_paths(e)}] or entries
    if len(entries) > 1:
        raise InputError(f"the config has {len(entries)} imports entries for {source}; pass --dataset or the "
                         "files one of them lists, so its options are not guessed")
    merged = dict(entries[0].options) if entries else {}
    for key, value in given.items():
        if value in (None, (), {}):
            continue
        merged[key] = {**merged.get(key, {}), **value} if key == "columns" else value
    if source not in SOURCE_OPTIONS:
        return merged  # run_import says which flag does not apply
    try:
        return parse_options(source, merged)
    except OptionError as exc:
        column = exc.key.removeprefix("columns.")
        where = f"--map {column}=..." if column in (given.get("columns") or {}) else f"option {exc.key}"
        raise InputError(f"{source}: {where}: {exc.message}") from None
