"""An exception as one line of text, even when its ``__str__`` raises."""

from __future__ import annotations


def one_line(exc: BaseException) -> str:
    """``Type: message`` on one line, for error messages (even when ``str`` raises)."""
    try:
        text = " ".join(str(exc).split())
    except Exception:
        text = "(its message cannot be printed: str() raises)"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
