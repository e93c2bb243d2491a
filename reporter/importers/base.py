"""What every importer shares: the result it returns, the issues it reports, and safe readers.

An importer turns one tool's native export into rows of the canonical datasets
(DESIGN.md section 4). Rows are plain text dicts, exactly as a canonical CSV would hold them
(ISO 8601 timestamps in UTC with ``Z``, ``;``-joined lists, decimal strings for money), so the
same validation that guards hand-written CSVs guards imported data too.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .. import jsontext
from ..errors import InputError
from .people import PeopleMap

# The years the loader accepts (inputs/validate.py FIRST_YEAR, LAST_YEAR; not imported from there,
# which would load pandas for `reporter --help`; tests/test_fuzz.py checks they agree).
FIRST_YEAR, LAST_YEAR = 1900, 2199

_EPOCH_MIN = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.timezone.utc).timestamp()
_EPOCH_MAX = dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.timezone.utc).timestamp()


class ImportFormatError(InputError):
    """A file that cannot be read at all (truncated, not JSON, wrong shape): no row can be trusted."""


@dataclass(frozen=True)
class ImportIssue:
    """One bad record: skipped from the import, listed for the person who ran it."""

    file: str
    line: int | None  # line in the file (CSV header = line 1, NDJSON line), or 1-based record number
    reason: str
    record: str | None = None  # the record's id, when it has one

    def describe(self) -> str:
        where = self.file + (f", line {self.line}" if self.line is not None else "")
        if self.record:
            where += f", record {self.record!r}"
        return f"{where}: {self.reason}"


@dataclass
class ImportResult:
    """Canonical rows per dataset plus every record that could not be used, and notes on limits."""

    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    issues: list[ImportIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the format cannot tell (e.g. org-level only)

    def add(self, dataset: str, row: dict[str, Any]) -> None:
        """Add one canonical row; None and '' become missing, everything else text."""
        cells = ((k, canonical_text(v)) for k, v in row.items())
        self.rows.setdefault(dataset, []).append({k: text for k, text in cells if text != ""})

    def issue(self, file: str | Path, line: int | None, reason: str, record: Any = None) -> None:
        self.issues.append(ImportIssue(Path(file).name, line, reason, None if record is None else str(record)))

    def extend(self, other: "ImportResult") -> None:
        for dataset, rows in other.rows.items():
            self.rows.setdefault(dataset, []).extend(rows)
        self.issues.extend(other.issues)
        self.notes.extend(n for n in other.notes if n not in self.notes)


def canonical_text(value: Any) -> str:
    """The text a canonical CSV cell holds for ``value``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join(canonical_text(v) for v in value if canonical_text(v))
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if not math.isfinite(value):  # nan is missing; inf stays visible, and validation refuses it
            return "" if math.isnan(value) else repr(value)
        return repr(value) if value != int(value) else str(int(value))
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, dict):  # an object where text was expected: kept visible, as the loader reads JSON
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


# ---------------------------------------------------------------------------
# Values


def iso_utc(value: dt.datetime) -> str:
    """``2026-03-01T12:00:00Z``; a naive datetime is taken as UTC (API exports are UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    text = value.isoformat(timespec="seconds" if not value.microsecond else "microseconds")
    return text + "Z"


def parse_time(value: Any) -> dt.datetime | None:
    """An API timestamp (ISO 8601 with Z or offset, or epoch seconds) as an aware UTC datetime.

    Raises ValueError with a readable reason; None/'' is missing.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not _EPOCH_MIN <= value < _EPOCH_MAX:  # also nan and inf
            raise ValueError(f"out of range: epoch seconds {short(value)} are not in the years "
                             f"{FIRST_YEAR}-{LAST_YEAR}")
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 timestamp, got {type(value).__name__} {short(value)}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {short(value)}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise ValueError(f"out of range: {short(value)} is not in the years {FIRST_YEAR}-{LAST_YEAR}")
    try:
        return parsed.astimezone(dt.timezone.utc)
    except OverflowError:  # unreachable within the years above; kept for an offset at their edge
        raise ValueError(f"out of range: {short(value)}") from None


def short(value: Any, limit: int = 40) -> str:
    """A value quoted for a message, cut to ``limit`` characters (a hostile value may be huge)."""
    try:
        text = value if isinstance(value, str) else json.dumps(value, default=str)[: limit + 1]
    except (ValueError, RecursionError):
        text = type(value).__name__
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


def money_from_cents(value: Any) -> Decimal:
    """Cents (int or decimal string) to currency units, exactly: 1234 -> Decimal('12.34')."""
    try:
        cents = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not an amount in cents: {short(value)}") from None
    if not cents.is_finite():
        raise ValueError(f"not an amount in cents: {short(value)}")
    return bounded(cents, "amount in cents") / 100


def money(value: Any) -> Decimal:
    """An amount in currency units (dollars, euros) as an exact decimal."""
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"not an amount: {short(value)}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {short(value)}")
    return bounded(amount, "amount")


def bounded(number: Decimal, what: str) -> Decimal:
    """``number`` when its magnitude is one a CSV cell can hold: 1e-12 to below 1e16 (or 0). Written
    out in full, 1e999999999 would be a gigabyte of digits; the loader refuses beyond 1e15 anyway."""
    if number and not -12 <= number.adjusted() <= 15:
        raise ValueError(f"{what} out of range: {short(str(number))} (expected at most 1e15 and at least 1e-12)")
    return number


# ---------------------------------------------------------------------------
# Readers: a file that cannot be parsed fails with file, line and column, never a traceback


def _read_text(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ImportFormatError(f"{path}: is a folder, expected a file") from None
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{Path(path).name}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read: {exc.strerror or exc}") from None


def load_json(path: Path) -> Any:
    """Parse a whole JSON document; a truncated or malformed file names its line and column."""
    text = _read_text(path)
    if not text.strip():
        raise ImportFormatError(f"{Path(path).name}: empty file, expected JSON")
    try:
        return json_loads(text, Path(path).name)
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) else ""
        raise ImportFormatError(
            f"{Path(path).name}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}{hint}") from None


def json_loads(text: str, where: str) -> Any:
    """``json.loads``; nesting too deep or a number too long fail the file naming it (JSONDecodeError passes)."""
    return jsontext.loads(text, where, ImportFormatError)


def iter_ndjson(path: Path, result: ImportResult) -> Iterator[tuple[int, dict]]:
    """(line number, object) per non-blank line; a bad line is an issue, the others still count."""
    text = _read_text(path)
    name = Path(path).name
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = jsontext.decode(line)
        except json.JSONDecodeError as exc:
            result.issue(name, number, f"not valid JSON at column {exc.colno}: {exc.msg}")
            continue
        except (RecursionError, ValueError) as exc:  # too deep, or an integer of more than 4,300 digits
            result.issue(name, number, jsontext.unreadable(exc) or str(exc))
            continue
        if not isinstance(obj, dict):
            result.issue(name, number, f"expected a JSON object, got {type(obj).__name__}")
            continue
        yield number, obj


def read_csv_dicts(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(line number, row)]) of a CSV with or without a BOM; ragged rows fail the file."""
    text = _read_text(path)
    name = Path(path).name
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFormatError(f"{name}: line 1: not valid CSV: {exc}") from None
    if not header:
        raise ImportFormatError(f"{name}: empty file, expected a CSV header")
    header = [h.strip() for h in header]
    rows = []
    try:
        for fields in reader:
            line = reader.line_num
            if not fields or fields == [""]:
                continue
            if len(fields) != len(header):
                raise ImportFormatError(
                    f"{name}: line {line}: {len(fields)} fields where the header has {len(header)}"
                    " (a truncated or malformed file)")
            rows.append((line, dict(zip(header, fields))))
    except csv.Error as exc:
        raise ImportFormatError(f"{name}: line {reader.line_num}: not valid CSV: {exc}") from None
    return header, rows


def load_json_or_ndjson(path: Path, result: ImportResult) -> tuple[str, Any]:
    """('json', document), ('ndjson', [(line, object)]) or ('text', None), judged by content.

    A file whose first non-blank line is a complete JSON object and that has more lines is
    NDJSON (a bad line is an issue, the others count); any other file starting with ``{`` or
    ``[`` is one JSON document, and a truncated one fails naming its line and column.
    """
    text = _read_text(path)
    stripped = text.lstrip()
    if not stripped:
        raise ImportFormatError(f"{path.name}: empty file")
    if stripped[0] not in "[{":
        return "text", None
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and stripped[0] == "{":
        try:
            first = jsontext.decode(lines[0])
        except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
            first = None
        if isinstance(first, dict):
            return "ndjson", list(iter_ndjson(path, result))
    return "json", load_json(path)


def count(record: dict, key: str, required: bool = False) -> int | None:
    """A non-negative integer count; absent is None (or an error when ``required``)."""
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise ValueError(f"no {key}")
        return None
    if isinstance(value, bool):
        raise ValueError(f"{key} is not a count: {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdecimal():
        value = int(value.strip())
    if not isinstance(value, int):
        raise ValueError(f"{key} is not a whole number: {value!r}")
    if value < 0:
        raise ValueError(f"{key} is negative: {value}")
    return value


def day_of(value: Any, what: str = "day") -> dt.date:
    """A calendar day from ``YYYY-MM-DD`` or an ISO timestamp (taken in UTC)."""
    if value is None or value == "":
        raise ValueError(f"no {what}")
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        stamp = parse_time(text)
    except ValueError:
        raise ValueError(f"{what} is not a date: {text[:40]!r}") from None
    if stamp is None:  # only blanks: parse_time calls it missing
        raise ValueError(f"no {what}")
    return stamp.date()


def dict_of(value: Any) -> dict:
    """``value`` if it is a JSON object, else {}: exports leave optional objects out, null or malformed."""
    return value if isinstance(value, dict) else {}


def list_of(value: Any) -> list:
    """``value`` if it is a JSON array, else []: exports leave optional arrays out, null or malformed."""
    return value if isinstance(value, list) else []


def require_keys(record: dict, keys: tuple[str, ...]) -> list[str]:
    """The keys of ``keys`` that ``record`` lacks or holds empty."""
    return [k for k in keys if record.get(k) in (None, "")]


# An importer: (files, context) -> result. Registered by source name in ``registry``.
Importer = Callable[[list[Path], "ImportContext"], ImportResult]


@dataclass
class ImportContext:
    """What an importer may consult: the people map (identities) and the configuration."""

    people: PeopleMap
    config: Any  # reporter.config.Config
    options: dict[str, Any] = field(default_factory=dict)  # source-specific: text, flags, maps (team_map)

