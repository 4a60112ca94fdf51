"""One event loop per target, in a thread of its own: what a user's application has.

Async clients built once per instance (``AsyncAnthropic``, ollama's
``AsyncClient``) keep pooled connections bound to the loop that opened them;
running each observation on a fresh ``asyncio.run`` loop, as no application
does, makes them fail at random ("Event loop is closed"). So every async call
of a target runs on the same loop. A call is bounded: cancelled at its time
limit if it yields to the loop; if it blocks the loop instead, the loop's
thread is abandoned (a daemon) and the next call gets a fresh loop.

The loop's own wake-up socket pair is made below ``socket.socket``, so that
pytest-socket's ``--disable-socket`` blocks the model's sockets, never the
harness's loop.
"""

from __future__ import annotations

import _socket
import asyncio
import concurrent.futures
import threading
import traceback
from collections.abc import Awaitable, Callable
from contextvars import Context
from typing import TypeVar

from pytest_llm_compliance.observe.recorders import CallTimeout, Returned, interrupt, timed_out

T = TypeVar("T")
CANCEL_GRACE_S = 1.0
"""How long a timed-out coroutine gets to unwind after its cancel."""
BLOCKED_GRACE_S = 2.0
"""How long past its limit a call may keep the loop before the loop is abandoned."""
CLOSE_S = 2.0


class HarnessEventLoop(asyncio.SelectorEventLoop):
    """A selector loop whose self-pipe bypasses ``socket.socket`` (and its guards)."""

    def _make_self_pipe(self) -> None:
        if not hasattr(_socket, "socketpair"):  # pragma: no cover - not on Linux/macOS
            super()._make_self_pipe()  # type: ignore[misc]
            return
        # the same steps as asyncio's own, with the C-level pair: recv, send,
        # setblocking, fileno and close are all the loop uses of them
        self._ssock, self._csock = _socket.socketpair()
        self._ssock.setblocking(False)
        self._csock.setblocking(False)
        self._internal_fds += 1  # type: ignore[attr-defined]
        self._add_reader(self._ssock.fileno(), self._read_from_self)  # type: ignore[attr-defined]


class TargetLoop:
    """A daemon thread running one event loop, replaced when a call blocks it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop, self._thread = self._start()

    @staticmethod
    def _start() -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
        loop = HarnessEventLoop()
        # what the model leaves behind ("Task exception was never retrieved", a task
        # destroyed pending) is the model's, and may hold its key: never printed
        loop.set_exception_handler(lambda loop, context: None)
        thread = threading.Thread(target=loop.run_forever, name="llm-compliance-loop", daemon=True)
        thread.start()
        return loop, thread

    def run(
        self,
        function: Callable[[], Awaitable[T]],
        timeout_s: float,
        context: Context | None = None,
    ) -> Returned:
        """Run a coroutine function on the loop, in ``context``; give up after ``timeout_s``."""
        with self._lock:
            loop, thread = self._loop, self._thread
        result = Returned()
        finished: concurrent.futures.Future[None] = concurrent.futures.Future()

        async def bounded() -> None:
            task = asyncio.ensure_future(function())
            try:
                done, _ = await asyncio.wait({task}, timeout=timeout_s)
                if not done:
                    task.cancel()
                    await asyncio.wait({task}, timeout=CANCEL_GRACE_S)
                    raise CallTimeout(f"did not finish within {timeout_s:g} s")
                result.value = task.result()
            except BaseException as exc:  # the model's exceptions are data here
                result.error = exc
                result.error_text = "".join(traceback.format_exception(exc))
            finally:
                finished.set_result(None)

        def start() -> None:
            if context is None:
                loop.create_task(bounded())
            else:
                context.run(loop.create_task, bounded())

        loop.call_soon_threadsafe(start)
        try:
            finished.result(timeout_s + CANCEL_GRACE_S + BLOCKED_GRACE_S)
        except concurrent.futures.TimeoutError:
            self._abandon(loop, thread)
            return timed_out(timeout_s)
        if isinstance(result.error, CallTimeout):
            return timed_out(timeout_s)
        return result

    def _abandon(self, loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
        """The loop is blocked by the model: stop its thread if it spins, use a new loop."""
        interrupt(thread)
        with self._lock:
            if self._loop is loop:
                self._loop, self._thread = self._start()

    def close(self) -> None:
        """Cancel what is left on the loop, close async generators, stop the thread (bounded)."""
        with self._lock:
            loop, thread = self._loop, self._thread

        async def wind_down() -> bool:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            if tasks:
                _, pending = await asyncio.wait(tasks, timeout=CLOSE_S / 2)
                if pending:
                    return False  # the model ignores cancels: its tasks keep the loop
            await loop.shutdown_asyncgens()
            return True

        if not loop.is_running():
            return
        future = asyncio.run_coroutine_threadsafe(wind_down(), loop)
        try:
            if not future.result(CLOSE_S):
                return  # left to its daemon thread, as a loop the model blocks is
        except (concurrent.futures.TimeoutError, Exception):
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(CLOSE_S)
        if not thread.is_alive():
            loop.close()
