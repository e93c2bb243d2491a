"""Load an input folder into canonical frames, with the lineage and every skipped row."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ..errors import InputError
from ..files import sha256_file as _sha256
from ..frames import to_arrow
from .engine import Engine, Summary
from .plan import FIRSTS, IDENTITIES, DatasetRead, ReadPlan, commit_read, pull_request_read
from .readers import ROW, read_file
from .spec import DATASETS, DATE, DATED_COLUMNS, FILE_EXTENSIONS
from .validate import Issue, _empty, parse_timestamps, validate

# Files an input folder may hold besides datasets.
_IGNORED_NAMES = {"reporter.yaml", "reporter.yml", "readme.md", ".gitkeep"}


@dataclass
class Inputs:
    """Canonical frames (one per dataset, empty when absent) plus what happened while loading.

    With a ``ReadPlan`` the frames hold the rows the report reads; ``extremes`` then holds each
    windowed dataset's dated columns' first and last values over the whole file (rows validation
    skipped left out), so that coverage does not depend on the window, and ``facts`` the few
    whole-file facts the metrics state (``window`` says what was read)."""

    frames: dict[str, pd.DataFrame]
    present: dict[str, list[str]]  # dataset -> file names it came from
    lineage: dict[str, dict] = field(default_factory=dict)  # file -> {rows, sha256}
    skipped: list[Issue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    extremes: dict[str, dict[str, tuple[pd.Timestamp, pd.Timestamp]]] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)
    window: dict[str, dict] | None = None

    def has(self, dataset: str) -> bool:
        return bool(self.present.get(dataset))

    def __getitem__(self, dataset: str) -> pd.DataFrame:
        return self.frames[dataset]

    def extent(self, dataset: str, column: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First and last value of a dated column over the dataset (read rows and, when windowed, the rest)."""
        values = self.frames[dataset][column].dropna() if dataset in self.frames else pd.Series([], dtype=object)
        spans = [(values.min(), values.max())] if len(values) else []
        if column in self.extremes.get(dataset, {}):
            spans.append(self.extremes[dataset][column])
        if not spans:
            return None
        return min(a for a, _ in spans), max(b for _, b in spans)


@dataclass
class Survey:
    """What an input folder holds before any row is validated: files, their columns, and per
    windowed dataset the whole-file facts (rows, dated extremes) that choose the period."""

    found: dict[str, list[Path]]
    warnings: list[str]
    tz: ZoneInfo
    engine: Engine
    columns: dict[Path, dict[str, str]] = field(default_factory=dict)
    summaries: dict[Path, Summary] = field(default_factory=dict)
    raw: dict[Path, pd.DataFrame] = field(default_factory=dict)  # JSON files, read whole once
    extra: list[tuple[str, Summary]] = field(default_factory=list)  # converted exports
    database: Any = None  # a PostgresSource (config inputs, inputs/postgres.py): tables read like files

    @property
    def frames(self) -> dict[str, None]:
        """Every dataset name (build.data_coverage asks which datasets exist)."""
        return dict.fromkeys(DATASETS)

    def extent(self, dataset: str, column: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        summaries = [self.summaries[p] for p in self.found.get(dataset, []) if p in self.summaries]
        summaries += [s for name, s in self.extra if name == dataset]
        spans = [s.extremes[column] for s in summaries if column in s.extremes]
        if not spans:
            return None
        lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
        return _as_kind(lo, hi, DATASETS[dataset].column(column).kind, self.tz)


def _as_kind(lo: pd.Timestamp, hi: pd.Timestamp, kind: str, tz: ZoneInfo) -> tuple[pd.Timestamp, pd.Timestamp]:
    """UTC instants as the frame holds the column: a date column is the local calendar day."""
    if kind == DATE:
        return tuple(v.tz_convert(tz).tz_localize(None).normalize() if v.tzinfo else v for v in (lo, hi))
    return lo, hi


def discover(input_dir: Path) -> tuple[dict[str, list[Path]], list[str]]:
    """Map dataset name -> files (or a folder of Parquet files named after the dataset); anything
    unrecognised is reported, not silently ignored."""
    if not input_dir.is_dir():
        raise InputError(f"input folder {input_dir} does not exist or is not a folder")
    found: dict[str, list[Path]] = {}
    warnings = []
    for path in sorted(input_dir.iterdir()):
        if path.name.lower() in _IGNORED_NAMES or path.name.startswith("."):
            continue
        suffix = path.suffix.lower()
        stem = path.name[: -len(suffix)] if suffix else path.name
        named = (suffix in FILE_EXTENSIONS and stem in DATASETS) or path.name in DATASETS
        if named:
            _check_source(input_dir, path)
        if path.is_dir():
            if path.name in DATASETS and any(path.rglob("*.parquet")):
                found.setdefault(path.name, []).append(path)
            elif path.name in DATASETS:
                warnings.append(f"{path.name}/: a folder without .parquet files, not read")
            continue
        if suffix in FILE_EXTENSIONS and stem in DATASETS:
            found.setdefault(stem, []).append(path)
        else:
            known = ", ".join(DATASETS)
            warnings.append(
                f"{path.name}: not a known dataset file and not read (expected one of {known} "
                f"with extension {', '.join(FILE_EXTENSIONS)}, or a folder of .parquet files)"
            )
    return found, warnings


def _check_source(input_dir: Path, path: Path) -> None:
    """Refuse what is named like a dataset but cannot be read as one: a dangling link, a link
    leading out of the input folder (its target is never opened, so nothing of it is quoted), a
    folder with a file extension, a device or pipe. Silence would lose a dataset without a trace."""
    if path.is_symlink():
        if not path.exists():
            raise InputError(f"{input_dir / path.name}: a symbolic link to a file that does not exist")
        try:
            path.resolve().relative_to(input_dir.resolve())
        except ValueError:
            raise InputError(f"{input_dir / path.name}: a symbolic link leading outside the input folder "
                             f"{input_dir}; not read (copy the file into the folder instead)") from None
    if path.is_dir():
        if path.suffix.lower() in FILE_EXTENSIONS:
            raise InputError(f"{input_dir / path.name}: a folder, expected a {path.suffix.lower()} file")
        links = [p for p in path.rglob("*") if p.is_symlink()]
        if links:
            raise InputError(f"{links[0]}: a symbolic link inside a dataset folder; not read")
    elif not path.is_file():
        raise InputError(f"{input_dir / path.name}: not a regular file (a device, pipe or socket); not read")


def _engine_reads(path: Path) -> bool:
    return path.is_dir() or path.suffix.lower() in (".csv", ".parquet")


def _label(path: Path) -> str:
    return path.name + "/" if path.is_dir() else path.name


def survey_inputs(input_dir: Path, tz: ZoneInfo, datasets: Collection[str] | None = None,
                  extra: Sequence[tuple[str, str, pd.DataFrame, dict]] = (), database: Any = None) -> Survey:
    """Files and whole-file facts: one aggregate query per CSV or Parquet source (or database table);
    JSON files and converted exports are read whole (and kept for the load)."""
    found, warnings = discover(Path(input_dir))
    if not found and not extra and database is None:
        raise InputError(f"input folder {input_dir} holds no dataset file (expected files such as "
                         f"pull_requests.csv or deployments.csv; see README 'Input contract')"
                         + (f"; {len(warnings)} other file(s) not read: " + "; ".join(warnings[:3])
                            if warnings else ""))
    survey = Survey(found, warnings, tz, Engine(tz))
    listed = _listed_sql(found, survey)
    if database is not None:  # its notes (a window it cannot push) join the folder's warnings
        survey.database, database.warnings = database, survey.warnings
    for name in DATASETS:
        dated = {c: DATASETS[name].column(c).kind for c in DATED_COLUMNS.get(name, ())}
        for path in found.get(name, []):
            if _engine_reads(path):
                types = survey.engine.columns(path)
                survey.columns[path] = types
                if not types and path.is_file():
                    survey.warnings.append(f"{path.name}: an empty file (no header), read as no rows")
                used = datasets is None or name in datasets  # others: rows and reach only
                survey.summaries[path] = survey.engine.summary(
                    path, types, dated, FACT_COLUMNS.get(name, ()) if used else (),
                    listed=listed if name == "pull_requests" and used else None,
                    firsts=FIRSTS.get(name, ()) if used else (), identity=IDENTITIES.get(name) if used else None)
            else:
                raw = read_file(path)
                survey.raw[path] = raw
                survey.summaries[path] = _raw_summary(raw, dated, tz)
        for dataset, _, raw, _ in extra:
            if dataset == name:
                survey.extra.append((name, _raw_summary(raw, dated, tz)))
        if database is not None and name in database.tables and database.missing(name) is None:
            survey.extra.append((name, database.summary(name, dated, FACT_COLUMNS.get(name, ()),
                                                        IDENTITIES.get(name))))
    return survey


def _listed_sql(found: dict[str, list[Path]], survey: Survey) -> str | None:
    """SQL of every id the deployments list, checked against the whole PR file in its summary scan
    (when one CSV or Parquet source holds the PRs and the engine reads every deployments source)."""
    deps, prs = found.get("deployments", []), found.get("pull_requests", [])
    if not deps or len(prs) != 1 or not all(_engine_reads(p) for p in deps + prs):
        return None
    parts = [survey.engine.listed_ids(p, survey.engine.columns(p)) for p in deps]
    return " UNION ALL ".join(p for p in parts if p) or None


def _raw_summary(raw: pd.DataFrame, dated: dict[str, str], tz: ZoneInfo) -> Summary:
    """A Summary of a frame of raw text (JSON files, converted exports), parsed as validation does."""
    out = Summary(int(len(raw)))
    for column in dated:
        if column in raw.columns and len(raw):
            values = parse_timestamps(raw[column].astype("string").str.strip().replace("", pd.NA), tz).dropna()
            if len(values):
                out.extremes[column] = (values.min(), values.max())
    return out


# Whole-file facts a windowed read would otherwise lose: the metrics ask whether a column is filled at all.
FACT_COLUMNS: dict[str, tuple[str, ...]] = {"work_items": ("strategic",)}


def load_inputs(input_dir: Path, tz: ZoneInfo, strict: bool = False,
                datasets: Collection[str] | None = None,
                extra: Sequence[tuple[str, str, pd.DataFrame, dict]] = (),
                plan: ReadPlan | None = None, survey: Survey | None = None) -> Inputs:
    """Read and validate the dataset files; ``strict`` turns the first problem into an error.

    ``datasets`` limits validation to what the report uses: other files are still counted and
    hashed for the lineage (``validated: false``), and validated by the reports that use them.
    ``plan`` (reporter/inputs/plan.py) limits the columns and rows read and validated; without
    it every row of every file is. CSV and Parquet are read by DuckDB (engine.py), JSON and
    NDJSON by readers.py. ``extra`` holds (dataset, name, raw text frame, lineage) of native
    exports converted by an importer (config ``imports``); they are validated exactly like files.
    Problems are listed per dataset in a fixed order (datasets, then files, then rows).
    """
    own = survey is None
    survey = survey or survey_inputs(Path(input_dir), tz, datasets, extra)
    found, engine = survey.found, survey.engine
    results: dict[str, list[tuple[str, tuple[pd.DataFrame | None, list[Issue], dict]]]] = {n: [] for n in DATASETS}
    window: dict[str, dict] = {}
    extremes: dict[str, dict[str, tuple[pd.Timestamp, pd.Timestamp]]] = {}
    facts: dict[str, object] = {}
    typed_of: dict[str, pd.DataFrame] = {}
    try:
        for name in _ORDER:
            spec = DATASETS[name]
            check = datasets is None or name in datasets
            read = _read_for(plan, name, typed_of, survey) if check else None
            for path in found.get(name, []):
                results[name].extend(_load_source(path, name, spec, tz, check, read, survey))
            if survey.database is not None and name in survey.database.tables:
                results[name].append(survey.database.load(name, check, read))
            if read is not None:
                window[name] = {"rows": sum(i["rows"] for _, (_, _, i) in results[name]),
                                "read": sum(int(i.get("read", 0)) for _, (_, _, i) in results[name]),
                                "where": read.describe()}
                extremes[name] = _windowed_extremes(name, results[name], survey, tz)
            for dataset, label, raw, info in extra:
                if dataset == name:
                    typed, issues = validate(raw, spec, label, tz) if check else (None, [])
                    if typed is not None:
                        typed["_file"] = label
                    results[name].append((label, (typed, issues, {**info, "validated": check})))
            parts = [typed for _, (typed, _, _) in results[name] if typed is not None]
            typed_of[name] = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts[0] if parts else None)
            for column in FACT_COLUMNS.get(name, ()):
                filled = [s.filled.get(column, 0) for p in found.get(name, []) if (s := survey.summaries.get(p))]
                filled += [s.filled[column] for n, s in survey.extra if n == name and column in s.filled]
                if filled:
                    facts[f"{name}.{column}"] = sum(filled)
        if plan is not None and plan.get("pull_requests") is not None and typed_of.get("deployments") is not None:
            scanned = [survey.summaries[p].unknown for p in found.get("pull_requests", []) if p in survey.summaries]
            facts["unknown_pr_links"] = scanned[0] if len(scanned) == 1 and scanned[0] is not None else \
                _unknown_links(typed_of["deployments"], found.get("pull_requests", []), survey)
    finally:
        if own:
            engine.close()

    frames: dict[str, pd.DataFrame] = {}
    lineage: dict[str, dict] = {}
    skipped: list[Issue] = []
    for name, spec in DATASETS.items():
        parts = []
        for label, (typed, issues, info) in results[name]:
            lineage[label] = {k: v for k, v in info.items() if k != "read"}
            if strict and issues:
                raise InputError(_strict_message(issues))
            if typed is not None:
                parts.append(typed)
            skipped.extend(issues)
        if len(parts) > 1:
            combined, dup_issues = _dedupe_across_files(pd.concat(parts, ignore_index=True), spec)
            if strict and dup_issues:
                raise InputError(_strict_message(dup_issues))
            skipped.extend(dup_issues)
            frames[name] = combined
        elif parts:
            frames[name] = parts[0]
        else:
            empty = _empty(spec)
            empty["_file"] = pd.Series([], dtype=object)
            frames[name] = empty
    present = {name: [_label(p) for p in paths] for name, paths in found.items()}
    for dataset, label, _, _ in extra:
        present.setdefault(dataset, []).append(label)
    for dataset, label in getattr(survey.database, "labels", {}).items():  # tables in PostgreSQL
        present.setdefault(dataset, []).append(label)
    if extremes and any(i.row is not None for i in skipped):
        extremes = _without_skipped(extremes, skipped, found, survey, tz)
    return Inputs(frames=frames, present=present, lineage=lineage, skipped=skipped, warnings=list(survey.warnings),
                  extremes=extremes, facts=facts, window=window if plan is not None else None)


# Deployments and incidents first: the PRs' attribution reach depends on them; commits follow the PRs.
_ORDER = ("people", "deployments", "incidents", "pull_requests", "commits") + tuple(
    n for n in DATASETS if n not in ("people", "deployments", "incidents", "pull_requests", "commits"))


def _read_for(plan: ReadPlan | None, name: str, typed_of: dict[str, pd.DataFrame | None],
              survey: Survey | None = None) -> DatasetRead | None:
    """The dataset's read, completed from what is loaded already: PRs from deployments and
    incidents, commits from PRs, and the rows of identities people does not know."""
    if plan is None:
        return None
    read = plan.get(name)
    if name == "pull_requests" and read is not None:
        deps, inc = typed_of.get("deployments"), typed_of.get("incidents")
        if deps is not None:
            read = pull_request_read(plan, deps, inc if inc is not None else _empty(DATASETS["incidents"]))
    if name == "commits":
        prs = typed_of.get("pull_requests")
        return commit_read(plan, prs["id"] if prs is not None else pd.Series([], dtype=object))
    if read is not None and name in IDENTITIES and survey is not None:
        read = read.with_keys(IDENTITIES[name], _unknown_identities(name, typed_of.get("people"), survey))
    if read is not None and read.firsts and survey is not None:  # one row of each group, by its id
        ids = frozenset().union(*(survey.summaries[p].firsts for p in survey.found.get(name, [])
                                  if p in survey.summaries))
        read = read.with_keys(DATASETS[name].id_column or "id", ids)
    return read


def _unknown_identities(name: str, people: pd.DataFrame | None, survey: Survey) -> frozenset[str]:
    """The distinct identities of a dataset's files that people does not resolve (metrics/people.py)."""
    from ..metrics import people as ppl

    found: set[str] = set()
    for path in survey.found.get(name, []):
        summary = survey.summaries.get(path)
        if summary is not None and summary.identities:
            found |= summary.identities
    found |= getattr(getattr(survey.database, "summaries", {}).get(name), "identities", None) or set()  # PostgreSQL
    if not found:
        return frozenset()
    idmap = ppl.identity_map(people)[0] if people is not None and len(people) else {}
    values = pd.Series(sorted(found), dtype=object)
    return frozenset(values[ppl.resolve(values, idmap).isna().to_numpy()])


def _load_source(path: Path, name: str, spec, tz: ZoneInfo, check: bool, read: DatasetRead | None,
                 survey: Survey) -> list[tuple[str, tuple[pd.DataFrame | None, list[Issue], dict]]]:
    """(label, (typed frame, issues, lineage)) of each file of one source."""
    engine = survey.engine
    if not _engine_reads(path):  # JSON, NDJSON: read whole in Python (typically small API exports)
        raw = survey.raw.get(path)
        raw = read_file(path) if raw is None else raw
        info = {"rows": int(len(raw)), "sha256": _sha256(path), "validated": check}
        if not check:
            return [(path.name, (None, [], info))]
        typed, issues = validate(raw, spec, path.name, tz)
        typed["_file"] = path.name
        return [(path.name, (typed, issues, info))]
    types = survey.columns.get(path) or engine.columns(path)
    files = _files_of(path, survey)
    if not check:
        return [(label, (None, [], {"rows": rows, "sha256": _sha256(f), "validated": False}))
                for label, f, rows in files]
    stripped = [str(c).strip() for c in types]
    missing = [c for c in spec.required if c not in stripped]
    if missing:
        out = []
        for label, f, rows in files:
            reason = (f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing "
                      f"(found: {', '.join(stripped) or 'none'}); all {rows} rows of this file were not used")
            issues = [Issue(label, None, None, missing[0], reason)] if rows else []
            out.append((label, (_empty(spec).assign(_file=pd.Series([], dtype=object)), issues,
                                {"rows": rows, "sha256": _sha256(f), "validated": True})))
        return out
    parts = dict(engine.read(path, name, types, read))
    out = []
    for label, f, rows in files:
        raw = parts.get(label)
        if raw is None:
            raw = _empty_raw(stripped if read is None else [c for c in read.columns if c in stripped])
        typed, issues = validate(raw, spec, label, tz)
        typed["_file"] = label
        out.append((label, (typed, issues, {"rows": rows, "sha256": _sha256(f), "validated": True,
                                             "read": int(len(raw))})))
    return out


def _files_of(path: Path, survey: Survey) -> list[tuple[str, Path, int]]:
    """(label, file, rows) of a source: itself, or each Parquet file of a folder in path order."""
    if path.is_dir():
        rows = survey.engine.file_rows(path)
        return [(f"{path.name}/{rel}", path / rel, rows.get(rel, 0)) for rel in sorted(rows)]
    summary = survey.summaries.get(path) or survey.engine.summary(path, survey.engine.columns(path), {})
    return [(path.name, path, summary.rows)]


def _empty_raw(columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype=pd.StringDtype("pyarrow")) for c in columns})
    frame[ROW] = pd.Series([], dtype=np.int64)
    return frame


def _windowed_extremes(name: str, loaded, survey: Survey, tz: ZoneInfo) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """The whole files' dated extremes (as the frame holds them) of a windowed dataset."""
    out: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = {}
    for path in survey.found.get(name, []):
        summary = survey.summaries.get(path)
        if summary is None or path not in survey.columns:  # JSON: read whole, its frame says it all
            continue
        if any(i.row is None for _, (_, issues, _) in loaded for i in issues if i.file.startswith(path.name)):
            continue  # a file missing a required column is not used at all
        for column, (lo, hi) in summary.extremes.items():
            lo, hi = _as_kind(lo, hi, DATASETS[name].column(column).kind, tz)
            if column in out:
                lo, hi = min(lo, out[column][0]), max(hi, out[column][1])
            out[column] = (lo, hi)
    for column, (lo, hi) in getattr(survey.database, "summaries", {}).get(name, Summary(0)).extremes.items():
        lo, hi = _as_kind(lo, hi, DATASETS[name].column(column).kind, tz)  # a database table, surveyed whole
        out[column] = (min(lo, out[column][0]), max(hi, out[column][1])) if column in out else (lo, hi)
    return out


def _without_skipped(extremes, skipped: list[Issue], found, survey: Survey, tz: ZoneInfo):
    """Extremes again without the rows validation skipped (rare: only when rows were skipped)."""
    engine = Engine(tz)
    try:
        out = dict(extremes)
        for name in extremes:
            rows: dict[str, list[int]] = {}
            for issue in skipped:
                if issue.row is not None and any(issue.file == _label(p).rstrip("/") or
                                                 issue.file.startswith(_label(p)) for p in found.get(name, [])):
                    rows.setdefault(issue.file, []).append(issue.row)
            if not rows:
                continue
            dated = {c: DATASETS[name].column(c).kind for c in DATED_COLUMNS.get(name, ())}
            merged: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = {}
            for path in found.get(name, []):
                if path not in survey.columns:
                    continue
                mine = {f: r for f, r in rows.items() if f == path.name or f.startswith(_label(path))}
                summary = engine.summary(path, survey.columns[path], dated, (), mine or None)
                for column, (lo, hi) in summary.extremes.items():
                    lo, hi = _as_kind(lo, hi, DATASETS[name].column(column).kind, tz)
                    if column in merged:
                        lo, hi = min(lo, merged[column][0]), max(hi, merged[column][1])
                    merged[column] = (lo, hi)
            out[name] = merged
        return out
    finally:
        engine.close()


def _unknown_links(deployments: pd.DataFrame, sources: list[Path], survey: Survey) -> tuple[int, list[str]]:
    """(entries, distinct ids) of successful production deployments' pr_ids naming no PR of the
    whole pull_requests file(s): the check prepare.py makes, over every row, not only those read."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..metrics.prepare import PRODUCTION, SUCCESS

    env = deployments["environment"].astype("string").str.strip().str.lower().fillna("production")
    status = deployments["status"].astype("string").str.strip().str.lower().fillna("success")
    ok = (env.isin(PRODUCTION) & status.isin(SUCCESS)).to_numpy(dtype=bool)
    lists = pc.split_pattern(to_arrow(deployments.loc[ok, "pr_ids"]), ";")
    ids = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    ids = pc.filter(ids, pc.greater(pc.utf8_length(ids), 0))
    if len(ids) == 0:
        return 0, []
    engine = survey.engine
    table = pa.table({"k": ids})
    engine.con.register("_listed", table)
    try:
        known = [f"SELECT trim({_id_expr(survey, p)}) AS k FROM {engine.source(p)}" for p in sources
                 if _engine_reads(p)] or ["SELECT NULL::VARCHAR AS k WHERE false"]
        extra = [p for p in sources if not _engine_reads(p)]
        if extra:
            names = pd.concat([read_file(p)["id"].astype("string").str.strip() for p in extra if True])
            engine.con.register("_json_ids", pa.table({"k": pa.array(names.dropna().tolist(), pa.string())}))
            known.append("SELECT k FROM _json_ids")
        if survey.database is not None:  # PRs in PostgreSQL: which listed ids the whole table holds
            held = survey.database.held_ids("pull_requests", "id", pc.unique(ids).to_pylist())
            engine.con.register("_db_ids", pa.table({"k": held}))
            known.append("SELECT k FROM _db_ids")
        rows = engine._rows(f"SELECT k, count(*) FROM _listed WHERE k NOT IN ({' UNION ALL '.join(known)}) "
                            "GROUP BY k ORDER BY k")
    finally:
        engine.con.unregister("_listed")
    return sum(int(n) for _, n in rows), [k for k, _ in rows]


def _id_expr(survey: Survey, path: Path) -> str:
    types = survey.columns.get(path) or survey.engine.columns(path)
    name = next((n for n in types if str(n).strip() == "id"), None)
    return "NULL::VARCHAR" if name is None else f'"{name}"'


def _dedupe_across_files(df: pd.DataFrame, spec) -> tuple[pd.DataFrame, list[Issue]]:
    """The same id in two files of one dataset is a duplicate too: the first file wins."""
    if not spec.key:
        return df, []
    dup = df.duplicated(subset=list(spec.key), keep="first")
    issues = []
    if dup.any():
        first = df.loc[~dup].set_index(list(spec.key))
        for _, rec in df.loc[dup].iterrows():
            key = tuple(rec[k] for k in spec.key)
            k = key[0] if len(key) == 1 else key
            src = first.loc[k]
            src = src.iloc[0] if isinstance(src, pd.DataFrame) else src
            ident = str(rec[spec.id_column]) if spec.id_column else None
            issues.append(
                Issue(rec["_file"], int(rec[ROW]), ident, spec.key[0],
                      f"duplicate of {src['_file']} row {int(src[ROW])}")
            )
    return df.loc[~dup].reset_index(drop=True), issues


def _strict_message(issues: list[Issue]) -> str:
    head = "\n".join("  " + i.describe() for i in issues[:10])
    more = f"\n  ... and {len(issues) - 10} more" if len(issues) > 10 else ""
    return f"invalid input ({len(issues)} problem{'s' if len(issues) != 1 else ''}, --strict):\n{head}{more}"
