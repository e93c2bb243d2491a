"""The metrics document (metrics.json) as types: the product's API, read by the site, the mail, the
narrative and every template.

These TypedDicts describe what ``build.compute_document`` writes; ``schema/metrics.schema.json``
(JSON Schema 2020-12, shipped in the package and published with the site) says the same for
readers in any language. tests/test_schema.py validates every built document against the schema
and checks that both name the same keys, required and optional alike, so neither can drift.

Conventions the types carry: a number with no data behind it is ``None`` with a ``reason`` beside
it, never 0; money is a map currency -> amount (``Money``), never summed across currencies;
``change`` is one of ``Change`` (a direction only where the noise test says so). Open maps (teams,
metric ids, datasets, currencies, file names) are ``dict[str, ...]``.

``SCHEMA_VERSION`` changes when a field is removed, renamed or changes type (adding an optional
field does not). No ``from __future__ import annotations`` here: under it, Python 3.11's
TypedDict cannot see ``NotRequired`` and would call every key required.
"""

import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict

SCHEMA_VERSION = 1
SCHEMA_FILE = "metrics.schema.json"

Cadence = Literal["weekly", "monthly", "quarterly"]
Change = Literal["up", "down", "flat", "insufficient_data"]
Money = dict[str, float | None]  # ISO 4217 code -> amount
Amount = float | int | Money | None
Interval = list[float]  # [low, high]


def schema_path() -> Path:
    """The packaged JSON Schema file of metrics.json (publish copies it into the site)."""
    return Path(__file__).resolve().parent / "schema" / SCHEMA_FILE


def schema_text() -> str:
    """The packaged JSON Schema of metrics.json, as shipped."""
    return resources.files("reporter").joinpath("schema", SCHEMA_FILE).read_text(encoding="utf-8")


def load_schema() -> dict[str, Any]:
    """The packaged JSON Schema of metrics.json, parsed."""
    schema: dict[str, Any] = json.loads(schema_text())
    return schema


# -- pieces shared by several blocks ------------------------------------------------------


class Withheld(TypedDict):
    """A group withheld for privacy: no value and no n (an n would give its size back)."""

    value: None
    reason: str


class CohortCounts(TypedDict):
    ai: int
    non_ai: int


class CohortDifference(TypedDict):
    """AI-assisted minus other work, in the metric's unit (also a breakdown's ``*_test``)."""

    value: float | None
    interval: Interval | None
    change: Change
    test: str | None
    n: CohortCounts


class VsRest(TypedDict):
    """A team minus the rest of the organisation (never the organisation including the team)."""

    value: float | None
    rest_value: float | None
    rest_n: int
    interval: Interval | None
    change: Change
    test: str | None


class TeamEntry(TypedDict):
    """One team's figure in ``by_team``; a withheld group has ``reason`` and no ``n``."""

    value: Amount
    n: NotRequired[int]
    reason: NotRequired[str]
    vs_rest: NotRequired[VsRest]


class CohortEntry(TypedDict):
    value: float | int | None
    n: int


class ByCohort(TypedDict):
    ai: CohortEntry
    non_ai: CohortEntry


class DoraBand(TypedDict):
    band: Literal["elite", "high", "medium", "low"]
    label: str
    table: str
    basis: str


class MetricEntry(TypedDict):
    """One metric of the period: value, baseline, noise test, splits. A None value has a reason."""

    value: Amount
    unit: str
    n: int
    reason: NotRequired[str]
    baseline: Amount
    baseline_n: int
    delta: Amount
    delta_pct: NotRequired[float | None]
    change: Change
    interval: Interval | None
    test: str | None
    by_team: dict[str, TeamEntry]
    by_cohort: ByCohort | None
    cohort_difference: NotRequired[CohortDifference | None]
    dora: NotRequired[DoraBand | None]  # the DORA four
    change_by_currency: NotRequired[dict[str, Change]]  # ai_spend
    idle_days: NotRequired[int]  # idle_seat_spend


class Definition(TypedDict):
    """The catalogue entry of a metric (metrics/catalogue.py ``Metric.as_json``)."""

    label: str
    short_label: str
    unit: str
    better: Literal["lower", "higher"] | None
    definition: str
    measured: str | None
    cadences: list[Cadence]
    test: str
    digits: int
    bands: dict[str, str] | None
    band_source: str | None
    dora_name: str | None


# -- period, coverage, privacy --------------------------------------------------------------


class Baseline(TypedDict):
    start: str | None
    end: str | None
    periods: list[str]
    requested: int


class DatasetCoverage(TypedDict):
    files: list[str]
    first_day: str | None
    last_day: str | None
    records_in_period: int
    status: Literal["absent", "empty", "outside", "partial", "covered"]


class Coverage(TypedDict):
    first_day: str
    last_day: str
    period_days: int
    covered_days: int
    partial: bool
    covered_from: str | None
    covered_to: str | None
    datasets: dict[str, DatasetCoverage]


class PooledTeams(TypedDict):
    """``privacy.other``: the pooled teams and their engineers in total (None when withheld)."""

    teams: list[str]
    engineers: int | None
    reason: NotRequired[str]


class Privacy(TypedDict):
    min_group_size: int
    other: PooledTeams | None


# -- breakdowns ------------------------------------------------------------------------------


class UsersRow(TypedDict):
    name: str
    users: int | None
    groups: NotRequired[int]  # the pooled 'other' row
    reason: NotRequired[str]


class RevertCohort(TypedDict):
    value: int
    n: int
    rate: float | None


class RevertCohorts(TypedDict):
    ai: RevertCohort
    non_ai: RevertCohort


class Reverts(TypedDict):
    value: int | None
    reason: NotRequired[str]
    n: NotRequired[int]
    by_cohort: NotRequired[RevertCohorts]
    cohort_difference: NotRequired[CohortDifference]


class Release(TypedDict):
    date: str
    team: str
    title: str
    summary: str | None
    customer: str | None
    initiative: str | None
    ai_tokens: int | None
    contract_value: NotRequired[float | None]  # monthly and quarterly only
    currency: NotRequired[str | None]


class FlowSide(TypedDict):
    n: int
    cycle_time_hours: float | None
    review_time_hours: float | None


class SizeBucket(TypedDict):
    min_lines: int
    max_lines: int | None
    ai: FlowSide
    non_ai: FlowSide
    cycle_time_ratio: float | None
    review_time_ratio: float | None
    cycle_time_test: CohortDifference
    review_time_test: CohortDifference


class SeatCount(TypedDict):
    seats: int
    idle: int


class Seats(TypedDict):
    seats: int
    idle: int
    idle_days: int
    idle_share: float | None
    by_tool: dict[str, SeatCount]


class Pulse(TypedDict):
    responses: int
    enps: float | None
    ai_trust: float | None
    burnout: float | None


class PulseNowBefore(TypedDict):
    now: Pulse | None
    before: Pulse | None


class SecurityFindings(TypedDict):
    total: int
    by_severity: dict[str, int]
    ai_touched: int


class IncidentHours(TypedDict):
    hours: float | None
    incidents: int
    cost: Money | None
    reason: str | None


class Guardrails(TypedDict):
    pulse: PulseNowBefore
    security_findings: SecurityFindings | None
    incident_hours: IncidentHours


class BacklogEntry(TypedDict):
    open: int
    done: int
    median_age_days: float | None
    open_over_90_days: int
    strategic: bool


class Breakdowns(TypedDict):
    ai_users_by_tool: list[UsersRow]
    ai_users_by_feature: list[UsersRow]
    reverts: Reverts
    releases: list[Release]
    flow_by_size: dict[str, SizeBucket]  # small, medium, large
    seats: Seats | None
    guardrails: NotRequired[Guardrails]  # quarterly
    tokens_by_category: NotRequired[dict[str, int]]  # quarterly
    spend_by_tool: NotRequired[dict[str, Money]]  # monthly and quarterly
    spend_by_category: NotRequired[dict[str, Money]]
    backlog_by_initiative: NotRequired[dict[str, BacklogEntry]]


# -- trends, data quality --------------------------------------------------------------------


class Trends(TypedDict):
    """One value per period; None where the inputs do not cover the period (never 0)."""

    periods: list[str]
    starts: list[str]
    pr_cycle_time_hours: list[float | None]
    pr_cycle_time_hours_ai: list[float | None]
    pr_cycle_time_hours_non_ai: list[float | None]
    pickup_time_hours: list[float | None]
    merged_prs: list[int | None]
    deployments: list[int | None]
    change_failure_rate: list[float | None]
    active_ai_users: list[int | None]
    engineers: list[int | None]
    incidents: list[int | None]
    support_tickets: list[int | None]
    escaped_defects: list[int | None]


class SkippedRow(TypedDict):
    file: str
    row: int | None
    id: str | None
    column: str | None
    reason: str


class WindowedDataset(TypedDict):
    rows: int
    read: int
    where: list[str]


class ValidatedWindow(TypedDict):
    statement: str
    datasets: dict[str, WindowedDataset]


class AiDetection(TypedDict):
    prs: int
    ai_prs: int
    by_source: dict[str, int]
    by_rule: dict[str, int]


class DataQuality(TypedDict):
    skipped_rows: int
    skipped: list[SkippedRow]
    validated_window: ValidatedWindow | None
    warnings: list[str]
    ai_detection: AiDetection
    excluded_deployments: dict[str, int]


# -- capacity (quarterly) ----------------------------------------------------------------------
# Each estimate is either computed or None with a reason (metrics/attribution.py, metrics/roi.py).


class PreTrend(TypedDict):
    slope: float | None
    parallel: bool | None
    interval: NotRequired[Interval | None]
    reason: NotRequired[str | None]
    unit: NotRequired[str]


class DidSeries(TypedDict):
    weeks: list[str]
    adopting: list[float | None] | None
    comparison: list[float | None] | None
    rollouts: dict[str, str]


class DifferenceInDifferences(TypedDict):
    method: str | None
    effect: float | None
    reason: NotRequired[str]
    interval: NotRequired[Interval | None]
    interval_reason: NotRequired[str | None]
    unit: NotRequired[str]
    pre_level: NotRequired[float | None]
    relative: NotRequired[float | None]
    relative_interval: NotRequired[Interval | None]
    treated: NotRequired[list[str]]
    control: NotRequired[list[str]]
    left_out: NotRequired[dict[str, Any]]
    treated_post_weeks: NotRequired[int]
    treated_engineer_weeks: NotRequired[float]
    post_weeks_used: NotRequired[dict[str, int]]
    post_weeks_in_quarter: NotRequired[dict[str, int]]
    quarter_weeks: NotRequired[int]
    team_weeks: NotRequired[int]
    pre_trend: NotRequired[PreTrend | None]
    resamples: NotRequired[int]
    placebo_draws: NotRequired[int]
    confidence: NotRequired[float]
    week_to_week_correlation: NotRequired[float | None]
    inference: NotRequired[str]
    weighting: NotRequired[str]
    series: NotRequired[DidSeries]


class SurveyEstimate(TypedDict):
    hours: float | None
    reason: NotRequired[str]
    raw_hours: NotRequired[float]
    discount: NotRequired[float]
    teams: NotRequired[list[str]]
    weeks: NotRequired[float]
    responses: NotRequired[int]


class DidHours(TypedDict):
    hours: list[float] | None  # [low, estimate, high]
    reason: NotRequired[str]
    engineer_weeks: NotRequired[float]
    hours_per_week: NotRequired[float]


class CapacityHours(TypedDict):
    difference_in_differences: DidHours
    survey: float | None


class Converted(TypedDict):
    amount: float
    rate: float


class CapacityCost(TypedDict):
    value: float | None
    reason: NotRequired[str]
    currency: NotRequired[str]
    ai_spend: NotRequired[float]
    enablement: NotRequired[float]
    enablement_share: NotRequired[float]
    converted: NotRequired[dict[str, Converted]]


class RoiRange(TypedDict):
    """ROI as a range (low, estimate, high), never one number; or why there is none."""

    roi: list[float] | None
    reason: NotRequired[str | None]
    value: NotRequired[list[float]]
    fte: NotRequired[list[float]]
    cost: NotRequired[float]
    currency: NotRequired[str]
    hourly_cost: NotRequired[float]


class CapacityRoi(TypedDict):
    difference_in_differences: RoiRange
    survey: RoiRange


class Assumption(TypedDict):
    name: str
    value: Any
    source: str


class Capacity(TypedDict):
    difference_in_differences: DifferenceInDifferences
    survey: SurveyEstimate
    hours: CapacityHours
    cost: CapacityCost
    roi: CapacityRoi
    confidence: str
    assumptions: list[Assumption]


# -- quality (technical guardrails) ---------------------------------------------------------------


class QualityEntry(TypedDict):
    value: float | None
    n: int
    interval: Interval | None


class QualityByCohort(TypedDict):
    ai: QualityEntry
    non_ai: QualityEntry


class QualityTeamEntry(TypedDict):
    """A team's figure; the whole entry is ``Withheld`` for a withheld pooled group."""

    value: float | None
    n: int
    interval: Interval | None
    cohort_difference: NotRequired[CohortDifference | Withheld]


class QualityMetric(TypedDict):
    value: float | None
    unit: str
    n: int
    reason: NotRequired[str]
    interval: Interval | None
    baseline: float | None
    baseline_n: int
    baseline_interval: Interval | None
    delta: float | None
    change: Change
    delta_interval: Interval | None
    test: str | None
    by_cohort: QualityByCohort | None
    cohort_difference: CohortDifference | None
    by_team: dict[str, QualityTeamEntry | Withheld]


class ComplexityAiHigher(TypedDict):
    organisation: bool
    teams: list[str]


class QualitySeries(TypedDict):
    ai: list[float | None]
    non_ai: list[float | None]
    n_ai: list[int]
    n_non_ai: list[int]


class QualityWeeklyTrend(TypedDict):
    weeks: list[str]
    series: dict[str, QualitySeries]


class Quality(TypedDict):
    available: bool
    reason: str | None
    sources: list[str]
    complexity_threshold: int | list[int] | None
    prs: int
    prs_without_pull_request: int
    metrics: dict[str, QualityMetric]
    definitions: dict[str, Definition]
    complexity_ai_higher: ComplexityAiHigher | None
    weekly_trend: QualityWeeklyTrend | None


# -- narrative ---------------------------------------------------------------------------------


class Evidence(TypedDict):
    """A number the text prints: where it comes from in this document, and as shown."""

    path: str | None
    value: float
    shown: str


class HeldTest(TypedDict):
    """A noise test that made the rule's condition hold (exactly one of metric / breakdown)."""

    path: str
    compares: Literal["ai_vs_other", "team_vs_rest", "period_vs_baseline"]
    metric: NotRequired[str]
    breakdown: NotRequired[str]
    unit: str | None
    value: float | None
    interval: Interval | None
    change: Change | None
    test: str | None
    n: float | None
    other_n: float | None
    side_value: float | None
    other_value: float | None


class NarrativeItem(TypedDict):
    id: str
    kind: Literal["story", "learning", "action", "decision", "warning"]
    text: str
    priority: int
    team: str | None
    evidence: list[Evidence]
    metrics: list[str]
    tests: list[HeldTest]
    subject: NotRequired[str]
    release: NotRequired[int]  # index into breakdowns.releases


class Narrative(TypedDict):
    stories: list[NarrativeItem]
    learnings: list[NarrativeItem]
    actions: list[NarrativeItem]
    decisions: list[NarrativeItem]
    warnings: list[NarrativeItem]


# -- lineage, scope --------------------------------------------------------------------------------


class InputFile(TypedDict):
    """Lineage of one input file (PostgreSQL tables add source, table, columns, ...)."""

    rows: int
    sha256: NotRequired[str]
    validated: bool


class Scope(TypedDict):
    kind: Literal["team", "group"]
    id: str
    name: str
    teams: list[str]
    folder: str


class ContextEntry(TypedDict):
    """The organisation's figure of a metric, beside a scope's (context, never a target)."""

    value: Amount
    unit: str
    n: int
    change: Change
    reason: NotRequired[str]


class MetricsDocument(TypedDict):
    """metrics.json. ``weekly_trends``: quarterly only; ``scope`` and ``organisation_context``:
    team and group reports only (both or neither)."""

    schema_version: int
    organization: str
    cadence: Cadence
    period: str
    start: str
    end: str
    timezone: str
    start_utc: str
    end_utc: str
    baseline: Baseline
    coverage: Coverage | None
    privacy: Privacy
    metrics: dict[str, MetricEntry]
    definitions: dict[str, Definition]
    team_names: dict[str, str]
    breakdowns: Breakdowns
    trends: Trends
    weekly_trends: NotRequired[Trends]
    data_quality: DataQuality
    capacity: Capacity | None
    quality: Quality
    narrative: Narrative | None
    inputs: dict[str, InputFile]
    config_file: str | None
    config_sha256: str
    scope: NotRequired[Scope]
    organisation_context: NotRequired[dict[str, ContextEntry]]
