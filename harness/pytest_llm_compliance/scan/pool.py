"""Worker processes that import and check a package's modules in parallel.

Each worker is a fresh interpreter (``python -m pytest_llm_compliance.scan.worker``) that
takes one module at a time over a socket pair. Third-party code runs only
there, with the network blocked and its output sent to ``/dev/null``, so a
module that crashes its interpreter or hangs costs that module alone: its
worker is replaced, and the module's result says what happened. Every module
has a time limit, so a scan ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

import pytest_llm_compliance
from pytest_llm_compliance.scan.modules import ModuleResult, ScanJob
from pytest_llm_compliance.scan.worker import STARTED

DEFAULT_MODULE_TIMEOUT_S = 60.0
STARTUP_S = 60.0
"""How long a fresh worker may take to start (on top of its first module's limit)."""
STOP_GRACE_S = 5.0
POLL_S = 1.0
"""How often a silent worker is looked at (its death also wakes the wait)."""
MAX_ATTEMPTS = 2
"""A module is handed out at most this often (a worker that died between modules)."""


def default_workers() -> int:
    """The CPUs this process may use."""
    affinity = getattr(os, "sched_getaffinity", None)
    return max(1, len(affinity(0)) if affinity else os.cpu_count() or 1)


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    module: str | None = None
    since: float = 0.0
    started: bool = False
    """True once the worker took the module up (its time limit runs from then)."""
    fresh: bool = True

    def deadline(self, timeout_s: float) -> float:
        """When the current module runs out of time (a fresh worker may start up first)."""
        return self.since + timeout_s + (0.0 if self.started or not self.fresh else STARTUP_S)


def run_modules(
    names: Sequence[str],
    job: ScanJob,
    *,
    workers: int,
    timeout_s: float = DEFAULT_MODULE_TIMEOUT_S,
    on_result: Callable[[ModuleResult], None] | None = None,
) -> list[ModuleResult]:
    """Scan ``names`` in up to ``workers`` processes; results in the order of ``names``."""
    pending, attempts = deque(names), dict.fromkeys(names, 0)
    results: dict[str, ModuleResult] = {}
    pool: list[_Worker] = []
    size = max(1, min(workers, len(names)))
    try:
        while pending or any(worker.module for worker in pool):
            while pending and len(pool) < size:
                pool.append(_start(job))
            for worker in [w for w in pool if w.module is None]:
                if not pending:
                    break
                name = pending.popleft()
                attempts[name] += 1
                try:
                    worker.conn.send(name)
                except OSError:  # it died between two modules: hand the module on
                    _kill(worker)
                    pool.remove(worker)
                    if attempts[name] < MAX_ATTEMPTS:
                        pending.appendleft(name)
                    else:
                        results[name] = _died(name, worker)
                    continue
                worker.module, worker.since, worker.started = name, time.monotonic(), False
            for worker, result, alive in _collect(pool, timeout_s):
                results[result.name] = result
                if on_result:
                    on_result(result)
                worker.module, worker.fresh = None, False
                if not alive:
                    _kill(worker)
                    pool.remove(worker)
    finally:
        for worker in pool:
            if worker.module:
                _kill(worker)
            else:
                _stop(worker)
    return [results[name] for name in names]


def _start(job: ScanJob) -> _Worker:
    """A fresh worker, told the job and this process's import path."""
    ours, theirs = socket.socketpair()
    root = str(Path(pytest_llm_compliance.__file__).resolve().parents[1])  # our import root
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_llm_compliance.scan.worker", str(theirs.fileno())],
        pass_fds=[theirs.fileno()],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": path},
    )
    theirs.close()
    conn = Connection(ours.detach())
    conn.send(list(sys.path))
    conn.send(job)
    return _Worker(process, conn)


def _collect(pool: list[_Worker], timeout_s: float) -> list[tuple[_Worker, ModuleResult, bool]]:
    """Wait (bounded) for busy workers to answer, die or run out of time."""
    busy = [worker for worker in pool if worker.module]
    if not busy:
        return []
    deadline = min(worker.deadline(timeout_s) for worker in busy)
    timeout = min(POLL_S, max(0.0, deadline - time.monotonic()))
    ready = wait([worker.conn for worker in busy], timeout=timeout)
    done: list[tuple[_Worker, ModuleResult, bool]] = []
    for worker in busy:
        name = worker.module or ""
        if worker.conn in ready:
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                pass  # it died: its end of the socket closed
            else:
                if message == STARTED:
                    worker.since, worker.started = time.monotonic(), True
                else:
                    done.append((worker, message, True))
                continue
        if worker.conn in ready or worker.process.poll() is not None:
            _reap(worker)
            done.append((worker, _died(name, worker), False))
        elif time.monotonic() >= worker.deadline(timeout_s):
            message = (
                f"it did not finish importing and checking within {timeout_s:g} s "
                "(its worker process was stopped)"
            )
            done.append((worker, ModuleResult(name, message, duration_s=_age(worker)), False))
    return done


def _age(worker: _Worker) -> float:
    return time.monotonic() - worker.since if worker.since else 0.0


def _died(name: str, worker: _Worker) -> ModuleResult:
    code = worker.process.returncode
    if code is not None and code < 0:
        try:
            how = f"signal {signal.Signals(-code).name}"
        except ValueError:
            how = f"signal {-code}"
    else:
        how = f"exit code {code}"
    message = f"its worker process died while importing or checking it ({how})"
    return ModuleResult(name, message, duration_s=_age(worker))


def _reap(worker: _Worker) -> None:
    try:
        worker.process.wait(STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        worker.process.kill()
        worker.process.wait(STOP_GRACE_S)


def _stop(worker: _Worker) -> None:
    """End an idle worker: ask it to, then kill it if it does not; bounded."""
    if worker.process.poll() is None:
        try:
            worker.conn.send(None)
            worker.process.wait(STOP_GRACE_S)
        except (OSError, subprocess.TimeoutExpired):
            pass
    _kill(worker)


def _kill(worker: _Worker) -> None:
    """End a worker now, and close its socket."""
    if worker.process.poll() is None:
        worker.process.kill()
        worker.process.wait(STOP_GRACE_S)
    worker.conn.close()
