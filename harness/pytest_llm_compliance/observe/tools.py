"""The tools ``chat.tool_calls`` binds, and the prompt that asks for both.

As langchain-tests does, the prompt names the tools in a plain instruction, so
that a model (or a fake vendor server) that calls tools when asked does.
"""

from __future__ import annotations

from typing import Any

TOOL_PROMPT = (
    "Use the magic_function tool with input 3, and the lookup_word tool with the word fox. "
    "Call both tools."
)
TOOL_NAMES = ("magic_function", "lookup_word")


def tools() -> list[Any]:
    """Two LangChain tools with plain argument schemas."""
    from langchain_core.tools import tool

    @tool
    def magic_function(input: int) -> int:
        """Apply a magic function to an input."""
        return input + 2

    @tool
    def lookup_word(word: str) -> str:
        """Look a word up in the dictionary."""
        return word

    return [magic_function, lookup_word]
