"""`reporter notify`: the week's summary as a chat digest (Slack Block Kit, Teams Adaptive Card).

The digest says what the mail body says (mail.summary_lines, worded as page 1) and links to the
published report. Webhook URLs are secrets: they come only from the environment, are never
printed (errors name the variable and the host), and must be https (http only to loopback,
for tests). Delivery retries on 429 (honouring Retry-After, bounded) and on 5xx and network
errors with exponential backoff, a bounded number of times; any other answer is a DeliveryError
(exit 6). The sent ledger (sending.ScopedLedger) keeps a cron retry from posting twice.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import DeliveryError
from . import mail

CHANNELS = ("slack", "teams")
ENV_BASE = {"slack": "REPORTER_SLACK_WEBHOOK_URL", "teams": "REPORTER_TEAMS_WEBHOOK_URL"}
MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After fails the run rather than hang a cron job
SLACK_SECTION_LIMIT = 3000
SLACK_HEADER_LIMIT = 150


@dataclass(frozen=True)
class Retry:
    attempts: int = 5  # at most this many POSTs per message
    backoff: float = 1.0  # seconds before the 2nd attempt; doubled each time (5xx, network errors)
    max_wait: float = MAX_RETRY_AFTER


# ---------------------------------------------------------------------------
# Where to post


def env_name(channel: str, doc: dict) -> str:
    """REPORTER_SLACK_WEBHOOK_URL for the organisation, ..._PAYMENTS for team payments,
    ..._GROUP_PLATFORM for group platform (ids upper-cased, other characters as _)."""
    scope = doc.get("scope")
    base = ENV_BASE[channel]
    if not scope or scope["kind"] == "organisation":
        return base
    suffix = re.sub(r"[^A-Z0-9]+", "_", scope["id"].upper()).strip("_")
    return f"{base}_{suffix}" if scope["kind"] == "team" else f"{base}_GROUP_{suffix}"


def check_url(url: str, what: str, *, allow_loopback_http: bool = True) -> str:
    """https, or http to a loopback address; never echo the URL itself (it is a secret)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        raise DeliveryError(f"{what} is not a valid URL") from None
    if parts.scheme == "https" and host:
        return url.strip()
    if parts.scheme == "http" and allow_loopback_http and _loopback(host):
        return url.strip()
    raise DeliveryError(f"{what} must be an https:// URL (http only to a loopback address); "
                        f"got scheme {parts.scheme or 'none'!r} for host {host or 'none'!r}")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def report_url(site_url: str, doc: dict) -> str:
    """The published HTML of this period (not ``latest``, which moves on next week)."""
    folder = (doc.get("scope") or {}).get("folder")
    base = site_url.rstrip("/")
    return f"{base}/{folder + '/' if folder else ''}{doc['cadence']}/{doc['period']}/report.html"


# ---------------------------------------------------------------------------
# Payloads


def digest_lines(doc: dict) -> list[str]:
    """The mail body's lines (mail.summary_lines) without the line about the attachment."""
    lines = mail.summary_lines(doc)
    return [line for line in lines if not line.startswith("The full report is attached")]


def slack_escape(text: str) -> str:
    """Slack reads &, < and > as markup (<!channel> would ping everyone)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_payload(doc: dict, link: str | None) -> dict:
    """Block Kit: a plain-text header and body (no markup interpreted), a mrkdwn link line, and
    ``text`` as the notification fallback."""
    lines = digest_lines(doc)
    head, rest = lines[0], lines[1:]
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": _clip(head, SLACK_HEADER_LIMIT),
                                                      "emoji": False}}]
    for line in rest:
        blocks.append({"type": "section", "text": {"type": "plain_text", "text": _clip(line, SLACK_SECTION_LIMIT),
                                                   "emoji": False}})
    if link:
        blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                                   "text": f"<{slack_escape(link)}|Open the full report>"}})
    blocks.append({"type": "context", "elements": [{"type": "plain_text", "emoji": False, "text": (
        "Changes are called only when they are outside noise; the report holds the evidence and definitions.")}]})
    return {"text": slack_escape(head), "blocks": blocks}


_TEAMS_MARKDOWN = re.compile(r"([\\`*_\[\]])")
_TEAMS_LIST = re.compile(r"^(\s*)([-+*]|\d+\.)(\s)")


def teams_escape(text: str) -> str:
    """Adaptive Card TextBlocks read a Markdown subset (emphasis, links, lists) and {{DATE()}}
    functions. Escape only what starts those (renderers differ on backslashes elsewhere): *, _,
    brackets, backticks, a list marker at the start, and {{."""
    text = _TEAMS_MARKDOWN.sub(r"\\\1", text)
    text = _TEAMS_LIST.sub("\\1\u200b\\2\\3", text)
    return text.replace("{{", "{\u200b{")


def teams_payload(doc: dict, link: str | None) -> dict:
    """An Adaptive Card (1.4) in the message envelope Teams incoming webhooks and Workflows accept."""
    lines = digest_lines(doc)
    head, rest = lines[0], lines[1:]
    body = [{"type": "TextBlock", "text": teams_escape(head), "weight": "Bolder", "size": "Medium", "wrap": True}]
    body += [{"type": "TextBlock", "text": teams_escape(line), "wrap": True, "spacing": "Small"} for line in rest]
    body.append({"type": "TextBlock", "isSubtle": True, "size": "Small", "wrap": True, "text": teams_escape(
        "Changes are called only when they are outside noise; the report holds the evidence and definitions.")})
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "body": body}
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the full report", "url": link}]
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


PAYLOADS: dict[str, Callable[[dict, str | None], dict]] = {"slack": slack_payload, "teams": teams_payload}


# ---------------------------------------------------------------------------
# Posting


def post(url: str, payload: dict, *, what: str, retry: Retry = Retry(), timeout: float = 30.0,
         sleep: Callable[[float], None] = time.sleep) -> int:
    """POST the JSON payload; retry 429 (Retry-After) and 5xx/network errors with backoff.
    Returns the number of attempts made. ``what`` names the destination (never the URL)."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    host = urlsplit(url).hostname
    problem = ""
    for attempt in range(1, retry.attempts + 1):
        request = urllib.request.Request(url, data=data, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": "reporter"})
        wait = retry.backoff * 2 ** (attempt - 1)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked
                response.read()
                return attempt
        except urllib.error.HTTPError as exc:
            body = _excerpt(exc)
            if exc.code == 429:
                after = _retry_after(exc.headers.get("Retry-After"))
                if after is not None and after > retry.max_wait:
                    raise DeliveryError(f"{what} ({host}) is rate-limiting: Retry-After {after:g} s is longer than "
                                        f"the {retry.max_wait:g} s this run waits; run again later") from None
                wait = after if after is not None else wait
                problem = f"429 Too Many Requests{body}"
            elif 500 <= exc.code < 600:
                problem = f"{exc.code} {exc.reason}{body}"
            else:
                raise DeliveryError(f"{what} ({host}) refused the message: {exc.code} {exc.reason}{body}") from None
        except (urllib.error.URLError, socket.timeout, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            problem = f"cannot reach it ({reason})"
        if attempt < retry.attempts:
            sleep(min(wait, retry.max_wait))
    raise DeliveryError(f"{what} ({host}) failed after {retry.attempts} attempts: {problem}")


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:  # an HTTP date: wait the backoff instead
        return None


def _excerpt(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(300).decode("utf-8", "replace").strip()
    except Exception:  # noqa: BLE001 - the body is a courtesy
        text = ""
    return f" ({' '.join(text.split())[:200]})" if text else ""


# ---------------------------------------------------------------------------
# The run


@dataclass
class NotifyOutcome:
    lines: list[str] = field(default_factory=list)
    posted: list[str] = field(default_factory=list)


def run(folders: list[Path], channels: tuple[str, ...], *, site_url: str | None, ledger_path: Path,
        dry_run: bool, force: bool, retry: Retry = Retry(), timeout: float = 30.0,
        env: Mapping[str, str] | None = None, sleep: Callable[[float], None] = time.sleep) -> NotifyOutcome:
    """Post each report folder's digest to each channel's webhook for its scope.

    A scope without a webhook variable is listed and skipped (never posted to another scope's
    channel). Every payload is built before anything is posted."""
    from .sending import ScopedLedger, _read_metrics, scope_key

    environ: Mapping[str, str] = os.environ if env is None else env
    if site_url is not None:
        site_url = check_url(site_url, "the site URL (--site-url / site.url)")
    outcome = NotifyOutcome()
    plans = []
    for folder in folders:
        doc = _read_metrics(folder)
        link = report_url(site_url, doc) if site_url else None
        for channel in channels:
            name = env_name(channel, doc)
            payload = PAYLOADS[channel](doc, link)
            url = environ.get(name) or None
            if url is None and not dry_run:
                outcome.lines.append(f"no {channel} webhook for {scope_key(doc)} (set {name}): not posted")
                continue
            if url is not None:
                url = check_url(url, name)
            plans.append((doc, channel, name, url, payload))
    if dry_run:
        for doc, channel, name, url, payload in plans:
            state = "set" if url else "NOT set"
            outcome.lines.append(f"dry run [{scope_key(doc)}] {channel} via {name} ({state}):")
            outcome.lines.append(json.dumps(payload, indent=2, ensure_ascii=False))
        outcome.lines.append(f"dry run: {len(plans)} message(s); nothing posted")
        return outcome
    ledger = ScopedLedger(ledger_path)
    failed = []
    with ledger.locked():
        for doc, channel, name, url, payload in plans:
            key, target = scope_key(doc), f"{channel}:{name}"
            already = ledger.sent_to(doc["cadence"], doc["period"], key)
            if target.lower() in already and not force:
                outcome.lines.append(f"already posted {key} {doc['cadence']} {doc['period']} to {channel} ({name}) "
                                     f"at {already[target.lower()]['sent_at']} (--force posts again)")
                continue
            assert url is not None  # a plan without a URL exists only in a dry run
            try:
                attempts = post(url, payload, what=f"{channel} webhook {name}", retry=retry, timeout=timeout,
                                sleep=sleep)
            except DeliveryError as exc:  # the other scopes may still go; the run fails at the end
                failed.append(f"{key}: {exc}")
                continue
            digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
            ledger.record(doc["cadence"], doc["period"], [target.lower()], digest, "", key)
            outcome.posted.append(f"{key}:{channel}")
            outcome.lines.append(f"posted [{key}] {doc['cadence']} {doc['period']} to {channel} ({name})"
                                 + (f" after {attempts} attempts" if attempts > 1 else ""))
    if failed:
        done = ", ".join(outcome.posted) or "nothing"
        raise DeliveryError(f"{len(failed)} of {len(plans)} chat messages failed: {' | '.join(failed)}. "
                            f"Posted (recorded in {ledger.path}): {done}")
    return outcome
