"""Models for the cache-key rule of ``interface.identifying_params`` and for issue 19's 4.4 and 4.7.

``GuideLLM`` is the guide's own ``CustomLLM`` (``seeds/000_...txt``): its params name
only ``model_name``, so ``CustomLLM(n=2)`` and ``CustomLLM(n=8)`` share LangChain's
cache entry although they answer differently.
"""

from __future__ import annotations

import random
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.llms import LLM
from pydantic import Field

from reference_llm import EchoChatModel, EchoLLM
from tests.gallery import documented


@documented
class GuideLLM(LLM):
    """The guide's example, as written: ``_identifying_params`` leaves out ``n``."""

    n: int = Field(description="The number of characters of the prompt to return.")

    def _call(self, prompt: str, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> str:
        return prompt[: self.n]

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": "CustomChatModel"}

    @property
    def _llm_type(self) -> str:
        return "custom"


@documented
class GuideLLMDefaultN(GuideLLM):
    """The guide's example with a default ``n``: it builds with no arguments (a scan's case)."""

    n: int = Field(default=8, description="The number of characters of the prompt to return.")


@documented
class GuideLLMWithN(GuideLLM):
    """The guide's example with ``n`` in its params, as the rule asks."""

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": "CustomChatModel", "n": self.n}


@documented
class UnusedTemperature(GuideLLMWithN):
    """A field that does not change the answer is left out of the params: nothing to report."""

    temperature: float = Field(default=0.7, description="Accepted, not used.")


@documented
class RandomAnswers(GuideLLM):
    """Not deterministic: a changed answer shows nothing about the field changed."""

    def _call(self, prompt: str, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> str:
        return "".join(random.choice("abcdef") for _ in range(self.n))


@documented
class GuideChatModel(EchoChatModel):
    """A chat model whose params leave out ``n`` (not serialisable: the params are the key)."""

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name}


@documented
class StreamResetToBase(EchoChatModel):
    """No native stream: ``_stream`` set back to LangChain's own, which falls back to invoke."""

    _stream = BaseChatModel._stream
    _astream = BaseChatModel._astream


class UnprintableError(Exception):
    """An exception whose message cannot be rendered."""

    def __str__(self) -> str:
        raise RuntimeError("no message")


@documented
class ParamsRaiseUnprintable(EchoLLM):
    """``_identifying_params`` raises an exception whose ``__str__`` raises."""

    @property
    def _identifying_params(self) -> dict[str, Any]:
        raise UnprintableError
