"""Turn a frame of raw text into typed canonical columns, and say exactly what was wrong.

Every problem becomes an ``Issue`` naming file, row, id and column; a row with any
problem is left out of the typed frame, so the issues list is the complete record of
what was not used. Checks are vectorised: a million rows validate in well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ..frames import is_in, to_arrow
from .readers import ROW
from .spec import (
    BOOL,
    DATE,
    FALSE_WORDS,
    FLOAT,
    INT,
    LIST,
    STR,
    TEXT,
    TIMESTAMP,
    TRUE_WORDS,
    DatasetSpec,
)

_EXPECTED = {
    INT: "a whole number",
    FLOAT: "a number",
    BOOL: "true/false (also 1/0, yes/no)",
    TIMESTAMP: "an ISO 8601 timestamp like 2026-03-02T09:15:00Z",
    DATE: "a date like 2026-03-02",
}
# A UTC offset or Z after a time of day (a bare date's "-02" is not an offset).
_OFFSET = r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
# Instants a report can hold (README "Data contract"): years 1900-2199. Outside this, a value is a
# typo or a sentinel, and pandas' nanosecond range (1677-2262) would fail on it anyway.
FIRST_YEAR, LAST_YEAR = 1900, 2199
EARLIEST = pd.Timestamp(f"{FIRST_YEAR}-01-01", tz="UTC")
LATEST = pd.Timestamp(f"{LAST_YEAR + 1}-01-01", tz="UTC")  # exclusive
# Numbers beyond this are refused per row: sums of a million such values stay far from float overflow.
MAX_NUMBER = 1e15


@dataclass(frozen=True)
class Issue:
    file: str
    row: int | None
    id: str | None
    column: str | None
    reason: str

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "id": self.id, "column": self.column, "reason": self.reason}

    def describe(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.id:
            where.append(f"id {self.id!r}")
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.reason}"


class _Collector:
    def __init__(self, file: str, raw: pd.DataFrame, spec: DatasetSpec) -> None:
        self.file = file
        self.rows = raw[ROW].to_numpy()
        ids = raw[spec.id_column] if spec.id_column and spec.id_column in raw else None
        self.ids = None if ids is None else ids.to_numpy(dtype=object)
        self.bad = np.zeros(len(raw), dtype=bool)
        self.issues: list[tuple[int, Issue]] = []  # (position, issue) so output follows file order

    def add(self, mask: np.ndarray, column: str | None, reason_for) -> None:
        """Record an issue for each True position; ``reason_for(pos)`` builds the text."""
        positions = np.flatnonzero(mask)
        if positions.size == 0:
            return
        self.bad[positions] = True
        for pos in positions:
            ident = None if self.ids is None else self.ids[pos]
            ident = None if pd.isna(ident) else str(ident).strip() or None
            self.issues.append((int(pos), Issue(self.file, int(self.rows[pos]), ident, column, reason_for(pos))))


def _quote(value: object) -> str:
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def validate(raw: pd.DataFrame, spec: DatasetSpec, file: str, tz: ZoneInfo) -> tuple[pd.DataFrame, list[Issue]]:
    """Return (typed frame of the good rows, issues in file order)."""
    if len(raw) == 0:  # an empty export ([] or a header-less empty file) is an empty dataset
        return _empty(spec), []
    missing = [c for c in spec.required if c not in raw.columns]
    if missing:
        reason = (
            f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing "
            f"(found: {', '.join(c for c in raw.columns if c != ROW) or 'none'}); "
            f"all {len(raw)} rows of this file were not used"
        )
        return _empty(spec), [Issue(file, None, None, missing[0], reason)]

    col = _Collector(file, raw, spec)
    out = pd.DataFrame(index=raw.index)
    for column in spec.columns:
        if column.name not in raw.columns:
            out[column.name] = _missing_column(column.kind, len(raw))
            continue
        text = _clean_text(raw[column.name], strip=column.kind != TEXT)
        present = text.notna().to_numpy()
        if column.required:
            col.add(~present, column.name, lambda pos: "required value is empty")
        out[column.name] = _convert(text, present, column, col, tz)

    for order in spec.orders:
        if order.earlier in out and order.later in out:
            a, b = out[order.earlier], out[order.later]
            mask = (a.notna() & b.notna() & (b < a)).to_numpy()
            col.add(mask, order.later, lambda pos, r=order.reason: r)

    if spec.key:
        good = ~col.bad
        keyed = out.loc[good, list(spec.key)]
        dup = keyed.duplicated(keep="first").to_numpy()
        if dup.any():
            first = keyed.drop_duplicates(keep="first")
            first_rows = dict(zip(map(tuple, first.itertuples(index=False)), raw.loc[first.index, ROW]))
            positions = np.flatnonzero(good)[dup]
            mask = np.zeros(len(raw), dtype=bool)
            mask[positions] = True
            keys = out[list(spec.key)]
            label = "id" if spec.key == (spec.id_column,) else "key (" + ", ".join(spec.key) + ")"

            def dup_reason(pos: int) -> str:
                k = tuple(keys.iloc[pos])
                shown = ", ".join(v.date().isoformat() if isinstance(v, pd.Timestamp) else str(v) for v in k)
                return f"duplicate {label} {_quote(shown)}: first seen at row {first_rows.get(k)}"

            col.add(mask, spec.key[0], dup_reason)

    out[ROW] = raw[ROW].to_numpy()
    typed = out.loc[~col.bad].reset_index(drop=True) if col.bad.any() else out
    issues = [issue for _, issue in sorted(col.issues, key=lambda pi: pi[0])]
    return typed, issues


def _clean_text(series: pd.Series, strip: bool = True) -> pd.Series:
    """Strip surrounding blanks (not in free text); an empty value is missing. All in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = to_arrow(series)
    if strip:
        arrow = pc.utf8_trim_whitespace(arrow)
    empty = pc.equal(pc.utf8_length(arrow), 0)
    if pc.any(empty).as_py():  # copying long free text only when there is something to blank
        arrow = pc.if_else(empty, pa.scalar(None, pa.string()), arrow)
    return pd.Series(pd.arrays.ArrowStringArray(arrow), index=series.index)


def _missing_column(kind: str, n: int) -> pd.Series:
    if kind in (TIMESTAMP,):
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns, UTC]")
    if kind == DATE:
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if kind in (INT, FLOAT):
        return pd.Series(np.nan, index=range(n), dtype="float64")
    if kind == BOOL:
        return pd.Series(pd.NA, index=range(n), dtype="boolean")
    return pd.Series([None] * n, index=range(n), dtype=object)


def _convert(text: pd.Series, present: np.ndarray, column, col: _Collector, tz: ZoneInfo) -> pd.Series:
    kind = column.kind
    name = column.name
    if kind in (STR, LIST, TEXT):
        return text
    if kind in (INT, FLOAT):
        num = _arrow_cast(text, "float64")
        if num is None:
            num = pd.to_numeric(text, errors="coerce").astype("float64")
        values = num.to_numpy()
        bad = present & ~np.isfinite(values)
        if kind == INT:
            bad |= present & np.isfinite(values) & (np.floor(values) != values)
        col.add(bad, name, lambda pos: f"expected {_EXPECTED[kind]}, got {_quote(text.iloc[pos])}")
        with np.errstate(invalid="ignore"):
            huge = present & ~bad & (np.abs(values) > MAX_NUMBER)
        col.add(huge, name, lambda pos: f"out of range: expected at most {MAX_NUMBER:.0e} in absolute value, "
                                        f"got {_quote(text.iloc[pos])}")
        bad |= huge
        if column.non_negative:
            neg = present & ~bad & (values < 0)
            col.add(neg, name, lambda pos: f"must not be negative, got {_quote(text.iloc[pos])}")
        return num
    if kind == BOOL:
        lower = text.str.lower()
        fast = _arrow_cast(lower, "bool")  # true/false/1/0 exports parse in Arrow directly
        if fast is not None:
            is_true = fast.to_numpy(dtype=bool, na_value=False)
            is_false = ~is_true & present
        else:
            is_true = is_in(lower, TRUE_WORDS)
            is_false = is_in(lower, FALSE_WORDS)
        bad = present & ~is_true & ~is_false
        col.add(bad, name, lambda pos: f"expected {_EXPECTED[BOOL]}, got {_quote(text.iloc[pos])}")
        result = pd.Series(pd.NA, index=text.index, dtype="boolean")
        result[is_true] = True
        result[is_false] = False
        return result
    if kind == TIMESTAMP:
        ts = parse_timestamps(text, tz)
        bad = present & ts.isna().to_numpy()
        col.add(bad, name, lambda pos: _time_reason(TIMESTAMP, text.iloc[pos]))
        return ts
    if kind == DATE:
        ts = parse_timestamps(text, tz)
        bad = present & ts.isna().to_numpy()
        col.add(bad, name, lambda pos: _time_reason(DATE, text.iloc[pos]))
        # A date column holding a timestamp keeps the local calendar day.
        return ts.dt.tz_convert(tz).dt.tz_localize(None).dt.normalize().astype("datetime64[ns]")
    raise AssertionError(kind)


def _time_reason(kind: str, value: object) -> str:
    """Why a dated value was refused: out of the supported years, or not a time at all."""
    text = str(value).strip()
    if len(text) >= 4 and text[:4].isdecimal() and not FIRST_YEAR <= int(text[:4]) <= LAST_YEAR:
        return f"out of range: expected a year {FIRST_YEAR}-{LAST_YEAR}, got {_quote(value)}"
    return f"expected {_EXPECTED[kind]}, got {_quote(value)}"


def _in_years(text: pd.Series) -> pd.Series:
    """Text that starts with a four-digit year in FIRST_YEAR..LAST_YEAR; anything else is missing
    (refused by the caller), so that the parser never meets a value it cannot hold."""
    year = pd.to_numeric(text.str.slice(0, 4).where(text.str.match(r"\d{4}(?:-|\d{4}|$)")), errors="coerce")
    ok = ((year >= FIRST_YEAR) & (year <= LAST_YEAR)).fillna(False).to_numpy(dtype=bool)
    return text.where(ok)


def parse_timestamps(text: pd.Series, tz: ZoneInfo) -> pd.Series:
    """ISO 8601 text to UTC; a value without an offset is local time in ``tz``. A value outside the
    years FIRST_YEAR..LAST_YEAR is missing (NaT), never an overflow."""
    fast = _arrow_cast(text, "timestamp")
    if fast is not None and (fast.dropna().empty or (fast.min() >= EARLIEST and fast.max() < LATEST)):
        return fast  # every value carries Z or an offset: the common export
    text = _in_years(text.astype("string"))
    values = text.astype(object)
    lower_z = text.str.endswith("z").fillna(False).to_numpy(dtype=bool)
    if lower_z.any():  # ISO 8601 allows a lower-case z; the parser does not
        values = values.where(~lower_z, text.str.slice(0, -1) + "Z")
    utc = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
    if str(tz) in ("UTC", "Etc/UTC", "GMT"):
        return utc.astype("datetime64[ns, UTC]")
    strings = values.dropna()
    ends_z = strings.str.endswith(("Z", "z"))
    candidates = strings[~ends_z.astype(bool)]
    if candidates.empty:
        return utc.astype("datetime64[ns, UTC]")
    has_offset = candidates.str.contains(_OFFSET, regex=True)
    naive_idx = candidates.index[~has_offset.astype(bool)]
    if len(naive_idx):
        local = pd.to_datetime(values[naive_idx], format="ISO8601", errors="coerce")
        # DST: an ambiguous local time is read as the first (daylight) one; a time in the
        # spring-forward gap moves forward. Both are documented in the README.
        localized = local.dt.tz_localize(tz, ambiguous=np.ones(len(local), dtype=bool), nonexistent="shift_forward")
        utc = utc.astype("datetime64[ns, UTC]")
        utc.loc[naive_idx] = localized.dt.tz_convert("UTC")
    return utc.astype("datetime64[ns, UTC]")


def _arrow_cast(text: pd.Series, target: str) -> pd.Series | None:
    """Vectorised parse in Arrow when every value parses; None sends the caller to the slow,
    value-by-value route that can say which values are wrong. Timestamps only take this path
    when every value carries Z or an offset (Arrow refuses naive ones for a zoned type)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arrow = pa.chunked_array(text.array.__arrow_array__()) if hasattr(text.array, "__arrow_array__") else None
    except (TypeError, pa.ArrowException):
        arrow = None
    if arrow is None or arrow.type != pa.string() and arrow.type != pa.large_string():
        return None
    to = {"float64": pa.float64(), "bool": pa.bool_()}.get(target, pa.timestamp("ns", tz="UTC"))
    try:
        cast = pc.cast(arrow, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if target == "float64":
        values = cast.to_numpy() if cast.num_chunks else np.array([], dtype=float)
        return pd.Series(values.astype(float), index=text.index)
    if target == "bool":
        return pd.Series(cast.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get).array, index=text.index)
    series = cast.to_pandas()
    series.index = text.index
    return series.astype("datetime64[ns, UTC]")


def _empty(spec: DatasetSpec) -> pd.DataFrame:
    df = pd.DataFrame({c.name: _missing_column(c.kind, 0) for c in spec.columns})
    df[ROW] = pd.Series([], dtype=np.int64)
    return df
