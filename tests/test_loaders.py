"""Tests for reporter/inputs/: reading every format, typing values, and reporting every skipped row."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reporter.errors import InputError
from reporter.inputs.load import Inputs, load_inputs

UTC_TZ = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def ts(*args) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime(*args, tzinfo=dt.timezone.utc))


def local_to_utc(tz: ZoneInfo, *args) -> pd.Timestamp:
    """Independent route for naive local times: zoneinfo arithmetic, not pandas parsing."""
    return pd.Timestamp(dt.datetime(*args, tzinfo=tz).astimezone(dt.timezone.utc))


def plain(value):
    """A frame cell as a plain Python value (None for any kind of missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, pd.Timestamp):
        return value.item()
    return value


def records(df: pd.DataFrame, columns: list[str]) -> list[dict]:
    return [{c: plain(df[c].iloc[i]) for c in columns} for i in range(len(df))]


def load(folder: Path, tz: ZoneInfo = UTC_TZ, strict: bool = False) -> Inputs:
    return load_inputs(folder, tz, strict=strict)


def write_csv(folder: Path, name: str, lines: list[str], bom: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


# ---------------------------------------------------------------------------
# The same dataset in every format

# Three pull requests, as typed records (what JSON/NDJSON/Parquet hold natively).
PRS = [
    {
        "id": "101", "repo": "web", "author": "alice",
        "created_at": "2026-03-02T09:00:00Z", "merged_at": "2026-03-02T11:30:00+02:00",
        "additions": 10, "deletions": 2, "labels": ["ai", "bugfix"], "ai_assisted": True,
        "title": "Fix rounding, again",
    },
    {
        "id": "102", "repo": "api", "author": "bob",
        "created_at": "2026-03-03T10:00:00Z", "merged_at": None,
        "additions": 0, "deletions": None, "labels": [], "ai_assisted": False,
        "title": None,
    },
    {
        "id": "103", "repo": "api", "author": "carol",
        "created_at": "2026-03-04T08:15:00Z", "merged_at": "2026-03-05T16:00:00Z",
        "additions": 250, "deletions": 40, "labels": ["refactor"], "ai_assisted": None,
        "title": "Split the \"billing\" module",
    },
]
COLUMNS = ["id", "repo", "author", "created_at", "merged_at", "additions", "deletions", "labels", "ai_assisted", "title"]

# Hand-computed typed values: 11:30+02:00 is 09:30Z; ints become floats (NaN-able); lists stay ';'-joined.
EXPECTED = [
    {"id": "101", "repo": "web", "author": "alice", "created_at": ts(2026, 3, 2, 9), "merged_at": ts(2026, 3, 2, 9, 30),
     "additions": 10.0, "deletions": 2.0, "labels": "ai;bugfix", "ai_assisted": True, "title": "Fix rounding, again"},
    {"id": "102", "repo": "api", "author": "bob", "created_at": ts(2026, 3, 3, 10), "merged_at": None,
     "additions": 0.0, "deletions": None, "labels": None, "ai_assisted": False, "title": None},
    {"id": "103", "repo": "api", "author": "carol", "created_at": ts(2026, 3, 4, 8, 15),
     "merged_at": ts(2026, 3, 5, 16), "additions": 250.0, "deletions": 40.0, "labels": "refactor",
     "ai_assisted": None, "title": 'Split the "billing" module'},
]

PRS_CSV = [
    "id,repo,author,created_at,merged_at,additions,deletions,labels,ai_assisted,title",
    "101,web,alice,2026-03-02T09:00:00Z,2026-03-02T11:30:00+02:00,10,2,ai;bugfix,true,\"Fix rounding, again\"",
    "102,api,bob,2026-03-03T10:00:00Z,,0,,,false,",
    "103,api,carol,2026-03-04T08:15:00Z,2026-03-05T16:00:00Z,250,40,refactor,,\"Split the \"\"billing\"\" module\"",
]


def write_format(folder: Path, fmt: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return write_csv(folder, "pull_requests.csv", PRS_CSV)
    if fmt == "json":
        path = folder / "pull_requests.json"
        path.write_text(json.dumps(PRS, indent=2), encoding="utf-8")
    elif fmt == "json-object":
        path = folder / "pull_requests.json"
        path.write_text(json.dumps({"exported_at": "2026-03-06", "pull_requests": PRS}), encoding="utf-8")
    elif fmt == "ndjson":
        path = folder / "pull_requests.ndjson"
        path.write_text("".join(json.dumps(r) + "\n" for r in PRS), encoding="utf-8")
    elif fmt == "parquet":
        path = folder / "pull_requests.parquet"
        table = pa.table(
            {
                "id": pa.array([r["id"] for r in PRS], pa.string()),
                "repo": pa.array([r["repo"] for r in PRS], pa.string()),
                "author": pa.array([r["author"] for r in PRS], pa.string()),
                "created_at": pa.array(
                    [dt.datetime(2026, 3, 2, 9), dt.datetime(2026, 3, 3, 10), dt.datetime(2026, 3, 4, 8, 15)],
                    pa.timestamp("us", tz="UTC"),
                ),
                "merged_at": pa.array(
                    [dt.datetime(2026, 3, 2, 9, 30), None, dt.datetime(2026, 3, 5, 16)], pa.timestamp("us", tz="UTC")
                ),
                "additions": pa.array([10, 0, 250], pa.int64()),
                "deletions": pa.array([2, None, 40], pa.int64()),
                "labels": pa.array([["ai", "bugfix"], [], ["refactor"]], pa.list_(pa.string())),
                "ai_assisted": pa.array([True, False, None], pa.bool_()),
                "title": pa.array([r["title"] for r in PRS], pa.string()),
            }
        )
        pq.write_table(table, path)
    else:  # pragma: no cover
        raise AssertionError(fmt)
    return path


FORMATS = ["csv", "json", "json-object", "ndjson", "parquet"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_loads_the_same_typed_values(tmp_path, fmt):
    write_format(tmp_path, fmt)
    inputs = load(tmp_path)
    df = inputs["pull_requests"]
    assert inputs.skipped == []
    assert inputs.warnings == []
    assert records(df, COLUMNS) == EXPECTED
    assert str(df["created_at"].dtype) == "datetime64[ns, UTC]"
    assert str(df["merged_at"].dtype) == "datetime64[ns, UTC]"
    assert str(df["ai_assisted"].dtype) == "boolean"
    assert inputs.has("pull_requests") and not inputs.has("deployments")
    assert len(inputs["deployments"]) == 0


def test_formats_agree_with_each_other(tmp_path):
    frames = {}
    for fmt in FORMATS:
        write_format(tmp_path / fmt, fmt)
        frames[fmt] = load(tmp_path / fmt)["pull_requests"][COLUMNS].reset_index(drop=True)
    for fmt in FORMATS[1:]:
        pd.testing.assert_frame_equal(
            frames["csv"].astype(object).where(frames["csv"].notna(), None),
            frames[fmt].astype(object).where(frames[fmt].notna(), None),
            obj=fmt,
        )


@pytest.mark.parametrize(("fmt", "rows"), [("csv", [2, 3, 4]), ("json", [1, 2, 3]), ("ndjson", [1, 2, 3]),
                                           ("parquet", [1, 2, 3])])
def test_row_numbers_per_format(tmp_path, fmt, rows):
    # CSV counts the header as row 1; JSON/Parquet are 1-based records; NDJSON is the line number.
    write_format(tmp_path, fmt)
    assert load(tmp_path)["pull_requests"]["_row"].tolist() == rows


def test_csv_with_utf8_bom(tmp_path):
    write_csv(tmp_path, "pull_requests.csv", PRS_CSV, bom=True)
    inputs = load(tmp_path)
    assert inputs.skipped == []
    assert records(inputs["pull_requests"], COLUMNS) == EXPECTED


def test_json_with_bom_and_ndjson_blank_lines(tmp_path):
    a = tmp_path / "a"
    a.mkdir()
    (a / "pull_requests.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(PRS).encode())
    assert records(load(a)["pull_requests"], COLUMNS) == EXPECTED
    b = tmp_path / "b"
    b.mkdir()
    lines = [json.dumps(PRS[0]), "", json.dumps(PRS[1]), "   ", json.dumps(PRS[2])]
    (b / "pull_requests.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    df = load(b)["pull_requests"]
    assert records(df, COLUMNS) == EXPECTED
    assert df["_row"].tolist() == [1, 3, 5]  # line numbers, blank lines counted


def test_jsonl_extension_is_ndjson(tmp_path):
    (tmp_path / "pull_requests.jsonl").write_text("".join(json.dumps(r) + "\n" for r in PRS), encoding="utf-8")
    assert records(load(tmp_path)["pull_requests"], COLUMNS) == EXPECTED


# ---------------------------------------------------------------------------
# Timestamps, booleans, lists


def pr_lines(created: list[str]) -> list[str]:
    return ["id,repo,author,created_at"] + [f"{i},web,a,{c}" for i, c in enumerate(created, start=1)]


def test_timestamps_offsets_and_z(tmp_path):
    write_csv(tmp_path, "pull_requests.csv", pr_lines([
        "2026-03-02T09:00:00Z",
        "2026-03-02T11:00:00+02:00",  # 11:00 at +2 = 09:00Z
        "2026-03-02T04:00:00-05:00",  # 04:00 at -5 = 09:00Z
        "2026-03-02T09:00:00.250Z",
        "2026-03-02 09:00:00+00:00",
    ]))
    got = load(tmp_path, BERLIN)["pull_requests"]["created_at"].tolist()
    nine = ts(2026, 3, 2, 9)
    assert got == [nine, nine, nine, nine + pd.Timedelta(milliseconds=250), nine]


def test_naive_timestamps_use_configured_timezone(tmp_path):
    values = ["2026-03-02 09:00", "2026-07-01T09:00:00", "2026-01-15 09:00", "2026-03-02"]
    write_csv(tmp_path, "pull_requests.csv", pr_lines(values))
    berlin = load(tmp_path, BERLIN)["pull_requests"]["created_at"].tolist()
    # Berlin: CET (+1) in March -> 08:00Z; CEST (+2) in July -> 07:00Z; Jan -> 08:00Z;
    # a bare date is local midnight: 2026-03-02 00:00 CET = 2026-03-01 23:00Z.
    assert berlin == [ts(2026, 3, 2, 8), ts(2026, 7, 1, 7), ts(2026, 1, 15, 8), ts(2026, 3, 1, 23)]
    assert berlin == [local_to_utc(BERLIN, 2026, 3, 2, 9), local_to_utc(BERLIN, 2026, 7, 1, 9),
                      local_to_utc(BERLIN, 2026, 1, 15, 9), local_to_utc(BERLIN, 2026, 3, 2)]
    ny = load(tmp_path, NEW_YORK)["pull_requests"]["created_at"].tolist()
    # New York: EST (-5) on 2026-03-02 (DST begins 2026-03-08) -> 14:00Z; EDT (-4) in July -> 13:00Z.
    assert ny == [ts(2026, 3, 2, 14), ts(2026, 7, 1, 13), ts(2026, 1, 15, 14), ts(2026, 3, 2, 5)]
    assert ny == [local_to_utc(NEW_YORK, 2026, 3, 2, 9), local_to_utc(NEW_YORK, 2026, 7, 1, 9),
                  local_to_utc(NEW_YORK, 2026, 1, 15, 9), local_to_utc(NEW_YORK, 2026, 3, 2)]
    utc = load(tmp_path, UTC_TZ)["pull_requests"]["created_at"].tolist()
    assert utc == [ts(2026, 3, 2, 9), ts(2026, 7, 1, 9), ts(2026, 1, 15, 9), ts(2026, 3, 2)]


def test_naive_and_offset_values_mixed_in_one_column(tmp_path):
    write_csv(tmp_path, "pull_requests.csv", pr_lines(["2026-03-02 09:00", "2026-03-02T09:00:00Z",
                                                       "2026-03-02T09:00:00+01:00"]))
    got = load(tmp_path, NEW_YORK)["pull_requests"]["created_at"].tolist()
    # naive 09:00 EST = 14:00Z; Z stays 09:00Z; +01:00 -> 08:00Z (the zone does not apply to explicit offsets).
    assert got == [ts(2026, 3, 2, 14), ts(2026, 3, 2, 9), ts(2026, 3, 2, 8)]


def test_naive_times_around_berlin_dst(tmp_path):
    # 02:30 on 2026-10-25 happens twice (fall back): read as the first, CEST (+2) -> 00:30Z.
    # 02:30 on 2026-03-29 does not exist (spring forward): moved to 03:00 CEST -> 01:00Z.
    write_csv(tmp_path, "pull_requests.csv", pr_lines(["2026-10-25 02:30", "2026-03-29 02:30"]))
    got = load(tmp_path, BERLIN)["pull_requests"]["created_at"].tolist()
    assert got == [ts(2026, 10, 25, 0, 30), ts(2026, 3, 29, 1)]


def test_date_columns_keep_the_local_day(tmp_path):
    write_csv(tmp_path, "ai_usage.csv", [
        "date,person,tool,interactions",
        "2026-03-02,alice,copilot,3",
        "2026-03-02T23:30:00Z,bob,copilot,4",  # 23:30Z is 00:30 on 03-03 in Berlin
    ])
    df = load(tmp_path, BERLIN)["ai_usage"]
    assert df["date"].tolist() == [pd.Timestamp(2026, 3, 2), pd.Timestamp(2026, 3, 3)]
    assert df["interactions"].tolist() == [3.0, 4.0]


def test_booleans(tmp_path):
    words = ["true", "false", "1", "0", "yes", "no", "TRUE", "No", " Yes ", ""]
    expected = [True, False, True, False, True, False, True, False, True, None]
    lines = ["id,repo,author,created_at,ai_assisted"] + [
        f"{i},web,a,2026-03-02T09:00:00Z,{w}" for i, w in enumerate(words, start=1)
    ]
    write_csv(tmp_path, "pull_requests.csv", lines)
    inputs = load(tmp_path)
    assert inputs.skipped == []
    assert [plain(v) for v in inputs["pull_requests"]["ai_assisted"]] == expected


def test_json_booleans_and_numbers_as_strings(tmp_path):
    recs = [
        {"id": 1, "repo": "web", "author": "a", "created_at": "2026-03-02T09:00:00Z", "ai_assisted": "yes",
         "additions": "12"},
        {"id": 2, "repo": "web", "author": "a", "created_at": "2026-03-02T09:00:00Z", "ai_assisted": 0,
         "additions": 3.0},
    ]
    (tmp_path / "pull_requests.json").write_text(json.dumps(recs), encoding="utf-8")
    df = load(tmp_path)["pull_requests"]
    assert records(df, ["id", "ai_assisted", "additions"]) == [
        {"id": "1", "ai_assisted": True, "additions": 12.0},
        {"id": "2", "ai_assisted": False, "additions": 3.0},
    ]


def test_semicolon_lists(tmp_path):
    write_csv(tmp_path, "deployments.csv", [
        "id,service,finished_at,pr_ids",
        "d1,web,2026-03-02T10:00:00Z,101;102;103",
        "d2,web,2026-03-03T10:00:00Z,104",
        "d3,web,2026-03-04T10:00:00Z,",
    ])
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deployments.json").write_text(json.dumps([
        {"id": "d1", "service": "web", "finished_at": "2026-03-02T10:00:00Z", "pr_ids": [101, "102", 103]},
        {"id": "d2", "service": "web", "finished_at": "2026-03-03T10:00:00Z", "pr_ids": ["104"]},
        {"id": "d3", "service": "web", "finished_at": "2026-03-04T10:00:00Z", "pr_ids": []},
    ]), encoding="utf-8")
    from_csv = [plain(v) for v in load(tmp_path)["deployments"]["pr_ids"]]
    from_json = [plain(v) for v in load(tmp_path / "sub")["deployments"]["pr_ids"]]
    assert from_csv == ["101;102;103", "104", None]
    assert from_json == from_csv
    assert [v.split(";") for v in from_csv[:2]] == [["101", "102", "103"], ["104"]]


# ---------------------------------------------------------------------------
# Validation: one skipped entry per problem, with file, row, id and column

HEADER = "id,repo,author,created_at,merged_at,additions,ai_assisted"
GOOD = "{id},web,alice,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z,5,true"


@pytest.mark.parametrize(
    ("bad_line", "column", "reason_parts"),
    [
        ("X,web,,2026-03-02T09:00:00Z,,5,true", "author", ["required value is empty"]),
        ("X,web,alice,,,5,true", "created_at", ["required value is empty"]),
        ("X,web,alice,2026-03-02T09:00:00Z,,many,true", "additions", ["whole number", "'many'"]),
        ("X,web,alice,2026-03-02T09:00:00Z,,1.5,true", "additions", ["whole number", "'1.5'"]),
        ("X,web,alice,2026-03-02T09:00:00Z,,-4,true", "additions", ["negative", "'-4'"]),
        ("X,web,alice,2026-03-02T09:00:00Z,,5,maybe", "ai_assisted", ["true/false", "'maybe'"]),
        ("X,web,alice,next tuesday,,5,true", "created_at", ["ISO 8601", "'next tuesday'"]),
        ("X,web,alice,2026-02-30T09:00:00Z,,5,true", "created_at", ["ISO 8601", "'2026-02-30T09:00:00Z'"]),
        ("X,web,alice,2026-03-02T09:00:00Z,2026-03-02T08:59:00Z,5,true", "merged_at",
         ["merged_at is before created_at"]),
    ],
)
def test_each_bad_value_is_one_skipped_entry(tmp_path, bad_line, column, reason_parts):
    # Rows: header 1, good 2, good 3, bad 4, good 5.
    lines = [HEADER, GOOD.format(id="1"), GOOD.format(id="2"), bad_line, GOOD.format(id="3")]
    write_csv(tmp_path, "pull_requests.csv", lines)
    inputs = load(tmp_path)
    assert len(inputs.skipped) == 1
    issue = inputs.skipped[0]
    assert (issue.file, issue.row, issue.id, issue.column) == ("pull_requests.csv", 4, "X", column)
    for part in reason_parts:
        assert part in issue.reason
    df = inputs["pull_requests"]
    assert df["id"].tolist() == ["1", "2", "3"]  # the good rows of the same file are kept
    assert df["_row"].tolist() == [2, 3, 5]
    assert inputs.lineage["pull_requests.csv"]["rows"] == 4  # rows read, including the skipped one


def test_empty_id_is_reported_without_an_id(tmp_path):
    write_csv(tmp_path, "pull_requests.csv", [HEADER, GOOD.format(id="1"), GOOD.format(id="")])
    inputs = load(tmp_path)
    assert [(i.row, i.id, i.column) for i in inputs.skipped] == [(3, None, "id")]
    assert len(inputs["pull_requests"]) == 1


def test_duplicate_id_names_the_first_row(tmp_path):
    lines = [HEADER, GOOD.format(id="7"), GOOD.format(id="8"), GOOD.format(id="7")]
    write_csv(tmp_path, "pull_requests.csv", lines)
    inputs = load(tmp_path)
    assert len(inputs.skipped) == 1
    issue = inputs.skipped[0]
    assert (issue.file, issue.row, issue.id, issue.column) == ("pull_requests.csv", 4, "7", "id")
    assert "duplicate" in issue.reason and "row 2" in issue.reason
    df = inputs["pull_requests"]
    assert df["id"].tolist() == ["7", "8"]
    assert df["_row"].tolist() == [2, 3]  # the first occurrence wins


def test_duplicate_across_two_files_of_one_dataset(tmp_path):
    write_csv(tmp_path, "pull_requests.csv", [HEADER, GOOD.format(id="1"), GOOD.format(id="2")])
    (tmp_path / "pull_requests.json").write_text(json.dumps([
        {"id": "3", "repo": "web", "author": "b", "created_at": "2026-03-02T09:00:00Z"},
        {"id": 2, "repo": "web", "author": "b", "created_at": "2026-03-02T09:00:00Z"},  # JSON number 2 == "2"
    ]), encoding="utf-8")
    inputs = load(tmp_path)
    assert len(inputs.skipped) == 1
    issue = inputs.skipped[0]
    assert (issue.file, issue.row, issue.id, issue.column) == ("pull_requests.json", 2, "2", "id")
    assert "pull_requests.csv" in issue.reason and "row 3" in issue.reason
    df = inputs["pull_requests"]
    assert sorted(df["id"].tolist()) == ["1", "2", "3"]
    kept = df.set_index("id")
    assert kept.loc["2", "_file"] == "pull_requests.csv" and kept.loc["2", "author"] == "alice"
    assert inputs.present["pull_requests"] == ["pull_requests.csv", "pull_requests.json"]


def test_bad_float(tmp_path):
    write_csv(tmp_path, "ai_costs.csv", [
        "date,tool,amount,currency",
        "2026-03-01,copilot,19.00,USD",
        "2026-03-01,cursor,twenty,USD",
        "2026-03-01,claude,1e3,USD",
    ])
    inputs = load(tmp_path)
    assert [(i.file, i.row, i.id, i.column) for i in inputs.skipped] == [("ai_costs.csv", 3, None, "amount")]
    assert "a number" in inputs.skipped[0].reason and "'twenty'" in inputs.skipped[0].reason
    assert inputs["ai_costs"]["amount"].tolist() == [19.0, 1000.0]


def test_resolved_before_opened(tmp_path):
    write_csv(tmp_path, "incidents.csv", [
        "id,opened_at,resolved_at",
        "INC-1,2026-03-02T09:00:00Z,2026-03-02T11:00:00Z",
        "INC-2,2026-03-02T09:00:00Z,2026-03-02T08:00:00Z",
        "INC-3,2026-03-03T09:00:00Z,",
    ])
    inputs = load(tmp_path)
    assert [(i.file, i.row, i.id, i.column) for i in inputs.skipped] == [("incidents.csv", 3, "INC-2", "resolved_at")]
    assert "resolved_at is before opened_at" in inputs.skipped[0].reason
    assert inputs["incidents"]["id"].tolist() == ["INC-1", "INC-3"]


def test_equal_times_are_not_out_of_order(tmp_path):
    # merged at the very instant it was created (12:00+01:00 == 11:00Z) is allowed.
    write_csv(tmp_path, "pull_requests.csv", [
        HEADER,
        "1,web,alice,2026-03-02T11:00:00Z,2026-03-02T12:00:00+01:00,5,true",
    ])
    inputs = load(tmp_path)
    assert inputs.skipped == []
    assert inputs["pull_requests"]["merged_at"].tolist() == [ts(2026, 3, 2, 11)]


def test_order_check_uses_instants_not_text(tmp_path):
    # 10:30+02:00 is 08:30Z, before created_at 09:00Z, even though "10:30" > "09:00" as text.
    write_csv(tmp_path, "incidents.csv", [
        "id,opened_at,resolved_at",
        "INC-1,2026-03-02T09:00:00Z,2026-03-02T10:30:00+02:00",
        "INC-2,2026-03-02T09:00:00+02:00,2026-03-02T08:00:00Z",  # 07:00Z -> 08:00Z is fine
    ])
    inputs = load(tmp_path)
    assert [(i.row, i.id) for i in inputs.skipped] == [(2, "INC-1")]


def test_missing_required_column_skips_the_whole_file(tmp_path):
    write_csv(tmp_path, "pull_requests.csv", [
        "id,repo,created_at",
        "1,web,2026-03-02T09:00:00Z",
        "2,web,2026-03-02T09:00:00Z",
        "3,web,2026-03-02T09:00:00Z",
    ])
    inputs = load(tmp_path)
    assert len(inputs.skipped) == 1
    issue = inputs.skipped[0]
    assert (issue.file, issue.row, issue.id, issue.column) == ("pull_requests.csv", None, None, "author")
    assert "author" in issue.reason and "3 rows" in issue.reason
    assert len(inputs["pull_requests"]) == 0
    assert inputs.lineage["pull_requests.csv"]["rows"] == 3


def test_problems_listed_in_file_order_across_columns(tmp_path):
    write_csv(tmp_path, "pull_requests.csv", [
        HEADER,
        "1,web,alice,2026-03-02T09:00:00Z,,5,maybe",  # row 2: bool
        "2,web,,2026-03-02T09:00:00Z,,5,true",  # row 3: empty author
        "3,web,alice,2026-03-02T09:00:00Z,,-1,true",  # row 4: negative
        GOOD.format(id="4"),  # row 5
    ])
    inputs = load(tmp_path)
    assert [(i.row, i.column) for i in inputs.skipped] == [(2, "ai_assisted"), (3, "author"), (4, "additions")]
    assert inputs["pull_requests"]["id"].tolist() == ["4"]


@pytest.mark.parametrize("fmt", ["json", "ndjson", "parquet"])
def test_row_numbers_of_errors_in_other_formats(tmp_path, fmt):
    recs = [
        {"id": "1", "repo": "web", "author": "a", "created_at": "2026-03-02T09:00:00Z", "additions": "5"},
        {"id": "2", "repo": "web", "author": "a", "created_at": "2026-03-02T09:00:00Z", "additions": "-5"},
    ]
    if fmt == "json":
        (tmp_path / "pull_requests.json").write_text(json.dumps(recs), encoding="utf-8")
        expected_row = 2  # 1-based record
    elif fmt == "ndjson":
        text = json.dumps(recs[0]) + "\n\n" + json.dumps(recs[1]) + "\n"
        (tmp_path / "pull_requests.ndjson").write_text(text, encoding="utf-8")
        expected_row = 3  # line 3 (line 2 is blank)
    else:
        pq.write_table(pa.Table.from_pylist(recs), tmp_path / "pull_requests.parquet")
        expected_row = 2
    inputs = load(tmp_path)
    assert [(i.file, i.row, i.id, i.column) for i in inputs.skipped] == [
        (f"pull_requests.{fmt}", expected_row, "2", "additions")
    ]
    assert inputs["pull_requests"]["id"].tolist() == ["1"]


# ---------------------------------------------------------------------------
# Strict mode


def test_strict_raises_naming_file_row_id_column(tmp_path):
    write_csv(tmp_path, "pull_requests.csv", [HEADER, GOOD.format(id="1"), "PR-9,web,alice,2026-03-02T09:00:00Z,,x,true"])
    with pytest.raises(InputError) as err:
        load(tmp_path, strict=True)
    msg = str(err.value)
    assert "pull_requests.csv" in msg
    assert "row 3" in msg
    assert "'PR-9'" in msg
    assert "'additions'" in msg


def test_strict_raises_on_cross_file_duplicate(tmp_path):
    write_csv(tmp_path, "pull_requests.csv", [HEADER, GOOD.format(id="1")])
    (tmp_path / "pull_requests.json").write_text(
        json.dumps([{"id": "1", "repo": "web", "author": "b", "created_at": "2026-03-02T09:00:00Z"}]), encoding="utf-8"
    )
    with pytest.raises(InputError) as err:
        load(tmp_path, strict=True)
    assert "pull_requests.json" in str(err.value) and "row 1" in str(err.value)


def test_strict_passes_clean_data(tmp_path):
    write_format(tmp_path, "csv")
    assert records(load(tmp_path, strict=True)["pull_requests"], COLUMNS) == EXPECTED


def test_strict_missing_column(tmp_path):
    write_csv(tmp_path, "incidents.csv", ["id,resolved_at", "INC-1,2026-03-02T09:00:00Z"])
    with pytest.raises(InputError, match=r"incidents\.csv.*opened_at"):
        load(tmp_path, strict=True)


# ---------------------------------------------------------------------------
# Folder, unknown files, lineage, malformed files


def test_unknown_files_give_warnings(tmp_path):
    write_format(tmp_path, "csv")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    write_csv(tmp_path, "pull_request.csv", PRS_CSV)  # typo: singular
    (tmp_path / "README.md").write_text("# inputs", encoding="utf-8")  # known extras: no warning
    (tmp_path / "reporter.yaml").write_text("currency: EUR\n", encoding="utf-8")
    (tmp_path / ".DS_Store").write_bytes(b"\x00")
    (tmp_path / "archive").mkdir()
    inputs = load(tmp_path)
    assert len(inputs.warnings) == 2
    joined = "\n".join(inputs.warnings)
    assert "notes.txt" in joined and "pull_request.csv" in joined
    assert "README" not in joined and "reporter.yaml" not in joined and "DS_Store" not in joined
    assert records(inputs["pull_requests"], COLUMNS) == EXPECTED
    assert "pull_request.csv" not in inputs.lineage


def test_lineage_rows_and_sha256(tmp_path):
    csv_path = write_format(tmp_path, "csv")
    write_csv(tmp_path, "incidents.csv", ["id,opened_at", "INC-1,2026-03-02T09:00:00Z", "INC-2,bad"])
    inputs = load(tmp_path)
    assert set(inputs.lineage) == {"pull_requests.csv", "incidents.csv"}
    assert inputs.lineage["pull_requests.csv"] == {
        "rows": 3, "sha256": hashlib.sha256(csv_path.read_bytes()).hexdigest(), "validated": True
    }
    inc = tmp_path / "incidents.csv"
    assert inputs.lineage["incidents.csv"] == {"rows": 2, "sha256": hashlib.sha256(inc.read_bytes()).hexdigest(),
                                               "validated": True}


def test_lineage_sha_changes_with_content(tmp_path):
    path = write_format(tmp_path, "csv")
    before = load(tmp_path).lineage["pull_requests.csv"]["sha256"]
    path.write_bytes(path.read_bytes().replace(b"alice", b"alicia"))
    after = load(tmp_path).lineage["pull_requests.csv"]["sha256"]
    assert before != after
    assert after == hashlib.sha256(path.read_bytes()).hexdigest()


def test_malformed_json_names_the_file(tmp_path):
    (tmp_path / "pull_requests.json").write_text('[{"id": "1", "repo": }]', encoding="utf-8")
    with pytest.raises(InputError, match=r"pull_requests\.json"):
        load(tmp_path)


def test_malformed_ndjson_names_file_and_line(tmp_path):
    good = json.dumps(PRS[0])
    (tmp_path / "pull_requests.ndjson").write_text(good + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load(tmp_path)
    assert "pull_requests.ndjson" in str(err.value) and "row 2" in str(err.value)


@pytest.mark.parametrize("payload", ['{"a": [], "b": []}', '"just a string"', '[1, 2]'])
def test_json_of_the_wrong_shape(tmp_path, payload):
    (tmp_path / "pull_requests.json").write_text(payload, encoding="utf-8")
    with pytest.raises(InputError, match=r"pull_requests\.json"):
        load(tmp_path)


def test_missing_folder(tmp_path):
    with pytest.raises(InputError, match="does-not-exist"):
        load(tmp_path / "does-not-exist")


def test_folder_is_a_file(tmp_path):
    f = tmp_path / "pull_requests.csv"
    f.write_text("id\n", encoding="utf-8")
    with pytest.raises(InputError):
        load(f)


def test_empty_folder_is_an_input_error(tmp_path):
    """A report of nothing but N/A from a folder with no dataset is a mistake to say, not to print (issue 15)."""
    with pytest.raises(InputError, match="holds no dataset file"):
        load(tmp_path)


def test_absent_datasets_are_empty_typed_frames(tmp_path):
    write_csv(tmp_path, "deployments.csv", ["id,service,finished_at"])
    inputs = load(tmp_path)
    assert inputs.skipped == [] and inputs.warnings == []
    df = inputs["pull_requests"]
    assert len(df) == 0
    assert str(df["created_at"].dtype) == "datetime64[ns, UTC]"
    assert [name for name in inputs.frames if inputs.has(name)] == ["deployments"]


def test_header_only_csv_is_fine(tmp_path):
    write_csv(tmp_path, "pull_requests.csv", [HEADER])
    inputs = load(tmp_path, strict=True)
    assert len(inputs["pull_requests"]) == 0
    assert inputs.lineage["pull_requests.csv"]["rows"] == 0


def test_empty_json_array_is_an_empty_dataset(tmp_path):
    (tmp_path / "pull_requests.json").write_text("[]", encoding="utf-8")
    inputs = load(tmp_path, strict=True)
    assert len(inputs["pull_requests"]) == 0
    assert inputs.skipped == []


def test_datasets_outside_the_report_are_counted_and_hashed_not_validated(tmp_path):
    write_csv(tmp_path, "work_items.csv", ["id,type,created_at", "W-1,story,2026-03-02", "W-2,bug,not-a-date"])
    write_csv(tmp_path, "incidents.csv", ["id,opened_at", "INC-1,2026-03-02T09:00:00Z", "INC-2,bad"])
    inputs = load_inputs(tmp_path, ZoneInfo("UTC"), datasets={"incidents"})
    path = tmp_path / "work_items.csv"
    assert inputs.lineage["work_items.csv"] == {
        "rows": 2, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "validated": False}
    assert [i.file for i in inputs.skipped] == ["incidents.csv"]  # W-2 is checked by reports that use it
    assert inputs["work_items"].empty
