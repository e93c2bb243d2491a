"""Canonical datasets read from a real PostgreSQL server (config ``inputs``).

The server is started on loopback by the ``postgres_server`` fixture (tests/conftest.py): without
PostgreSQL's binaries these tests skip locally and fail on CI. Tables are filled with psql's \\copy
from the very CSV files the file build reads, so both builds see the same rows by an independent
route; the database holds them in real types (timestamptz, boolean, bigint, text[] ...).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from click.testing import CliRunner

from conftest import PG_PASSWORD, write_inputs
from reporter.build import compute_report
from reporter.cli import main
from reporter.config import parse_config
from reporter.errors import ConfigError, InputError
from reporter.inputs.load import load_inputs
from reporter.inputs.plan import DatasetRead, Range
from reporter.inputs.postgres import PostgresSource, database_frames
from reporter.inputs.spec import BOOL, DATASETS, DATE, FLOAT, INT, LIST, STR, TEXT, TIMESTAMP

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_inputs"
SQL_TYPES = {STR: "text", TEXT: "text", INT: "bigint", FLOAT: "double precision", BOOL: "boolean",
             TIMESTAMP: "timestamptz", DATE: "date", LIST: "text"}


@pytest.fixture
def db_env(monkeypatch):
    """Credentials from the environment only: the reporter's own variable, libpq's unset."""
    for name in ("PGPASSWORD", "PGUSER", "PGPASSFILE", "PGSERVICE", "REPORTER_DB_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent/pgpass")
    monkeypatch.setenv("REPORTER_DB_PASSWORD", PG_PASSWORD)
    return monkeypatch


def copy_csv(server, database: str, schema: str, csv_path: Path, table: str | None = None,
             types: dict[str, str] | None = None, row_key: bool = False) -> None:
    """Create a typed table named after the dataset and \\copy the CSV into it (lists become text[])."""
    dataset = csv_path.stem
    spec = DATASETS[dataset]
    with csv_path.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    names = {c.name: c for c in spec.columns}
    types = types or {}
    cols = ", ".join(f'"{h}" {types.get(h, SQL_TYPES[names[h].kind] if h in names else "text")}' for h in header)
    table = table or dataset
    lists = [h for h in header if h in names and names[h].kind == LIST and h not in types]
    alter = "".join(f'ALTER TABLE "{schema}"."{table}" ALTER COLUMN "{h}" TYPE text[] '
                    f"USING string_to_array(\"{h}\", ';');\n" for h in lists)
    key = "row_id bigserial PRIMARY KEY, " if row_key else ""
    server.psql(
        f'CREATE SCHEMA IF NOT EXISTS "{schema}";\n'
        f'CREATE TABLE "{schema}"."{table}" ({key}{cols});\n'
        f"\\copy \"{schema}\".\"{table}\" ({', '.join(chr(34) + h + chr(34) for h in header)}) "
        f"FROM '{csv_path}' WITH (FORMAT csv, HEADER true)\n" + alter, database)


def db_folder(folder: Path, server, database: str, schema: str = "public", base: dict | None = None,
              **extra) -> Path:
    """An input folder holding only a reporter.yaml that reads the datasets from the database."""
    config = dict(base or {})
    config["inputs"] = {"url": server.url_for(database), "schema": schema, **extra}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reporter.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return folder


def sample_config() -> dict:
    return yaml.safe_load((SAMPLE / "reporter.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample_db(postgres_server):
    """The sample organisation (every dataset) in schema "delivery" of its own database."""
    name = "sample_org"
    postgres_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);\nCREATE DATABASE "{name}";')
    for path in sorted(SAMPLE.glob("*.csv")):
        # pull_requests get a surrogate integer key (the rows' own numbers); the others are numbered by position.
        copy_csv(postgres_server, name, "delivery", path, row_key=path.stem == "pull_requests")
    postgres_server.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements;", name)
    yield name
    postgres_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')


def _comparable(doc: dict) -> dict:
    """Everything a reader sees except where the rows came from (file names vs table names)."""
    out = {k: v for k, v in doc.items() if k not in ("inputs", "config_file", "config_sha256", "narrative")}
    # The window statement says which rows each source read. It may differ by a row or a clause between a
    # table and a file (the "first row of each group" and the PR-link reads are sourced differently; README
    # "Reading from PostgreSQL"); the metrics, which is what the reader sees, must not.
    out["data_quality"] = {k: v for k, v in doc["data_quality"].items() if k not in ("skipped", "validated_window")}
    out["coverage"] = json.loads(json.dumps(doc["coverage"]).replace(".csv", "").replace("postgresql:delivery.", ""))
    return out


@pytest.mark.parametrize("cadence", ["weekly", "monthly"])
def test_build_from_postgres_equals_build_from_the_same_rows_as_csv(cadence, postgres_server, sample_db, db_env,
                                                                    tmp_path):
    folder = db_folder(tmp_path / "db", postgres_server, sample_db, "delivery", sample_config())
    from_db = compute_report(cadence, folder)
    from_csv = compute_report(cadence, SAMPLE)
    assert from_db["period"] == from_csv["period"]
    assert from_db["metrics"] == from_csv["metrics"]
    assert _comparable(from_db) == _comparable(from_csv)
    assert from_db["narrative"]["stories"] == from_csv["narrative"]["stories"]
    # Lineage: one entry per table, its row count equal to the CSV's data lines, and no credential.
    for name, entry in from_db["inputs"].items():
        assert name.startswith("postgresql:delivery.")
        dataset = name.split(".", 1)[1]
        with (SAMPLE / f"{dataset}.csv").open(newline="", encoding="utf-8") as fh:
            assert entry["rows"] == sum(1 for _ in csv.reader(fh)) - 1
        assert entry["source"] == "postgresql" and len(entry["sha256"]) == 64
    assert from_db["inputs"]["postgresql:delivery.pull_requests"]["row_numbers"] == "primary key row_id"
    assert PG_PASSWORD not in json.dumps(from_db)


def test_the_build_pushes_its_window_into_the_query(postgres_server, sample_db, db_env, tmp_path):
    """What the server ran and returned for the build (pg_stat_statements), not what the code says:
    a WHERE with parameters, and exactly the rows the report states it read."""
    folder = db_folder(tmp_path / "db", postgres_server, sample_db, "delivery", sample_config())
    postgres_server.psql("SELECT pg_stat_statements_reset();", sample_db)
    doc = compute_report("weekly", folder)
    read = doc["data_quality"]["validated_window"]["datasets"]
    stats = postgres_server.psql(
        "SELECT rows, query FROM pg_stat_statements WHERE toplevel AND query LIKE '%FROM \"delivery\".%' AND "
        "query NOT LIKE '%count(%' AND query NOT LIKE 'SELECT DISTINCT%' ORDER BY query;",
        sample_db).strip().splitlines()
    returned = {}
    for line in stats:
        rows, query = line.split("|", 1)
        returned.setdefault(query.split('FROM "delivery".', 1)[1].split('"')[1], []).append((int(rows), query))
    for dataset in ("pull_requests", "commits", "ai_usage"):
        (rows, query), = returned[dataset]
        assert " WHERE " in query and "$1" in query and "2026" not in query, query
        assert rows == read[dataset]["read"] < read[dataset]["rows"], (dataset, rows, read[dataset])
    assert '"title"' not in returned["pull_requests"][0][1]  # a column the report does not use is not selected
    (rows, query), = returned["deployments"]  # read whole (attribution needs every deployment), by COPY
    assert query.startswith("COPY (SELECT ") and " WHERE " not in query
    assert rows == doc["inputs"]["postgresql:delivery.deployments"]["rows"]


def test_same_database_same_bytes(postgres_server, sample_db, db_env, tmp_path):
    folder = db_folder(tmp_path / "db", postgres_server, sample_db, "delivery", sample_config())
    runs = []
    for name in ("a", "b"):
        result = CliRunner().invoke(main, ["build", "weekly", "--format", "json", "--input", str(folder),
                                           "--out", str(tmp_path / name), "-q"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        runs.append(next((tmp_path / name).rglob("metrics.json")).read_bytes())
    assert runs[0] == runs[1]


# ---------------------------------------------------------------------------
# The window is pushed into the query

PEOPLE = [dict(person=p, team="core") for p in ("ann", "bob", "cy", "dee", "eve")]


def _pr(i: int, created: str, merged: str | None, **kw) -> dict:
    return dict(id=f"p{i}", repo="api", author=PEOPLE[i % 5]["person"], created_at=created, merged_at=merged,
                additions=kw.pop("additions", 10), deletions=1, **kw)


def _window_rows() -> list[dict]:
    rows = [_pr(i, f"2026-03-{2 + i % 5:02d}T09:00:00Z", f"2026-03-{2 + i % 5:02d}T15:00:00Z") for i in range(10)]
    rows.append(_pr(10, "2026-02-27T09:00:00Z", "2026-03-02T00:00:00Z"))  # merged on the window's first instant
    rows.append(_pr(11, "2026-03-08T09:00:00Z", "2026-03-09T00:00:00Z"))  # merged on its end, created inside
    rows.append(_pr(12, "2026-03-09T00:00:00Z", None))  # created on its end, never merged: outside
    rows.append(_pr(13, "2026-02-20T09:00:00Z", "2026-03-01T23:59:59Z"))  # merged a second before: outside
    # Far outside the window and invalid: a load of the whole table must report them.
    rows += [_pr(20 + i, "2019-01-07T09:00:00Z", "2019-01-07T10:00:00Z", additions=-5) for i in range(3)]
    return rows


SINCE, UNTIL = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc), dt.datetime(2026, 3, 9, tzinfo=dt.timezone.utc)
WINDOW = DatasetRead(columns=("id", "repo", "author", "created_at", "merged_at", "additions"),
                     ranges=(Range("created_at", SINCE, UNTIL), Range("merged_at", SINCE, UNTIL)))


def test_window_and_columns_are_pushed_into_the_query(postgres_server, pg_database, db_env, make_inputs):
    folder = make_inputs(pull_requests=_window_rows())
    copy_csv(postgres_server, pg_database, "public", folder / "pull_requests.csv")
    postgres_server.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();",
                         pg_database)
    config = parse_config({"inputs": {"url": postgres_server.url_for(pg_database)}})
    label = "postgresql:public.pull_requests"
    with PostgresSource(config.inputs, ZoneInfo("UTC")) as source:
        # A naive load reads the invalid 2019 rows and reports them, numbered by their place in id order.
        _, (_, naive, _) = source.load("pull_requests")
        position = {pr: n for n, pr in enumerate(sorted(r["id"] for r in _window_rows()), start=1)}
        assert [(i.file, i.row, i.id, i.column) for i in naive] == [
            (label, position[pr], pr, "additions") for pr in ("p20", "p21", "p22")]

        _, (typed, issues, info) = source.load("pull_requests", read=WINDOW)
        assert issues == [] and source.warnings == []
        expected = sorted(f"p{i}" for i in range(12))  # by hand: created or merged in [03-02, 03-09)
        assert sorted(typed["id"]) == expected
        assert (info["rows"], info["read"]) == (len(_window_rows()), len(expected))
        assert set(typed.columns) == {c.name for c in DATASETS["pull_requests"].columns} | {"_row", "_file"}
        assert typed["deletions"].isna().all()  # not selected: the report's columns only

        # An open end with or_missing, and listed keys: never-merged p12, and p13 and p20 by id.
        more = DatasetRead(WINDOW.columns, (Range("merged_at", SINCE, None, or_missing=True),), "id",
                           frozenset({"p13", "p20"}))
        _, (typed, issues, _) = source.load("pull_requests", read=more)
        assert sorted(typed["id"]) == sorted(expected + ["p12", "p13"])  # p20 was read, and is invalid:
        assert [(i.id, i.column) for i in issues] == [("p20", "additions")]
    # What the server says it ran and returned (pg_stat_statements), not what the code says it sent.
    stats = postgres_server.psql(
        "SELECT rows, query FROM pg_stat_statements WHERE toplevel "
        "AND query LIKE '%FROM \"public\".\"pull_requests\"%' AND query NOT LIKE '%count(%' ORDER BY rows;",
        pg_database).strip().splitlines()
    assert len(stats) == 3
    windowed, keyed, full = (line.split("|", 1) for line in stats)
    assert int(full[0]) == len(_window_rows()) and int(windowed[0]) == len(expected)
    assert int(keyed[0]) == len(expected) + 3 and "ANY($" in keyed[1] and "p20" not in keyed[1]
    assert "WHERE" in windowed[1] and "$1" in windowed[1] and "2026" not in windowed[1]
    assert '"deletions"' not in windowed[1] and '"deletions"' in full[1] and "WHERE" not in full[1]


def _load(tmp_dir: Path, extra, tz: ZoneInfo = ZoneInfo("UTC")):
    """The loader over database frames alone (an input folder without files)."""
    empty = tmp_dir.parent / "no_files"
    empty.mkdir(exist_ok=True)
    return load_inputs(empty, tz, extra=extra)
# ---------------------------------------------------------------------------
# Bad values, missing tables and columns, types


def test_bad_values_name_table_row_and_column(postgres_server, pg_database, db_env, make_inputs, tmp_path):
    rows = [_pr(i, "2026-03-03T09:00:00Z", "2026-03-03T11:00:00Z") for i in range(6)]
    rows[2]["additions"] = "lots"
    rows[4]["merged_at"] = "2026-03-01T09:00:00Z"  # before created_at
    folder = make_inputs(pull_requests=rows)
    # additions kept as text in this table, so a bad value can be stored; a surrogate key numbers the rows.
    copy_csv(postgres_server, pg_database, "public", folder / "pull_requests.csv", types={"additions": "text"},
             row_key=True)
    postgres_server.psql(  # the surrogate key is not the file order: renumber so row 2 is row 102
        "UPDATE pull_requests SET row_id = row_id + 100;", pg_database)
    config = dict(timezone="UTC")
    db = db_folder(tmp_path / "db", postgres_server, pg_database, base=config)
    doc = compute_report("weekly", db, period_id="2026-W10")
    label = "postgresql:public.pull_requests"
    assert [(s["file"], s["row"], s["id"], s["column"]) for s in doc["data_quality"]["skipped"]] == [
        (label, 103, "p2", "additions"), (label, 105, "p4", "merged_at")]
    assert doc["data_quality"]["skipped"][0]["reason"] == "expected a whole number, got 'lots'"
    assert doc["metrics"]["merged_prs"]["value"] == 4

    result = CliRunner().invoke(main, ["build", "weekly", "--format", "json", "--input", str(db), "--period",
                                       "2026-W10", "--strict", "--out", str(tmp_path / "out")])
    assert result.exit_code == 4
    assert f"{label}, row 103, id 'p2', column 'additions'" in result.output
    assert "Traceback" not in result.output


def test_missing_table_is_an_absent_dataset(postgres_server, pg_database, db_env, make_inputs, tmp_path):
    prs = [_pr(i, "2026-03-03T09:00:00Z", "2026-03-03T11:00:00Z") for i in range(6)]
    files = make_inputs(dict(timezone="UTC"), people=PEOPLE, pull_requests=prs)
    for name in ("people", "pull_requests"):
        copy_csv(postgres_server, pg_database, "public", files / f"{name}.csv")
    postgres_server.psql("CREATE TABLE unrelated (x int);", pg_database)
    db = db_folder(tmp_path / "db", postgres_server, pg_database, base=dict(timezone="UTC"))
    from_db = compute_report("weekly", db, period_id="2026-W10")
    from_csv = compute_report("weekly", files, period_id="2026-W10")
    assert set(from_db["inputs"]) == {"postgresql:public.people", "postgresql:public.pull_requests"}
    assert from_db["metrics"] == from_csv["metrics"]
    assert from_db["metrics"]["deployments"]["value"] is None  # no deployments table: N/A, never 0
    assert from_db["metrics"]["merged_prs"]["value"] == 6
    assert "deployments" not in from_db["coverage"]["datasets"]


def test_missing_required_column_names_the_table(postgres_server, pg_database, db_env, tmp_path):
    postgres_server.psql("CREATE TABLE incidents (id text, service text); INSERT INTO incidents VALUES ('i1', 'api');",
                         pg_database)
    config = parse_config({"inputs": {"url": postgres_server.url_for(pg_database)}})
    extra, skipped, _ = database_frames(config.inputs, ZoneInfo("UTC"))
    assert extra == []
    assert [(i.file, i.row, i.column) for i in skipped] == [("postgresql:public.incidents", None, "opened_at")]
    assert "required column opened_at missing (found: id, service)" in skipped[0].reason
    with pytest.raises(InputError, match="postgresql:public.incidents.*opened_at"):
        database_frames(config.inputs, ZoneInfo("UTC"), strict=True)


def test_typed_columns_read_as_the_csv_holding_the_same_values(postgres_server, pg_database, db_env, make_inputs):
    """Local (zone-less) timestamps, arrays, numeric and real, dates and booleans, through a view
    with an awkward name in a schema with an awkward name."""
    prs = [_pr(0, "2026-03-29 01:30:00", "2026-03-29 03:30:00", labels="ai;bug", ai_assisted="true"),
           _pr(1, "2026-10-25 02:30:00", "2026-10-25 12:00:00", labels="", ai_assisted="false"),
           _pr(2, "2026-03-03 09:00:00", None, labels="x", ai_assisted=None)]
    costs = [dict(date="2026-03-02", tool="claude", amount="12.50", tokens=100, currency="EUR"),
             dict(date="2026-03-03", tool="cursor", amount="0.1", tokens=None, currency=None)]
    folder = make_inputs(pull_requests=prs, ai_costs=costs)
    schema = 'Delivery "data"'
    ts = "timestamp without time zone"
    copy_csv(postgres_server, pg_database, schema.replace('"', '""'), folder / "pull_requests.csv", table="prs raw",
             types={"created_at": ts, "merged_at": ts})
    copy_csv(postgres_server, pg_database, schema.replace('"', '""'), folder / "ai_costs.csv",
             types={"amount": "numeric(12,2)", "tokens": "integer"})
    postgres_server.psql(f'CREATE VIEW "{schema.replace(chr(34), 2 * chr(34))}"."PR view" AS '
                         f'SELECT * FROM "{schema.replace(chr(34), 2 * chr(34))}"."prs raw";', pg_database)
    tz = ZoneInfo("Europe/Berlin")
    config = parse_config({"inputs": {"url": postgres_server.url_for(pg_database), "schema": schema,
                                      "tables": {"pull_requests": "PR view"}}})
    extra, skipped, warnings = database_frames(config.inputs, tz)
    assert skipped == [] and warnings == []
    assert sorted(e[1] for e in extra) == [f"postgresql:{schema}.PR view", f"postgresql:{schema}.ai_costs"]
    from_db = _load(folder, extra, tz)
    from_csv = load_inputs(folder, tz)
    for dataset in ("pull_requests", "ai_costs"):
        a = from_db[dataset].drop(columns=["_file", "_row"]).sort_values(DATASETS[dataset].columns[0].name)
        b = from_csv[dataset].drop(columns=["_file", "_row"]).sort_values(DATASETS[dataset].columns[0].name)
        assert a.reset_index(drop=True).equals(b.reset_index(drop=True)), (dataset, a, b)
    # By hand: 02:30 on 2026-10-25 in Berlin is the first (summer time) of the two: 00:30 UTC.
    created = from_db["pull_requests"].set_index("id")["created_at"]
    assert created["p1"] == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.timezone.utc)
    assert from_db["ai_costs"].set_index("tool")["amount"].to_dict() == {"claude": 12.5, "cursor": 0.1}


def test_window_on_local_timestamps_and_dates_keeps_exact_local_bounds(postgres_server, pg_database, db_env,
                                                                       make_inputs):
    tz = ZoneInfo("Europe/Berlin")
    # The window: Monday 2026-03-02 00:00 to Monday 2026-03-09 00:00, Berlin time (UTC+1).
    since, until = dt.datetime(2026, 3, 1, 23, tzinfo=dt.timezone.utc), dt.datetime(2026, 3, 8, 23,
                                                                                     tzinfo=dt.timezone.utc)
    prs = [_pr(0, "2026-03-01 23:59:59", None), _pr(1, "2026-03-02 00:00:00", None),
           _pr(2, "2026-03-08 23:59:59", None), _pr(3, "2026-03-09 00:00:00", None)]
    usage = [dict(date=d, person="ann", tool="claude", interactions=1)
             for d in ("2026-03-01", "2026-03-02", "2026-03-08", "2026-03-09")]
    folder = make_inputs(pull_requests=prs, ai_usage=usage)
    ts = "timestamp without time zone"
    copy_csv(postgres_server, pg_database, "public", folder / "pull_requests.csv", types={"created_at": ts})
    copy_csv(postgres_server, pg_database, "public", folder / "ai_usage.csv")
    config = parse_config({"inputs": {"url": postgres_server.url_for(pg_database)}})
    with PostgresSource(config.inputs, tz) as source:
        _, prs, _ = source.read("pull_requests", DatasetRead(("id",), (Range("created_at", since, until),)))
        _, usage, _ = source.read("ai_usage", DatasetRead(("date",), (Range("date", since, until),)))
    assert sorted(prs["id"]) == ["p1", "p2"]
    assert sorted(usage["date"]) == ["2026-03-02", "2026-03-08"]


def test_window_on_a_text_column_is_not_pushed_and_says_so(postgres_server, pg_database, db_env, make_inputs):
    folder = make_inputs(pull_requests=_window_rows())
    copy_csv(postgres_server, pg_database, "public", folder / "pull_requests.csv", types={"merged_at": "text"})
    config = parse_config({"inputs": {"url": postgres_server.url_for(pg_database)}})
    with PostgresSource(config.inputs, ZoneInfo("UTC")) as source:
        _, raw, info = source.read("pull_requests", WINDOW)
        assert len(raw) == info["rows"] == info["read"] == len(_window_rows())
        assert source.warnings == [
            "postgresql:public.pull_requests: column merged_at is text, not a timestamp or date: the report's "
            "window is not pushed into the query and every row is read"]


# ---------------------------------------------------------------------------
# Credentials come from the environment only


def test_password_in_the_config_is_a_config_error(tmp_path):
    for inputs in ({"url": "postgresql://ann:hunter2@db.example:5432/dw"},
                   {"url": "postgresql://db.example/dw?password=hunter2"},
                   {"url": "postgresql://db.example/dw", "password": "hunter2"}):
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        (folder / "reporter.yaml").write_text(yaml.safe_dump({"inputs": inputs}), encoding="utf-8")
        result = CliRunner().invoke(main, ["build", "weekly", "--input", str(folder), "--out", str(tmp_path / "o")])
        assert result.exit_code == 3, result.output
        assert "password is never read from the config file" in result.output
        assert "REPORTER_DB_PASSWORD" in result.output and "hunter2" not in result.output


@pytest.mark.parametrize("inputs, message", [
    ({"url": "mysql://db/dw"}, "expected a URL like postgresql://"),
    ({"schema": "x"}, "expected 'url: postgresql://host:port/database'"),
    ({"url": "postgresql://db/dw", "shcema": "x"}, "did you mean 'schema'"),
    ({"url": "postgresql://db/dw", "tables": {"pull_request": "prs"}}, "did you mean 'pull_requests'"),
    ({"url": "postgresql://db:port/dw"}, "not a valid URL"),
])
def test_inputs_section_errors(inputs, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({"inputs": inputs})


def test_inputs_section_parses_and_leaves_other_configs_hash_alone():
    config = parse_config({"inputs": {"url": "postgres://ann@db:5433/dw", "schema": "delivery",
                                      "tables": {"pull_requests": "v_prs"}}})
    assert (config.inputs.url, config.inputs.schema, config.inputs.tables) == (
        "postgres://ann@db:5433/dw", "delivery", {"pull_requests": "v_prs"})
    assert parse_config({"inputs": {"url": "postgresql://db/dw"}}).inputs.schema == "public"
    assert "inputs" not in parse_config({}).to_dict()  # configs without a database hash as before


def test_credentials_come_from_the_environment(postgres_server, pg_database, db_env, make_inputs, tmp_path):
    files = make_inputs(people=PEOPLE, pull_requests=[_pr(0, "2026-03-03T09:00:00Z", "2026-03-03T11:00:00Z")])
    for name in ("people", "pull_requests"):
        copy_csv(postgres_server, pg_database, "public", files / f"{name}.csv")
    special = "p@ss:w/rd %20 ü'\""
    postgres_server.psql(f"CREATE ROLE reader LOGIN PASSWORD '{special.replace(chr(39), 2 * chr(39))}';\n"
                         f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader;', pg_database)
    url_no_user = postgres_server.url_for(pg_database).replace("reporter_test@", "")
    folder = tmp_path / "db"
    folder.mkdir()
    (folder / "reporter.yaml").write_text(yaml.safe_dump({"inputs": {"url": url_no_user}}), encoding="utf-8")

    def build() -> object:
        return CliRunner().invoke(main, ["build", "weekly", "--format", "json", "--input", str(folder), "--period",
                                         "2026-W10", "--out", str(tmp_path / "out"), "-q"])

    db_env.setenv("REPORTER_DB_USER", "reader")
    db_env.setenv("REPORTER_DB_PASSWORD", special)
    assert build().exit_code == 0
    db_env.delenv("REPORTER_DB_PASSWORD")
    db_env.setenv("PGPASSWORD", special)  # libpq's own variable works too
    assert build().exit_code == 0
    db_env.delenv("PGPASSWORD")
    db_env.setenv("REPORTER_DB_PASSWORD", "wrong-secret")
    result = build()
    assert result.exit_code == 4 and "Traceback" not in result.output
    assert "password authentication failed" in result.output and "wrong-secret" not in result.output
    db_env.delenv("REPORTER_DB_PASSWORD")
    result = build()  # no password anywhere: a clear error, not a prompt
    assert result.exit_code == 4 and "PostgreSQL at 127.0.0.1:" in result.output
    assert "no password supplied" in result.output and "REPORTER_DB_PASSWORD" in result.output


def test_readme_inputs_example_is_a_valid_config():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Reading from PostgreSQL"):readme.index("## Importing native exports")]
    block = section[section.index("```yaml\n") + 8:section.index("```", section.index("```yaml\n") + 8)]
    config = parse_config(yaml.safe_load(block))
    assert config.inputs.schema == "canonical" and config.inputs.tables == {"pull_requests": "v_pull_requests"}
