"""DuckDB under the loader: CSV and Parquet files (and folders of Parquet files) read as text
columns, only the columns and rows a ``DatasetRead`` asks for, with the filter inside the scan.

Why text: validation must see what the file says to quote it back (readers.py). A typed
Parquet column becomes the text a CSV would hold in SQL (vectorised; no per-cell Python):
booleans true/false, numbers as written, instants as ISO 8601 in UTC with Z, naive timestamps
without offset (local time, as in a CSV), lists joined with ';'.

Row numbers stay what a person looks up: a CSV's record number counting the header as row 1
(blank lines skipped, a quoted newline does not start a record, as before); a Parquet file's
1-based record number. A folder's rows carry the file they come from.

A problem DuckDB reports in a CSV (wrong number of fields, not UTF-8) is re-read by the
original reader (readers.py), whose messages name the line; the error path only.
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .plan import DatasetRead, Range
from .readers import ROW

_FILE = "_file"
# Hive partition column written by `reporter import --format parquet` (UTC month of the row).
PARTITION = "month"
# The dated columns a partition month is taken from (the first non-empty one). A range on any of
# these (all on or after the first) can skip the months before its start; see ``_prunable``.
PARTITION_COLUMNS: dict[str, tuple[str, ...]] = {
    "pull_requests": ("merged_at", "created_at"),
    "commits": ("authored_at",),
    "deployments": ("finished_at",),
    "incidents": ("opened_at",),
    "ai_usage": ("date",),
    "ai_costs": ("date",),
    "work_items": ("created_at",),
    "support_tickets": ("opened_at",),
    "releases": ("date",),
    "surveys": ("date",),
    "security_findings": ("date",),
    "code_quality": ("merged_at",),
}
NO_MONTH = "none"  # partition of rows without a dated value (sorts after every YYYY-MM)


@dataclass
class Summary:
    """Whole-file facts, from one aggregate query: rows, each dated column's extremes, non-empty counts."""

    rows: int
    extremes: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = field(default_factory=dict)
    filled: dict[str, int] = field(default_factory=dict)
    unknown: tuple[int, list[str]] | None = None  # (entries, ids) of listed ids no row has
    firsts: frozenset[str] = frozenset()  # the id of one row of each ``firsts`` group
    identities: frozenset[str] | None = None  # distinct values of the identity column


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _naive(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return f"TIMESTAMP '{value.astimezone(dt.timezone.utc).strftime('%Y-%m-%d %H:%M:%S')}'"


def _instant(value: dt.datetime) -> str:
    utc = value.astimezone(dt.timezone.utc)
    return f"TIMESTAMPTZ '{utc.strftime('%Y-%m-%d %H:%M:%S.%f')}+00'"


class Engine:
    """One DuckDB connection per load; naive times read in the report's time zone."""

    def __init__(self, tz) -> None:
        import duckdb

        self.con = duckdb.connect(config={"threads": 2, "preserve_insertion_order": True})
        self.con.execute(f"SET TimeZone = {_literal(str(tz))}")
        self._lock = threading.Lock()
        self._n = 0
        self._registered: list[str] = []

    def close(self) -> None:
        self.con.close()

    # -- sources ----------------------------------------------------------------------------

    def columns(self, path: Path) -> dict[str, str]:
        """Column name (as the file has it) -> DuckDB type; a CSV's header, stripped names kept."""
        from .readers import unique_names

        if path.suffix.lower() == ".csv":
            header = _csv_header(path)
            unique_names(header, path.name)
            return {name: "VARCHAR" for name in header}
        try:
            rows = self._rows(f"DESCRIBE SELECT * FROM {self.source(path)}")
        except Exception as exc:
            raise _explain(path, exc) from exc
        found = {name: kind for name, kind, *_ in rows if name not in (PARTITION, "filename", "file_row_number")}
        unique_names(list(found), _label_of(path))
        return found

    def source(self, path: Path, header: list[str] | None = None) -> str:
        """The table function reading ``path``: a CSV, a Parquet file, or a folder of Parquet files."""
        if path.is_dir():
            glob = _literal(str(path / "**" / "*.parquet"))
            return f"read_parquet({glob}, hive_partitioning = true, filename = true, file_row_number = true)"
        if path.suffix.lower() == ".parquet":
            return f"read_parquet({_literal(str(path))}, file_row_number = true)"
        names = header if header is not None else _csv_header(path)
        if not names:  # an empty file: no header, no rows (DuckDB cannot read a CSV of no columns)
            return "(SELECT NULL::VARCHAR AS _empty WHERE false)"
        spec = ", ".join(f"{_literal(n)}: 'VARCHAR'" for n in names)
        return (f"read_csv({_literal(str(path))}, header = true, auto_detect = false, columns = {{{spec}}}, "
                "delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = false)")

    def _rows(self, sql: str) -> list[tuple]:
        """Every row of one statement (read to the end: the connection takes the next one)."""
        with self._lock:
            return self.con.execute(sql).fetchall()

    # -- whole-file facts ------------------------------------------------------------------

    def summary(self, path: Path, types: dict[str, str], dated: dict[str, str], filled: tuple[str, ...] = (),
                exclude: dict[str, list[int]] | None = None, listed: str | None = None,
                firsts: tuple[str, ...] = (), identity: str | None = None) -> Summary:
        """Whole-file facts from one scan: rows, extremes of the ``dated`` columns (name -> spec kind),
        non-empty counts of ``filled``; optionally which ``listed`` ids (SQL giving column ``k``) no
        row's ``id`` holds, one row's id of each ``firsts`` group and the distinct ``identity``
        values (DatasetRead.firsts, plan.IDENTITIES). ``exclude`` (file label -> row numbers)
        leaves out rows validation skipped."""
        present = {_strip(n): n for n in types}
        names = [c for c in dated if c in present]
        counted = [c for c in filled if c in present]
        groups = [_group_expr(c, present, types) for c in firsts] if firsts else []
        who = present.get(identity) if identity else None
        checked = listed is not None and "id" in present
        numbered = bool(exclude)
        src = self._numbered(path, types) if numbered else self.source(
            path, list(types) if path.suffix.lower() == ".csv" else None)
        where = ""
        if exclude:
            where = " WHERE NOT (" + " OR ".join(
                f"({_file_match(path, label)} AND _row IN ({', '.join(map(str, rows))}))"
                for label, rows in exclude.items() if rows) + ")"
        keep = {_quote(present[c]) for c in names + counted}
        if checked:
            keep.add(_quote(present["id"]))
        if who:
            keep.add(_quote(who))
        if groups and "id" in present:
            keep |= {_quote(present["id"])} | {_quote(present[c.rstrip("?")]) for c in firsts if c.rstrip("?") in present}
        parts = ["count(*)"]
        for c in names:
            expr = _instant_expr(present[c], types[present[c]])
            parts += [f"min({expr})", f"max({expr})"]
        parts += [f"count({_text_expr(present[c], types[present[c]], strip=True)})" for c in counted]
        extra = []
        ctes = ""
        if checked:
            ident = _quote(present["id"])
            ctes = (f", u AS MATERIALIZED (SELECT l.k, count(*) AS n FROM ({listed}) l ANTI JOIN p "
                    f"ON l.k = trim(p.{ident}) GROUP BY l.k)")
            extra += ["(SELECT sum(n) FROM u)", "(SELECT list(k ORDER BY k) FROM u)"]
        groups = groups if "id" in present else []
        if groups:  # one row's id per group (the smallest): read by key, wherever it lies
            extra.append(f"(SELECT list(f) FROM (SELECT min(trim({_quote(present['id'])})) AS f FROM p "
                         f"GROUP BY {', '.join(groups)}) WHERE f IS NOT NULL)")
        if who:
            extra.append(f"(SELECT list(DISTINCT trim({_quote(who)})) FROM p WHERE nullif(trim({_quote(who)}), '') "
                         "IS NOT NULL)")
        if extra:
            sql = (f"WITH p AS MATERIALIZED (SELECT {', '.join(sorted(keep))} FROM {src}{where}){ctes} "
                   f"SELECT {', '.join(parts + extra)} FROM p")
        else:
            sql = f"SELECT {', '.join(parts)} FROM {src}{where}"
        try:
            row = list(self._rows(sql)[0])
        except Exception as exc:
            raise _explain(path, exc) from exc
        out = Summary(int(row[0]))
        for i, c in enumerate(names):
            lo, hi = row[1 + 2 * i], row[2 + 2 * i]
            if lo is not None:
                out.extremes[c] = (pd.Timestamp(lo).tz_convert("UTC"), pd.Timestamp(hi).tz_convert("UTC"))
        for j, c in enumerate(counted):
            out.filled[c] = int(row[1 + 2 * len(names) + j])
        rest = row[1 + 2 * len(names) + len(counted):]
        if checked:
            out.unknown = (int(rest[0] or 0), list(rest[1] or []))
            rest = rest[2:]
        if groups:
            out.firsts = frozenset(rest[0] or [])
            rest = rest[1:]
        if who:
            out.identities = frozenset(rest[0] or [])
        return out

    def listed_ids(self, path: Path, types: dict[str, str]) -> str | None:
        """SQL for the pr_ids successful production deployments list (as metrics/prepare.py reads them)."""
        present = {_strip(n): n for n in types}
        if "pr_ids" not in present:
            return None

        def word(name: str, default: str) -> str:
            if name not in present:
                return _literal(default)
            return f"coalesce(nullif(lower(trim({_text_expr(present[name], types[present[name]])})), ''), {_literal(default)})"

        from ..metrics.prepare import PRODUCTION, SUCCESS

        ok = (f"{word('environment', 'production')} IN ({', '.join(map(_literal, sorted(PRODUCTION)))}) AND "
              f"{word('status', 'success')} IN ({', '.join(map(_literal, sorted(SUCCESS)))})")
        src = self.source(path, list(types) if path.suffix.lower() == ".csv" else None)
        ids = _text_expr(present["pr_ids"], types[present["pr_ids"]])
        return (f"SELECT trim(x) AS k FROM (SELECT unnest(string_split({ids}, ';')) AS x FROM {src} WHERE {ok}) "
                "WHERE trim(x) <> ''")

    def file_rows(self, folder: Path) -> dict[str, int]:
        """Rows per file of a Parquet folder (from the files' footers)."""
        glob = _literal(str(folder / "**" / "*.parquet"))
        rows = self._rows(f"SELECT file_name, sum(row_group_num_rows) FROM "
                          f"(SELECT DISTINCT file_name, row_group_id, row_group_num_rows FROM parquet_metadata({glob})) "
                          "GROUP BY file_name")
        return {_relative(folder, name): int(n) for name, n in rows}

    # -- the rows a report reads ----------------------------------------------------------

    def read(self, path: Path, dataset: str, types: dict[str, str],
             read: DatasetRead | None) -> list[tuple[str, pd.DataFrame]]:
        """(file label, raw text frame with ``_row``) per file, in file order, rows in file order."""
        present = {_strip(n): n for n in types}
        wanted = [c for c in (read.columns if read else [_strip(n) for n in types]) if c in present]
        if read is None:  # every column the file has, as before
            wanted = [_strip(n) for n in types]
        select = [f"{_text_expr(present[c], types[present[c]])} AS {_quote(c)}" for c in wanted]
        where, keys = self._where(read, present, types)
        is_dir = path.is_dir()
        src = self._numbered(path, types)
        extra = f", {_FILE}" if is_dir else ""
        order = f"{_FILE}, _row" if is_dir else "_row"
        body = f"SELECT _row{extra}, {', '.join(select) or 'NULL AS _none'} FROM {src}"
        partitioned = is_dir and any(path.glob(f"{PARTITION}=*"))
        prune = _prunable(dataset, read) if partitioned and read is not None else None
        if prune is not None:
            month = _literal(prune)
            key_part = f" UNION ALL {body} WHERE {PARTITION} < {month} AND ({keys})" if keys else ""
            either = f"({where}) OR ({keys})" if keys else where
            sql = f"{body} WHERE {PARTITION} >= {month} AND ({either}){key_part}"
        else:
            sql = f"{body} WHERE {where}" + (f" OR ({keys})" if keys else "")
        try:
            with self._lock:
                table = self.con.sql(f"SELECT * FROM ({sql}) ORDER BY {order}").to_arrow_table()
        except Exception as exc:
            raise _explain(path, exc) from exc
        finally:
            while self._registered:
                self.con.unregister(self._registered.pop())
        frame = _to_pandas(table.drop_columns(["_none"]) if "_none" in table.column_names else table)
        if not is_dir:
            return [(path.name, frame)]
        out = []
        for name, part in frame.groupby(_FILE, sort=True):
            part = part.drop(columns=[_FILE]).reset_index(drop=True)
            out.append((f"{path.name}/{_relative(path, name)}", part))
        return out

    def _numbered(self, path: Path, types: dict[str, str]) -> str:
        """The source with ``_row`` (and ``_file`` for a folder)."""
        if path.is_dir():
            return (f"(SELECT *, file_row_number + 1 AS _row, filename AS {_FILE} "
                    f"FROM {self.source(path)})")
        if path.suffix.lower() == ".parquet":
            return f"(SELECT *, file_row_number + 1 AS _row FROM {self.source(path)})"
        # A CSV has no stored row number: count records in file order (the header is row 1).
        return f"(SELECT row_number() OVER () + 1 AS _row, * FROM {self.source(path, list(types))})"

    def _where(self, read: DatasetRead | None, present: dict[str, str], types: dict[str, str]) -> tuple[str, str]:
        """(the ranges' predicate, the predicate of the rows read besides them or ''): the keys and
        the ``also`` pairs."""
        import pyarrow as pa

        if read is None:
            return "true", ""
        where = " OR ".join(f"({_range_sql(r, present, types)})" for r in read.ranges) if read.ranges else (
            "false" if read.keys or read.also else "true")
        terms = []
        for column, values in ((read.key_column, read.keys),) + read.also:
            if not values:
                continue
            if column not in present:
                terms.append("false")
                continue
            name = self._register(pa.table({"k": pa.array(sorted(values), pa.string())}))
            terms.append(f"trim({_text_expr(present[column], types[present[column]])}) IN (SELECT k FROM {name})")
        return where, " OR ".join(f"({t})" for t in terms)

    def _register(self, table) -> str:
        self._n += 1
        name = f"_keys_{self._n}"
        self.con.register(name, table)
        self._registered.append(name)
        return name


def _group_expr(column: str, present: dict[str, str], types: dict[str, str]) -> str:
    """A ``firsts`` entry as SQL: the column's text, or (``name?``) whether it is empty."""
    name = column.rstrip("?")
    if name not in present:
        return "NULL"
    text = _text_expr(present[name], types[present[name]], strip=True)
    return f"({text} IS NULL)" if column.endswith("?") else text


def _label_of(path: Path) -> str:
    return path.name + "/" if path.is_dir() else path.name


def _strip(name: str) -> str:
    return str(name).strip()


def _relative(folder: Path, name: str) -> str:
    try:
        return Path(name).resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return Path(name).name


def _file_match(path: Path, label: str) -> str:
    if not path.is_dir():
        return "true"
    relative = label.split("/", 1)[1] if "/" in label else label
    return f"{_FILE} = {_literal(str((path / relative).resolve()))}"


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name}: not UTF-8 text (byte {exc.start}): save the file as UTF-8") from exc
    return list(header or [])


def _is_text(kind: str) -> bool:
    return kind.upper() in ("VARCHAR", "TEXT", "STRING") or kind.upper().startswith("VARCHAR(")


def _text_expr(col: str, kind: str, strip: bool = False) -> str:
    """A column as the text a CSV would hold (NULL for missing), in SQL."""
    q = _quote(col)
    k = kind.upper()
    if _is_text(k):
        return f"nullif(trim({q}), '')" if strip else q
    if k == "BOOLEAN":
        return f"CASE WHEN {q} THEN 'true' WHEN NOT {q} THEN 'false' END"
    if k in ("FLOAT", "DOUBLE", "REAL"):
        return f"CASE WHEN isnan({q}) THEN NULL ELSE CAST({q} AS VARCHAR) END"
    if k.startswith("TIMESTAMP WITH TIME ZONE") or k == "TIMESTAMPTZ":
        return f"strftime(timezone('UTC', {q}), '%Y-%m-%dT%H:%M:%S.%fZ')"
    if k.startswith("TIMESTAMP"):
        return f"strftime(CAST({q} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%f')"
    if k.endswith("[]"):
        inner = _text_expr("e", k[:-2]).replace('"e"', "e")
        joined = f"array_to_string(list_filter(list_transform({q}, lambda e: {inner}), lambda e: e IS NOT NULL), ';')"
        return f"nullif({joined}, '')" if strip else joined
    if k.startswith("STRUCT") or k.startswith("MAP"):
        return f"CAST(to_json({q}) AS VARCHAR)"
    return f"CAST({q} AS VARCHAR)"


def _instant_expr(col: str, kind: str) -> str:
    """A dated column as TIMESTAMPTZ (naive values are local time in the session's zone); an
    instant outside the years validation accepts (validate.FIRST_YEAR..LAST_YEAR) is NULL."""
    from .validate import FIRST_YEAR, LAST_YEAR

    q = _quote(col)
    k = kind.upper()
    if _is_text(k):
        expr = f"try_cast(nullif(trim({q}), '') AS TIMESTAMPTZ)"
    elif k.startswith("TIMESTAMP") or k == "DATE":
        expr = f"try_cast({q} AS TIMESTAMPTZ)"
    else:
        expr = f"try_cast(CAST({q} AS VARCHAR) AS TIMESTAMPTZ)"
    return (f"CASE WHEN {expr} >= TIMESTAMPTZ '{FIRST_YEAR}-01-01 00:00:00+00' AND "
            f"{expr} < TIMESTAMPTZ '{LAST_YEAR + 1}-01-01 00:00:00+00' THEN {expr} END")


def _range_sql(r: Range, present: dict[str, str], types: dict[str, str]) -> str:
    """A range as SQL. Text is compared as a naive timestamp (an offset is ignored: cheaper than
    time-zone arithmetic, and the plan's bounds are padded by a day, more than any offset)."""
    if r.column not in present:
        return "true" if r.or_missing else "false"
    col = present[r.column]
    if _is_text(types[col]):
        ts, since, until = f"try_cast({_quote(col)} AS TIMESTAMP)", _naive(r.since), _naive(r.until)
    else:
        ts = _instant_expr(col, types[col])
        since = _instant(r.since) if r.since is not None else None
        until = _instant(r.until) if r.until is not None else None
    bounds = []
    if r.since is not None:
        bounds.append(f"{ts} >= {since}")
    if r.until is not None:
        bounds.append(f"{ts} < {until}")
    terms = [" AND ".join(bounds) or f"{ts} IS NOT NULL"]
    text = _text_expr(col, types[col], strip=True)
    if _is_text(types[col]):  # a value DuckDB cannot read as a time: validation decides
        terms.append(f"({ts} IS NULL AND {text} IS NOT NULL)")
    if r.or_missing:
        terms.append(f"{text} IS NULL")
    return " OR ".join(f"({t})" for t in terms)


def _prunable(dataset: str, read: DatasetRead) -> str | None:
    """The first partition month a read needs, when its ranges allow skipping earlier ones.

    A row's month is that of the first non-empty column of PARTITION_COLUMNS, and the later
    columns never come after the earlier ones (merged_at >= created_at), so a row any range
    holds for has a month on or after the earliest ``since``. Keys may lie anywhere: the loader
    reads earlier months for them separately (key column only, then the matching rows)."""
    columns = PARTITION_COLUMNS.get(dataset)
    if not columns or not read.ranges:
        return None
    if any(r.column not in columns or r.since is None or r.or_missing for r in read.ranges):
        return None
    earliest = min(r.since for r in read.ranges if r.since is not None)  # all are (checked above)
    return earliest.astimezone(dt.timezone.utc).strftime("%Y-%m")


def _to_pandas(table) -> pd.DataFrame:
    """Arrow text columns as pandas Arrow-backed strings (no copy to Python objects)."""
    import pyarrow as pa

    columns = {}
    for name in table.column_names:
        col = table.column(name)
        if name == ROW:
            columns[name] = col.to_numpy().astype(np.int64)
        elif pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            if pa.types.is_large_string(col.type):
                col = col.cast(pa.string())
            columns[name] = pd.arrays.ArrowStringArray(col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)) \
                if len(col) else pd.array([], dtype=pd.StringDtype("pyarrow"))
        else:
            columns[name] = col.to_pandas()
    frame = pd.DataFrame(columns)
    return frame


def _explain(path: Path, exc: Exception) -> Exception:
    """An InputError naming the file and line: the original reader says it best."""
    if isinstance(exc, InputError):
        return exc
    if path.is_file() and path.suffix.lower() == ".csv":
        from .readers import read_file

        try:
            read_file(path)
        except InputError as precise:
            return precise
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    kind = "Parquet" if path.is_dir() or path.suffix.lower() == ".parquet" else "CSV"
    return InputError(f"{path.name}: cannot read {kind}: {message}")
