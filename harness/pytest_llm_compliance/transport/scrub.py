"""What a cassette may hold: requests and responses with every secret scrubbed.

Credential headers and query parameters keep a *fingerprint* in place of their value:
``<credential:key>`` for the model's own key, ``<credential:canary:FIELD>`` for the
canary of ``secrets.no_leak``. Replay matches on it, so the canary request replays the
service's rejection, not the good key's answer, while a CI run with any other key
still replays the recorded answers. Every other known secret (``Redactor``: the model's
``SecretStr`` values, credential environment variables, their escaped forms) becomes
``***`` in URLs, headers and bodies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pytest_llm_compliance.core.credentials import is_credential_name
from pytest_llm_compliance.core.redact import Redactor

CANARY = re.compile(r"lcc-canary-(\w+)-(\w+)")
"""A canary of ``canary.make_canaries`` (``lcc-canary-FIELD-SUFFIX``); group 1 is its field
(an identifier: no hyphen)."""
CANARY_MARK = "lcc-canary-"
PLACEHOLDER = re.compile(r"<credential:[\w:-]+>")


def fingerprint(value: str) -> str:
    """What replay matches a credential on: its role, never its value."""
    if PLACEHOLDER.fullmatch(value.strip()):
        return value.strip()  # scrubbed already (a cassette being loaded)
    if not value.strip():
        return "<credential:empty>"
    canary = CANARY.search(value)
    return f"<credential:canary:{canary.group(1)}>" if canary else "<credential:key>"


class Scrubber:
    """Scrubs vcrpy requests and responses with the target's redactor."""

    def __init__(self, redact: Redactor) -> None:
        self.redact = redact

    def text(self, text: str) -> str:
        """Canaries become their fingerprint, every other known secret ``***``."""
        return self.redact(CANARY.sub(lambda m: fingerprint(m.group(0)), text))

    def body(self, body: Any) -> Any:
        """A body scrubbed if it is text (bytes that decode as UTF-8, or str)."""
        if isinstance(body, str):
            return self.text(body)
        if isinstance(body, bytes):
            try:
                decoded = body.decode("utf-8")
            except UnicodeDecodeError:
                return body
            scrubbed = self.text(decoded)
            return body if scrubbed == decoded else scrubbed.encode("utf-8")
        return body

    def uri(self, uri: str) -> str:
        """The URI with credential query parameters fingerprinted, other secrets masked."""
        parts = urlsplit(uri)
        if parts.query:
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            query = urlencode(
                [(k, fingerprint(v) if is_credential_name(k) else v) for k, v in pairs],
                safe="<>:",
            )
            parts = parts._replace(query=query)
        userinfo, at, host = parts.netloc.rpartition("@")
        if at and userinfo:
            parts = parts._replace(netloc=f"{fingerprint(userinfo)}@{host}")
        return self.text(urlunsplit(parts))

    def header(self, name: str, value: str) -> str:
        """A header's value, fingerprinted if the header carries a credential."""
        return fingerprint(value) if is_credential_name(name) else self.text(value)

    def request(self, request: Any) -> Any:
        """A vcrpy ``Request`` (a copy) with its URI, headers and body scrubbed."""
        request.uri = self.uri(request.uri)
        for name in list(request.headers):
            request.headers[name] = self.header(name, str(request.headers[name]))
        request.body = self.body(request.body)
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        """A vcrpy response dict with its headers and body scrubbed."""
        headers = response.get("headers") or {}
        for name, values in list(headers.items()):
            listed = values if isinstance(values, list) else [values]
            headers[name] = [self.header(name, str(value)) for value in listed]
        body = response.get("body") or {}
        if "string" in body:
            before = body["string"]
            body["string"] = self.body(before)
            if body["string"] is not before:
                _set_length(headers, len(body["string"]))
        return response


def _set_length(headers: dict[str, Any], length: int) -> None:
    for name in headers:
        if name.lower() == "content-length":
            headers[name] = [str(length)]


def strings(data: Any) -> Iterator[str]:
    """Every string (and decodable bytes) in a loaded cassette, keys included."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, bytes):
        yield data.decode("utf-8", errors="replace")
    elif isinstance(data, Mapping):
        for key, value in data.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(data, (list, tuple)):
        for item in data:
            yield from strings(item)


def secrets_in(text: str, data: Any, redact: Redactor) -> list[str]:
    """Where a written cassette still holds a secret (never the secret itself)."""
    found = []
    if CANARY_MARK in text or any(CANARY_MARK in s for s in strings(data)):
        found.append("a canary key")
    if redact(text) != text or any(redact(s) != s for s in strings(data)):
        found.append("a known secret (the model's key or a credential environment variable)")
    return found
