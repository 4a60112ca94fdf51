"""Instruments for one model call: an ordered trace, logs, a call count, a time limit."""

from __future__ import annotations

import ctypes
import functools
import inspect
import io
import logging
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import Context, ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.messages import BaseMessage, get_buffer_string
from langchain_core.outputs import ChatGenerationChunk, GenerationChunk

from pytest_llm_compliance.core.exc_text import one_line
from pytest_llm_compliance.observe.introspect import MODEL_METHODS, defined_by_user

T = TypeVar("T")


@dataclass(frozen=True)
class Event:
    """One entry of a trace: a callback the model's run fired, or a receipt.

    ``kind`` is ``start``, ``token``, ``end`` or ``error`` for callbacks and
    ``received`` when the caller got a chunk.
    """

    kind: str
    run_id: UUID | None = None
    text: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class TraceRecorder(BaseCallbackHandler):
    """A callback handler writing LLM callbacks into one ordered trace.

    On the async path it is wrapped in ``AsyncTraceRecorder``, which LangChain
    awaits where the model fires the callback, so the order of callbacks and
    receipts in the trace is the order in which they happened. (A sync
    handler with ``run_inline = True`` would do the same, but it makes
    ``astream_events`` lose the LLM's events in langchain-core 1.7.)
    """

    raise_error = False

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.payloads: list[str] = []
        """Everything the callbacks carried, as text, for the secrets scan."""

    def received(self, text: object) -> None:
        """Record that the caller got a chunk (its text) from the stream."""
        self.events.append(Event("received", text=str(text)))

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        """Record a run's start with its prompts."""
        self.payloads.append(repr((serialized, prompts, kwargs)))
        self.events.append(Event("start", run_id, data={"prompts": list(prompts)}))

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        """Record a chat run's start, its messages as buffer strings (the run's "prompts")."""
        self.payloads.append(repr((serialized, messages, kwargs)))
        prompts = [get_buffer_string(batch) for batch in messages]
        self.events.append(Event("start", run_id, data={"prompts": prompts}))

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        """Record a token with the chunk passed along."""
        self.payloads.append(repr((token, chunk, kwargs)))
        data = {
            "chunk_type": type(chunk).__name__,
            "chunk_text": getattr(chunk, "text", None),
        }
        self.events.append(Event("token", run_id, text=str(token), data=data))

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Record a run's end with the text it produced."""
        self.payloads.append(repr((response, kwargs)))
        texts = [g.text for gens in response.generations for g in gens]
        self.events.append(Event("end", run_id, text="".join(texts)))

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Record a run's error."""
        self.payloads.append(repr((error, kwargs)))
        self.events.append(Event("error", run_id, text=one_line(error)))


class AsyncTraceRecorder(AsyncCallbackHandler):
    """The async face of a ``TraceRecorder``: same trace, awaited in order."""

    raise_error = False

    def __init__(self, sink: TraceRecorder) -> None:
        self.sink = sink

    async def on_llm_start(
        self, serialized: dict[str, Any], prompts: list[str], *, run_id: UUID, **kwargs: Any
    ) -> None:
        """Record a run's start."""
        self.sink.on_llm_start(serialized, prompts, run_id=run_id, **kwargs)

    async def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        **kwargs: Any,
    ) -> None:
        """Record a chat run's start."""
        self.sink.on_chat_model_start(serialized, messages, run_id=run_id, **kwargs)

    async def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        """Record a token."""
        self.sink.on_llm_new_token(token, chunk=chunk, run_id=run_id, **kwargs)

    async def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Record a run's end."""
        self.sink.on_llm_end(response, run_id=run_id, **kwargs)

    async def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Record a run's error."""
        self.sink.on_llm_error(error, run_id=run_id, **kwargs)


@dataclass
class CallInstruments:
    """What one call gathered: its model calls, log records and prints.

    The call's context carries it (``CURRENT``): LangChain's executors and
    asyncio's tasks inherit the context, so concurrent calls never mix.
    """

    model_calls: int = 0
    logs: list[str] = field(default_factory=list)
    printed: io.StringIO = field(default_factory=io.StringIO)


CURRENT: ContextVar[CallInstruments | None] = ContextVar("llm_compliance_call", default=None)


class _Ambient:
    """Process-wide routing installed while any call runs (reference-counted).

    Log records (at DEBUG) and writes to ``sys.stdout``/``sys.stderr`` go to
    the current call's instruments. Those of threads outside any call (a
    model's own threads) are kept in ``unattributed``: never shown, but still
    scanned for secrets.
    """

    def __init__(self) -> None:
        self.unattributed = CallInstruments()
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: tuple[Any, Any, int] | None = None
        self._handler_levels: dict[logging.Handler, int] = {}
        self._handler = _RoutingLogHandler(self)

    def target(self) -> CallInstruments:
        """The instruments a log record or a write belongs to."""
        return CURRENT.get() or self.unattributed

    def mark(self) -> tuple[int, int]:
        """Where the stray output stands now, for ``stray_since``."""
        return len(self.unattributed.logs), len(self.unattributed.printed.getvalue())

    def stray_since(self, mark: tuple[int, int]) -> str:
        """Logs and prints of threads outside any call, since ``mark``."""
        logs, chars = mark
        stray = self.unattributed
        return "\n".join([*stray.logs[logs:], stray.printed.getvalue()[chars:]])

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Route logs and prints for the duration of the block."""
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                root = logging.getLogger()
                self._saved = (sys.stdout, sys.stderr, root.level)
                self._handler_levels = _hold_handlers_at_their_levels()
                sys.stdout = _RoutingStream(self)
                sys.stderr = _RoutingStream(self)
                root.addHandler(self._handler)
                root.setLevel(logging.DEBUG)
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._saved is not None:
                    sys.stdout, sys.stderr, level = self._saved
                    root = logging.getLogger()
                    root.removeHandler(self._handler)
                    root.setLevel(level)
                    for handler, handler_level in self._handler_levels.items():
                        handler.setLevel(handler_level)


def _hold_handlers_at_their_levels() -> dict[logging.Handler, int]:
    """Raise every existing handler to the level its logger let through so far.

    Called before the root logger goes to DEBUG, so that a user's
    ``basicConfig()`` handler prints no DEBUG record (keys included) because of
    the harness. Returns the levels to restore.
    """
    saved: dict[logging.Handler, int] = {}
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if handler not in saved:
                saved[handler] = handler.level
                handler.setLevel(max(handler.level, logger.getEffectiveLevel()))
    return saved


class _RoutingLogHandler(logging.Handler):
    def __init__(self, ambient: _Ambient) -> None:
        super().__init__(logging.DEBUG)
        self.ambient = ambient

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = f"{record.name}: {record.getMessage()}"
        except Exception:
            line = f"{record.name}: {record.msg!r}"
        self.ambient.target().logs.append(line)


class _RoutingStream(io.TextIOBase):
    def __init__(self, ambient: _Ambient) -> None:
        self.ambient = ambient

    def write(self, text: str) -> int:
        return self.ambient.target().printed.write(text)

    def flush(self) -> None:
        return None


AMBIENT = _Ambient()


class CallCounter:
    """Counts calls into the model methods (``_call``, ``_acall``, ...).

    While ``counting(cls)`` is active the class's own implementations are
    wrapped (once, however many calls run at the same time); methods the class
    inherits from langchain-core are left alone, so LangChain's fallbacks
    (``_acall`` running ``_call``) count once. Each call is counted in the
    total and in the current call's instruments.
    """

    def __init__(self) -> None:
        self.total = 0
        self.generators: list[weakref.ref[Any]] = []
        """Weak references to the generators ``_stream``/``_astream`` returned
        (weak, so that counting never keeps a generator from being finalized)."""
        self._lock = threading.Lock()
        self._active: dict[type, tuple[int, dict[str, Any]]] = {}

    def _wrap(self, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.total += 1
                if (instruments := CURRENT.get()) is not None:
                    instruments.model_calls += 1
            result = method(*args, **kwargs)
            if inspect.isgenerator(result) or inspect.isasyncgen(result):
                self.generators.append(weakref.ref(result))
            return result

        return counted

    @contextmanager
    def counting(self, cls: type) -> Iterator[None]:
        """Wrap the class's own model methods for the duration of the block."""
        with self._lock:
            depth, saved = self._active.get(cls, (0, {}))
            if depth == 0:
                saved = {}
                for name in MODEL_METHODS:
                    if defined_by_user(cls, name):
                        saved[name] = vars(cls).get(name)
                        setattr(cls, name, self._wrap(getattr(cls, name)))
            self._active[cls] = (depth + 1, saved)
        try:
            yield
        finally:
            with self._lock:
                depth, saved = self._active.pop(cls)
                if depth > 1:
                    self._active[cls] = (depth - 1, saved)
                else:
                    for name, original in saved.items():
                        if original is None:
                            delattr(cls, name)
                        else:
                            setattr(cls, name, original)


INTERRUPT_ATTEMPTS = 3
INTERRUPT_PAUSE_S = 0.2
SPIN_PROBE_S = 0.05


class CallTimeout(Exception):
    """A model call did not finish within the time limit."""


class CallAbandoned(BaseException):
    """Raised inside a hung worker to stop it.

    A ``BaseException``, so that ``except Exception`` blocks (LangChain's
    callback dispatch has them) cannot swallow it and keep the loop spinning.
    """


@dataclass
class Returned:
    """What a bounded call returned or raised."""

    value: Any = None
    error: BaseException | None = None
    error_text: str = ""
    """The exception's message and traceback, for messages and the secrets scan."""


def timed_out(timeout_s: float) -> Returned:
    """What a call that hung returns."""
    message = f"did not finish within {timeout_s:g} s"
    return Returned(error=CallTimeout(message), error_text=f"CallTimeout: {message}")


def run_bounded(
    function: Callable[[], T], timeout_s: float, context: Context | None = None
) -> Returned:
    """Run ``function`` in a worker thread; give up after ``timeout_s``.

    A call that hangs is abandoned (a thread cannot be killed; it is a daemon)
    and reported as ``CallTimeout``, and the run goes on.
    """
    result = Returned()

    def work() -> None:
        try:
            result.value = context.run(function) if context else function()
        except BaseException as exc:  # the model's exceptions are data here
            result.error = exc
            result.error_text = "".join(traceback.format_exception(exc))

    worker = threading.Thread(target=work, name="llm-compliance-call", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        interrupt(worker)
        return timed_out(timeout_s)
    return result


def interrupt(worker: threading.Thread) -> None:
    """Ask a hung worker to stop.

    ``CallAbandoned`` is raised in it at its next Python instruction: a
    pure-Python spin stops, a blocking C call does not. Only a worker that
    spins is asked (a sleeping one would only get the exception when it wakes,
    wherever it then is). A model may catch it once in a ``finally`` and go
    on, so a daemon helper asks again, a few times (bounded), while it spins.
    """

    def ask() -> None:
        for _ in range(INTERRUPT_ATTEMPTS):
            if not worker.is_alive() or worker.ident is None or not _spins(worker):
                return
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(worker.ident), ctypes.py_object(CallAbandoned)
            )
            worker.join(INTERRUPT_PAUSE_S)

    threading.Thread(target=ask, name="llm-compliance-interrupt", daemon=True).start()


def _spins(worker: threading.Thread) -> bool:
    """True when the worker burns CPU (where a thread's CPU clock can be read)."""
    try:
        clock = time.pthread_getcpuclockid(worker.ident or 0)
        before = time.clock_gettime(clock)
        time.sleep(SPIN_PROBE_S)
        return time.clock_gettime(clock) - before > SPIN_PROBE_S / 2
    except (AttributeError, OSError):  # no per-thread clock here, or the thread ended
        return worker.is_alive()
