"""Chat models (``BaseChatModel``): messages in, an ``AIMessage`` out."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, ClassVar

from pytest_llm_compliance.kinds.base import PROMPT, PROMPT_2, QUESTION, SYSTEM, Kind


class ChatKind(Kind):
    """``BaseChatModel`` subclasses."""

    name = "chat"
    noun = "chat model"
    result_type = "AIMessage"
    chunk_type = "AIMessageChunk"
    token_chunk_type = "ChatGenerationChunk"
    start_callback = "on_chat_model_start"
    event_prefix = "on_chat_model_"
    first_parameter = "messages"
    areas = (*Kind.areas, "chat")
    rules: ClassVar[Mapping[str, str]] = {
        "interface.signatures": "`_generate` and every overridden `_agenerate`, `_stream`, "
        "`_astream` accept `messages`, `stop`, `run_manager`, `**kwargs`, and are of the "
        "right kind",
        "methods.invoke": "`invoke` on a `str`, a `PromptValue` and a list of messages "
        "returns an `AIMessage`",
        "methods.ainvoke": "`ainvoke` on a `str`, a `PromptValue` and a list of messages "
        "returns an `AIMessage`",
        "methods.batch": "`batch` of 3+ inputs returns one `AIMessage` per input, in input order",
        "methods.abatch": "`abatch` of 3+ inputs returns one `AIMessage` per input, in input order",
        "methods.stream": "`stream` yields at least one `AIMessageChunk`; joined, they equal "
        "`invoke`'s text",
        "methods.astream": "`astream` yields at least one `AIMessageChunk`; joined, they equal "
        "`invoke`'s text",
        "streaming.new_token": "a streaming model fires `on_llm_new_token` once per yielded "
        "chunk, with its text and `chunk=` the `ChatGenerationChunk`, on the sync and the "
        "async path",
        "streaming.events": "`astream_events(version='v2')` over `ChatPromptTemplate | model` "
        "gives `on_chat_model_start`, `on_chat_model_stream` chunks joining to the output, "
        "`on_chat_model_end`; the chain's `on_chain_stream` mirrors them",
        "callbacks.lifecycle": "every call emits exactly one `on_chat_model_start` and one "
        "`on_llm_end` (or `on_llm_error`) sharing a `run_id`, with the formatted messages; "
        "`batch` gives one run per input",
    }

    def is_kind(self, cls: type) -> bool:
        """True for a ``BaseChatModel`` subclass."""
        from langchain_core.language_models.chat_models import BaseChatModel

        return isinstance(cls, type) and issubclass(cls, BaseChatModel)

    @cached_property
    def inputs(self) -> Mapping[str, Any]:
        """A str, a ``ChatPromptValue`` and a list of messages."""
        from langchain_core.messages import HumanMessage, SystemMessage
        from langchain_core.prompt_values import ChatPromptValue

        return {
            "str": PROMPT,
            "ChatPromptValue": ChatPromptValue(messages=[HumanMessage(content=PROMPT_2)]),
            "messages": [SystemMessage(content=SYSTEM), HumanMessage(content=QUESTION)],
        }

    @cached_property
    def formatted(self) -> Mapping[str, str]:
        """The messages ``on_chat_model_start`` gets, as a buffer string."""
        from langchain_core.messages import HumanMessage, get_buffer_string

        return {
            "str": get_buffer_string([HumanMessage(content=PROMPT)]),
            "ChatPromptValue": get_buffer_string([HumanMessage(content=PROMPT_2)]),
            "messages": get_buffer_string(self.inputs["messages"]),
        }

    def cache_key(self, model: Any) -> str | None:
        """``_get_llm_string()``: the params, or ``dumps(model)`` for a serialisable class."""
        return str(model._get_llm_string())

    def text(self, result: Any) -> str | None:
        """The text of an ``AIMessage``."""
        from langchain_core.messages import AIMessage

        return message_text(result) if isinstance(result, AIMessage) else None

    def chunk_text(self, chunk: Any) -> str | None:
        """The text of an ``AIMessageChunk``.

        A class that does not stream gets LangChain's fallback, whose single
        chunk is ``invoke``'s ``AIMessage`` itself: accepted as a chunk.
        """
        return self.text(chunk)


def message_text(message: Any) -> str | None:
    """A message's text (``.text``: a property since langchain-core 1.0), None if not a str."""
    text = getattr(message, "text", None)
    if not isinstance(text, str) and callable(text):  # before 1.0, a method
        text = text()
    return str(text) if isinstance(text, str) else None
