"""Classes that pass every check a scan runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.llms import LLM
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, SecretStr


class CompliantLLM(LLM):
    """An echo model behind a made-up service.

    API reference: https://docs.example-provider.com/api/completions

    Example:
        .. code-block:: python

            llm = CompliantLLM(api_key="...")
            llm.invoke("hello")
    """

    api_key: SecretStr | None = None
    """The provider's API key."""

    base_url: str = "https://api.example-provider.com"
    """Where the service listens."""

    n: int = Field(5, description="How many characters to echo.")

    @property
    def _llm_type(self) -> str:
        return "compliant"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"n": self.n}

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        return prompt[: self.n]


class CompliantChat(BaseChatModel):
    """A chat model that echoes the last message.

    API reference: https://docs.example-provider.com/api/chat

    Example:
        .. code-block:: python

            chat = CompliantChat(api_key="...")
            chat.invoke("hello")
    """

    api_key: SecretStr | None = None
    """The provider's API key."""

    @property
    def _llm_type(self) -> str:
        return "compliant-chat"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = str(messages[-1].content)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        yield ChatGenerationChunk(message=AIMessageChunk(content=str(messages[-1].content)))
