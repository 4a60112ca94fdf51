"""Cancel ``astream`` after its first chunk and see what is left behind.

The consumer is a task that reads the stream inside ``contextlib.aclosing``,
as well-behaved consumers do. It takes the first chunk and at once asks for
the next; the harness cancels it as soon as it is suspended. The cancel then
lands where a real client's disconnect lands: inside the model's generator
while it waits for its provider (a model that swallows ``CancelledError``
there is caught), or, when the next chunk was already there, in the
consumer, whose ``aclosing`` closes the generator at its ``yield``.

Promptly means within ``GRACE_S`` of the consumer's end: a task, thread or
generator the stream started that is still running then keeps spending the
user's tokens, even if it would finish on its own a little later.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Iterator
from contextlib import aclosing, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from pytest_llm_compliance.core.exc_text import one_line
from pytest_llm_compliance.observe.recorders import TraceRecorder

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

    from pytest_llm_compliance.kinds.base import Model

GRACE_S = 0.2
"""How long the model's generator, tasks and threads get to wind down after the stream ends."""
POLL_S = 0.005
QUIET_S = 1.0
"""How long earlier observations' clean-up may take before the scenario starts anyway."""
POOL_THREADS = ("asyncio_", "ThreadPoolExecutor", "llm-compliance-call")
"""Idle executor workers (LangChain's run_in_executor) and the harness's own."""


@dataclass(frozen=True)
class Cancelled:
    """What cancelling a stream after its first chunk did."""

    first_chunk: bool
    landed: str
    """Where the cancel landed: ``in the stream`` (the model was awaiting), ``in the consumer``
    (between chunks), or ``nowhere`` (the stream had ended on its own)."""
    ended_in_s: float | None
    """Seconds from the cancel to the consumer's end; None if it did not end."""
    swallowed: bool
    """True when the consumer ended without the cancel reaching it: the stream ate it."""
    raised: str
    """What the consumer raised instead of ``CancelledError`` (empty if nothing)."""
    chunks_after_cancel: int
    open_generators: int
    """Model generators still suspended after the grace time."""
    pending_tasks: list[str]
    threads: list[str]
    """Threads the stream started that were still running after the grace time."""
    next_call: Any
    next_error: str


_STARTERS: weakref.WeakKeyDictionary[threading.Thread, threading.Thread] = (
    weakref.WeakKeyDictionary()
)
"""Which thread started each thread started while a scenario ran."""


@contextmanager
def thread_starts_recorded() -> Iterator[None]:
    """While the block runs, note which thread starts each new thread.

    A thread the stream started comes from the loop's thread or one of its
    executor workers; one started elsewhere (an in-process server answering
    the stream's request, a test's own helper) is not the model's.
    """
    original = threading.Thread.start

    def start(self: threading.Thread) -> None:
        _STARTERS[self] = threading.current_thread()
        original(self)

    threading.Thread.start = start  # type: ignore[method-assign]
    try:
        yield
    finally:
        threading.Thread.start = original  # type: ignore[method-assign]


def _started_by_the_stream(thread: threading.Thread, loop_thread: threading.Thread) -> bool:
    starter = _STARTERS.get(thread)
    if starter is None:
        return True  # not recorded: counted, as before
    return starter is loop_thread or starter.name.startswith(POOL_THREADS)


def _open(reference: weakref.ref[Any]) -> bool:
    """True while a model generator exists and is suspended (not finished)."""
    generator = reference()
    frame = getattr(generator, "ag_frame", getattr(generator, "gi_frame", None))
    return frame is not None


async def _quiet_loop() -> None:
    """Let earlier observations' clean-up end before the scenario starts (bounded).

    Streams other observations left to the garbage collector are closed by the
    loop's async-generator finaliser, as tasks (an HTTP client's shielded
    response close among them): run now, they would be taken for tasks the
    cancelled stream left behind, and share the loop with its clean-up.
    """
    gc.collect()  # finalise abandoned generators now: their aclose tasks are scheduled
    for _ in range(int(QUIET_S / POLL_S)):
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if not [t for t in others if not t.done() and not _is_harness_task(t)]:
            return
        await asyncio.sleep(POLL_S)


def _is_harness_task(task: asyncio.Task[Any]) -> bool:
    """The harness's own tasks on the target's loop (the call that runs this scenario)."""
    return getattr(task.get_coro(), "__qualname__", "").startswith("TargetLoop.run")


async def cancel_after_first_chunk(
    llm: Model,
    recorder: TraceRecorder,
    config: RunnableConfig,
    prompt: str,
    generators: list[weakref.ref[Any]],
    first_generator: int,
    deadline_s: float,
    call_limit_s: float,
) -> Cancelled:
    """Run the scenario (see the module's docstring); call it in ``thread_starts_recorded()``.

    ``generators`` is where the call counter records the model generators it
    sees created; those from index ``first_generator`` on are this scenario's.
    """
    await _quiet_loop()
    before, threads_before = asyncio.all_tasks(), set(threading.enumerate())
    loop_thread = threading.current_thread()
    first, cancel_sent = asyncio.Event(), asyncio.Event()
    pause = asyncio.Event()  # never set: a consumer past its second chunk waits here
    where = {"paused": False, "after_cancel": 0}

    async def consume() -> None:
        stream_of = cast("AsyncGenerator[str, None]", llm.astream(prompt, config=config))
        async with aclosing(stream_of) as stream:
            async for chunk in stream:
                recorder.received(chunk)
                if cancel_sent.is_set():  # the cancel was lost on its way: read on to the
                    where["after_cancel"] += 1  # end, as the caller's code would, and
                    continue  # report it, rather than wait out the deadline at a pause
                if not first.is_set():
                    first.set()  # and ask for the next chunk at once
                    continue
                where["paused"] = True
                await pause.wait()

    consumer = asyncio.create_task(consume())
    waiter = asyncio.create_task(first.wait())
    await asyncio.wait(
        {consumer, waiter}, timeout=call_limit_s, return_when=asyncio.FIRST_COMPLETED
    )
    waiter.cancel()
    got_first = first.is_set()
    landed = "nowhere" if consumer.done() else "in the consumer" if where["paused"] else ""
    landed = landed or "in the stream"
    cancelled_at = time.perf_counter()
    cancel_sent.set()
    consumer.cancel()
    await asyncio.wait({consumer}, timeout=deadline_s)
    ended = consumer.done()
    ended_in = time.perf_counter() - cancelled_at if ended else None
    swallowed = ended and landed != "nowhere" and not consumer.cancelled()
    error = consumer.exception() if ended and not consumer.cancelled() else None
    raised = one_line(error) if error else ""
    consumer_id = id(consumer)
    # The finished task holds its exception, whose traceback pins the frames of the
    # stream, and so the model's generator: let go of it before looking for leftovers.
    del consumer, error

    def leftovers() -> list[asyncio.Task[Any]]:
        return [t for t in asyncio.all_tasks() - before if id(t) != consumer_id and not t.done()]

    def new_threads() -> list[threading.Thread]:
        return [
            thread
            for thread in set(threading.enumerate()) - threads_before
            if thread.is_alive()
            and not thread.name.startswith(POOL_THREADS)
            and _started_by_the_stream(thread, loop_thread)
        ]

    def settled() -> bool:
        open_generators = any(_open(g) for g in generators[first_generator:])
        return not leftovers() and not new_threads() and not open_generators

    for _ in range(int(GRACE_S / POLL_S)):  # clean-up (aclose, finalizers) takes a few turns
        if settled():
            break
        await asyncio.sleep(POLL_S)
    pending = [f"{task.get_name()}: {task.get_coro()!r}"[:100] for task in leftovers()]
    threads = [thread.name for thread in new_threads()]
    open_generators = sum(_open(g) for g in generators[first_generator:])
    for task in leftovers():  # the harness's clean-up, after the verdict is taken
        task.cancel()
    next_call, next_error = None, ""
    try:
        next_call = await asyncio.wait_for(llm.ainvoke(prompt), call_limit_s)
    except Exception as exc:
        next_error = one_line(exc)
    return Cancelled(
        first_chunk=got_first,
        landed=landed,
        ended_in_s=ended_in,
        swallowed=swallowed,
        raised=raised,
        chunks_after_cancel=where["after_cancel"],
        open_generators=open_generators,
        pending_tasks=pending,
        threads=threads,
        next_call=next_call,
        next_error=next_error,
    )
