"""Small helpers for the text of check messages."""

from __future__ import annotations

from typing import Any

from pytest_llm_compliance.core.redact import redact_active

EXCERPT_LENGTH = 80


def excerpt(value: Any, limit: int = EXCERPT_LENGTH) -> str:
    """A short ``repr`` of a value with its type, for "observed" lines.

    The text is redacted before it is cut, so that no secret survives in part.
    """
    try:
        text = redact_active(repr(value))
    except Exception:  # a model's object whose repr raises is still shown
        text = f"<{type(value).__name__} whose repr() raises>"
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
