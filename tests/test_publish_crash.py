"""`reporter publish` killed (SIGKILL) at every rename, link, unlink, rmdir, mkdir and symlink
system call it makes, in turn, by strace's fault injection: the site must be the old one or the new
one, each whole (every index link resolves, every manifest hash matches), and a re-run must succeed
and leave no temp folder behind. Plus: symlinks in report folders are refused, a site behind a
symlink keeps its link, and the fallback of two renames is repaired after a crash between them.

Needs `strace` (the CI installs it) and ptrace permission; without them the kill test is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from reporter.publish import site as site_mod
from reporter.publish.site import PublishError, publish, workspace_of

sys.path.insert(0, str(Path(__file__).parent))
from test_publish_site import make_report, parse_index  # noqa: E402

# Every call that changes the file tree. (glibc may reach one through another, e.g. rename via
# renameat; the trace of a real run says which ones this machine makes.)
SYSCALLS = ("rename", "renameat", "renameat2", "link", "linkat", "unlink", "unlinkat", "rmdir",
            "mkdir", "mkdirat", "symlink", "symlinkat")
REPORTER = Path(sys.executable).with_name("reporter")


def _contents(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` (symlinks as their target text), bytes for files, None for folders."""
    out = {}
    for folder, dirs, names in os.walk(root):
        for name in dirs + names:
            path = Path(folder) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                out[rel] = ("->" + os.readlink(path)).encode()
            elif path.is_dir():
                out[rel] = None
            else:
                out[rel] = path.read_bytes()
    return out


def _whole(site: Path) -> list[str]:
    """What is wrong with the site as a whole: broken index links, manifest hashes that do not match."""
    problems = []
    if not (site / "index.html").is_file():
        return ["no index.html"]
    for href in parse_index(site).hrefs:
        if not (site / href).is_file():
            problems.append(f"index link {href} does not resolve")
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    for report in manifest["reports"]:
        for f in report["files"]:
            path = site / report["path"] / f["name"]
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != f["sha256"]:
                problems.append(f"{report['path']}/{f['name']} does not match the manifest")
    for cadence, latest in manifest["latest"].items():
        newest = next(r for r in manifest["reports"] if r["path"] == f"{cadence}/{latest['period']}")
        for f in newest["files"]:
            path = site / latest["path"] / f["name"]
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != f["sha256"]:
                problems.append(f"{latest['path']}/{f['name']} is not the newest period's file")
    return problems


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """An old site (two reports, a file of the host's own) and the reports of the next publish:
    one period rebuilt, one new week (so weekly/latest moves). Small, so that the kill points
    (one process each) stay few: every kind of step is there, not every repetition of one."""
    root = tmp_path_factory.mktemp("crash")
    old_dirs = [make_report(root / "old", "weekly", "2026-W47", "2026-11-16", "2026-11-23",
                            files=("report.html", "report.pdf")),
                make_report(root / "old", "monthly", "2026-10", "2026-10-01", "2026-11-01", files=())]
    template = root / "template" / "site"
    publish(template, old_dirs)
    (template / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    new_dirs = [make_report(root / "new", "weekly", "2026-W47", "2026-11-16", "2026-11-23",
                            files=("report.html", "report.pdf"), tag=" (rebuilt)"),
                make_report(root / "new", "weekly", "2026-W48", "2026-11-23", "2026-11-30")]
    expected = root / "expected" / "site"
    shutil.copytree(template, expected, symlinks=True)
    publish(expected, new_dirs)
    old, new = _contents(template), _contents(expected)
    assert old != new and not _whole(template) and not _whole(expected)
    assert new["robots.txt"] == b"User-agent: *\n"  # the host's own file is carried over
    return root, template, new_dirs, old, new


def _fresh_site(root: Path, name: str, template: Path) -> Path:
    site = root / name / "site"
    shutil.copytree(template, site, symlinks=True)
    return site


# The kill points run this publish function in a fresh interpreter: `reporter publish` is the same
# call behind the command line, whose import (pandas, for `import --help`) would make each of the
# ~40 processes three times slower. One kill, at the swap itself, goes through the real command.
_RUNNER = "import sys; from pathlib import Path; from reporter.publish.site import publish; " \
          "publish(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])"


def _publish_cmd(site: Path, dirs: list[Path], cli: bool = False) -> list[str]:
    if cli:
        return [str(REPORTER), "publish", "--quiet", "--site", str(site), *map(str, dirs)]
    return [sys.executable, "-c", _RUNNER, str(site), *map(str, dirs)]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}


def _strace_usable(tmp: Path) -> bool:
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-qq", "-o", str(tmp / "probe.trace"), "-e", "trace=none", "true"],
                           capture_output=True)
    return probe.returncode == 0


def _count_calls(site: Path, dirs: list[Path], trace: Path) -> dict[str, int]:
    """How many times a real (unkilled) publish makes each call of SYSCALLS."""
    subprocess.run(["strace", "-f", "-qq", "-o", str(trace), "-e", "trace=" + ",".join(SYSCALLS),
                    *_publish_cmd(site, dirs)], check=True, env=_env(), capture_output=True)
    counts: dict[str, int] = {}
    for line in trace.read_text().splitlines():
        match = re.match(r"^(?:\d+\s+)?(\w+)\(", line)
        if match and match.group(1) in SYSCALLS:
            counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    return counts


def test_publish_killed_at_every_tree_change_leaves_a_whole_site(scene, tmp_path):
    root, template, new_dirs, old, new = scene
    if not _strace_usable(tmp_path):
        if os.environ.get("CI"):  # CI installs strace: there, a skip would hide the test
            pytest.fail("strace is not installed or may not trace here")
        pytest.skip("strace is not installed or may not trace here (CI installs it)")
    counts = _count_calls(_fresh_site(tmp_path, "count", template), new_dirs, tmp_path / "count.trace")
    # The publish really made the calls this test is about (else it would test nothing).
    assert counts.get("renameat2", 0) >= 1  # the exchange of the whole site
    assert counts.get("linkat", 0) + counts.get("link", 0) >= 3  # unchanged files carried over as hard links
    assert counts.get("unlinkat", 0) + counts.get("unlink", 0) >= 5  # the previous site deleted
    points = [(name, n) for name, count in sorted(counts.items()) for n in range(1, count + 1)]

    def kill_at(point: tuple[str, int], cli: bool = False) -> tuple[tuple[str, int], str, list[str], int]:
        name, n = point
        site = _fresh_site(tmp_path, f"{name}-{n}-{cli}", template)
        run = subprocess.run(["strace", "-f", "-qq", "-o", os.devnull, "-e", f"trace={name}",
                              "-e", f"inject={name}:signal=KILL:when={n}", *_publish_cmd(site, new_dirs, cli)],
                             env=_env(), capture_output=True)
        state = _contents(site)
        which = "old" if state == old else "new" if state == new else "mixed"
        problems = _whole(site)
        # A re-run succeeds, ends at the new site, and leaves nothing of the killed run behind.
        publish(site, new_dirs)
        after = _contents(site)
        leftovers = sorted(p.name for p in workspace_of(site).iterdir())
        if after != new:
            problems.append("the re-run did not reach the new site")
        if leftovers:
            problems.append(f"leftovers after the re-run: {leftovers}")
        shutil.rmtree(site.parent)
        return point, which, problems, run.returncode

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(kill_at, points))
    results.append(kill_at(("renameat2", 1), cli=True))
    bad = [(point, which, problems) for point, which, problems, _ in results if which == "mixed" or problems]
    assert bad == []
    killed = [r for r in results if r[3] == -9]
    assert len(killed) == len(points) + 1  # every injection did kill the publish at its call
    states = {which for _, which, _, _ in results}
    assert states == {"old", "new"}  # both sides of the swap were hit
    print(f"\n{len(points)} kill points: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
          + f"; old {sum(r[1] == 'old' for r in results)}, new {sum(r[1] == 'new' for r in results)}")


# --- without strace: the same guarantees at the Python level ----------------------------------------


def test_a_symlink_in_a_report_folder_is_refused_naming_it(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n", encoding="utf-8")
    folder = make_report(tmp_path / "out", "weekly", "2026-W47", "2026-11-16", "2026-11-23")
    (folder / "report.pdf").symlink_to(secret)
    with pytest.raises(PublishError, match=r"report\.pdf: is a symbolic link") as info:
        publish(tmp_path / "site", [folder])
    assert "root:x" not in str(info.value)
    assert not (tmp_path / "site" / "index.html").exists()


@pytest.mark.parametrize("what", ["metrics.json", "folder"])
def test_a_symlinked_metrics_or_report_folder_is_refused(tmp_path, what):
    real = make_report(tmp_path / "real", "weekly", "2026-W47", "2026-11-16", "2026-11-23")
    if what == "folder":
        link = tmp_path / "out" / "weekly" / "2026-W47"
        link.parent.mkdir(parents=True)
        link.symlink_to(real, target_is_directory=True)
        folder = link
    else:
        folder = tmp_path / "out" / "weekly" / "2026-W47"
        folder.mkdir(parents=True)
        (folder / "metrics.json").symlink_to(real / "metrics.json")
    with pytest.raises(PublishError, match="is a symbolic link"):
        publish(tmp_path / "site", [folder])


def test_a_symlinked_site_keeps_its_link_and_gets_the_new_site(tmp_path):
    real = tmp_path / "srv" / "reports-real"
    real.mkdir(parents=True)
    link = tmp_path / "www"
    link.symlink_to(real, target_is_directory=True)
    folder = make_report(tmp_path / "out", "weekly", "2026-W47", "2026-11-16", "2026-11-23")
    publish(link, [folder])
    assert link.is_symlink() and (real / "weekly" / "2026-W47" / "report.html").is_file()
    assert not _whole(real)


def test_a_failure_at_the_swap_leaves_the_old_site_and_no_leftovers(tmp_path, monkeypatch, scene):
    _, template, new_dirs, old, _ = scene
    site = _fresh_site(tmp_path, "s", template)

    def broken_swap(staged, target, aside):
        raise OSError(28, "No space left on device", str(target))

    monkeypatch.setattr(site_mod, "swap_in", broken_swap)
    with pytest.raises(PublishError, match=r"No space left on device\); the site was left as it was"):
        publish(site, new_dirs)
    assert _contents(site) == old
    assert list(workspace_of(site).iterdir()) == []


def test_the_fallback_of_two_renames_is_repaired_after_a_crash_between_them(tmp_path, monkeypatch, scene):
    """Where the system has no exchange: a crash after SITE went aside and before the new one came in
    leaves no SITE; the next run puts the old one back, then publishes."""
    _, template, new_dirs, old, new = scene
    site = _fresh_site(tmp_path, "s", template)
    monkeypatch.setattr("reporter.files.exchange", lambda a, b: False)
    workspace = workspace_of(site)
    workspace.mkdir()
    os.rename(site, workspace / "previous")  # the state a kill between the two renames leaves
    (workspace / "stage-abc").mkdir()  # and the complete next site, never renamed in
    publish(site, [])  # a re-run with nothing new restores the old site exactly
    assert _contents(site) == old and list(workspace.iterdir()) == []
    publish(site, new_dirs)  # and the fallback swap itself reaches the new site
    assert _contents(site) == new and list(workspace.iterdir()) == []


@pytest.mark.parametrize("call", ["fsync", "link", "mkdir", "replace"])
def test_an_io_error_at_any_step_leaves_the_old_site_or_the_new_one(tmp_path, monkeypatch, scene, call):
    """ENOSPC at the Nth os.fsync / os.link / os.mkdir / os.replace, for every N a publish makes."""
    _, template, new_dirs, old, new = scene
    calls = {"n": 0}
    real = getattr(os, call)

    def counting(*args, **kwargs):
        calls["n"] += 1
        return real(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(os, call, counting)
        publish(_fresh_site(tmp_path, "count", template), new_dirs)
    total = calls["n"]
    assert total >= 1
    failed = 0
    for n in range(1, total + 1):
        site = _fresh_site(tmp_path, f"run{n}", template)
        seen = {"n": 0}

        def failing(*args, **kwargs):
            seen["n"] += 1
            if seen["n"] == n:
                raise OSError(28, "No space left on device", str(args[0]))
            return real(*args, **kwargs)

        with monkeypatch.context() as m:
            m.setattr(os, call, failing)
            try:
                publish(site, new_dirs)
            except PublishError as exc:
                assert "No space left on device" in str(exc) and str(site) in str(exc)
                assert _contents(site) == old, (call, n)
                failed += 1
            else:  # a step after the swap (a folder fsync, the cleanup): the new site, whole
                assert _contents(site) == new, (call, n)
        assert not workspace_of(site).exists() or list(workspace_of(site).iterdir()) == [], (call, n)
    assert failed >= 1
