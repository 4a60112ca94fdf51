"""What the two reference chat models share: reading the conversation, binding tools, usage.

Usage is counted in characters, not in a tokenizer's tokens: ``input_tokens`` is
the number of characters of the text of every input message, ``output_tokens``
that of the answer's text plus each tool call's name and JSON arguments, and
``total_tokens`` their sum.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import BaseMessage, ToolMessage, UsageMetadata
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

from reference_llm.tool_calls import forced_name, tool_name

ToolLike = Mapping[str, Any] | type | Callable[..., Any] | BaseTool
"""What ``bind_tools`` accepts: anything ``convert_to_openai_tool`` converts."""


def last_human_index(messages: Sequence[BaseMessage]) -> int | None:
    """The position of the last human message, or None when there is none."""
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].type == "human":
            return index
    return None


def last_human_text(messages: Sequence[BaseMessage]) -> str:
    """The text of the last human message (its text blocks), or ``""``."""
    index = last_human_index(messages)
    return "" if index is None else str(messages[index].text)


def tools_answered(messages: Sequence[BaseMessage]) -> bool:
    """Whether a tool result follows the last human message."""
    index = last_human_index(messages)
    start = 0 if index is None else index + 1
    return any(isinstance(message, ToolMessage) for message in messages[start:])


def input_characters(messages: Sequence[BaseMessage]) -> int:
    """The usage count of the input: the characters of every message's text."""
    return sum(len(str(message.text)) for message in messages)


def usage(input_tokens: int, output_tokens: int) -> UsageMetadata:
    """Usage metadata with the total LangChain expects."""
    counts = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }
    # a cast: mypy reads langchain-core's ``typing.NotRequired`` keys as required
    # when it checks for Python 3.10, which has no ``typing.NotRequired``
    return cast("UsageMetadata", counts)


def format_tools(tools: Sequence[ToolLike]) -> list[dict[str, Any]]:
    """Convert what ``bind_tools`` got to OpenAI-format tool dicts."""
    return [convert_to_openai_tool(tool) for tool in tools]


def choice_name(tool_choice: str | Mapping[str, Any] | bool | None) -> str | None:
    """Normalise ``tool_choice``: a word, a tool's name, or None.

    Accepts LangChain's forms: ``"auto"``, ``"none"``, ``"any"``/``"required"``,
    a tool's name, ``{"type": "function", "function": {"name": ...}}``, and
    ``True`` (meaning ``"required"``).
    """
    if tool_choice is None or tool_choice is False:
        return None if tool_choice is None else "none"
    if tool_choice is True:
        return "required"
    if isinstance(tool_choice, str):
        return tool_choice
    function = tool_choice.get("function")
    if isinstance(function, Mapping) and isinstance(function.get("name"), str):
        return str(function["name"])
    raise ValueError(f"tool_choice {tool_choice!r} names no tool")


def tool_binding(
    tools: Sequence[ToolLike], tool_choice: str | Mapping[str, Any] | bool | None
) -> dict[str, Any]:
    """The call options ``bind_tools`` binds: OpenAI-format tools, and the choice if given.

    Raises:
        ValueError: ``tool_choice`` names no bound tool, or forces a call with no tools.
    """
    formatted = format_tools(tools)
    choice = choice_name(tool_choice)
    forced_name(choice, [tool_name(tool) for tool in formatted])
    return {"tools": formatted} if choice is None else {"tools": formatted, "tool_choice": choice}


def model_override(kwargs: Mapping[str, Any], default: str) -> str:
    """A call's ``model=`` option, else the configured name."""
    override = kwargs.get("model")
    return override if isinstance(override, str) and override else default


def ls_params(
    kwargs: Mapping[str, Any], model_name: str, stop: list[str] | None
) -> LangSmithParams:
    """Tracing params of an echo chat model: provider, model (a call's ``model=`` first), stop."""
    params = LangSmithParams(
        ls_provider="echo", ls_model_name=model_override(kwargs, model_name), ls_model_type="chat"
    )
    if stop:
        params["ls_stop"] = stop
    return params
