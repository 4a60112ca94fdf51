"""A user's model that counts the calls it receives, with two known defects.

It strips stop sequences (``stop.included`` fails) and returns ``batch``'s
results in reverse (``methods.batch`` fails, a check charged with model calls),
so reruns have something to rerun. Each call is noted at once in
``$CALLS_FILE``, one line per call, through a non-blocking descriptor (a
blocking write would block the event loop): the harness's child process ends
with ``os._exit``, so nothing waits for exit to write the count.
"""

from __future__ import annotations

import os
from typing import Any

from reference_llm import EchoLLM
from reference_llm.stop import truncate_at_stop

_FILE = os.environ.get("CALLS_FILE")
_FD = (
    os.open(_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o644) if _FILE else None
)


def _note(what: str) -> None:
    if _FD is not None:
        os.write(_FD, f"{os.getpid()} 1 {what}\n".encode())


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
