"""`reporter send` against a real SMTP server (aiosmtpd on loopback, STARTTLS, AUTH, a trusted CA)."""

from __future__ import annotations

import email
import json
import shutil
import socket
import ssl
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner

aiosmtpd = pytest.importorskip("aiosmtpd.controller")
trustme = pytest.importorskip("trustme")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from reporter.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
USER, PASSWORD = "reporter-bot", "s3cret-pass"


class Inbox:
    """Keeps every message the server accepted; refuses one address like a real server would."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
            and auth_data.password == PASSWORD.encode()
        if ok:
            self.logins.append(auth_data.login)
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    authority = trustme.CA()
    cert = authority.issue_cert("localhost", "127.0.0.1")
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    return authority, cert, ca_file


def _server(cert, implicit_tls: bool = False):
    inbox = Inbox()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    port = _free_port()
    # Implicit TLS: aiosmtpd does not count the TLS it terminates itself as "TLS" for AUTH.
    kwargs = dict(hostname="127.0.0.1", port=port, authenticator=inbox.authenticate, auth_required=True,
                  auth_require_tls=not implicit_tls,
                  server_hostname="localhost", auth_exclude_mechanism=["LOGIN"])
    if implicit_tls:
        controller = Controller(inbox, ssl_context=context, **kwargs)
    else:
        controller = Controller(inbox, tls_context=context, require_starttls=True, **kwargs)
    controller.start()
    return controller, inbox, port


@pytest.fixture
def smtp(ca):
    controller, inbox, port = _server(ca[1])
    yield inbox, port
    controller.stop()


@pytest.fixture(scope="module")
def built(sample_build):
    doc, files = sample_build("weekly")  # shared by the whole run: tests copy it before sending (`report`)
    return files["metrics.json"].parent, doc


@pytest.fixture
def report(built, tmp_path):
    folder = tmp_path / "reports" / "weekly" / "2026-W47"
    shutil.copytree(built[0], folder)
    return folder


def _send(report: Path, port: int, ca_file: Path, *extra: str, env: dict | None = None):
    args = ["send", "--report", str(report), "--to", "lead@example.com", "--to", "cfo@example.com",
            "--from", "Reporter <reporter@example.com>", "--smtp-host", "localhost", "--smtp-port", str(port),
            "--smtp-ca-file", str(ca_file), "--smtp-timeout", "10", *extra]
    environment = {"SMTP_USERNAME": USER, "SMTP_PASSWORD": PASSWORD} if env is None else env
    return CliRunner().invoke(main, args, env=environment)


def test_starttls_and_auth_deliver_the_pdf_byte_for_byte(smtp, ca, report):
    inbox, port = smtp
    result = _send(report, port, ca[2])
    assert result.exit_code == 0, result.output
    assert inbox.logins == [USER.encode()]
    assert len(inbox.messages) == 1
    sender, rcpts, raw = inbox.messages[0]
    assert sender == "reporter@example.com" and rcpts == ["lead@example.com", "cfo@example.com"]
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert "AI delivery update" in msg["Subject"] and "2026-W47" in msg["Subject"]
    attachments = list(msg.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["northwind-labs-weekly-2026-W47.pdf"]
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == (report / "report.pdf").read_bytes()
    text = msg.get_body(("plain",)).get_content().strip().splitlines()
    assert 3 <= len(text) <= 5
    metrics = json.loads((report / "metrics.json").read_text())["metrics"]
    users, engineers = metrics["active_ai_users"]["value"], metrics["engineers"]["value"]
    assert f"Active AI users {users} of {engineers}" in text[1]
    deployments = metrics["deployments"]["value"]
    assert f"Deployments {deployments} " in text[2]
    html_part = msg.get_body(("html",)).get_content()
    assert f"Active AI users {users} of {engineers}" in html_part
    assert not any(word in "\n".join(text) for word in ("USD", "$", "ROI"))  # weekly: no money


def test_a_cron_retry_sends_nothing_twice_and_force_resends(smtp, ca, report):
    inbox, port = smtp
    assert _send(report, port, ca[2]).exit_code == 0
    again = _send(report, port, ca[2])
    assert again.exit_code == 0, again.output
    assert len(inbox.messages) == 1
    assert again.output.count("already sent weekly 2026-W47") == 2
    ledger = json.loads((report.parent.parent / ".sent.json").read_text())["sent"]
    assert sorted(e["to"] for e in ledger) == ["cfo@example.com", "lead@example.com"]
    forced = _send(report, port, ca[2], "--force")
    assert forced.exit_code == 0 and len(inbox.messages) == 2


def test_a_refused_recipient_exits_6_and_only_the_delivered_one_is_recorded(smtp, ca, report):
    inbox, port = smtp
    args = ["send", "--report", str(report), "--to", "lead@example.com", "--to", "nobody@example.com",
            "--from", "reporter@example.com", "--smtp-host", "localhost", "--smtp-port", str(port),
            "--smtp-ca-file", str(ca[2])]
    result = CliRunner().invoke(main, args, env={"SMTP_USERNAME": USER, "SMTP_PASSWORD": PASSWORD})
    assert result.exit_code == 6
    assert "refused 1 of 2 recipients: nobody@example.com (550" in result.output
    ledger = json.loads((report.parent.parent / ".sent.json").read_text())["sent"]
    assert [e["to"] for e in ledger] == ["lead@example.com"]
    # The retry only tries the refused address again.
    retry = CliRunner().invoke(main, args, env={"SMTP_USERNAME": USER, "SMTP_PASSWORD": PASSWORD})
    assert retry.exit_code == 6 and "refused every recipient" in retry.output
    assert len(inbox.messages) == 1


def test_an_untrusted_certificate_is_refused(smtp, report, tmp_path):
    inbox, port = smtp
    other = trustme.CA()
    wrong = tmp_path / "other-ca.pem"
    other.cert_pem.write_to_path(str(wrong))
    result = _send(report, port, wrong)
    assert result.exit_code == 6
    assert "could not be verified" in result.output
    assert inbox.messages == []


def test_wrong_password_and_missing_credentials(smtp, ca, report):
    inbox, port = smtp
    bad = _send(report, port, ca[2], env={"SMTP_USERNAME": USER, "SMTP_PASSWORD": "nope"})
    assert bad.exit_code == 6 and "rejected the login" in bad.output
    anonymous = _send(report, port, ca[2], env={"SMTP_USERNAME": "", "SMTP_PASSWORD": ""})
    assert anonymous.exit_code == 6  # this server requires AUTH before mail
    assert inbox.messages == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls(ca, report):
    controller, inbox, port = _server(ca[1], implicit_tls=True)
    try:
        result = _send(report, port, ca[2], "--smtp-security", "ssl")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert len(inbox.messages) == 1


def test_unreachable_server_exits_6(ca, report):
    result = _send(report, _free_port(), ca[2])
    assert result.exit_code == 6
    assert "cannot reach SMTP server localhost" in result.output


def test_settings_from_config_and_dry_run_writes_the_eml(built, tmp_path):
    folder = tmp_path / "in"
    shutil.copytree(ROOT / "sample_inputs", folder)
    config = (folder / "reporter.yaml").read_text()
    config += "\ndelivery:\n  email:\n    to: [eng-leads@example.com]\n    from: reporter@example.com\n" \
              "    smtp_host: smtp.example.com\n"
    (folder / "reporter.yaml").write_text(config)
    eml = tmp_path / "weekly.eml"
    out = tmp_path / "reports"
    result = CliRunner().invoke(main, ["send", "weekly", "--input", str(folder), "--period", "2026-W47",
                                       "--out", str(out), "--dry-run", "--eml", str(eml)])
    assert result.exit_code == 0, result.output
    msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert msg["To"] == "eng-leads@example.com" and msg["From"] == "reporter@example.com"
    pdf = next(msg.iter_attachments()).get_content()
    assert pdf == (out / "weekly" / "2026-W47" / "report.pdf").read_bytes()
    assert not (out / ".sent.json").exists()  # a dry run sends nothing and records nothing


def test_credentials_in_the_config_are_refused(tmp_path, built):
    config = tmp_path / "reporter.yaml"
    config.write_text("delivery:\n  email:\n    password: hunter2\n")
    result = CliRunner().invoke(main, ["send", "--report", str(built[0]), "--config", str(config), "--dry-run",
                                       "--to", "a@example.com", "--from", "b@example.com"])
    assert result.exit_code == 3
    assert "SMTP_USERNAME and SMTP_PASSWORD" in result.output


def test_missing_recipient_or_report_is_a_clear_error(tmp_path, built):
    no_to = CliRunner().invoke(main, ["send", "--report", str(built[0]), "--from", "b@example.com", "--dry-run"])
    assert no_to.exit_code == 6 and "no recipient" in no_to.output
    empty = tmp_path / "weekly" / "2026-W01"
    empty.mkdir(parents=True)
    missing = CliRunner().invoke(main, ["send", "--report", str(empty), "--to", "a@example.com",
                                        "--from", "b@example.com", "--dry-run"])
    assert missing.exit_code == 4 and "has no report.pdf and no metrics.json" in missing.output
    usage = CliRunner().invoke(main, ["send", "weekly"])
    assert usage.exit_code == 2
