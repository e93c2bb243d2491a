"""The README documents the contract the code implements (datasets, columns, metrics, commands)."""

from __future__ import annotations

from pathlib import Path

from reporter.inputs.spec import DATASETS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
CI = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")


def test_every_dataset_and_column_is_documented():
    rows = {line.split("|")[1].strip().strip("`"): line for line in README.splitlines()
            if line.startswith("| `")}
    for name, spec in DATASETS.items():
        assert name in rows, name
        for column in spec.columns:
            assert column.name in rows[name], (name, column.name)


def test_every_metric_is_defined(tmp_path):
    from reporter.build import compute_report

    (tmp_path / "people.csv").write_text("person,team\na,t\n")
    doc = compute_report("weekly", tmp_path, period_id="2026-W10")
    for name in doc["metrics"]:
        assert f"| {name} |" in README or f"| {name}," in README, name


def test_ci_runs_the_readme_test_command():
    command = ("python3 -m venv .venv && .venv/bin/pip install -c constraints.txt '.[test]' "
               "&& .venv/bin/mypy && .venv/bin/python -m pytest -n auto")
    assert f"```sh\n{command}\n```" in README
    assert CI.rstrip().endswith("\n" + command)  # the last thing CI does, as written


def test_every_system_package_ci_installs_is_in_the_readme_set_up():
    import re

    listed = re.search(r"^packages=\((.*?)^\)", CI, re.S | re.M).group(1)
    packages = [word for line in listed.splitlines() for word in line.split("#")[0].split()]
    assert {"python3-venv", "libpango-1.0-0", "chromium", "postgresql"} <= set(packages)
    set_up = README[README.index("## Set up"):README.index("## Commands")]
    assert [p for p in packages if not re.search(rf"(?<![\w.-]){re.escape(p)}(?![\w.-])", set_up)] == []
