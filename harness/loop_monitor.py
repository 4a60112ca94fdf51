"""Watch an event loop while the model runs: blocking calls and stalls.

Blocking calls are caught by ``blockbuster`` (the detector LangChain's own test
suites use), limited to the model's own modules so that LangChain and the
harness are never blamed. Stalls are measured by a heartbeat task: the longest
gap between two ticks beyond the tick itself.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import TypeVar

from blockbuster import BlockBuster, BlockingError

T = TypeVar("T")
TICK_S = 0.005


@dataclass(frozen=True)
class Watched:
    """What the loop went through while a coroutine ran."""

    blocking_call: str | None
    """Which blocking call blockbuster caught, if any."""
    max_stall_ms: float


def model_modules(cls: type) -> list[ModuleType]:
    """The modules (with a file) of the user's classes in ``cls``'s MRO."""
    names = {
        klass.__module__
        for klass in cls.__mro__
        if not klass.__module__.startswith(("langchain_core.", "pydantic.", "builtins", "abc"))
    }
    modules = [sys.modules[name] for name in sorted(names) if name in sys.modules]
    return [module for module in modules if getattr(module, "__file__", None)]


@contextmanager
def blocking_detector(modules: list[ModuleType]) -> Iterator[None]:
    """Make blocking calls from ``modules`` raise ``BlockingError`` on a loop."""
    if not modules:  # nothing to scan: blockbuster would blame every module
        yield
        return
    buster = BlockBuster(scanned_modules=modules)
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


async def watch(run: Callable[[], Awaitable[T]], modules: list[ModuleType]) -> tuple[T, Watched]:
    """Run ``run()`` with the detector on and a heartbeat beside it.

    The detector is switched on before the heartbeat starts, and the garbage
    collector is paused meanwhile, so that neither counts as the model's stall.
    A ``BlockingError`` raised inside the model is reported, not re-raised,
    and the result is then ``None``.
    """
    stalls: list[float] = [0.0]
    done = asyncio.Event()

    async def heartbeat() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(TICK_S)
            stalls.append((time.perf_counter() - started - TICK_S) * 1000)

    blocking: str | None = None
    result: T | None = None
    with blocking_detector(modules), _gc_paused():
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
