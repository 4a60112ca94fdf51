"""What every fake chat vendor shares: the answer, the stop cut, the streamed pieces, tool calls.

A fake chat service answers the last user turn's first 64 characters (as the
text gallery's servers echo the prompt), cuts it at the earliest stop sequence
and leaves that sequence out (what OpenAI, Anthropic and Ollama do; each module
cites its vendor), and, when tools are sent and the last user turn names one of
them, answers with a call to every tool it names instead of text, as a real
model asked "use the tool X" does. Arguments are built from the tool's JSON
schema, so they are always valid for it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from tests.real_classes.fake_vendor import apply_stop, echo_text

PIECE_SIZES = (4, 3, 5, 6)
"""Streamed pieces cycle through these lengths, so they never line up with words."""
ARG_PIECE = 7
"""Tool-call arguments (JSON text) are streamed in pieces of this many characters."""
SAMPLE_BY_TYPE: dict[str, Any] = {
    "string": "gallery",
    "integer": 3,
    "number": 1.5,
    "boolean": True,
    "array": [],
    "object": {},
}


def pieces(text: str) -> list[str]:
    """``text`` cut into pieces of 3 to 6 characters."""
    out, at, turn = [], 0, 0
    while at < len(text):
        size = PIECE_SIZES[turn % len(PIECE_SIZES)]
        out.append(text[at : at + size])
        at, turn = at + size, turn + 1
    return out


def json_pieces(args: dict[str, Any]) -> list[str]:
    """The JSON text of ``args`` cut into pieces, as services stream tool arguments."""
    text = json.dumps(args)
    return [text[at : at + ARG_PIECE] for at in range(0, len(text), ARG_PIECE)]


def text_of(content: Any) -> str:
    """The text of a message's content: a str, or a list of text blocks/parts."""
    if isinstance(content, list):
        return "".join(
            str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in content
        )
    return str(content or "")


def last_user_text(messages: Iterable[dict[str, Any]], role: str = "user") -> str:
    """The text of the last turn whose role is ``role``."""
    turns = [m for m in messages if isinstance(m, dict) and m.get("role") == role]
    return text_of(turns[-1].get("content")) if turns else ""


def answer(prompt: str, stop: Any) -> tuple[str, str | None]:
    """The answer to ``prompt`` and the stop sequence met (``None`` when none was).

    The service stops at the earliest stop sequence and leaves it out.
    """
    stops = [stop] if isinstance(stop, str) else [s for s in stop or [] if isinstance(s, str)]
    full = echo_text(prompt)
    text = apply_stop(full, stops, include=False)
    met = None
    if text != full:
        found = [(full.find(s), s) for s in stops if s and s in full]
        met = min(found)[1]
    return text, met


def sample_args(schema: dict[str, Any] | None) -> dict[str, Any]:
    """Arguments valid for a JSON schema: a sample value for each required property."""
    schema = schema or {}
    properties = schema.get("properties") or {}
    names = schema.get("required") or list(properties)
    return {
        name: SAMPLE_BY_TYPE.get((properties.get(name) or {}).get("type", "string"), "gallery")
        for name in names
    }


def called_tools(tools: list[tuple[str, dict[str, Any] | None]], prompt: str) -> list[dict]:
    """The calls a model makes: one per bound tool whose name the prompt mentions.

    ``tools`` pairs each tool's name with its parameters' JSON schema. The calls
    come in the order the tools were bound, as ``{"name", "args"}``.
    """
    return [{"name": name, "args": sample_args(schema)} for name, schema in tools if name in prompt]


def word_count(text: str) -> int:
    """A deterministic stand-in for a token count."""
    return len(text.split())


def call_id(prefix: str) -> str:
    """A fresh tool-call id, as services give one per call (``call_...``, ``toolu_...``)."""
    return f"{prefix}{uuid.uuid4().hex[:24]}"
