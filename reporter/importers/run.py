"""Run one importer: roster -> importer -> issues -> merge. The CLI and the loader both call it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import EXIT_RENDER, InputError
from ..files import WriteError, os_reason
from ..inputs.readers import ROW, read_file
from ..inputs.spec import FILE_EXTENSIONS
from .base import ImportContext, ImportIssue, ImportResult
from .merge import MergePlan, plan_and_write
from .options import SOURCE_OPTIONS, option_names
from .people import PeopleMap
from .registry import SOURCES, get_importer


@dataclass
class ImportRun:
    source: str
    result: ImportResult
    people: PeopleMap
    plan: MergePlan | None = None
    roster: str | None = None  # the people file used to unify identities
    messages: list[str] = field(default_factory=list)

    @property
    def issues(self) -> list[ImportIssue]:
        return self.result.issues + (self.plan.issues if self.plan else [])


def roster_from(folder: Path | None) -> tuple[PeopleMap, str | None]:
    """The people file of ``folder`` (any canonical format), or an empty map."""
    if folder is None or not Path(folder).is_dir():
        return PeopleMap(), None
    for ext in FILE_EXTENSIONS:
        path = Path(folder) / f"people{ext}"
        if path.is_file():
            frame = read_file(path).drop(columns=[ROW])
            rows = frame.where(frame.notna(), None).to_dict("records")
            return PeopleMap.from_rows(rows), path.name
    return PeopleMap(), None


# Options an importer understands, by source.
OPTIONS: dict[str, tuple[str, ...]] = {"devlake": ("project", "per_repo"),
                                      "git": ("quality", "quality_dir", "complexity_threshold"),
                                      "sonarqube": ("quality_dir", "project")}
OPTIONS.update({source: OPTIONS.get(source, ()) + option_names(source) for source in SOURCE_OPTIONS})


def run_import(source: str, paths: list[Path], config: Config, roster_dir: Path | None,
               people: PeopleMap | None = None, roster_name: str | None = None,
               options: dict[str, Any] | None = None) -> ImportRun:
    """Convert native exports into canonical rows (nothing written yet)."""
    if source not in SOURCES:
        raise InputError(f"unknown import source {source!r}; choose one of {', '.join(SOURCES)}")
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise InputError(f"{source}: no such file or folder: {', '.join(missing)}")
    options = {k: v for k, v in (options or {}).items() if v not in (None, False)}
    unknown = [k for k in options if k not in OPTIONS.get(source, ())]
    if unknown:
        flag = unknown[0].replace("_", "-")
        raise InputError(f"--{flag} does not apply to {source}"
                         + (f" (it applies to {', '.join(s for s, o in OPTIONS.items() if unknown[0] in o)})"
                            if any(unknown[0] in o for o in OPTIONS.values()) else ""))
    if people is None:
        people, roster_name = roster_from(roster_dir)
    result = get_importer(source)([Path(p) for p in paths],
                                  ImportContext(people=people, config=config, options=options))
    return ImportRun(source, result, people, roster=roster_name)


def import_into(source: str, paths: list[Path], out_dir: Path, config: Config, strict: bool = False,
                dry_run: bool = False, options: dict[str, Any] | None = None, fmt: str = "csv") -> ImportRun:
    """``reporter import``: convert, then merge into OUT_DIR (after the roster there is read);
    ``fmt`` "parquet" writes each dataset as a folder of monthly Parquet files (merge.py)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} is a file, expected a folder")
    run = run_import(source, paths, config, out_dir, options=options)
    if strict and run.result.issues:
        head = "\n".join("  " + i.describe() for i in run.result.issues[:10])
        more = f"\n  ... and {len(run.result.issues) - 10} more" if len(run.result.issues) > 10 else ""
        raise InputError(f"{source}: {len(run.result.issues)} invalid records (--strict), nothing written:\n"
                         f"{head}{more}")
    try:
        if not dry_run:
            out_dir.mkdir(parents=True, exist_ok=True)
        run.plan = plan_and_write(out_dir, run.result, dry_run=dry_run, fmt=fmt)
    except OSError as exc:  # a full disk, permissions: the CSVs change all together or not at all
        raise WriteError(f"{source}: cannot write into {out_dir} ({os_reason(exc)}); no dataset file was "
                         f"changed (CSV; a Parquet dataset is replaced whole or left as it was); free space "
                         f"and import again", EXIT_RENDER) from None
    return run
