"""Writes are all or nothing on a full disk or any I/O error: build (a report folder appears only
when every format is written), import (no half-written dataset), send (ledger, .eml) and the shared
primitives. Faults are injected at the Nth call of os.write / os.fsync / os.replace, for every N a
successful run makes; the error names the path and the system's reason, with the documented exit
code and no traceback."""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter import files
from reporter.cli import main
from reporter.errors import EXIT_DELIVERY, EXIT_RENDER, DeliveryError
from reporter.files import WriteError, write_atomic, write_folder

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))


class Fault:
    """Wrap ``module.name`` so that its ``at``-th call raises OSError(code); count every call."""

    def __init__(self, monkeypatch, module, name: str, at: int | None, code: int = errno.ENOSPC):
        self.real = getattr(module, name)
        self.at, self.code, self.calls = at, code, 0
        monkeypatch.setattr(module, name, self)

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.at:
            raise OSError(self.code, os.strerror(self.code), str(args[0]) if isinstance(args[0], (str, Path)) else None)
        return self.real(*args, **kwargs)


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under root, hidden ones included, with its bytes (None for a folder)."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def count_calls(monkeypatch, module, name: str, action) -> int:
    with monkeypatch.context() as m:
        fault = Fault(m, module, name, None)
        action()
    return fault.calls


# --- the primitives -------------------------------------------------------------------------------

NEW = {"metrics.json": b'{"v": 2}\n', "report.html": b"<html>2</html>\n", "report.pdf": b"%PDF-2\n"}


def _old_folder(parent: Path) -> Path:
    folder = parent / "weekly" / "2026-W47"
    folder.mkdir(parents=True)
    for name in NEW:
        (folder / name).write_bytes(name.encode() + b" v1\n")
    (folder / "message.eml").write_bytes(b"kept\n")  # an entry the build does not write survives
    (folder / "team-core").mkdir()
    (folder / "team-core" / "metrics.json").write_bytes(b"scope v1\n")  # so does a scope's subfolder
    return folder


@pytest.mark.parametrize("call", ["write", "fsync"])
@pytest.mark.parametrize("existing", [False, True], ids=["new-folder", "rebuilt-folder"])
def test_write_folder_fails_whole_at_every_write_and_fsync(tmp_path, monkeypatch, call, existing):
    def fresh(root: Path) -> Path:
        if existing:
            return _old_folder(root)
        (root / "weekly").mkdir(parents=True)
        return root / "weekly" / "2026-W47"

    total = count_calls(monkeypatch, os, call, lambda: write_folder(fresh(tmp_path / "count"), NEW))
    assert total >= 3  # one per file at least: the loop below covers every one
    failed = 0
    for n in range(1, total + 1):
        root = tmp_path / f"run{n}"
        target = fresh(root)
        before = tree(root)
        with monkeypatch.context() as m:
            Fault(m, os, call, n)
            try:
                write_folder(target, NEW)
            except OSError as exc:
                assert "No space left on device" in str(exc)
                assert tree(root) == before, n  # the old folder exactly (or none), and no hidden leftover
                failed += 1
            else:  # only a folder fsync after the swap may fail unreported: the new folder is whole
                assert call == "fsync" and {name: (target / name).read_bytes() for name in NEW} == NEW, n
                assert sorted(p.name for p in target.parent.iterdir()) == ["2026-W47"], n
    assert failed >= total - 2
    write_folder(target, NEW)
    assert {name: (target / name).read_bytes() for name in NEW} == NEW
    if existing:
        assert (target / "message.eml").read_bytes() == b"kept\n"
        assert (target / "team-core" / "metrics.json").read_bytes() == b"scope v1\n"


def test_write_folder_fails_whole_when_the_swap_fails(tmp_path, monkeypatch):
    target = _old_folder(tmp_path)
    before = tree(tmp_path)
    monkeypatch.setattr(files, "exchange", lambda a, b: (_ for _ in ()).throw(OSError(errno.EIO, "Input/output error")))
    with pytest.raises(OSError, match="Input/output error"):
        write_folder(target, NEW)
    assert tree(tmp_path) == before


def test_write_folder_without_exchange_falls_back_to_two_renames(tmp_path, monkeypatch):
    target = _old_folder(tmp_path)
    monkeypatch.setattr(files, "exchange", lambda a, b: False)
    write_folder(target, NEW)
    assert (target / "report.pdf").read_bytes() == NEW["report.pdf"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["2026-W47"]  # the old one deleted


@pytest.mark.parametrize("call", ["fsync", "replace"])
def test_write_atomic_leaves_the_old_file_at_every_fault(tmp_path, monkeypatch, call):
    path = tmp_path / "data" / "pull_requests.csv"
    path.parent.mkdir()
    path.write_bytes(b"old\n")
    total = count_calls(monkeypatch, os, call, lambda: write_atomic(tmp_path / "count.csv", b"x\n"))
    assert total >= 1
    for n in range(1, total + 1):
        path.write_bytes(b"old\n")
        with monkeypatch.context() as m:
            Fault(m, os, call, n)
            try:
                write_atomic(path, b"new\n")
            except OSError as exc:
                assert exc.filename == str(path)  # the file being written is named, not its temp file
                assert tree(path.parent) == {"pull_requests.csv": b"old\n"}, n
            else:  # the folder's fsync after the rename: the new file is whole
                assert call == "fsync" and n == total and tree(path.parent) == {"pull_requests.csv": b"new\n"}


# --- build ------------------------------------------------------------------------------------------


def test_build_on_a_full_disk_writes_no_folder_and_says_where(tmp_path, monkeypatch):
    out = tmp_path / "reports"
    fault = Fault(monkeypatch, files.os, "write", 2)  # the second format's bytes
    result = CliRunner().invoke(main, ["build", "weekly", "--input", str(ROOT / "sample_inputs"), "--out", str(out),
                                       "--period", "2026-W46", "--format", "json,html"])
    assert fault.calls >= 2
    assert result.exit_code == EXIT_RENDER, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert "No space left on device" in result.output
    assert str(out / "weekly" / "2026-W46") in result.output
    assert not (out / "weekly" / "2026-W46").exists()
    assert [p.name for p in (out / "weekly").iterdir()] == []  # no hidden half-written sibling either


# --- import -----------------------------------------------------------------------------------------


def _prs(tmp_path: Path, name: str, titles: dict[int, str]) -> Path:
    from test_import_cli import _gh

    export = tmp_path / name
    export.write_text(json.dumps([{**_gh(n, "ana-gh", "2026-03-02T10:00:00Z", "2026-03-04T10:00:00Z"), "title": t}
                                  for n, t in titles.items()]))
    return export


@pytest.mark.parametrize("call", ["fsync", "replace"])
def test_import_on_a_failing_disk_keeps_the_dataset_and_exits_5(tmp_path, monkeypatch, call):
    from test_import_cli import _roster

    data = tmp_path / "data"
    _roster(data)
    runner = CliRunner()
    assert runner.invoke(main, ["import", "github-prs", str(_prs(tmp_path, "a.json", {1: "one"})),
                                "--out", str(data)]).exit_code == 0
    before = (data / "pull_requests.csv").read_bytes()
    Fault(monkeypatch, os, call, 1)
    result = runner.invoke(main, ["import", "github-prs", str(_prs(tmp_path, "b.json", {1: "uno", 2: "two"})),
                                  "--out", str(data)])
    assert result.exit_code == EXIT_RENDER, result.output
    assert "No space left on device" in result.output and str(data) in result.output
    assert isinstance(result.exception, SystemExit)  # a handled error, not a traceback
    assert (data / "pull_requests.csv").read_bytes() == before
    assert sorted(p.name for p in data.iterdir() if p.name.startswith(".pull_requests")) == []


def test_a_parquet_dataset_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    from reporter.importers.base import ImportResult
    from reporter.importers.merge import plan_and_write

    def result(tag: str) -> ImportResult:
        r = ImportResult()
        for n, month in enumerate(("2026-02", "2026-03", "2026-04"), start=1):
            r.add("deployments", {"id": f"d{n}", "service": "api", "finished_at": f"{month}-03T10:00:00Z",
                                  "environment": "production", "status": tag})
        return r

    out = tmp_path / "data"
    plan_and_write(out, result("success"), fmt="parquet")
    before = tree(out)
    assert sum(1 for k in before if k.endswith(".parquet")) == 3
    total = count_calls(monkeypatch, os, "write", lambda: plan_and_write(tmp_path / "count", result("failure"),
                                                                         fmt="parquet"))
    for n in range(1, total + 1):
        with monkeypatch.context() as m:
            Fault(m, os, "write", n)
            with pytest.raises(OSError):
                plan_and_write(out, result("failure"), fmt="parquet")
        assert tree(out) == before, n
    plan_and_write(out, result("failure"), fmt="parquet")
    assert tree(out) != before


# --- send -------------------------------------------------------------------------------------------


def test_a_ledger_that_cannot_be_written_stops_the_send_before_any_mail(tmp_path, monkeypatch):
    from reporter.publish import mail

    ledger = mail.Ledger(tmp_path / "reports" / ".sent.json")
    Fault(monkeypatch, os, "replace", 1)
    with pytest.raises(DeliveryError, match=r"\.sent\.json: No space left on device\); nothing was sent") as info:
        with ledger.locked():
            pytest.fail("the send went on")
    assert info.value.exit_code == EXIT_DELIVERY
    assert not ledger.path.exists()


def test_a_ledger_record_that_fails_after_sending_says_so(tmp_path, monkeypatch):
    from reporter.publish import mail

    ledger = mail.Ledger(tmp_path / ".sent.json")
    with ledger.locked():
        Fault(monkeypatch, os, "fsync", 1)
        with pytest.raises(DeliveryError, match="sent to cfo@example.com, but the ledger could not record it"):
            ledger.record("weekly", "2026-W47", ["cfo@example.com"], "0" * 64, "<id@x>")
    assert json.loads(ledger.path.read_text()) == {"sent": []}  # the checked, empty ledger: whole


def test_an_eml_that_cannot_be_written_is_an_error_naming_it(tmp_path, monkeypatch):
    from email.message import EmailMessage

    from reporter.publish import mail

    Fault(monkeypatch, os, "fsync", 1)
    with pytest.raises(WriteError, match=r"message\.eml: No space left on device\); nothing was sent") as info:
        mail.write_eml(EmailMessage(), tmp_path / "message.eml")
    assert info.value.exit_code == EXIT_RENDER
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("call", ["fsync", "link", "replace"])
def test_an_import_of_several_datasets_changes_all_of_them_or_none(tmp_path, monkeypatch, call):
    """A full disk or an I/O error at any fsync, link or rename of any dataset leaves every CSV of the
    folder as it was (the directory fsyncs after the renames are best effort: a fault there changes
    nothing and the import stands whole)."""
    import shutil

    from reporter.importers.base import ImportResult
    from reporter.importers.merge import plan_and_write

    def result(tag: str) -> ImportResult:
        r = ImportResult()
        r.add("deployments", {"id": "d1", "service": "api", "finished_at": "2026-03-03T10:00:00Z",
                              "environment": "production", "status": tag})
        r.add("incidents", {"id": "i1", "service": "api", "opened_at": "2026-03-03T11:00:00Z",
                            "resolved_at": "2026-03-03T12:00:00Z", "severity": tag})
        return r

    template = tmp_path / "template"
    plan_and_write(template, result("success"))
    before = tree(template)
    probe = tmp_path / "probe"
    shutil.copytree(template, probe)
    calls = count_calls(monkeypatch, os, call, lambda: plan_and_write(probe, result("failure")))
    assert calls >= 2  # one per dataset at least: the fault below strikes the second dataset too
    raised = 0
    for at in range(1, calls + 1):
        out = tmp_path / f"data-{call}-{at}"
        shutil.copytree(template, out)
        with monkeypatch.context() as m:
            Fault(m, os, call, at)
            try:
                plan_and_write(out, result("failure"))
            except OSError:
                raised += 1
                assert tree(out) == before, f"{call} #{at} left a change"
                continue
        assert tree(out) == tree(probe), f"{call} #{at}: no error, yet not the whole import"
    assert raised >= 2
    out = tmp_path / "data"
    shutil.copytree(template, out)
    plan_and_write(out, result("failure"))  # and with room on the disk, both change
    assert b"failure" in (out / "deployments.csv").read_bytes() and b"failure" in (out / "incidents.csv").read_bytes()
