"""Load an input folder into canonical frames, with the lineage and every skipped row."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from ..files import sha256_file as _sha256
from ..errors import InputError
from .readers import ROW, read_file
from .spec import DATASETS, FILE_EXTENSIONS
from .validate import Issue, _empty, validate

# Files an input folder may hold besides datasets.
_IGNORED_NAMES = {"reporter.yaml", "reporter.yml", "readme.md", ".gitkeep"}


@dataclass
class Inputs:
    """Canonical frames (one per dataset, empty when absent) plus what happened while loading."""

    frames: dict[str, pd.DataFrame]
    present: dict[str, list[str]]  # dataset -> file names it came from
    lineage: dict[str, dict] = field(default_factory=dict)  # file -> {rows, sha256}
    skipped: list[Issue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def has(self, dataset: str) -> bool:
        return bool(self.present.get(dataset))

    def __getitem__(self, dataset: str) -> pd.DataFrame:
        return self.frames[dataset]



def discover(input_dir: Path) -> tuple[dict[str, list[Path]], list[str]]:
    """Map dataset name -> files; anything unrecognised is reported, not silently ignored."""
    if not input_dir.is_dir():
        raise InputError(f"input folder {input_dir} does not exist or is not a folder")
    found: dict[str, list[Path]] = {}
    warnings = []
    for path in sorted(input_dir.iterdir()):
        if path.is_dir() or path.name.lower() in _IGNORED_NAMES or path.name.startswith("."):
            continue
        suffix = path.suffix.lower()
        stem = path.name[: -len(suffix)] if suffix else path.name
        if suffix in FILE_EXTENSIONS and stem in DATASETS:
            found.setdefault(stem, []).append(path)
        else:
            known = ", ".join(DATASETS)
            warnings.append(
                f"{path.name}: not a known dataset file and not read (expected one of {known} "
                f"with extension {', '.join(FILE_EXTENSIONS)})"
            )
    return found, warnings


def _read_one(path: Path, spec, tz: ZoneInfo, check: bool) -> tuple[pd.DataFrame | None, list[Issue], dict]:
    """Read (and, when ``check``, validate) one file; runs in a worker thread."""
    raw = read_file(path)
    lineage = {"rows": int(len(raw)), "sha256": _sha256(path), "validated": check}
    if not check:
        return None, [], lineage
    typed, issues = validate(raw, spec, path.name, tz)
    typed["_file"] = path.name
    return typed, issues, lineage


def load_inputs(input_dir: Path, tz: ZoneInfo, strict: bool = False,
                datasets: Collection[str] | None = None,
                extra: Sequence[tuple[str, str, pd.DataFrame, dict]] = ()) -> Inputs:
    """Read and validate the dataset files; ``strict`` turns the first problem into an error.

    ``datasets`` limits validation to what the report uses: other files are still read,
    counted and hashed for the lineage (``validated: false``), and validated by the reports
    that use them. Files are read in parallel threads (Arrow and pandas release the GIL);
    results are assembled in a fixed order, so the output does not depend on timing.
    ``extra`` holds (dataset, name, raw text frame, lineage) of native exports converted by an
    importer (config ``imports``); they are validated exactly like files.
    """
    found, warnings = discover(Path(input_dir))
    jobs = [(name, path) for name in DATASETS for path in found.get(name, [])]
    workers = max(1, min(len(jobs), os.cpu_count() or 1, 4))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {
            (name, path): pool.submit(_read_one, path, DATASETS[name], tz, datasets is None or name in datasets)
            for name, path in jobs
        }
        results = {key: future.result() for key, future in futures.items()}

    frames: dict[str, pd.DataFrame] = {}
    lineage: dict[str, dict] = {}
    skipped: list[Issue] = []
    # Per dataset, in a fixed order: its files, then the exports converted for it (validated alike).
    sources = {name: [(path.name, results[(name, path)]) for path in found.get(name, [])] for name in DATASETS}
    for dataset, label, raw, info in extra:
        check = datasets is None or dataset in datasets
        typed, issues = validate(raw, DATASETS[dataset], label, tz) if check else (None, [])
        if typed is not None:
            typed["_file"] = label
        sources[dataset].append((label, (typed, issues, {**info, "validated": check})))
    for name, spec in DATASETS.items():
        parts = []
        for label, (typed, issues, lineage[label]) in sources[name]:
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
    present = {name: [p.name for p in paths] for name, paths in found.items()}
    for dataset, label, _, _ in extra:
        present.setdefault(dataset, []).append(label)
    return Inputs(frames=frames, present=present, lineage=lineage, skipped=skipped, warnings=warnings)


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
