"""The data contract: one spec per canonical dataset (DESIGN.md section 4).

The specs are plain data so that the loader, the README and the sample generator
all read the same truth about column names, types and constraints.
"""

from __future__ import annotations

from dataclasses import dataclass

# Column kinds. Timestamps are normalised to UTC; dates stay calendar dates.
STR = "str"
INT = "int"
FLOAT = "float"
BOOL = "bool"
TIMESTAMP = "timestamp"
DATE = "date"
LIST = "list"  # ';'-separated in CSV, arrays in JSON
TEXT = "text"  # free text (commit messages, titles): kept verbatim, only an empty value is missing

TRUE_WORDS = frozenset({"true", "1", "yes", "y", "t"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "f"})


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    non_negative: bool = False


@dataclass(frozen=True)
class Order:
    """``later`` must not be before ``earlier`` when both are present."""

    earlier: str
    later: str
    reason: str


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # unique key; duplicates are skipped
    orders: tuple[Order, ...] = ()
    doc: str = ""
    id_column: str | None = None  # what to quote as the row's id in errors

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name: str, kind: str, required: bool = False, non_negative: bool = False) -> Column:
    return Column(name, kind, required, non_negative)


DATASETS: dict[str, DatasetSpec] = {
    s.name: s
    for s in (
        DatasetSpec(
            "people",
            (
                _c("person", STR, True),
                _c("team", STR, True),
                _c("role", STR),
                _c("email", STR),
                _c("aliases", LIST),
                _c("start_date", DATE),
                _c("end_date", DATE),
            ),
            key=("person",),
            orders=(Order("start_date", "end_date", "end_date is before start_date"),),
            doc="Who is who: one row per person, their team and role (default engineer).",
            id_column="person",
        ),
        DatasetSpec(
            "pull_requests",
            (
                _c("id", STR, True),
                _c("repo", STR, True),
                _c("author", STR, True),
                _c("created_at", TIMESTAMP, True),
                _c("merged_at", TIMESTAMP),
                _c("closed_at", TIMESTAMP),
                _c("first_commit_at", TIMESTAMP),
                _c("first_review_at", TIMESTAMP),
                _c("approved_at", TIMESTAMP),
                _c("additions", INT, non_negative=True),
                _c("deletions", INT, non_negative=True),
                _c("labels", LIST),
                _c("ai_assisted", BOOL),
                _c("title", TEXT),
                _c("merge_commit_sha", STR),
                _c("reverted", BOOL),
                _c("work_item", STR),
                _c("body", TEXT),
            ),
            key=("id",),
            orders=(
                Order("created_at", "merged_at", "merged_at is before created_at"),
                Order("created_at", "closed_at", "closed_at is before created_at"),
            ),
            doc="Pull requests, merged or not.",
            id_column="id",
        ),
        DatasetSpec(
            "commits",
            (
                _c("sha", STR, True),
                _c("authored_at", TIMESTAMP, True),
                _c("pr_id", STR),
                _c("author", STR),
                _c("message", TEXT),
            ),
            key=("sha",),
            doc="Commits; their messages' trailers mark AI assistance on the PR they belong to.",
            id_column="sha",
        ),
        DatasetSpec(
            "deployments",
            (
                _c("id", STR, True),
                _c("service", STR, True),
                _c("finished_at", TIMESTAMP, True),
                _c("environment", STR),
                _c("status", STR),
                _c("pr_ids", LIST),
                _c("sha", STR),
                _c("unplanned", BOOL),
                _c("rolled_back", BOOL),
            ),
            key=("id",),
            doc="Deployments of services; only successful production ones count.",
            id_column="id",
        ),
        DatasetSpec(
            "incidents",
            (
                _c("id", STR, True),
                _c("opened_at", TIMESTAMP, True),
                _c("service", STR),
                _c("resolved_at", TIMESTAMP),
                _c("severity", STR),
                _c("deployment_id", STR),
                _c("acknowledged_at", TIMESTAMP),
            ),
            key=("id",),
            orders=(Order("opened_at", "resolved_at", "resolved_at is before opened_at"),),
            doc="Production incidents.",
            id_column="id",
        ),
        DatasetSpec(
            "ai_usage",
            (
                _c("date", DATE, True),
                _c("person", STR, True),
                _c("tool", STR, True),
                _c("feature", STR),
                _c("interactions", INT, non_negative=True),
                _c("lines_suggested", INT, non_negative=True),
                _c("lines_accepted", INT, non_negative=True),
                _c("tokens", INT, non_negative=True),
            ),
            key=("date", "person", "tool", "feature"),
            doc="Daily AI tool activity per person, tool and feature.",
        ),
        DatasetSpec(
            "ai_costs",
            (
                _c("date", DATE, True),
                _c("tool", STR, True),
                _c("amount", FLOAT, True),
                _c("currency", STR),
                _c("category", STR),
                _c("tokens", INT, non_negative=True),
                _c("team", STR),
            ),
            doc="AI spend lines (usage, tokens); seat licences live in seats.",
        ),
        DatasetSpec(
            "seats",
            (
                _c("tool", STR, True),
                _c("person", STR, True),
                _c("assigned_at", TIMESTAMP),
                _c("last_activity_at", TIMESTAMP),
                _c("monthly_price", FLOAT, non_negative=True),
            ),
            key=("tool", "person"),
            doc="AI tool seats; a seat costs its monthly_price from assigned_at on.",
        ),
        DatasetSpec(
            "work_items",
            (
                _c("id", STR, True),
                _c("type", STR, True),
                _c("created_at", TIMESTAMP, True),
                _c("team", STR),
                _c("initiative", STR),
                _c("strategic", BOOL),
                _c("started_at", TIMESTAMP),
                _c("done_at", TIMESTAMP),
                _c("status", STR),
                _c("ai_assisted", BOOL),
                _c("escaped_defect", BOOL),
            ),
            key=("id",),
            orders=(
                Order("created_at", "done_at", "done_at is before created_at"),
                Order("created_at", "started_at", "started_at is before created_at"),
            ),
            doc="Work items (stories, bugs, epics) with their initiative.",
            id_column="id",
        ),
        DatasetSpec(
            "support_tickets",
            (
                _c("id", STR, True),
                _c("opened_at", TIMESTAMP, True),
                _c("resolved_at", TIMESTAMP),
                _c("category", STR),
                _c("defect", BOOL),
                _c("service", STR),
            ),
            key=("id",),
            orders=(Order("opened_at", "resolved_at", "resolved_at is before opened_at"),),
            doc="Customer support tickets.",
            id_column="id",
        ),
        DatasetSpec(
            "releases",
            (
                _c("date", DATE, True),
                _c("team", STR, True),
                _c("title", TEXT, True),
                _c("summary", TEXT),
                _c("customer", STR),
                _c("contract_value", FLOAT, non_negative=True),
                _c("currency", STR),
                _c("initiative", STR),
                _c("ai_tokens", INT, non_negative=True),
            ),
            doc="Releases worth a Success Stream story.",
        ),
        DatasetSpec(
            "surveys",
            (
                _c("date", DATE, True),
                _c("team", STR, True),
                _c("responses", INT, non_negative=True),
                _c("enps", FLOAT),
                _c("ai_trust", FLOAT),
                _c("burnout", FLOAT),
                _c("time_saved_hours_per_week", FLOAT, non_negative=True),
            ),
            doc="Team pulse surveys, aggregated per team (never per person).",
        ),
        DatasetSpec(
            "security_findings",
            (
                _c("date", DATE, True),
                _c("severity", STR, True),
                _c("service", STR),
                _c("ai_touched", BOOL),
            ),
            doc="Security findings.",
        ),
        DatasetSpec(
            "code_quality",
            (
                _c("pr_id", STR, True),
                _c("repo", STR, True),
                _c("merged_at", TIMESTAMP, True),
                _c("source", STR),
                _c("lines_added", INT, non_negative=True),
                _c("lines_removed", INT, non_negative=True),
                _c("complexity_added", INT),
                _c("functions_over_threshold_added", INT, non_negative=True),
                _c("complexity_threshold", INT, non_negative=True),
                _c("duplicated_lines_added", INT, non_negative=True),
                _c("issues_blocker", INT, non_negative=True),
                _c("issues_critical", INT, non_negative=True),
                _c("issues_major", INT, non_negative=True),
                _c("issues_minor", INT, non_negative=True),
                _c("issues_info", INT, non_negative=True),
                _c("security_hotspots_added", INT, non_negative=True),
                _c("test_lines_touched", INT, non_negative=True),
            ),
            key=("pr_id",),
            doc="Code quality each merged PR brought (git --quality analyser, SonarQube); team and AI flag "
                "come from the PR (pull_requests.id = pr_id). Empty cells are not measured, never 0.",
            id_column="pr_id",
        ),
    )
}

FILE_EXTENSIONS = (".csv", ".json", ".ndjson", ".jsonl", ".parquet")


# The dated columns that say how far a dataset reaches (the loader's window survey and
# metrics/coverage.py read this one definition).
DATED_COLUMNS: dict[str, tuple[str, ...]] = {
    "pull_requests": ("created_at", "merged_at"),
    "commits": ("authored_at",),
    "deployments": ("finished_at",),
    "incidents": ("opened_at", "resolved_at"),
    "ai_usage": ("date",),
    "ai_costs": ("date",),
    "seats": ("assigned_at", "last_activity_at"),
    "work_items": ("created_at", "done_at"),
    "support_tickets": ("opened_at", "resolved_at"),
    "releases": ("date",),
    "surveys": ("date",),
    "security_findings": ("date",),
    "code_quality": ("merged_at",),
}
