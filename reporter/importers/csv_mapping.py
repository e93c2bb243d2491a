"""Any CSV -> any canonical dataset, through a column mapping instead of code.

A ServiceNow, Zendesk or HR export, or a spreadsheet, names its columns its own way
(``Created``, ``Resolved``, ``Department``). The mapping (``columns: {opened_at: Created}`` in an
``imports`` entry, or ``--map opened_at=Created``) says which source column fills which canonical
column; a source column already named like a canonical one is taken as it is. ``values``
translates cells (``{role: {"Software Engineer": engineer}}``), ``timezone`` says how to read
times without an offset (default: the config's ``timezone``), ``datetime_format`` (strptime) reads
a non-ISO layout such as ``%d/%m/%Y %H:%M``. The delimiter (``,``, ``;`` or tab) is read from the
header line, so a spreadsheet saved with European settings needs nothing.

Every value is checked here, against the dataset's column types, so an error names what the
person has in front of them: the ORIGINAL file, line and column, and the canonical column it
feeds: ``servicenow.csv, line 14, record 'INC0010023': column "Resolved" (resolved_at): not a
timestamp ...: 'yesterday'``. A mapped column the file lacks, or a required column with no source,
stops the file (nothing from it can be trusted).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
from decimal import Decimal, InvalidOperation
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..inputs.spec import BOOL, DATASETS, DATE, FALSE_WORDS, FLOAT, INT, LIST, TIMESTAMP, TRUE_WORDS, DatasetSpec
from .base import ImportContext, ImportFormatError, ImportResult, _read_text, bounded, iso_utc

# Columns that name a person: unified through the roster like every importer's identities.
_IDENTITY = {("pull_requests", "author"), ("commits", "author"), ("ai_usage", "person"), ("seats", "person")}


def read_delimited(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """(header, [(line, row)]) with the delimiter of the header line; ragged rows fail the file."""
    text = _read_text(path)
    name = Path(path).name
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFormatError(f"{name}: line 1: not valid CSV: {exc}") from None
    if not header or not any(h.strip() for h in header):
        raise ImportFormatError(f"{name}: empty file, expected a CSV header")
    header = [h.strip() for h in header]
    rows = []
    try:
        for fields in reader:
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                raise ImportFormatError(f"{name}: line {reader.line_num}: {len(fields)} fields where the header has "
                                        f"{len(header)} (a truncated or malformed file)")
            rows.append((reader.line_num, dict(zip(header, fields))))
    except csv.Error as exc:
        raise ImportFormatError(f"{name}: line {reader.line_num}: not valid CSV: {exc}") from None
    return header, rows


def column_plan(name: str, header: list[str], spec: DatasetSpec, columns: dict[str, str]) -> dict[str, str]:
    """canonical column -> source column for this file; a missing mapped or required column fails it."""
    plan: dict[str, str] = {}
    by_lower = {h.casefold(): h for h in header}
    for column in spec.columns:
        source = columns.get(column.name)
        if source is not None:
            if source not in header:
                near = by_lower.get(source.casefold()) or next(iter(difflib.get_close_matches(source, header, 1)), None)
                raise ImportFormatError(
                    f'{name}: no column "{source}" (mapped to {column.name})'
                    + (f'; did you mean "{near}"?' if near else f"; the header has: {', '.join(header)}"))
            plan[column.name] = source
        elif column.name.casefold() in by_lower:
            plan[column.name] = by_lower[column.name.casefold()]
    missing = [c for c in spec.required if c not in plan]
    if missing:
        raise ImportFormatError(
            f"{name}: nothing fills the required {spec.name} column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}: map {'them' if len(missing) > 1 else 'it'} with "
            + " ".join(f"--map {c}=COLUMN" for c in missing) + f" (the header has: {', '.join(header)})")
    return plan


class _Reader:
    """Converts one cell to its canonical text; ValueError says why not."""

    def __init__(self, tz: ZoneInfo, fmt: str | None) -> None:
        self.tz = tz
        self.fmt = fmt

    def moment(self, text: str) -> dt.datetime:
        parsed = None
        if self.fmt:
            try:
                parsed = dt.datetime.strptime(text, self.fmt)
            except ValueError:
                parsed = None
        if parsed is None:
            candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
            try:
                parsed = dt.datetime.fromisoformat(candidate)
            except ValueError:
                hint = f" in the format {self.fmt!r}" if self.fmt else " (ISO 8601; set datetime_format for others)"
                raise ValueError(f"not a timestamp{hint}: {text[:40]!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.tz)
        return parsed

    def convert(self, kind: str, text: str) -> Any:
        if kind == TIMESTAMP:
            return iso_utc(self.moment(text))
        if kind == DATE:
            try:
                return dt.date.fromisoformat(text).isoformat()
            except ValueError:
                pass
            try:
                moment = self.moment(text)  # always aware: a naive time is read in the time zone
            except ValueError:
                raise ValueError(f"not a date: {text[:40]!r}") from None
            return moment.astimezone(self.tz).date().isoformat()
        if kind == INT:
            cleaned = text.replace(",", "").replace("_", "")
            try:
                number = Decimal(cleaned)
            except InvalidOperation:
                raise ValueError(f"not a whole number: {text[:40]!r}") from None
            if not number.is_finite() or number != number.to_integral_value():
                raise ValueError(f"not a whole number: {text[:40]!r}")
            return str(int(bounded(number, "number")))
        if kind == FLOAT:
            try:
                number = Decimal(text.replace(",", ""))
            except InvalidOperation:
                raise ValueError(f"not a number: {text[:40]!r}") from None
            if not number.is_finite():
                raise ValueError(f"not a number: {text[:40]!r}")
            return format(bounded(number, "number"), "f")
        if kind == BOOL:
            word = text.casefold()
            if word in TRUE_WORDS:
                return "true"
            if word in FALSE_WORDS:
                return "false"
            raise ValueError(f"not true/false (yes/no, 1/0): {text[:40]!r}")
        if kind == LIST:
            parts = text.split(";") if ";" in text else text.split(",")
            return ";".join(p.strip() for p in parts if p.strip())
        return text


def import_csv(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """Rows of ``options['dataset']`` from CSV files through ``options['columns']`` (module doc)."""
    opts = ctx.options
    dataset = opts.get("dataset")
    if dataset not in DATASETS:
        raise ImportFormatError("the csv source needs --dataset (or dataset: in the imports entry): "
                                f"one of {', '.join(DATASETS)}")
    spec = DATASETS[dataset]
    columns: dict[str, str] = dict(opts.get("columns") or {})
    unknown = [c for c in columns if c not in {col.name for col in spec.columns}]
    if unknown:
        raise ImportFormatError(f"--map {unknown[0]}=...: {dataset} has no column {unknown[0]!r}; its columns: "
                                f"{', '.join(c.name for c in spec.columns)}")
    values: dict[str, dict[str, str]] = dict(opts.get("values") or {})
    zone = opts.get("timezone") or (ctx.config.timezone if ctx.config is not None else "UTC")
    reader = _Reader(ZoneInfo(zone), opts.get("datetime_format"))
    result = ImportResult()
    for path in paths:
        name = Path(path).name
        header, rows = read_delimited(Path(path))
        plan = column_plan(name, header, spec, columns)
        for line, row in rows:
            out = _row(name, line, row, plan, spec, values, reader, ctx, result)
            if out is not None:
                result.add(dataset, out)
        unused = [h for h in header if h not in plan.values()]
        if unused and rows:
            result.notes.append(f"{name}: {len(unused)} columns not mapped, left out: "
                                f"{', '.join(unused[:8])}{', ...' if len(unused) > 8 else ''}")
    if result.rows.get(dataset):
        shown = ", ".join(f"{c} <- {s!r}" for c, s in sorted(columns.items()) if c in {x.name for x in spec.columns})
        result.notes.append(f"{dataset} from {len(paths)} file{'s' if len(paths) != 1 else ''}"
                            + (f" ({shown})" if shown else "") + f"; times without an offset read in {zone}")
    return result


def _row(name: str, line: int, row: dict[str, str], plan: dict[str, str], spec: DatasetSpec,
         values: dict[str, dict[str, str]], reader: _Reader, ctx: ImportContext,
         result: ImportResult) -> dict[str, str] | None:
    """One source row as a canonical row, or None after reporting why not (original names)."""
    record = row.get(plan[spec.id_column]) if spec.id_column in plan else None
    record = record.strip() if record and record.strip() else None
    out: dict[str, str] = {}
    for column in spec.columns:
        source = plan.get(column.name)
        if source is None:
            continue
        text = (row.get(source) or "").strip()
        table = values.get(column.name)
        if table and text:
            text = table.get(text, next((v for k, v in table.items() if k.casefold() == text.casefold()), text))
        where = f'column "{source}" ({column.name})'
        if not text:
            if column.required:
                result.issue(name, line, f"{where}: empty, but {column.name} is required", record)
                return None
            continue
        try:
            value = reader.convert(column.kind, text)
        except ValueError as exc:
            result.issue(name, line, f"{where}: {exc}", record)
            return None
        if column.non_negative and value.startswith("-"):
            result.issue(name, line, f"{where}: negative: {text!r}", record)
            return None
        if (spec.name, column.name) in _IDENTITY:
            value = ctx.people.resolve(value, "csv")
        out[column.name] = value
    for order in spec.orders:
        if order.earlier in out and order.later in out and _later_is_before(out, order, spec):
            result.issue(name, line, f'column "{plan[order.later]}" ({order.later}) is before column '
                                     f'"{plan[order.earlier]}" ({order.earlier})', record)
            return None
    return out


def _later_is_before(out: dict[str, str], order: Any, spec: DatasetSpec) -> bool:
    kind = spec.column(order.later).kind
    parse: Callable[[str], dt.date]  # a datetime is a date: both compare within their kind
    if kind == TIMESTAMP:
        parse = lambda t: dt.datetime.fromisoformat(t[:-1] + "+00:00")  # noqa: E731  (iso_utc text)
    else:
        parse = dt.date.fromisoformat
    return parse(out[order.later]) < parse(out[order.earlier])
