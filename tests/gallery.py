"""A gallery of purpose-built broken models: each breaks one rule of the checklist.

Every model starts from the compliant ``EchoLLM`` and changes one thing,
modelled on bugs seen in real integrations. ``BROKEN`` maps each model to the
one check id that must fail on it (and no other).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.outputs import Generation, GenerationChunk, LLMResult
from pydantic import SecretStr

from reference_llm import EchoLLM

PARAMS = {"n": 64}


def documented(cls: type) -> type:
    """Give a gallery model the class docstring the checklist asks for."""
    cls.__doc__ = f"""{cls.__name__}: a broken echo model of the test gallery.

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


@documented
class ServiceWithoutApiLink(EchoLLM):
    api_key: SecretStr = SecretStr("sk-gallery-unused-key")
    """The provider's API key."""


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
}
