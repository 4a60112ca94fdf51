"""Watch an event loop while the model runs: blocking calls and stalls.

Blocking calls are caught by ``blockbuster`` (the detector LangChain's own test
suites use) in every module that runs during the model's async call, the
model's own and the vendor SDKs it uses alike, except langchain-core and the
harness, which are never blamed: a vendor SDK reading a token file with a sync
``open()`` on the loop blocks it as surely as the model's own code would.

Stalls are measured by a heartbeat task on the loop: between two ticks, the
time the loop's thread spent *running* (its CPU time), beyond the tick itself.
A gap in which the thread was simply not scheduled (a busy machine, as CI
runners are) is the operating system's, not the model's; waiting in a
blocking call is blockbuster's to catch.
"""

from __future__ import annotations

import asyncio
import gc
import os
import site
import sys
import sysconfig
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import TypeVar

from blockbuster import BlockBuster, BlockingError
from blockbuster.blockbuster import _ModulePaths

T = TypeVar("T")
TICK_S = 0.005


@dataclass(frozen=True)
class Watched:
    """What the loop went through while a coroutine ran."""

    blocking_call: str | None
    """Which blocking call blockbuster caught, if any."""
    max_stall_ms: float


NEVER_BLAMED = ("langchain_core", "pytest_llm_compliance", "blockbuster", "forbiddenfruit")
"""Packages whose blocking calls are not the model's: LangChain's interface and the harness."""


@dataclass(frozen=True)
class Scope:
    """Where blocking calls are blamed: path prefixes scanned, and those excluded."""

    scanned: tuple[str, ...]
    excluded: tuple[str, ...]


def blame_scope(cls: type) -> Scope:
    """Where blocking calls are blamed: every module but the stdlib's and ``NEVER_BLAMED``.

    That is installed packages, the project's code on ``sys.path`` and the
    model's own modules.

    The standard library is not scanned: a blocking call it makes counts when
    a scanned frame (the model's or its SDK's) is on the stack, as
    blockbuster's rule goes.
    """
    from pytest_llm_compliance.observe.introspect import own_classes

    stdlib = {
        os.path.realpath(path)
        for key in ("stdlib", "platstdlib")
        if (path := sysconfig.get_paths().get(key))
    }
    prefixes = {*site.getsitepackages(), site.getusersitepackages()}
    prefixes |= {os.path.realpath(entry or os.getcwd()) for entry in sys.path}
    for klass in own_classes(cls):
        file = getattr(sys.modules.get(klass.__module__), "__file__", None)
        if file:
            prefixes.add(str(file))
    scanned = {
        path
        for path in map(os.path.realpath, prefixes)
        if os.path.exists(path) and not _holds_stdlib(path, stdlib)
    }
    excluded = {
        os.path.realpath(_package_path(module))
        for name in NEVER_BLAMED
        if (module := sys.modules.get(name)) is not None
    }
    return Scope(tuple(sorted(scanned)), tuple(sorted(excluded)))


def _holds_stdlib(path: str, stdlib: set[str]) -> bool:
    """True for the standard library's folders and their ancestors (``/`` included)."""
    if path.endswith(("site-packages", "dist-packages")):
        return False
    inside = any(path == lib or path.startswith(lib + os.sep) for lib in stdlib)
    above = any(lib.startswith(path.rstrip(os.sep) + os.sep) for lib in stdlib)
    return inside or above


def _package_path(module: ModuleType) -> str:
    paths = list(getattr(module, "__path__", []))
    return str(paths[0] if paths else module.__file__)


@contextmanager
def blocking_detector(scope: Scope | None) -> Iterator[None]:
    """Make blocking calls from the scanned code raise ``BlockingError`` on a loop.

    ``None`` (or nothing scanned) turns the detector off: with no module to
    scan, blockbuster would blame every one.
    """
    if scope is None or not scope.scanned:
        yield
        return
    buster = BlockBuster(
        scanned_modules=_ModulePaths(list(scope.scanned)),
        excluded_modules=_ModulePaths(list(scope.excluded)),
    )
    buster.activate()
    try:
        yield
    finally:
        buster.deactivate()


def _blocking_error_in(exc: BaseException | None) -> str | None:
    """The message of a ``BlockingError`` in ``exc``'s chain (it may be wrapped)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, BlockingError):
            return str(exc)
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


async def watch(run: Callable[[], Awaitable[T]], scope: Scope | None) -> tuple[T, Watched]:
    """Run ``run()`` with the detector on and a heartbeat beside it.

    The detector is switched on before the heartbeat starts, and the garbage
    collector is paused meanwhile, so that neither counts as the model's stall.
    A ``BlockingError`` raised inside the model is reported, not re-raised,
    and the result is then ``None``. A stall is the loop thread's CPU time
    between two ticks beyond the tick (never more than the wall-clock gap).
    """
    stalls: list[float] = [0.0]
    done = asyncio.Event()

    async def heartbeat() -> None:
        while not done.is_set():
            started, cpu_started = time.perf_counter(), time.thread_time()
            await asyncio.sleep(TICK_S)
            wall = time.perf_counter() - started - TICK_S
            cpu = time.thread_time() - cpu_started
            stalls.append(max(0.0, min(wall, cpu)) * 1000)

    blocking: str | None = None
    result: T | None = None
    with blocking_detector(scope), _gc_paused():
        beat = asyncio.create_task(heartbeat())
        await asyncio.sleep(0)  # let the heartbeat start before the model
        try:
            result = await run()
        except Exception as exc:
            blocking = _blocking_error_in(exc)
            if blocking is None:
                raise
        finally:
            done.set()
            await beat
    return result, Watched(blocking, max(stalls))  # type: ignore[return-value]


@contextmanager
def _gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
