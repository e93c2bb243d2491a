"""What a scoped document (issue 16) adds to the weekly and monthly pages: the scope in the header
and the organisation's figure beside each headline, as context (never a target or a ranking)."""

from __future__ import annotations

from dataclasses import replace

from . import fmt


def scoped_organization(doc: dict) -> str:
    """The masthead's organisation line: "Northwind Labs · Team Payments" for a scoped document."""
    scope = doc.get("scope")
    if not isinstance(scope, dict) or scope.get("kind") not in ("team", "group") or not scope.get("name"):
        return doc["organization"]
    return f"{doc['organization']} · {scope['kind'].capitalize()} {scope['name']}"


def with_organisation(kpis: tuple, doc: dict, specs: tuple) -> tuple:
    """Each KPI's detail line ends with the organisation's value for the same period (scoped documents)."""
    context = doc.get("organisation_context")
    if not context:
        return kpis
    formatters = {key: formatter for key, _, _, _, formatter, _ in specs}
    out = []
    for k in kpis:
        org = context.get(k.key) or {}
        value = org.get("value")
        if k.key == "active_ai_users":
            engineers = (context.get("engineers") or {}).get("value")
            text = fmt.NA if value is None else f"{value} of {engineers}"
        else:
            text = (formatters.get(k.key) or fmt.count)(value)
        out.append(replace(k, detail=f"{k.detail} · organisation {text}"))
    return tuple(out)
