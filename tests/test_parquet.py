"""Parquet as a first-class input: `reporter import --format parquet` writes a folder per dataset,
partitioned by month; a report reads it (pruned by its window) and gets the metrics the CSV gives."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reporter.build import compute_report, to_json
from reporter.importers.base import ImportResult
from reporter.importers.merge import plan_and_write
from reporter.inputs.engine import _prunable
from reporter.inputs.load import load_inputs, survey_inputs
from reporter.inputs.plan import DatasetRead, Range, report_plan
from test_engine import TODAY, edge_folder

UTC = dt.timezone.utc


def to_parquet(csv_folder: Path, out: Path) -> None:
    """What `reporter import --format parquet` does with canonical rows (merge.plan_and_write)."""
    result = ImportResult()
    for path in sorted(csv_folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                result.add(path.stem, row)
    plan_and_write(out, result, fmt="parquet")
    (out / "reporter.yaml").write_bytes((csv_folder / "reporter.yaml").read_bytes())


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("pq")
    csv_folder = edge_folder(root / "csv")
    parquet_folder = root / "parquet"
    to_parquet(csv_folder, parquet_folder)
    return csv_folder, parquet_folder


def _comparable(doc: dict) -> str:
    """metrics.json without what names files (lineage, coverage file lists, reasons quoting them)."""
    doc = json.loads(to_json(doc))
    doc.pop("inputs")
    doc["data_quality"].pop("validated_window")
    for cov in doc["coverage"]["datasets"].values():
        cov.pop("files")
    text = json.dumps(doc, sort_keys=True)
    for name in ("pull_requests", "commits", "deployments", "incidents", "work_items", "people"):
        text = text.replace(f"{name}/", f"{name}.csv")
    return text


def test_partitions_by_month_of_the_first_dated_value(folders):
    _, parquet = folders
    prs = parquet / "pull_requests"
    # By hand: gamma#1 merged 2025-01-10; delta#1 merged 2026-05-15; alpha#old merged 2025-06-01.
    held = {pr: path.parent.name for path in prs.rglob("*.parquet") for pr in pq.read_table(path)["id"].to_pylist()}
    assert held["gamma#1"] == "month=2025-01" and held["delta#1"] == "month=2026-05"
    assert held["alpha#old"] == "month=2025-06"
    deps = {d: p.parent.name for p in (parquet / "deployments").rglob("*.parquet")
            for d in pq.read_table(p)["id"].to_pylist()}
    assert deps["de1"] == "month=2026-07" and deps["g1"] == "month=2026-05"
    assert [p.relative_to(parquet).as_posix() for p in (parquet / "people").rglob("*.parquet")] == ["people/part-0.parquet"]
    assert all(t == pa.string() for t in pq.read_table(prs / "month=2025-01" / "part-0.parquet").schema.types)


def test_importing_the_same_rows_twice_changes_no_byte(folders, tmp_path):
    csv_folder, parquet = folders
    before = {p: p.read_bytes() for p in parquet.rglob("*.parquet")}
    result = ImportResult()
    with (csv_folder / "deployments.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            result.add("deployments", row)
    plan = plan_and_write(parquet, result, fmt="parquet")
    assert [s.written for s in plan.stats] == [False]
    assert {p: p.read_bytes() for p in parquet.rglob("*.parquet")} == before


def test_csv_and_parquet_folder_alongside_are_refused(folders, tmp_path):
    from reporter.importers.base import ImportFormatError

    csv_folder, _ = folders
    target = tmp_path / "mixed"
    target.mkdir()
    (target / "deployments.csv").write_bytes((csv_folder / "deployments.csv").read_bytes())
    result = ImportResult()
    result.add("deployments", {"id": "x", "service": "s", "finished_at": "2026-01-01T00:00:00Z"})
    with pytest.raises(ImportFormatError, match="deployments.csv exists"):
        plan_and_write(target, result, fmt="parquet")


@pytest.mark.parametrize("cadence,period", [("weekly", "2026-W20"), ("monthly", "2026-05"), ("quarterly", "2026-Q2"),
                                            ("weekly", None)])
def test_parquet_folders_give_the_metrics_of_the_csv(folders, cadence, period):
    csv_folder, parquet = folders
    a = compute_report(cadence, csv_folder, period_id=period, today=TODAY)
    b = compute_report(cadence, parquet, period_id=period, today=TODAY)
    assert _comparable(a) == _comparable(b)
    lineage = b["inputs"]
    assert "pull_requests/month=2025-01/part-0.parquet" in lineage
    assert sum(v["rows"] for k, v in lineage.items() if k.startswith("pull_requests/")) == \
        a["inputs"]["pull_requests.csv"]["rows"]


def test_a_typed_parquet_file_windowed_reads_what_the_csv_does(tmp_path):
    """Typed columns (timestamps, integers, booleans, lists) compare in the scan and read as CSV text."""
    tz = ZoneInfo("Europe/Berlin")
    rows = [("1", dt.datetime(2026, 3, 1, 22, 30, tzinfo=UTC), 3, True, ["ai", "x"]),   # Berlin: 2026-03-01 23:30
            ("2", dt.datetime(2026, 3, 4, 9, tzinfo=UTC), 5, None, []),
            ("3", dt.datetime(2026, 4, 20, 9, tzinfo=UTC), -1, False, None)]            # outside, invalid
    table = pa.table({"id": [r[0] for r in rows], "repo": ["web"] * 3, "author": ["ann"] * 3,
                      "created_at": pa.array([r[1] for r in rows], pa.timestamp("us", tz="UTC")),
                      "additions": pa.array([r[2] for r in rows], pa.int64()),
                      "ai_assisted": pa.array([r[3] for r in rows], pa.bool_()),
                      "labels": pa.array([r[4] for r in rows], pa.list_(pa.string()))})
    (tmp_path / "pq").mkdir()
    pq.write_table(table, tmp_path / "pq" / "pull_requests.parquet")
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "pull_requests.csv").write_text(
        "id,repo,author,created_at,additions,ai_assisted,labels\n"
        "1,web,ann,2026-03-01T22:30:00Z,3,true,ai;x\n2,web,ann,2026-03-04T09:00:00Z,5,,\n"
        "3,web,ann,2026-04-20T09:00:00Z,-1,false,\n", encoding="utf-8")
    plan = report_plan(dt.date(2026, 3, 2), dt.date(2026, 3, 9), tz)
    got = {}
    for kind in ("pq", "csv"):
        folder = tmp_path / kind
        (folder / "people.csv").write_text("person,team\nann,web\n", encoding="utf-8")
        inputs = load_inputs(folder, tz, plan=plan, survey=survey_inputs(folder, tz))
        frame = inputs["pull_requests"]
        got[kind] = (frame[["id", "created_at", "additions", "ai_assisted", "labels", "_row"]].astype(object)
                     .where(frame[["id", "created_at", "additions", "ai_assisted", "labels", "_row"]].notna(), None)
                     .values.tolist(), [i.as_dict() for i in inputs.skipped])
    assert [r[:-1] for r in got["pq"][0]] == [r[:-1] for r in got["csv"][0]]
    assert [r[0] for r in got["pq"][0]] == ["1", "2"]  # row 3 (April) not read, so not listed
    assert got["pq"][1] == got["csv"][1] == []
    assert [r[-1] for r in got["pq"][0]] == [1, 2]  # Parquet rows count from 1, CSV from 2 (header)
    assert [r[-1] for r in got["csv"][0]] == [2, 3]


def test_pruning_starts_at_the_earliest_month_a_range_reaches():
    since = dt.datetime(2026, 3, 1, 23, tzinfo=UTC)
    read = DatasetRead(("id",), (Range("merged_at", since, None), Range("created_at", since + dt.timedelta(days=9))))
    assert _prunable("pull_requests", read) == "2026-03"
    # A range that also takes empty values (open work items) or is unbounded before prunes nothing.
    assert _prunable("work_items", DatasetRead(("id",), (Range("created_at", since, None, or_missing=True),))) is None
    assert _prunable("pull_requests", DatasetRead(("id",), (Range("merged_at", None, since),))) is None
    assert _prunable("people", DatasetRead(("person",), (Range("start_date", since),))) is None
