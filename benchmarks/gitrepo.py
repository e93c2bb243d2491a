"""Generated benchmark repositories: one `git fast-import` stream into a bare repository, its
`pr` scratch branch dropped and HEAD on main (shared by import_git.py and import_git_quality.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from reporter.importers.git import git_env


def init_bare(folder: Path) -> None:
    subprocess.run(["git", "init", "-q", "--bare", str(folder)], check=True, env=git_env())


def fast_import(folder: Path, stream: list[bytes]) -> None:
    """Feed the stream, delete refs/heads/pr (the PR branches' scratch ref) and point HEAD at main."""
    stream = stream + [b"reset refs/heads/pr\nfrom 0000000000000000000000000000000000000000\n\n"]
    subprocess.run(["git", "-C", str(folder), "fast-import", "--quiet"], input=b"".join(stream), check=True,
                   env=git_env())
    subprocess.run(["git", "-C", str(folder), "symbolic-ref", "HEAD", "refs/heads/main"], check=True, env=git_env())
