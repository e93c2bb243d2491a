"""Convert a folder of canonical CSV files into Parquet folders, as `reporter import --format parquet`
writes them (benchmarks only): python3 benchmarks/to_parquet.py CSV_FOLDER OUT_FOLDER"""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

from reporter.importers.merge import MergePlan, combine_rows, merge_rows
from reporter.importers.parquet_out import merge_parquet


def convert(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    csv.field_size_limit(1 << 30)
    for path in sorted(source.iterdir()):
        if path.suffix == ".csv":
            with path.open(newline="", encoding="utf-8-sig") as fh:
                rows = [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(fh)]
            plan = MergePlan()
            merge_parquet(target / path.stem, path.stem, combine_rows(path.stem, rows, plan.issues), plan, False,
                          merge_rows)
        elif path.is_file() and not path.name.startswith("."):
            shutil.copy(path, target / path.name)


if __name__ == "__main__":
    convert(Path(sys.argv[1]), Path(sys.argv[2]))
