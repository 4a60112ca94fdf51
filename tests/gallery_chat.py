"""Purpose-built broken models for the chat reading of the checklist and the 0.2 ids.

Each chat model starts from the compliant ``EchoChatModel`` and changes one
thing; ``CHAT_BROKEN`` maps it to the one check id that must fail on it (and
no other). ``STOP_FIELD_BROKEN`` does the same for ``stop.bound`` on a text LLM.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import Field

from reference_llm import EchoChatModel, EchoLLM
from reference_llm.stop import truncate_at_stop
from tests.gallery import documented

PARAMS = {"n": 64}


class _EditedStream(EchoChatModel):
    """An echo chat model whose streamed chunks ``_edit`` changes, on both paths."""

    def _edit(self, chunk: ChatGenerationChunk, answer_usage: Any) -> None:
        raise NotImplementedError

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        usage = self._answer(messages, stop, kwargs).usage
        for chunk in super()._stream(messages, stop, run_manager, **kwargs):
            self._edit(chunk, usage)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        usage = self._answer(messages, stop, kwargs).usage
        async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
            self._edit(chunk, usage)
            yield chunk


@documented
class UsageOnEveryChunk(_EditedStream):
    """Puts the answer's whole usage on every chunk: LangChain adds them all up."""

    def _edit(self, chunk: ChatGenerationChunk, answer_usage: Any) -> None:
        chunk.message.usage_metadata = answer_usage  # type: ignore[attr-defined]


@documented
class ModelNameOnEveryChunk(_EditedStream):
    """Names the model on every chunk: joined, the name repeats ("echo-necho-n...")."""

    def _edit(self, chunk: ChatGenerationChunk, answer_usage: Any) -> None:
        chunk.message.response_metadata = {"model_name": self.model_name}


@documented
class ToolCallsShareAnIndex(_EditedStream):
    """Streams every tool call under index 0: LangChain merges two calls into one."""

    def _edit(self, chunk: ChatGenerationChunk, answer_usage: Any) -> None:
        for piece in getattr(chunk.message, "tool_call_chunks", []):
            piece["index"] = 0


@documented
class IgnoresBoundStop(EchoChatModel):
    """Takes ``stop`` at construction and never reads it (langchain#15921)."""

    def _stop(self, stop: list[str] | None) -> list[str] | None:
        return stop


@documented
class ChatStripsStop(EchoChatModel):
    """Cuts at the stop sequence but drops it, as the vendors' chat APIs do."""

    def _answer(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: Any) -> Any:
        answer = super()._answer(messages, stop, kwargs)
        for sequence in self._stop(stop) or []:
            if sequence and answer.text.endswith(sequence):
                return type(answer)(
                    answer.text[: -len(sequence)], answer.calls, answer.usage, answer.metadata
                )
        return answer


@documented
class ChatStreamRepeatsTail(EchoChatModel):
    """Its sync stream flushes the last character twice."""

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        chunks = list(super()._stream(messages, stop, run_manager, **kwargs))
        yield from chunks[:-1]
        yield ChatGenerationChunk(message=type(chunks[-2].message)(content=chunks[-2].text))
        yield chunks[-1]


@documented
class ChatAgenerateDiffers(EchoChatModel):
    """Its async path answers one character more than the sync one."""

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        longer = self.model_copy(update={"n": self.n + 1})
        return longer._generate(messages, stop, **kwargs)


CHAT_BROKEN: dict[type[EchoChatModel], str] = {
    UsageOnEveryChunk: "chat.usage_metadata",
    ModelNameOnEveryChunk: "chat.response_metadata",
    ToolCallsShareAnIndex: "chat.tool_calls",
    IgnoresBoundStop: "stop.bound",
    ChatStripsStop: "stop.included",
    ChatStreamRepeatsTail: "methods.stream",
    ChatAgenerateDiffers: "async.parity",
}


# --- stop.bound on a text LLM -------------------------------------------------


@documented
class HonoursStopField(EchoLLM):
    """A stop list given at construction applies when the call gives none."""

    stop: list[str] | None = Field(default=None)
    """Stop sequences for every call; a call's own stop replaces them."""

    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        return truncate_at_stop(prompt[: self.n], stop if stop is not None else self.stop)


@documented
class IgnoresStopField(EchoLLM):
    """Declares a stop field and never reads it."""

    stop: list[str] | None = Field(default=None)
    """Stop sequences for every call."""


STOP_FIELD_BROKEN: dict[type[EchoLLM], str] = {IgnoresStopField: "stop.bound"}
