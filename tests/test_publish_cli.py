"""`reporter publish` and `reporter build --publish` as a cron job runs them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reporter.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


def test_build_publish_then_publish_again_changes_nothing(tmp_path):
    runner = CliRunner()
    out, site = tmp_path / "reports", tmp_path / "site"
    args = ["build", "weekly", "--input", str(ROOT / "sample_inputs"), "--out", str(out), "--format", "json,html",
            "--period", "2026-W46", "--publish", str(site)]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "site " + str(site) + ": added weekly/2026-W46" in first.output
    assert "building the weekly report" not in first.output  # progress only on a terminal
    manifest = json.loads((site / "manifest.json").read_text())
    assert [r["path"] for r in manifest["reports"]] == ["weekly/2026-W46"]
    assert (site / "weekly" / "latest" / "report.html").read_bytes() == (out / "weekly" / "2026-W46" / "report.html").read_bytes()

    before = _snapshot(site)
    again = runner.invoke(main, ["publish", "--site", str(site), "--from", str(out)])
    assert again.exit_code == 0 and "already up to date" in again.output
    assert _snapshot(site) == before

    quiet = runner.invoke(main, args[:-2] + ["--period", "2026-W47", "--publish", str(site), "--quiet"])
    assert quiet.exit_code == 0 and quiet.output == ""
    manifest = json.loads((site / "manifest.json").read_text())
    assert [r["path"] for r in manifest["reports"]] == ["weekly/2026-W47", "weekly/2026-W46"]
    assert manifest["latest"]["weekly"]["period"] == "2026-W47"


def test_publish_errors_exit_with_a_readable_message(tmp_path):
    runner = CliRunner()
    empty = runner.invoke(main, ["publish", "--site", str(tmp_path / "site"), "--from", str(tmp_path)])
    assert empty.exit_code == 4 and "no built report in" in empty.output
    broken = tmp_path / "reports" / "weekly" / "2026-W01"
    broken.mkdir(parents=True)
    (broken / "metrics.json").write_text("{not json")
    result = runner.invoke(main, ["publish", "--site", str(tmp_path / "site"), str(broken)])
    assert result.exit_code == 6
    assert "2026-W01" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "site" / "index.html").exists()
