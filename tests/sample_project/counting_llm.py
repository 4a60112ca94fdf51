"""A user's model that counts the calls it receives, with two known defects.

It strips stop sequences (``stop.included`` fails) and returns ``batch``'s
results in reverse (``methods.batch`` fails, a check charged with model calls),
so reruns have something to rerun. The count is written to ``$CALLS_FILE``
at exit, one line per process: file I/O during a call would block the loop.
"""

from __future__ import annotations

import atexit
import collections
import os
from typing import Any

from reference_llm import EchoLLM
from reference_llm.stop import truncate_at_stop

CALLS: collections.Counter[str] = collections.Counter()


def _note(what: str) -> None:
    CALLS[what] += 1  # in memory: file I/O would block the event loop


@atexit.register
def _write() -> None:
    if CALLS:
        with open(os.environ["CALLS_FILE"], "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {sum(CALLS.values())}\n")


class CountingLLM(EchoLLM):
    """The reference, counting its calls, cutting the stop sequence, batching backwards.

    Example:
        .. code-block:: python

            CountingLLM(n=5).invoke("hello")
    """

    def _echo(self, prompt: str, stop: Any) -> str:
        text = truncate_at_stop(prompt[: self.n], stop)
        for sequence in stop or []:
            if sequence and text.endswith(sequence):
                return text[: -len(sequence)]
        return text

    def batch(self, inputs: Any, config: Any = None, **kwargs: Any) -> Any:
        return list(reversed(super().batch(inputs, config, **kwargs)))

    def _call(self, *args: Any, **kwargs: Any) -> str:
        _note("_call")
        return super()._call(*args, **kwargs)

    async def _acall(self, *args: Any, **kwargs: Any) -> str:
        _note("_acall")
        return await super()._acall(*args, **kwargs)

    def _stream(self, *args: Any, **kwargs: Any) -> Any:
        _note("_stream")
        yield from super()._stream(*args, **kwargs)

    async def _astream(self, *args: Any, **kwargs: Any) -> Any:
        _note("_astream")
        async for chunk in super()._astream(*args, **kwargs):
            yield chunk
