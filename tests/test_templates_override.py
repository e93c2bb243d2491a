"""Config `templates: DIR` (relative to the config file) is searched before the packaged templates, file by file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from reporter.assets import templates_dir
from reporter.build import build
from reporter.cli import main
from reporter.config import parse_config

BRAND = '<header class="brand">Contoso Engineering</header>'
PEOPLE = [{"person": "a", "team": "t"}]


def _brand_folder(folder: Path) -> Path:
    """A user's template folder overriding base.html only: the packaged shell plus one header line."""
    folder.mkdir(parents=True)
    shell = (templates_dir() / "base.html").read_text(encoding="utf-8")
    assert shell.count("<body>\n") == 1
    (folder / "base.html").write_text(shell.replace("<body>\n", f"<body>\n{BRAND}\n"), encoding="utf-8")
    return folder


def test_templates_path_is_relative_to_the_config_file(tmp_path):
    assert parse_config({"templates": "brand"}, base_dir=tmp_path).templates_path == tmp_path / "brand"
    absolute = parse_config({"templates": str(tmp_path / "x")}, base_dir=Path("/elsewhere"))
    assert absolute.templates_path == tmp_path / "x"
    assert parse_config({}, base_dir=tmp_path).templates_path is None
    # No `templates:` key: the effective config (and so config_sha256) carries none.
    assert "templates" not in parse_config({}, base_dir=tmp_path).to_dict()
    assert parse_config({"templates": "brand"}, base_dir=tmp_path).to_dict()["templates"] == "brand"


def test_one_overridden_template_wins_and_the_rest_come_from_the_package(make_inputs, tmp_path):
    folder = make_inputs(config={"templates": "brand"}, people=PEOPLE)
    _brand_folder(folder / "brand")
    doc, paths = build("weekly", folder, tmp_path / "out", period_id="2026-W10", formats=("html",))
    html = paths[0].read_text(encoding="utf-8")
    assert html.count(BRAND) == 1
    assert "AI delivery update" in html  # weekly.html and macros.html: still the packaged ones
    assert "@font-face" in html and "font-family: 'Inter'" in html  # report.css and fonts: packaged

    plain = make_inputs(people=PEOPLE)
    _, again = build("weekly", plain, tmp_path / "plain", period_id="2026-W10", formats=("html",))
    plain_html = again[0].read_text(encoding="utf-8")
    assert BRAND not in plain_html
    assert plain_html == html.replace(f"{BRAND}\n", "", 1).replace(str(folder), str(plain))


def test_an_overridden_stylesheet_is_inlined(make_inputs, tmp_path):
    folder = make_inputs(config={"templates": "brand"}, people=PEOPLE)
    (folder / "brand").mkdir()
    css = (templates_dir() / "report.css").read_text(encoding="utf-8") + "\n.brand-rule { color: #123456; }\n"
    (folder / "brand" / "report.css").write_text(css, encoding="utf-8")
    _, paths = build("weekly", folder, tmp_path / "out", period_id="2026-W10", formats=("html",))
    assert ".brand-rule { color: #123456; }" in paths[0].read_text(encoding="utf-8")


def test_a_missing_templates_folder_is_a_clear_config_error(make_inputs, tmp_path):
    folder = make_inputs(config={"templates": "no-such"}, people=PEOPLE)
    result = CliRunner().invoke(main, ["build", "weekly", "--input", str(folder), "--period", "2026-W10",
                                       "--format", "html", "--out", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    assert f"templates folder {folder / 'no-such'} (config `templates:`) does not exist" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
