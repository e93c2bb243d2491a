"""What the Jira and Linear importers share: one work item as read, and its emission with inheritance.

A tracker spreads an item's context over its ancestors: the initiative, the team and the strategic
flag usually sit on the epic (Jira) or the parent issue (Linear), not on each story or sub-task.
So an item without its own value takes its nearest ancestor's, when that ancestor is in the same
import; ``strategic`` passes down only as true (a strategic epic makes its stories strategic; a
non-strategic parent says nothing about a child labelled strategic).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from .base import ImportResult, iso_utc


@dataclass
class Item:
    """One work item, its own values only (inheritance happens in ``emit``)."""

    id: str
    type: str
    created_at: dt.datetime
    file: str
    record: int
    status: str | None = None
    started_at: dt.datetime | None = None
    done_at: dt.datetime | None = None
    team: str | None = None
    initiative: str | None = None
    strategic: bool | None = None
    ai_assisted: bool | None = None
    escaped_defect: bool | None = None
    parent: str | None = None  # the parent's id (epic, parent issue)
    parent_initiative: str | None = None  # what the parent's own record says, when it is not imported
    extra: dict = field(default_factory=dict)


def emit(items: dict[str, Item], result: ImportResult, fixed_team: str | None = None) -> Counter:
    """Add a ``work_items`` row per item (ids in order); returns how many values were inherited."""
    inherited: Counter = Counter()

    def ancestors(item: Item):
        seen = {item.id}
        parent = items.get(item.parent) if item.parent else None
        while parent is not None and parent.id not in seen:
            seen.add(parent.id)
            yield parent
            parent = items.get(parent.parent) if parent.parent else None

    for item in items.values():
        initiative, team, strategic = item.initiative, item.team, item.strategic
        chain = list(ancestors(item))
        if initiative is None:
            initiative = next((a.initiative for a in chain if a.initiative), None)
            if initiative is None:
                # the outermost parent the import lacks may still name its initiative
                initiative = item.parent_initiative if not chain else chain[-1].parent_initiative
            inherited["initiative"] += initiative is not None
        if team is None and fixed_team is None:
            team = next((a.team for a in chain if a.team), None)
            inherited["team"] += team is not None
        if strategic is not True and any(a.strategic for a in chain):
            strategic = True
            inherited["strategic"] += 1
        result.add("work_items", {
            "id": item.id, "type": item.type, "created_at": iso_utc(item.created_at),
            "team": fixed_team or team, "initiative": initiative, "strategic": strategic,
            "started_at": item.started_at and iso_utc(item.started_at),
            "done_at": item.done_at and iso_utc(item.done_at), "status": item.status,
            "ai_assisted": item.ai_assisted, "escaped_defect": item.escaped_defect,
        })
    return inherited


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 issue``, ``2 issues``: notes read as sentences."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def check_order(item: Item) -> str | None:
    """The reason an item cannot be used (the loader's order rules), or None."""
    if item.done_at is not None and item.done_at < item.created_at:
        return "done time is before the creation time"
    if item.started_at is not None and item.started_at < item.created_at:
        return "start time is before the creation time"
    return None


def flag_notes(result: ImportResult, flags_seen: Counter, total: int, rules: dict) -> None:
    """How many items each flag rule marked, so a rule that never fires is visible."""
    if not total:
        return
    parts = []
    for flag, rule in rules.items():
        what = []
        if rule.labels:
            what.append("labels " + "/".join(rule.labels))
        if rule.types:
            what.append("types " + "/".join(rule.types))
        if rule.field:
            what.append(f"field {rule.field}" + (f" in {'/'.join(rule.values)}" if rule.values else ""))
        parts.append(f"{flag} {flags_seen.get(flag, 0)} ({' or '.join(what) or 'no rule'})")
    result.notes.append(f"of {total} work items, the configured rules mark " + ", ".join(parts)
                        + "; an item without the labels or field in the export is left empty, not false")
