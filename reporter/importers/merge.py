"""Merge imported rows into a folder of canonical CSVs without ever duplicating a record.

A row is identified by its dataset's key (``id``, ``sha``, ``person``, ``date+person+tool+feature``
...). Re-importing an export updates the rows it holds (a PR merged since the last export gets
its ``merged_at``; columns only the folder has, such as a hand-set ``ai_assisted``, are kept) and
adds the new ones; rows the folder holds that the export lacks are kept.
Files are written atomically, rows in a stable order, so importing the same export twice changes
no byte.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..files import write_all_atomic
from ..inputs.spec import DATASETS, FILE_EXTENSIONS
from .base import ImportFormatError, ImportIssue, ImportResult

# Datasets whose spec has no unique key still need one for merging.
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "ai_costs": ("date", "tool", "category", "currency", "team"),
    "releases": ("date", "team", "title"),
    "surveys": ("date", "team"),
    "security_findings": ("date", "severity", "service"),
}
# Within one import, rows of these datasets that share a key are parts of one total.
_ADDITIVE: dict[str, tuple[str, ...]] = {"ai_costs": ("amount", "tokens")}


def merge_key(dataset: str) -> tuple[str, ...]:
    return DATASETS[dataset].key or MERGE_KEYS[dataset]


@dataclass
class MergeStats:
    file: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # rows the folder held that this import did not mention
    written: bool = False

    def describe(self) -> str:
        parts = [f"{self.added} added", f"{self.updated} updated", f"{self.unchanged} unchanged"]
        if self.kept:
            parts.append(f"{self.kept} kept from before")
        return f"{self.file}: {', '.join(parts)}"


@dataclass
class MergePlan:
    stats: list[MergeStats] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)


def _natural(value: str) -> tuple:
    """Sort key: digit runs by their number, compared as (length, digits) so that a run too long
    for int() (over 4,300 digits) cannot fail the import."""
    return tuple(_digits(p) if p.isdecimal() else p for p in re.split(r"(\d+)", value))


def _digits(run: str) -> tuple[int, str]:
    significant = run.lstrip("0") or "0"
    return len(significant), significant


def combine_rows(dataset: str, rows: list[dict[str, str]], issues: list[ImportIssue]
                 ) -> dict[tuple, dict[str, str]]:
    """One row per key: additive datasets sum their amounts, others keep the first and report."""
    key_cols = merge_key(dataset)
    out: dict[tuple, dict[str, str]] = {}
    for number, row in enumerate(rows, start=1):
        key = tuple(row.get(c, "") for c in key_cols)
        if key not in out:
            out[key] = dict(row)
            continue
        if dataset in _ADDITIVE:
            merged = out[key]
            for col in _ADDITIVE[dataset]:
                if col in row or col in merged:
                    try:
                        total = Decimal(merged.get(col) or 0) + Decimal(row.get(col) or 0)
                    except InvalidOperation:
                        raise ImportFormatError(f"{dataset}: {col} {row.get(col)!r} is not a number") from None
                    merged[col] = format(total.normalize(), "f") if total else "0"
        elif row != out[key]:
            issues.append(ImportIssue(f"{dataset} (imported)", number,
                                      f"two records share the key {dict(zip(key_cols, key))}; the first is kept",
                                      "/".join(key)))
    return out


def _read_existing(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        rows = []
        for line, row in enumerate(reader, start=2):
            if None in row or any(v is None for v in row.values()):
                raise ImportFormatError(f"{path.name}: line {line}: wrong number of fields; fix the file "
                                        "before importing into it")
            rows.append({k.strip(): v for k, v in row.items() if v != ""})
    return header, rows


def plan_and_write(out_dir: Path, result: ImportResult, dry_run: bool = False, fmt: str = "csv") -> MergePlan:
    """Merge ``result`` into OUT_DIR's canonical CSVs (``fmt`` "csv") or folders of Parquet files
    partitioned by month (``fmt`` "parquet", see ``parquet_out``); returns what changed per file."""
    out_dir = Path(out_dir)
    plan = MergePlan()
    pending: dict[Path, bytes] = {}  # CSV files are written together at the end: all of them or none
    for dataset in sorted(result.rows):
        if dataset not in DATASETS:
            raise ImportFormatError(f"importer produced unknown dataset {dataset!r}")
        mine = out_dir / (dataset if fmt == "parquet" else f"{dataset}.csv")
        others = [out_dir / f"{dataset}{ext}" for ext in FILE_EXTENSIONS] + [out_dir / dataset]
        clash = [p.name for p in others if p != mine and p.exists()]
        if clash:
            what = f"{dataset}/ (Parquet, --format parquet)" if fmt == "parquet" else f"{dataset}.csv"
            raise ImportFormatError(f"{out_dir / clash[0]} exists: import merges into {what} only; "
                                    "convert that file or import into another folder")
        if fmt == "parquet":
            from .parquet_out import merge_parquet

            merge_parquet(out_dir / dataset, dataset, combine_rows(dataset, result.rows[dataset], plan.issues), plan,
                          dry_run, merge_rows)
            continue
        target = out_dir / f"{dataset}.csv"
        incoming = combine_rows(dataset, result.rows[dataset], plan.issues)
        key_cols = merge_key(dataset)
        stats = MergeStats(target.name)
        header: list[str] = []
        existing: list[dict[str, str]] = []
        if target.exists():
            header, existing = _read_existing(target)
            missing = [c for c in key_cols if c not in header and DATASETS[dataset].column(c).required]
            if missing:
                raise ImportFormatError(f"{target}: has no {', '.join(missing)} column; cannot merge into it")
        merged, columns = merge_rows(dataset, header, existing, incoming, stats)
        text = _to_csv(columns, merged)
        if not target.exists() or target.read_text(encoding="utf-8-sig") != text:
            stats.written = True
            if not dry_run:
                pending[target] = text.encode("utf-8")
        plan.stats.append(stats)
    write_all_atomic(pending)
    return plan


def merge_rows(dataset: str, header: list[str], existing: list[dict[str, str]], incoming: dict[tuple, dict[str, str]],
               stats: MergeStats) -> tuple[list[dict[str, str]], list[str]]:
    """The folder's rows updated by the import's (same key), then the new ones in key order; the columns."""
    key_cols = merge_key(dataset)
    merged: list[dict[str, str]] = []
    seen: set[tuple] = set()
    for row in existing:
        key = tuple(row.get(c, "") for c in key_cols)
        if key in seen:  # already duplicated by hand: leave it for the loader to report
            merged.append(row)
            continue
        seen.add(key)
        new = incoming.pop(key, None)
        if new is not None:  # columns only the folder holds (added by hand) survive a re-import
            new = {**row, **new}
        if new is None:
            stats.kept += 1
            merged.append(row)
        elif new == row:
            stats.unchanged += 1
            merged.append(row)
        else:
            stats.updated += 1
            merged.append(new)
    for key in sorted(incoming, key=lambda k: tuple(_natural(v) for v in k)):
        stats.added += 1
        merged.append(incoming[key])
    columns = list(header)
    spec_order = [c.name for c in DATASETS[dataset].columns]
    for col in spec_order + sorted({k for row in merged for k in row} - set(spec_order)):
        if col not in columns and any(col in row for row in merged):
            columns.append(col)
    return merged, columns


def _to_csv(columns: list[str], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buf.getvalue()
