"""Models for the verdict-accuracy tests: one per class of bug the harness once got wrong.

Each is built like a real integration (a key factory, a mixin after the base,
a provider wait, a vendor SDK, a per-chunk stop test) so that the test shows
the harness looking at what it claims to look at.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Optional

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import BaseLanguageModel
from langchain_core.language_models.llms import LLM
from langchain_core.outputs import GenerationChunk
from pydantic import Field, SecretStr, model_validator

from reference_llm import EchoLLM
from tests import fake_sdk
from tests.gallery import documented

REAL_KEY = "sk-accuracy-real-key-2b7e"


# --- 1. a factory target whose key leaks --------------------------------------------


class _KeyedClient:
    """A vendor client built by a validator from the key."""

    def __init__(self, key: str) -> None:
        self.key = key

    def complete(self, prompt: str) -> str:
        return prompt[:64]


@documented
class ClientKeyInParams(EchoLLM):
    """Builds its client in a validator; the client's key ends up in the params."""

    api_key: SecretStr = Field(description="The provider's key.")
    client: Any = Field(default=None, exclude=True, description="Built from api_key.")

    @model_validator(mode="after")
    def _build_client(self) -> ClientKeyInParams:
        self.client = _KeyedClient(self.api_key.get_secret_value())
        return self

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"n": self.n, "key_id": self.client.key}


def leaky_factory() -> ClientKeyInParams:
    """A zero-argument factory, as users write one for a class that needs a key."""
    return ClientKeyInParams(n=64, api_key=REAL_KEY)


@documented
class RejectsStandInKeys(EchoLLM):
    """Validates the key's format at construction: a canary cannot be built."""

    api_key: SecretStr = Field(description="The provider's key.")

    @model_validator(mode="after")
    def _check_format(self) -> RejectsStandInKeys:
        if not self.api_key.get_secret_value().startswith("sk-accuracy"):
            raise ValueError("the key does not look like a key")
        return self


def rejecting_factory() -> RejectsStandInKeys:
    return RejectsStandInKeys(n=64, api_key=REAL_KEY)


# --- 2. where the model's own classes are ---------------------------------------------


class _DocumentedCommon(BaseLanguageModel[str]):
    """A mixin of shared fields, listed after the base as langchain-community does."""

    n: int = 64
    """How many characters of the prompt to echo."""

    model_name: str = "echo-mixin"
    """The name reported in the params."""


@documented
class MixinAfterBase(LLM, _DocumentedCommon):
    """``class X(LLM, _XCommon)``: the mixin's field docstrings must be read."""

    @property
    def _llm_type(self) -> str:
        return "echo-mixin"

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        return EchoLLM(n=self.n)._echo(prompt, stop)


# --- 3. cancellation ----------------------------------------------------------------


@documented
class CallOnly(LLM):
    """The guide's minimal model: only ``_call``. Its ``astream`` is LangChain's fallback."""

    n: int = 64
    """How many characters of the prompt to echo."""

    @property
    def _llm_type(self) -> str:
        return "call-only"

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        return EchoLLM(n=self.n)._echo(prompt, stop)


@documented
class SwallowsCancelWhileWaiting(EchoLLM):
    """Catches ``CancelledError`` around the provider wait and carries on, as a client
    that disconnects is ignored: the stream goes on spending tokens."""

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        for piece in _pieces(self._echo(prompt, stop)):
            with contextlib.suppress(asyncio.CancelledError):  # the bug: the cancel is eaten
                await asyncio.sleep(0.01)  # waiting for the provider's next event
            chunk = GenerationChunk(text=piece)
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


@documented
class ProducerOutlivesConsumer(EchoLLM):
    """Fetches through a producer task that finishes its request after the caller left
    (within a second, so a long settle time would miss it)."""

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        async def produce() -> None:
            for piece in _pieces(self._echo(prompt, stop)):
                await queue.put(piece)
                await asyncio.sleep(0.04)  # the provider's pace; 16 pieces take 0.6 s
            await queue.put(None)

        asyncio.get_running_loop().create_task(produce())
        while (piece := await queue.get()) is not None:
            chunk = GenerationChunk(text=piece)
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


def _pieces(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


# --- 4. stop sequences ----------------------------------------------------------------


@documented
class PerChunkStopStream(EchoLLM):
    """Tests each streamed chunk for the stop sequence, as a widely used endpoint class
    did: a multi-character stop split across two chunks is never seen."""

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        for piece in _pieces(prompt[: self.n]):
            found = next((s for s in stop or [] if s in piece), None)
            text = piece[: piece.index(found) + len(found)] if found else piece
            chunk = GenerationChunk(text=text)
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
            if found:
                return

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        for chunk in self._stream(prompt, stop, None, **kwargs):
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


@documented
class RegexSplitStop(EchoLLM):
    """``re.split("|".join(stop), text)[0]``: stops matched as a pattern, and dropped."""

    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        import re

        text = prompt[: self.n]
        return re.split("|".join(stop), text, maxsplit=1)[0] if stop else text


@documented
class GuideExample(EchoLLM):
    """The guide's own example: ``_call`` refuses stop, ``_stream`` ignores it."""

    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        return prompt[: self.n]

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        if stop is not None:
            raise ValueError("stop kwargs are not permitted.")
        return prompt[: self.n]

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        return self._call(prompt, stop, None, **kwargs)


# --- 5. key providers -------------------------------------------------------------------


@documented
class KeyProvider(EchoLLM):
    """Types its key as langchain-openai does: a secret, or a callable that returns one."""

    api_key: SecretStr | Callable[[], str] | None = Field(
        default=None, description="The provider's key, or a function returning it."
    )


@documented
class OptionalPlainKey(EchoLLM):
    """A plain ``Optional[str]`` key: a real violation, whose type must show in full."""

    api_key: Optional[str] = Field(default=None, description="The provider's key.")  # noqa: UP045


# --- 6. a vendor SDK that blocks the loop -----------------------------------------------


@documented
class SdkReadsTokenFile(EchoLLM):
    """Its async path awaits a vendor SDK that reads a token file with a sync ``open()``."""

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        return await fake_sdk.acomplete(prompt[: self.n], stop)

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        text = await fake_sdk.acomplete(prompt[: self.n], stop)
        chunk = GenerationChunk(text=text)
        if run_manager:
            await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk


# --- 8. messages ------------------------------------------------------------------------


class LegacyExampleDocstring(EchoLLM):
    """An echo model whose example calls APIs LangChain removed.

    Example:
        .. code-block:: python

            llm = LegacyExampleDocstring(n=5)
            llm("hello")
            llm.generate(["hello"])
    """


@documented
class StreamReturnsGenerator(EchoLLM):
    """``_stream`` hands back a helper's generator instead of being a generator function."""

    def _stream(  # type: ignore[override]
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        return iter([GenerationChunk(text=self._echo(prompt, stop))])


# --- issue 19, 4.3: a stream hidden by methods.stream --------------------------------------


@documented
class StreamNeedsStopNoChunk(EchoLLM):
    """``_stream`` reads ``stop`` without a None guard, so it raises on a call without one
    (``methods.stream`` fails), and fires ``on_llm_new_token(text)`` without ``chunk=``:
    an independent bug the stop checks' streams show."""

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        text = prompt[: self.n]
        ends = [text.find(s) + len(s) for s in stop if s in text]  # type: ignore[union-attr]
        for char in text[: min(ends, default=len(text))]:
            if run_manager:
                run_manager.on_llm_new_token(char)  # the bug: no chunk=
            yield GenerationChunk(text=char)


# --- issue 19, 4.5: async.cancellation false alarms --------------------------------------


@documented
class PublicAstreamNoRun(EchoLLM):
    """Overrides the public ``astream`` and never opens a run (no callback at all): a
    ``callbacks.lifecycle`` defect. Its stream stops cleanly when cancelled."""

    async def astream(  # type: ignore[override]
        self,
        input: Any,
        config: Any = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[str]:
        prompt = self._convert_input(input).to_string()
        for piece in _pieces(self._echo(prompt, stop)):
            await asyncio.sleep(0.01)  # waiting for the provider's next event
            yield piece
