"""Claude Code analytics (Anthropic Admin API) -> ai_usage and ai_costs rows.

Source: ``GET /v1/organizations/usage_report/claude_code`` (one day per request, paginated:
``{data: [...], has_more, next_page}``). Each record is one actor's day in one terminal:
``date``, ``actor`` (``user_actor`` with ``email_address`` or ``api_actor`` with
``api_key_name``), ``customer_type`` (``api`` or ``subscription``), ``terminal_type``,
``core_metrics``, ``tool_actions`` and ``model_breakdown`` with ``estimated_cost`` in minor units
(cents for USD). Accepted input: one page, a JSON array of pages, a JSON array of records, or
NDJSON with a page or record per line; several pages may come as several files.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from .base import ImportContext, ImportFormatError, ImportResult, money_from_cents
from .base import count, day_of, dict_of, load_json_or_ndjson, short

TOOL = "claude-code"
FEATURE = "cli"  # Claude Code is one agentic surface; terminal_type is where it ran, not a feature
TOKEN_KINDS = ("input", "output", "cache_read", "cache_creation")
COST_CATEGORY = "tokens"  # API usage billed by the token


def import_claude_code(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """Import Claude Code usage report pages: per-person daily usage, per-day estimated API cost."""
    result = ImportResult()
    usage: dict[tuple, dict[str, int | None]] = {}  # (date, person) -> summed counts
    seen: dict[tuple, str] = {}  # record identity -> where first seen
    costs: dict[tuple, list[Decimal | int]] = defaultdict(lambda: [Decimal(0), 0])  # (date, currency)
    subscription: defaultdict[str, Decimal] = defaultdict(Decimal)  # currency -> estimated cost not booked as spend
    stats: Counter[str] = Counter()
    for path in paths:
        path = Path(path)
        kind, payload = load_json_or_ndjson(path, result)
        if kind == "text":
            raise ImportFormatError(f"{path.name}: not JSON; expected Claude Code usage report pages")
        for where, rec in _records(path, kind, payload, stats):
            _record(path.name, where, rec, ctx, result, usage, seen, costs, subscription, stats)
    for (date, person), values in usage.items():
        result.add("ai_usage", {"date": date, "person": person, "tool": TOOL, "feature": FEATURE, **values})
    for (date, currency), (amount, tokens) in sorted(costs.items()):
        result.add("ai_costs", {"date": date, "tool": TOOL, "amount": amount, "currency": currency,
                                "category": COST_CATEGORY, "tokens": tokens})
    _notes(result, usage, subscription, stats)
    return result


def _records(path: Path, kind: str, payload: Any, stats: Counter):
    """(record number or line, record) from a page, pages or records, in file order."""
    name = path.name
    if kind == "ndjson":
        for line, obj in payload:
            if isinstance(obj.get("data"), list):
                stats["pages"] += 1
                stats["pages_more"] += bool(obj.get("has_more"))
                for rec in obj["data"]:
                    yield line, rec
            else:
                yield line, obj
        return
    docs = payload if isinstance(payload, list) else [payload]
    number = 0
    for doc in docs:
        if isinstance(doc, dict) and isinstance(doc.get("data"), list):
            stats["pages"] += 1
            stats["pages_more"] += bool(doc.get("has_more"))
            for rec in doc["data"]:
                number += 1
                yield number, rec
        elif isinstance(doc, dict) and ("actor" in doc or "core_metrics" in doc):
            number += 1
            yield number, doc
        elif isinstance(doc, dict) and "data" in doc:
            raise ImportFormatError(f"{name}: 'data' is not a list; expected a Claude Code usage report page")
        elif payload is doc:
            raise ImportFormatError(f"{name}: not a Claude Code usage report (expected {{data: [...], has_more, "
                                    "next_page}}, an array of pages or an array of records)")
        else:
            number += 1
            yield number, doc


def _record(file: str, where: int, rec: Any, ctx: ImportContext, result: ImportResult, usage: dict,
            seen: dict, costs: dict, subscription: dict, stats: Counter) -> None:
    if not isinstance(rec, dict):
        result.issue(file, where, "record is not an object")
        return
    actor = dict_of(rec.get("actor"))
    identity = actor.get("email_address") if actor.get("type") == "user_actor" else actor.get("api_key_name")
    identity = identity or actor.get("email_address") or actor.get("api_key_name")
    if not identity:
        result.issue(file, where, "actor has no email_address or api_key_name")
        return
    if not isinstance(identity, str):
        result.issue(file, where, f"actor's email_address or api_key_name is not text: {short(identity)}")
        return
    if not identity.strip():  # blanks name no one: its rows would have no person
        result.issue(file, where, "actor's email_address or api_key_name is blank")
        return
    try:
        for key in ("terminal_type", "customer_type", "organization_id", "subscription_type"):
            if rec.get(key) is not None and not isinstance(rec.get(key), str):
                raise ValueError(f"{key} is not text: {short(rec.get(key))}")
        date = day_of(rec.get("date"), "date")
        core = rec.get("core_metrics") or {}
        if not isinstance(core, dict):
            raise ValueError("core_metrics is not an object")
        lines = core.get("lines_of_code") or {}
        if not isinstance(lines, dict):
            raise ValueError("core_metrics.lines_of_code is not an object")
        sessions = count(core, "num_sessions")
        added = count(lines, "added")
        tokens, cost = _models(rec.get("model_breakdown"))
    except ValueError as exc:
        result.issue(file, where, str(exc), identity)
        return
    ident = (date, str(identity).lower(), rec.get("terminal_type"), rec.get("customer_type"),
             rec.get("organization_id"), rec.get("subscription_type"))
    if ident in seen:
        result.issue(file, where, f"duplicate of {seen[ident]} (same actor, date and terminal); skipped",
                     identity)
        return
    seen[ident] = f"{file} record {where}"
    person = ctx.people.resolve(identity, "claude-code")
    stats["api_actors"] += actor.get("type") == "api_actor"
    row = usage.setdefault((date, person), {"interactions": None, "lines_accepted": None, "tokens": None})
    for key, value in (("interactions", sessions), ("lines_accepted", added), ("tokens", tokens)):
        if value is not None:
            row[key] = (row[key] or 0) + value
    customer = rec.get("customer_type")
    for currency, amount in cost.items():
        if customer == "subscription":
            subscription[currency] += amount  # billed by seat: the estimate is not money spent
        else:
            stats["no_customer_type"] += customer is None
            entry = costs[(date, currency)]
            entry[0] += amount
            entry[1] += tokens or 0


def _models(breakdown: Any) -> tuple[int | None, dict[str, Decimal]]:
    """(tokens of every kind and model, estimated cost per currency in units) of one record."""
    if breakdown is None:
        return None, {}
    if not isinstance(breakdown, list):
        raise ValueError("model_breakdown is not a list")
    tokens: int | None = None
    cost: dict[str, Decimal] = defaultdict(Decimal)
    for model in breakdown:
        if not isinstance(model, dict):
            raise ValueError("a model_breakdown entry is not an object")
        kinds = model.get("tokens") or {}
        if not isinstance(kinds, dict):
            raise ValueError("model_breakdown tokens is not an object")
        for kind in TOKEN_KINDS:
            value = count(kinds, kind)
            if value is not None:
                tokens = (tokens or 0) + value
        estimate = model.get("estimated_cost")
        if estimate is not None:
            if not isinstance(estimate, dict) or estimate.get("amount") is None:
                raise ValueError("estimated_cost has no amount")
            currency = estimate.get("currency") or ""
            if not isinstance(currency, str):
                raise ValueError(f"estimated_cost currency is not text: {short(currency)}")
            currency = currency.strip().upper()
            if not currency:
                raise ValueError("estimated_cost has no currency")
            try:
                cost[currency] += money_from_cents(estimate["amount"])
            except ValueError as exc:
                raise ValueError(f"estimated_cost: {exc}") from None
    return tokens, dict(cost)


def _notes(result: ImportResult, usage: dict, subscription: dict, stats: Counter) -> None:
    notes = result.notes
    if usage:
        notes.append("Claude Code: one ai_usage row per person and day (terminals summed), feature 'cli'; "
                     "interactions = sessions (num_sessions; the API counts no prompts), lines_accepted = lines "
                     "added by Claude Code, lines_suggested left empty (edit-tool accept/reject counts are "
                     "actions, not lines), tokens = input + output + cache read + cache creation over all models.")
    if result.rows.get("ai_costs"):
        notes.append("Claude Code: ai_costs = the API's estimated_cost (cents / 100) of API-billed usage, summed per "
                     "day and currency (no per-person or per-model amounts kept); it is Anthropic's estimate, "
                     "not an invoice.")
    if subscription:
        total = ", ".join(f"{c} {a:,.2f}" for c, a in sorted(subscription.items()))
        notes.append(f"Claude Code: estimated cost of subscription (Pro/Team/Enterprise seat) usage, {total}, is "
                     "not booked as spend: those seats are billed per seat, not per token.")
    if stats["no_customer_type"]:
        notes.append(f"Claude Code: {stats['no_customer_type']} cost entries had no customer_type and were booked "
                     "as API spend.")
    if stats["api_actors"]:
        notes.append(f"Claude Code: {stats['api_actors']} records belong to API keys, kept under the key name; "
                     "add the key name to a person's aliases in people.csv to count it as theirs.")
    if stats["pages"] and stats["pages_more"] == stats["pages"]:
        notes.append("Claude Code: every page passed says has_more: true, so the report goes on beyond these "
                     "files; fetch the rest with next_page.")
