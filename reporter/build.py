"""config -> inputs -> metrics -> metrics.json: the build of one report.

Renderers (HTML, PDF) plug in after ``compute_report``; they read the document it returns.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path


from . import cadences
from .config import Config, load_config, resolve_config_path  # noqa: F401 - re-exported for callers
from .errors import EXIT_RENDER, PeriodError, ReporterError
from .files import WriteError, os_reason, write_folder
from .inputs.load import Inputs, Survey, load_inputs, survey_inputs
from .inputs.plan import ReadPlan, did_start, report_plan
from .metrics.prepare import Prepared, prepare
from .metrics import breakdowns, catalogue, outcomes, quality, trends
from .metrics import coverage as coverage_of
from .metrics import ai as ai_rules
from .metrics.suite import DATASETS_USED, Suite, _in as suite_in
from .periods import Period, last_complete, last_complete_covered, parse_period, period_containing, preceding
from .document import SCHEMA_VERSION  # metrics.json's contract version (document.py, schema/metrics.schema.json)

FORMATS = ("json", "html", "pdf")
_COVERAGE_COLUMNS = {
    "pull_requests": ("created_at", "merged_at"),
    "deployments": ("finished_at",),
    "incidents": ("opened_at", "resolved_at"),
    "ai_usage": ("date",),
    "ai_costs": ("date",),
}


@dataclass(frozen=True)
class Coverage:
    first_day: dt.date
    last_day: dt.date


def data_coverage(inputs: "Inputs | Survey", config: Config) -> Coverage | None:
    """The days the delivery and AI records reach; without any, what the other dated datasets reach
    (a folder of work items alone still has a period)."""
    found = _reach(inputs, config, _COVERAGE_COLUMNS)
    if found is None:
        found = _reach(inputs, config, {name: coverage_of.DATED_COLUMNS[name] for name in (
            "work_items", "support_tickets", "releases", "surveys", "security_findings") if name in inputs.frames})
    return found


def _reach(inputs: "Inputs | Survey", config: Config, columns_of: dict[str, tuple[str, ...]]) -> Coverage | None:
    firsts, lasts = [], []
    for dataset, columns in columns_of.items():
        for column in columns:
            span = inputs.extent(dataset, column)  # every row's, also those a windowed read left out
            if span is None:
                continue
            lo, hi = (v.tz_convert(config.tz).tz_localize(None) if v.tzinfo is not None else v for v in span)
            firsts.append(lo.date())
            lasts.append(hi.date())
    if not firsts:
        return None
    return Coverage(min(firsts), max(lasts))


def choose_period(cadence: str, period_id: str | None, config: Config, coverage: Coverage | None,
                  today: dt.date, warnings: list[str]) -> Period:
    fiscal = config.fiscal_year_start_month
    if period_id:
        return parse_period(cadence, period_id, fiscal)
    period = last_complete(cadence, today, fiscal)
    if coverage is not None and coverage.last_day < period.last_day():
        covered = last_complete_covered(cadence, coverage.last_day, fiscal)
        if covered.last_day() < coverage.first_day:
            # No complete period in the data (ten days of history, a monthly report): the period they
            # reach, in part, rather than an earlier one they do not reach at all.
            partial = period_containing(cadence, coverage.last_day, fiscal)
            warnings.append(
                f"the inputs ({coverage.first_day} to {coverage.last_day}) hold no complete {cadence} period; "
                f"reporting {partial.id}, which they cover in part"
            )
            period = partial
        elif covered < period:
            warnings.append(
                f"the inputs end on {coverage.last_day}, before the last complete {cadence} period "
                f"({period.id}); reporting {covered.id}, the last complete period they reach"
            )
            period = covered
    return period


def compute_report(cadence: str, input_dir: Path, config_path: Path | None = None, period_id: str | None = None,
                   strict: bool = False, today: dt.date | None = None) -> dict:
    """Build the metrics document of one report (what metrics.json holds)."""
    return compute_document(load_context(cadence, input_dir, config_path, period_id, strict, today))


@dataclass
class ReportContext:
    """Everything a report's documents share, whatever their scope: loaded, validated and prepared once."""

    cadence: str
    config_file: Path | None
    config: Config
    inputs: Inputs
    prep: Prepared
    coverage: Coverage | None
    period: Period
    datasets_cov: dict
    baseline: list[Period]
    wanted: int
    covered: tuple[dt.date, dt.date] | None
    warnings: list[str]
    rules: list | None = None  # the narrative rules, loaded once for every scope (narrative.load_rules)
    codes: dict = field(default_factory=dict)  # scopes.cut_prepared's cache of factorized team columns


def load_context(cadence: str, input_dir: Path, config_path: Path | None = None, period_id: str | None = None,
                 strict: bool = False, today: dt.date | None = None) -> ReportContext:
    """Load, validate and prepare the inputs and choose the period and baseline (shared by every scope)."""
    config_file = resolve_config_path(Path(input_dir), config_path)
    config = load_config(config_file)
    datasets = cadences.get(cadence).datasets(DATASETS_USED)
    extra: list = []
    import_skipped: list = []
    import_warnings: list[str] = []
    if config.imports:
        from .importers.direct import imported_frames

        extra, import_skipped, import_warnings = imported_frames(config, Path(input_dir), strict=strict)
    if today is None:
        today = dt.datetime.now(config.tz).date()
    inputs = load_for_report(cadence, Path(input_dir), config, period_id, today, strict, datasets, extra)
    inputs.skipped[:0] = import_skipped
    inputs.warnings.extend(import_warnings)
    warnings = list(inputs.warnings)
    prep = prepare(inputs, config)
    warnings.extend(prep.warnings)
    coverage = data_coverage(inputs, config)
    period = choose_period(cadence, period_id, config, coverage, today, warnings)

    # Only the datasets this cadence reads (and validated) have a coverage worth stating.
    datasets_cov = {name: cov for name, cov in coverage_of.measure_all(
        inputs.frames, inputs.present, config.tz, period.start, period.end, inputs.extent).items()
        if name in datasets}
    if period_id:
        check_period_reached(period, datasets_cov)
    wanted = config.baseline_periods.for_cadence(cadence)
    candidates = preceding(period, wanted, config.fiscal_year_start_month)
    # A baseline period counts only when the inputs reach all of it: a week past the data is no week of zeros.
    baseline = [p for p in candidates if coverage is not None and p.start >= coverage.first_day
                and p.last_day() <= coverage.last_day]
    covered = None
    if coverage is None:
        warnings.append("the inputs hold no dated delivery or AI records: every metric is N/A")
    else:
        # The days some dataset the report reads has activity in: a sparse file that stops early does
        # not cut the period, and a backlog's old creation dates do not stretch it.
        reach = coverage_of.reach(datasets_cov) or (coverage.first_day, coverage.last_day)
        covered = coverage_of.covered_days(period.start, period.end, *reach)
        if covered != (period.start, period.end):
            warnings.append(f"{period.id} is only partly covered by the inputs, which run from "
                            f"{reach[0]} to {reach[1]}: rates, costs and capacity are computed "
                            f"over the {(covered[1] - covered[0]).days} covered days only")
        if len(baseline) < wanted:
            warnings.append(f"baseline uses {len(baseline)} of {wanted} preceding periods: the inputs run from "
                            f"{coverage.first_day} to {coverage.last_day}")

    return ReportContext(cadence, config_file, config, inputs, prep, coverage, period, datasets_cov, baseline,
                         wanted, covered, warnings)


def compute_document(ctx: ReportContext, scope=None, organisation: dict | None = None) -> dict:
    """The metrics document of one scope (scopes.Scope; None: the organisation). A scoped document
    carries ``scope`` and ``organisation_context`` (the organisation's figures, from ``organisation``
    or computed here)."""
    from . import scopes as scoping

    cadence, config_file, config, coverage, period = ctx.cadence, ctx.config_file, ctx.config, ctx.coverage, ctx.period
    datasets_cov, baseline, wanted, covered = ctx.datasets_cov, ctx.baseline, ctx.wanted, ctx.covered
    scope = scope or scoping.organisation(config)
    row = cadences.get(cadence)
    if not scope.is_organisation and not row.scoped:
        raise scoping.ScopeError(QUARTERLY_SCOPE)
    prep = scoping.cut_prepared(ctx.prep, scope, ctx.codes)
    inputs = scoping.cut_inputs(ctx.inputs, scope, config)
    warnings = list(ctx.warnings) + scoping.scope_notes(ctx.prep, scope)
    has_unplanned = inputs.frames["deployments"]["unplanned"].notna().any()
    present = {name for name, files in inputs.present.items() if files}
    suite = Suite(prep, config, period, baseline, bool(has_unplanned), datasets_cov, covered, present)
    metrics = suite.compute()
    if row.outcomes:  # outcomes and money belong to the monthly review and the quarterly packet
        metrics.update(outcomes.compute(suite, None, metrics))
    window = suite.cur
    details = {
        "ai_users_by_tool": breakdowns.users_by(prep, config, window, "tool"),
        "ai_users_by_feature": breakdowns.users_by(prep, config, window, "feature"),
        "reverts": breakdowns.reverts(prep, window, config.statistics),
        "releases": breakdowns.releases(inputs, window, with_money=row.money),
        "flow_by_size": breakdowns.flow_by_size(prep, window, config.statistics),
        "seats": None if suite.no_data("seats") else breakdowns.seats(prep, window),
    }
    capacity = None
    if row.attribution:
        capacity = quarterly_capacity(prep, inputs, config, period, coverage, metrics, suite.cur)
        details["guardrails"] = outcomes.guardrails(suite, inputs, config)
        details["tokens_by_category"] = outcomes.tokens_by_category(suite)
    if row.outcomes:
        details["spend_by_tool"] = outcomes.spend_breakdown(suite, "tool")
        details["spend_by_category"] = outcomes.spend_breakdown(suite, "category")
        details["backlog_by_initiative"] = outcomes.backlog(suite)
    series = trends.series(prep, config, period, row.trend_periods,
                           coverage.first_day if coverage else None, coverage.last_day if coverage else None)
    weekly_series = None
    if row.weekly_trend:  # the quarter week by week: the evidence even without a previous quarter
        first_week = period_containing("weekly", period.start)
        last_week = period_containing("weekly", period.last_day())
        weeks = (last_week.start - first_week.start).days // 7 + 1
        weekly_series = trends.series(prep, config, last_week, weeks, coverage.first_day if coverage else None,
                                      coverage.last_day if coverage else None)
    tz = config.tz
    start, end = period.utc_bounds(tz)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "organization": config.organization,
        "cadence": cadence,
        "period": period.id,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "timezone": config.timezone,
        "start_utc": _iso(start),
        "end_utc": _iso(end),
        "baseline": {
            "start": baseline[0].start.isoformat() if baseline else None,
            "end": baseline[-1].end.isoformat() if baseline else None,
            "periods": [p.id for p in baseline],
            "requested": wanted,
        },
        "coverage": coverage_block(period, coverage, covered, datasets_cov),
        "privacy": suite.teams.describe(),
        "metrics": metrics,
        "definitions": catalogue.definitions(metrics),
        "team_names": {key: team.name or key[:1].upper() + key[1:] for key, team in sorted(config.teams.items())},
        "breakdowns": details,
        "trends": series,
        **({"weekly_trends": weekly_series} if weekly_series is not None else {}),
        "data_quality": {
            "skipped_rows": len({(i.file, i.row) for i in inputs.skipped}),
            "skipped": [i.as_dict() for i in inputs.skipped],
            "validated_window": window_statement(inputs),
            "warnings": warnings,
            # What each AI rule matched among the PRs merged in the period, not the whole history.
            "ai_detection": ai_rules.counts_in(prep.prs, suite_in(prep.prs["merged_at"], suite.cur)),
            "excluded_deployments": prep.excluded_deployments,
        },
        "capacity": capacity,
        # Technical guardrails (metrics/quality.py): code quality per merged PR, AI-assisted vs other.
        "quality": quality.compute(suite, inputs["code_quality"], with_trend=row.quality_trend),
        "narrative": None,
        "inputs": {name: inputs.lineage[name] for name in sorted(inputs.lineage)},
        "config_file": config_file.name if config_file else None,
        "config_sha256": config.sha256(),
    }
    if not scope.is_organisation:
        org = organisation if organisation is not None else compute_document(ctx)
        doc["scope"] = scope.as_dict()
        doc["organisation_context"] = scoping.organisation_context(org["metrics"])
    if ctx.rules is None:
        ctx.rules = narrative_rules(config)
    doc["narrative"] = narrate_document(doc, config, ctx.rules)
    return doc


QUARTERLY_SCOPE = ("the quarterly packet stays organisation-wide (its attribution compares every team with "
                   "every other); build it without --team/--group/--all-teams/--all-groups")


def read_plan(cadence: str, period: Period, config: Config) -> ReadPlan:
    """What the report reads (inputs/plan.py): its period, whole requested baseline, trend periods
    and, for the quarterly packet, the difference-in-differences pre-period."""
    fiscal = config.fiscal_year_start_month
    row = cadences.get(cadence)
    before = preceding(period, max(config.baseline_periods.for_cadence(cadence), row.trend_periods - 1), fiscal)
    start = min([period.start] + [p.start for p in before])
    if row.attribution:
        first = did_start({name: team.ai_rollout for name, team in config.teams.items()
                           if team.ai_rollout is not None}, period.end)
        start = min(start, first) if first else start
    # The period's last week runs whole (the quarterly weekly trend, the DiD's weeks by their Monday).
    last = period.last_day()
    end = max(period.end, last - dt.timedelta(days=last.weekday()) + dt.timedelta(days=7))
    return report_plan(start, end, config.tz)


def load_for_report(cadence: str, input_dir: Path, config: Config, period_id: str | None, today: dt.date,
                    strict: bool, datasets: tuple[str, ...], extra: list) -> Inputs:
    """Survey the files (rows, first and last days), choose the period from their reach, then read and
    validate only what the report needs. Should a row validation skips have held a dataset's first or
    last day, the period is chosen again from what remains (and read again if it moved)."""
    database = None
    if config.inputs is not None:  # canonical tables in PostgreSQL (inputs/postgres.py): surveyed and read like files
        from .inputs.postgres import PostgresSource
        database = PostgresSource(config.inputs, config.tz, datasets)
    survey = survey_inputs(input_dir, config.tz, datasets, extra, database)
    try:
        period = choose_period(cadence, period_id, config, data_coverage(survey, config), today, [])
        for _ in range(2):
            inputs = load_inputs(input_dir, config.tz, strict=strict, datasets=datasets, extra=extra,
                                 plan=read_plan(cadence, period, config), survey=survey)
            again = choose_period(cadence, period_id, config, data_coverage(inputs, config), today, [])
            if again == period:
                break
            period = again
        return inputs
    finally:
        survey.engine.close()
        if database is not None:
            database.close()


def window_statement(inputs: Inputs) -> dict | None:
    """data_quality.validated_window: which rows were read and validated, per windowed dataset."""
    if inputs.window is None:
        return None
    read = {name: w for name, w in sorted(inputs.window.items()) if inputs.has(name)}
    parts = [f"{name} where {' or '.join(w['where']) or 'any'} ({w['read']:,} of {w['rows']:,} rows)"
             for name, w in read.items()]
    return {
        "statement": ("Rows were read and validated only where the report reaches them: "
                      + ("; ".join(parts) if parts else "every row") + ". Other datasets were read whole. "
                      "Skipped rows are listed among the rows read; each dataset's first and last day count every row."),
        "datasets": read,
    }


def quarterly_capacity(prep, inputs: Inputs, config: Config, period: Period, coverage: Coverage | None,
                       metrics: dict, window) -> dict:
    """Capacity reclaimed (two independent estimates), total AI cost and ROI as a range, all over
    the days of the quarter the inputs cover (``window``): a partial quarter is never divided by 13
    weeks nor charged a whole quarter's enablement."""
    from .metrics import attribution, roi

    did = attribution.difference_in_differences(prep, config, period, coverage.first_day if coverage else period.start,
                                                config.statistics.bootstrap_resamples, config.statistics.confidence,
                                                last_day=coverage.last_day if coverage else None)
    survey = roi.survey_estimate(inputs["surveys"], prep, config, period, window.first_day, window.end_day)
    cost = roi.total_cost(metrics["ai_spend"]["value"], config, window.fraction)
    weeks = (window.end_day - window.first_day).days / 7
    by_did = roi.did_hours(did, config)
    return {
        "difference_in_differences": did,
        "survey": survey,
        "hours": {"difference_in_differences": by_did, "survey": survey.get("hours")},
        "cost": cost,
        "roi": {"difference_in_differences": roi.roi_range(by_did, cost, config, weeks),
                "survey": roi.roi_range(survey, cost, config, weeks)},
        "confidence": roi.confidence_label(did),
        "assumptions": roi.assumptions(config, did, survey),
    }


def check_period_reached(period: Period, datasets: dict[str, coverage_of.DatasetCoverage]) -> None:
    """An explicit period that no input file reaches is a mistake, not an empty report."""
    first, last = period.start, period.last_day()
    states = {name: cov.status(first, last) for name, cov in datasets.items() if cov.files}
    if states and all(state in (coverage_of.OUTSIDE, coverage_of.EMPTY) for state in states.values()):
        firsts = [cov.first_day for cov in datasets.values() if cov.files and cov.first_day is not None]
        lasts = [cov.last_day for cov in datasets.values() if cov.files and cov.last_day is not None]
        reach = firsts and lasts
        span = (f"they run from {min(firsts)} to {max(lasts)}"
                if reach else "they hold no dated record")
        raise PeriodError(f"{period.id} ({first} to {last}) is outside every input file: {span}; "
                          f"choose a period the data reaches, or omit --period")


def coverage_block(period: Period, coverage: Coverage | None, covered: tuple[dt.date, dt.date] | None,
                   datasets: dict[str, coverage_of.DatasetCoverage]) -> dict | None:
    """What the inputs reach: overall, inside the period, and per dataset (records in the period)."""
    if coverage is None:
        return None
    days = (period.end - period.start).days
    kept = (covered[1] - covered[0]).days if covered else 0
    first, last = period.start, period.last_day()
    return {
        "first_day": coverage.first_day.isoformat(), "last_day": coverage.last_day.isoformat(),
        "period_days": days, "covered_days": kept, "partial": kept < days,
        "covered_from": covered[0].isoformat() if covered and kept else None,
        "covered_to": (covered[1] - dt.timedelta(days=1)).isoformat() if covered and kept else None,
        "datasets": {name: cov.as_dict(first, last) for name, cov in sorted(datasets.items()) if cov.files},
    }


def narrate_document(doc: dict, config: Config, rules: list | None = None) -> dict:
    """Stories, learnings, actions, decisions and warnings from the packaged rules and the
    user's own folder (config key ``narratives``), which overrides them by id. ``rules``:
    already loaded (narrative_rules), when several documents share them."""
    from .narrative import narrate_rules

    return narrate_rules(doc, doc["cadence"], narrative_rules(config) if rules is None else rules)


def narrative_rules(config: Config) -> list:
    """The packaged rules, overridden by id by the user's folder (config key ``narratives``)."""
    from .assets import narratives_dir
    from .narrative import load_rules

    folders = [narratives_dir()]
    if config.narratives_path is not None:
        folders.append(config.narratives_path)
    return load_rules(folders)


def _iso(ts: dt.datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean(value):
    """JSON has no NaN: a NaN that slipped through is a bug, but it must not corrupt the file."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def to_json(doc: dict) -> str:
    return json.dumps(_clean(doc), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def parse_formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ReporterError(f"unknown format {', '.join(unknown) or text!r}; choose from {', '.join(FORMATS)}")
    return formats


def reproduce_command(cadence: str, input_dir: Path, period: str, config_path: Path | None) -> str:
    parts = ["reporter", "build", cadence, "--input", str(input_dir), "--period", period]
    if config_path is not None:
        parts += ["--config", str(config_path)]
    return " ".join(parts)


def build(cadence: str, input_dir: Path, out_dir: Path, *, config_path: Path | None = None,
          period_id: str | None = None, formats: tuple[str, ...] | None = None, strict: bool = False,
          today: dt.date | None = None) -> tuple[dict, list[Path]]:
    """Compute the report and write the requested formats; return the document and the files."""
    formats = formats or FORMATS
    ctx = load_context(cadence, input_dir, config_path, period_id, strict, today)
    doc = compute_document(ctx)
    target = Path(out_dir) / cadence / doc["period"]
    command = reproduce_command(cadence, input_dir, doc["period"], config_path)
    return doc, write_outputs(target, render_outputs(doc, formats, command, ctx.config.templates_path))


@dataclass(frozen=True)
class ScopeRequest:
    """Which scoped reports a run builds (--team, --group, --all-teams, --all-groups)."""

    teams: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    all_teams: bool = False
    all_groups: bool = False

    def __bool__(self) -> bool:
        return bool(self.teams or self.groups or self.all_teams or self.all_groups)

    @property
    def with_organisation(self) -> bool:
        """--all-teams / --all-groups also write the organisation's report; a named scope does not."""
        return self.all_teams or self.all_groups


@dataclass
class ScopedBuild:
    """What a scoped run wrote: the organisation's document (written only ``with_organisation``),
    one (document, files) per scope, and the scopes privacy left without a report, with why."""

    organisation: dict
    organisation_paths: list[Path]
    scoped: list[tuple[dict, list[Path]]]
    skipped: list[tuple[str, str]]  # (scope folder, reason)


def scope_target(out_dir: Path, doc: dict) -> Path:
    """OUT/<cadence>/<period>/ for the organisation, OUT/<cadence>/<period>/<team-x|group-y>/ for a scope."""
    target = Path(out_dir) / doc["cadence"] / doc["period"]
    folder = (doc.get("scope") or {}).get("folder")
    return target / folder if folder else target


def build_scopes(cadence: str, input_dir: Path, out_dir: Path, request: ScopeRequest, *,
                 config_path: Path | None = None, period_id: str | None = None,
                 formats: tuple[str, ...] | None = None, strict: bool = False,
                 today: dt.date | None = None) -> ScopedBuild:
    """Load and prepare once; compute the organisation once; then compute and render every scope.

    A team the organisation's report pools (privacy) gets no report: named explicitly, that is an
    error; under --all-teams/--all-groups it is listed in ``skipped``."""
    from . import scopes as scoping
    from .metrics.suite import TeamFolder, make_window

    formats = formats or FORMATS
    if not cadences.get(cadence).scoped:
        raise scoping.ScopeError(QUARTERLY_SCOPE)
    ctx = load_context(cadence, input_dir, config_path, period_id, strict, today)
    config = ctx.config
    wanted = scoping.resolve(config, ctx.prep.people, teams=request.teams, groups=request.groups,
                             all_teams=request.all_teams, all_groups=request.all_groups)
    window = make_window([ctx.period], config, *(ctx.covered or (None, None)))
    assert window is not None  # one period always makes a window
    folder = TeamFolder(ctx.prep, config, window)
    eligible: list = []
    skipped: list[tuple[str, str]] = []
    for scope in wanted:  # decided before anything is written
        why = scoping.ineligible(scope, folder)
        if why is None:
            eligible.append(scope)
        elif request.all_teams and scope.kind == scoping.TEAM or request.all_groups and scope.kind == scoping.GROUP:
            skipped.append((scope.folder or scope.id, why))
        else:
            raise scoping.ScopeError(why)
    org = compute_document(ctx)
    base = reproduce_command(cadence, input_dir, org["period"], config_path)
    org_paths = (write_outputs(scope_target(out_dir, org), render_outputs(org, formats, base, config.templates_path))
                 if request.with_organisation else [])
    scoped = []
    for scope in eligible:
        doc = compute_document(ctx, scope, org)
        command = f"{base} --{scope.kind} {scope.id}"
        scoped.append((doc, write_outputs(scope_target(out_dir, doc), render_outputs(doc, formats, command,
                                                                                   config.templates_path))))
    return ScopedBuild(org, org_paths, scoped, skipped)


def render_outputs(doc: dict, formats: tuple[str, ...], command: str, templates: Path | None = None
                   ) -> dict[str, bytes]:
    """File name -> bytes of every requested format of one document (nothing written yet); ``templates``:
    the user's template folder (config `templates:`), searched before the packaged one."""
    row = cadences.get(doc["cadence"])
    documents = [f for f in formats if f != "json"]
    outputs: dict[str, bytes] = {}
    if documents:
        html = row.render()(row.build_view()(doc, command), templates=templates)
        if "html" in formats:
            outputs["report.html"] = html.encode("utf-8")
        if "pdf" in formats:
            from .render.pdf import html_to_pdf

            attached = {"metrics.json": to_json(doc).encode("utf-8")} if row.attach_json else None
            outputs["report.pdf"] = html_to_pdf(html, attachments=attached)
    if "json" in formats:
        outputs["metrics.json"] = to_json(doc).encode("utf-8")
    return outputs


def write_outputs(target: Path, outputs: dict[str, bytes]) -> list[Path]:
    """Every format at once, after all rendered (files.write_folder): a full disk, an I/O error or a
    crash leaves the folder as it was (or absent), never some formats new and others old or missing."""
    try:
        write_folder(target, outputs)
    except OSError as exc:
        raise WriteError(f"cannot write the report into {target} ({os_reason(exc)}); nothing was written",
                         EXIT_RENDER) from None
    return [target / name for name in outputs]
