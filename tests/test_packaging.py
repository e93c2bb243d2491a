"""`pip install .` (a wheel, not only an editable install) carries templates and narratives."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from reporter import assets

ROOT = Path(__file__).resolve().parent.parent


def test_assets_found_from_source_checkout():
    assert (assets.templates_dir() / "README.md").is_file()
    assert (assets.narratives_dir() / "README.md").is_file()


@pytest.mark.skipif(not (ROOT / "pyproject.toml").is_file(), reason="needs the source tree")
def test_wheel_contains_templates_narratives_and_console_script(tmp_path):
    # The build backend's PEP 517 hook, called directly (hatchling comes with '.[test]'): the same wheel
    # `pip install .` builds, with no isolated build environment to download, so no network.
    build = "import sys, hatchling.build as b; b.build_wheel(sys.argv[1])"
    subprocess.run([sys.executable, "-c", build, str(tmp_path)], cwd=ROOT, check=True, capture_output=True)
    wheel = next(tmp_path.glob("reporter-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for expected in ("reporter/templates/README.md", "reporter/narratives/README.md", "reporter/cli.py",
                     "reporter/inputs/spec.py", "reporter/templates/weekly.html", "reporter/templates/report.css",
                     "reporter/templates/assets/inter-latin-400-normal.woff", "reporter/narratives/stories.yaml",
                     "reporter/narratives/actions.yaml", "reporter/narrative/honesty.py",
                     "reporter/schema/metrics.schema.json"):
        assert expected in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "reporter = reporter.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not any(n.startswith("tests/") or n.startswith("sample_inputs/") for n in names)
