"""Models for the benchmarks: the reference made slow, and an echo chat model."""

from __future__ import annotations

import asyncio
import atexit
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.messages import BaseMessage
from langchain_core.outputs import GenerationChunk

from reference_llm import EchoChatModel as ReferenceEchoChatModel
from reference_llm import EchoLLM

LATENCY_S = float(os.environ.get("BENCH_LATENCY_S", "0.2"))


class SlowEchoLLM(EchoLLM):
    """The reference with a per-call latency (BENCH_LATENCY_S, default 0.2 s).

    Example:
        .. code-block:: python

            SlowEchoLLM(n=64).invoke("hello")
    """

    def _call(self, prompt: str, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> str:
        time.sleep(LATENCY_S)
        return super()._call(prompt, stop, run_manager, **kwargs)

    async def _acall(
        self, prompt: str, stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> str:
        await asyncio.sleep(LATENCY_S)
        return await super()._acall(prompt, stop, run_manager, **kwargs)

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        time.sleep(LATENCY_S)
        yield from super()._stream(prompt, stop, run_manager, **kwargs)

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        await asyncio.sleep(LATENCY_S)
        async for chunk in super()._astream(prompt, stop, run_manager, **kwargs):
            yield chunk


CALLS = {"count": 0}
if calls_file := os.environ.get("BENCH_CALLS_FILE"):
    atexit.register(lambda: Path(calls_file).write_text(str(CALLS["count"])))


class EchoChatModel(ReferenceEchoChatModel):
    """``reference_llm``'s ``EchoChatModel``, counting its model calls for the anchor.

    langchain-tests' suite and this checklist then run on the same model.

    Example:
        .. code-block:: python

            model = EchoChatModel(n=5)
            model.invoke("hello")
    """

    def _answer(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: Any) -> Any:
        CALLS["count"] += 1
        return super()._answer(messages, stop, kwargs)
