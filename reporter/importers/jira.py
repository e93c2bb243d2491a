"""Jira Cloud issues -> ``work_items``, from the JSON of the REST issue search.

Reads what ``GET/POST /rest/api/3/search/jql`` (``{issues, nextPageToken, isLast}``) and the older
``/rest/api/3/search`` (``{startAt, maxResults, total, issues}``) print, with ``fields=`` naming
at least ``issuetype,status,created,resolutiondate,labels,parent`` (plus ``summary`` for epic
names and any custom field the config names); several pages in one file (back to back, or in an
array) or in several files; a single ``/rest/api/3/issue/KEY`` object too. The format follows
Atlassian's reference for the issue search and the issue bean (fields, ``statusCategory.key``
``new``/``indeterminate``/``done``, ``names`` with ``expand=names``).

Mapping, per issue (``key`` is the id):

* ``type`` = ``issuetype.name`` lowercased (``Story`` -> ``story``);
* ``status`` = the status category: ``new`` -> ``todo``, ``indeterminate`` -> ``in_progress``,
  ``done`` -> ``done``; a done issue resolved as not done (``Won't Do``, ``Duplicate``...) is
  ``canceled`` and has no ``done_at``;
* ``done_at`` = ``resolutiondate`` (else ``statuscategorychangedate``) of a done issue;
* ``started_at`` = with ``expand=changelog``, the first move into a status the export shows in the
  ``indeterminate`` category; else, for an issue in progress now, ``statuscategorychangedate``;
  else empty (Jira keeps no start time of its own);
* ``initiative`` = the configured field (``fields.initiative``), else the epic: the summary (else
  key) of the nearest ancestor that is an epic, found through ``parent`` or the epic link field
  (``fields.epic_link``, or the field ``expand=names`` calls "Epic Link"); an epic is its own;
* ``team`` = ``--team``, else ``fields.team`` (an Atlassian team or select field), else
  ``team_map`` of the project key; ``team_map`` also renames field values;
* ``strategic``, ``escaped_defect``, ``ai_assisted`` by the flag rules (``options.FlagRule``):
  labels, issue types, one field. Defaults: labels ``strategic``; ``escaped-defect`` /
  ``production-bug``; ``ai-assisted``. ``fields.strategic`` (etc.) is a field whose non-empty,
  non-false value sets the flag.

Config field names may be ids (``customfield_10011``) or, with ``expand=names``, display names.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from .base import ImportContext, ImportFormatError, ImportResult, dict_of, parse_time
from .github import load_json_records
from .options import FLAGS, field_text, flag_rule
from .work_items import Item, check_order, emit, flag_notes, plural

SOURCE = "jira"
_STATUS = {"new": "todo", "indeterminate": "in_progress", "done": "done"}
# Resolutions that close an issue without doing it (Jira Cloud's defaults): not work done.
NOT_DONE_RESOLUTIONS = frozenset({"won't do", "won't fix", "duplicate", "cannot reproduce", "declined",
                                  "canceled", "cancelled", "rejected"})


def import_jira(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """``work_items`` rows from Jira search pages (module doc)."""
    result = ImportResult()
    opts = ctx.options
    issues: dict[str, tuple[str, int, dict]] = {}
    names: dict[str, str] = {}
    duplicates = 0
    for path in paths:
        name = Path(path).name
        number = 0
        found = False
        for record in load_json_records(Path(path)):
            if isinstance(record, dict) and record.get("errorMessages") and "issues" not in record:
                raise ImportFormatError(f"{name}: Jira answered with an error, not issues: "
                                        f"{'; '.join(map(str, record['errorMessages']))[:200]}")
            page = record.get("issues") if isinstance(record, dict) else None
            if isinstance(page, list):
                found = True
                if isinstance(record.get("names"), dict):
                    names.update({str(k): str(v) for k, v in record["names"].items()})
            elif isinstance(record, dict) and "key" in record and "fields" in record:
                found, page = True, [record]
            else:
                number += 1
                result.issue(name, number, "not a Jira search page ({issues: [...]}) or issue object")
                continue
            for issue in page:
                number += 1
                if not isinstance(issue, dict) or not isinstance(issue.get("key"), str) or not issue["key"].strip():
                    result.issue(name, number, "issue without a key")
                    continue
                key = issue["key"].strip()
                if key in issues:
                    duplicates += 1
                    if _updated(issue) <= _updated(issues[key][2]):
                        continue
                issues[key] = (name, number, issue)
        if not found:
            raise ImportFormatError(f"{name}: not a Jira search export: expected the JSON of /rest/api/3/search "
                                    "or /rest/api/3/search/jql ({\"issues\": [...]})")
    with_fields = [k for k, (_, _, i) in issues.items()
                   if isinstance(i.get("fields"), dict) and i["fields"].get("created")]
    if issues and not with_fields:
        raise ImportFormatError(
            "the Jira export holds issue ids without fields: /rest/api/3/search/jql returns ids only unless "
            "fields=issuetype,status,created,resolutiondate,labels,parent,summary,statuscategorychangedate is given")

    reader = _Reader(opts, names)
    for key, (name, number, issue) in issues.items():
        reader.learn(dict_of(issue.get("fields")))
    items: dict[str, Item] = {}
    for key, (name, number, issue) in issues.items():
        try:
            item = reader.item(key, name, number, issue)
        except ValueError as exc:
            result.issue(name, number, str(exc), key)
            continue
        reason = check_order(item)
        if reason:
            result.issue(name, number, reason, key)
            continue
        items[key] = item
    inherited = emit(items, result, opts.get("team"))
    reader.notes(result, items, inherited, duplicates)
    return result


def _updated(issue: dict) -> dt.datetime:
    fields = dict_of(issue.get("fields"))
    try:
        return parse_time(fields.get("updated")) or dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)


def _time(fields: dict, key: str) -> dt.datetime | None:
    try:
        return parse_time(fields.get(key))
    except ValueError as exc:
        raise ValueError(f"{key}: {exc}") from None


def _is_epic(issuetype: Any) -> bool:
    if not isinstance(issuetype, dict):
        return False
    return issuetype.get("hierarchyLevel") == 1 or str(issuetype.get("name") or "").casefold() == "epic"


class _Reader:
    """Turns issue objects into ``Item``s; knows the field names, status categories and rules."""

    def __init__(self, opts: dict, names: dict[str, str]) -> None:
        self.opts = opts
        self.fields_opt: dict[str, str] = dict(opts.get("fields") or {})
        self.by_name = {v.casefold(): k for k, v in names.items()}
        self.rules = {flag: flag_rule(opts, flag) for flag in FLAGS}
        self.team_map: dict[str, str] = dict(opts.get("team_map") or {})
        epic = self.fields_opt.get("epic_link") or self.by_name.get("epic link")
        self.epic_link = self._field_id(epic) if epic else None
        self.status_category: dict[str, str] = {}  # status id or name -> category key
        self.seen_fields: Counter = Counter()
        self.flags: Counter = Counter()
        self.no_category = 0
        self.not_done: Counter = Counter()
        self.reopened = 0
        self.cut_changelogs = 0

    def _field_id(self, name: str) -> str:
        """A field id from an id or, with ``expand=names``, a display name."""
        return name if name.startswith("customfield_") else self.by_name.get(name.casefold(), name)

    def lookup(self, fields: dict, name: str) -> tuple[bool, Any]:
        fid = self._field_id(name)
        if fid in fields:
            self.seen_fields[name] += 1
            return True, fields[fid]
        return False, None

    def learn(self, fields: dict) -> None:
        status = fields.get("status")
        if isinstance(status, dict) and isinstance(status.get("statusCategory"), dict):
            category = status["statusCategory"].get("key")
            for ident in (status.get("id"), status.get("name")):
                if ident is not None:
                    self.status_category[str(ident)] = str(category)

    def item(self, key: str, file: str, number: int, issue: dict) -> Item:
        fields = dict_of(issue.get("fields"))
        issuetype = fields.get("issuetype")
        kind = str(issuetype.get("name") or "").strip() if isinstance(issuetype, dict) else ""
        if not kind:
            raise ValueError("no issuetype.name (request fields=issuetype)")
        created = _time(fields, "created")
        if created is None:
            raise ValueError("no created time (request fields=created)")
        status = dict_of(fields.get("status"))
        category = status.get("statusCategory", {}).get("key") if isinstance(status.get("statusCategory"), dict) \
            else None
        state = _STATUS.get(str(category)) if category else None
        if state is None:
            self.no_category += 1
        resolved = _time(fields, "resolutiondate")
        changed = _time(fields, "statuscategorychangedate")
        done_at = None
        if state == "done":
            resolution = fields.get("resolution")
            label = str(resolution.get("name") or "") if isinstance(resolution, dict) else ""
            if label.casefold() in NOT_DONE_RESOLUTIONS:
                state = "canceled"
                self.not_done[label] += 1
            else:
                done_at = resolved or changed
        elif resolved is not None:
            self.reopened += 1
        started = self._started(issue, state, changed)
        labels = fields.get("labels")
        labels = [str(x) for x in labels] if isinstance(labels, list) else None
        item = Item(key, kind.lower(), created, file, number, status=state, started_at=started, done_at=done_at)

        def look(name: str) -> tuple[bool, Any]:
            return self.lookup(fields, name)

        for flag, rule in self.rules.items():
            decided = rule.decide(labels, kind, look)
            setattr(item, flag, decided)
            self.flags[flag] += decided is True
        item.team = self._team(fields, look)
        parent = dict_of(fields.get("parent"))
        if parent.get("key"):
            item.parent = str(parent["key"])
            pfields = dict_of(parent.get("fields"))
            if "initiative" not in self.fields_opt and _is_epic(pfields.get("issuetype")):
                item.parent_initiative = str(pfields.get("summary") or parent["key"])
        elif self.epic_link:
            present, epic = look(self.epic_link)
            if present and field_text(epic):
                item.parent = field_text(epic)
                item.parent_initiative = None if "initiative" in self.fields_opt else item.parent
        if "initiative" in self.fields_opt:
            present, value = look(self.fields_opt["initiative"])
            item.initiative = field_text(value) if present else None
        elif _is_epic(issuetype):
            item.initiative = str(fields.get("summary") or key)
        return item

    def _team(self, fields: dict, look) -> str | None:
        if "team" in self.fields_opt:
            present, value = look(self.fields_opt["team"])
            text = field_text(value) if present else None
            if text:
                return self.team_map.get(text, text)
        project = fields.get("project")
        pkey = project.get("key") if isinstance(project, dict) else None
        return self.team_map.get(str(pkey)) if pkey else None

    def _started(self, issue: dict, state: str | None, changed: dt.datetime | None) -> dt.datetime | None:
        changelog = dict_of(issue.get("changelog"))
        histories = changelog.get("histories")
        if isinstance(histories, list):
            if isinstance(changelog.get("total"), int) and changelog["total"] > len(histories):
                self.cut_changelogs += 1
            moves = []
            for history in histories:
                if not isinstance(history, dict):
                    continue
                for change in history.get("items") or []:
                    if not isinstance(change, dict) or change.get("field") != "status":
                        continue
                    target = self.status_category.get(str(change.get("to"))) or \
                        self.status_category.get(str(change.get("toString")))
                    if target == "indeterminate":
                        try:
                            at = parse_time(history.get("created"))
                        except ValueError as exc:
                            raise ValueError(f"changelog created: {exc}") from None
                        if at is not None:
                            moves.append(at)
            if moves:
                return min(moves)
        return changed if state == "in_progress" else None

    def notes(self, result: ImportResult, items: dict[str, Item], inherited: Counter, duplicates: int) -> None:
        total = len(items)
        if duplicates:
            result.notes.append(f"{plural(duplicates, 'issue')} listed more than once (overlapping pages or "
                                "exports); the copy with the latest 'updated' is kept")
        for purpose, name in sorted(self.fields_opt.items()):
            if total and not self.seen_fields.get(name) and not (purpose == "epic_link"):
                result.notes.append(f"the configured field {name} ({purpose}) is in none of the {total} "
                                    "issues; request it with fields=... (or check its id)")
        if self.not_done:
            parts = ", ".join(f"{n} {r}" for r, n in sorted(self.not_done.items()))
            result.notes.append(f"{plural(sum(self.not_done.values()), 'issue')} closed without being done "
                                f"({parts}): status canceled, no done_at, not counted as work done")
        if self.no_category:
            result.notes.append(f"{plural(self.no_category, 'issue')} without a status category (request "
                                "fields=status): status left empty")
        if self.reopened:
            result.notes.append(f"{plural(self.reopened, 'issue')} with a resolution date but not in a done "
                                "status (reopened): not done")
        if self.cut_changelogs:
            result.notes.append(f"{plural(self.cut_changelogs, 'issue')} with more history than the search "
                                "returned (changelog total > histories): their start time may be later than the real one")
        if inherited:
            parts = ", ".join(f"{what} {n}" for what, n in sorted(inherited.items()))
            result.notes.append(f"values taken from the parent or epic in the export: {parts}")
        no_team = sum(1 for r in result.rows.get("work_items", []) if "team" not in r)
        if no_team:
            result.notes.append(f"{no_team} of {total} work items have no team (set fields.team, team_map "
                                "{PROJECT-KEY: team} or --team); they count for the organisation only")
        flag_notes(result, self.flags, total, self.rules)
