"""Native exports as build inputs (config ``imports``): converted in memory on every build.

The rows go through the same validation as canonical files; the lineage records the source,
its files and a hash of the converted rows, so a report still traces every number to its input.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from ..config import Config
from ..errors import InputError
from ..inputs.readers import ROW
from ..inputs.validate import Issue
from .merge import combine_rows
from .run import roster_from, run_import


def imported_frames(config: Config, input_dir: Path, strict: bool = False
                    ) -> tuple[list[tuple[str, str, pd.DataFrame, dict]], list[Issue], list[str]]:
    """(extra frames for ``load_inputs``, skipped records, warnings) of every configured import."""
    extra: list[tuple[str, str, pd.DataFrame, dict]] = []
    skipped: list[Issue] = []
    warnings: list[str] = []
    if not config.imports:
        return extra, skipped, warnings
    people, roster = roster_from(Path(input_dir))
    for spec in config.imports:
        paths = config.import_paths(spec)
        run = run_import(spec.source, paths, config, None, people=people, roster_name=roster,
                         options={"project": spec.project, "per_repo": spec.per_repo, **spec.options})
        issues = list(run.result.issues)
        combined: dict[str, list[dict[str, str]]] = {}
        merge_issues: list = []
        for dataset, rows in sorted(run.result.rows.items()):
            combined[dataset] = list(combine_rows(dataset, rows, merge_issues).values())
        issues.extend(merge_issues)
        if strict and issues:
            head = "\n".join("  " + i.describe() for i in issues[:10])
            raise InputError(f"import {spec.source}: {len(issues)} invalid records (--strict):\n{head}")
        skipped.extend(Issue(i.file, i.line, i.record, None, f"{spec.source} import: {i.reason}") for i in issues)
        files = [p.name for p in paths]
        for dataset, rows in combined.items():
            label = f"{dataset} <- {spec.source} ({', '.join(files)})"
            frame = pd.DataFrame.from_records(rows).astype(object)
            frame = frame.where(frame.notna(), None)
            frame[ROW] = range(1, len(frame) + 1)
            digest = hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
            extra.append((dataset, label, frame, {"rows": len(rows), "sha256": digest, "validated": True,
                                                  "source": spec.source, "files": files}))
        warnings.extend(f"import {spec.source}: {note}" for note in run.result.notes)
    warnings.extend(f"imports: {line}" for line in people.report())
    return extra, skipped, warnings
