"""One class per rule a scan catches; each breaks exactly the rule its name says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.llms import LLM
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult, GenerationChunk
from pydantic import SecretStr

from tests.scan_fixture.compliant import CompliantLLM

DOC = """A {what}.

API reference: https://docs.example-provider.com/api

Example:
    .. code-block:: python

        llm = {name}()
        llm.invoke("hello")
"""


class PlainKey(LLM):
    __doc__ = DOC.format(what="key kept in a plain str", name="PlainKey")

    api_token: str
    """The provider's token, required (so the class does not build without it)."""

    @property
    def _llm_type(self) -> str:
        return "plain-key"

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return prompt


class StreamReturnsGenerator(LLM):
    __doc__ = DOC.format(
        what="stream that returns a helper's generator", name="StreamReturnsGenerator"
    )

    @property
    def _llm_type(self) -> str:
        return "returns-generator"

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return prompt

    def _stream(self, prompt, stop=None, run_manager=None, **kwargs) -> Iterator[GenerationChunk]:
        return self._chunks(prompt)

    def _chunks(self, prompt: str) -> Iterator[GenerationChunk]:
        yield GenerationChunk(text=prompt)


class MissingStop(LLM):
    __doc__ = DOC.format(what="_call without stop", name="MissingStop")

    @property
    def _llm_type(self) -> str:
        return "missing-stop"

    def _call(self, prompt, run_manager=None, **kwargs):
        return prompt


class TypeNotAProperty(LLM):
    __doc__ = DOC.format(what="_llm_type without @property", name="TypeNotAProperty")

    def _llm_type(self) -> str:  # type: ignore[override]
        return "method"

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return prompt


class NoDocs(LLM):
    model_name: str = "m"

    @property
    def _llm_type(self) -> str:
        return "no-docs"

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return prompt


class NoApiLink(LLM):
    """A service-backed class whose docstring links nowhere.

    Example:
        .. code-block:: python

            llm = NoApiLink()
            llm.invoke("hello")
    """

    api_key: SecretStr | None = None
    """The key."""

    @property
    def _llm_type(self) -> str:
        return "no-link"

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return prompt


class UnstableParams(LLM):
    __doc__ = DOC.format(what="per-instance value in its params", name="UnstableParams")

    @property
    def _llm_type(self) -> str:
        return "unstable"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"client": object()}

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return prompt


class ChatPlainKey(BaseChatModel):
    __doc__ = DOC.format(what="chat model with its key in a plain str", name="ChatPlainKey")

    api_key: str = ""
    """The provider's key."""

    @property
    def _llm_type(self) -> str:
        return "chat-plain-key"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="hi"))])


class ChatMissingStop(BaseChatModel):
    __doc__ = DOC.format(what="chat model whose _generate takes no stop", name="ChatMissingStop")

    @property
    def _llm_type(self) -> str:
        return "chat-missing-stop"

    def _generate(self, messages, **kwargs) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="hi"))])


__all__ = ["CompliantLLM"]  # imported from elsewhere: reported under its own module only
