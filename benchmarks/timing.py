"""Timing of a whole child process (wall seconds and its own peak RSS, os.wait4), and the CPU
seconds of this process with its finished children."""

from __future__ import annotations

import os
import resource
import subprocess
import time


def timed_process(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS in MiB). A failing command stops the benchmark."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


def cpu_seconds() -> float:
    """User + system seconds of this process and its finished children (git): load-independent."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
