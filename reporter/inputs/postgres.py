"""Canonical datasets read from PostgreSQL (config ``inputs``): one table or view per dataset.

A ``PostgresSource`` is the database of one build, read like an input folder: first whole-table
facts (rows, each dated column's first and last value: one aggregate query per table), which
choose the period, then per dataset only the canonical columns the report uses and the rows its
``DatasetRead`` reaches (reporter/inputs/plan.py), the predicate pushed into a parameterised
WHERE so that the database does the filtering and this machine holds the report's window alone.
Rows come back as Arrow (ADBC's libpq driver), become the raw text a CSV would hold column by
column in Arrow, and go through the loader's validation exactly like a file.

Everything is read in one REPEATABLE READ, READ ONLY transaction: facts and rows come from the
same snapshot even while the warehouse is being written to. Credentials come from the
environment only (REPORTER_DB_USER / REPORTER_DB_PASSWORD, or libpq's PGUSER / PGPASSWORD / ~/.pgpass).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import weakref
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ..config import DatabaseInputs
from ..errors import InputError
from .engine import Summary
from .plan import DatasetRead, Range
from .readers import ROW
from .spec import DATASETS, DatasetSpec
from .validate import Issue, _empty, validate

ENV_USER = "REPORTER_DB_USER"
ENV_PASSWORD = "REPORTER_DB_PASSWORD"

# information_schema data types that Arrow brings back as a type with an exact text form.
_NATIVE = frozenset({
    "text", "character varying", "character", "smallint", "integer", "bigint", "boolean", "real",
    "double precision", "numeric", "date", "timestamp with time zone", "timestamp without time zone",
})
_INTEGER = frozenset({"smallint", "integer", "bigint"})
_TIMESTAMPTZ = "timestamp with time zone"
_TIMESTAMP = "timestamp without time zone"
_DATE = "date"


@dataclass(frozen=True)
class Table:
    """What the catalog says about one table or view."""

    schema: str
    name: str
    columns: dict[str, str]  # column -> information_schema data_type, in table order
    row_key: str | None = None  # a single-column integer primary key: the rows' own numbers

    @property
    def label(self) -> str:
        return f"postgresql:{self.schema}.{self.name}"


@dataclass(frozen=True)
class Query:
    sql: str
    params: tuple[Any, ...]
    columns: tuple[str, ...]  # canonical columns selected
    row_numbers: str  # what a row number in an error means
    order: tuple[str, ...] = ()  # columns the rows are sorted by here (empty: by the primary key, ``_row``)
    note: str | None = None  # why the rows could not be narrowed in the query
    narrowed: bool = False  # a WHERE limits the rows


def quote_ident(name: str) -> str:
    """A PostgreSQL identifier, always quoted: names from config or catalog never become SQL."""
    return '"' + str(name).replace('"', '""') + '"'


def connection_uri(url: str, environ: Mapping[str, str]) -> tuple[str, str | None]:
    """(the URI to connect with, the password it carries, to be redacted from messages).

    The user may be in the URL or REPORTER_DB_USER; the password only in REPORTER_DB_PASSWORD
    (else libpq reads PGPASSWORD or ~/.pgpass itself). The config parser already refused a URL
    holding a password.
    """
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or environ.get(ENV_USER) or None
    password = environ.get(ENV_PASSWORD) or None
    auth = ""
    if user:
        auth = quote(user, safe="")
        if password:
            auth += ":" + quote(password, safe="")
        auth += "@"
    elif password:  # a password without a user: libpq's default user (PGUSER or the OS user)
        auth = ":" + quote(password, safe="") + "@"
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("application_name", "reporter")
    query.setdefault("connect_timeout", "15")
    return urlunsplit((parts.scheme, auth + host, parts.path, urlencode(query), "")), password


def read_catalog(cursor, schema: str) -> dict[str, Table]:
    """Tables and views of ``schema`` this user can read, with their columns and integer primary key."""
    cursor.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = $1 ORDER BY table_name, ordinal_position", (schema,))
    columns: dict[str, dict[str, str]] = {}
    for table, column, data_type in cursor.fetchall():
        columns.setdefault(table, {})[column] = data_type
    cursor.execute(
        "SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc "
        "JOIN information_schema.key_column_usage kcu ON kcu.constraint_schema = tc.constraint_schema "
        "AND kcu.constraint_name = tc.constraint_name AND kcu.table_name = tc.table_name "
        "WHERE tc.table_schema = $1 AND tc.constraint_type = 'PRIMARY KEY'", (schema,))
    keys: dict[str, list[str]] = {}
    for table, column in cursor.fetchall():
        keys.setdefault(table, []).append(column)
    out = {}
    for table, cols in columns.items():
        key = keys.get(table, [])
        row_key = key[0] if len(key) == 1 and cols.get(key[0]) in _INTEGER else None
        out[table] = Table(schema, table, cols, row_key)
    return out


def build_query(table: Table, spec: DatasetSpec, tz: ZoneInfo, read: DatasetRead | None = None) -> Query:
    """The SELECT of one dataset: canonical columns only (those ``read`` names, when given, plus the
    required, key and id columns validation checks) and the rows ``read`` reaches.

    Every value is a parameter; every name a quoted identifier.
    """
    keep = set(spec.required) | set(spec.key) | ({spec.id_column} if spec.id_column else set())
    wanted = [c.name for c in spec.columns if c.name in table.columns
              and (read is None or c.name in read.columns or c.name in keep)]
    select = [_select_expr(name, table.columns[name]) for name in wanted]
    order: tuple[str, ...] = ()
    if table.row_key is not None:
        select.append(f"{quote_ident(table.row_key)} AS {quote_ident(ROW)}")
        row_numbers = f"primary key {table.row_key}"
    else:  # positions among the rows read; the key first, then every column, so ties cannot reorder
        keyed = [name for name in spec.key if name in wanted]
        order = tuple(keyed + [name for name in wanted if name not in keyed])
        row_numbers = "position among the rows read, ordered by " + ", ".join(keyed or wanted)
    where, params, note = predicate(table, read, tz)
    source = f"{quote_ident(table.schema)}.{quote_ident(table.name)}"
    if where and read is not None and read.firsts:
        where, source = _with_firsts(table, read.firsts, where, source, order)
    sql = f"SELECT {', '.join(select)} FROM {source}"
    if where:
        sql += f" WHERE {where}"
    return Query(sql, params, tuple(wanted), row_numbers, order, note, bool(where))


_FIRST = "reporter first row"  # a column name no table has


def _with_firsts(table: Table, firsts: Sequence[str], where: str, source: str, order: Sequence[str]
                 ) -> tuple[str, str]:
    """(WHERE, FROM) that also read the first row of each group of ``firsts`` (DatasetRead.firsts):
    the smallest primary key, or else the first row in the rows' own order."""
    groups = ", ".join(_group_expr(c, table) for c in firsts)
    if table.row_key is not None:
        key = quote_ident(table.row_key)
        return f"{where} OR ({key} IN (SELECT min({key}) FROM {source} GROUP BY {groups}))", source
    by = ", ".join(quote_ident(c) for c in order)
    numbered = (f"(SELECT *, row_number() OVER (PARTITION BY {groups} ORDER BY {by}) AS {quote_ident(_FIRST)} "
                f"FROM {source}) AS {quote_ident(table.name)}")
    return f"{where} OR ({quote_ident(_FIRST)} = 1)", numbered


def _group_expr(column: str, table: Table) -> str:
    """A ``firsts`` entry as the file engine groups it: the column's trimmed text (empty = NULL),
    or (``name?``) whether it is empty."""
    name = column.rstrip("?")
    if name not in table.columns:
        return "NULL"
    text = f"NULLIF(btrim({quote_ident(name)}::text), '')"
    return f"({text} IS NULL)" if column.endswith("?") else text


def _select_expr(name: str, data_type: str) -> str:
    """Arrays as the ';'-joined text a CSV holds (NULL elements skipped); exotic types as their text."""
    ident = quote_ident(name)
    if data_type == "ARRAY":
        return f"array_to_string({ident}, ';') AS {ident}"
    if data_type in _NATIVE:
        return ident
    return f"{ident}::text AS {ident}"


def predicate(table: Table, read: DatasetRead | None, tz: ZoneInfo) -> tuple[str, tuple[Any, ...], str | None]:
    """(WHERE text or '', parameters, note) of a ``DatasetRead``: a row is read when any range holds
    for it, or its key column is one of the keys, or a column of ``also`` one of its values (the
    same rows the file engine reads).

    A range on a column the table lacks holds only with ``or_missing``. A range on a column stored
    as text (or any type but timestamp and date) cannot be compared safely: then nothing is pushed,
    every row is read (a larger read is always correct) and the note says so.
    """
    pairs = [(c, v) for c, v in ((read.key_column, read.keys), *getattr(read, "also", ())) if v] if read else []
    if read is None or (not read.ranges and not pairs):
        return "", (), None
    untyped = [r.column for r in read.ranges if r.column in table.columns
               and table.columns[r.column] not in (_TIMESTAMPTZ, _TIMESTAMP, _DATE)]
    if untyped:
        return "", (), (f"{table.label}: column {untyped[0]} is {table.columns[untyped[0]]}, not a timestamp or "
                        "date: the report's window is not pushed into the query and every row is read")
    params: list[Any] = []

    def param(value: Any) -> str:
        params.append(value)
        return f"${len(params)}"

    terms = []
    for r in read.ranges:
        terms.append(_range_sql(r, table, tz, param))
    for column, values in pairs:  # as the file engine compares them: the column's text, trimmed
        terms.append(f"btrim({quote_ident(column)}::text) = ANY({param(sorted(values))})"
                     if column in table.columns else "FALSE")
    return " OR ".join(f"({t})" for t in terms), tuple(params), None


def _range_sql(r: Range, table: Table, tz: ZoneInfo, param) -> str:
    if r.column not in table.columns:
        return "TRUE" if r.or_missing else "FALSE"
    col = quote_ident(r.column)
    low, high = _bounds(table.columns[r.column], _utc(r.since), _utc(r.until), tz)
    bounds = [f"{col} >= {param(low)}" for _ in [low] if low is not None]
    bounds += [f"{col} < {param(high)}" for _ in [high] if high is not None]
    text = " AND ".join(bounds) or f"{col} IS NOT NULL"
    return f"{text} OR {col} IS NULL" if r.or_missing else text


def _bounds(data_type: str, since: dt.datetime | None, until: dt.datetime | None, tz: ZoneInfo) -> tuple:
    """The window's ends in the column's own type, so that an index on it serves the query.

    A timestamp without time zone is local time in the configured zone (as in a CSV). A date is
    read when its local midnight is in the window, as the file engine compares a date.
    """
    if data_type == _TIMESTAMPTZ:
        return since, until
    local = [None if t is None else t.astimezone(tz).replace(tzinfo=None) for t in (since, until)]
    if data_type == _TIMESTAMP:
        return local[0], local[1]
    return tuple(None if t is None else t.date() + dt.timedelta(days=0 if t.time() == dt.time() else 1)
                 for t in local)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    value = pd.Timestamp(value).to_pydatetime()
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def text_table(table, order: Sequence[str] = ()):
    """An Arrow result as raw text columns (vectorised casts) plus an int64 ``_row``, in a fixed order.

    The rows are sorted here, not by ORDER BY: the order (and so a row's number and which of two
    duplicates comes first) then depends neither on the database's collation nor on its plan, and
    the warehouse is spared a sort. Text order is byte order; ISO dates and times sort by time.

    A timestamp with time zone becomes its UTC wall time and a Z (Arrow's own text of a zoned
    timestamp looks the zone up value by value: 20x slower); one without a zone stays naive, so
    validation reads it in the configured zone, as it would read a CSV.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    names, arrays = [], []
    for name in table.column_names:
        if name == ROW:
            continue
        col = table.column(name)
        if pa.types.is_timestamp(col.type) and col.type.tz is not None:
            naive = pc.cast(col, pa.timestamp(col.type.unit))  # Arrow keeps UTC instants: the wall time in UTC
            col = pc.binary_join_element_wise(pc.cast(naive, pa.string()), "Z", "")
        elif col.type != pa.string():
            col = pc.cast(col, pa.string())
        names.append(name)
        arrays.append(col)
    if ROW in table.column_names:
        text = pa.table(arrays + [pc.cast(table.column(ROW), pa.int64())], names=names + [ROW])
        return text.sort_by([(ROW, "ascending")])
    text = pa.table(arrays, names=names)
    if order and text.num_rows:
        text = text.take(pc.sort_indices(text, sort_keys=[(name, "ascending") for name in order]))  # NULLs last
    return text.append_column(ROW, pa.array(np.arange(1, text.num_rows + 1, dtype=np.int64)))


def text_frame(text) -> pd.DataFrame:
    """The loader's raw frame of a ``text_table``."""
    import pyarrow as pa

    frame = text.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
    frame[ROW] = frame[ROW].astype(np.int64)
    return frame


def rows_sha256(text) -> str:
    """A hash of the rows read (column names, values, NULLs and row numbers) of a ``text_table``,
    the same across runs and machines: canonical bytes of each column, not Arrow's buffers as they lie."""
    import pyarrow as pa
    import pyarrow.compute as pc

    digest = hashlib.sha256(json.dumps(text.column_names).encode())
    for name in text.column_names:
        col = text.column(name).combine_chunks() if text.num_rows else None
        if col is None:
            continue
        if col.type == pa.int64():
            digest.update(col.to_numpy(zero_copy_only=False).astype("<i8").tobytes())
            continue
        digest.update(np.packbits(col.is_valid().to_numpy(zero_copy_only=False)).tobytes())
        filled = pc.fill_null(col, "")  # a fresh array: offsets from 0, no bytes behind NULLs
        offsets = np.frombuffer(filled.buffers()[1], dtype=np.int32)[: len(filled) + 1]
        digest.update(offsets.astype("<i4").tobytes())
        digest.update(memoryview(filled.buffers()[2])[: int(offsets[-1])] if offsets[-1] else b"")
    return digest.hexdigest()


class PostgresSource:
    """The database of one build: one connection, one read-only snapshot.

    ``tables`` maps each dataset the database holds (and the report uses) to its table;
    ``summary`` gives whole-table facts, ``load`` the validated rows a ``DatasetRead`` reaches.
    """

    def __init__(self, inputs: DatabaseInputs, tz: ZoneInfo, datasets: Collection[str] | None = None,
                 environ: Mapping[str, str] | None = None) -> None:
        self.tz = tz
        self.warnings: list[str] = []
        self.summaries: dict[str, Summary] = {}  # whole-table facts, once surveyed
        self._conn = _Connection(inputs.url, os.environ if environ is None else environ)
        self.cursor, self.guard = self._conn.__enter__()
        self._closer = weakref.finalize(self, self._conn.__exit__, None, None, None)  # closed once, even if dropped
        try:
            with self.guard(f"reading the catalog of schema {inputs.schema}"):
                self.cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                catalog = read_catalog(self.cursor, inputs.schema)
        except BaseException:
            self.close()
            raise
        if not any(inputs.tables.get(name, name) in catalog for name in DATASETS):
            self.warnings.append(f"postgresql: schema {inputs.schema} holds no table or view this user can read "
                                 f"named after a dataset ({', '.join(DATASETS)}), nor any named in inputs.tables")
        self.tables = {name: catalog[inputs.tables.get(name, name)] for name in DATASETS
                       if inputs.tables.get(name, name) in catalog and (datasets is None or name in datasets)}

    def close(self) -> None:
        self._closer()

    def __enter__(self) -> "PostgresSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def labels(self) -> dict[str, str]:
        return {name: table.label for name, table in self.tables.items()}

    def summary(self, dataset: str, dated: Mapping[str, str], filled: Sequence[str] = (),
                identity: str | None = None) -> Summary:
        """Rows, each ``dated`` column's first and last value (UTC instants, as validation reads them),
        non-empty counts of ``filled`` and the distinct values of ``identity`` (plan.IDENTITIES):
        one aggregate query over the whole table."""
        table = self.tables[dataset]
        typed = [c for c in dated if table.columns.get(c) in (_TIMESTAMPTZ, _TIMESTAMP, _DATE)]
        texts = [c for c in dated if c in table.columns and c not in typed]
        counted = [c for c in filled if c in table.columns]
        parts = ["count(*)"] + [f"{f}({quote_ident(c)})" for c in typed for f in ("min", "max")]
        parts += [f"count(NULLIF(btrim({quote_ident(c)}::text), ''))" for c in counted]
        who = identity if identity in table.columns else None
        if who:
            text = f"NULLIF(btrim({quote_ident(who)}::text), '')"
            parts.append(f"array_agg(DISTINCT {text}) FILTER (WHERE {text} IS NOT NULL)")
        sql = f"SELECT {', '.join(parts)} FROM {quote_ident(table.schema)}.{quote_ident(table.name)}"
        with self.guard(f"summarising table {table.schema}.{table.name}"):
            self.cursor.execute(sql)
            row = self.cursor.fetchall()[0]
        out = Summary(int(row[0]))
        for i, c in enumerate(typed):
            lo, hi = row[1 + 2 * i], row[2 + 2 * i]
            if lo is not None:
                out.extremes[c] = (self._instant(lo), self._instant(hi))
        for j, c in enumerate(counted):
            out.filled[c] = int(row[1 + 2 * len(typed) + j])
        if who:
            out.identities = frozenset(row[-1] or ())
        for c in texts:  # dates kept as text: parsed here as validation parses them (rare, whole column)
            from .validate import parse_timestamps

            with self.guard(f"reading column {c} of table {table.schema}.{table.name}"):
                self.cursor.execute(f"SELECT btrim({quote_ident(c)}::text) FROM "
                                    f"{quote_ident(table.schema)}.{quote_ident(table.name)}")
                values = self.cursor.fetch_arrow_table().column(0)
            parsed = parse_timestamps(pd.Series(pd.arrays.ArrowStringArray(values)).replace("", pd.NA), self.tz)
            parsed = parsed.dropna()
            if len(parsed):
                out.extremes[c] = (parsed.min(), parsed.max())
        self.summaries[dataset] = out
        return out

    def _instant(self, value) -> pd.Timestamp:
        """A min/max as the UTC instant validation would make of it (naive: local time, DST as validate.py)."""
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            return stamp.tz_convert("UTC")
        local = pd.Series([stamp]).dt.tz_localize(self.tz, ambiguous=np.ones(1, dtype=bool),
                                                  nonexistent="shift_forward")
        return local.dt.tz_convert("UTC").iloc[0]

    def read(self, dataset: str, read: DatasetRead | None = None) -> tuple[str, pd.DataFrame, dict]:
        """(label, raw text frame with ``_row``, lineage) of the rows ``read`` reaches (None: all)."""
        table = self.tables[dataset]
        query = build_query(table, DATASETS[dataset], self.tz, read)
        if query.note:
            self.warnings.append(query.note)
        with self.guard(f"reading table {table.schema}.{table.name}"):
            self.cursor.execute(query.sql, query.params or None)
            result = self.cursor.fetch_arrow_table()
        text = text_table(result, query.order)
        rows = (self.summaries.get(dataset) or self.summary(dataset, {})).rows if query.narrowed else text.num_rows
        info = {"rows": int(rows), "read": int(text.num_rows),
                "sha256": rows_sha256(text), "sha256_of": "the rows read", "source": "postgresql",
                "table": f"{table.schema}.{table.name}", "columns": list(query.columns),
                "row_numbers": query.row_numbers}
        return table.label, text_frame(text), info

    def missing(self, dataset: str) -> Issue | None:
        """A table without a required column is not read: one issue naming it."""
        table = self.tables[dataset]
        missing = [c for c in DATASETS[dataset].required if c not in table.columns]
        if not missing:
            return None
        return Issue(table.label, None, None, missing[0], (
            f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing "
            f"(found: {', '.join(table.columns)}); the table was not read"))

    def load(self, dataset: str, check: bool = True, read: DatasetRead | None = None
             ) -> tuple[str, tuple[pd.DataFrame | None, list[Issue], dict]]:
        """(label, (typed frame, issues, lineage)): what the loader gets of a file, for a table."""
        spec = DATASETS[dataset]
        label = self.tables[dataset].label
        issue = self.missing(dataset)
        if issue is not None:
            empty = _empty(spec)
            empty["_file"] = pd.Series([], dtype=object)
            rows = (self.summaries.get(dataset) or self.summary(dataset, {})).rows
            return label, (empty, [issue] if rows else [], {"rows": rows, "validated": True, "source": "postgresql"})
        label, raw, info = self.read(dataset, read)
        if not check:
            return label, (None, [], {**info, "validated": False})
        typed, issues = validate(raw, spec, label, self.tz)
        typed["_file"] = label
        return label, (typed, issues, {**info, "validated": True})

    def held_ids(self, dataset: str, column: str, ids: Sequence[str]):
        """Those of ``ids`` the whole table holds in ``column`` (trimmed text, whatever was read), as an
        Arrow string array: the loader checks deployments' pr_ids against every PR, not the window's."""
        import pyarrow as pa

        table = self.tables.get(dataset)
        if table is None or column not in table.columns or not len(ids):
            return pa.array([], pa.string())
        ident = quote_ident(column)
        with self.guard(f"reading table {table.schema}.{table.name}"):
            self.cursor.execute(f"SELECT DISTINCT btrim({ident}::text) AS k FROM {quote_ident(table.schema)}."
                                f"{quote_ident(table.name)} WHERE btrim({ident}::text) = ANY($1)", (list(ids),))
            held = self.cursor.fetch_arrow_table().column(0)
        return held.combine_chunks().cast(pa.string())


def database_frames(inputs: DatabaseInputs, tz: ZoneInfo, datasets: Collection[str] | None = None,
                    strict: bool = False, environ: Mapping[str, str] | None = None
                    ) -> tuple[list[tuple[str, str, pd.DataFrame, dict]], list[Issue], list[str]]:
    """Every row of every dataset table, as ``load_inputs(extra=...)`` takes converted exports:
    (extra frames, skipped records, warnings). The windowed build uses ``PostgresSource`` itself."""
    extra: list[tuple[str, str, pd.DataFrame, dict]] = []
    skipped: list[Issue] = []
    with PostgresSource(inputs, tz, datasets, environ) as source:
        for dataset in source.tables:
            issue = source.missing(dataset)
            if issue is not None:
                if strict:
                    raise InputError(f"invalid input (--strict): {issue.describe()}")
                skipped.append(issue)
                continue
            label, raw, info = source.read(dataset)
            info.pop("read")
            extra.append((dataset, label, raw, info))
        return extra, skipped, source.warnings


class _Connection:
    """A read-only connection whose errors become one clear InputError, password never shown."""

    def __init__(self, url: str, environ: Mapping[str, str]) -> None:
        self.uri, self.password = connection_uri(url, environ)
        self.where = _describe(url)

    def __enter__(self):
        try:
            import adbc_driver_postgresql.dbapi as pg
        except ImportError as exc:
            raise InputError("reading inputs from PostgreSQL (config 'inputs') needs the package "
                             "adbc-driver-postgresql: pip install 'reporter[postgres]'") from exc
        self.error = pg.Error
        with self.guard("connecting"):
            self.connection = pg.connect(self.uri)
        self.cursor = self.connection.cursor()
        return self.cursor, self.guard

    def __exit__(self, *exc) -> None:
        try:
            self.cursor.close()
            self.connection.rollback()  # nothing was written: a read-only transaction ends
            self.connection.close()
        except self.error:
            pass

    def guard(self, doing: str) -> "_Guard":
        return _Guard(self, doing)


class _Guard:
    def __init__(self, conn: _Connection, doing: str) -> None:
        self.conn, self.doing = conn, doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> Literal[False]:  # never swallows an exception
        if exc is not None and isinstance(exc, getattr(self.conn, "error", ())):
            message = str(exc).strip().removeprefix("IO: ").removeprefix("[libpq] ")
            if self.conn.password:
                message = message.replace(self.conn.password, "***").replace(quote(self.conn.password, safe=""), "***")
            if "password" in message and "authentication" in message or "no password supplied" in message:
                message += f" (the password comes from {ENV_PASSWORD}, PGPASSWORD or ~/.pgpass, never the config)"
            raise InputError(f"PostgreSQL at {self.conn.where}: {self.doing} failed: {message}") from None
        return False


def _describe(url: str) -> str:
    """host:port/database, no credentials: what a message may name."""
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2] + parts.path
