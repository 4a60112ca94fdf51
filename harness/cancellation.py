"""Cancel ``astream`` after its first chunk and see what is left behind.

The consumer is a task that takes the first chunk and then pauses, the way a
client does while it handles a chunk; the task is cancelled there. It reads the
stream inside ``contextlib.aclosing``, as well-behaved consumers do, so that
the cancellation closes the stream.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from harness.recorders import TraceRecorder

if TYPE_CHECKING:
    from langchain_core.language_models.llms import BaseLLM
    from langchain_core.runnables import RunnableConfig

SETTLE_S = 1.0
POOL_THREADS = ("asyncio_", "ThreadPoolExecutor", "llm-compliance-call")
"""Idle executor workers (LangChain's run_in_executor) and the harness's own."""
"""How long the model's generator and tasks get to wind down after the cancel."""


@dataclass(frozen=True)
class Cancelled:
    """What cancelling a stream after its first chunk did."""

    first_chunk: bool
    ended_in_s: float | None
    """Seconds from the cancel to the consumer's end; None if it did not end."""
    open_generators: int
    """Model generators still suspended after the settle time."""
    pending_tasks: list[str]
    threads: list[str]
    """Threads the stream started that were still running after the settle time."""
    next_call: Any
    next_error: str


def _open(reference: weakref.ref[Any]) -> bool:
    """True while a model generator exists and is suspended (not finished)."""
    generator = reference()
    frame = getattr(generator, "ag_frame", getattr(generator, "gi_frame", None))
    return frame is not None


async def cancel_after_first_chunk(
    llm: BaseLLM,
    recorder: TraceRecorder,
    config: RunnableConfig,
    prompt: str,
    generators: list[weakref.ref[Any]],
    first_generator: int,
    deadline_s: float,
    call_limit_s: float,
) -> Cancelled:
    """Run the scenario.

    ``generators`` is where the call counter records the model generators it
    sees created; those from index ``first_generator`` on are this scenario's.
    """
    before, threads_before = asyncio.all_tasks(), set(threading.enumerate())
    first = asyncio.Event()
    pause = asyncio.Event()  # never set: the consumer is cancelled while paused

    async def consume() -> None:
        stream_of = cast("AsyncGenerator[str, None]", llm.astream(prompt, config=config))
        async with aclosing(stream_of) as stream:
            async for chunk in stream:
                recorder.received(chunk)
                first.set()
                await pause.wait()

    consumer = asyncio.create_task(consume())
    waiter = asyncio.create_task(first.wait())
    await asyncio.wait(
        {consumer, waiter}, timeout=call_limit_s, return_when=asyncio.FIRST_COMPLETED
    )
    waiter.cancel()
    got_first = first.is_set()
    cancelled_at = time.perf_counter()
    consumer.cancel()
    done, _ = await asyncio.wait({consumer}, timeout=deadline_s)
    ended_in = time.perf_counter() - cancelled_at if done else None

    def leftovers() -> list[asyncio.Task[Any]]:
        return [t for t in asyncio.all_tasks() - before if t is not consumer and not t.done()]

    def new_threads() -> list[threading.Thread]:
        return [
            thread
            for thread in set(threading.enumerate()) - threads_before
            if thread.is_alive() and not thread.name.startswith(POOL_THREADS)
        ]

    for _ in range(int(SETTLE_S / 0.01)):  # clean-up (aclose, finalizers) may take a few turns
        if (
            not leftovers()
            and not new_threads()
            and not any(_open(g) for g in generators[first_generator:])
        ):
            break
        await asyncio.sleep(0.01)
    pending = [f"{task.get_name()}: {task.get_coro()!r}"[:100] for task in leftovers()]
    threads = [thread.name for thread in new_threads()]
    next_call, next_error = None, ""
    try:
        next_call = await asyncio.wait_for(llm.ainvoke(prompt), call_limit_s)
    except Exception as exc:
        next_error = f"{type(exc).__name__}: {exc}"
    return Cancelled(
        first_chunk=got_first,
        ended_in_s=ended_in,
        open_generators=sum(_open(g) for g in generators[first_generator:]),
        pending_tasks=pending,
        threads=threads,
        next_call=next_call,
        next_error=next_error,
    )
