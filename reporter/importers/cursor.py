"""Cursor team exports -> ai_usage and ai_costs rows.

* Admin API ``POST /teams/daily-usage-data``: ``{data: [{date (epoch ms), email, isActive,
  acceptedLinesAdded, totalApplies, totalAccepts, totalTabsShown, totalTabsAccepted,
  composerRequests, chatRequests, agentRequests, cmdkUsages, ...}], period}`` (or an array of the
  records, or NDJSON);
* the dashboard's analytics CSV export of the same data (headers ``Date``, ``Email``,
  ``Is Active``, ``Chat Accepted Lines Added``, ``Tabs Accepted``, ``Edit Requests``,
  ``Ask Requests``, ``Agent Requests``, ``Cmd+K Usages``, ...); camelCase API headers work too;
* Admin API ``POST /teams/spend``: ``{teamMemberSpend: [{email, spendCents, ...}],
  subscriptionCycleStart (epoch ms), totalMembers, totalPages}``, one file per page.

Spend is booked as one ai_costs row per billing cycle: money is never kept per person.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from .base import ImportContext, ImportFormatError, ImportResult, money_from_cents, read_csv_dicts
from .base import count, day_of, load_json_or_ndjson, short

TOOL = "cursor"
CURRENCY = "USD"  # Cursor bills teams in US dollars; the API reports cents without a currency
SPEND_CATEGORY = "usage"

# feature -> (interactions field, lines_accepted field). Tab: accepted completions (tabs shown
# are offers, not interactions). 'apply': the chat/composer/agent/cmd-k edits the user
# accepted, the only place Cursor reports lines (it does not split them by feature).
FEATURES: tuple[tuple[str, str, str | None], ...] = (
    ("tab", "totalTabsAccepted", None),
    ("composer", "composerRequests", None),
    ("chat", "chatRequests", None),
    ("agent", "agentRequests", None),
    ("cmdk", "cmdkUsages", None),
    ("apply", "totalAccepts", "acceptedLinesAdded"),
)

# Dashboard CSV header (lower case, letters and digits only) -> API field; first match wins.
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "day"),
    "email": ("email", "useremail"),
    "isActive": ("isactive",),
    "totalTabsAccepted": ("totaltabsaccepted", "tabsaccepted"),
    "totalTabsShown": ("totaltabsshown", "chattabsshown", "tabsshown"),
    "composerRequests": ("composerrequests", "editrequests"),
    "chatRequests": ("chatrequests", "askrequests"),
    "agentRequests": ("agentrequests",),
    "cmdkUsages": ("cmdkusages", "cmdkrequests"),
    "totalAccepts": ("totalaccepts", "chattotalaccepts"),
    "totalApplies": ("totalapplies", "chattotalapplies"),
    "acceptedLinesAdded": ("acceptedlinesadded", "chatacceptedlinesadded"),
}
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def import_cursor(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """Import Cursor daily usage (JSON or CSV) and spend pages; formats are sniffed by content."""
    state = _State(ctx)
    for path in paths:
        path = Path(path)
        kind, payload = load_json_or_ndjson(path, state.result)
        if kind == "text":
            _csv(path, state)
        elif kind == "ndjson":
            for line, rec in payload:
                if "teamMemberSpend" in rec:
                    state.spend(path.name, rec, line)
                elif isinstance(rec.get("data"), list):
                    for rec2 in rec["data"]:
                        state.usage(path.name, line, rec2)
                else:
                    state.usage(path.name, line, rec)
        else:
            _json(path, payload, state)
    state.finish()
    return state.result


def epoch_day(value: Any, what: str) -> dt.date:
    """A UTC calendar day from epoch milliseconds (number or digits), a date or an ISO timestamp."""
    if isinstance(value, bool):
        raise ValueError(f"{what} is not a date: {value!r}")
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdecimal()):
        try:  # inf and nan fail int(); a huge value fails fromtimestamp
            return dt.datetime.fromtimestamp(int(value) / 1000, dt.timezone.utc).date()
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"{what} is not epoch milliseconds: {short(value)}") from None
    return day_of(value, what)


class _State:
    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.result = ImportResult()
        self.days: dict[tuple, str] = {}  # (date, person) -> where first seen
        self.stats: Counter[str] = Counter()
        self.cycles: dict[dt.date, dict[str, Any]] = {}

    def usage(self, file: str, where: int, rec: Any) -> None:
        """One person-day: a row per feature with a non-zero count; inactive days are left out."""
        if not isinstance(rec, dict):
            self.result.issue(file, where, "record is not an object")
            return
        email = str(rec.get("email") or rec.get("userEmail") or "").strip()
        if not email:
            self.result.issue(file, where, "no email")
            return
        if "@" not in email:
            self.result.issue(file, where, "not a person's email (a dashboard total row?)", email)
            return
        try:
            # An explicit calendar "day" wins over "date" (epoch ms, taken in UTC), when both are sent.
            raw_date = rec.get("day") if rec.get("day") not in (None, "") else rec.get("date")
            date = epoch_day(raw_date, "date")
            active = _active(rec.get("isActive"))
            values = {field: count(rec, field) or 0 for _, field, _ in FEATURES}
            values.update({lines: count(rec, lines) or 0 for _, _, lines in FEATURES if lines})
        except ValueError as exc:
            self.result.issue(file, where, str(exc), email)
            return
        if active is False:
            self.stats["inactive"] += 1
            return
        rows = []
        for feature, field, lines in FEATURES:
            interactions = values[field]
            accepted = values[lines] if lines else 0
            if interactions or accepted:
                rows.append({"feature": feature, "interactions": interactions,
                             "lines_accepted": accepted if lines else None})
        if not rows:
            self.stats["active_without_counts"] += 1
            return
        person = self.ctx.people.resolve(email, "cursor")
        if (date, person) in self.days:
            self.result.issue(file, where, f"duplicate: {person} on {date} is already in {self.days[(date, person)]}; "
                                           "skipped", email)
            return
        self.days[(date, person)] = f"{file} line {where}" if file.lower().endswith(".csv") else \
            f"{file} record {where}"
        for row in rows:
            self.result.add("ai_usage", {"date": date, "person": person, "tool": TOOL, **row})

    def spend(self, file: str, doc: dict, where: int | None = None) -> None:
        """One spend page: members' cents summed into the page's billing cycle."""
        members = doc.get("teamMemberSpend")
        if not isinstance(members, list):
            raise ImportFormatError(f"{file}: teamMemberSpend is not a list")
        try:
            cycle = epoch_day(doc.get("subscriptionCycleStart"), "subscriptionCycleStart")
        except ValueError as exc:
            raise ImportFormatError(f"{file}: {exc}; cannot date this spend") from None
        entry = self.cycles.setdefault(cycle, {"cents": Decimal(0), "emails": {}, "pages": 0, "members": None,
                                              "total_pages": None, "included": Decimal(0), "overall": None})
        entry["pages"] += 1
        for key, field in (("members", "totalMembers"), ("total_pages", "totalPages")):
            if isinstance(doc.get(field), int):
                entry[key] = doc[field]
        for number, member in enumerate(members, start=1):
            line = where if where is not None else number
            if not isinstance(member, dict):
                self.result.issue(file, line, "teamMemberSpend entry is not an object")
                continue
            email = str(member.get("email") or "").strip().lower()
            try:
                cents = _cents(member, "spendCents", required=True)
                included = _cents(member, "includedSpendCents")
                overall = _cents(member, "overallSpendCents")
            except ValueError as exc:
                self.result.issue(file, line, str(exc), None)  # no email in issues: spend is not per person
                continue
            if email and email in entry["emails"]:
                self.result.issue(file, line, f"member listed twice for the cycle starting {cycle} (first in "
                                              f"{entry['emails'][email]}); counted once")
                continue
            if email:
                entry["emails"][email] = f"{file} record {number}"
            entry["cents"] += cents
            if included is not None:
                entry["included"] += included
            if overall is not None:
                entry["overall"] = (entry["overall"] or Decimal(0)) + overall

    def finish(self) -> None:
        notes = self.result.notes
        usage = [r for r in self.result.rows.get("ai_usage", []) if r.get("tool") == TOOL]
        if usage or self.stats["inactive"]:
            notes.append("Cursor usage: a row per person, active day and feature with a non-zero count: tab = "
                         "tabs accepted, composer/chat/agent = requests, cmdk = Cmd+K uses, apply = accepted "
                         "edits with lines_accepted = acceptedLinesAdded (Cursor does not split lines by feature; "
                         "totalLinesAdded counts all edits, typed ones too, so lines_suggested stays empty).")
        if self.stats["inactive"]:
            notes.append(f"Cursor usage: {self.stats['inactive']} inactive person-days (isActive false) left out.")
        if self.stats["active_without_counts"]:
            notes.append(f"Cursor usage: {self.stats['active_without_counts']} active person-days had none of "
                         "these counts (e.g. Bugbot only) and made no row.")
        for cycle, entry in sorted(self.cycles.items()):
            amount = entry["cents"] / 100
            self.result.add("ai_costs", {"date": cycle, "tool": TOOL, "amount": amount, "currency": CURRENCY,
                                         "category": SPEND_CATEGORY})
            counted = len(entry["emails"])
            text = (f"Cursor spend: cycle starting {cycle}: USD {amount:,.2f} over {counted} members (spendCents "
                    "summed; booked on the cycle start as one team-wide row, no per-person amounts kept). It is the "
                    "cycle's spend so far when exported: re-import a later export to update it.")
            if entry["included"]:
                text += f" Of it, USD {entry['included'] / 100:,.2f} is includedSpendCents (within the plan)."
            if entry["overall"] is not None:
                text += (f" The export also carries overallSpendCents totalling USD {entry['overall'] / 100:,.2f}, "
                         "not used (spendCents is the documented total).")
            notes.append(text)
            if entry["total_pages"] and entry["pages"] < entry["total_pages"]:
                notes.append(f"Cursor spend: cycle starting {cycle}: {entry['pages']} of {entry['total_pages']} "
                             "pages passed; pass every page or the spend is understated.")
            elif entry["members"] and counted < entry["members"]:
                notes.append(f"Cursor spend: cycle starting {cycle}: {counted} of {entry['members']} members "
                             "(totalMembers) listed.")


def _cents(member: dict, field: str, required: bool = False) -> Decimal | None:
    """An exact, non-negative amount in cents (validated by money_from_cents)."""
    value = member.get(field)
    if value is None or value == "":
        if required:
            raise ValueError(f"no {field}")
        return None
    cents = money_from_cents(value) * 100
    if cents < 0:
        raise ValueError(f"{field} is negative: {value}")
    return cents


def _active(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"isActive is not true/false: {value!r}")


def _json(path: Path, doc: Any, state: _State) -> None:
    name = path.name
    if isinstance(doc, dict) and "teamMemberSpend" in doc:
        state.spend(name, doc)
        return
    if isinstance(doc, dict) and isinstance(doc.get("data"), list):
        records = doc["data"]
    elif isinstance(doc, list):
        if doc and all(isinstance(d, dict) and "teamMemberSpend" in d for d in doc):
            for page in doc:
                state.spend(name, page)
            return
        records = doc
    else:
        raise ImportFormatError(f"{name}: not a Cursor export this importer knows (expected daily-usage-data "
                                "{data: [...]}, spend {teamMemberSpend: [...]} or the dashboard CSV)")
    for number, rec in enumerate(records, start=1):
        state.usage(name, number, rec)


def _csv(path: Path, state: _State) -> None:
    header, rows = read_csv_dicts(path)
    normal = {re.sub(r"[^a-z0-9]", "", h.lower()): h for h in header}
    columns = {}
    for field, names in CSV_COLUMNS.items():
        for n in names:
            if n in normal:
                columns[field] = normal[n]
                break
    missing = [f for f in ("date", "email") if f not in columns]
    if missing or not any(f in columns for _, f, _ in FEATURES):
        raise ImportFormatError(f"{path.name}: not a Cursor usage CSV (no {', '.join(missing) or 'usage'} "
                                "columns; header: " + ", ".join(header[:8]) + ")")
    for line, row in rows:
        rec: dict[str, str | None] = {field: row[col].strip() for field, col in columns.items()}
        for field in list(rec):
            if field not in ("date", "email", "isActive") and rec[field] == "":
                rec[field] = None  # Cursor: numeric values default to 0 when absent
        state.usage(path.name, line, rec)
