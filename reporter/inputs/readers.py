"""Read one input file into a frame of raw text values, with the row number a person would look up.

Everything is read as text (empty = missing) so that validation sees exactly what the file
says and can quote it back. Row numbers: CSV counts the header as row 1 (as a spreadsheet
shows it), NDJSON uses the line number, JSON and Parquet the 1-based record number.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .. import jsontext
from ..errors import InputError

ROW = "_row"


def read_file(path: Path) -> pd.DataFrame:
    """Return the file's records as text columns plus a ``_row`` column."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        df, first_row = _read_csv(path), 2
    elif suffix == ".parquet":
        df, first_row = _read_parquet(path), 1
    elif suffix in (".ndjson", ".jsonl"):
        return _read_ndjson(path)
    elif suffix == ".json":
        df, first_row = _read_json(path), 1
    else:  # pragma: no cover - guarded by the caller
        raise InputError(f"{path.name}: unsupported file type {suffix}")
    df.columns = unique_names([str(c) for c in df.columns], path.name)
    df[ROW] = np.arange(first_row, first_row + len(df), dtype=np.int64)
    return df


def unique_names(names: list[str], where: str) -> list[str]:
    """Column names with surrounding blanks stripped; two columns of one name fail the file
    (which of them holds the value cannot be known)."""
    stripped = [str(n).strip() for n in names]
    seen: set[str] = set()
    for name in stripped:
        if name in (ROW, "_file"):
            raise InputError(f"{where}: column name {name!r} is reserved for the row number and file a "
                             "problem is reported with; rename the column")
        if name in seen:
            raise InputError(f"{where}: column {name[:60]!r} appears more than once in the header; "
                             "rename or remove one of them")
        seen.add(name)
    return stripped


def _read_csv(path: Path) -> pd.DataFrame:
    """Every column as text via pyarrow (multi-threaded; quoted newlines allowed; BOM skipped).

    A malformed line (wrong number of fields) fails the file: which record it was meant to be
    cannot be known, so skipping it would lose data without a trace.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name}: not UTF-8 text (byte {exc.start}): save the file as UTF-8") from exc
    if not header:
        return pd.DataFrame()
    bad: list = []

    def on_invalid(row) -> str:
        bad.append(row)
        return "error"

    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError) as exc:
        if bad:
            row = bad[0]
            number = row.number if row.number is not None else _line_of(path, row.text)
            where = f"line {number}" if number is not None else "a line"
            raise InputError(f"{path.name}: malformed CSV at {where}: expected {row.expected_columns} fields, "
                             f"got {row.actual_columns}: {row.text[:80]!r}") from exc
        message = str(exc)
        if "UTF8" in message or "utf8" in message.lower():
            raise InputError(f"{path.name}: not UTF-8 text: save the file as UTF-8") from exc
        raise InputError(f"{path.name}: malformed CSV: {message}") from exc
    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)


def _line_of(path: Path, text: str) -> int | None:
    """Line number of a malformed record (Arrow does not know it when fields may hold newlines)."""
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if line.rstrip("\r\n") == text:
                return number
    return None


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several unrelated types
        raise InputError(f"{path.name}: cannot read Parquet: {exc}") from exc
    columns = {}
    for name in table.column_names:
        columns[name] = [_text(v) for v in table.column(name).to_pylist()]
    return pd.DataFrame(columns, dtype=object)


def _utf8(path: Path) -> str:
    """The file's text; bytes that are not UTF-8 fail the file, naming the byte offset."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name}: not UTF-8 text (byte {exc.start}): save the file as UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path.name}: cannot read: {exc.strerror or exc}") from None


def parse_json(text: str, where: str) -> object:
    """``json.loads`` that turns nesting too deep or a number too long into an InputError naming ``where``."""
    return jsontext.loads(text, where, InputError)


def _read_json(path: Path) -> pd.DataFrame:
    try:
        data = parse_json(_utf8(path), path.name)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path.name}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise InputError(f"{path.name}: expected a JSON array of records, or an object holding exactly one array")
        data = lists[0]
    if not isinstance(data, list):
        raise InputError(f"{path.name}: expected a JSON array of records")
    for i, rec in enumerate(data, start=1):
        if not isinstance(rec, dict):
            raise InputError(f"{path.name}: record {i} is not an object")
    return _records_frame(data)


def _read_ndjson(path: Path) -> pd.DataFrame:
    records, rows = [], []
    lines = _utf8(path).replace("\r\n", "\n").replace("\r", "\n").split("\n")  # as text mode reads them
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = parse_json(line, f"{path.name}: row {lineno}")
        except json.JSONDecodeError as exc:
            raise InputError(f"{path.name}: row {lineno}: invalid JSON: {exc.msg}") from exc
        if not isinstance(rec, dict):
            raise InputError(f"{path.name}: row {lineno}: expected a JSON object")
        records.append(rec)
        rows.append(lineno)
    df = _records_frame(records)
    df.columns = unique_names([str(c) for c in df.columns], path.name)
    df[ROW] = np.asarray(rows, dtype=np.int64)
    return df


def _records_frame(records: list[dict]) -> pd.DataFrame:
    names: dict[str, None] = {}
    for rec in records:
        for k in rec:
            names.setdefault(k, None)
    return pd.DataFrame({k: [_text(rec.get(k)) for rec in records] for k in names}, dtype=object)


def _text(value: object) -> str | None:
    """Typed JSON/Parquet values as the text a CSV would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return repr(value)
    if isinstance(value, (list, tuple)):
        return ";".join(str(_text(v)) for v in value if v is not None)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
