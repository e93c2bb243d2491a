"""Linear issues -> ``work_items``, from the workspace CSV export or GraphQL ``issues`` pages.

* **CSV** (Settings > Import / Export > Export CSV): columns ``ID`` (older exports ``Id``),
  ``Team``, ``Title``, ``Status``, ``Project``, ``Labels`` (joined by ``", "``), ``Created``,
  ``Started``, ``Completed``, ``Canceled``, ``Archived``, ``Parent issue``, ``Initiatives``...,
  as Linear's own CSV importer (``@linear/import``, ``LinearCsvImporter``) reads them. Times come
  as ISO 8601 or as JavaScript dates (``Wed May 13 2026 11:21:41 GMT+0000 (GMT+00:00)``).
* **GraphQL** (``POST https://api.linear.app/graphql``): ``{"data": {"issues": {"nodes": [...],
  "pageInfo": {...}}}}`` with nodes holding ``identifier``, ``createdAt``, ``startedAt``,
  ``completedAt``, ``canceledAt``, ``state {name type}``, ``team {key name}``, ``project {name}``,
  ``labels {nodes {name}}``, ``parent {identifier}``; one page per file or pages back to back.

Mapping: id = the identifier (``ENG-123``); type = ``bug`` when a label is ``Bug``, else
``issue`` (Linear has no issue types); status = ``canceled`` / ``done`` / ``in_progress`` / ``todo``
from the state type (GraphQL) or from which of Canceled, Completed, Started is set (CSV);
done_at = Completed (a canceled issue is not done); started_at = Started; team = ``--team``, else
Linear's team name through ``team_map``; initiative = ``fields.initiative`` (a CSV column or a
GraphQL path such as ``project.name``), default the project. Flags by the rules of
``options.FlagRule`` (labels; ``field`` = a column or a path). Archived issues are kept: Linear
archives closed issues automatically, and their history is still work done. Sub-issues take
their parent's initiative and team when they have none (``work_items.emit``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

from .base import ImportContext, ImportFormatError, ImportResult, _read_text, dict_of, parse_time, read_csv_dicts
from .github import load_json_records
from .options import FLAGS, field_text, flag_rule
from .work_items import Item, check_order, emit, flag_notes, plural

SOURCE = "linear"
_JS_DATE = re.compile(r"^[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT([+-]\d{4})")
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                       "Nov", "Dec"), start=1)}
_STATE_TYPES = {"triage": "todo", "backlog": "todo", "unstarted": "todo", "started": "in_progress",
                "completed": "done", "canceled": "canceled"}
_CSV_DEFAULT_INITIATIVE = "Project"
_GQL_DEFAULT_INITIATIVE = "project.name"


def linear_time(value: Any) -> dt.datetime | None:
    """A Linear CSV time: ISO 8601, or JavaScript's ``Date.toString()`` with its GMT offset."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    m = _JS_DATE.match(text)
    if m is None:
        return parse_time(text)
    month = _MONTHS.get(m.group(1))
    if month is None:
        raise ValueError(f"not a date: {text[:40]!r}")
    sign = 1 if m.group(7)[0] == "+" else -1
    offset = dt.timedelta(hours=int(m.group(7)[1:3]), minutes=int(m.group(7)[3:5])) * sign
    local = dt.datetime(int(m.group(3)), month, int(m.group(2)), int(m.group(4)), int(m.group(5)), int(m.group(6)),
                        tzinfo=dt.timezone(offset))
    return local.astimezone(dt.timezone.utc)


def import_linear(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """``work_items`` rows from Linear CSV exports or GraphQL pages (module doc)."""
    result = ImportResult()
    state = _State(ctx.options)
    for path in paths:
        path = Path(path)
        text = _read_text(path).lstrip()
        if text.startswith(("{", "[")):
            _graphql(path, state, result)
        else:
            _csv(path, state, result)
    inherited = emit(state.items, result, ctx.options.get("team"))
    state.notes(result, inherited)
    return result


class _State:
    def __init__(self, opts: dict) -> None:
        self.opts = opts
        self.fields = dict(opts.get("fields") or {})
        self.rules = {flag: flag_rule(opts, flag) for flag in FLAGS}
        self.team_map: dict[str, str] = dict(opts.get("team_map") or {})
        self.items: dict[str, Item] = {}
        self.flags: Counter = Counter()
        self.duplicates = 0
        self.seen_fields: Counter = Counter()
        self.canceled = 0

    def add(self, result: ImportResult, item: Item, labels: list[str] | None, look) -> None:
        """Flags, then keep the item (the same id again: the later export wins, counted)."""
        for flag, rule in self.rules.items():
            decided = rule.decide(labels, item.type, look)
            setattr(item, flag, decided)
        reason = check_order(item)
        if reason:
            result.issue(item.file, item.record, reason, item.id)
            return
        if item.id in self.items:
            self.duplicates += 1
        self.items[item.id] = item
        self.canceled += item.status == "canceled"

    def team(self, raw: str | None) -> str | None:
        return self.team_map.get(raw, raw) if raw else None

    def notes(self, result: ImportResult, inherited: Counter) -> None:
        for item in self.items.values():
            for flag in FLAGS:
                self.flags[flag] += getattr(item, flag) is True
        if self.duplicates:
            result.notes.append(f"{plural(self.duplicates, 'issue')} listed more than once; the last copy "
                                "read is kept")
        if self.canceled:
            result.notes.append(f"{plural(self.canceled, 'canceled issue')}: status canceled, no done_at, "
                                "not counted as work done")
        for purpose, name in sorted(self.fields.items()):
            if self.items and not self.seen_fields.get(name):
                result.notes.append(f"the configured field {name!r} ({purpose}) is in none of the "
                                    f"{len(self.items)} issues")
        if inherited:
            parts = ", ".join(f"{what} {n}" for what, n in sorted(inherited.items()))
            result.notes.append(f"values taken from the parent issue in the export: {parts}")
        flag_notes(result, self.flags, len(self.items), self.rules)


def _kind(labels: list[str] | None) -> str:
    return "bug" if labels and any(x.casefold() == "bug" for x in labels) else "issue"


# ---------------------------------------------------------------------------
# CSV


def _csv(path: Path, state: _State, result: ImportResult) -> None:
    header, rows = read_csv_dicts(path)
    name = path.name
    id_col = "ID" if "ID" in header else ("Id" if "Id" in header else None)
    missing = [c for c in ("Title", "Status", "Created") if c not in header]
    if id_col is None or missing:
        lacking = ", ".join((["ID"] if id_col is None else []) + missing)
        raise ImportFormatError(f"{name}: not a Linear CSV export: no {lacking} column (expected ID, Team, Title, "
                                "Status, ..., Created, Started, Completed, Canceled)")
    initiative_col = state.fields.get("initiative", _CSV_DEFAULT_INITIATIVE)
    for line, row in rows:
        ident = (row.get(id_col) or "").strip()
        if not ident:
            result.issue(name, line, "no ID")
            continue
        try:
            times = {col: linear_time(row.get(col)) for col in ("Created", "Started", "Completed", "Canceled")}
        except ValueError as exc:
            bad = next(c for c in ("Created", "Started", "Completed", "Canceled") if _bad_time(row.get(c)))
            result.issue(name, line, f'column "{bad}": {exc}', ident)
            continue
        if times["Created"] is None:
            result.issue(name, line, "no Created time", ident)
            continue
        labels = [x.strip() for x in (row.get("Labels") or "").split(",") if x.strip()] if "Labels" in header else None
        if times["Canceled"]:
            status = "canceled"
        elif times["Completed"]:
            status = "done"
        elif times["Started"]:
            status = "in_progress"
        else:
            status = "todo"
        item = Item(ident, _kind(labels), times["Created"], name, line, status=status, started_at=times["Started"],
                    done_at=times["Completed"] if status == "done" else None,
                    team=state.team((row.get("Team") or "").strip() or None))

        def look(column: str, row=row) -> tuple[bool, Any]:
            if column in header:
                state.seen_fields[column] += 1
                return True, row.get(column)
            return False, None

        present, value = look(initiative_col)
        item.initiative = field_text(value) if present else None
        if "team" in state.fields:
            present, value = look(state.fields["team"])
            item.team = state.team(field_text(value)) if present and field_text(value) else item.team
        parent = (row.get("Parent issue") or "").strip()
        item.parent = parent or None
        state.add(result, item, labels, look)


def _bad_time(value: Any) -> bool:
    try:
        linear_time(value)
        return False
    except ValueError:
        return True


# ---------------------------------------------------------------------------
# GraphQL


def _path(node: Any, path: str) -> tuple[bool, Any]:
    """``project.name`` inside a node; a connection's ``nodes`` list is walked element-wise."""
    current = node
    for part in path.split("."):
        if isinstance(current, dict) and isinstance(current.get("nodes"), list) and part not in current:
            current = current["nodes"]
        if isinstance(current, list):
            current = [c.get(part) for c in current if isinstance(c, dict)]
            continue
        if not isinstance(current, dict) or part not in current:
            return False, None
        current = current[part]
    return True, current


def _graphql(path: Path, state: _State, result: ImportResult) -> None:
    name = path.name
    number = 0
    found = False
    for page in load_json_records(path):
        if isinstance(page, dict) and page.get("errors") and not page.get("data"):
            messages = "; ".join(str(e.get("message") if isinstance(e, dict) else e) for e in page["errors"])
            raise ImportFormatError(f"{name}: Linear answered with errors, not issues: {messages[:200]}")
        data = page.get("data", page) if isinstance(page, dict) else None
        issues = data.get("issues") if isinstance(data, dict) else None
        nodes = issues.get("nodes") if isinstance(issues, dict) else None
        if not isinstance(nodes, list):
            number += 1
            result.issue(name, number, "not a Linear issues page ({data: {issues: {nodes: [...]}}})")
            continue
        found = True
        for node in nodes:
            number += 1
            _node(name, number, node, state, result)
    if not found:
        raise ImportFormatError(f"{name}: not a Linear GraphQL issues export: expected "
                                "{\"data\": {\"issues\": {\"nodes\": [...]}}}")


def _node(name: str, number: int, node: Any, state: _State, result: ImportResult) -> None:
    if not isinstance(node, dict):
        result.issue(name, number, "issue node is not an object")
        return
    ident = str(node.get("identifier") or "").strip()
    if not ident:
        result.issue(name, number, "issue node without identifier (request identifier)", node.get("id"))
        return
    times = {}
    for key in ("createdAt", "startedAt", "completedAt", "canceledAt"):
        try:
            times[key] = parse_time(node.get(key))
        except ValueError as exc:
            result.issue(name, number, f"{key}: {exc}", ident)
            return
    if times["createdAt"] is None:
        result.issue(name, number, "no createdAt", ident)
        return
    labels_conn = node.get("labels")
    labels = None
    if isinstance(labels_conn, dict) and isinstance(labels_conn.get("nodes"), list):
        labels = [str(x.get("name")) for x in labels_conn["nodes"] if isinstance(x, dict) and x.get("name")]
    state_type = node.get("state", {}).get("type") if isinstance(node.get("state"), dict) else None
    status = _STATE_TYPES.get(str(state_type)) if state_type else None
    if status is None:
        status = ("canceled" if times["canceledAt"] else "done" if times["completedAt"] else
                  "in_progress" if times["startedAt"] else "todo")
    team = dict_of(node.get("team"))
    item = Item(ident, _kind(labels), times["createdAt"], name, number, status=status, started_at=times["startedAt"],
                done_at=times["completedAt"] if status == "done" else None,
                team=state.team(str(team.get("name") or team.get("key") or "").strip() or None))

    def look(path: str) -> tuple[bool, Any]:
        present, value = _path(node, path)
        if present:
            state.seen_fields[path] += 1
        return present, value

    present, value = look(state.fields.get("initiative", _GQL_DEFAULT_INITIATIVE))
    item.initiative = field_text(value) if present else None
    if "team" in state.fields:
        present, value = look(state.fields["team"])
        item.team = state.team(field_text(value)) if present and field_text(value) else item.team
    parent = node.get("parent")
    if isinstance(parent, dict) and parent.get("identifier"):
        item.parent = str(parent["identifier"])
    state.add(result, item, labels, look)
