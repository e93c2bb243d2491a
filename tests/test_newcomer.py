"""What a newcomer relies on: every command and option is in the README, and the tests stay offline."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import click
import pytest

import conftest
from reporter.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(command: click.Command, path: tuple[str, ...] = ("reporter",)):
    """(path, command) for the command and every subcommand, depth first, in name order."""
    yield path, command
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            yield from _commands(command.commands[name], (*path, name))


def _mentioned(token: str, text: str) -> bool:
    """``--all`` is not mentioned by ``--all-teams``: the token must stand alone."""
    return re.search(rf"(?<![\w-]){re.escape(token)}(?![\w-])", text) is not None


def test_the_walk_sees_every_command_and_the_known_options():
    # A walk that found nothing would make the next test pass vacuously: pin what it must see.
    seen = {" ".join(path): command for path, command in _commands(main)}
    assert {"reporter build", "reporter import", "reporter publish", "reporter sample", "reporter send"} <= set(seen)
    build_options = {o for p in seen["reporter build"].params if isinstance(p, click.Option) for o in p.opts}
    assert {"--input", "--out", "--period", "--format"} <= build_options
    assert not _mentioned("--all", "`--all-teams`") and _mentioned("--out", "[--out DIR]")


def test_every_command_and_option_is_in_the_readme():
    missing = []
    for path, command in _commands(main):
        if command.hidden:
            continue
        if len(path) > 1 and f"reporter {' '.join(path[1:])}" not in README:
            missing.append(" ".join(path))
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                missing += [f"{' '.join(path)} {o}" for o in (*param.opts, *param.secondary_opts)
                            if o.startswith("--") and not _mentioned(o, README)]
    assert not missing, "not in README.md: " + "; ".join(missing)


def test_a_test_that_reaches_the_network_is_refused_and_recorded():
    # 192.0.2.1 (TEST-NET-1, RFC 5737) is never routed: the guard must refuse before any packet leaves.
    before = len(conftest._OFF_MACHINE)
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError, match="must not reach the network"):
        sock.connect(("192.0.2.1", 443))
    with pytest.raises(ConnectionRefusedError):
        socket.getaddrinfo("example.com", 443)
    assert conftest._OFF_MACHINE[before:] == ["192.0.2.1", "example.com"]
    del conftest._OFF_MACHINE[before:]  # recorded as it should be; do not fail this test for it


def test_loopback_is_allowed():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(("localhost", server.getsockname()[1]), timeout=5):
            pass
