"""PagerDuty incidents: the REST API's JSON, the Analytics API's raw incidents, or a CSV export.

Why an importer: recovery time needs each incident's open and resolve times, and PagerDuty
spreads them over differently shaped exports. Every file is read by content, never its name:

* REST v2 ``GET /incidents`` pages, ``{"incidents": [...], "limit", "offset", "more"}``, one page or
  several back to back (``gh api --paginate`` style, or a ``curl`` loop appending pages), a JSON
  array of pages, a bare array of incidents, or ``GET /incidents/ID``'s ``{"incident": {...}}``.
  Reference: PagerDuty's OpenAPI description (github.com/PagerDuty/api-schema,
  reference/REST/openapiv3.json, ``/incidents`` and ``components.schemas.Incident``).
* Analytics ``POST /analytics/raw/incidents`` pages, ``{"data": [...], "more", "last"}``, whose flat
  records (``created_at``, ``resolved_at``, ``seconds_to_first_ack``, ``service_name``,
  ``priority_name``, ``urgency``...; ``components.schemas.AnalyticsRawIncident``) are also the
  columns of PagerDuty's incident CSV downloads. The API renders times without an offset in the
  request's ``time_zone``, UTC by default: they are read as UTC.
* CSV with those columns, spelt in any case and with spaces or underscores (``created_at``,
  ``Created On``, ``Resolved On``, ``Incident Number``, ``Service Name``...). Times without an offset
  are read in reporter.yaml's ``timezone`` (the web app shows local times).

Rows (``incidents``): id = PagerDuty's incident id (``PT4KHLK``; the incident number when a CSV has
no id column); opened_at = created_at; resolved_at = resolved_at, else, for a resolved incident,
``last_status_change_at`` (the REST list's older pages lack resolved_at), else created_at +
``seconds_to_resolve``; acknowledged_at = the earliest acknowledgement (REST keeps them only while
an incident is acknowledged) or created_at + ``seconds_to_first_ack``; service = the service of
reporter.yaml whose name or ``aliases`` match PagerDuty's service name or id, else PagerDuty's
name as is (counted in a note); severity = ``sevN`` from priority ``PN`` / ``SEV-N``, else the
urgency (high/low). All times are written in UTC. An incident listed twice (overlapping pages)
is one row, the one updated last.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .base import ImportContext, ImportFormatError, ImportResult, _read_text, iso_utc, read_csv_dicts, short
from .github import load_json_records
from .oncall import ServiceNames, plural, severity, time_in

SOURCE = "pagerduty"

# canonical field -> CSV header spellings, compared lowercased without spaces, underscores or dashes
_CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "incidentid"),
    "incident_number": ("incidentnumber", "number"),
    "created_at": ("createdat", "createdon", "created", "triggeredat", "openedat"),
    "resolved_at": ("resolvedat", "resolvedon", "resolved"),
    "acknowledged_at": ("acknowledgedat", "acknowledgedon", "firstacknowledgedat"),
    "seconds_to_first_ack": ("secondstofirstack",),
    "seconds_to_resolve": ("secondstoresolve",),
    "status": ("status", "currentstatus"),
    "service_name": ("servicename", "service"),
    "service_id": ("serviceid",),
    "priority_name": ("priorityname", "priority"),
    "urgency": ("urgency",),
    "updated_at": ("updatedat", "updatedon", "lastupdated"),
}


@dataclass
class _Incident:
    file: str
    line: int
    updated: dt.datetime | None
    row: dict[str, Any]
    flags: list[str]  # what the notes count, for the incidents kept after duplicates are dropped
    service: tuple[str | None, str | None]  # PagerDuty's service (name, id), mapped when kept


def import_pagerduty(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """``incidents`` rows from PagerDuty exports (module doc)."""
    result = ImportResult()
    services = ServiceNames(ctx.config)
    stats: Counter = Counter()
    found: dict[str, _Incident] = {}
    zone = ctx.config.tz if ctx.config is not None else None
    for path in paths:
        path = Path(path)
        text = _read_text(path)
        if text.lstrip()[:1] in ("[", "{"):
            records = _json_incidents(path, result, stats)
            csv_zone = None
        else:
            records = _csv_incidents(path)
            csv_zone = zone
        for line, record in records:
            incident = _incident(path.name, line, record, csv_zone, result)
            if incident is None:
                continue
            key = incident.row["id"]
            old = found.get(key)
            if old is not None:
                stats["duplicates"] += 1
                if old.updated is not None and (incident.updated is None or incident.updated < old.updated):
                    continue
            found[key] = incident
    for incident in found.values():
        stats.update(incident.flags)
        result.add("incidents", {**incident.row, "service": services.resolve(*incident.service)})
    _notes(result, stats, services)
    return result


# ---------------------------------------------------------------------------
# Reading


def _json_incidents(path: Path, result: ImportResult, stats: Counter) -> list[tuple[int, Any]]:
    """(record number, incident object) from every page of a JSON file."""
    name = path.name
    pages = load_json_records(path)
    out: list[Any] = []  # records as found: one that is not an object becomes an issue
    more = None
    recognised = False
    for page in pages:
        if isinstance(page, dict) and isinstance(page.get("incidents"), list):
            out.extend(page["incidents"])
            more, recognised = page.get("more"), True
        elif isinstance(page, dict) and isinstance(page.get("data"), list):
            out.extend(page["data"])
            more, recognised = page.get("more"), True
        elif isinstance(page, dict) and isinstance(page.get("incident"), dict):
            out.append(page["incident"])
            recognised = True
        else:
            out.append(page)
            recognised = recognised or _looks_like_incident(page)
    if pages and not recognised:
        raise ImportFormatError(
            f"{name}: not a PagerDuty incidents export: expected GET /incidents pages ({{\"incidents\": [...]}}), "
            "Analytics raw incidents ({\"data\": [...]}) or incident objects (id, created_at...)")
    if more is True:
        stats[f"more:{name}"] += 1
    return list(enumerate(out, start=1))


def _looks_like_incident(obj: Any) -> bool:
    return isinstance(obj, dict) and "created_at" in obj and ("id" in obj or "incident_number" in obj)


def _key(header: str) -> str:
    return re.sub(r"[\s_\-#]+", "", header.strip().lower())


def _csv_incidents(path: Path) -> list[tuple[int, dict]]:
    """(CSV line, incident fields by canonical name) from a CSV export."""
    header, rows = read_csv_dicts(path)
    by_key: dict[str, str] = {}
    for column in header:
        by_key.setdefault(_key(column), column)
    columns: dict[str, str] = {}
    for field_name, spellings in _CSV_COLUMNS.items():
        spelt = next((by_key[s] for s in spellings if s in by_key), None)
        if spelt is not None:
            columns[field_name] = spelt
    missing = [f for f in ("created_at",) if f not in columns]
    if "id" not in columns and "incident_number" not in columns:
        missing.insert(0, "id (or incident_number)")
    if missing:
        raise ImportFormatError(
            f"{path.name}: not a PagerDuty incidents CSV: no {' and no '.join(missing)} column "
            f"(columns found: {', '.join(header)})")
    return [(line, {f: row.get(c, "").strip() or None for f, c in columns.items()}) for line, row in rows]


# ---------------------------------------------------------------------------
# One incident


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _ref(value: Any, *keys: str) -> str | None:
    """A reference object's first present key (``service.summary``), or a plain value."""
    if isinstance(value, dict):
        return next((_text(value.get(k)) for k in keys if _text(value.get(k))), None)
    return _text(value)


def _seconds(value: Any, what: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{what} is not a number of seconds: {short(value)}") from None
    if seconds < 0 or seconds != seconds:
        raise ValueError(f"{what} is negative: {short(value)}")
    if seconds > _MAX_SECONDS:  # added to created_at it would leave the calendar (or overflow)
        raise ValueError(f"{what} is out of range: {short(value)} seconds is more than 100 years")
    return seconds


_MAX_SECONDS = 100 * 366 * 86_400


def _incident(file: str, line: int, rec: Any, zone, result: ImportResult) -> _Incident | None:
    if not isinstance(rec, dict):
        result.issue(file, line, f"not an incident object (got {type(rec).__name__})")
        return None
    inc_id = _text(rec.get("id")) or _text(rec.get("incident_number"))
    if inc_id is None:
        result.issue(file, line, "no id or incident_number")
        return None
    times: dict[str, dt.datetime | None] = {}
    for key in ("created_at", "resolved_at", "last_status_change_at", "updated_at", "acknowledged_at"):
        try:
            times[key] = time_in(rec.get(key), zone) if isinstance(rec.get(key), str) else None
        except ValueError as exc:
            result.issue(file, line, f"{key}: {exc}", inc_id)
            return None
    created = times["created_at"]
    if created is None:
        result.issue(file, line, "no created_at", inc_id)
        return None
    status = (_text(rec.get("status")) or "").lower()
    flags: list[str] = []
    try:
        to_resolve = _seconds(rec.get("seconds_to_resolve"), "seconds_to_resolve")
        to_ack = _seconds(rec.get("seconds_to_first_ack"), "seconds_to_first_ack")
    except ValueError as exc:
        result.issue(file, line, str(exc), inc_id)
        return None
    resolved = times["resolved_at"]
    if status and status != "resolved":
        resolved = None  # triggered or acknowledged: not resolved yet, whatever else the record says
        flags.append("open")
    elif resolved is None and status == "resolved" and times["last_status_change_at"] is not None:
        resolved = times["last_status_change_at"]
        flags.append("resolved_from_status_change")
    elif resolved is None and to_resolve is not None and status in ("", "resolved"):
        resolved = created + dt.timedelta(seconds=to_resolve)
    elif resolved is None and status == "resolved":
        flags.append("resolved_without_time")
    if resolved is not None and resolved < created:
        result.issue(file, line, f"resolved_at ({iso_utc(resolved)}) is before created_at ({iso_utc(created)})", inc_id)
        return None

    acked = times["acknowledged_at"]
    acks = rec.get("acknowledgements")
    if acked is None and isinstance(acks, list):
        at = [time_in(a.get("at")) for a in acks if isinstance(a, dict) and isinstance(a.get("at"), str)]
        acked = min((a for a in at if a is not None), default=None)
    if acked is None and to_ack is not None:
        acked = created + dt.timedelta(seconds=to_ack)
    if acked is not None and acked < created:
        flags.append("ack_before_created")
        acked = None
    if acked is None and isinstance(rec.get("service"), dict) and status == "resolved":
        flags.append("ack_unknown_rest")

    service = (_ref(rec.get("service"), "summary", "name") or _text(rec.get("service_name")),
               _ref(rec.get("service"), "id") or _text(rec.get("service_id")))
    level, how = severity(_ref(rec.get("priority"), "summary", "name") or _text(rec.get("priority_name")),
                          rec.get("urgency"))
    flags.append(f"severity:{how}")
    row = {"id": inc_id, "opened_at": iso_utc(created), "resolved_at": resolved and iso_utc(resolved),
           "acknowledged_at": acked and iso_utc(acked), "severity": level}
    return _Incident(file, line, times["updated_at"] or times["last_status_change_at"], row, flags, service)


def _notes(result: ImportResult, stats: Counter, services: ServiceNames) -> None:
    for key in sorted(k for k in stats if k.startswith("more:")):
        result.notes.append(f"{key[5:]}: its last page says more: true, so PagerDuty holds incidents after it "
                            "(fetch the next offset or cursor and import that page too)")
    if stats["duplicates"]:
        result.notes.append(f"{plural(stats['duplicates'], 'incident')} listed more than once (overlapping pages): "
                            "each is kept once, as last updated")
    if stats["open"]:
        result.notes.append(f"{plural(stats['open'], 'incident')} not resolved yet (triggered or acknowledged): "
                            "no resolved_at, so they count as incidents but not for recovery time")
    if stats["resolved_from_status_change"]:
        result.notes.append(f"{plural(stats['resolved_from_status_change'], 'resolved incident')} without "
                            "resolved_at: resolved_at is their last_status_change_at (the change to resolved)")
    if stats["resolved_without_time"]:
        result.notes.append(f"{plural(stats['resolved_without_time'], 'resolved incident')} without any resolve "
                            "time: no resolved_at, so no recovery time")
    if stats["ack_before_created"]:
        result.notes.append(f"{plural(stats['ack_before_created'], 'incident')} acknowledged before created: "
                            "acknowledged_at left empty")
    if stats["ack_unknown_rest"]:
        result.notes.append(f"{plural(stats['ack_unknown_rest'], 'resolved incident')} from the REST list have no "
                            "acknowledgement time (the list keeps acknowledgements only while an incident is "
                            "acknowledged; the Analytics raw incidents export has seconds_to_first_ack)")
    if stats["severity:urgency"]:
        result.notes.append(f"{plural(stats['severity:urgency'], 'incident')} without a priority: severity is "
                            "their urgency (high or low)")
    if stats["severity:other priority"]:
        result.notes.append(f"{plural(stats['severity:other priority'], 'incident')} with a priority that is not "
                            "P1-P5 or SEV-1..: severity is the priority's name, lowercased")
    note = services.note("PagerDuty", "kept under PagerDuty's name")
    if note:
        result.notes.append(note)
