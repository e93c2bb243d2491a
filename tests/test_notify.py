"""`reporter notify` against a real HTTP server on loopback that records every request and answers
as scripted (429 with Retry-After, 5xx, 4xx, then 200); the payload formats; escaping; the ledger."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reporter.build import ScopeRequest, build_scopes
from reporter.cli import main
from reporter.errors import DeliveryError
from reporter.publish import mail, notify

from conftest import SAMPLE, SAMPLE_TODAY

SITE = "https://reports.example.com/ai/"
SECRET = "T000/B000/not-a-real-secret"


class Hook:
    """A webhook on 127.0.0.1: keeps (path, headers, body) of each POST; answers from ``script``
    ((status, headers) per request, then 200)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict, bytes]] = []
        self.script: list[tuple[int, dict]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.requests.append((self.path, dict(self.headers), body))
                status, headers = hook.script.pop(0) if hook.script else (200, {})
                payload = b"ok" if status == 200 else b"invalid_payload" if status == 400 else b"busy"
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = f"/services/{SECRET}") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, _, body in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample's team payments and web reports of 2026-W47 (metrics.json is all a digest reads)."""
    out = tmp_path_factory.mktemp("notify") / "reports"
    build_scopes("weekly", SAMPLE, out, ScopeRequest(teams=("payments", "web")), period_id="2026-W47",
                 formats=("json",), today=SAMPLE_TODAY)
    return out


@pytest.fixture
def reports(built, tmp_path):
    out = tmp_path / "reports"
    shutil.copytree(built, out)
    return out


def _notify(reports: Path, env: dict, *extra: str):
    args = ["notify", "--report", str(reports / "weekly" / "2026-W47"), "--site-url", SITE, "--backoff", "0.01",
            *extra]
    return CliRunner().invoke(main, args, env=env)


def _doc(reports: Path, team: str) -> dict:
    return json.loads((reports / "weekly" / "2026-W47" / f"team-{team}" / "metrics.json").read_text())


def test_slack_digest_is_block_kit_with_the_mail_lines_and_the_report_link(hook, reports):
    result = _notify(reports, {"REPORTER_SLACK_WEBHOOK_URL_PAYMENTS": hook.url()}, "--slack", "--team", "payments")
    assert result.exit_code == 0, result.output
    assert len(hook.requests) == 1
    path, headers, _ = hook.requests[0]
    assert path == f"/services/{SECRET}" and headers["Content-Type"].startswith("application/json")
    body = hook.bodies()[0]
    lines = mail.summary_lines(_doc(reports, "payments"))
    assert lines[-1].startswith("The full report is attached") or lines[-1].startswith("Warning:")
    expected = [line for line in lines if not line.startswith("The full report is attached")]
    blocks = body["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": expected[0], "emoji": False}}
    assert [b["text"]["text"] for b in blocks[1:len(expected)]] == expected[1:]
    assert "Team Payments" in expected[0]
    assert blocks[len(expected)]["text"] == {
        "type": "mrkdwn", "text": "<https://reports.example.com/ai/team-payments/weekly/2026-W47/report.html"
                                  "|Open the full report>"}
    assert body["text"] == expected[0]
    assert SECRET not in result.output


def test_teams_digest_is_an_adaptive_card_in_a_message(hook, reports):
    result = _notify(reports, {"REPORTER_TEAMS_WEBHOOK_URL_WEB": hook.url()}, "--teams", "--team", "web")
    assert result.exit_code == 0, result.output
    body = hook.bodies()[0]
    assert body["type"] == "message" and len(body["attachments"]) == 1
    attachment = body["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open the full report",
                                "url": "https://reports.example.com/ai/team-web/weekly/2026-W47/report.html"}]
    texts = [b["text"] for b in card["body"]]
    lines = [notify.teams_escape(line) for line in notify.digest_lines(_doc(reports, "web"))]
    assert texts[:len(lines)] == lines and "Team Web" in texts[0]


def test_429_honours_retry_after_and_5xx_backs_off_then_succeeds(hook, reports):
    hook.script = [(429, {"Retry-After": "0"}), (500, {}), (503, {})]
    result = _notify(reports, {"REPORTER_SLACK_WEBHOOK_URL_PAYMENTS": hook.url()}, "--slack", "--team", "payments")
    assert result.exit_code == 0, result.output
    assert len(hook.requests) == 4 and "after 4 attempts" in result.output
    assert len({body for _, _, body in hook.requests}) == 1  # the same payload every time


def test_backoff_doubles_and_retry_after_wins(hook, tmp_path):
    waits: list[float] = []
    hook.script = [(500, {}), (502, {}), (429, {"Retry-After": "7"}), (500, {})]
    attempts = notify.post(hook.url(), {"text": "x"}, what="slack webhook X",
                           retry=notify.Retry(attempts=5, backoff=0.5), sleep=waits.append)
    assert attempts == 5 and waits == [0.5, 1.0, 7.0, 4.0]


def test_bounded_attempts_then_a_delivery_error_without_the_url(hook):
    hook.script = [(500, {})] * 3
    with pytest.raises(DeliveryError) as exc:
        notify.post(hook.url(), {"text": "x"}, what="slack webhook REPORTER_SLACK_WEBHOOK_URL",
                    retry=notify.Retry(attempts=3, backoff=0), sleep=lambda _: None)
    assert len(hook.requests) == 3
    assert "failed after 3 attempts: 500" in str(exc.value) and SECRET not in str(exc.value)


def test_a_refusal_is_not_retried_and_exits_6(hook, reports):
    hook.script = [(400, {})]
    result = _notify(reports, {"REPORTER_SLACK_WEBHOOK_URL_PAYMENTS": hook.url()}, "--slack", "--team", "payments")
    assert result.exit_code == 6
    assert len(hook.requests) == 1
    assert "REPORTER_SLACK_WEBHOOK_URL_PAYMENTS" in result.output and "400" in result.output
    assert "invalid_payload" in result.output and SECRET not in result.output


def test_a_retry_after_beyond_the_bound_fails_at_once(hook):
    hook.script = [(429, {"Retry-After": "3600"})]
    with pytest.raises(DeliveryError, match="Retry-After 3600 s is longer than the 60 s"):
        notify.post(hook.url(), {"text": "x"}, what="w", sleep=lambda _: pytest.fail("must not wait"))
    assert len(hook.requests) == 1


def test_the_ledger_keeps_a_cron_retry_from_posting_twice(hook, reports):
    env = {"REPORTER_SLACK_WEBHOOK_URL_PAYMENTS": hook.url(), "REPORTER_SLACK_WEBHOOK_URL_WEB": hook.url("/web")}
    first = _notify(reports, env, "--slack", "--team", "payments", "--team", "web")
    assert first.exit_code == 0 and len(hook.requests) == 2
    assert sorted(p for p, _, _ in hook.requests) == [f"/services/{SECRET}", "/web"]
    again = _notify(reports, env, "--slack", "--team", "payments", "--team", "web")
    assert again.exit_code == 0 and len(hook.requests) == 2
    assert again.output.count("already posted") == 2
    ledger = json.loads((reports / ".sent.json").read_text())["sent"]
    assert sorted((e["scope"], e["to"]) for e in ledger) == [
        ("team:payments", "slack:reporter_slack_webhook_url_payments"),
        ("team:web", "slack:reporter_slack_webhook_url_web")]
    assert not any(SECRET in json.dumps(e) for e in ledger)
    forced = _notify(reports, env, "--slack", "--team", "web", "--force")
    assert forced.exit_code == 0 and len(hook.requests) == 3


def test_a_scope_without_its_variable_is_skipped_never_posted_elsewhere(hook, reports):
    env = {"REPORTER_SLACK_WEBHOOK_URL": hook.url(), "REPORTER_SLACK_WEBHOOK_URL_WEB": hook.url("/web")}
    result = _notify(reports, env, "--slack", "--team", "payments", "--team", "web")
    assert result.exit_code == 0, result.output
    assert [p for p, _, _ in hook.requests] == ["/web"]
    assert "no slack webhook for team:payments (set REPORTER_SLACK_WEBHOOK_URL_PAYMENTS)" in result.output


def test_only_https_or_loopback_http(hook, reports):
    result = _notify(reports, {"REPORTER_SLACK_WEBHOOK_URL_PAYMENTS": f"http://hooks.example.com/{SECRET}"},
                     "--slack", "--team", "payments")
    assert result.exit_code == 6 and "must be an https:// URL" in result.output and SECRET not in result.output
    assert hook.requests == []
    with pytest.raises(DeliveryError):
        notify.check_url("ftp://127.0.0.1/x", "X")
    assert notify.check_url("https://hooks.slack.com/services/x", "X")
    assert notify.check_url("http://[::1]:8080/x", "X")


def test_dry_run_prints_every_payload_and_posts_nothing(hook, reports):
    env = {"REPORTER_SLACK_WEBHOOK_URL_PAYMENTS": hook.url()}
    result = _notify(reports, env, "--slack", "--teams", "--team", "payments", "--team", "web", "--dry-run")
    assert result.exit_code == 0, result.output
    assert hook.requests == [] and not (reports / ".sent.json").exists()
    assert result.output.count("dry run [team:") == 4  # 2 scopes x 2 channels, set or not
    assert "REPORTER_TEAMS_WEBHOOK_URL_WEB (NOT set)" in result.output
    assert '"type": "AdaptiveCard"' in result.output and '"type": "header"' in result.output


def test_untrusted_text_is_escaped_for_each_format(reports):
    doc = _doc(reports, "payments")
    doc["organization"] = "<!channel> & *Acme* _x_ [click](http://evil) {{DATE(2026-01-01T00:00:00Z)}}"
    slack = notify.slack_payload(doc, "https://r.example.com/a?b=1&c=<2>")
    assert slack["text"].startswith("&lt;!channel&gt; &amp; *Acme*")
    assert slack["blocks"][0]["text"]["type"] == "plain_text"  # no markup read in the summary
    assert "<https://r.example.com/a?b=1&amp;c=&lt;2&gt;|Open the full report>" in json.dumps(slack)
    head = notify.teams_payload(doc, None)["attachments"][0]["content"]["body"][0]["text"]
    assert head.startswith("<!channel> & \\*Acme\\* \\_x\\_ \\[click\\](http://evil) {\u200b{DATE")
    assert notify.teams_escape("- a list?") == "\u200b- a list?"


def test_env_names_per_scope():
    assert notify.env_name("slack", {}) == "REPORTER_SLACK_WEBHOOK_URL"
    assert notify.env_name("teams", {"scope": {"kind": "team", "id": "data-platform"}}) == \
        "REPORTER_TEAMS_WEBHOOK_URL_DATA_PLATFORM"
    assert notify.env_name("slack", {"scope": {"kind": "group", "id": "money"}}) == \
        "REPORTER_SLACK_WEBHOOK_URL_GROUP_MONEY"


# ---------------------------------------------------------------------------
# One mail per scope, to a local SMTP server (aiosmtpd, as tests/test_send.py)


def test_send_mails_each_scope_its_own_pdf_and_keys_the_ledger_on_scope(tmp_path):
    pytest.importorskip("aiosmtpd.controller")
    import email
    import socket
    from email import policy

    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        folder = tmp_path / "in"
        shutil.copytree(SAMPLE, folder)
        config = yaml.safe_load((folder / "reporter.yaml").read_text())
        config["groups"] = {"money": ["payments", "web"]}
        config["delivery"] = {"email": {"from": "reporter@example.com", "to": ["cto@example.com"],
                                        "teams": {"payments": ["pay@example.com"]},
                                        "groups": {"money": {"to": ["cfo@example.com", "fin@example.com"]}}}}
        (folder / "reporter.yaml").write_text(yaml.safe_dump(config))
        out = tmp_path / "reports"
        args = ["send", "weekly", "--input", str(folder), "--out", str(out), "--period", "2026-W47",
                "--as-of", "2026-11-23", "--team", "payments", "--team", "web", "--group", "money",
                "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--smtp-security", "none"]
        dry = CliRunner().invoke(main, args + ["--dry-run"], env={})
        assert dry.exit_code == 0, dry.output
        assert inbox.messages == []
        assert "dry run [team:payments]" in dry.output and "dry run [group:money]" in dry.output
        assert "no recipients for team:web (set delivery.email.teams.web" in dry.output
        # The dry run built the three scopes' folders; the sends reuse them (--report), as a cron job
        # would, rather than building the same PDFs twice more.
        args = ["send", "--report", str(out / "weekly" / "2026-W47"), "--config", str(folder / "reporter.yaml"),
                "--team", "payments", "--team", "web", "--group", "money",
                "--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--smtp-security", "none"]
        result = CliRunner().invoke(main, args, env={})
        assert result.exit_code == 0, result.output
        by_rcpt = {tuple(r): email.message_from_bytes(raw, policy=policy.default) for r, raw in inbox.messages}
        assert set(by_rcpt) == {("pay@example.com",), ("cfo@example.com", "fin@example.com")}
        for rcpts, scope in ((("pay@example.com",), "team-payments"),
                             (("cfo@example.com", "fin@example.com"), "group-money")):
            msg = by_rcpt[rcpts]
            pdf = (out / "weekly" / "2026-W47" / scope / "report.pdf").read_bytes()
            (attachment,) = list(msg.iter_attachments())
            assert attachment.get_filename() == f"northwind-labs-{scope}-weekly-2026-W47.pdf"
            assert attachment.get_content() == pdf
            doc = json.loads((out / "weekly" / "2026-W47" / scope / "metrics.json").read_text())
            assert msg.get_body(("plain",)).get_content().splitlines() == mail.summary_lines(doc)
        again = CliRunner().invoke(main, args, env={})
        assert again.exit_code == 0 and len(inbox.messages) == 2 and again.output.count("already sent") == 3
        ledger = json.loads((out / ".sent.json").read_text())["sent"]
        assert sorted((e["scope"], e["to"]) for e in ledger) == [
            ("group:money", "cfo@example.com"), ("group:money", "fin@example.com"),
            ("team:payments", "pay@example.com")]
    finally:
        controller.stop()
