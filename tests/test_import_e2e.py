"""End to end: each new importer runs into a copy of the sample organisation's inputs, then
`reporter build weekly` and `reporter build monthly` read the result without a skipped row.

One folder for all importers keeps it to two builds; every import is checked on its own (exit
code, rows added) before the builds, and the builds' row counts are compared with the counts
read back from the CSV files by hand (csv module), an independent route."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from reporter.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"


def _rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.DictReader(fh))


IMPORTS = [  # (source, files, extra flags, dataset, rows it adds)
    ("jira", [FIX / "jira" / "search-jql-page1.json", FIX / "jira" / "search-jql-page2.json"],
     ["--team", "payments"], "work_items", 5),
    ("linear", [FIX / "linear" / "linear-export.csv", FIX / "linear" / "graphql-issues.json"],
     ["--team", "web"], "work_items", 8),
    ("github-teams", [FIX / "github-teams"], [], "people", 5),
    ("github-releases", [FIX / "github-releases" / "releases-payments-api.json"], [], "releases", 2),
    ("csv", [FIX / "csv" / "servicenow-incidents.csv"],
     ["--dataset", "incidents", "--map", "id=number", "--map", "service=cmdb_ci"], "incidents", 3),
]


def test_every_new_importer_feeds_weekly_and_monthly_builds(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "sample_inputs", data)
    runner = CliRunner()
    expected = {}
    for source, files, flags, dataset, added in IMPORTS:
        before = _rows(data / f"{dataset}.csv")
        result = runner.invoke(main, ["import", source, *map(str, files), "--out", str(data), *flags])
        assert result.exit_code == 0, (source, result.output)
        assert f"{dataset}.csv: {added} added" in result.output, (source, result.output)
        assert _rows(data / f"{dataset}.csv") == before + added
        expected[f"{dataset}.csv"] = before + added
    for cadence in ("weekly", "monthly"):
        out = tmp_path / "reports"
        result = runner.invoke(main, ["build", cadence, "--input", str(data), "--out", str(out), "--format", "json"])
        assert result.exit_code == 0, result.output
        doc = json.loads(next((out / cadence).glob("*/metrics.json")).read_text())
        assert doc["data_quality"]["skipped_rows"] == 0, doc["data_quality"]["skipped"][:5]
        for name, rows in expected.items():
            assert doc["inputs"][name]["rows"] == rows, name


def test_readme_import_examples_use_real_sources_flags_and_config_keys():
    """The recipes in README's "Bring your own data" run as written: sources, flags and imports entries."""
    import re

    import yaml

    from reporter.config import parse_config
    from reporter.importers.registry import SOURCES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Bring your own data"):readme.index("## Importing native exports")]
    flags = {opt for p in main.commands["import"].params for opt in p.opts}
    commands = re.findall(r"^reporter import (\S+)(.*?)(?<!\\)$", section.replace("\\\n", " "), re.M)
    assert len(commands) >= 10
    for source, rest in commands:
        assert source in SOURCES, source
        used = set(re.findall(r"(?<![\w-])(--[a-z-]+)", rest.split("#")[0]))
        assert used <= flags, (source, used - flags)
    entries = [b for b in re.findall(r"```yaml\n(.*?)```", section, re.S) if "imports:" in b]
    assert len(entries) == 3
    for block in entries:
        assert parse_config(yaml.safe_load(block)).imports  # raises on any unknown or misplaced key
