"""Calls of a rebuilt instance connect only where the user's instance connects.

The user's instance's calls run under a ``Recording`` policy: every address its
Python sockets connect to is noted. A rebuilt instance's calls (``stop.bound``'s,
the canary's, the failure probe's) run under a ``Guard``: a connection to any
other address raises ``HostRefused`` (a ``ConnectionRefusedError``, which HTTP
clients report as a refused connection, at once: no SDK retries a host that
does not exist for 35 s) and is noted, so that the check can say the call was
not made rather than blame the model.

The policy is a context variable: it follows the call into the threads and
tasks LangChain starts with the call's context. Connections made outside it
(a thread started without the context) are not seen. Unix sockets are never
refused. ``install`` patches ``socket.socket.connect`` and ``connect_ex`` once;
without a policy they behave as before.
"""

from __future__ import annotations

import socket
import threading
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


class HostRefused(ConnectionRefusedError):
    """A rebuilt instance tried to connect where the user's instance does not."""


@dataclass
class Recording:
    """The user's instance: every address it connects to is noted (calls overlap: a lock)."""

    seen: set[tuple[str, int]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, host: str, port: int) -> None:
        """Note one address."""
        with self.lock:
            self.seen.add((host, port))

    def snapshot(self) -> frozenset[tuple[str, int]]:
        """Every address noted so far."""
        with self.lock:
            return frozenset(self.seen)


@dataclass
class Guard:
    """A rebuilt instance: only ``seen`` addresses (and ``names``, resolved) are allowed."""

    seen: frozenset[tuple[str, int]]
    """IP addresses and ports the user's instance connected to."""
    names: frozenset[str]
    """``scheme://host:port`` the user's instance points at (from ``destinations``)."""
    refused: list[str] = field(default_factory=list)
    """``host:port`` of each connection refused."""
    connected: list[str] = field(default_factory=list)
    """``host:port`` of each connection allowed."""
    allow_all: bool = False
    """Where the user's instance goes is not known: nothing is refused, connections noted."""
    _resolved: dict[str, set[tuple[str, int]]] = field(default_factory=dict)

    def allows(self, host: str, port: int) -> bool:
        """True when ``host:port`` is where the user's instance goes."""
        if self.allow_all or (host, port) in self.seen:
            return True
        return any((host, port) in self._addresses(name) for name in self.names)

    def _addresses(self, name: str) -> set[tuple[str, int]]:
        if name not in self._resolved:
            parts = urlsplit(name)
            host, port = parts.hostname or "", parts.port or 0
            found = {(host, port)}
            if host == "localhost":
                found |= {("127.0.0.1", port), ("::1", port)}
            try:
                infos = _ORIGINAL["getaddrinfo"](host, port, proto=socket.IPPROTO_TCP)
            except OSError:
                infos = []
            found |= {(str(info[4][0]), port) for info in infos}
            self._resolved[name] = found
        return self._resolved[name]


POLICY: ContextVar[Recording | Guard | None] = ContextVar("llm_compliance_hosts", default=None)
_ORIGINAL: dict[str, Any] = {"getaddrinfo": socket.getaddrinfo}
_LOCK = threading.Lock()


def _true_socket_class() -> type[socket.socket]:
    """``socket.socket`` as the standard library defines it (pytest-socket may wrap it)."""
    for cls in socket.socket.__mro__:
        if cls.__module__ == "socket" and cls.__name__ == "socket":
            return cls
    return socket.socket


def _check(sock: socket.socket, address: Any) -> None:
    policy = POLICY.get()
    if policy is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    if not isinstance(address, tuple) or len(address) < 2:
        return
    host, port = str(address[0]), int(address[1])
    if isinstance(policy, Recording):
        policy.add(host, port)
    elif policy.allows(host, port):
        policy.connected.append(f"{host}:{port}")
    else:
        policy.refused.append(f"{host}:{port}")
        raise HostRefused(
            f"llm-compliance refused a connection to {host}:{port}: the user's instance "
            "does not call it"
        )


def install() -> None:
    """Patch the socket class's ``connect`` and ``connect_ex`` (once, idempotent)."""
    with _LOCK:
        cls = _true_socket_class()
        if getattr(cls.connect, "_llm_compliance_guard", False):
            return
        connect, connect_ex = cls.connect, cls.connect_ex

        def guarded_connect(self: socket.socket, address: Any) -> None:
            _check(self, address)
            connect(self, address)

        def guarded_connect_ex(self: socket.socket, address: Any) -> int:
            _check(self, address)
            return int(connect_ex(self, address))

        guarded_connect._llm_compliance_guard = True  # type: ignore[attr-defined]
        cls.connect = guarded_connect  # type: ignore[method-assign,assignment]
        cls.connect_ex = guarded_connect_ex  # type: ignore[method-assign,assignment]
