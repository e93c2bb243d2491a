"""File primitives every stage shares: a streamed SHA-256, the atomic write of a file, and the
all-or-nothing write of a folder (staged beside it, fsynced, swapped in with one system call).

Kept free of heavy imports, so the importers and the e-mail path can use them without pandas.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import hashlib
import os
import platform
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping
from glob import escape as glob_escape
from pathlib import Path

from .errors import EXIT_RENDER, ReporterError


class WriteError(ReporterError):
    """An output could not be written (full disk, permissions, an I/O error). Whoever raises it has
    left nothing half-written; the exit code is the class of the command that was writing."""

    def __init__(self, message: str, exit_code: int = EXIT_RENDER):
        super().__init__(message)
        self.exit_code = exit_code


def os_reason(exc: OSError, path: Path | str | None = None) -> str:
    """'PATH: No space left on device' — the path the system names (else ``path``) and its reason."""
    where = exc.filename if exc.filename is not None else path
    reason = exc.strerror or str(exc)
    return f"{where}: {reason}" if where is not None else reason


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stage(path: Path, data: bytes, mode: int) -> str:
    """Write ``data`` to a temporary file beside ``path`` and fsync it; its name. A failure removes it
    and names ``path``, not the temporary file (OSError(errno, ...) keeps the subclass)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # the bytes are on disk before the name points at them
        os.chmod(tmp, mode)  # mkstemp makes 0600; reports and data files are read by others
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write next to the target and rename, so a reader never sees half a file."""
    path = Path(path)
    tmp = _stage(path, data, mode)
    try:
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    _settle(path.parent)


# A hard link that this file system (or these permissions) does not allow: copy, or do without.
_NO_HARD_LINK = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES)


def write_all_atomic(files: Mapping[Path, bytes], mode: int = 0o644) -> None:
    """Several files, all or none: every file is written and fsynced beside its target first (where a
    full disk or an I/O error strikes, and then no target has changed), and only then renamed into
    place (renames allocate nothing, so they do not fail for want of space)."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in sorted(files.items()):
            staged.append((_stage(Path(path), data, mode), Path(path)))
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    # A rename that fails all the same (an I/O error) must not leave some targets new: each existing
    # target is hard-linked aside first and put back should a later rename fail (where the file
    # system has no hard links, that target goes without the safeguard).
    kept: list[tuple[Path, Path]] = []
    done: list[tuple[Path, Path | None]] = []
    try:
        for _, path in staged:
            if path.exists():
                aside = path.parent / f".{path.name}.old.{os.getpid()}.{secrets.token_hex(4)}"
                try:
                    os.link(path, aside)
                except OSError as exc:
                    if exc.errno not in _NO_HARD_LINK:
                        raise
                    continue
                kept.append((path, aside))
        backups = dict(kept)
        for tmp, path in staged:
            os.replace(tmp, path)
            done.append((path, backups.get(path)))
    except OSError as exc:
        for target, backup in reversed(done):
            if backup is not None:
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        for _, aside in kept:
            aside.unlink(missing_ok=True)
        path = Path(exc.filename) if isinstance(exc.filename, str) else staged[len(done)][1]
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    for _, aside in kept:
        aside.unlink(missing_ok=True)
    for folder in sorted({path.parent for _, path in staged}):
        _settle(folder)


def _settle(folder: Path) -> None:
    """fsync a folder after a rename into it: best effort, as the new entry is already in place and
    whole; reporting failure here would call a finished write unwritten."""
    try:
        fsync_dir(folder)
    except OSError:
        pass


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (a rename, a new file) durable; a no-op where folders cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # e.g. Windows: folders are not opened, and a rename there is durable on its own
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF):  # file systems that do not sync folders
            raise
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folders(root: Path) -> None:
    """fsync every folder under ``root``, deepest first, before it is renamed into place. Files are
    fsynced by whoever wrote them (write_file, a copy); hard links to files already in place need
    only their folder's entry (an fsync per linked file costs ~3 ms each and adds nothing)."""
    for folder, _dirs, _names in os.walk(root, topdown=False):
        fsync_dir(Path(folder))


def write_file(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Create a new file in a private staging folder (no temp name needed there), fsynced."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, mode)  # whatever the umask


def link_tree(src: Path, dst: Path, skip: Iterable[str] = ()) -> None:
    """Rebuild the tree at ``src`` under ``dst`` (created if missing) from hard links: the same
    inodes, so no byte is copied and every unchanged file keeps its mtime. Symlinks are recreated
    as symlinks, never followed. ``skip``: paths relative to ``src`` left out (they are rewritten).
    Where a hard link is impossible (another file system, a file system without them) the file is
    copied with its metadata."""
    skipped = {Path(p) for p in skip}

    def walk(s: Path, d: Path, rel: Path) -> None:
        if not d.is_dir():
            os.mkdir(d)
        with os.scandir(s) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                r = rel / entry.name
                if r in skipped:
                    continue
                target = d / entry.name
                if entry.is_symlink():
                    os.symlink(os.readlink(entry.path), target)
                elif entry.is_dir(follow_symlinks=False):
                    walk(Path(entry.path), target, r)
                elif entry.is_file(follow_symlinks=False):
                    try:
                        os.link(entry.path, target, follow_symlinks=False)
                    except OSError as exc:
                        if exc.errno not in _NO_HARD_LINK:
                            raise
                        shutil.copy2(entry.path, target, follow_symlinks=False)
                # sockets and fifos are no content: left out
        shutil.copystat(s, d, follow_symlinks=False)  # after the entries, so the folder keeps its mtime

    walk(Path(src), Path(dst), Path())


# --- swapping a whole folder in one step ------------------------------------------------------

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
# renameat2's number where an old libc has no wrapper (glibc < 2.28).
_SYS_RENAMEAT2 = {"x86_64": 316, "aarch64": 276, "riscv64": 276, "i386": 353, "i686": 353, "armv7l": 382,
                  "ppc64le": 357, "s390x": 347}


@functools.lru_cache(maxsize=1)
def _renameat2():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover
        return None
    fn = getattr(libc, "renameat2", None)
    if fn is not None:
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        fn.restype = ctypes.c_int
        return fn
    number = _SYS_RENAMEAT2.get(platform.machine())
    if number is None:  # pragma: no cover
        return None
    syscall = libc.syscall
    syscall.restype = ctypes.c_long
    return lambda a, b, c, d, flags: syscall(ctypes.c_long(number), ctypes.c_int(a), ctypes.c_char_p(b),
                                             ctypes.c_int(c), ctypes.c_char_p(d), ctypes.c_uint(flags))


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``): anyone looking
    sees one or the other, never neither. False where the kernel or file system cannot (then the
    caller falls back to two renames)."""
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(str(a)), _AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in(staged: Path, target: Path, aside: Path) -> Path | None:
    """Put the complete, fsynced folder ``staged`` at ``target`` at once; return where the old
    ``target`` now is (the caller deletes it), or None when there was none.

    Linux swaps the two in one step. Elsewhere ``target`` is renamed to ``aside`` first and
    ``staged`` after it: a moment when ``target`` is missing, which ``restore_aside`` repairs if
    the process dies right there."""
    staged, target = Path(staged), Path(target)
    if not os.path.lexists(target):
        os.rename(staged, target)
        _settle(target.parent)
        return None
    if exchange(staged, target):
        _settle(target.parent)
        if staged.parent != target.parent:
            _settle(staged.parent)
        return staged
    os.rename(target, aside)
    try:
        os.rename(staged, target)
    except BaseException:
        os.rename(aside, target)
        raise
    _settle(target.parent)
    return aside


def restore_aside(target: Path, aside: Path) -> None:
    """After a crash between the two renames of ``swap_in``'s fallback: put the old folder back."""
    if not os.path.lexists(target) and os.path.isdir(aside):
        os.rename(aside, target)
        _settle(Path(target).parent)


def write_folder(target: Path, files: Mapping[str, bytes], remove: Iterable[str] = (), mode: int = 0o644) -> None:
    """Write ``files`` (paths relative to ``target``) all or nothing: a hidden sibling folder gets the
    folder's other entries (hard links) and the new files, is fsynced, then swapped in whole. A
    full disk or a crash leaves the old folder (or none) and a hidden ``.NAME.tmp-*`` sibling at
    worst; never a folder with some formats new and some old or missing. ``remove``: entries dropped."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for kind in ("tmp", "old"):  # what a killed run left (a concurrent write of the same folder would race anyway)
        for stale in target.parent.glob(f".{glob_escape(target.name)}.{kind}-*"):
            shutil.rmtree(stale, ignore_errors=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    old: Path | None = None
    try:
        os.chmod(stage, 0o755)
        if target.is_dir():
            link_tree(target, stage, skip=[*files, *remove])
        for rel in sorted(files):
            path = stage / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            write_file(path, files[rel], mode)
        fsync_folders(stage)
        aside = target.parent / f".{target.name}.old-{stage.name.rsplit('-', 1)[-1]}"
        old = swap_in(stage, target, aside)
    finally:
        shutil.rmtree(old if old is not None else stage, ignore_errors=True)
