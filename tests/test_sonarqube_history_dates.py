"""`reporter import sonarqube`: a measures-history point without a date is reported, never a traceback.

Before, the point went into the series under a None key and sorting it against the dated points
raised a TypeError.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from reporter.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sonarqube"


def test_a_history_point_without_a_date_is_an_issue_and_the_rest_is_kept(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    with open(out / "pull_requests.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "repo", "author", "created_at", "merged_at"])
        w.writerow(["shop#1", "shop", "ann", "2026-03-01T00:00:00Z", "2026-03-03T10:00:00Z"])
    doc = json.loads((FIXTURES / "history.json").read_text())
    doc["measures"][0]["history"].append({"value": "999"})  # complexity, 4th point: no date
    history = tmp_path / "history.json"
    history.write_text(json.dumps(doc))
    result = CliRunner().invoke(main, ["import", "sonarqube", str(history), "--out", str(out), "--project", "shop"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "complexity: unreadable date or value" in result.output
    with open(out / "code_quality.csv", newline="") as fh:
        rows = {r["pr_id"]: r for r in csv.DictReader(fh)}
    # the dated points as in the fixture: only shop#1 merged between 1 and 4 March, complexity 100 -> 110
    assert rows["shop#1"]["complexity_added"] == "10"
    assert rows["shop#1"]["duplicated_lines_added"] == "10"
