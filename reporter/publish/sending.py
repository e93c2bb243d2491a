"""`reporter send`: build or reuse a report, then mail it once per recipient."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config, load_config
from ..errors import InputError
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


def run(*, cadence: str | None, input_dir: Path | None, report_dir: Path | None, config_path: Path | None,
        period_id: str | None, out_dir: Path, today: dt.date | None, strict: bool, overrides: dict,
        dry_run: bool, eml_path: Path | None, force: bool, ledger_path: Path | None,
        progress: Callable[[str], None] = lambda _: None) -> SendOutcome:
    outcome = SendOutcome()
    if report_dir is not None:
        config = load_config(config_path) if config_path else Config()
        folder = Path(report_dir)
        reports_root = folder.parent.parent
    else:
        from ..build import build, resolve_config_path

        config = load_config(resolve_config_path(Path(input_dir), config_path))
        progress(f"building the {cadence} report from {input_dir} ...")
        doc, paths = build(cadence, Path(input_dir), Path(out_dir), config_path=config_path, period_id=period_id,
                           strict=strict, today=today)
        folder = Path(out_dir) / cadence / doc["period"]
        reports_root = Path(out_dir)
        outcome.lines.append(f"{cadence} report {doc['period']}: built in {folder}")
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
