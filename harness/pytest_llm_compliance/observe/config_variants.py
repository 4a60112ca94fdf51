"""Which init fields to change, one at a time, to see whether the cache tells configurations apart.

``interface.identifying_params`` (0.3) asks that two instances differing in a
field that changes the output give different params, so that LangChain's cache
never serves one configuration's answer to another. A field is tried only when
changing it is safe and says something: a number of the user's own class
(``n``, ``max_tokens``, ``temperature``...) that the params do not already name,
with a plain value to change. Never a credential, an address, the stop list, a
client, or a setting of the transport (timeouts, retries, concurrency, logging),
whose change would send the call elsewhere or only change how long it takes.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pytest_llm_compliance.observe.introspect import Facts

MAX_FIELDS = 3
"""At most this many fields are tried: each costs one model call."""
TRANSPORT_PATTERNS = (
    "*timeout*",
    "*retr*",
    "*concurren*",
    "*batch_size*",
    "*parallel*",
    "*port*",
    "*verbose*",
    "*log*",
    "*cache*",
    "*stream*",
    "*interval*",
    "*delay*",
    "*wait*",
    "*limit*",
    "*pool*",
    "*workers*",
)
"""Names of settings that change how a call is made, not what it answers."""


@dataclass(frozen=True)
class Change:
    """One init field, its value on the user's instance, and the value tried instead."""

    field: str
    key: str
    """The name the constructor takes (the field's alias, else its name)."""
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.field}={self.new!r} (instead of {self.old!r})"


def _plain_type(annotation: Any) -> Any:
    """``int`` of ``int | None`` and ``Optional[int]``; the annotation itself otherwise."""
    args = [arg for arg in get_args(annotation) if arg is not type(None)]
    if get_origin(annotation) is not Literal and len(args) == 1 and get_args(annotation):
        return args[0]
    return annotation


def changed_value(annotation: Any, value: Any) -> Any:
    """Another valid-looking value of the same type, or None when there is no safe one."""
    plain = _plain_type(annotation)
    if get_origin(plain) is Literal:
        others = [choice for choice in get_args(plain) if choice != value]
        return others[0] if others else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) and plain is int:
        return value // 2 if value >= 2 else value + 1
    if isinstance(value, float) and plain is float:
        return value / 2 if value else 0.5
    return None


def candidates(facts: Facts, instance: Any, params: Mapping[str, Any]) -> list[Change]:
    """The fields to try, in the class's order, at most ``MAX_FIELDS``."""
    skipped = {*facts.credential_fields, *facts.url_fields, facts.stop_field}
    named = {str(key) for key in params}
    found = []
    for name, info in facts.fields.items():
        key = info.alias or name
        if (
            name in skipped
            or name in named
            or key in named
            or info.exclude
            or any(fnmatch.fnmatchcase(name, pattern) for pattern in TRANSPORT_PATTERNS)
        ):
            continue
        old = getattr(instance, name, None)
        new = changed_value(info.annotation, old)
        if new is not None:
            found.append(Change(name, key, old, new))
    return found[:MAX_FIELDS]
