"""A seeded generator of hostile inputs: canonical input folders and native exports.

tests/test_fuzz.py runs the CLI on what this writes and fails on any traceback (exit 1) or any
row neither loaded nor listed as skipped. Every case is a pure function of (seed, index): a
failure names both, and ``python -m tests.fuzzing SEED INDEX DIR`` writes that case again to look at.

What it writes (issue 15): every canonical dataset of reporter/inputs/spec.py as CSV, JSON,
NDJSON or Parquet, with one mutation each (out-of-range and malformed dates, bad encodings, deep
nesting, duplicated headers, wrong JSON types, huge and non-finite numbers, symlinks, folders
named like files, empty and header-only files) and sometimes a hostile reporter.yaml; and for
every importer of reporter/importers/registry.py a small valid export (from tests/fixtures or
built here) with one mutation of a value, of the document's shape or of its bytes.
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
VENDOR = ROOT / "tests" / "vendor"

# ---------------------------------------------------------------------------
# Hostile values

BAD_TIMES = ["2300-01-01T00:00:00Z", "0001-01-01", "-5", "1e20", "9999-12-31T23:59:59Z", "2026-02-30",
             "2026-13-01T00:00:00Z", "1677-09-21T00:12:43Z", "2262-04-12T00:00:00Z", "1899-12-31", "20260302",
             "2026-03-02T25:00:00Z", "2026-03-02T10:00:00+25:00", "yesterday", "0", "NaT", "2026-W10"]
BAD_NUMBERS = ["1.7976931348623157e308", "-1.7976931348623157e308", "1e400", "inf", "-inf", "Infinity", "NaN",
               "nan", "1e16", "99999999999999999999999", "-1", "0x10", "1_000", "1,5", "4.5", "", " ", "-0",
               "1e-400", "9" * 400, "1e999999999", "1e-999999999", "9" * 400 + ".0"]
BAD_TEXTS = ["\x00", "a\r\nb", "\u202egnp.exe", "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "'; DROP TABLE x;--",
             "x" * 20_000, "\ufeff", "é" * 3, "\udcff", "🙂", "  ", ";;;", "a;b;;c", "true", "null", "{}", "[]"]
BAD_JSON = [float("inf"), float("-inf"), float("nan"), 1.7976931348623157e308, -5, 1e20, 10**30, -(10**30),
            "2300-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "-5", "1e20", {}, [], {"a": {"b": [1, 2]}}, [[[]]],
            None, True, False, "", "x" * 10_000, "\r\n", 0, 1.5, "Infinity", [None, 3, "x"], 2**63, -(2**63) - 1,
            "1e999999999", "1e-999999999", "²"]


def deep_json(depth: int = 5000) -> str:
    return "[" * depth + "]" * depth


# ---------------------------------------------------------------------------
# Canonical datasets: a small valid table per dataset, from its spec


def valid_table(dataset: str, rows: int, rng: random.Random) -> tuple[list[str], list[list[str]]]:
    """Header and text rows of ``dataset`` that validate: unique keys, times in order."""
    from reporter.inputs.spec import BOOL, DATASETS, DATE, FLOAT, INT, LIST, TIMESTAMP

    spec = DATASETS[dataset]
    header = [c.name for c in spec.columns]
    out = []
    for i in range(rows):
        day = 2 + (i % 25)
        row = []
        for c in spec.columns:
            if c.kind == TIMESTAMP:
                value = f"2026-03-{day:02d}T{9 + min(i % 5, 4)}:00:00Z"
            elif c.kind == DATE:
                value = f"2026-03-{day:02d}"
            elif c.kind == INT:
                value = str(rng.randint(0, 50))
            elif c.kind == FLOAT:
                value = f"{rng.uniform(0, 100):.2f}"
            elif c.kind == BOOL:
                value = rng.choice(["true", "false"])
            elif c.kind == LIST:
                value = f"x{i};y{i}"
            elif c.name in ("person", "author"):
                value = f"dev{i % 6}"
            elif c.name == "team":
                value = f"team{i % 2}"
            elif c.name in ("environment",):
                value = "production"
            elif c.name in ("status",):
                value = "success"
            elif c.name == "role":
                value = "engineer"
            elif c.name == "severity":
                value = "sev2"
            else:
                value = f"{c.name}-{i}"
            row.append(value)
        if spec.key:  # make each key unique whatever its columns' kinds
            for k in spec.key:
                j = header.index(k)
                kind = spec.column(k).kind
                if kind == TIMESTAMP:
                    row[j] = f"2026-{1 + i // 28:02d}-{1 + i % 28:02d}T10:00:00Z"
                elif kind == DATE:
                    row[j] = f"2026-{1 + i // 28:02d}-{1 + i % 28:02d}"
                elif kind not in (INT, FLOAT, BOOL):
                    row[j] = f"{k}-{i}"
        if spec.id_column and spec.id_column in header:
            row[header.index(spec.id_column)] = f"{spec.id_column}-{i}"
        out.append(row)
    return header, out


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


@dataclass
class Case:
    """One generated case: what was written and what a correct run must account for."""

    seed: int
    index: int
    kind: str  # "build" or "import"
    mutation: str
    folder: Path
    args: list[str] = field(default_factory=list)  # import: SOURCE PATHS... [flags]
    records: dict[str, int] = field(default_factory=dict)  # file name -> records written (when readable)

    @property
    def label(self) -> str:
        return f"seed {self.seed} case {self.index} ({self.kind}: {self.mutation})"


FILE_MUTATIONS = ["cell_time", "cell_number", "cell_text", "json_types", "non_utf8", "deep_json", "dup_header",
                  "dangling_link", "outside_link", "folder_as_file", "empty_file", "header_only", "ragged",
                  "blank_lines", "reserved_column", "missing_required", "huge_numbers", "bom", "nan_numbers",
                  "parquet", "whitespace_header", "empty_folder", "only_unknown", "parquet_folder", "link_in_folder"]
CONFIG_MUTATIONS = ["non_utf8", "alias_bomb", "deep", "baseline_huge", "resamples_huge", "org_newline",
                    "inf_number", "bad_tz", "wrong_type", "unknown_key", "resamples_float", "empty", "list_top",
                    "subject_newline", "huge_int"]


def canonical_case(seed: int, index: int, root: Path) -> Case:
    """An input folder of 2-4 datasets, one of them mutated, maybe a hostile reporter.yaml."""
    from reporter.inputs.spec import DATASETS

    rng = random.Random(seed * 1_000_003 + index)
    folder = root / f"in-{seed}-{index}"
    folder.mkdir(parents=True)
    names = sorted(DATASETS)
    target = names[index % len(names)]  # every dataset in turn, each with every mutation over the cases
    mutation = FILE_MUTATIONS[(index + index // len(names)) % len(FILE_MUTATIONS)]
    chosen = sorted(set(rng.sample(names, rng.randint(1, 3))) | {"pull_requests", target})
    case = Case(seed, index, "build", f"{mutation} in {target}", folder)
    for name in chosen:
        header, rows = valid_table(name, rng.randint(3, 9), rng)
        fmt = rng.choice(["csv", "csv", "json", "ndjson"])
        if name == target:
            fmt = _mutate_table(mutation, header, rows, rng, fmt, folder, name, case)
            if fmt is None:
                continue
        _write_table(folder, name, header, rows, fmt, case)
    if rng.random() < 0.2:
        config = rng.choice(CONFIG_MUTATIONS)
        (folder / "reporter.yaml").write_bytes(hostile_config(config, rng))
        case.mutation += f" + config {config}"
    else:
        (folder / "reporter.yaml").write_text("statistics: {bootstrap_resamples: 100}\n", encoding="utf-8")
    return case


def _write_table(folder: Path, name: str, header: list[str], rows: list[list[str]], fmt: str, case: Case) -> None:
    if fmt == "csv":
        (folder / f"{name}.csv").write_text(_csv_text(header, rows), encoding="utf-8")
    elif fmt == "json":
        records = [dict(zip(header, r)) for r in rows]
        (folder / f"{name}.json").write_text(json.dumps(records), encoding="utf-8")
    elif fmt == "ndjson":
        lines = [json.dumps(dict(zip(header, r))) for r in rows]
        (folder / f"{name}.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif fmt == "parquet":  # text columns; from_arrays keeps a duplicated name
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = [pa.array([r[j] for r in rows], pa.string()) for j in range(len(header))]
        pq.write_table(pa.Table.from_arrays(arrays, names=header), folder / f"{name}.parquet")
    case.records[f"{name}.{fmt}"] = len(rows)


def _mutate_table(mutation: str, header: list[str], rows: list[list[str]], rng: random.Random, fmt: str,
                  folder: Path, name: str, case: Case) -> str | None:
    """Mutate ``rows`` in place or write the hostile file itself (then return None)."""
    col = rng.randrange(len(header))
    row = rng.randrange(len(rows)) if rows else 0
    if mutation == "cell_time":
        for r in rng.sample(range(len(rows)), min(len(rows), 3)):
            rows[r][col] = rng.choice(BAD_TIMES)
        return fmt
    if mutation in ("cell_number", "huge_numbers", "nan_numbers"):
        pool = {"huge_numbers": ["1.7976931348623157e308", "1e300", "9" * 30],
                "nan_numbers": ["NaN", "inf", "-Infinity"]}.get(mutation, BAD_NUMBERS)
        for r in range(len(rows)):
            rows[r][col] = rng.choice(pool)
        return fmt
    if mutation == "cell_text":
        rows[row][col] = rng.choice(BAD_TEXTS).replace("\udcff", "?")
        return fmt
    if mutation == "parquet":
        return "parquet"
    if mutation == "json_types":
        records = [dict(zip(header, r)) for r in rows]
        for rec in records:
            rec[header[col]] = rng.choice(BAD_JSON)
        doc = rng.choice([records, {"data": records}, {"a": records, "b": []}, records + [5], 7, "x"])
        path = folder / f"{name}.{rng.choice(['json', 'ndjson'])}"
        if path.suffix == ".json":
            path.write_text(json.dumps(doc), encoding="utf-8")
        else:
            path.write_text("\n".join(json.dumps(r) for r in (doc if isinstance(doc, list) else [doc])) + "\n",
                            encoding="utf-8")
        return None
    if mutation == "non_utf8":
        text = _csv_text(header, rows) if fmt == "csv" else json.dumps([dict(zip(header, r)) for r in rows])
        raw = text.replace(rows[row][col], rows[row][col] + "é", 1).encode("latin-1", "replace")
        (folder / f"{name}.{'csv' if fmt == 'csv' else rng.choice(['json', 'ndjson'])}").write_bytes(
            raw if b"\xe9" in raw else raw + b"\xff")
        return None
    if mutation == "deep_json":
        path = folder / f"{name}.{rng.choice(['json', 'ndjson'])}"
        path.write_text(deep_json(rng.choice([1500, 5000, 100_000])), encoding="utf-8")
        return None
    if mutation == "dup_header":
        if len(header) > 1:
            header[(col + rng.randrange(1, len(header))) % len(header)] = header[col]
        return "csv" if rng.random() < 0.7 else "parquet"
    if mutation == "whitespace_header":
        header.append(f" {header[col]} ")
        for r in rows:
            r.append("x")
        return rng.choice(["csv", "json", "ndjson"])
    if mutation == "reserved_column":
        header.append(rng.choice(["_row", "_file"]))
        for r in rows:
            r.append("7")
        return rng.choice(["csv", "json"])
    if mutation == "dangling_link":
        (folder / f"{name}.csv").symlink_to(folder / "nowhere.csv")
        return None
    if mutation == "outside_link":
        secret = folder.parent / f"secret-{case.index}.csv"
        secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
        (folder / f"{name}.csv").symlink_to(secret)
        return None
    if mutation == "folder_as_file":
        (folder / f"{name}.{rng.choice(['csv', 'json', 'parquet'])}").mkdir()
        return None
    if mutation in ("parquet_folder", "link_in_folder"):  # a folder of Parquet files, as `import --format parquet`
        part = folder / name / "month=2026-03"
        part.mkdir(parents=True)
        _write_table(part, "part", header, rows, "parquet", case)
        case.records[f"{name}/month=2026-03/part.parquet"] = case.records.pop("part.parquet")
        if mutation == "link_in_folder":
            secret = folder.parent / f"secret-{case.index}.parquet"
            secret.write_bytes((part / "part.parquet").read_bytes())
            (part / "more.parquet").symlink_to(secret)
        return None
    if mutation == "empty_folder":
        (folder / name).mkdir()
        return None
    if mutation == "only_unknown":
        (folder / "notes.txt").write_text("hello\n", encoding="utf-8")
        for other in list(folder.iterdir()):
            if other.suffix in (".csv", ".json", ".ndjson"):
                other.unlink()
        case.records.clear()
        return None
    if mutation == "empty_file":
        (folder / f"{name}.{rng.choice(['csv', 'json', 'ndjson'])}").write_bytes(b"")
        return None
    if mutation == "header_only":
        rows.clear()
        return rng.choice(["csv", "json", "ndjson"])
    if mutation == "ragged":
        text = _csv_text(header, rows) + ",".join(["x"] * (len(header) + 2)) + "\n"
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
        return None
    if mutation == "blank_lines":
        text = _csv_text(header, rows).replace("\n", "\n\n", 2)
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
        case.records[f"{name}.csv"] = len(rows)
        return None
    if mutation == "missing_required":
        from reporter.inputs.spec import DATASETS

        required = [c for c in DATASETS[name].required if c in header]
        drop = header.index(rng.choice(required)) if required else col
        del header[drop]
        for r in rows:
            del r[drop]
        return fmt
    if mutation == "bom":
        (folder / f"{name}.csv").write_bytes(b"\xef\xbb\xbf" + _csv_text(header, rows).encode("utf-8"))
        case.records[f"{name}.csv"] = len(rows)
        return None
    raise AssertionError(mutation)


def hostile_config(kind: str, rng: random.Random) -> bytes:
    """A reporter.yaml that must end in a configuration error (exit 3), never a traceback or a hang."""
    texts = {
        "non_utf8": "organization: Caf\xe9\n".encode("latin-1"),
        "alias_bomb": (b"a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                       b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                       b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                       b"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
                       b"statistics: {bootstrap_resamples: *h}\n"),
        "deep": ("x: " + "[" * 5000 + "]" * 5000 + "\n").encode(),
        "baseline_huge": b"baseline_periods: {weekly: 100000000}\n",
        "resamples_huge": b"statistics: {bootstrap_resamples: 1000000000}\n",
        "org_newline": b'organization: "Acme\\r\\nBcc: evil@example.com"\n',
        "inf_number": b"finance: {loaded_cost_per_engineer_year: .inf}\n",
        "bad_tz": b"timezone: ../../etc/passwd\n",
        "wrong_type": b"privacy: [1, 2]\n",
        "unknown_key": b"statistic: {seed: 1}\n",
        "resamples_float": b"statistics: {bootstrap_resamples: 1e9}\n",
        "empty": b"",
        "list_top": b"- a\n- b\n",
        "subject_newline": b'delivery: {email: {subject_prefix: "[x]\\nBcc: a@b.c"}}\n',
        "huge_int": b"statistics: {seed: " + b"9" * 5000 + b"}\n",
    }
    return texts[kind]


# ---------------------------------------------------------------------------
# Native exports: a small valid export per importer, then one mutation


def _test_module(name: str):
    """A sibling test module (its hand-made exports are the seeds); some import ``conftest`` by name."""
    import importlib

    if str(ROOT / "tests") not in sys.path:
        sys.path.append(str(ROOT / "tests"))
    return importlib.import_module(f"tests.{name}")


def _gh_prs() -> list:
    return json.loads(json.dumps(_test_module("test_import_github").GH_PRS))


def _rest_pulls() -> list:
    return json.loads(json.dumps(_test_module("test_import_github").REST_PULLS))


def _deployments() -> list:
    gh = _test_module("test_import_github")
    _deployment, _status = gh._deployment, gh._status

    return [_deployment(1, "production", [_status("success", "2026-03-01T01:00:00Z")]),
            _deployment(2, "staging", [_status("failure", "2026-03-02T01:00:00Z")]),
            _deployment(3, "production", [_status("inactive", "2026-03-04T01:00:00Z"),
                                          _status("success", "2026-03-03T01:00:00Z")], payload={"service": "shop"})]


def _claude() -> dict:
    cc = _test_module("test_import_claude_code")
    page, record = cc.page, cc.record

    return page([record("ada@example.com"), record("bob@example.com", "2026-03-03", added=4),
                 record("ci-key", api=True, sessions=3)])


def _cursor_usage() -> dict:
    cu = _test_module("test_import_cursor")
    MAR_18, MAR_19, day = cu.MAR_18, cu.MAR_19, cu.day

    return {"data": [day("developer@company.com", totalLinesAdded=10, acceptedLinesAdded=4, totalApplies=3,
                         totalAccepts=2, composerRequests=5, chatRequests=2),
                     day("other@company.com", MAR_19, agentRequests=3)], "period": {"startDate": MAR_18,
                                                                                    "endDate": MAR_19}}


def _cursor_spend() -> dict:
    cu = _test_module("test_import_cursor")
    member, spend = cu.member, cu.spend

    return spend([member("developer@company.com", 1234), member("other@company.com", 99)])


_DEVLAKE = {
    "pull_requests": ("id,base_repo_id,author_id,author_name,merge_commit_sha,created_date,merged_date,additions,"
                      "deletions\npr1,repo1,a,Ann,m1,2023-4-11 4:51:47,2023-4-11 5:51:47,10,2\n"
                      "pr2,repo1,b,Bob,m2,2023-4-12 4:51:47,2023-4-12 6:51:47,3,1\n"),
    "pull_request_commits": "commit_sha,pull_request_id,commit_authored_date\nc1,pr1,2023-4-10 4:51:47\n",
}

# source -> [(file name, content: JSON-able, str or Path)], flags
SEEDS = {
    "github-prs": lambda: ([("prs.json", _gh_prs())], []),
    "github-prs-rest": lambda: ([("pulls.json", _rest_pulls())], []),
    "github-deployments": lambda: ([("deployments.json", _deployments())], []),
    "copilot": lambda: ([(p.name, p) for p in sorted((VENDOR / "copilot").glob("*.json*"))], []),
    "claude-code": lambda: ([("claude.json", _claude())], []),
    "cursor": lambda: ([("usage.json", _cursor_usage()), ("spend.json", _cursor_spend())], []),
    "devlake": lambda: ([("devlake/pull_requests.csv", _DEVLAKE["pull_requests"]),
                         ("devlake/pull_request_commits.csv", _DEVLAKE["pull_request_commits"])], []),
    "pagerduty": lambda: ([(p.name, p) for p in sorted((FIXTURES / "pagerduty").glob("*.json"))]
                          + [("incidents.csv", FIXTURES / "pagerduty" / "incidents.csv")], []),
    "opsgenie": lambda: ([("alerts.json", FIXTURES / "opsgenie" / "alerts.json"),
                          ("incidents.json", FIXTURES / "opsgenie" / "incidents.json")], []),
    "jira": lambda: ([(p.name, p) for p in sorted((FIXTURES / "jira").glob("*.json"))], ["--team", "payments"]),
    "linear": lambda: ([("linear-export.csv", FIXTURES / "linear" / "linear-export.csv"),
                        ("graphql-issues.json", FIXTURES / "linear" / "graphql-issues.json")], ["--team", "web"]),
    "github-teams": lambda: ([(f"teams/{p.name}", p) for p in sorted((FIXTURES / "github-teams").glob("*.json"))],
                             []),
    "github-releases": lambda: ([(p.name, p) for p in sorted((FIXTURES / "github-releases").glob("*.json"))], []),
    "csv": lambda: ([("servicenow-incidents.csv", FIXTURES / "csv" / "servicenow-incidents.csv")],
                    ["--dataset", "incidents", "--map", "id=number", "--map", "service=cmdb_ci"]),
}
EXPORT_MUTATIONS = ["value", "key_everywhere", "key_everywhere", "key_everywhere", "values_everywhere",
                    "delete_key", "wrong_shape", "non_utf8", "deep_json", "truncate", "empty", "bom", "byte_flip",
                    "dup_header", "csv_cell", "huge_int"]


def import_sources() -> list[str]:
    """Every importer the registry knows (the seed table must cover them all)."""
    from reporter.importers.registry import SOURCES

    return sorted(SOURCES)


def import_case(seed: int, index: int, root: Path) -> Case:
    """One importer, one seed export with one mutation; the case's args are `import SOURCE PATHS FLAGS`."""
    rng = random.Random(seed * 7_000_003 + index)
    seeds = sorted(SEEDS)
    key = seeds[index % len(seeds)]
    source = "github-prs" if key == "github-prs-rest" else key
    mutation = rng.choice(EXPORT_MUTATIONS)
    folder = root / f"imp-{seed}-{index}"
    folder.mkdir(parents=True)
    files, flags = SEEDS[key]()
    if not files:  # a vendored sample absent from this checkout
        files = [("empty.json", [])]
    target = rng.randrange(len(files))
    paths = []
    for i, (name, content) in enumerate(files):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = _export_bytes(content)
        if i == target:
            raw = mutate_export(raw, name, mutation, rng)
        path.write_bytes(raw)
        top = folder / name.split("/")[0]
        if top not in paths:
            paths.append(top)
    case = Case(seed, index, "import", f"{mutation} in {key}:{files[target][0]}", folder)
    case.args = ["import", source, *map(str, paths), "--out", str(folder / "out"), *flags]
    return case


def _export_bytes(content) -> bytes:
    if isinstance(content, Path):
        return content.read_bytes()
    if isinstance(content, str):
        return content.encode("utf-8")
    return json.dumps(content, indent=1).encode("utf-8")


def mutate_export(raw: bytes, name: str, mutation: str, rng: random.Random) -> bytes:
    """One mutation of an export's bytes: of a JSON value, its shape, or the raw bytes."""
    is_json = name.endswith((".json", ".ndjson"))
    if is_json and mutation in ("value", "values_everywhere", "key_everywhere", "delete_key", "wrong_shape",
                                "huge_int"):
        docs = _documents(raw.decode("utf-8-sig"))  # one document, NDJSON, or pages back to back
        target = rng.randrange(len(docs)) if docs else 0
        docs = [_mutate_json(d, mutation, rng) if i == target else d for i, d in enumerate(docs)]
        return ("\n".join(json.dumps(d) for d in docs) + "\n").encode("utf-8")
    csv_mutations = ("csv_cell", "dup_header", "value", "values_everywhere", "key_everywhere")
    if mutation in csv_mutations and name.endswith(".csv"):
        text = raw.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        if not rows:
            return raw
        if mutation == "dup_header" and len(rows[0]) > 1:
            rows[0][rng.randrange(1, len(rows[0]))] = rows[0][0]
        else:
            for _ in range(1 if mutation in ("value", "csv_cell") else 3):
                r = rng.randrange(1, len(rows)) if len(rows) > 1 else 0
                if rows[r]:
                    rows[r][rng.randrange(len(rows[r]))] = rng.choice(BAD_TIMES + BAD_NUMBERS + BAD_TEXTS[:6])
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        return buf.getvalue().encode("utf-8")
    if mutation == "non_utf8":
        at = rng.randrange(len(raw)) if raw else 0
        return raw[:at] + b"\xe9\xff" + raw[at:]
    if mutation == "deep_json":
        return deep_json(rng.choice([1500, 5000])).encode() if rng.random() < 0.5 else \
            raw.replace(b"{", b'{"deep": ' + deep_json(3000).encode() + b", ", 1)
    if mutation == "truncate":
        return raw[: rng.randrange(max(len(raw), 1))]
    if mutation == "empty":
        return rng.choice([b"", b"   \n", b"[]", b"{}", b"null", b"0"])
    if mutation == "bom":
        return b"\xef\xbb\xbf" + raw
    if mutation == "byte_flip" and raw:
        data = bytearray(raw)
        for _ in range(3):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    return raw


def _documents(text: str) -> list:
    decoder, docs, pos = json.JSONDecoder(), [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return docs
        doc, pos = decoder.raw_decode(text, pos)
        docs.append(doc)


def _mutate_json(doc, mutation: str, rng: random.Random):
    slots = list(_slots(doc))
    if not slots:
        return rng.choice(BAD_JSON)
    if mutation == "values_everywhere":
        for parent, key in rng.sample(slots, max(1, len(slots) // 4)):
            parent[key] = rng.choice(BAD_JSON)
        return doc
    if mutation == "key_everywhere":  # one field name, every record: a wrong type the importer meets for sure
        names = sorted({key for parent, key in slots if isinstance(parent, dict)})
        if names:
            name, value = rng.choice(names), rng.choice(BAD_JSON)
            for parent, key in slots:
                if isinstance(parent, dict) and key == name:
                    parent[key] = value
            return doc
    parent, key = rng.choice(slots)
    if mutation == "delete_key" and isinstance(parent, dict):
        del parent[key]
    elif mutation == "wrong_shape":
        parent[key] = rng.choice([{"x": parent[key]}, [parent[key]], str(parent[key]), None])
    elif mutation == "huge_int":
        parent[key] = rng.choice([10**40, -(10**40), 2**64, 1.7976931348623157e308])
    else:
        parent[key] = rng.choice(BAD_JSON)
    return doc


def _slots(doc, depth: int = 0):
    """(container, key) of every value in a JSON document."""
    if depth > 20:
        return
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for key, value in list(items):
        yield doc, key
        yield from _slots(value, depth + 1)


if __name__ == "__main__":  # python -m tests.fuzzing SEED INDEX DIR [import]
    seed, index, where = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    made = import_case(seed, index, where) if sys.argv[4:] == ["import"] else canonical_case(seed, index, where)
    print(made.label, made.folder, " ".join(made.args))
