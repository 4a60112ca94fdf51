"""How the echo chat models decide to call a tool, and with what arguments.

Shared by ``EchoChatModel`` and the echo service, so that both answer alike.
The rules, in order:

- no tool bound, or ``tool_choice="none"``: no call;
- ``tool_choice`` names a tool: that tool is called;
- otherwise the tools whose names the last human message mentions (as a whole
  word, case-sensitive) are called, in the order of their first mention; each
  call gets its own ``index`` (0, 1, ...);
- ``tool_choice="required"`` (LangChain's ``"any"``) with no tool mentioned
  calls the first bound tool;
- a tool result that follows the last human message means the tools have
  answered: the model answers with text, unless ``tool_choice`` forces a call
  (so an agent loop ends instead of calling the same tool forever).

The arguments are placeholders built from the tool's JSON schema: a property's
``default`` if it has one, else the first ``enum`` value, else by type: the
echoed text for a string, ``0`` for a number, ``False`` for a boolean, ``[]``
for an array, a nested object filled the same way. Only the standard library
is used, so that the service stays free of LangChain.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FORCING_CHOICES = ("required", "any")
"""``tool_choice`` values that force a call to some tool."""

CHOICE_WORDS = ("auto", "none", *FORCING_CHOICES)
"""The ``tool_choice`` words understood besides a tool's name."""

MAX_SCHEMA_DEPTH = 8
"""Nested objects deeper than this get ``{}``: a recursive schema stays finite."""


@dataclass(frozen=True)
class PlannedCall:
    """One tool call of an answer: its position, tool, arguments and id."""

    index: int
    name: str
    args: dict[str, Any]
    id: str

    @property
    def arguments(self) -> str:
        """The arguments as the JSON text a provider streams."""
        return json.dumps(self.args, ensure_ascii=False)


def output_characters(text: str, calls: Sequence[PlannedCall]) -> int:
    """The usage count of an answer, in characters: its text, each call's name and arguments."""
    return len(text) + sum(len(call.name) + len(call.arguments) for call in calls)


def tool_name(tool: Mapping[str, Any]) -> str:
    """The name of an OpenAI-format tool (``{"type": "function", "function": {...}}``)."""
    function = tool.get("function")
    if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
        raise ValueError("a tool must be {'type': 'function', 'function': {'name': ...}}")
    return str(function["name"])


def forced_name(tool_choice: str | None, names: Sequence[str]) -> str | None:
    """Validate ``tool_choice`` against the bound tools; return the name it forces, if any."""
    if tool_choice is None or tool_choice in CHOICE_WORDS:
        if tool_choice in FORCING_CHOICES and not names:
            raise ValueError(f"tool_choice={tool_choice!r} needs at least one tool")
        return None
    if tool_choice not in names:
        raise ValueError(
            f"tool_choice={tool_choice!r} is neither one of {list(CHOICE_WORDS)} "
            f"nor a bound tool's name ({', '.join(names) or 'no tools bound'})"
        )
    return tool_choice


def mentioned(text: str, names: Sequence[str]) -> list[str]:
    """The names that ``text`` mentions as whole words, by first mention."""
    positions = {}
    for name in dict.fromkeys(names):
        found = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)
        if found:
            positions[name] = found.start()
    return sorted(positions, key=positions.__getitem__)


def plan_calls(
    question: str,
    text: str,
    tools: Sequence[Mapping[str, Any]],
    tool_choice: str | None = None,
    *,
    answered: bool = False,
) -> list[PlannedCall]:
    """The tool calls to answer with (empty: answer with text).

    Args:
        question: The last human message, searched for tools' names.
        text: The echoed text (the last human message cut to ``n`` characters and
            at the stop sequence), used for string arguments.
        tools: The bound tools, in OpenAI format.
        tool_choice: ``None``/``"auto"``, ``"none"``, ``"required"``/``"any"``, or a
            tool's name.
        answered: A tool result follows the last human message.
    """
    by_name = {tool_name(tool): tool for tool in tools}
    names = list(by_name)
    forced = forced_name(tool_choice, names)
    if not names or tool_choice == "none":
        return []
    if forced is not None:
        chosen = [forced]
    elif answered and tool_choice not in FORCING_CHOICES:
        chosen = []
    else:
        chosen = mentioned(question, names)
        if not chosen and tool_choice in FORCING_CHOICES:
            chosen = names[:1]
    return [
        PlannedCall(
            index=index,
            name=name,
            args=placeholder_object(by_name[name]["function"].get("parameters"), text),
            id=f"call_{uuid.uuid4().hex[:24]}",
        )
        for index, name in enumerate(chosen)
    ]


def placeholder_object(schema: Any, text: str, depth: int = 0) -> dict[str, Any]:
    """A placeholder for every property of an object schema."""
    if not isinstance(schema, Mapping) or depth >= MAX_SCHEMA_DEPTH:
        return {}
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return {}
    return {
        str(key): placeholder_value(value, text, depth + 1) for key, value in properties.items()
    }


def placeholder_value(schema: Any, text: str, depth: int = 0) -> Any:
    """A value that fits ``schema``: its default, its first enum value, or one by type."""
    if not isinstance(schema, Mapping):
        return None
    if "default" in schema:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list):
            usable = [
                o for o in options if not (isinstance(o, Mapping) and o.get("type") == "null")
            ]
            return placeholder_value(usable[0], text, depth) if usable else None
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        return placeholder_object(schema, text, depth)
    return {"string": text, "integer": 0, "number": 0, "boolean": False, "array": []}.get(str(kind))
