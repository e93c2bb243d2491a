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

from reporter import cadences
from reporter.cadences import NAMES as CADENCES  # the one table of cadences


def _fail(exc: ReporterError) -> None:
    click.echo(f"reporter: error: {exc}", err=True)
    sys.exit(exc.exit_code)


def _formats(value: str | None) -> str | None:
    """--format checked while the options are parsed: an unknown format is a usage error (exit 2)."""
    if value is not None:
        from .build import parse_formats

        try:
            parse_formats(value)
        except ReporterError as exc:
            raise click.BadParameter(str(exc), param_hint="--format") from None
    return value


def _progress(quiet: bool, message: str) -> None:
    """What is happening now, for a person at a terminal; never in a cron mail or a log."""
    if not quiet and sys.stderr.isatty():
        click.echo(message, err=True)


def _scope_options(fn):
    """--team / --group / --all-teams / --all-groups (build, send, notify)."""
    for option in reversed((
        click.option("--team", "teams", multiple=True, metavar="TEAM",
                     help="Only this team's report (repeatable): OUT/<cadence>/<period>/team-TEAM/. "
                          "Weekly and monthly only."),
        click.option("--group", "groups", multiple=True, metavar="NAME",
                     help="A configured group of teams (reporter.yaml `groups:`), repeatable: group-NAME/."),
        click.option("--all-teams", is_flag=True, help="Every team's report and the organisation's, from one load."),
        click.option("--all-groups", is_flag=True, help="Every configured group's report and the organisation's."),
    )):
        fn = option(fn)
    return fn


def _build_first_options(fn):
    """--period / --out / --as-of / --strict: how send and notify build the report before delivering it."""
    for option in reversed((
        click.option("--period", "period_id", metavar="ID", help="Period to build, as for `reporter build`."),
        click.option("--out", "out_dir", default=Path("reports"), show_default=True, type=click.Path(path_type=Path),
                     help="Where a built report is written (OUT/<cadence>/<period>/)."),
        click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
                     help="Treat DATE as today when choosing the default period."),
        click.option("--strict", is_flag=True, help="Fail on the first invalid input row."),
    )):
        fn = option(fn)
    return fn

def _scope_request(cadence: str | None, teams: tuple[str, ...], groups: tuple[str, ...], all_teams: bool,
                   all_groups: bool):
    from .build import QUARTERLY_SCOPE, ScopeRequest

    request = ScopeRequest(tuple(teams), tuple(groups), all_teams, all_groups)
    if request and cadence and not cadences.get(cadence).scoped:
        raise click.UsageError(QUARTERLY_SCOPE)
    return request


def _echo_publish(site_dir: Path, result) -> None:
    if not result.changed:
        click.echo(f"site {site_dir}: already up to date")
        return
    parts = [f"{label} {', '.join(keys)}" for label, keys in
             (("added", result.added), ("replaced", result.replaced)) if keys]
    if result.unchanged:
        parts.append(f"{len(result.unchanged)} unchanged")
    if result.dropped:
        parts.append(f"dropped from the index (folder deleted by hand): {', '.join(result.dropped)}")
    if result.latest_updated:
        parts.append("latest: " + ", ".join(f"{c} -> {result.latest[c]}" for c in result.latest_updated))
    click.echo(f"site {site_dir}: {'; '.join(parts) or 'index rewritten'}")


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
@click.option("--format", "formats", default=None, metavar="LIST", callback=lambda ctx, param, value: _formats(value),
              help="Comma-separated outputs among json, html, pdf. Default: all three.")
@click.option("--strict", is_flag=True, help="Fail on the first invalid row instead of skipping and listing it.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
              help="Treat DATE as today when choosing the default period (reproducible scheduled runs).")
@click.option("--publish", "site_dir", type=click.Path(path_type=Path, file_okay=False), metavar="SITE",
              help="Also publish the report into the static site folder SITE (see `reporter publish`).")
@_scope_options
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def build(cadence: str, input_dir: Path, config_path: Path | None, period_id: str | None, out_dir: Path,
          formats: str | None, strict: bool, as_of: dt.datetime | None, site_dir: Path | None, quiet: bool,
          teams: tuple[str, ...] = (), groups: tuple[str, ...] = (), all_teams: bool = False,
          all_groups: bool = False) -> None:
    """Compute a weekly, monthly or quarterly report from INPUT and write metrics.json.

    Invalid rows are skipped and listed in metrics.json (data_quality.skipped) unless
    --strict is given. Exit codes: 0 success, 2 usage, 3 config, 4 input, 5 render, 6 delivery.
    """
    from .build import build as run_build, parse_formats

    request = _scope_request(cadence, teams, groups, all_teams, all_groups)
    if request:
        _build_scopes(cadence, input_dir, config_path, period_id, out_dir, formats, strict, as_of, site_dir,
                      quiet, request)
        return
    _progress(quiet, f"building the {cadence} report from {input_dir} ...")
    try:
        doc, paths = run_build(cadence, input_dir, out_dir, config_path=config_path, period_id=period_id,
                               formats=parse_formats(formats) if formats else None, strict=strict,
                               today=as_of.date() if as_of else None)
        published = None
        if site_dir is not None:
            from .publish.site import publish as publish_site

            _progress(quiet, f"publishing into {site_dir} ...")
            published = publish_site(site_dir, [Path(out_dir) / cadence / doc["period"]])
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
        if published is not None and site_dir is not None:
            _echo_publish(site_dir, published)


def _build_scopes(cadence, input_dir, config_path, period_id, out_dir, formats, strict, as_of, site_dir, quiet,
                  request) -> None:
    from .build import build_scopes, parse_formats

    _progress(quiet, f"building the {cadence} reports of every scope asked from {input_dir} ...")
    try:
        run = build_scopes(cadence, input_dir, out_dir, request, config_path=config_path, period_id=period_id,
                           formats=parse_formats(formats) if formats else None, strict=strict,
                           today=as_of.date() if as_of else None)
        published = None
        if site_dir is not None:
            from .publish.scope_index import publish_all

            _progress(quiet, f"publishing into {site_dir} ...")
            published = publish_all(site_dir, Path(out_dir))
    except ReporterError as exc:
        _fail(exc)
        return
    for folder, why in run.skipped:  # said even with --quiet: a lead expecting a report gets none
        click.echo(f"  no report for {folder}: {why}", err=True)
    if quiet:
        return
    doc = run.organisation
    click.echo(f"{cadence} reports {doc['period']} ({doc['start']} to {doc['end']}):")
    for path in run.organisation_paths:
        click.echo(f"  wrote {path}")
    for _, paths in run.scoped:
        for path in paths:
            click.echo(f"  wrote {path}")
    dq = doc["data_quality"]
    if dq["skipped_rows"]:
        click.echo(f"  {dq['skipped_rows']} invalid rows skipped (listed in data_quality.skipped)", err=True)
    for warning in dq["warnings"]:
        click.echo(f"  warning: {warning}", err=True)
    if published is not None:
        for line in published:
            click.echo(line)


@main.command()
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder to write the organisation into (created if missing).")
@click.option("--engineers", default=58, show_default=True, type=click.IntRange(6, 100_000))
@click.option("--teams", default=6, show_default=True, type=click.IntRange(2, 1_000))
@click.option("--weeks", default=70, show_default=True, type=click.IntRange(8, 520))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--end-date", "end_date", default="2026-11-22", show_default=True,
              type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day of the data (fixed, never today).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def sample(out_dir: Path, engineers: int, teams: int, weeks: int, seed: int, end_date: dt.datetime,
           quiet: bool) -> None:
    """Generate a realistic, deterministic organisation in the canonical format.

    Its story: AI rolled out to four teams in staggered waves (two teams to compare with),
    adoption growing, AI-assisted PRs larger, one busy team's review queue growing, one
    service whose failures rise. The default 70 weeks reach back 15 whole months.
    """
    from .sample.generator import generate

    if teams > engineers:
        raise click.BadParameter("cannot have more teams than engineers", param_hint="--teams")
    counts = generate(out_dir, engineers=engineers, teams=teams, weeks=weeks, seed=seed, end_date=end_date.date())
    if not quiet:
        for name, rows in counts.items():
            click.echo(f"  {name}: {rows} rows")
        click.echo(f"wrote {len(counts)} files to {out_dir}")



@main.command()
@click.option("--site", "site_dir", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="The static site folder to publish into (created if missing).")
@click.option("--from", "from_dir", default=Path("reports"), show_default=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="A build output folder: every CADENCE/PERIOD folder in it is published.")
@click.argument("reports", nargs=-1, type=click.Path(path_type=Path, file_okay=False))
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def publish(site_dir: Path, from_dir: Path, reports: tuple[Path, ...], quiet: bool) -> None:
    """Publish built reports into a static site: index, latest per cadence, archive.

    Publishes the given REPORTS folders (reports/weekly/2026-W47 ...) or, without any, every
    report under --from. Atomic: a failed run leaves the previously published site intact and
    exits 6; publishing the same reports twice changes nothing. Relative links only: the site
    works from file:// and any static host, with no JavaScript and no external request.
    """
    from .publish.site import discover_reports, publish as publish_site

    try:
        if not reports and not from_dir.is_dir():
            from .errors import InputError

            raise InputError(f"--from {from_dir}: no such folder (expected the --out folder of `reporter build`)")
        folders = list(reports) or discover_reports(from_dir)
        from .publish.scope_index import discover_scopes, publish_scopes

        scoped = {} if reports else discover_scopes(from_dir)
        if not folders and not scoped:
            from .errors import InputError

            raise InputError(f"no built report in {from_dir} (expected CADENCE/PERIOD/metrics.json); "
                             "run `reporter build` first")
        _progress(quiet, f"publishing {len(folders)} report(s) into {site_dir} ...")
        result = publish_site(site_dir, folders, scopes_page=bool(scoped)) if folders else None
        # Each team's and group's reports (OUT/CADENCE/PERIOD/team-x/): SITE/team-x/ and SITE/scopes.html.
        scope_lines = publish_scopes(site_dir, from_dir) if scoped else []
    except ReporterError as exc:
        _fail(exc)
        return
    if not quiet:
        if result is not None:
            _echo_publish(site_dir, result)
        for line in scope_lines:
            click.echo(line)


@main.command()
@click.argument("cadence", type=click.Choice(CADENCES), required=False)
@click.option("--input", "input_dir", type=click.Path(path_type=Path),
              help="Build the report from this input folder first (as `reporter build`).")
@click.option("--report", "report_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Send an already built report folder (holding report.pdf and metrics.json) instead.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="reporter.yaml (delivery.email). Default: INPUT/reporter.yaml if present; with --report, "
                   "only the file given here.")
@_build_first_options
@click.option("--to", "to", multiple=True, metavar="ADDRESS", help="Recipient (repeatable). Default: delivery.email.to.")
@click.option("--from", "sender", metavar="ADDRESS", help="Sender. Default: delivery.email.from.")
@click.option("--smtp-host", metavar="HOST", help="SMTP server. Default: delivery.email.smtp_host.")
@click.option("--smtp-port", type=click.IntRange(1, 65535), metavar="PORT",
              help="Default: delivery.email.smtp_port, else 587 (starttls), 465 (ssl), 25 (none).")
@click.option("--smtp-security", type=click.Choice(["starttls", "ssl", "none"]),
              help="Default: delivery.email.smtp_security, else starttls. Certificates are verified.")
@click.option("--smtp-ca-file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also trust this CA bundle (a relay with a private CA).")
@click.option("--smtp-timeout", default=30.0, show_default=True, type=click.FloatRange(0.1, 600), metavar="SECONDS")
@click.option("--dry-run", is_flag=True, help="Write the message as an .eml file instead of sending it.")
@click.option("--eml", "eml_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Where --dry-run writes the message. Default: the report folder's message.eml.")
@click.option("--force", is_flag=True, help="Send even to recipients the ledger says already got this report.")
@click.option("--ledger", "ledger_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Record of what was sent. Default: OUT/.sent.json (for --report: two folders above it).")
@_scope_options
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def send(cadence: str | None, input_dir: Path | None, report_dir: Path | None, config_path: Path | None,
         period_id: str | None, out_dir: Path, as_of: dt.datetime | None, strict: bool, to: tuple[str, ...],
         sender: str | None, smtp_host: str | None, smtp_port: int | None, smtp_security: str | None,
         smtp_ca_file: str | None, smtp_timeout: float, dry_run: bool, eml_path: Path | None, force: bool,
         ledger_path: Path | None, quiet: bool, teams: tuple[str, ...] = (), groups: tuple[str, ...] = (),
         all_teams: bool = False, all_groups: bool = False) -> None:
    """E-mail a report's PDF with a short summary of its headline numbers.

    Either builds it (CADENCE --input DIR) or reuses a built folder (--report DIR). Credentials
    come only from the environment (SMTP_USERNAME, SMTP_PASSWORD). A ledger of what was sent
    keeps a cron retry from mailing the same report to the same person twice (--force resends).
    Any refused recipient or SMTP error exits 6.
    """
    from . import app

    if report_dir is None and (cadence is None or input_dir is None):
        raise click.UsageError("give CADENCE --input DIR to build and send, or --report DIR to send a built report")
    if report_dir is not None and (cadence or input_dir or period_id):
        raise click.UsageError("--report sends a built report: do not combine it with CADENCE, --input or --period")
    for flag, values in (("--to", to), ("--from", (sender,) if sender else ())):
        for value in values:
            if any(c in value for c in "\r\n\x00"):  # would inject mail headers
                raise click.BadParameter(f"an address is one line, got a line break in {value[:60]!r}",
                                         param_hint=flag)
    request = _scope_request(cadence, teams, groups, all_teams, all_groups)
    # With a scope option: one message per scope, to delivery.email.teams.<id> / .groups.<name> (and .to with --all-*)
    if request and (to or eml_path):
        raise click.UsageError("--to and --eml name one message; with --team/--group/--all-teams/--all-groups "
                               "the recipients come from delivery.email.teams/.groups in reporter.yaml")
    try:
        outcome = app.send(
            cadence=cadence, input_dir=input_dir, report_dir=report_dir, config_path=config_path,
            period_id=period_id, out_dir=out_dir, today=as_of.date() if as_of else None, strict=strict,
            overrides=dict(to=to, sender=sender, host=smtp_host, port=smtp_port, security=smtp_security,
                           ca_file=smtp_ca_file, timeout=smtp_timeout),
            dry_run=dry_run, eml_path=eml_path, force=force, ledger_path=ledger_path, request=request,
            progress=lambda message: _progress(quiet, message))
    except ReporterError as exc:
        _fail(exc)
        return
    if not quiet:
        for line in outcome.lines:
            click.echo(line)


@main.command()
@click.argument("cadence", type=click.Choice(CADENCES), required=False)
@click.option("--slack", is_flag=True, help="Post to Slack (Block Kit) via REPORTER_SLACK_WEBHOOK_URL[_SCOPE].")
@click.option("--teams", "ms_teams", is_flag=True,
              help="Post to Microsoft Teams (Adaptive Card) via REPORTER_TEAMS_WEBHOOK_URL[_SCOPE].")
@click.option("--input", "input_dir", type=click.Path(path_type=Path),
              help="Build the report(s) from this input folder first (as `reporter build`).")
@click.option("--report", "report_dir", type=click.Path(path_type=Path, file_okay=False),
              help="A built report folder (OUT/CADENCE/PERIOD); with --team/--all-teams, its scope sub-folders.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="reporter.yaml (site.url). Default: INPUT/reporter.yaml; with --report, only the file given here.")
@_build_first_options
@click.option("--site-url", metavar="URL", help="The published site's address; the digest links to "
              "URL/[SCOPE/]CADENCE/PERIOD/report.html. Default: site.url in reporter.yaml; none: no link.")
@click.option("--dry-run", is_flag=True, help="Print every payload that would be posted; post nothing.")
@click.option("--force", is_flag=True, help="Post even where the ledger says this report was already posted.")
@click.option("--ledger", "ledger_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Record of what was sent (shared with `reporter send`). Default: OUT/.sent.json "
                   "(for --report: two folders above it).")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0.1, 600), metavar="SECONDS")
@click.option("--attempts", default=5, show_default=True, type=click.IntRange(1, 10),
              help="POSTs per message at most (429 and 5xx are retried).")
@click.option("--backoff", default=1.0, show_default=True, type=click.FloatRange(0, 60), metavar="SECONDS",
              help="Wait before the 2nd attempt, doubled each time; a 429's Retry-After (up to 60 s) wins.")
@_scope_options
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
def notify(cadence: str | None, slack: bool, ms_teams: bool, input_dir: Path | None, report_dir: Path | None,
           config_path: Path | None, period_id: str | None, out_dir: Path, as_of: dt.datetime | None, strict: bool,
           site_url: str | None, dry_run: bool, force: bool, ledger_path: Path | None, timeout: float,
           attempts: int, backoff: float, quiet: bool, teams: tuple[str, ...] = (), groups: tuple[str, ...] = (),
           all_teams: bool = False, all_groups: bool = False) -> None:
    """Post a report's summary to Slack or Microsoft Teams, with a link to the published report.

    The digest holds the mail's lines (worded as page 1). Webhook URLs come only from the
    environment: REPORTER_SLACK_WEBHOOK_URL / REPORTER_TEAMS_WEBHOOK_URL for the organisation,
    ..._PAYMENTS for team payments, ..._GROUP_NAME for a group; https only. A scope without its
    variable is skipped and listed. Retries 429 and 5xx with backoff; anything else exits 6.
    """
    from .app import report_folders
    from .publish import notify as chat

    channels = tuple(c for c, on in (("slack", slack), ("teams", ms_teams)) if on)
    if not channels:
        raise click.UsageError("choose where to post: --slack and/or --teams")
    if report_dir is None and (cadence is None or input_dir is None):
        raise click.UsageError("give CADENCE --input DIR to build and post, or --report DIR to post a built report")
    if report_dir is not None and (cadence or input_dir or period_id):
        raise click.UsageError("--report posts a built report: do not combine it with CADENCE, --input or --period")
    request = _scope_request(cadence, teams, groups, all_teams, all_groups)
    try:
        config, folders, root, lines = report_folders(
            cadence=cadence, input_dir=input_dir, report_dir=report_dir, config_path=config_path,
            period_id=period_id, out_dir=out_dir, today=as_of.date() if as_of else None, strict=strict,
            request=request, progress=lambda message: _progress(quiet, message))
        outcome = chat.run(folders, channels, site_url=site_url or config.site.url,
                           ledger_path=ledger_path or root / ".sent.json", dry_run=dry_run, force=force,
                           retry=chat.Retry(attempts=attempts, backoff=backoff), timeout=timeout)
    except ReporterError as exc:
        _fail(exc)
        return
    if not quiet or dry_run:
        for line in lines + outcome.lines:
            click.echo(line)


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
@click.option("--project", metavar="NAME", help="devlake: the project (project_mapping) to import. "
              "Default: the only project, else all. sonarqube: the repository a measures history belongs to.")
@click.option("--per-repo", is_flag=True, help="devlake: one deployment per pipeline and repo (DevLake's per-PR "
              "deploy times, a service per repo) instead of one per pipeline (DevLake's deployment count).")
@click.option("--dataset", metavar="NAME", help="csv: the canonical dataset the file holds (incidents, people...).")
@click.option("--map", "mapping", metavar="COLUMN=SOURCE", multiple=True,
              help="csv: canonical column = the file's column, repeatable (--map opened_at=Created).")
@click.option("--team", metavar="TEAM", help="github-releases, jira, linear: the team of every imported row.")
@click.option("--quality", is_flag=True, help="git: also measure each merged PR's code (complexity with lizard, "
              "duplicated and test lines) into code_quality; PRs already there are skipped.")
@click.option("--complexity-threshold", type=click.IntRange(1, 1000), metavar="CCN",
              help="git --quality: a function above this cyclomatic complexity counts as over the threshold. "
              "Default: 15.")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True,
              help="csv: DATASET.csv; parquet: a folder DATASET/ of Parquet files, one per month (month=YYYY-MM), "
              "which a report reads only for the months it needs.")
@click.option("--strict", is_flag=True, help="Write nothing when any record is invalid.")
@click.option("--dry-run", is_flag=True, help="Show what would change without writing.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success but problems.")
def import_(source: str, paths: tuple[Path, ...], out_dir: Path, config_path: Path | None,
            project: str | None, per_repo: bool, dataset: str | None, mapping: tuple[str, ...], team: str | None,
            quality: bool, complexity_threshold: int | None, fmt: str, strict: bool, dry_run: bool,
            quiet: bool) -> None:
    """Turn native exports (GitHub, git, Copilot, Claude Code, Cursor, DevLake) into canonical files.

    Merges into what OUT already holds, keyed by id (or date, person and tool), so importing
    the same export twice changes nothing. People are unified through OUT/people.csv (email
    and aliases); identities it does not know are kept and reported. Invalid records are
    skipped and listed (all of them in OUT/.import-issues/SOURCE.json). SOURCE is one of:

    \b
    {sources}
    """
    from .config import resolve_config_path
    from .config import load_config
    from .importers.registry import SOURCES
    from .importers.report import summarize, write_issue_log

    if source not in SOURCES:
        raise click.BadParameter(f"{source!r}; choose one of {', '.join(SOURCES)}", param_hint="SOURCE")
    try:
        config = load_config(resolve_config_path(out_dir, config_path) if out_dir.is_dir() or config_path
                             else None)
        from .importers.options import OptionError, options_for_run, parse_map_flags
        from .importers.run import import_into

        try:
            columns = parse_map_flags(mapping)
        except OptionError as exc:
            raise click.BadParameter(exc.message, param_hint="--map") from None
        options = options_for_run(config, source, list(paths), {"dataset": dataset, "columns": columns, "team": team})
        run = import_into(source, list(paths), out_dir, config, strict=strict, dry_run=dry_run,
                          options={"project": project, "per_repo": per_repo, **options, **_quality_options(
                              source, quality, complexity_threshold, out_dir)}, fmt=fmt)
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


def _quality_options(source: str, quality: bool, threshold: int | None, out_dir: Path) -> dict:
    """git --quality and sonarqube read OUT's code_quality/pull_requests (incremental, PR mapping)."""
    if threshold is not None and not quality:
        raise click.UsageError("--complexity-threshold applies to git --quality only")
    options: dict = {"quality": quality or None, "complexity_threshold": threshold}
    if quality or source == "sonarqube":
        options["quality_dir"] = str(out_dir)
    return options


import_.help = (import_.help or "").replace("{sources}", _import_sources_help())


if __name__ == "__main__":  # pragma: no cover
    main()
