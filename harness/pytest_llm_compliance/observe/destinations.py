"""Where an instance sends its calls, read from its fields and the clients it holds.

A rebuilt instance (``stop.bound``'s, the canary's) must call where the user's
instance calls. ``destinations`` lists the ``scheme://host:port`` of every
address an instance holds: its URL/endpoint fields (``base_url``,
``endpoint_url``, ``api_base``...: ``introspect.URL_PATTERNS``) and the base URL
of each SDK or HTTP client held in a field (an ``openai.OpenAI``'s, an
``httpx.Client``'s, a resource's ``_client``'s), read from the objects' own
``__dict__`` (no property runs), a few levels deep.
"""

from __future__ import annotations

import fnmatch
from typing import Any
from urllib.parse import urlsplit

from pytest_llm_compliance.observe.introspect import URL_PATTERNS

SCHEMES = {"http": 80, "https": 443, "ws": 80, "wss": 443}
ADDRESS_ATTRIBUTES = (
    "base_url",
    "_base_url",
    "api_base",
    "endpoint",
    "endpoint_url",
    "_endpoint_url",
    "url",
    "host",
)
"""Attributes of a client that hold the address it calls."""
NESTED_ATTRIBUTES = ("_client", "client", "_endpoint", "_session", "_http_client", "http_client")
"""Attributes of a client that hold the client that makes its requests."""
DEPTH = 3


def address(value: Any) -> str | None:
    """``scheme://host:port`` of a URL (a str or an object whose str is one), else None."""
    if value is None or isinstance(value, (bool, int, float, bytes)):
        return None
    try:
        text = str(value).strip()
    except Exception:
        return None
    if "://" not in text:
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname:
        return None
    return f"{scheme}://{parts.hostname.lower()}:{port or SCHEMES[scheme]}"


def _is_url_field(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in URL_PATTERNS)


def _of_object(obj: Any, depth: int, seen: set[int]) -> set[str]:
    """The addresses a client object holds, through the clients it wraps."""
    if depth == 0 or id(obj) in seen or obj is None:
        return set()
    seen.add(id(obj))
    try:
        attributes = vars(obj)
    except TypeError:  # no __dict__: a plain value, or slots
        return set()
    found = {
        found for name in ADDRESS_ATTRIBUTES if (found := address(attributes.get(name))) is not None
    }
    for name in NESTED_ATTRIBUTES:
        inner = attributes.get(name)
        if inner is not None and not isinstance(inner, (str, bytes, int, float, bool)):
            found |= _of_object(inner, depth - 1, seen)
    return found


def destinations(instance: Any) -> frozenset[str]:
    """Every ``scheme://host:port`` the instance's fields and clients point at."""
    found: set[str] = set()
    seen: set[int] = set()
    for name in getattr(type(instance), "model_fields", {}):
        try:
            value = getattr(instance, name, None)
        except Exception:
            continue
        if isinstance(value, str):
            if _is_url_field(name) and (at := address(value)):
                found.add(at)
        elif value is not None and not isinstance(value, (int, float, bool, bytes)):
            found |= _of_object(value, DEPTH, seen)
    return frozenset(found)


def goes_elsewhere(rebuilt: frozenset[str], allowed: frozenset[str]) -> frozenset[str]:
    """The addresses of ``rebuilt`` that are not in ``allowed`` (empty: it goes nowhere else)."""
    return rebuilt - allowed
