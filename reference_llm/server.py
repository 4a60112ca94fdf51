"""A small echo-n service: the API behind ``EchoServiceLLM`` and ``EchoServiceChatModel``.

Run it with ``python -m reference_llm.server --port 0`` (the API key comes from
the ``ECHO_SERVICE_API_KEY`` environment variable) or from Python with
``EchoServer(api_key=...)``. It binds 127.0.0.1 unless told otherwise. The API
is described in the README, section "The echo service API".
"""

from __future__ import annotations

import argparse
import hmac
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from reference_llm.server_chat import MODEL_NAME, chat_answer, chat_events, parse_chat_request
from reference_llm.stop import truncate_at_stop

API_KEY_ENV = "ECHO_SERVICE_API_KEY"
MAX_BODY_BYTES = 1 << 20
COMPLETIONS = "/v1/completions"
CHAT_COMPLETIONS = "/v1/chat/completions"
SseStyle = Literal["simple", "split"]
SSE_STYLES: tuple[SseStyle, ...] = ("simple", "split")


class RequestError(Exception):
    """A request the service refuses, with the HTTP status and error type."""

    def __init__(self, status: HTTPStatus, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type


def load_object(body: bytes) -> dict[str, Any]:
    """Decode a request body that must be a JSON object."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(
            HTTPStatus.BAD_REQUEST, "invalid_request", f"body is not JSON: {exc}"
        ) from None
    if not isinstance(payload, dict):
        raise _invalid("body must be a JSON object")
    return payload


def parse_completion_request(body: bytes) -> tuple[str, int, list[str], bool]:
    """Validate a completion request body; return prompt, n, stop and stream."""
    payload = load_object(body)
    prompt, n = payload.get("prompt"), payload.get("n")
    stop, stream = payload.get("stop"), payload.get("stream", False)
    if not isinstance(prompt, str):
        raise _invalid("'prompt' must be a string")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise _invalid("'n' must be an integer >= 0")
    if stop is None:
        stop = []
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise _invalid("'stop' must be a list of strings or null")
    if not isinstance(stream, bool):
        raise _invalid("'stream' must be true or false")
    return prompt, n, stop, stream


def _invalid(message: str) -> RequestError:
    return RequestError(HTTPStatus.BAD_REQUEST, "invalid_request", message)


class _Handler(BaseHTTPRequestHandler):
    server: EchoServer
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may take to send its request

    def do_GET(self) -> None:
        if self.path != "/health":
            return self._send_error(
                RequestError(HTTPStatus.NOT_FOUND, "not_found", "no such endpoint")
            )
        self._send_json(HTTPStatus.OK, {"status": "ok"})

    def do_POST(self) -> None:
        try:
            self._check_route_and_auth()
            body = self._read_body()
            if self.path == CHAT_COMPLETIONS:
                answer, events, stream = self._chat(body)
            else:
                prompt, n, stop, stream = parse_completion_request(body)
                text = truncate_at_stop(prompt[:n], stop)
                answer, events = {"model": MODEL_NAME, "text": text}, [{"text": c} for c in text]
            if self.server.error_status is not None:
                raise RequestError(self.server.error_status, "server_error", "the service is down")
        except RequestError as exc:
            return self._send_error(exc)
        if stream:
            return self._send_stream(events)
        self._pause()
        self._send_json(HTTPStatus.OK, answer)

    @staticmethod
    def _chat(body: bytes) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
        """The chat answer, its events and whether to stream them."""
        try:
            request = parse_chat_request(load_object(body))
        except ValueError as exc:
            raise _invalid(str(exc)) from None
        answer = chat_answer(request)
        return answer, chat_events(answer), request.stream

    def _check_route_and_auth(self) -> None:
        if self.path not in (COMPLETIONS, CHAT_COMPLETIONS):
            raise RequestError(HTTPStatus.NOT_FOUND, "not_found", "no such endpoint")
        scheme, _, key = self.headers.get("Authorization", "").partition(" ")
        expected = self.server.api_key.encode()
        if scheme != "Bearer" or not hmac.compare_digest(key.encode(), expected):
            raise RequestError(
                HTTPStatus.UNAUTHORIZED,
                "authentication_error",
                "missing or invalid API key",
            )

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise RequestError(
                HTTPStatus.LENGTH_REQUIRED, "invalid_request", "Content-Length needed"
            )
        if int(length) > MAX_BODY_BYTES:
            raise RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                "invalid_request",
                f"body is larger than {MAX_BODY_BYTES} bytes",
            )
        return self.rfile.read(int(length))

    def _pause(self) -> None:
        if self.server.latency_s:
            time.sleep(self.server.latency_s)

    def _send_json(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_error(self, exc: RequestError) -> None:
        self.close_connection = True
        error = {"type": exc.error_type, "message": str(exc)}
        self._send_json(exc.status, {"error": error})

    def _send_stream(self, events: list[dict[str, Any]]) -> None:
        """Send one server-sent event per payload, then ``[DONE]``."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for event in [*events, None]:
                self._pause()
                self._write_chunk(encode_event(event, self.server.sse_style))
            self._write_chunk(b"")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading: nothing to send

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep request logs off stderr unless the server is verbose."""
        if self.server.verbose:
            super().log_message(format, *args)


def encode_event(payload: dict[str, Any] | None, style: SseStyle = "simple") -> bytes:
    """One server-sent event: ``payload`` as JSON, or ``[DONE]`` for None.

    ``simple``: one ``data: `` line, LF line ends. ``split``: what the SSE
    standard also allows, to rehearse clients' parsers: a comment line first, the
    JSON spread over several ``data:`` lines (the first without the optional
    space), CRLF line ends.
    """
    data = "[DONE]" if payload is None else json.dumps(payload)
    if style == "simple":
        return f"data: {data}\n\n".encode()
    lines = [data] if payload is None else json.dumps(payload, indent=1).splitlines()
    fields = [f"data:{lines[0]}", *(f"data: {line}" for line in lines[1:])]
    return "\r\n".join([": echo-n event", *fields, "", ""]).encode()


class EchoServer(ThreadingHTTPServer):
    """The echo-n service, served from a background thread.

    Example:
        .. code-block:: python

            with EchoServer(api_key="sk-local") as server:
                print(server.url)  # http://127.0.0.1:<port>
    """

    daemon_threads = True

    def __init__(
        self,
        api_key: str,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        latency_s: float = 0.0,
        error_status: HTTPStatus | None = None,
        sse_style: SseStyle = "simple",
        verbose: bool = False,
    ) -> None:
        """Bind the service; ``latency_s`` delays each answer and each event.

        ``error_status`` makes every completion request fail with that status,
        to rehearse outages; ``sse_style`` is how events are framed (see
        ``encode_event``).
        """
        if not api_key:
            raise ValueError("the echo service needs a non-empty API key")
        if sse_style not in SSE_STYLES:
            raise ValueError(f"sse_style must be one of {SSE_STYLES}, not {sse_style!r}")
        super().__init__((host, port), _Handler)
        self.api_key = api_key
        self.latency_s = latency_s
        self.error_status = error_status
        self.sse_style = sse_style
        self.verbose = verbose
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL that clients use, such as ``http://127.0.0.1:8765``."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> EchoServer:
        """Serve from a daemon thread and return ``self``."""
        self._thread = threading.Thread(target=self.serve_forever, name="echo-server", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
        self.server_close()

    def __enter__(self) -> EchoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the service in the foreground until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m reference_llm.server", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait per answer")
    parser.add_argument(
        "--sse-style", choices=SSE_STYLES, default="simple", help="how events are framed"
    )
    parser.add_argument("--verbose", action="store_true", help="log each request")
    args = parser.parse_args(argv)
    api_key = os.environ.get(API_KEY_ENV, "")
    if not api_key:
        print(f"error: set {API_KEY_ENV} to the API key to accept", file=sys.stderr)
        return 2
    try:
        server = EchoServer(
            api_key,
            args.host,
            args.port,
            latency_s=args.latency,
            sse_style=args.sse_style,
            verbose=args.verbose,
        )
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    print(f"echo service listening on {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
