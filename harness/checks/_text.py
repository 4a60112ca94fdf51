"""Small helpers for the text of check messages."""

from __future__ import annotations

from typing import Any

EXCERPT_LENGTH = 80


def excerpt(value: Any, limit: int = EXCERPT_LENGTH) -> str:
    """A short ``repr`` of a value with its type, for "observed" lines."""
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{text} ({type(value).__name__})"


def counted(kinds: list[str]) -> list[str]:
    """``[start, token, token, end]`` -> ``[start, token x2, end]``: every repeat counted."""
    out: list[str] = []
    for index, kind in enumerate(kinds):
        if index and kinds[index - 1] == kind:
            name, _, count = out[-1].partition(" x")
            out[-1] = f"{name} x{int(count or 1) + 1}"
        else:
            out.append(kind)
    return out
