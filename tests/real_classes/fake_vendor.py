"""A fake vendor server on 127.0.0.1: the base every gallery server builds on.

Each vendor module subclasses ``VendorHandler`` and answers the vendor's real
wire format (read from the client library's source). The server binds a free
loopback port, serves each request on its own thread, and stops when its
``with`` block ends.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

MAX_BODY_BYTES = 1 << 20


class VendorHandler(BaseHTTPRequestHandler):
    """One request; subclasses implement ``do_POST``/``do_GET`` with the helpers below."""

    protocol_version = "HTTP/1.1"
    timeout = 10  # seconds a client may take to send its request
    requests_seen: ClassVar[list[dict[str, Any]]]
    """Every request body a subclass's server received, for tests to inspect."""

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the harness captures what the model prints, not the server."""

    @property
    def route(self) -> str:
        """The request's path, without the query."""
        return urlsplit(self.path).path

    @property
    def query(self) -> dict[str, list[str]]:
        """The request's query parameters."""
        return parse_qs(urlsplit(self.path).query)

    def read_json(self) -> Any:
        """The request body as JSON (``{}`` when empty)."""
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY_BYTES)
        body = self.rfile.read(length) if length else b""
        payload = json.loads(body) if body else {}
        type(self).requests_seen.append({"path": self.path, "body": payload})
        return payload

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        """Answer with a JSON body."""
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_stream(self, content_type: str, pieces: Iterable[bytes]) -> None:
        """Answer with a chunked body, one HTTP chunk per piece, flushed as it goes."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for piece in pieces:
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def send_sse(self, events: Iterable[Any], done: str | None = "[DONE]") -> None:
        """Server-sent events: each JSON payload as one ``data:`` event, then ``done``."""

        def pieces() -> Iterator[bytes]:
            for event in events:
                yield f"data: {json.dumps(event)}\n\n".encode()
            if done is not None:
                yield f"data: {done}\n\n".encode()

        self.send_stream("text/event-stream", pieces())

    def send_ndjson(self, lines: Iterable[Any]) -> None:
        """Newline-delimited JSON, one object per line."""
        self.send_stream(
            "application/x-ndjson", (json.dumps(line).encode() + b"\n" for line in lines)
        )


@contextmanager
def serve(handler: type[VendorHandler]) -> Iterator[str]:
    """Run ``handler`` on a free 127.0.0.1 port; yield the base URL ``http://127.0.0.1:PORT``."""
    handler.requests_seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fake-vendor", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def echo_text(prompt: str, n: int = 64) -> str:
    """What every fake vendor answers: the first ``n`` characters of the prompt.

    The harness picks its stop sequences from the answer, so the answer must be
    deterministic and long enough to hold a few words and punctuation.
    """
    return prompt[:n]


def apply_stop(text: str, stop: list[str] | None, *, include: bool) -> str:
    """Cut ``text`` at the earliest stop sequence, as a vendor's server does.

    ``include`` says whether the vendor keeps the stop sequence in its answer
    (most do not; read the vendor's documentation in the client's source).
    """
    cut = None
    for sequence in stop or []:
        at = text.find(sequence)
        if at != -1 and (cut is None or at < cut[0]):
            cut = (at, sequence)
    if cut is None:
        return text
    at, sequence = cut
    return text[: at + len(sequence)] if include else text[:at]
