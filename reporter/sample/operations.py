"""Operations data of the sample (the delivery pipeline's far end): deployments shipping the
merged PRs, incidents following failed deployments, and support tickets.

The fragile service's change failure rate climbs from ~5% to ~24% after its team's rollout; a
failed deployment is rolled back, causes an incident, or both; every incident brings a burst
of defect tickets.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .draw import dithered, hex_strings, ids, lognormal
from .organisation import DAY, HOUR, WEEK, Org
from .writer import Table, text

TICKET_CATEGORIES = ("how-to", "billing", "bug", "performance", "access", "data-request")
SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
_SERVICE_KEY = 1e11  # service * key + time keeps services apart in one sorted array


def deployments(org: Org, prs: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Production deployments on most weekdays per service (plus staging), shipping merged PRs."""
    prod = _production_slots(org, prs, rng)
    n = len(prod["service"])
    prod["failure"] = rng.random(n) < 0.035
    fragile = org.fragile_ramp(prod["service"], org.period.week_of(prod["at"]))
    success = ~prod["failure"]
    # ~5% change failure rate, ~24% on the fragile service in the last 8 weeks; a failed
    # deployment is rolled back (35%), causes an incident (40%) or both (25%)
    failed = success & dithered(prod["service"], 0.05 + (0.24 - 0.05) * fragile, rng)
    how = rng.choice(3, size=n, p=[0.35, 0.40, 0.25])
    prod["rolled_back"] = failed & (how != 1)
    prod["incident"] = failed & (how != 0)
    prod["environment"] = np.full(n, "production", dtype=object)
    staging = _staging(prod, rng)
    deps = {k: np.concatenate([prod[k], staging[k]]) for k in prod}
    order = np.lexsort((deps["service"], deps["at"]))
    deps = {k: v[order] for k, v in deps.items()}
    deps["id"] = ids("dep-", len(order), 6)
    prod_ok = (deps["environment"] == "production") & ~deps["failure"]
    # pipelines that record PR ids; with deployments shipping nothing, ~70% end up with a list
    deps["listed"] = prod_ok & (rng.random(len(order)) < 0.82)
    deps["sha"] = hex_strings(rng, len(order))
    _ship(prs, deps)
    return deps


def _production_slots(org: Org, prs: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """1 + Poisson deployments on ~90% of weekdays, one per ~5 merged PRs; rare weekends."""
    p = org.period
    services = len(org.services)
    merged = np.bincount(prs["service"][~np.isnan(prs["merged"])], minlength=services)
    per_day = np.clip(merged / (5 * p.weeks) / 5.0, 0.9, 5.0)  # ~5 merges per deployment
    service, day = np.divmod(np.arange(services * p.days), p.days)
    weekday = (day % 7) < 5
    count = np.where(
        weekday,
        (rng.random(len(day)) < 0.9) * (1 + rng.poisson(np.maximum(per_day[service] - 1, 0.15))),
        (rng.random(len(day)) < 0.04).astype(np.int64),
    )
    service, day = np.repeat(service, count), np.repeat(day, count)
    at = p.t0 + day * DAY + rng.uniform(9, 18, len(day)) * HOUR
    unplanned = ((day % 7) >= 5) | (rng.random(len(day)) < 0.02)  # weekend or ad-hoc hotfixes
    return {"service": service, "at": at, "unplanned": unplanned}


def _staging(prod: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A staging deployment 20-90 minutes before ~30% of production ones."""
    chosen = np.nonzero(rng.random(len(prod["service"])) < 0.3)[0]
    n = len(chosen)
    return {
        "service": prod["service"][chosen],
        "at": prod["at"][chosen] - rng.uniform(20, 90, n) * 60,
        "unplanned": np.zeros(n, dtype=bool),
        "failure": rng.random(n) < 0.04,
        "rolled_back": np.zeros(n, dtype=bool),
        "incident": np.zeros(n, dtype=bool),
        "environment": np.full(n, "staging", dtype=object),
    }


def _production_by_service(deps: dict, successful: bool) -> tuple[np.ndarray, np.ndarray]:
    """Production deployments (successful ones only, if asked) sorted by service then time:
    (sort keys, deployment indices), for searchsorted lookups."""
    chosen = deps["environment"] == "production"
    if successful:
        chosen &= ~deps["failure"]
    rows = np.nonzero(chosen)[0]
    key = deps["service"][rows] * _SERVICE_KEY + deps["at"][rows]
    order = np.argsort(key, kind="stable")
    return key[order], rows[order]


def _ship(prs: dict, deps: dict) -> None:
    """Each merged PR ships with the first successful production deployment of its service
    finishing at least 10 minutes after the merge (`deployed` = index, -1 = not yet)."""
    key, shipping = _production_by_service(deps, successful=True)
    merged = ~np.isnan(prs["merged"])
    want = prs["service"] * _SERVICE_KEY + np.where(merged, prs["merged"], 0) + 600
    pos = np.searchsorted(key, want, side="left")
    ok = merged & (pos < len(key))
    found = shipping[np.minimum(pos, len(key) - 1)]
    ok &= deps["service"][found] == prs["service"]
    prs["deployed"] = np.where(ok, found, -1)


def incidents(org: Org, deps: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Incidents opened shortly after (and before the next deploy of) a production deployment;
    ~5% have no service (vendor outages). The next deployment after one is a hotfix."""
    prod = np.nonzero(deps["environment"] == "production")[0]
    service, at = deps["service"][prod], deps["at"][prod]
    order = np.lexsort((at, service))
    prod, service, at = prod[order], service[order], at[order]
    same_next = np.r_[service[1:] == service[:-1], False]
    next_at = np.where(same_next, np.r_[at[1:], np.inf], np.inf)
    cause = deps["incident"][prod]
    gap = np.minimum(next_at, org.period.t_end) - at
    src, gap = prod[cause], gap[cause]
    delay = np.minimum(lognormal(rng, 2.5, 0.9, len(src)) * HOUR, 0.8 * gap)
    opened = deps["at"][src] + np.maximum(delay, np.minimum(60.0, 0.5 * gap))
    explicit = (rng.random(len(src)) < 0.66) | (gap < 600)
    vendor = max(1, int(round(0.05 * len(src))))
    p = org.period
    opened = np.r_[opened, p.t0 + rng.random(vendor) * (p.t_end - p.t0 - HOUR)]
    inc = {
        "opened": opened,
        "service": np.r_[deps["service"][src], np.full(vendor, -1)],
        "deployment": np.r_[np.where(explicit, src, -1), np.full(vendor, -1)],
        "severity": rng.choice(4, size=len(opened), p=[0.03, 0.15, 0.42, 0.40]),
    }
    slow = rng.random(len(opened)) < 0.08  # a few drag on for days
    resolved = opened + lognormal(rng, np.where(slow, 48.0, 3.0), 1.1) * HOUR
    # some of last week's are still being worked on; the latest one always is
    still_open = (opened > p.t_end - WEEK) & (rng.random(len(opened)) < 0.35)
    still_open[np.argmax(opened)] = True
    inc["resolved"] = np.where((resolved < p.t_end) & ~still_open, resolved, np.nan)
    # acknowledged by the on-call engineer within minutes (sev1 fastest), never after resolution
    ack = opened + lognormal(rng, np.array([3.0, 6.0, 12.0, 25.0])[inc["severity"]], 0.8) * 60
    ack = np.where(np.isnan(inc["resolved"]), ack, np.minimum(ack, inc["resolved"]))
    inc["acknowledged"] = np.where(ack < p.t_end, ack, np.nan)
    order = np.lexsort((inc["service"], inc["opened"]))
    inc = {k: v[order] for k, v in inc.items()}
    inc["id"] = ids("INC-", len(order), 4, start=1001)
    _mark_hotfixes(deps, inc)
    return inc


def _mark_hotfixes(deps: dict, inc: dict) -> None:
    """The first production deployment of a service after its incident opens is unplanned."""
    key, prod = _production_by_service(deps, successful=False)
    has = inc["service"] >= 0
    want = inc["service"][has] * _SERVICE_KEY + inc["opened"][has]
    pos = np.searchsorted(key, want, side="right")
    ok = pos < len(key)
    hit = prod[pos[ok]]
    hit = hit[deps["service"][hit] == inc["service"][has][ok]]
    deps["unplanned"][hit] = True


def deployments_table(org: Org, deps: dict, prs: dict) -> Table:
    """pr_ids lists what a deployment shipped, in merge order, where its pipeline records it;
    its sha is the merge commit of the last PR shipped."""
    n = len(deps["id"])
    shipped = np.nonzero(prs["deployed"] >= 0)[0]
    shipped = shipped[np.lexsort((prs["merged"][shipped], prs["deployed"][shipped]))]
    dep = prs["deployed"][shipped]
    count = np.bincount(dep, minlength=n)
    offsets = pa.array(np.r_[0, np.cumsum(count)].astype(np.int64))
    lists = pa.LargeListArray.from_arrays(offsets, pa.array(prs["id"][shipped], type=pa.large_string()))
    pr_ids = pc.if_else(pa.array(deps["listed"]), pc.binary_join(lists, text(";")), text(""))
    sha = deps["sha"].copy()
    last = np.r_[np.nonzero(np.diff(dep))[0], len(dep) - 1] if len(dep) else np.array([], dtype=np.int64)
    sha[dep[last]] = prs["merge_sha"][shipped[last]]
    return {
        "id": deps["id"],
        "service": np.array(org.services, dtype=object)[deps["service"]],
        "finished_at": deps["at"],
        "environment": deps["environment"],
        "status": np.where(deps["failure"], "failure", "success").astype(object),
        "pr_ids": pr_ids,
        "sha": sha,
        "unplanned": deps["unplanned"],
        "rolled_back": deps["rolled_back"],
    }


def incidents_table(org: Org, inc: dict, deps: dict) -> Table:
    services = np.array(org.services + [""], dtype=object)
    dep_ids = np.r_[deps["id"], np.array([""], dtype=object)]
    return {
        "id": inc["id"],
        "opened_at": inc["opened"],
        "service": services[inc["service"]],
        "resolved_at": inc["resolved"],
        "severity": np.array(SEVERITIES, dtype=object)[inc["severity"]],
        "deployment_id": dep_ids[inc["deployment"]],
        "acknowledged_at": inc["acknowledged"],
    }


def support_table(org: Org, inc: dict, rng: np.random.Generator) -> Table:
    """A steady trickle per service plus a burst of defect tickets after each incident."""
    p = org.period
    services = len(org.services)
    base = rng.poisson(1.0, (services, p.weeks))
    service = np.repeat(np.repeat(np.arange(services), p.weeks), base.ravel())
    week = np.repeat(np.tile(np.arange(p.weeks), services), base.ravel())
    opened = p.t0 + week * WEEK + rng.random(len(week)) * WEEK
    category = rng.choice(len(TICKET_CATEGORIES), size=len(week), p=[0.35, 0.15, 0.25, 0.1, 0.1, 0.05])
    defect = (category == 2) | ((category == 3) & (rng.random(len(week)) < 0.5))
    has = inc["service"] >= 0
    burst = rng.poisson(np.array([6.0, 3.0, 1.0, 0.3])[inc["severity"][has]])
    src = np.repeat(np.nonzero(has)[0], burst)
    service = np.r_[service, inc["service"][src]]
    opened = np.r_[opened, inc["opened"][src] + rng.uniform(0.1, 12, len(src)) * HOUR]
    category = np.r_[category, np.full(len(src), 2)]
    defect = np.r_[defect, np.ones(len(src), dtype=bool)]
    keep = opened < p.t_end
    service, opened, category, defect = service[keep], opened[keep], category[keep], defect[keep]
    resolved = opened + lognormal(rng, 18.0, 1.2, len(opened)) * HOUR
    order = np.lexsort((service, opened))
    return {
        "id": ids("SUP-", len(order), 5, start=10001),
        "opened_at": opened[order],
        "resolved_at": np.where(resolved < p.t_end, resolved, np.nan)[order],
        "category": np.array(TICKET_CATEGORIES, dtype=object)[category[order]],
        "defect": defect[order],
        "service": np.array(org.services, dtype=object)[service[order]],
    }
