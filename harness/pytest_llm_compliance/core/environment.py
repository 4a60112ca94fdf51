"""Calls the environment refused: not the model's fault, so no verdict on it.

A model call that fails because the network is blocked (pytest-socket's
``SocketBlockedError``, the harness's own guard), because the service cannot be
reached (connection refused, host unreachable, a name that does not resolve)
tells nothing about the model's code. ``refusal`` recognises one from the
exception the model raised, through its chain (``__cause__``, ``__context__``,
the wrapped exceptions HTTP clients keep: ``reason``, ``os_error``,
exceptions in ``args``, and an exception group's members), by exception type only: a model raising
``ValueError("connection refused")`` is the model's own bug.
``environment_error`` is what a check then reports instead of its verdict.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from dataclasses import dataclass

from pytest_llm_compliance.core.outcomes import ENVIRONMENT, Outcome, Verdict
from pytest_llm_compliance.core.targets import one_line
from pytest_llm_compliance.observe.host_guard import HostRefused
from pytest_llm_compliance.scan.no_network import NetworkBlocked

BLOCKED_BY_PYTEST_SOCKET = ("SocketBlockedError", "SocketConnectBlockedError")
"""pytest-socket's exceptions, matched by class name (pytest-socket may not be installed)."""
UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.ENETDOWN}
CHAIN_LIMIT = 32
"""How many linked exceptions are looked at, at most (chains can be cyclic)."""

HOW_TO_RUN = {
    "blocked": (
        "run the check where the model may reach its service: in an integration-test class "
        "(langchain-tests' ChatModelIntegrationTests with LLMComplianceMixin listed first), "
        "or replay cassettes recorded once with the service up (`llm-compliance check "
        "--cassettes DIR --record-mode once`, in pytest `--llm-cassettes DIR "
        "--llm-record-mode once`)"
    ),
    "unreachable": (
        "start the service, or point the params at one that runs, and run the check "
        "again; or replay cassettes recorded once with the service up (`llm-compliance "
        "check --cassettes DIR --record-mode once`, in pytest `--llm-cassettes DIR "
        "--llm-record-mode once`)"
    ),
}


@dataclass(frozen=True)
class Refusal:
    """What the environment refused: a diagnosis, and the exception that shows it."""

    diagnosis: str
    """Such as ``the network is blocked by pytest-socket``."""
    shown_by: str
    """The recognised exception, as one line."""
    remedy: str
    """``blocked`` or ``unreachable``: a key of ``HOW_TO_RUN``."""


def linked(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception linked to it, each once, at most ``CHAIN_LIMIT``."""
    seen: set[int] = set()
    pending = [exc]
    while pending and len(seen) < CHAIN_LIMIT:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        links = [current.__cause__, current.__context__]
        links += [getattr(current, name, None) for name in ("reason", "os_error")]
        links += list(getattr(current, "args", ()) or ())
        links += list(getattr(current, "exceptions", ()) or ())  # an ExceptionGroup's
        pending += [link for link in links if isinstance(link, BaseException)]


def _diagnose(exc: BaseException) -> tuple[str, str] | None:
    if isinstance(exc, HostRefused):  # the harness kept a rebuilt instance at the user's hosts
        return None
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & set(BLOCKED_BY_PYTEST_SOCKET):
        return "the network is blocked by pytest-socket (--disable-socket, --allow-hosts)", (
            "blocked"
        )
    if isinstance(exc, NetworkBlocked):
        return "the network is blocked by the harness's own guard (a scan or a replay)", ("blocked")
    if isinstance(exc, socket.gaierror):
        return "the service's host name could not be resolved", "unreachable"
    if isinstance(exc, ConnectionRefusedError) or (
        isinstance(exc, OSError) and exc.errno == errno.ECONNREFUSED
    ):
        return "the service refused the connection (nothing listens at its address)", (
            "unreachable"
        )
    if isinstance(exc, OSError) and exc.errno in UNREACHABLE:
        return "the service's network or host is unreachable", "unreachable"
    return None


def refusal(exc: BaseException | None) -> Refusal | None:
    """The environment's refusal behind ``exc``, or None when ``exc`` shows none."""
    if exc is None:
        return None
    for link in linked(exc):
        found = _diagnose(link)
        if found is not None:
            return Refusal(found[0], one_line(link), found[1])
    return None


def environment_error(label: str, exc: BaseException, found: Refusal) -> Verdict:
    """The ``error`` a check reports when the call ``label`` was refused by the environment."""
    raised = one_line(exc)
    return Verdict(
        Outcome.ERROR,
        f"could not check: the environment refused the model's call {label}: "
        f"{found.diagnosis} ({found.shown_by})\n"
        f"  the model raised {raised}\n"
        "  this is not a verdict on the model: the call never reached the model's service\n"
        f"  to check it: {HOW_TO_RUN[found.remedy]}",
        error_source=ENVIRONMENT,
    )
