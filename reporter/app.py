"""The use cases, in one place: build; build and publish; build (or reuse) and send; build (or reuse)
and post. Each builds through ``reporter.build`` and hands the built folders to ``publish/``, which
only ever reads what a build wrote. The CLI calls these; so can a scheduler or a test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from .config import Config, load_config, resolve_config_path
from .publish import sending


def report_folders(*, cadence: str | None, input_dir: Path | None, report_dir: Path | None,
                   config_path: Path | None, period_id: str | None, out_dir: Path, today: dt.date | None,
                   strict: bool, request, progress: Callable[[str], None] = lambda _: None
                   ) -> tuple[Config, list[Path], Path, list[str]]:
    """(config, report folders, reports root, lines): built now from --input, or found under --report."""
    from .build import build, build_scopes, scope_target

    if report_dir is not None:
        config = load_config(config_path) if config_path else Config()
        folders = sending.scoped_folders(Path(report_dir), request) if request else [Path(report_dir)]
        return config, folders, Path(report_dir).parent.parent, []
    assert cadence is not None and input_dir is not None  # the CLI asks for --report or CADENCE --input
    config = load_config(resolve_config_path(Path(input_dir), config_path))
    progress(f"building the {cadence} report(s) from {input_dir} ...")
    if not request:
        doc, _ = build(cadence, Path(input_dir), Path(out_dir), config_path=config_path, period_id=period_id,
                       strict=strict, today=today)
        folder = Path(out_dir) / cadence / doc["period"]
        return config, [folder], Path(out_dir), [f"{cadence} report {doc['period']}: built in {folder}"]
    run = build_scopes(cadence, Path(input_dir), Path(out_dir), request, config_path=config_path,
                       period_id=period_id, strict=strict, today=today)
    folders = ([scope_target(Path(out_dir), run.organisation)] if request.with_organisation else []) + [
        scope_target(Path(out_dir), doc) for doc, _ in run.scoped]
    lines = [f"{cadence} reports {run.organisation['period']}: built {len(folders)} in "
             f"{Path(out_dir) / cadence / run.organisation['period']}"]
    return config, folders, Path(out_dir), lines + [f"no report for {f}: {why}" for f, why in run.skipped]


def send(*, cadence: str | None, input_dir: Path | None, report_dir: Path | None, config_path: Path | None,
         period_id: str | None, out_dir: Path, today: dt.date | None, strict: bool, overrides: dict,
         dry_run: bool, eml_path: Path | None, force: bool, ledger_path: Path | None, request=None,
         progress: Callable[[str], None] = lambda _: None) -> sending.SendOutcome:
    """`reporter send`: the report folder(s), built now from --input or found under --report, then one
    message per recipient (per scope with --team/--group/--all-*)."""
    config, folders, root, lines = report_folders(
        cadence=cadence, input_dir=input_dir, report_dir=report_dir, config_path=config_path, period_id=period_id,
        out_dir=out_dir, today=today, strict=strict, request=request, progress=progress)
    if request:
        outcome = sending.run_scopes(config=config, folders=folders, reports_root=root, overrides=overrides,
                                     dry_run=dry_run, force=force, ledger_path=ledger_path, progress=progress)
    else:
        outcome = sending.run(folder=folders[0], config=config, reports_root=root, overrides=overrides,
                              dry_run=dry_run, eml_path=eml_path, force=force, ledger_path=ledger_path,
                              progress=progress)
    outcome.lines[:0] = lines
    return outcome
