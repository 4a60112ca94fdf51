"""Text-completion LLMs (``BaseLLM``): a str in, a str out."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from pytest_llm_compliance.kinds.base import PROMPT, PROMPT_2, QUESTION, SYSTEM, Kind


class TextKind(Kind):
    """``BaseLLM`` and ``LLM`` subclasses."""

    name = "llm"
    noun = "text LLM"
    result_type = "str"
    chunk_type = "str"
    token_chunk_type = "GenerationChunk"
    start_callback = "on_llm_start"
    event_prefix = "on_llm_"
    first_parameter = "prompt"
    renders_params = True

    def is_kind(self, cls: type) -> bool:
        """True for a ``BaseLLM`` subclass."""
        from langchain_core.language_models.llms import BaseLLM

        return isinstance(cls, type) and issubclass(cls, BaseLLM)

    @cached_property
    def inputs(self) -> Mapping[str, Any]:
        """A str, a ``StringPromptValue`` and a list of messages."""
        from langchain_core.messages import HumanMessage, SystemMessage
        from langchain_core.prompt_values import StringPromptValue

        return {
            "str": PROMPT,
            "PromptValue": StringPromptValue(text=PROMPT_2),
            "messages": [SystemMessage(content=SYSTEM), HumanMessage(content=QUESTION)],
        }

    @cached_property
    def formatted(self) -> Mapping[str, str]:
        """The prompt string LangChain hands the model (messages as a buffer string)."""
        from langchain_core.messages import get_buffer_string

        messages = self.inputs["messages"]
        return {"str": PROMPT, "PromptValue": PROMPT_2, "messages": get_buffer_string(messages)}

    def text(self, result: Any) -> str | None:
        """The result itself, when it is a str."""
        return result if isinstance(result, str) else None

    def chunk_text(self, chunk: Any) -> str | None:
        """The chunk itself, when it is a str."""
        return chunk if isinstance(chunk, str) else None
