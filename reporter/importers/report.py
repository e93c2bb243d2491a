"""What an import tells the person who ran it: what changed, what was skipped, who is unknown."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import EXIT_RENDER
from ..files import WriteError, os_reason, write_atomic
from .run import ImportRun

SHOWN_ISSUES = 20


def summarize(run: ImportRun, dry_run: bool = False) -> tuple[list[str], list[str]]:
    """(lines for stdout, lines for stderr)."""
    out: list[str] = []
    err: list[str] = []
    verb = "would write" if dry_run else "wrote"
    total = sum(len(rows) for rows in run.result.rows.values())
    out.append(f"{run.source}: {total} canonical rows from the export")
    for stats in (run.plan.stats if run.plan else []):
        state = verb if stats.written else "no change to"
        out.append(f"  {state} {stats.describe()}")
    for note in run.result.notes:
        out.append(f"  note: {note}")
    if run.roster is None and "people" not in run.result.rows:  # an import that writes the roster needs none
        err.append("  warning: no people file in the output folder: identities are kept as the tools name "
                   "them (add people.csv with email and aliases to unify them)")
    for line in run.people.report():
        err.append(f"  warning: {line}")
    issues = run.issues
    if issues:
        err.append(f"  {len(issues)} invalid record{'s' if len(issues) != 1 else ''} skipped:")
        for issue in issues[:SHOWN_ISSUES]:
            err.append(f"    {issue.describe()}")
        if len(issues) > SHOWN_ISSUES:
            err.append(f"    ... and {len(issues) - SHOWN_ISSUES} more (all listed in "
                       f".import-issues/{run.source}.json)")
    return out, err


def write_issue_log(out_dir: Path, run: ImportRun) -> Path:
    """Every skipped record of the last import of this source, so none is lost to a cut-off list."""
    folder = Path(out_dir) / ".import-issues"  # a dot-folder: the loader does not read it as data
    path = folder / f"{run.source}.json"
    body = {
        "source": run.source,
        "skipped": [{"file": i.file, "line": i.line, "record": i.record, "reason": i.reason} for i in run.issues],
        "unmatched_identities": dict(sorted(run.people.unmatched.items())),
        "notes": run.result.notes,
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    except OSError as exc:
        raise WriteError(f"{run.source}: imported, but the list of skipped records could not be written "
                         f"({os_reason(exc)})", EXIT_RENDER) from None
    return path
