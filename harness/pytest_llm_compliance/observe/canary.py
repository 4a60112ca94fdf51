"""Canary secrets: a distinct fake credential per field, looked for everywhere.

The canaries are known to the harness's redactor, so they are masked in
everything it prints or writes, including the messages that report a leak.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pytest_llm_compliance.core.exc_text import one_line

EXCERPT_SIDE = 24


def make_canaries(fields: tuple[str, ...]) -> dict[str, str]:
    """One distinct canary per credential field."""
    return {name: f"lcc-canary-{name}-{secrets.token_hex(8)}" for name in fields}


def _text(render: Callable[[], Any]) -> str:
    try:
        return str(render())
    except Exception as exc:  # an error message is a surface too
        return f"<raised {one_line(exc)}>"


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


RAW = "<raw {field}>"
"""Where a canary stood in an excerpt: not ``***``, which reads as if the model had masked it."""
FIELD_RENDERED = (
    "repr",
    "str",
    "model_dump",
    "model_dump_json",
    "langchain dumps",
    "langchain dumpd",
    "callback payloads",
    "astream_events",
    "tracer runs",
)
"""Surfaces that render the model's fields themselves (pydantic's repr and dumps, LangChain's
serialized model and invocation params): a plain-``str`` field shows there by its type alone."""
RANDOM_PART = 16
"""The length of a canary's random end (``secrets.token_hex(8)``)."""
MIN_CUT = 10
"""The shortest piece of a canary's random end still recognised (as ``redact.MIN_PART``)."""


@dataclass(frozen=True)
class Leak:
    """One canary seen on one surface."""

    surface: str
    field: str
    excerpt: str
    """The text around it, every secret masked, the canary's place shown as ``<raw FIELD>``."""
    as_field_value: bool
    """The raw value stands as the field's own value (``api_key='...'``, ``"api_key": "..."``)."""

    def __str__(self) -> str:
        return f"{self.surface} shows {self.field}: ...{self.excerpt}..."

    @property
    def field_rendered(self) -> bool:
        """True when the surface renders the model's fields (pydantic, LangChain serialization)."""
        return self.surface.split(" (")[0] in FIELD_RENDERED


def canary_pattern(canary: str) -> re.Pattern[str]:
    """The canary whole, escaped (``repr``, JSON) or cut (an end holding its random part)."""
    forms = {canary, repr(canary)[1:-1], json.dumps(canary)[1:-1]}
    forms |= {form.replace("\\", "\\\\") for form in set(forms)}
    shortest_prefix = len(canary) - RANDOM_PART + MIN_CUT // 2
    for size in range(MIN_CUT, len(canary)):
        forms.add(canary[-size:])
        if size >= shortest_prefix:
            forms.add(canary[:size])
    ordered = sorted(forms, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered)))


def _keyed_by(before: str, names: tuple[str, ...]) -> bool:
    """True when the text before a value ends with one of ``names`` as its key."""
    return any(
        re.search(rf"\b{re.escape(name)}['\"]?\s*[:=]\s*(SecretStr\()?['\"]?$", before)
        for name in names
    )


def find_leaks(
    canaries: Mapping[str, str],
    surfaces: Mapping[str, str],
    redact: Callable[[str], str] = lambda text: text,
    margin: int = 0,
    names: Mapping[str, tuple[str, ...]] | None = None,
) -> list[Leak]:
    """Each surface holding a canary, whole, escaped or cut (``canary_pattern``).

    The text around the canary is redacted (``redact``, which masks every
    known secret) over a window wider by ``margin`` (the longest secret) on
    each side before it is cut, so that no other secret is cut in half.
    ``names``: each field's name and alias, to tell a value shown as the
    field's own (``Leak.as_field_value``).
    """
    leaks = []
    for surface, text in surfaces.items():
        for field, canary in canaries.items():
            found = canary_pattern(canary).search(text)
            if found is None:
                continue
            at, end = found.span()
            wide = EXCERPT_SIDE + margin
            raw_before = text[max(0, at - wide) : at]
            before = redact(raw_before)[-EXCERPT_SIDE:]
            after = redact(text[end : end + wide])[:EXCERPT_SIDE]
            excerpt = " ".join(f"{before}{RAW.format(field=field)}{after}".split())
            keyed = _keyed_by(raw_before, (names or {}).get(field, (field,)))
            leaks.append(Leak(surface, field, excerpt, keyed))
    return leaks
