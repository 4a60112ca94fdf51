"""Canary secrets: a distinct fake credential per field, looked for everywhere.

The canaries are known to the harness's redactor, so they are masked in
everything it prints or writes, including the messages that report a leak.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

from harness.redact import MASK

EXCERPT_SIDE = 24


def make_canaries(fields: tuple[str, ...]) -> dict[str, str]:
    """One distinct canary per credential field."""
    return {name: f"lcc-canary-{name}-{secrets.token_hex(8)}" for name in fields}


def _text(render: Callable[[], Any]) -> str:
    try:
        return str(render())
    except Exception as exc:  # an error message is a surface too
        return f"<raised {type(exc).__name__}: {exc}>"


def static_surfaces(llm: Any) -> dict[str, str]:
    """What the model shows without being called, as text."""
    from langchain_core.load import dumpd, dumps

    return {
        "repr": _text(lambda: repr(llm)),
        "str": _text(lambda: str(llm)),
        "model_dump": _text(llm.model_dump),
        "model_dump_json": _text(llm.model_dump_json),
        "langchain dumps": _text(lambda: dumps(llm)),
        "langchain dumpd": _text(lambda: dumpd(llm)),
        "_identifying_params": _text(lambda: llm._identifying_params),
    }


def find_leaks(
    canaries: Mapping[str, str],
    surfaces: Mapping[str, str],
    redact: Callable[[str], str] = lambda text: text,
    margin: int = 0,
) -> list[str]:
    """``"surface: ...excerpt***excerpt..."`` for each surface holding a canary.

    The text around the canary is redacted (``redact``, which masks every
    known secret) over a window wider by ``margin`` (the longest secret) on
    each side before it is cut, so that no other secret is cut in half.
    """
    leaks = []
    for surface, text in surfaces.items():
        for field, canary in canaries.items():
            at = text.find(canary)
            if at == -1:
                continue
            wide = EXCERPT_SIDE + margin
            before = redact(text[max(0, at - wide) : at])[-EXCERPT_SIDE:]
            after = redact(text[at + len(canary) : at + len(canary) + wide])[:EXCERPT_SIDE]
            excerpt = " ".join(f"{before}{MASK}{after}".split())
            leaks.append(f"{surface} shows {field}: ...{excerpt}...")
    return leaks
