"""The `reporter` command line. Thin: parse options, call one function, report the outcome.

Heavy libraries (pandas, numpy) are imported inside the commands, so `reporter --help`
stays instant.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from . import __version__
from .errors import ReporterError

CADENCES = ("weekly", "monthly", "quarterly")


def _fail(exc: ReporterError) -> None:
    click.echo(f"reporter: error: {exc}", err=True)
    sys.exit(exc.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reporter")
def main() -> None:
    """Honest AI delivery reports for engineering leads and CFOs.

    Reads delivery data (pull requests, deployments, incidents) and AI data (usage, seats,
    costs) from a folder and computes DORA and PR-flow metrics split by AI-assisted vs not.
    """


@main.command()
@click.argument("cadence", type=click.Choice(CADENCES))
@click.option("--input", "input_dir", required=True, type=click.Path(path_type=Path),
              help="Folder with the canonical input files (people.csv, pull_requests.csv, ...).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="reporter.yaml to use. Default: INPUT/reporter.yaml if present, else built-in defaults.")
@click.option("--period", "period_id", metavar="ID",
              help="2026-W10 (weekly), 2026-03 (monthly) or 2026-Q1 (fiscal quarter). "
                   "Default: the last complete period before today that the inputs reach.")
@click.option("--out", "out_dir", default=Path("reports"), show_default=True, type=click.Path(path_type=Path),
              help="Output folder; files go to OUT/<cadence>/<period>/.")
@click.option("--format", "formats", default=None, metavar="LIST",
              help="Comma-separated outputs among json, html, pdf. Default: all three.")
@click.option("--strict", is_flag=True, help="Fail on the first invalid row instead of skipping and listing it.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
              help="Treat DATE as today when choosing the default period (reproducible scheduled runs).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def build(cadence: str, input_dir: Path, config_path: Path | None, period_id: str | None, out_dir: Path,
          formats: str | None, strict: bool, as_of: dt.datetime | None, quiet: bool) -> None:
    """Compute a weekly, monthly or quarterly report from INPUT and write metrics.json.

    Invalid rows are skipped and listed in metrics.json (data_quality.skipped) unless
    --strict is given. Exit codes: 0 success, 2 usage, 3 config, 4 input, 5 render.
    """
    from .build import build as run_build, parse_formats

    try:
        doc, paths = run_build(cadence, input_dir, out_dir, config_path=config_path, period_id=period_id,
                               formats=parse_formats(formats) if formats else None, strict=strict,
                               today=as_of.date() if as_of else None)
    except ReporterError as exc:
        _fail(exc)
        return
    if not quiet:
        dq = doc["data_quality"]
        click.echo(f"{cadence} report {doc['period']} ({doc['start']} to {doc['end']}):")
        for path in paths:
            click.echo(f"  wrote {path}")
        if dq["skipped_rows"]:
            click.echo(f"  {dq['skipped_rows']} invalid rows skipped (listed in data_quality.skipped)", err=True)
        for warning in dq["warnings"]:
            click.echo(f"  warning: {warning}", err=True)


@main.command()
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder to write the organisation into (created if missing).")
@click.option("--engineers", default=58, show_default=True, type=click.IntRange(6, 100_000))
@click.option("--teams", default=6, show_default=True, type=click.IntRange(2, 1_000))
@click.option("--weeks", default=26, show_default=True, type=click.IntRange(8, 520))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--end-date", "end_date", default="2026-11-22", show_default=True,
              type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day of the data (fixed, never today).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def sample(out_dir: Path, engineers: int, teams: int, weeks: int, seed: int, end_date: dt.datetime,
           quiet: bool) -> None:
    """Generate a realistic, deterministic organisation in the canonical format.

    Its story: AI rolled out to some teams mid-way, adoption growing, AI-assisted PRs
    larger, one busy team's review queue growing, one service whose failures rise.
    """
    from .sample.generator import generate

    if teams > engineers:
        raise click.BadParameter("cannot have more teams than engineers", param_hint="--teams")
    counts = generate(out_dir, engineers=engineers, teams=teams, weeks=weeks, seed=seed, end_date=end_date.date())
    if not quiet:
        for name, rows in counts.items():
            click.echo(f"  {name}: {rows} rows")
        click.echo(f"wrote {len(counts)} files to {out_dir}")



def _import_sources_help() -> str:
    from .importers.registry import SOURCES

    return "\n    ".join(f"{name:<19} {doc}" for name, (_, _, doc) in SOURCES.items())


@main.command("import", context_settings={"max_content_width": 100})
@click.argument("source", metavar="SOURCE")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Folder of canonical files to write or merge into (created if missing).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="reporter.yaml (AI-detection rules, time zone). Default: OUT/reporter.yaml if present.")
@click.option("--strict", is_flag=True, help="Write nothing when any record is invalid.")
@click.option("--dry-run", is_flag=True, help="Show what would change without writing.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success but problems.")
def import_(source: str, paths: tuple[Path, ...], out_dir: Path, config_path: Path | None, strict: bool,
            dry_run: bool, quiet: bool) -> None:
    """Turn native exports (GitHub, git, Copilot, Claude Code, Cursor, DevLake) into canonical files.

    Merges into what OUT already holds, keyed by id (or date, person and tool), so importing
    the same export twice changes nothing. People are unified through OUT/people.csv (email
    and aliases); identities it does not know are kept and reported. Invalid records are
    skipped and listed (all of them in OUT/.import-issues/SOURCE.json). SOURCE is one of:

    \b
    {sources}
    """
    from .build import resolve_config_path
    from .config import load_config
    from .importers.registry import SOURCES
    from .importers.report import summarize, write_issue_log

    if source not in SOURCES:
        raise click.BadParameter(f"{source!r}; choose one of {', '.join(SOURCES)}", param_hint="SOURCE")
    try:
        config = load_config(resolve_config_path(out_dir, config_path) if out_dir.is_dir() or config_path
                             else None)
        from .importers.run import import_into

        run = import_into(source, list(paths), out_dir, config, strict=strict, dry_run=dry_run)
        if not dry_run:
            write_issue_log(out_dir, run)
    except ReporterError as exc:
        _fail(exc)
        return
    out, err = summarize(run, dry_run=dry_run)
    if not quiet:
        for line in out:
            click.echo(line)
    for line in err:
        click.echo(line, err=True)


import_.help = (import_.help or "").replace("{sources}", _import_sources_help())


if __name__ == "__main__":  # pragma: no cover
    main()
