"""Shared helpers: write a small input folder from Python rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml


def write_inputs(folder: Path, config: dict | None = None, **datasets: list[dict]) -> Path:
    """Write each dataset as CSV (columns = union of the rows' keys, in first-seen order)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in datasets.items():
        columns: dict[str, None] = {}
        for row in rows:
            for key in row:
                columns.setdefault(key, None)
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(columns))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: "" if v is None else v for k, v in row.items()})
    if config is not None:
        (folder / "reporter.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture
def make_inputs(tmp_path: Path):
    counter = {"n": 0}

    def make(config: dict | None = None, **datasets: list[dict]) -> Path:
        counter["n"] += 1
        return write_inputs(tmp_path / f"in{counter['n']}", config, **datasets)

    return make
