"""Shared helpers: write a small input folder from Python rows; the sample builds, made once per
run; a guard that fails any test reaching beyond loopback; a PostgreSQL server on loopback."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import ipaddress
import socket
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_inputs"


def write_inputs(folder: Path, config: dict | None = None, **datasets: list[dict]) -> Path:
    """Write each dataset as CSV (columns = union of the rows' keys, in first-seen order)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in datasets.items():
        columns: dict[str, None] = {}
        for row in rows:
            for key in row:
                columns.setdefault(key, None)
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(columns))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: "" if v is None else v for k, v in row.items()})
    if config is not None:
        (folder / "reporter.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return folder


# The smallest organisation that builds: two engineers, one merged PR each in 2026-W10.
TWO_ENGINEERS = [dict(person="ann", team="core"), dict(person="bob", team="core")]
TWO_PRS = [
    dict(id="p1", repo="api", author="ann", created_at="2026-03-02T08:00:00Z", merged_at="2026-03-02T10:00:00Z",
         additions=5, deletions=1),
    dict(id="p2", repo="api", author="bob", created_at="2026-03-03T08:00:00Z", merged_at="2026-03-03T12:00:00Z",
         additions=7, deletions=0),
]

@pytest.fixture
def make_inputs(tmp_path: Path):
    counter = {"n": 0}

    def make(config: dict | None = None, **datasets: list[dict]) -> Path:
        counter["n"] += 1
        return write_inputs(tmp_path / f"in{counter['n']}", config, **datasets)

    return make


# ---------------------------------------------------------------------------
# The committed sample organisation, built once per cadence for the whole test run (each build
# renders a PDF, the slowest step of the suite). Tests that only READ a sample build take it from
# here; tests of building itself (reproducibility, the CLI, failures) still build their own.

SAMPLE_TODAY = dt.date(2026, 11, 23)  # the Monday after the sample data ends (Sunday 2026-11-22)
SAMPLE_PERIODS = {"weekly": "2026-W47", "monthly": "2026-10", "quarterly": "2027-Q3"}


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory):
    """``sample_build(cadence) -> (document, {file name: path})`` for the sample's demo period, all formats.

    The document is a fresh deep copy per call, so a test may change it; the files are shared by
    every test of the run and must not be written to (copy them first): the run ends with an error
    if one changed. Under pytest-xdist the workers share one build per cadence: the first to ask
    builds it under a lock in the run's common temporary folder, the others read it from there.
    """
    import fcntl
    import hashlib
    import os
    import pickle

    from reporter.build import build

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    # a worker's basetemp is <the run's basetemp>/popen-gwN: its parent is the run's, never an older run's
    shared = tmp_path_factory.getbasetemp().parent if worker else tmp_path_factory.getbasetemp()
    cache: dict[str, tuple[dict, dict[str, Path]]] = {}
    digests: dict[Path, str] = {}

    def made(cadence: str) -> tuple[dict, dict[str, Path]]:
        folder, pickled = shared / f"sample-{cadence}", shared / f"sample-{cadence}.pickle"
        with open(shared / f"sample-{cadence}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if the build fails
            if not pickled.exists():
                folder.mkdir()
                doc, paths = build(cadence, SAMPLE, folder, period_id=SAMPLE_PERIODS[cadence], today=SAMPLE_TODAY)
                staged = pickled.with_suffix(".partial")
                staged.write_bytes(pickle.dumps((doc, [str(p) for p in paths])))
                staged.rename(pickled)  # a reader never sees half a pickle
        doc, names = pickle.loads(pickled.read_bytes())
        return doc, {Path(name).name: Path(name) for name in names}

    def get(cadence: str) -> tuple[dict, dict[str, Path]]:
        if cadence not in cache:
            cache[cadence] = made(cadence)
            digests.update({p: hashlib.sha256(p.read_bytes()).hexdigest() for p in cache[cadence][1].values()})
        doc, files = cache[cadence]
        return copy.deepcopy(doc), dict(files)

    yield get
    changed = [str(p) for p, digest in digests.items()
               if not p.is_file() or hashlib.sha256(p.read_bytes()).hexdigest() != digest]
    assert not changed, f"a test wrote to the shared sample build: {changed}"


# ---------------------------------------------------------------------------
# No test reaches the network: every connection or name lookup from this process must stay on
# loopback. Anything else is refused (an OSError, so the code under test takes its error path
# without leaving the machine) and the test fails afterwards, even if the code caught the error.
# Subprocesses (Chromium, PostgreSQL) are confined by their own tests.

_OFF_MACHINE: list[str] = []


def _is_local(host: object) -> bool:
    if host in (None, "", "localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return host.endswith(".localhost")
    return address.is_loopback or address.is_unspecified


def _refuse(host: object) -> None:
    _OFF_MACHINE.append(str(host))
    raise ConnectionRefusedError(f"tests must not reach the network (tried {host!r}; see tests/conftest.py)")


def _guarded(original, address_of):
    def guarded(*args, **kwargs):
        host = address_of(*args, **kwargs)
        if not _is_local(host):
            _refuse(host)
        return original(*args, **kwargs)
    return guarded


def _socket_host(sock, address, *_, **__):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        return address[0]
    return None  # Unix sockets and other families never leave the machine


@pytest.fixture(scope="session", autouse=True)
def _no_network():
    saved = (socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo)
    socket.socket.connect = _guarded(saved[0], _socket_host)
    socket.socket.connect_ex = _guarded(saved[1], _socket_host)
    socket.getaddrinfo = _guarded(saved[2], lambda host, *_, **__: host)
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = saved


@pytest.fixture(autouse=True)
def _network_untouched(_no_network):
    start = len(_OFF_MACHINE)
    yield
    tried = _OFF_MACHINE[start:]
    assert not tried, f"this test tried to reach the network: {', '.join(sorted(set(tried)))}"


# ---------------------------------------------------------------------------
# A real PostgreSQL server on loopback (tests/test_postgres.py). Debian's `postgresql` package
# (installed by .ci/run) provides /usr/lib/postgresql/<version>/bin. The server runs from a temp
# folder on 127.0.0.1 and a free port, with password (SCRAM) authentication, and is stopped at the
# end. PostgreSQL refuses to run as root: as root it runs as the `postgres` user (else `nobody`).
# Without the binaries the tests skip locally and fail on CI (env var CI set).

PG_USER = "reporter_test"
PG_PASSWORD = "pw-not-secret-but-required"


def _pg_bin() -> Path | None:
    import glob
    import shutil

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3])
                   if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).resolve().parent if pg_ctl else None


class PostgresServer:
    """One initdb'd cluster: ``url`` (no password), ``psql`` to set up tables, ``stop``."""

    def __init__(self) -> None:
        import shutil
        import tempfile

        bin_dir = _pg_bin()
        if bin_dir is None or not (bin_dir / "initdb").exists():
            raise RuntimeError("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
        self.bin = bin_dir
        self.base = Path(tempfile.mkdtemp(prefix="reporter-pg-"))
        self.wrap: list[str] = []
        try:
            self._start()
        except BaseException:
            shutil.rmtree(self.base, ignore_errors=True)
            raise

    def _start(self) -> None:
        import os
        import shutil
        import socket

        bin_dir = self.bin
        if os.geteuid() == 0:  # postgres refuses root: run it as an unprivileged user
            import pwd

            for name in ("postgres", "nobody"):
                try:
                    entry = pwd.getpwnam(name)
                    break
                except KeyError:
                    entry = None
            if entry is None:
                raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")
            if shutil.which("runuser"):
                self.wrap = ["runuser", "-u", entry.pw_name, "--"]
            elif shutil.which("setpriv"):
                self.wrap = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups"]
            else:
                raise RuntimeError("running as root and neither runuser nor setpriv is available")
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        pwfile = self.base / "pw"
        pwfile.write_text(PG_PASSWORD + "\n")
        if self.wrap:
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        data = self.base / "data"
        self._run([str(bin_dir / "initdb"), "-D", str(data), "-U", PG_USER, "--auth=scram-sha-256",
                   f"--pwfile={pwfile}", "-E", "UTF8", "--no-locale", "--no-sync"])
        pwfile.unlink()
        self.log = self.base / "server.log"
        for attempt in range(3):  # a free port can be taken between the probe and the start
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.base} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=20 "
                       "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all")
            try:
                self._run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.log),
                           "-w", "-t", "60", "start"])
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        self.data = data
        self.url = f"postgresql://{PG_USER}@127.0.0.1:{self.port}/postgres"

    def _run(self, args: list[str]) -> str:
        import subprocess

        done = subprocess.run([*self.wrap, *args], capture_output=True, text=True, timeout=120,
                              cwd=self.base, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            log = getattr(self, "log", None)
            tail = log.read_text(errors="replace")[-1500:] if log is not None and log.exists() else ""
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()[-1500:]}"
                               f"{' ' + tail if tail else ''}")
        return done.stdout

    def url_for(self, database: str) -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL (psql script syntax, \\copy included) as the test user; return psql's output."""
        import os
        import subprocess

        env = {**os.environ, "PGPASSWORD": PG_PASSWORD, "PGTZ": "UTC", "PGCLIENTENCODING": "UTF8"}
        done = subprocess.run(
            [str(self.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-h", "127.0.0.1",
             "-p", str(self.port), "-U", PG_USER, "-d", database, "-f", "-"],
            input=sql, capture_output=True, text=True, timeout=120, env=env)
        if done.returncode != 0:
            raise AssertionError(f"psql failed: {done.stderr.strip()}")
        return done.stdout

    def stop(self) -> None:
        import shutil

        try:
            self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    import os

    try:
        import adbc_driver_postgresql  # noqa: F401 - the driver the reporter reads with ('.[test]' installs it)

        server = PostgresServer()
    except (RuntimeError, OSError, ImportError) as exc:
        reason = f"no PostgreSQL server could be started on loopback, or no driver to read it: {exc}"
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must provide one (.ci/run installs Debian's postgresql)")
        pytest.skip(reason)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_database(postgres_server, request):
    """A fresh, empty database for one test (dropped afterwards): its name."""
    import re

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:50]
    postgres_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);\nCREATE DATABASE "{name}";')
    yield name
    postgres_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
