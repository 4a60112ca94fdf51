"""Replayed streams arrive as they were sent: one event per chunk, not one body.

vcrpy stores a streamed body whole and plays it back as one piece. A client that
reads its stream chunk by chunk would then see one chunk holding every event; so
while a cassette plays, a streamed body (server-sent events, NDJSON, or any chunked
body) is handed to the client one event (or line) at a time, for ``httpx`` (sync
and async) and for ``requests``/``urllib3``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any

import httpx

SSE_EVENT_END = re.compile(rb"(?<=\n\n)|(?<=\r\n\r\n)")
LINE_END = re.compile(rb"(?<=\n)")
STREAMED_TYPES = ("ndjson", "jsonl", "json-seq", "stream+json", "x-json-stream")


def _header(headers: Mapping[str, Any], wanted: str) -> str:
    for name, value in headers.items():
        if name.lower() == wanted:
            return " ".join(value) if isinstance(value, list) else str(value)
    return ""


def pieces(body: bytes, headers: Mapping[str, Any]) -> list[bytes]:
    """The body cut where its events end (SSE: blank lines; NDJSON, chunked: lines)."""
    content_type = _header(headers, "content-type").lower()
    if "text/event-stream" in content_type:
        parts = SSE_EVENT_END.split(body)
    elif (
        any(kind in content_type for kind in STREAMED_TYPES)
        or "chunked" in _header(headers, "transfer-encoding").lower()
    ):
        parts = LINE_END.split(body)
    else:
        parts = [body]
    return [part for part in parts if part]


class EventStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """An httpx byte stream (sync and async) that yields one event per chunk."""

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts

    def __iter__(self) -> Iterator[bytes]:
        yield from self.parts

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            yield part

    def close(self) -> None:
        """Nothing to release."""

    async def aclose(self) -> None:
        """Nothing to release."""


def _httpx_player(original: Callable[..., Any]) -> Callable[..., Any]:
    def deserialize(vcr_response: dict[str, Any], httpx: Any) -> Any:
        response = original(vcr_response, httpx)
        body = vcr_response.get("body", {}).get("string", b"")
        parts = pieces(body if isinstance(body, bytes) else b"", vcr_response.get("headers", {}))
        if len(parts) > 1:
            response.stream = EventStream(parts)
        return response

    return deserialize


def _urllib3_stream(self: Any, amt: int = 65536, decode_content: Any = None) -> Iterator[bytes]:
    """``VCRHTTPResponse.stream``: at most one event per chunk."""
    content = self._content
    parts = pieces(content.getvalue()[content.tell() :], self.recorded_response.get("headers", {}))
    for part in parts:
        for at in range(0, len(part), amt or len(part)):
            piece = part[at : at + (amt or len(part))]
            content.seek(len(piece), 1)
            yield piece
    yield b""


@contextlib.contextmanager
def played_as_events() -> Iterator[None]:
    """While inside, vcrpy's replayed streams are cut into events."""
    from unittest import mock

    from vcr.stubs import VCRHTTPResponse, httpx_stubs  # type: ignore[import-untyped]

    with (
        mock.patch.object(
            httpx_stubs,
            "_deserialize_response",
            _httpx_player(httpx_stubs._deserialize_response),
        ),
        mock.patch.object(VCRHTTPResponse, "stream", _urllib3_stream),
    ):
        yield
