"""`reporter send`: mail built report folders once per recipient (building is the application
layer's job, reporter/app.py; this module only reads what `reporter build` wrote)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..errors import DeliveryError, InputError
from . import mail


@dataclass
class SendOutcome:
    lines: list[str] = field(default_factory=list)
    sent_to: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    eml: Path | None = None


def _read_report(folder: Path) -> tuple[dict, bytes]:
    folder = Path(folder)
    pdf, metrics = folder / "report.pdf", folder / "metrics.json"
    missing = [p.name for p in (pdf, metrics) if not p.is_file()]
    if missing:
        raise InputError(f"report folder {folder} has no {' and no '.join(missing)}: build it with "
                         "`reporter build CADENCE --input DIR` (all formats) first")
    try:
        doc = json.loads(metrics.read_text(encoding="utf-8"))
        doc["cadence"], doc["period"], doc["start"], doc["end"], doc["organization"]  # noqa: B018
    except (ValueError, KeyError) as exc:
        raise InputError(f"{metrics}: not a reporter metrics.json ({exc})") from None
    return doc, pdf.read_bytes()


def run(*, folder: Path, config: Config, reports_root: Path, overrides: dict, dry_run: bool,
        eml_path: Path | None, force: bool, ledger_path: Path | None,
        progress: Callable[[str], None] = lambda _: None) -> SendOutcome:
    """Mail one built report folder once per recipient (the application layer, reporter/app.py,
    builds it first when asked: this module only reads built folders)."""
    outcome = SendOutcome()
    doc, pdf = _read_report(folder)
    settings = mail.resolve_settings(config.delivery.email, need_server=not dry_run, **overrides)
    msg = mail.compose(doc, pdf, settings)
    digest = hashlib.sha256(pdf).hexdigest()
    if dry_run:
        target = eml_path or folder / "message.eml"
        outcome.eml = mail.write_eml(msg, target)
        outcome.lines.append(f"dry run: wrote {target} ({msg['Subject']}; to {', '.join(settings.to)}); nothing sent")
        return outcome
    ledger = mail.Ledger(ledger_path or reports_root / ".sent.json")
    with ledger.locked():
        already = ledger.sent_to(doc["cadence"], doc["period"])
        pending = []
        for recipient in settings.to:
            address = mail.parseaddr(recipient)[1].lower()
            if address in already and not force:
                outcome.skipped.append(recipient)
            else:
                pending.append(recipient)
        for recipient in outcome.skipped:
            entry = already[mail.parseaddr(recipient)[1].lower()]
            outcome.lines.append(f"already sent {doc['cadence']} {doc['period']} to {recipient} at {entry['sent_at']}"
                                 " (ledger " + str(ledger.path) + "; --force resends)")
        if not pending:
            return outcome
        progress(f"sending to {', '.join(pending)} via {settings.host}:{settings.port} ...")
        try:
            mail.send(msg, settings, tuple(pending))
        except mail.PartialDelivery as exc:
            ledger.record(doc["cadence"], doc["period"], [a.lower() for a in exc.accepted], digest, msg["Message-ID"])
            raise
        ledger.record(doc["cadence"], doc["period"], [mail.parseaddr(r)[1].lower() for r in pending], digest,
                      msg["Message-ID"])
    outcome.sent_to = pending
    outcome.lines.append(f"sent \"{msg['Subject']}\" to {', '.join(pending)} "
                         f"({mail.attachment_name(doc)}, {len(pdf):,} bytes)")
    return outcome


# ---------------------------------------------------------------------------
# One message per scope (issue 16): --team / --group / --all-teams / --all-groups


class ScopedLedger(mail.Ledger):
    """The sent ledger keyed on (scope, cadence, period, recipient). Entries without a scope are the
    organisation's, so a ledger written before scopes existed keeps meaning what it meant."""

    def sent_to(self, cadence: str, period: str, scope: str = "organisation") -> dict[str, dict]:
        return {e["to"].lower(): e for e in self._load() if e["cadence"] == cadence and e["period"] == period
                and e.get("scope", "organisation") == scope}

    def record(self, cadence: str, period: str, recipients: list[str], pdf_sha256: str, message_id: str,
               scope: str = "organisation") -> None:
        if scope == "organisation":
            return super().record(cadence, period, recipients, pdf_sha256, message_id)
        entries = self._load()
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        entries += [{"scope": scope, "cadence": cadence, "period": period, "to": r, "pdf_sha256": pdf_sha256,
                     "message_id": message_id, "sent_at": now} for r in recipients]
        self._write(entries, recipients)


def _read_metrics(folder: Path) -> dict:
    """A built report folder's metrics.json (what a chat digest needs; no PDF)."""
    metrics = Path(folder) / "metrics.json"
    try:
        doc = json.loads(metrics.read_text(encoding="utf-8"))
        doc["cadence"], doc["period"], doc["start"], doc["end"], doc["organization"]  # noqa: B018
    except FileNotFoundError:
        raise InputError(f"report folder {folder} has no metrics.json: build it with `reporter build` first") from None
    except (ValueError, KeyError) as exc:
        raise InputError(f"{metrics}: not a reporter metrics.json ({exc})") from None
    return doc


def scope_key(doc: dict) -> str:
    """The ledger's scope of a document: 'organisation', 'team:payments' or 'group:platform'."""
    scope = doc.get("scope")
    return "organisation" if not scope or scope["kind"] == "organisation" else f"{scope['kind']}:{scope['id']}"


def scope_recipients(config: Config, doc: dict) -> tuple[str, ...]:
    """delivery.email.teams.<id> / .groups.<name> for a scope; delivery.email.to for the organisation."""
    scope = doc.get("scope")
    email = config.delivery.email
    if not scope or scope["kind"] == "organisation":
        return tuple(email.to)
    return tuple((email.teams if scope["kind"] == "team" else email.groups).get(scope["id"], ()))


def scoped_folders(report_dir: Path, request) -> list[Path]:
    """The report folders a --report run sends: the organisation's (with --all-*) and its scope sub-folders."""
    from ..scopes import slug

    folder = Path(report_dir)
    out = [folder] if request.with_organisation else []
    subs = sorted(p for p in folder.iterdir() if p.is_dir() and (p / "metrics.json").is_file())
    for sub in subs:
        kind = sub.name.split("-", 1)[0]
        named = {f"team-{slug(t)}" for t in request.teams} | {f"group-{slug(g)}" for g in request.groups}
        if (kind == "team" and request.all_teams) or (kind == "group" and request.all_groups) or sub.name in named:
            out.append(sub)
    missing = {f"team-{slug(t)}" for t in request.teams} | {f"group-{slug(g)}" for g in request.groups}
    missing -= {p.name for p in out}
    if missing:
        raise InputError(f"{folder} holds no report for {', '.join(sorted(missing))}: build it with "
                         "`reporter build CADENCE --team/--group ...` first")
    return out


def run_scopes(*, config: Config, folders: list[Path], reports_root: Path, overrides: dict, dry_run: bool,
               force: bool, ledger_path: Path | None,
               progress: Callable[[str], None] = lambda _: None) -> SendOutcome:
    """One message per scope, to that scope's recipients, with that scope's PDF and summary. A scope
    without recipients is listed and skipped (never mailed to the organisation's list)."""
    outcome = SendOutcome()
    ledger = ScopedLedger(ledger_path or reports_root / ".sent.json")
    messages = []
    for folder in folders:  # everything composed (and every address checked) before anything is sent
        doc, pdf = _read_report(folder)
        recipients = scope_recipients(config, doc)
        key = scope_key(doc)
        if not recipients:
            where = "delivery.email.to" if key == "organisation" else f"delivery.email.{key.replace(':', 's.', 1)}"
            outcome.lines.append(f"no recipients for {key} (set {where} in reporter.yaml): not sent")
            continue
        settings = mail.resolve_settings(config.delivery.email, need_server=not dry_run,
                                         **{**overrides, "to": recipients})
        messages.append((folder, doc, pdf, key, settings, mail.compose(doc, pdf, settings)))
    if dry_run:
        for folder, doc, pdf, key, settings, msg in messages:
            target = mail.write_eml(msg, folder / "message.eml")
            outcome.lines.append(f"dry run [{key}]: {msg['Subject']}; to {', '.join(settings.to)}; "
                                 f"attachment {mail.attachment_name(doc)} ({len(pdf):,} bytes); wrote {target}")
        outcome.lines.append(f"dry run: {len(messages)} message(s); nothing sent")
        return outcome
    failed: list[str] = []
    with ledger.locked():
        for folder, doc, pdf, key, settings, msg in messages:
            already = ledger.sent_to(doc["cadence"], doc["period"], key)
            pending = [r for r in settings.to if force or mail.parseaddr(r)[1].lower() not in already]
            for r in settings.to:
                if r not in pending:
                    outcome.skipped.append(r)
                    outcome.lines.append(f"already sent {key} {doc['cadence']} {doc['period']} to {r} at "
                                         f"{already[mail.parseaddr(r)[1].lower()]['sent_at']} (--force resends)")
            if not pending:
                continue
            progress(f"sending {key} to {', '.join(pending)} via {settings.host}:{settings.port} ...")
            digest = hashlib.sha256(pdf).hexdigest()
            try:
                mail.send(msg, settings, tuple(pending))
            except mail.PartialDelivery as exc:
                ledger.record(doc["cadence"], doc["period"], [a.lower() for a in exc.accepted], digest,
                              msg["Message-ID"], key)
                failed.append(f"{key}: {exc}")
                continue
            except DeliveryError as exc:  # the next scope may still go; the run fails at the end
                failed.append(f"{key}: {exc}")
                continue
            ledger.record(doc["cadence"], doc["period"], [mail.parseaddr(r)[1].lower() for r in pending], digest,
                          msg["Message-ID"], key)
            outcome.sent_to += pending
            outcome.lines.append(f"sent [{key}] \"{msg['Subject']}\" to {', '.join(pending)} "
                                 f"({mail.attachment_name(doc)}, {len(pdf):,} bytes)")
    if failed:
        done = "; ".join(line for line in outcome.lines if line.startswith("sent ")) or "nothing"
        raise DeliveryError(f"{len(failed)} of {len(messages)} scope messages failed: {' | '.join(failed)}. "
                            f"Sent (recorded in {ledger.path}): {done}")
    return outcome
