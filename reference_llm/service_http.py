"""The HTTP side both service references share: clients, errors and server-sent events.

Server-sent events are parsed with ``httpx-sse`` (as LangChain's partner
packages do), not by hand: an event may span several ``data:`` lines, carry
comment lines, and end its lines with CRLF.
"""

from __future__ import annotations

import functools
import json
import ssl
from collections.abc import AsyncGenerator, Generator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from httpx_sse import ServerSentEvent, aconnect_sse, connect_sse
from pydantic import SecretStr

from reference_llm.server import API_KEY_ENV

DONE = "[DONE]"


class EchoServiceError(RuntimeError):
    """The echo service could not be reached or refused a request."""


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """One TLS context for every client: loading the CA store takes tens of milliseconds.

    Made when the first model is built, never inside an async call (where reading
    the CA files would block the event loop).
    """
    return ssl.create_default_context()


def client_options(
    base_url: str, timeout: float, api_key: SecretStr, ssl_context: ssl.SSLContext
) -> dict[str, Any]:
    """Keyword arguments for ``httpx.Client`` and ``httpx.AsyncClient``."""
    return {
        "base_url": base_url,
        "timeout": timeout,
        "verify": ssl_context,
        "headers": {"Authorization": f"Bearer {api_key.get_secret_value()}"},
    }


def event_payload(event: ServerSentEvent) -> dict[str, Any] | None:
    """The JSON payload of one event, or None for the terminal ``[DONE]``."""
    if event.data == DONE:
        return None
    try:
        payload = json.loads(event.data)
    except ValueError:
        raise EchoServiceError(
            f"the echo service sent an event that is not JSON: {event.data[:80]!r}"
        ) from None
    if not isinstance(payload, dict):
        raise EchoServiceError(f"the echo service sent an event that is not an object: {payload!r}")
    return payload


def raise_for_status(response: httpx.Response, body: bytes) -> None:
    """Raise ``EchoServiceError`` with the service's own message on an error."""
    if not response.is_error:
        return
    try:
        message = json.loads(body)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = body[:200].decode(errors="replace")
    if response.status_code == 401:
        raise EchoServiceError(
            f"the echo service rejected the API key (HTTP 401: {message}); check {API_KEY_ENV}"
        )
    raise EchoServiceError(f"the echo service answered HTTP {response.status_code}: {message}")


@contextmanager
def service_errors(base_url: str, timeout: float) -> Iterator[None]:
    """Turn httpx transport errors into ``EchoServiceError`` (never with the key)."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise EchoServiceError(
            f"the echo service at {base_url} did not answer within "
            f"{timeout} s ({type(exc).__name__})"
        ) from exc
    except httpx.TransportError as exc:
        raise EchoServiceError(
            f"cannot reach the echo service at {base_url}: {type(exc).__name__}: {exc}"
        ) from exc


def sse_payloads(
    options: dict[str, Any], path: str, payload: dict[str, Any]
) -> Generator[dict[str, Any], None, None]:
    """POST ``payload`` and yield each server-sent event's JSON, until ``[DONE]``.

    ``options`` are ``client_options(...)``; transport errors and error
    statuses become ``EchoServiceError``.
    """
    with (
        service_errors(options["base_url"], options["timeout"]),
        httpx.Client(**options) as client,
        connect_sse(client, "POST", path, json=payload) as source,
    ):
        response = source.response
        raise_for_status(response, response.read() if response.is_error else b"")
        for event in source.iter_sse():
            data = event_payload(event)
            if data is None:
                return
            yield data


async def asse_payloads(
    options: dict[str, Any], path: str, payload: dict[str, Any]
) -> AsyncGenerator[dict[str, Any], None]:
    """Async twin of ``sse_payloads``, with ``httpx.AsyncClient``."""
    with service_errors(options["base_url"], options["timeout"]):
        async with (
            httpx.AsyncClient(**options) as client,
            aconnect_sse(client, "POST", path, json=payload) as source,
        ):
            response = source.response
            raise_for_status(response, await response.aread() if response.is_error else b"")
            async for event in source.aiter_sse():
                data = event_payload(event)
                if data is None:
                    return
                yield data
