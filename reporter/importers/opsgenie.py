"""Opsgenie alerts and incidents, from the Alert API and Incident API list (or get) JSON.

Why an importer: Opsgenie keeps an alert's acknowledge and close times in its ``report`` as
durations since creation, and neither ``updatedAt`` nor ``lastOccurredAt`` is a resolution time
(a closed alert is still updated by notes, tags or a repeat of its source); reading them as one
would invent recovery times. Every file is read by content:

* Alert API ``GET /v2/alerts`` pages, ``{"data": [...], "paging": {...}, "took", "requestId"}``,
  one or several back to back (a ``curl`` loop following ``paging.next``), a JSON array of pages,
  or ``GET /v2/alerts/ID``'s ``{"data": {...}}``. Reference: Opsgenie's OpenAPI description
  (github.com/opsgenie/opsgenie-python-sdk, opsgenie-oas.json: ListAlertsResponse, BaseAlert,
  AlertReport) and the Alert API documentation's list sample, whose ``report`` reads
  ``{"ackTime": 15702, "closeTime": 60503, ...}``: milliseconds after ``createdAt``.
* Incident API ``GET /v1/incidents`` pages (``ListIncidentsResponse``: ``data`` of incidents with
  ``status``, ``priority``, ``tags``, ``ownerTeam``, ``impactedServices``/``serviceId``).

Rows (``incidents``): id = Opsgenie's id; opened_at = createdAt; for alerts, resolved_at =
createdAt + ``report.closeTime`` of a closed alert and acknowledged_at = createdAt +
``report.ackTime`` (a value too large to be a duration, an epoch in milliseconds, is read as a
time); an incident's resolved_at is its ``impactEndDate`` when the export has one, else empty,
because the Incident API gives no resolution time (a note counts them). severity = ``sevN`` from
priority ``PN``. service = the first of ``impactedServices``/``serviceId``, ``service:NAME`` tags,
other tags, ``entity``, the owner team and responder teams that reporter.yaml's ``services``
name (a service's own name or one of its ``aliases``); else the ``service:`` tag as is, else empty,
and a note lists what no service matched. All times are written in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from .base import ImportContext, ImportFormatError, ImportResult, iso_utc, parse_time
from .base import dict_of, list_of
from .github import load_json_records
from .oncall import ServiceNames, plural, severity

SOURCE = "opsgenie"
_EPOCH_MS = 10**12  # 31.7 years in milliseconds: no acknowledge or close takes that long
_INCIDENT_KEYS = frozenset({"impactedServices", "ownerTeam", "impactStartDate", "impactEndDate", "extraProperties",
                            "serviceId"})
_ALERT_KEYS = frozenset({"report", "acknowledged", "alias", "lastOccurredAt", "integration", "count", "snoozed"})


def import_opsgenie(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """``incidents`` rows from Opsgenie alert and incident exports (module doc)."""
    result = ImportResult()
    services = ServiceNames(ctx.config)
    stats: Counter = Counter()
    rows: dict[str, dict] = {}
    for path in paths:
        name = Path(path).name
        for number, record in _records(Path(path), stats):
            row = _row(name, number, record, services, stats, result)
            if row is None:
                continue
            if row["id"] in rows:
                stats["duplicates"] += 1
            rows[row["id"]] = row  # a later page repeats a record as it was later: it wins
    for row in rows.values():
        result.add("incidents", row)
    _notes(result, stats, services)
    return result


def _records(path: Path, stats: Counter) -> list[tuple[int, Any]]:
    """(record number, alert or incident object) from every page of a file."""
    pages = load_json_records(path)
    out: list[Any] = []
    recognised = False
    for page in pages:
        data = page.get("data") if isinstance(page, dict) else None
        if isinstance(data, list):
            out.extend(data)
            recognised = True
            paging = page.get("paging")
            stats[f"next:{path.name}"] = int(isinstance(paging, dict) and bool(paging.get("next")))
        elif isinstance(data, dict):
            out.append(data)
            recognised = True
        else:
            out.append(page)
            recognised = recognised or (isinstance(page, dict) and "createdAt" in page and "id" in page)
    if pages and not recognised:
        raise ImportFormatError(
            f"{path.name}: not an Opsgenie export: expected Alert or Incident API pages ({{\"data\": [...], "
            "\"paging\": {...}}) or alert/incident objects (id, createdAt...)")
    return list(enumerate(out, start=1))


def _kind(rec: dict) -> str | None:
    keys = rec.keys()
    if _INCIDENT_KEYS & keys:
        return "incident"
    if _ALERT_KEYS & keys:
        return "alert"
    return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    return text or None


def _after(created: dt.datetime, value: Any, what: str) -> dt.datetime | None:
    """createdAt + a ``report`` duration in milliseconds (or an epoch in milliseconds)."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
        raise ValueError(f"report.{what} is not a number of milliseconds: {value!r}")
    if value >= _EPOCH_MS:  # parse_time refuses an epoch outside the years the loader accepts
        return parse_time(value / 1000)
    return created + dt.timedelta(milliseconds=value)


def _service(rec: dict, services: ServiceNames) -> str | None:
    def listed(key: str) -> list:  # a list field holding a number or an object counts as empty
        return list_of(rec.get(key))

    tags = [t for t in listed("tags") if isinstance(t, str) and t.strip()]
    tagged = [t.split(":", 1)[1].strip() for t in tags if t.lower().startswith("service:")]
    impacted = listed("impactedServices")
    teams = [r for r in listed("responders") + listed("teams")
             if isinstance(r, dict) and r.get("type", "team") == "team"]
    candidates = [*impacted, rec.get("serviceId"), *tagged, *tags, rec.get("entity"), rec.get("ownerTeam"),
                  *(r.get("name") for r in teams), *(r.get("id") for r in teams)]
    names = list(dict.fromkeys(c for c in (_text(c) for c in candidates) if c))
    lookup = getattr(services.config, "service_named", None)
    service = next((s for s in (lookup(n) for n in names) if s), None) if lookup else None
    if service is None and names:
        services.unmapped[" / ".join(names[:4]) + (" / ..." if len(names) > 4 else "")] += 1
    return service or (tagged[0] if tagged else None)


def _row(file: str, number: int, rec: Any, services: ServiceNames, stats: Counter, result: ImportResult) -> dict | None:
    if not isinstance(rec, dict):
        result.issue(file, number, f"not an alert or incident object (got {type(rec).__name__})")
        return None
    rec_id = _text(rec.get("id"))
    if rec_id is None:
        result.issue(file, number, "no id")
        return None
    kind = _kind(rec) or "alert"
    try:
        created = parse_time(rec.get("createdAt"))
    except ValueError as exc:
        result.issue(file, number, f"createdAt: {exc}", rec_id)
        return None
    if created is None:
        result.issue(file, number, "no createdAt", rec_id)
        return None
    status = (_text(rec.get("status")) or "").lower()
    resolved = acked = None
    try:
        if kind == "alert":
            report = dict_of(rec.get("report"))
            acked = _after(created, report.get("ackTime"), "ackTime")
            if status == "closed":
                resolved = _after(created, report.get("closeTime"), "closeTime")
                if resolved is None:
                    stats["closed_without_time"] += 1
            elif status:
                stats["open"] += 1
        else:
            stats["incidents"] += 1
            end = parse_time(rec.get("impactEndDate"))
            if status in ("resolved", "closed"):
                resolved = end
                if resolved is None:
                    stats["incident_without_time"] += 1
            elif status:
                stats["open"] += 1
    except ValueError as exc:
        result.issue(file, number, str(exc), rec_id)
        return None
    if resolved is not None and resolved < created:
        result.issue(file, number, f"resolved ({iso_utc(resolved)}) before createdAt ({iso_utc(created)})", rec_id)
        return None
    if acked is not None and resolved is not None and acked > resolved:
        stats["ack_after_close"] += 1  # acknowledged after closing: kept, it is what Opsgenie recorded
    level, how = severity(rec.get("priority"))
    stats[f"severity:{how}"] += 1
    return {"id": rec_id, "opened_at": iso_utc(created), "resolved_at": resolved and iso_utc(resolved),
            "acknowledged_at": acked and iso_utc(acked), "service": _service(rec, services), "severity": level}


def _notes(result: ImportResult, stats: Counter, services: ServiceNames) -> None:
    for key in sorted(k for k in stats if k.startswith("next:") and stats[k]):
        result.notes.append(f"{key[5:]}: its last page has paging.next, so Opsgenie holds more records "
                            "(request that link and import the page too)")
    if stats["duplicates"]:
        result.notes.append(f"{plural(stats['duplicates'], 'record')} listed more than once (overlapping pages): "
                            "each is kept once, as the later page has it")
    if stats["open"]:
        result.notes.append(f"{plural(stats['open'], 'alert or incident')} still open: no resolved_at, so they "
                            "count as incidents but not for recovery time")
    if stats["closed_without_time"]:
        result.notes.append(f"{plural(stats['closed_without_time'], 'closed alert')} without report.closeTime: no "
                            "resolved_at (updatedAt and lastOccurredAt are not resolution times)")
    if stats["incident_without_time"]:
        result.notes.append(f"{plural(stats['incident_without_time'], 'resolved incident')} without a resolution "
                            "time: the Incident API gives none (updatedAt is any later change), so no recovery "
                            "time; the alerts' report.closeTime has it")
    if stats["ack_after_close"]:
        result.notes.append(f"{plural(stats['ack_after_close'], 'alert')} acknowledged after being closed")
    if stats["severity:none"]:
        result.notes.append(f"{plural(stats['severity:none'], 'record')} without a priority: no severity")
    if stats["severity:other priority"]:
        result.notes.append(f"{plural(stats['severity:other priority'], 'record')} with a priority that is not "
                            "P1-P5: severity is the priority's name, lowercased")
    note = services.note("Opsgenie", "left without a service unless a service: tag names one")
    if note:
        result.notes.append(note)
