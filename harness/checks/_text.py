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
