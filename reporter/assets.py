"""Where the packaged templates and narrative rules live.

An installed wheel carries them inside the package (`reporter/templates`); a source
checkout keeps them at the top level, as the product layout fixes.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _asset_dir(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"packaged folder {name!r} not found next to {_PACKAGE}; reinstall reporter")


def templates_dir() -> Path:
    return _asset_dir("templates")


def narratives_dir() -> Path:
    return _asset_dir("narratives")
