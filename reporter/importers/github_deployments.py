"""GitHub deployments (``import_deployments``), from the REST API's JSON (how files are read:
``reporter.importers.github``): REST deployment objects (``GET /repos/O/R/deployments``) with
their statuses (``GET /repos/O/R/deployments/ID/statuses``) as

* a ``statuses`` array inside each deployment object, or
* a bundle ``{"deployment": {...}, "statuses": [...]}``, or
* status objects in any file (as the statuses endpoint prints them), matched to their deployment
  by ``deployment_url``.

The outcome is the latest status that is not ``inactive``: success, or failure/error (status
``failure``), finished at that status' ``created_at``. ``inactive`` (superseded) after a success
stays a success. A deployment whose latest status is pending/queued/in_progress, or that has no
status, has not finished: it is left out and counted in the notes (not an error). Service = the
repo name, unless ``payload.service`` names one. Environment is lowercased; ``prod`` and
deployments flagged ``production_environment: true`` are ``production``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from .. import jsontext
from .base import ImportContext, ImportResult, iso_utc, parse_time
from .github import _REPO_URL, classified_records

_DEPLOYMENT_URL = re.compile(r"/repos/[^/]+/([^/]+)/deployments/(\d+)(?:[/?#]|$)")


# ---------------------------------------------------------------------------
# Deployments

_RUNNING = {"pending", "queued", "in_progress", "waiting"}
_DONE = {"success": "success", "failure": "failure", "error": "failure"}
_KNOWN_STATES = _RUNNING | set(_DONE) | {"inactive"}


def _dep_kind(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("deployment"), dict):
        return "bundle"
    if "deployment_url" in obj and "state" in obj:
        return "status"
    if "id" in obj and ("environment" in obj or "sha" in obj or "statuses_url" in obj):
        return "deployment"
    return None


def _dep_repo(obj: dict) -> str | None:
    for key in ("repository_url", "url", "statuses_url"):
        m = _REPO_URL.search(str(obj.get(key) or ""))
        if m:
            return m.group(1)
    repo = obj.get("repository")
    return repo.get("name") if isinstance(repo, dict) else None


def _payload_service(obj: dict) -> str | None:
    payload = obj.get("payload")
    if isinstance(payload, str) and payload.strip().startswith("{"):
        try:
            payload = jsontext.decode(payload)
        except (ValueError, RecursionError):  # not JSON, too long a number, nested too deeply
            return None
    if isinstance(payload, dict) and isinstance(payload.get("service"), str) and payload["service"].strip():
        return payload["service"].strip()
    return None


def import_deployments(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """``deployments`` rows from REST deployments with their statuses (module doc)."""
    result = ImportResult()
    deployments: dict[str, tuple[str, int, dict, list]] = {}  # id -> (file, record, object, statuses)
    loose: list[tuple[str, int, str, dict]] = []
    for path in paths:
        name, records, found = classified_records(
            path, _dep_kind, "a deployments export: expected deployment objects (id, sha, environment...), "
            "{deployment, statuses} bundles or status objects (state, deployment_url)")
        for number, (obj, kind) in enumerate(zip(records, found), start=1):
            if kind is None:
                result.issue(name, number, "not a deployment, status or bundle object")
                continue
            if kind == "status":
                m = _DEPLOYMENT_URL.search(str(obj.get("deployment_url") or ""))
                if not m:
                    result.issue(name, number, "status whose deployment_url names no deployment", obj.get("id"))
                    continue
                loose.append((name, number, m.group(2), obj))
                continue
            statuses = obj.get("statuses")
            if kind == "bundle":
                statuses, obj = obj.get("statuses"), obj["deployment"]
            dep_id = str(obj.get("id") or "").strip()
            if not dep_id:
                result.issue(name, number, "deployment without id")
                continue
            statuses = statuses if isinstance(statuses, list) else []
            if dep_id in deployments:  # listed twice: statuses add up
                deployments[dep_id][3].extend(statuses)
            else:
                deployments[dep_id] = (name, number, obj, list(statuses))
    for name, number, dep_id, status in loose:
        if dep_id in deployments:
            deployments[dep_id][3].append(status)
        else:
            result.issue(name, number, f"status of deployment {dep_id}, which is not among the imported deployments",
                         status.get("id"))

    running: Counter[str] = Counter()
    for dep_id, (name, number, obj, statuses) in deployments.items():
        service = _payload_service(obj) or _dep_repo(obj)
        if not service:
            result.issue(name, number, "cannot tell the service: no repository_url/url and no payload.service",
                         dep_id)
            continue
        try:
            outcome = _outcome(statuses)
        except ValueError as exc:
            result.issue(name, number, str(exc), dep_id)
            continue
        if isinstance(outcome, str):
            running[outcome] += 1
            continue
        state, finished = outcome
        env = str(obj.get("environment") or "").strip().lower()
        if env in ("production", "prod") or obj.get("production_environment") is True:
            env = "production"
        result.add("deployments", {"id": dep_id, "service": service, "finished_at": iso_utc(finished),
                                   "environment": env or None, "status": state, "sha": obj.get("sha") or None})
    if running:
        parts = [f"{n} {why}" for why, n in sorted(running.items())]
        result.notes.append(
            f"{sum(running.values())} deployment{'s' if sum(running.values()) != 1 else ''} not finished, left out "
            f"(no finished_at yet): {', '.join(parts)}")
    return result


def _outcome(statuses: list) -> tuple[str, Any] | str:
    """(success|failure, finished time) from the latest non-inactive status, or why there is none."""
    seen = []
    for i, s in enumerate(statuses, start=1):
        if not isinstance(s, dict):
            raise ValueError(f"status {i} is not an object")
        state = str(s.get("state") or "").strip().lower()
        if state not in _KNOWN_STATES:
            raise ValueError(f"status {i}: unknown state {s.get('state')!r}")
        at = parse_time(s.get("created_at") or s.get("updated_at"))
        if at is None:
            raise ValueError(f"status {i} ({state}) has no created_at")
        seen.append((at, _int_or(s.get("id")), state))
    if not seen:
        return "without any status"
    seen.sort(key=lambda t: (t[0], t[1]))
    active = [t for t in seen if t[2] != "inactive"]
    if not active:
        return "only inactive (superseded before finishing)"
    at, _, state = active[-1]
    if state in _RUNNING:
        return f"still {state}"
    return _DONE[state], at


def _int_or(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an id of Infinity
        return 0
