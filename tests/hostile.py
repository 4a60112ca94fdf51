"""Hostile models: they hang, never end, raise, return the wrong types, print
secrets or leave threads behind. The harness must give verdicts, in bounded time,
without losing the other checks' results."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.outputs import GenerationChunk
from pydantic import SecretStr

from reference_llm import EchoLLM
from tests.gallery import documented


@documented
class HangsInCall(EchoLLM):
    def _call(self, prompt: str, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> str:
        time.sleep(3600)
        return ""


@documented
class EndlessStream(EchoLLM):
    """Its sync stream never ends (a pure-Python loop: the harness stops it)."""

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        for _ in itertools.count():
            chunk = GenerationChunk(text="x")
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


@documented
class SilentAstream(EchoLLM):
    """Its async stream waits forever before its first chunk."""

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        await asyncio.Event().wait()
        yield GenerationChunk(text="never")


@documented
class RaisesEverywhere(EchoLLM):
    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        raise RuntimeError("the provider exploded")


@documented
class ReturnsANumber(EchoLLM):
    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        return 42  # type: ignore[return-value]


@documented
class YieldsStrings(EchoLLM):
    """Yields str where GenerationChunk is due."""

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        yield from self._echo(prompt, stop)  # type: ignore[misc]


@documented
class PrintsItsKey(EchoLLM):
    api_key: SecretStr = SecretStr("sk-hostile-printed")
    """The provider's API key."""

    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        print(f"DEBUG request key={self.api_key.get_secret_value()} prompt={prompt[:10]!r}")
        return super()._echo(prompt, stop)


@documented
class ThreadedStreamLeak(EchoLLM):
    """Bridges a sync reader thread into _astream; nobody stops the thread on cancel."""

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        loop, queue = asyncio.get_running_loop(), asyncio.Queue[str | None]()
        wanted = threading.Event()

        def read() -> None:
            for char in [*self._echo(prompt, stop), None]:
                if not wanted.wait(timeout=10):  # waits for the consumer (bounded)
                    return
                wanted.clear()
                loop.call_soon_threadsafe(queue.put_nowait, char)

        threading.Thread(target=read, name="sdk-reader", daemon=True).start()
        while True:
            wanted.set()
            char = await queue.get()
            if char is None:
                return
            chunk = GenerationChunk(text=char)
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


@documented
class LeavesAThread(EchoLLM):
    """Starts a non-daemon thread per call that outlives the call by far."""

    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        threading.Thread(target=time.sleep, args=(120,), name="keep-alive").start()
        return super()._echo(prompt, stop)


@documented
class PrintsKeyFromItsThread(EchoLLM):
    """Logs its key from a helper thread of its own (outside any harness call)."""

    api_key: SecretStr = SecretStr("sk-hostile-thread")
    """The provider's API key."""

    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        key = self.api_key.get_secret_value()
        helper = threading.Thread(target=print, args=(f"[sdk] connecting with {key}",))
        helper.start()
        helper.join()
        return super()._echo(prompt, stop)
