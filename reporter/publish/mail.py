"""E-mail a built report: a short plain-text summary, an HTML alternative, the PDF attached.

Unattended by design: settings come from the command line or ``delivery.email``, credentials only
from SMTP_USERNAME / SMTP_PASSWORD, certificates are verified, every refusal is an error, and a
ledger of what was sent keeps a cron retry from mailing the same report twice.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import html
import json
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from ..errors import EXIT_RENDER, DeliveryError
from ..files import WriteError, os_reason, write_atomic

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
CADENCE_TITLES = {"weekly": "AI delivery update", "monthly": "Monthly AI delivery review",
                  "quarterly": "Quarterly AI ROI packet"}


@dataclass(frozen=True)
class EmailSettings:
    to: tuple[str, ...]
    sender: str
    host: str | None
    port: int
    security: str  # starttls | ssl | none
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    ca_file: str | None = None  # extra CA to trust (a company relay with a private CA)
    subject_prefix: str | None = None


def _address(value: str, what: str) -> str:
    if re.search(r"[\x00-\x1f\x7f]", value):  # CR/LF would inject headers; the CLI and config refuse them first
        raise DeliveryError(f"{what}: an address must be one line without control characters, got {value[:60]!r}")
    name, addr = parseaddr(value)
    if not re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+", addr or ""):
        raise DeliveryError(f"{what}: {value!r} is not an e-mail address")
    return value.strip()


def resolve_settings(config_email, *, to: tuple[str, ...] = (), sender: str | None = None,
                     host: str | None = None, port: int | None = None, security: str | None = None,
                     timeout: float = 30.0, ca_file: str | None = None, need_server: bool = True,
                     env: Mapping[str, str] | None = None) -> EmailSettings:
    """Command-line values win over ``delivery.email``; credentials only from the environment."""
    env = os.environ if env is None else env
    recipients = tuple(to) or tuple(config_email.to)
    if not recipients:
        raise DeliveryError("no recipient: give --to ADDRESS or set delivery.email.to in reporter.yaml")
    recipients = tuple(_address(r, "--to") for r in recipients)
    sender = sender or config_email.sender
    if not sender:
        raise DeliveryError("no sender: give --from ADDRESS or set delivery.email.from in reporter.yaml")
    sender = _address(sender, "--from")
    security = security or config_email.smtp_security
    host = host or config_email.smtp_host
    if need_server and not host:
        raise DeliveryError("no SMTP server: give --smtp-host HOST or set delivery.email.smtp_host")
    port = port or config_email.smtp_port or DEFAULT_PORTS[security]
    username = env.get("SMTP_USERNAME") or None
    password = env.get("SMTP_PASSWORD") or None
    if password and not username:
        raise DeliveryError("SMTP_PASSWORD is set but SMTP_USERNAME is not: set both to log in, or neither")
    if username and security == "none":
        raise DeliveryError("refusing to send SMTP credentials over an unencrypted connection: use "
                            "--smtp-security starttls or ssl, or unset SMTP_USERNAME")
    if ca_file and not Path(ca_file).is_file():
        raise DeliveryError(f"--smtp-ca-file {ca_file}: no such file")
    return EmailSettings(recipients, sender, host, port, security, username, password, timeout, ca_file,
                         config_email.subject_prefix)


# ---------------------------------------------------------------------------
# The message


def attachment_name(doc: dict) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", doc["organization"].lower()).strip("-") or "report"
    folder = (doc.get("scope") or {}).get("folder")  # a team's or group's report (issue 16)
    return f"{slug}{'-' + folder if folder else ''}-{doc['cadence']}-{doc['period']}.pdf"


def subject(doc: dict, prefix: str | None = None) -> str:
    label = _period_label(doc)
    from ..views.scope_view import scoped_organization

    text = f"{scoped_organization(doc)} · {CADENCE_TITLES[doc['cadence']]} · {doc['period']} ({label})"
    text = f"{prefix} {text}" if prefix else text
    return re.sub(r"[\x00-\x1f\x7f]+", " ", text)  # a header is one line (an old metrics.json may hold a break)


def _period_label(doc: dict) -> str:
    from ..views import fmt

    start = dt.date.fromisoformat(doc["start"])
    last = dt.date.fromisoformat(doc["end"]) - dt.timedelta(days=1)
    return fmt.day_range(start, last)


def summary_lines(doc: dict) -> list[str]:
    """3-5 lines with the headline numbers, worded exactly as the report's page 1 words them."""
    from .. import cadences

    row = cadences.get(doc["cadence"])
    lines = [subject(doc)]  # the subject without its prefix heads the body
    report = row.build_view()(doc, "")
    if row.mail_summary == "headlines":
        h = {x.label: x for x in report.headlines}

        def brief(label: str) -> str:
            x = h[label]
            note = x.note.split(";")[0].strip()
            return f"{label}: {x.value}" + (f" ({note})" if note else "")

        lines.append(brief("Net value"))
        lines.append(f"{brief('ROI')}; confidence {h['Confidence'].value.lower()}"
                     + (f": {h['Confidence'].note}" if h["Confidence"].note else ""))
        lines.append(brief("AI cost"))
        warnings: list[str] = []
    else:
        parts = []
        for k in report.kpis:
            value = k.value + (" merged PRs per engineer-week" if k.key == "merged_prs_per_engineer_week" else "")
            if k.status == "na":
                parts.append(f"{k.label} {value} ({k.delta.replace(' (', ', ').replace(')', '')})")
            else:
                parts.append(f"{k.label} {value} ({k.delta.replace(' vs baseline', '')}, {k.status_label})")
        lines += ["; ".join(parts[i:i + 2]) + "." for i in range(0, min(len(parts), 6), 2)]
        warnings = [w.text for w in report.warnings]
    if report.coverage_note:  # a partial period says so before anything else
        warnings.insert(0, "Partial period. " + report.coverage_note)
    lines = lines[:4]
    lines.append(f"Warning: {warnings[0]}" if warnings else f"The full report is attached ({attachment_name(doc)}).")
    return lines


def _html_body(lines: list[str]) -> str:
    head, rest = lines[0], lines[1:]
    items = "".join(f'<li style="margin:0 0 6px 0">{html.escape(line)}</li>' for line in rest)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"></head>'
        '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1c2430;'
        'font-size:14px;line-height:1.45;max-width:640px">'
        f'<p style="font-size:15px;font-weight:600;margin:0 0 10px 0">{html.escape(head)}</p>'
        f'<ul style="padding-left:18px;margin:0 0 12px 0">{items}</ul>'
        '<p style="color:#5b6675;font-size:12px;margin:0">Sent by reporter. Changes are called only when '
        'they are outside noise; the attached PDF holds the evidence and definitions.</p>'
        '</body></html>'
    )


def compose(doc: dict, pdf: bytes, settings: EmailSettings, *, date: str | None = None) -> EmailMessage:
    lines = summary_lines(doc)
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["Subject"] = subject(doc, settings.subject_prefix)
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.to)
    msg["Date"] = date or formatdate(usegmt=True)
    domain = parseaddr(settings.sender)[1].rsplit("@", 1)[-1]
    msg["Message-ID"] = make_msgid(f"{doc['cadence']}.{doc['period']}", domain=domain)
    msg["X-Reporter-Report"] = f"{doc['cadence']} {doc['period']} sha256={hashlib.sha256(pdf).hexdigest()}"
    msg.set_content("\n".join(lines) + "\n")
    msg.add_alternative(_html_body(lines), subtype="html")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=attachment_name(doc))
    return msg


def write_eml(msg: EmailMessage, path: Path) -> Path:
    try:
        write_atomic(path, msg.as_bytes())
    except OSError as exc:
        raise WriteError(f"cannot write the message file ({os_reason(exc, path)}); nothing was sent", EXIT_RENDER) \
            from None
    return path


# ---------------------------------------------------------------------------
# Sending


def send(msg: EmailMessage, settings: EmailSettings, recipients: tuple[str, ...]) -> None:
    """Deliver to ``recipients``; any refusal or SMTP problem raises DeliveryError naming it."""
    if settings.host is None:  # only a dry run resolves settings without a server, and it never sends
        raise DeliveryError("no SMTP server: give --smtp-host HOST or set delivery.email.smtp_host")
    where = f"{settings.host}:{settings.port} ({settings.security})"
    context = ssl.create_default_context(cafile=settings.ca_file) if settings.security != "none" else None
    if context is not None and settings.ca_file:
        context.load_default_certs()
    envelope = [parseaddr(r)[1] for r in recipients]
    client: smtplib.SMTP
    try:
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            client.ehlo()
            if settings.security == "starttls":
                if not client.has_extn("starttls"):
                    raise DeliveryError(f"SMTP server {where} does not offer STARTTLS; refusing to send in clear "
                                        "text (use --smtp-security ssl, or none for a trusted local relay)")
                client.starttls(context=context)
                client.ehlo()
            if settings.username:
                client.login(settings.username, settings.password or "")
            refused = client.send_message(msg, from_addr=parseaddr(settings.sender)[1], to_addrs=envelope)
    except DeliveryError:
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"SMTP server {where} refused every recipient: {_refusals(exc.recipients)}") from None
    except smtplib.SMTPSenderRefused as exc:
        raise DeliveryError(f"SMTP server {where} refused the sender {exc.sender}: {exc.smtp_code} "
                            f"{_text(exc.smtp_error)}") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP server {where} rejected the login of SMTP_USERNAME: {exc.smtp_code} "
                            f"{_text(exc.smtp_error)}") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"SMTP server {where}: {exc}") from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP server {where} answered {exc.smtp_code} {_text(exc.smtp_error)}") from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(f"the certificate of SMTP server {where} could not be verified "
                            f"({exc.verify_message}); give --smtp-ca-file if it uses a private CA") from None
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise DeliveryError(f"SMTP with {where} failed: {exc}") from None
    except socket.timeout:
        raise DeliveryError(f"SMTP server {where} did not answer within {settings.timeout:g} s") from None
    except OSError as exc:
        raise DeliveryError(f"cannot reach SMTP server {where}: {exc.strerror or exc}") from None
    if refused:
        raise PartialDelivery(envelope, refused, where)


class PartialDelivery(DeliveryError):
    """Some recipients took the mail and some refused it: the accepted ones are recorded as sent."""

    def __init__(self, envelope: list[str], refused: dict, where: str) -> None:
        self.accepted = [r for r in envelope if r not in refused]
        self.refused = refused
        super().__init__(f"SMTP server {where} refused {len(refused)} of {len(envelope)} recipients: "
                         f"{_refusals(refused)}; delivered to {', '.join(self.accepted)}")


def _text(raw) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _refusals(recipients: dict) -> str:
    return "; ".join(f"{addr} ({code} {_text(reason)})" for addr, (code, reason) in sorted(recipients.items()))


# ---------------------------------------------------------------------------
# The ledger: what was sent to whom


class Ledger:
    """A JSON file of (cadence, period, recipient) already mailed; locked while a send runs."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _load(self) -> list[dict]:
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return list(data["sent"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryError(f"{self.path}: not a readable sent-mail ledger ({exc}); fix or remove it "
                                "(removing it allows resending)") from None

    def sent_to(self, cadence: str, period: str) -> dict[str, dict]:
        return {e["to"].lower(): e for e in self._load() if e["cadence"] == cadence and e["period"] == period}

    def record(self, cadence: str, period: str, recipients: list[str], pdf_sha256: str, message_id: str) -> None:
        entries = self._load()
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        for r in recipients:
            entries.append({"cadence": cadence, "period": period, "to": r, "pdf_sha256": pdf_sha256,
                            "message_id": message_id, "sent_at": now})
        self._write(entries, recipients)

    def _write(self, entries: list[dict], recipients: list[str]) -> None:
        """The whole ledger, replaced atomically (0600: it lists recipients' addresses). It is written
        once before anything is sent (``locked``), so a full disk stops the send, not the record of it."""
        try:
            write_atomic(self.path, (json.dumps({"sent": entries}, indent=2) + "\n").encode("utf-8"), mode=0o600)
        except OSError as exc:
            raise DeliveryError(f"sent to {', '.join(recipients)}, but the ledger could not record it "
                                f"({os_reason(exc, self.path)}): a re-run would send again; add them to it by hand "
                                f"or free space first") from None

    def _check_writable(self) -> None:
        """Rewrite the ledger as it is (or an empty one): proves space and permission before a mail goes out."""
        try:
            raw = self.path.read_bytes() if self.path.exists() else (json.dumps({"sent": []}, indent=2) + "\n").encode()
            write_atomic(self.path, raw, mode=0o600)
        except OSError as exc:
            raise DeliveryError(f"cannot write the sent-mail ledger ({os_reason(exc, self.path)}); nothing was sent") \
                from None

    @contextmanager
    def locked(self):
        """One sender at a time: two overlapping cron runs must not both send."""
        lock = self.path.with_name(self.path.name + ".lock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(lock, "a+")
        except OSError as exc:
            raise DeliveryError(f"cannot open the sent-mail ledger's lock ({os_reason(exc, lock)}); nothing was sent") \
                from None
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DeliveryError(f"another `reporter send` holds {fh.name}; try again when it has finished") \
                    from None
            self._check_writable()
            try:
                yield self
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
