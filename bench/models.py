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
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, GenerationChunk

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


class EchoChatModel(BaseChatModel):
    """A chat model equivalent to EchoLLM, for langchain-tests' standard tests.

    It answers the first ``n`` characters of the last message, streamed one
    character at a time; no tools, no structured output.
    """

    n: int = 64
    """How many characters to echo."""

    @property
    def _llm_type(self) -> str:
        return "echo-chat"

    def _text(self, messages: list[BaseMessage]) -> str:
        CALLS["count"] += 1
        return str(messages[-1].content)[: self.n] if messages else ""

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        text = self._text(messages)
        usage = {"input_tokens": 1, "output_tokens": len(text), "total_tokens": 1 + len(text)}
        message = AIMessage(
            content=text,
            usage_metadata=usage,  # type: ignore[arg-type]
            response_metadata={"model_name": "echo-chat"},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        text = self._text(messages)
        for index, char in enumerate(text):
            last = index == len(text) - 1
            usage = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2} if last else None
            metadata = {"model_name": "echo-chat"} if last else {}
            chunk = ChatGenerationChunk(
                message=AIMessageChunk(
                    content=char,
                    usage_metadata=usage,  # type: ignore[arg-type]
                    response_metadata=metadata,
                )
            )
            if run_manager:
                run_manager.on_llm_new_token(char, chunk=chunk)
            yield chunk
