"""GitHub Copilot exports -> ai_usage, people, seats and ai_costs rows.

One importer for the five exports an organisation can pull from GitHub, told apart by their
content (not their name), because people rename downloads:

* the usage metrics **users report** (``/orgs/{org}/copilot/metrics/reports/users-1-day``; NDJSON,
  one object per user per day, or the JSON ``{day_totals: [...]}`` / array form): ``ai_usage``;
* the **user-teams report** (``.../reports/user-teams-1-day``; NDJSON rows ``user_login``, ``day``,
  ``team_id``, ``slug``): ``people`` rows, only for logins the roster does not know;
* the legacy **org metrics** (``/orgs/{org}/copilot/metrics``, a JSON array of days): org-level
  totals only, reported in ``notes`` (no person is invented);
* the **seats** list (``/orgs/{org}/copilot/billing/seats``): ``seats``;
* the enhanced billing **usage report** CSV: ``ai_costs`` for Copilot SKUs.

Field meanings follow GitHub's "Data available in Copilot usage metrics" and "Billing reports
reference" pages; the mapping decisions are documented where they are made.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from .base import (ImportContext, ImportFormatError, ImportResult, count, day_of, load_json_or_ndjson, money,
                   parse_time, read_csv_dicts)
from .people import is_bot

TOOL = "copilot"
CURRENCY = "USD"  # GitHub bills in US dollars; the usage report has no currency column

# Rows for a used_* flag that no totals_by_feature entry covers: the day is known to include the
# feature, its counts are not (the row carries no counts, which is "active, amount unknown").
FLAG_FEATURES = {"used_agent": "agent", "used_chat": "chat"}
CLI_FEATURE = "copilot_cli"  # GitHub's own name, as the users report's totals_by_feature uses it
NO_BREAKDOWN_FEATURE = "unspecified"  # root-level totals of a user-day without any breakdown

# Billing SKUs -> ai_costs category. Seat licences billed through the usage report are the seat
# money (the seats import leaves monthly_price empty, so nothing is counted twice).
SEAT_SKUS = ("copilot_for_business", "copilot_business", "copilot_enterprise", "copilot_standalone")
_USAGE_FIELDS = ("user_initiated_interaction_count", "loc_suggested_to_add_sum", "loc_added_sum",
                 "code_generation_activity_count", "code_acceptance_activity_count")


def import_copilot(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """Import any mix of Copilot exports; each file's format is sniffed from its content."""
    state = _State(ctx)
    for path in paths:
        path = Path(path)
        kind, payload = load_json_or_ndjson(path, state.result)
        if kind == "text":
            _billing_csv(path, state)
        elif kind == "ndjson":
            _ndjson(path, payload, state)
        else:
            _json_document(path, payload, state)
    state.finish()
    return state.result


# ---------------------------------------------------------------------------
# Reading: JSON document, NDJSON or text, by content


# ---------------------------------------------------------------------------


class _State:
    """What the files of one import share: the result, keys already seen, and counts for notes."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.result = ImportResult()
        self.user_days: dict[tuple, str] = {}  # (date, person) -> "file line N"
        self.org_level_days = 0
        self.flag_rows: Counter[str] = Counter()
        self.teams: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # login -> day -> slugs
        self.teams_known = 0
        self.teams_bots = 0
        self.seat_people: dict[str, str] = {}
        self.seat_totals: list[int] = []
        self.seats_seen = 0
        self.plans: Counter[str] = Counter()
        self.pending_cancellation = 0
        self.costs: dict[tuple, Decimal] = defaultdict(Decimal)  # (date, category) -> net
        self.gross = Decimal(0)
        self.discount = Decimal(0)
        self.other_products: Counter[str] = Counter()

    # -- users report ------------------------------------------------------

    def usage_record(self, file: str, line: int, rec: dict) -> None:
        """One user-day: a row per feature, plus CLI and flag rows GitHub reports apart."""
        if not rec.get("user_login"):
            if any(k in rec for k in _USAGE_FIELDS) or "totals_by_feature" in rec:
                self.org_level_days += 1  # an organization/enterprise-level day: no person
                return
            self.result.issue(file, line, "no user_login: not a Copilot users-report record")
            return
        login = str(rec["user_login"])
        if not login.strip():  # blanks name no one: its rows would have no person
            self.result.issue(file, line, "user_login is blank")
            return
        if not rec.get("day") and rec.get("report_start_day") and rec.get("report_start_day") != rec.get(
                "report_end_day"):
            self.result.issue(file, line, "no day: a 28-day per-user total; import the users-1-day reports "
                                          "(one per day) instead", login)
            return
        try:
            day = day_of(rec.get("day"))
            rows = _feature_rows(rec)
        except ValueError as exc:
            self.result.issue(file, line, str(exc), login)
            return
        person = self.ctx.people.resolve(login, "copilot")
        where = f"{file} line {line}"
        previous = self.user_days.get((day, person))
        if previous is not None:
            self.result.issue(file, line, f"duplicate: {person} on {day} is already in {previous}; skipped",
                              login)
            return
        self.user_days[(day, person)] = where
        for feature, values in rows:
            if feature in FLAG_FEATURES.values() and not values:
                self.flag_rows[feature] += 1
            self.result.add("ai_usage", {"date": day, "person": person, "tool": TOOL, "feature": feature,
                                         **values})

    # -- user-teams report -------------------------------------------------

    def team_record(self, file: str, line: int, rec: dict) -> None:
        login = str(rec.get("user_login") or "").strip()
        slug = str(rec.get("slug") or rec.get("team_slug") or "").strip()
        if not login or not slug:
            self.result.issue(file, line, "user-teams record without user_login or slug", login or None)
            return
        try:
            day = day_of(rec.get("day"))
        except ValueError as exc:
            self.result.issue(file, line, str(exc), login)
            return
        if login.lower() in self.ctx.people.known:
            self.teams_known += 1  # the roster decides this person's team
            return
        if is_bot(login):
            self.teams_bots += 1
            return
        self.teams[login][day.isoformat()].add(slug)

    # -- seats -------------------------------------------------------------

    def seats(self, file: str, doc: dict, first: int = 1) -> int:
        """One seats page; records are numbered from ``first`` (pages slurped into one file go on)."""
        seats = doc.get("seats")
        if not isinstance(seats, list):
            raise ImportFormatError(f"{file}: 'seats' is not a list")
        if isinstance(doc.get("total_seats"), int):
            self.seat_totals.append(doc["total_seats"])
        for number, seat in enumerate(seats, start=first):
            self.seats_seen += 1
            if not isinstance(seat, dict):
                self.result.issue(file, number, "seat is not an object")
                continue
            assignee = seat.get("assignee") or {}
            login = assignee.get("login") if isinstance(assignee, dict) else None
            if not login or not str(login).strip():  # a blank login names no one: not a seat of None
                kind = assignee.get("type") if isinstance(assignee, dict) else None
                self.result.issue(file, number, f"seat has no assignee login (assignee type {kind or 'missing'})")
                continue
            try:
                assigned = parse_time(seat.get("created_at"))
                last = parse_time(seat.get("last_activity_at"))
            except ValueError as exc:
                self.result.issue(file, number, str(exc), login)
                continue
            person = self.ctx.people.resolve(login, "copilot")
            assert person is not None  # login is not blank (checked above)
            if person in self.seat_people:
                self.result.issue(file, number, f"duplicate seat for {person} (first in {self.seat_people[person]})",
                                  login)
                continue
            self.seat_people[person] = f"{file} record {number}"
            self.plans[str(seat.get("plan_type") or "unknown")] += 1
            if seat.get("pending_cancellation_date"):
                self.pending_cancellation += 1
            self.result.add("seats", {"tool": TOOL, "person": person, "assigned_at": assigned,
                                      "last_activity_at": last})
        return first + len(seats)

    # -- notes -------------------------------------------------------------

    def finish(self) -> None:
        notes = self.result.notes
        for login, days in self.teams.items():
            latest = max(days)
            slugs = sorted(days[latest])
            person = self.ctx.people.resolve(login, "copilot")
            self.result.add("people", {"person": person, "team": slugs[0]})
        if self.teams:
            multi = sum(1 for days in self.teams.values() if len(days[max(days)]) > 1)
            notes.append(
                f"Copilot user-teams: {len(self.teams)} logins not in the roster added to people with their "
                "GitHub team slug (the team on the latest day in the file"
                + (f"; {multi} belong to several teams, the first slug alphabetically was used" if multi else "")
                + "); logins the roster knows keep the roster's team"
                + (f" ({self.teams_known} membership rows left to the roster)" if self.teams_known else "")
                + ". GitHub omits teams with fewer than 5 Copilot seats from this report.")
        elif self.teams_known:
            notes.append(f"Copilot user-teams: all {self.teams_known} membership rows are for people the roster "
                         "knows; their roster team is kept, no people rows added.")
        if self.teams_bots:
            notes.append(f"Copilot user-teams: {self.teams_bots} membership rows of bot accounts left out of people.")
        if self.flag_rows:
            parts = ", ".join(f"{n} '{f}'" for f, n in sorted(self.flag_rows.items()))
            notes.append(f"Copilot users report: {parts} rows without counts stand for a used_agent/used_chat flag "
                         "that no totals_by_feature entry covers (the person used it that day; GitHub gives no "
                         "counts for it).")
        if any(r.get("tool") == TOOL for r in self.result.rows.get("ai_usage", [])):
            notes.append("Copilot usage: interactions = user_initiated_interaction_count (prompts sent; completions "
                         "are not prompts, so code_completion rows show 0), lines_suggested = "
                         "loc_suggested_to_add_sum (excludes agent edits), lines_accepted = loc_added_sum (lines "
                         "that landed in the editor, agent and edit mode included, so it can exceed "
                         "lines_suggested); tokens only for the CLI (totals_by_cli prompt + output tokens).")
        if self.org_level_days:
            notes.append(f"Copilot: {self.org_level_days} organization/enterprise-level day records carry no person "
                         "and were not imported as usage; per-person adoption needs the users report.")
        if self.seats_seen:
            plans = ", ".join(f"{n} {p}" for p, n in sorted(self.plans.items()))
            notes.append(
                f"Copilot seats: {len(self.seat_people)} imported ({plans}). monthly_price is left empty: the seats "
                "API names the plan but no price. GitHub's list prices are USD 19 (Business) and 39 (Enterprise) "
                "per seat per month; contracts differ, so set monthly_price in seats.csv yourself, or import the "
                "billing usage report, whose seat SKUs carry what GitHub actually charged (not both: that counts "
                "seats twice).")
            if self.pending_cancellation:
                notes.append(f"Copilot seats: {self.pending_cancellation} have a pending cancellation date.")
            total = max(self.seat_totals) if self.seat_totals else None
            if total is not None and self.seats_seen < total:
                notes.append(f"Copilot seats: the files hold {self.seats_seen} of {total} seats (total_seats); the "
                             "seats API is paginated, pass every page.")
        if self.costs:
            for (day, category), amount in sorted(self.costs.items()):
                self.result.add("ai_costs", {"date": day, "tool": TOOL, "amount": amount, "currency": CURRENCY,
                                             "category": category or None})
            notes.append(f"Copilot billing: amount = net_amount (gross_amount - discount_amount, what GitHub bills "
                         f"after included usage); gross {_usd(self.gross)}, discounts {_usd(self.discount)}, net "
                         f"{_usd(sum(self.costs.values(), Decimal(0)))}. Rows are summed per day and category; no "
                         "per-user or cost-center amounts are kept (cost centers are not roster teams).")
        if self.other_products:
            parts = ", ".join(f"{n} {p}" for p, n in sorted(self.other_products.items()))
            notes.append(f"Billing usage report: rows of other products not imported ({parts}).")


def _usd(amount: Decimal) -> str:
    return f"USD {amount:,.2f}"


def _feature_rows(rec: dict) -> list[tuple[str, dict]]:
    """(feature, counts) for one user-day; raises ValueError for a malformed record."""
    features = rec.get("totals_by_feature") or []
    if not isinstance(features, list):
        raise ValueError("totals_by_feature is not a list")
    out: list[tuple[str, dict]] = []
    seen: set[str] = set()
    for entry in features:
        if not isinstance(entry, dict) or not entry.get("feature"):
            raise ValueError("a totals_by_feature entry has no feature name")
        name = str(entry["feature"])
        if name in seen:
            raise ValueError(f"feature {name!r} appears twice in totals_by_feature")
        seen.add(name)
        out.append((name, {"interactions": count(entry, "user_initiated_interaction_count"),
                           "lines_suggested": count(entry, "loc_suggested_to_add_sum"),
                           "lines_accepted": count(entry, "loc_added_sum")}))
    cli = rec.get("totals_by_cli")
    if cli is not None:
        if not isinstance(cli, dict):
            raise ValueError("totals_by_cli is not an object")
        usage = cli.get("token_usage") or {}
        if not isinstance(usage, dict):
            raise ValueError("totals_by_cli.token_usage is not an object")
        parts = [count(usage, "prompt_tokens_sum"), count(usage, "output_tokens_sum")]
        tokens = sum(p for p in parts if p is not None) if any(p is not None for p in parts) else None
        # GitHub documents CLI activity as absent from totals_by_feature; when an entry named
        # copilot_cli is there anyway, the tokens join it rather than making a second CLI row.
        for name, values in out:
            if name == CLI_FEATURE:
                values["tokens"] = tokens
                break
        else:
            out.append((CLI_FEATURE, {"interactions": count(cli, "prompt_count"), "tokens": tokens}))
            seen.add(CLI_FEATURE)
    if rec.get("used_cli") is True and CLI_FEATURE not in seen:
        out.append((CLI_FEATURE, {}))
    if rec.get("used_agent") is True and not any("agent" in name for name in seen):
        out.append((FLAG_FEATURES["used_agent"], {}))
    if rec.get("used_chat") is True and not any(name.startswith("chat") for name in seen):
        out.append((FLAG_FEATURES["used_chat"], {}))
    root = {"interactions": count(rec, "user_initiated_interaction_count"),
            "lines_suggested": count(rec, "loc_suggested_to_add_sum"),
            "lines_accepted": count(rec, "loc_added_sum")}
    # A user-day without any feature breakdown (GitHub surfaces some users from server-side
    # telemetry with totals only): its root totals are kept under one feature name.
    if not features and (not out or any(v for v in root.values())):
        out.append((NO_BREAKDOWN_FEATURE, root))
    return out


# ---------------------------------------------------------------------------
# Dispatch by shape


def _is_team_record(rec: dict) -> bool:
    return ("slug" in rec or "team_slug" in rec or "team_id" in rec) and not any(
        k.startswith("totals_by") or k in _USAGE_FIELDS for k in rec)


def _ndjson(path: Path, records: list[tuple[int, dict]], state: _State) -> None:
    legacy = []
    for line, rec in records:
        if _is_team_record(rec):
            state.team_record(path.name, line, rec)
        elif "day" in rec or "user_login" in rec:
            state.usage_record(path.name, line, rec)
        elif "date" in rec and ("total_active_users" in rec or "total_engaged_users" in rec):
            legacy.append((line, rec))  # legacy days exported one per line
        else:
            state.result.issue(path.name, line, "not a Copilot users or user-teams record "
                                                f"(keys: {', '.join(sorted(rec)[:6])})")
    if legacy:
        _legacy(path, legacy, state)


def _json_document(path: Path, doc: Any, state: _State) -> None:
    name = path.name
    if isinstance(doc, dict):
        if "seats" in doc:
            state.seats(name, doc)
        elif isinstance(doc.get("usageItems"), list):
            _billing_items(path, doc["usageItems"], state)
        elif isinstance(doc.get("day_totals"), list):
            for number, rec in enumerate(doc["day_totals"], start=1):
                if isinstance(rec, dict):
                    state.usage_record(name, number, rec)
                else:
                    state.result.issue(name, number, "day_totals entry is not an object")
        elif _is_team_record(doc) and "user_login" in doc:
            state.team_record(name, 1, doc)  # a one-line user-teams NDJSON file
        elif "user_login" in doc and "day" in doc:
            state.usage_record(name, 1, doc)
        elif "download_links" in doc:
            raise ImportFormatError(f"{name}: this is the report's download-link response; download the NDJSON "
                                    "files its download_links point to and import those")
        else:
            raise ImportFormatError(f"{name}: not a Copilot export this importer knows (expected seats, a users "
                                    "report, user-teams, legacy metrics or a billing usage CSV)")
        return
    if not isinstance(doc, list):
        raise ImportFormatError(f"{name}: expected a JSON object or array, got {type(doc).__name__}")
    if not doc:
        state.result.notes.append(f"{name}: empty array, nothing to import")
        return
    first = next((r for r in doc if isinstance(r, dict)), None)
    if first is None:
        raise ImportFormatError(f"{name}: an array without objects")
    if "date" in first and "day" not in first and "user_login" not in first:
        _legacy(path, list(enumerate(doc, start=1)), state)
        return
    if "seats" in first:  # `gh api --paginate --slurp`: one object per page
        number = 1
        for page in doc:
            if not isinstance(page, dict) or "seats" not in page:
                raise ImportFormatError(f"{name}: an array mixing seats pages with other objects")
            number = state.seats(name, page, number)
        return
    for number, rec in enumerate(doc, start=1):
        if not isinstance(rec, dict):
            state.result.issue(name, number, "record is not an object")
        elif _is_team_record(rec):
            state.team_record(name, number, rec)
        else:
            state.usage_record(name, number, rec)


# ---------------------------------------------------------------------------
# Legacy org metrics: what it can tell, as a note


def _legacy(path: Path, days: list[tuple[int, Any]], state: _State) -> None:
    """Summarise the legacy org metrics in a note; it names no person, so no usage row is made."""
    name = path.name
    series: list[tuple[dt.date, int | None, int | None]] = []
    sums: Counter[str] = Counter()
    for number, day in days:
        if not isinstance(day, dict):
            state.result.issue(name, number, "day is not an object")
            continue
        try:
            date = day_of(day.get("date"), "date")
            active = count(day, "total_active_users")
            engaged = count(day, "total_engaged_users")
            _legacy_sums(day, sums)
        except (ValueError, TypeError, AttributeError) as exc:
            state.result.issue(name, number, f"malformed metrics day: {exc}")
            continue
        series.append((date, active, engaged))
    if not series:
        return
    series.sort()
    first, last = series[0][0], series[-1][0]
    per_day = ", ".join(f"{d} {'?' if a is None else a}/{'?' if e is None else e}" for d, a, e in series)
    state.result.notes.append(
        f"{name}: Copilot org metrics (legacy /orgs/{{org}}/copilot/metrics), {first} to {last} "
        f"({len(series)} days): organization-level totals only, no per-person rows imported. "
        f"Active/engaged users per day: {per_day}. IDE code completions: {sums['suggestions']} suggestions, "
        f"{sums['acceptances']} acceptances, {sums['lines_accepted']} of {sums['lines_suggested']} suggested lines "
        f"accepted; IDE chats: {sums['ide_chats']}; github.com chats: {sums['dotcom_chats']}. "
        "Per-person adoption needs the Copilot usage metrics users report (users-1-day NDJSON).")


def _legacy_sums(day: dict, sums: Counter) -> None:
    def items(obj: Any, key: str) -> list:
        value = (obj or {}).get(key) or []
        if not isinstance(value, list):
            raise ValueError(f"{key} is not a list")
        return value

    local: Counter[str] = Counter()
    for editor in items(day.get("copilot_ide_code_completions"), "editors"):
        for model in items(editor, "models"):
            for lang in items(model, "languages"):
                local["suggestions"] += count(lang, "total_code_suggestions") or 0
                local["acceptances"] += count(lang, "total_code_acceptances") or 0
                local["lines_suggested"] += count(lang, "total_code_lines_suggested") or 0
                local["lines_accepted"] += count(lang, "total_code_lines_accepted") or 0
    for editor in items(day.get("copilot_ide_chat"), "editors"):
        for model in items(editor, "models"):
            local["ide_chats"] += count(model, "total_chats") or 0
    for model in items(day.get("copilot_dotcom_chat"), "models"):
        local["dotcom_chats"] += count(model, "total_chats") or 0
    sums.update(local)


# ---------------------------------------------------------------------------
# Billing usage report CSV


def _billing_csv(path: Path, state: _State) -> None:
    """Copilot lines of the enhanced billing usage report, summed per day and category."""
    header, rows = read_csv_dicts(path)
    cols = {h.lower(): h for h in header}
    date_col = cols.get("date") or cols.get("usage_at")
    missing = [c for c, col in (("date", date_col), ("product", cols.get("product")), ("sku", cols.get("sku")),
                                ("net_amount", cols.get("net_amount"))) if col is None]
    if missing:
        raise ImportFormatError(f"{path.name}: not a GitHub billing usage report (no {', '.join(missing)} column; "
                                "header: " + ", ".join(header[:8]) + ")")
    assert date_col is not None  # else it is in ``missing``
    for line, row in rows:
        def cell(name: str) -> str | None:
            col = cols.get(name)
            return row[col] if col is not None and row[col].strip() else None

        _billing_line(path.name, line, state, row[cols["product"]], row[cols["sku"]], row[date_col],
                      row[cols["net_amount"]], cell("gross_amount"), cell("discount_amount"))


def _billing_items(path: Path, items: list, state: _State) -> None:
    """The REST billing usage report (``GET /organizations/{org}/settings/billing/usage``)."""
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            state.result.issue(path.name, number, "usage item is not an object")
            continue
        _billing_line(path.name, number, state, item.get("product"), item.get("sku"), item.get("date"),
                      item.get("netAmount"), item.get("grossAmount"), item.get("discountAmount"))


def _billing_line(file: str, where: int, state: _State, product: Any, sku: Any, date: Any, net: Any,
                  gross: Any, discount: Any) -> None:
    """One billing line: Copilot's net amount joins its day and category; others are counted."""
    product = str(product or "").strip().lower()
    sku = "_".join(str(sku or "").strip().lower().replace("-", " ").split())  # "Copilot Business" too
    if "copilot" not in product and not sku.startswith("copilot"):
        state.other_products[product or "(no product)"] += 1
        return
    try:
        day = day_of(date, "date")
        amount = money(net) if net is not None else None
        if amount is None:
            raise ValueError("no net_amount")
        gross_amount = money(gross) if gross not in (None, "") else amount
        discount_amount = money(discount) if discount not in (None, "") else Decimal(0)
    except ValueError as exc:
        state.result.issue(file, where, str(exc), sku or None)
        return
    state.costs[(day, sku_category(sku))] += amount
    state.gross += gross_amount
    state.discount += discount_amount


def sku_category(sku: str) -> str:
    """The ai_costs category of a Copilot SKU; '' where GitHub's SKU does not say."""
    sku = sku.lower()
    if sku in SEAT_SKUS:
        return "seats"
    if sku.endswith("premium_request") or sku.endswith("premium_requests"):
        return "premium-requests"
    if "ai_credit" in sku:
        return "ai-credits"
    return ""
