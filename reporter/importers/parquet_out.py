"""`reporter import --format parquet`: a dataset as a folder of Parquet files, one per month.

    pull_requests/month=2026-03/part-0.parquet

The month is the UTC month of the row's first dated value (``engine.PARTITION_COLUMNS``: a PR
by its merged_at, else its created_at), so that the loader reads only the months a report
reaches (hive partitions pruned in the scan); rows without one go to ``month=none``. Columns
hold the canonical text a CSV would (the loader validates them exactly alike, so a report
built from the folder equals one built from the CSV). Rows keep the merge's order within a
month; files are rewritten only when their bytes change, so importing the same export twice
changes no byte.
"""

from __future__ import annotations

import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from ..files import write_folder
from ..inputs.engine import NO_MONTH, PARTITION, PARTITION_COLUMNS
from ..inputs.spec import DATASETS
from ..inputs.validate import parse_timestamps
from .base import ImportFormatError

_FILE = "part-0.parquet"
_UTC = ZoneInfo("UTC")


def read_rows(folder: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows (text, empty values left out) of a folder this module wrote, in path order."""
    import pyarrow.parquet as pq

    header: list[str] = []
    rows: list[dict[str, str]] = []
    for path in sorted(folder.rglob("*.parquet")):
        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises several unrelated types
            raise ImportFormatError(f"{path}: cannot read Parquet ({exc}); fix or remove it before importing") from exc
        names = [n for n in table.column_names if n != PARTITION]
        header += [n for n in names if n not in header]
        for record in table.select(names).to_pylist():
            rows.append({k: str(v) for k, v in record.items() if v is not None and str(v) != ""})
    return header, rows


def months(dataset: str, rows: list[dict[str, str]]) -> list[str]:
    """Each row's partition: the UTC month of its first dated value (naive times read as UTC: a
    partition only steers pruning, and the loader's windows are padded by a day)."""
    columns = PARTITION_COLUMNS.get(dataset, ())
    out = pd.Series([NO_MONTH] * len(rows), dtype=object)
    todo = pd.Series(True, index=out.index)
    for column in columns:
        text = pd.Series([r.get(column) for r in rows], dtype="string").str.strip().replace("", pd.NA)
        parsed = parse_timestamps(text, _UTC)
        hit = todo & parsed.notna()
        out[hit] = parsed[hit].dt.strftime("%Y-%m")
        todo &= ~hit
    return out.tolist()


def merge_parquet(folder: Path, dataset: str, incoming: dict, plan, dry_run: bool, merge_rows) -> None:
    """Merge ``incoming`` into the dataset's folder and write the months whose bytes change."""
    from .merge import MergeStats, merge_key

    stats = MergeStats(folder.name + "/")
    header, existing = read_rows(folder) if folder.is_dir() else ([], [])
    if existing:
        missing = [c for c in merge_key(dataset) if c not in header and DATASETS[dataset].column(c).required]
        if missing:
            raise ImportFormatError(f"{folder}: has no {', '.join(missing)} column; cannot merge into it")
    merged, columns = merge_rows(dataset, header, existing, incoming, stats)
    parts: dict[str, list[dict[str, str]]] = {}
    for month, row in zip(months(dataset, merged), merged):
        parts.setdefault(month if dataset in PARTITION_COLUMNS else "", []).append(row)
    wanted = {}
    for month, rows in sorted(parts.items()):
        path = folder / (f"{PARTITION}={month}" if month else "") / _FILE
        wanted[path] = _parquet_bytes(columns, rows)
    stale = [p for p in folder.rglob("*.parquet") if p not in wanted] if folder.is_dir() else []
    changed = [p for p, data in wanted.items() if not p.is_file() or p.read_bytes() != data]
    if changed or stale:
        stats.written = True
        if not dry_run:  # the whole folder at once: never some months new and others old
            write_folder(folder, {str(p.relative_to(folder)): wanted[p] for p in changed},
                         remove=[str(p.relative_to(folder)) for p in stale])
    plan.stats.append(stats)


def _parquet_bytes(columns: list[str], rows: list[dict[str, str]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in columns})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", row_group_size=100_000)
    return buf.getvalue()

