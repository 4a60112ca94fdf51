"""A gallery of purpose-built broken models: each breaks one rule of the checklist.

Every model starts from the compliant ``EchoLLM`` and changes one thing,
modelled on bugs seen in real integrations. ``BROKEN`` maps each model to the
one check id that must fail on it (and no other).
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.outputs import Generation, GenerationChunk, LLMResult
from pydantic import Field, SecretStr

from reference_llm import EchoLLM
from reference_llm.stop import truncate_at_stop

logger = logging.getLogger(__name__)

PARAMS = {"n": 64}


API_DOCS = "https://docs.echo-provider.example/api"


def documented(cls: type) -> type:
    """Give a gallery model the class docstring the checklist asks for."""
    cls.__doc__ = f"""{cls.__name__}: a broken echo model of the test gallery.

    API reference: {API_DOCS}

    Example:
        .. code-block:: python

            llm = {cls.__name__}(n=5)
            llm.invoke("hello")
    """
    return cls


# --- interface -------------------------------------------------------------


@documented
class EmptyLLMType(EchoLLM):
    @property
    def _llm_type(self) -> str:
        return ""


@documented
class LLMTypeNotAProperty(EchoLLM):
    """Forgot @property: ``self._llm_type`` is a bound method, not a str."""

    def _llm_type(self) -> str:  # type: ignore[override]
        return "echo-n"


@documented
class ClientInIdentifyingParams(EchoLLM):
    """Holds a client object: not JSON, and LangChain's cache never hits."""

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "n": self.n, "client": object()}


@documented
class InstanceIdInIdentifyingParams(EchoLLM):
    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "n": self.n, "instance": id(self)}


@documented
class CallWithoutKwargs(EchoLLM):
    def _call(  # type: ignore[override]
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
    ) -> str:
        return self._echo(prompt, stop)


# --- methods ---------------------------------------------------------------


@documented
class InvokeReturnsDict(EchoLLM):
    """Overrides invoke and returns the provider's payload, not the text."""

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        return {"text": super().invoke(input, config, **kwargs)}


@documented
class AinvokeReturnsDict(EchoLLM):
    async def ainvoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        return {"text": await super().ainvoke(input, config, **kwargs)}


@documented
class BatchOutOfOrder(EchoLLM):
    """Collects results as they complete, here simply reversed."""

    def batch(self, inputs: Any, config: Any = None, **kwargs: Any) -> Any:
        return list(reversed(super().batch(inputs, config, **kwargs)))


@documented
class AbatchOutOfOrder(EchoLLM):
    async def abatch(self, inputs: Any, config: Any = None, **kwargs: Any) -> Any:
        return list(reversed(await super().abatch(inputs, config, **kwargs)))


@documented
class StreamRepeatsTail(EchoLLM):
    """Flushes its buffer twice at the end of the stream (with its callback)."""

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        text = self._echo(prompt, stop)
        for piece in [*text, text[-1:]]:
            chunk = GenerationChunk(text=piece)
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


@documented
class AstreamRepeatsTail(EchoLLM):
    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        text = self._echo(prompt, stop)
        for piece in [*text, text[-1:]]:
            chunk = GenerationChunk(text=piece)
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


# --- callbacks -------------------------------------------------------------


@documented
class ReportsItsOwnEnd(EchoLLM):
    """Fires on_llm_end itself, so every invoke run ends twice."""

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        text = self._echo(prompt, stop)
        if run_manager:
            run_manager.on_llm_end(LLMResult(generations=[[Generation(text=text)]]))
        return text

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        text = self._echo(prompt, stop)
        if run_manager:
            await run_manager.on_llm_end(LLMResult(generations=[[Generation(text=text)]]))
        return text


# --- docs ------------------------------------------------------------------


class NoClassDocstring(EchoLLM):
    pass


@documented
class UndocumentedField(EchoLLM):
    temperature: float = 0.0


class ServiceWithoutApiLink(EchoLLM):
    """A service-backed echo model whose docstring links to nothing.

    Example:
        .. code-block:: python

            llm = ServiceWithoutApiLink(n=5)
            llm.invoke("hello")
    """

    api_key: SecretStr = SecretStr("sk-gallery-unused-key")
    """The provider's API key."""


# --- streaming -------------------------------------------------------------


@documented
class TokenWithoutChunk(EchoLLM):
    """Fires on_llm_new_token(text) without chunk=, on both paths."""

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        for char in self._echo(prompt, stop):
            if run_manager:
                run_manager.on_llm_new_token(char)
            yield GenerationChunk(text=char)

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        for char in self._echo(prompt, stop):
            if run_manager:
                await run_manager.on_llm_new_token(char)
            yield GenerationChunk(text=char)


@documented
class TokenAfterYield(EchoLLM):
    """Yields first, then tells the callbacks: the caller is a chunk ahead."""

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        for char in self._echo(prompt, stop):
            chunk = GenerationChunk(text=char)
            yield chunk
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        for char in self._echo(prompt, stop):
            chunk = GenerationChunk(text=char)
            yield chunk
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)


@documented
class AstreamOnlyTakesStrings(EchoLLM):
    """Overrides astream for str prompts only, so it breaks inside chains."""

    async def astream(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        if not isinstance(input, str):
            raise TypeError("prompt must be a str")
        async for chunk in super().astream(input, config, **kwargs):
            yield chunk


# --- stop ------------------------------------------------------------------


@documented
class RegexStop(EchoLLM):
    """Matches stop sequences as one regex, as enforce_stop_tokens did (#13397).

    It keeps the match, so that it breaks only the literal-text rule.
    """

    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        text = prompt[: self.n]
        match = re.search("|".join(stop), text) if stop else None
        return text[: match.end()] if match else text


@documented
class RaisesOnStop(EchoLLM):
    """The guide's own example: stop is not permitted."""

    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        if stop is not None:
            raise ValueError("stop kwargs are not permitted.")
        return prompt[: self.n]


@documented
class FirstListedStopWins(EchoLLM):
    """Honours the stop sequence listed first, not the earliest in the text."""

    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        return super()._echo(prompt, stop[:1] if stop else stop)


@documented
class StripsStop(EchoLLM):
    """Cuts at the stop sequence but drops it, as most vendor APIs do."""

    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        text = super()._echo(prompt, stop)
        for sequence in stop or []:
            if sequence and text.endswith(sequence):
                return text[: -len(sequence)]
        return text


# --- secrets ---------------------------------------------------------------


@documented
class PlainStrKey(EchoLLM):
    """Hides a plain str key by hand: it is not a SecretStr all the same."""

    api_key: str = Field(default="sk-gallery-plain-key", repr=False, exclude=True)
    """The provider's API key."""


@documented
class KeyInIdentifyingParams(EchoLLM):
    """Returns the raw token from _identifying_params (CloudflareWorkersAI)."""

    api_token: SecretStr = SecretStr("sk-gallery-token")
    """The provider's API token."""

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {**super()._identifying_params, "api_token": self.api_token.get_secret_value()}


@documented
class KeyInDebugLog(EchoLLM):
    """Logs the request with its key at DEBUG level."""

    api_key: SecretStr = SecretStr("sk-gallery-logged-key")
    """The provider's API key."""

    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        logger.debug("request with key %s", self.api_key.get_secret_value())
        return super()._echo(prompt, stop)


# --- async -----------------------------------------------------------------


@documented
class AcallDiffers(EchoLLM):
    """Its async path returns one character more than the sync one."""

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        return truncate_at_stop(prompt[: self.n + 1], stop)


@documented
class SleepsInAcall(EchoLLM):
    """time.sleep inside _acall (langchain-community's TextGen pattern)."""

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        time.sleep(0.06)
        return self._echo(prompt, stop)


@documented
class BusyAstream(EchoLLM):
    """Tokenises on the event loop before streaming: 150 ms of CPU work (fixed work, as
    tokenising is, so that it takes longer, not less, on a busy machine)."""

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        deadline = time.thread_time() + 0.15
        while time.thread_time() < deadline:
            pass
        async for chunk in super()._astream(prompt, stop, run_manager, **kwargs):
            yield chunk


@documented
class OrphanedProducer(EchoLLM):
    """Streams through a producer task that nobody stops when the caller leaves."""

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=1)

        async def produce() -> None:
            for char in self._echo(prompt, stop):
                await queue.put(char)
            await queue.put(None)

        asyncio.get_running_loop().create_task(produce())
        while (char := await queue.get()) is not None:
            chunk = GenerationChunk(text=char)
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


BROKEN: dict[type[EchoLLM], str] = {
    EmptyLLMType: "interface.llm_type",
    LLMTypeNotAProperty: "interface.llm_type",
    ClientInIdentifyingParams: "interface.identifying_params",
    InstanceIdInIdentifyingParams: "interface.identifying_params",
    CallWithoutKwargs: "interface.signatures",
    InvokeReturnsDict: "methods.invoke",
    AinvokeReturnsDict: "methods.ainvoke",
    BatchOutOfOrder: "methods.batch",
    AbatchOutOfOrder: "methods.abatch",
    StreamRepeatsTail: "methods.stream",
    AstreamRepeatsTail: "methods.astream",
    ReportsItsOwnEnd: "callbacks.lifecycle",
    NoClassDocstring: "docs.class_docstring",
    UndocumentedField: "docs.init_args",
    ServiceWithoutApiLink: "docs.api_link",
    TokenWithoutChunk: "streaming.new_token",
    TokenAfterYield: "streaming.token_before_yield",
    AstreamOnlyTakesStrings: "streaming.events",
    RegexStop: "stop.respected",
    RaisesOnStop: "stop.respected",
    FirstListedStopWins: "stop.respected",
    StripsStop: "stop.included",
    PlainStrKey: "secrets.secretstr",
    KeyInIdentifyingParams: "secrets.no_leak",
    KeyInDebugLog: "secrets.no_leak",
    AcallDiffers: "async.parity",
    SleepsInAcall: "async.non_blocking",
    BusyAstream: "async.non_blocking",
    OrphanedProducer: "async.cancellation",
}


# --- compliant, but not deterministic --------------------------------------

WORDS = ["alpha.", "beta", "gamma?", "delta", "(epsilon)", "zeta", "eta!", "theta"]


@documented
class RandomWords(EchoLLM):
    """Answers random words; stop, callbacks and async all done right."""

    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        count = random.randint(8, 14)
        return truncate_at_stop(" ".join(random.choice(WORDS) for _ in range(count)), stop)
