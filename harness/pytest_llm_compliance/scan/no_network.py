"""Refuse network access while a scan imports and builds third-party classes.

A scan imports every module of a package and builds classes with no
arguments; neither may reach a service. While ``no_network()`` is active,
every connect and name lookup of this process's Python sockets raises
``NetworkBlocked`` (a ``ConnectionRefusedError``, which HTTP clients report as
a refused connection). C libraries with sockets of their own are out of its
reach.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

_LOCK = threading.Lock()
_DEPTH = [0]
_SAVED: dict[tuple[Any, str], Any] = {}
_PATCHED = (
    (socket.socket, "connect"),
    (socket.socket, "connect_ex"),
    (socket, "getaddrinfo"),
    (socket, "gethostbyname"),
    (socket, "gethostbyname_ex"),
    (socket, "create_connection"),
)


class NetworkBlocked(ConnectionRefusedError):
    """A connection or name lookup refused during a scan."""


def _refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise NetworkBlocked(
        "network access is blocked while llm-compliance scans a package or replays cassettes"
    )


@contextmanager
def no_network() -> Iterator[None]:
    """Refuse every connection and name lookup until the block ends (nests)."""
    with _LOCK:
        if _DEPTH[0] == 0:
            for owner, name in _PATCHED:
                _SAVED[owner, name] = getattr(owner, name)
                setattr(owner, name, _refuse)
        _DEPTH[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH[0] -= 1
            if _DEPTH[0] == 0:
                for owner, name in _PATCHED:
                    setattr(owner, name, _SAVED.pop((owner, name)))
