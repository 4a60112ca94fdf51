"""pytest-socket's decision for a test item, carried into the isolation child.

pytest-socket guards ``socket.socket`` in the pytest process; a target checked
in a child process is out of its reach. ``socket_policy`` reads what
pytest-socket decides for an item (its options, markers and fixtures, as
pytest-socket reads them) and ``apply_socket_policy`` makes the same guard in
the child, with pytest-socket's own functions, before the model is built.
The harness's own event loop is not guarded (``target_loop.HarnessEventLoop``).
"""

from __future__ import annotations

from typing import Any

import pytest


def socket_policy(item: pytest.Item) -> dict[str, Any] | None:
    """``{"disabled", "allow_unix", "hosts"}`` as pytest-socket decides for ``item``; None: free."""
    config = item.config
    if not config.pluginmanager.hasplugin("socket"):
        return None
    fixtures = getattr(item, "fixturenames", ())

    def option(name: str) -> Any:
        try:
            return config.getoption(name)
        except ValueError:
            return None

    allow_unix = bool(option("--allow-unix-socket"))
    if (
        "socket_enabled" in fixtures
        or item.get_closest_marker("enable_socket")
        or option("--force-enable-socket")
    ):
        return None
    if "socket_disabled" in fixtures or item.get_closest_marker("disable_socket"):
        return {"disabled": True, "allow_unix": allow_unix, "hosts": None}
    marker = item.get_closest_marker("allow_hosts")
    hosts = marker.args[0] if marker and marker.args else option("--allow-hosts")
    if isinstance(hosts, str):
        hosts = [host for host in hosts.split(",") if host]
    if hosts:
        return {"disabled": False, "allow_unix": allow_unix, "hosts": list(hosts)}
    if option("--disable-socket"):
        return {"disabled": True, "allow_unix": allow_unix, "hosts": None}
    return None


def apply_socket_policy(policy: dict[str, Any] | None) -> None:
    """Guard this process's sockets as ``policy`` says (in the child; pytest-socket's code)."""
    if not policy:
        return
    import pytest_socket  # type: ignore[import-not-found,unused-ignore]

    if policy.get("hosts"):
        pytest_socket.socket_allow_hosts(policy["hosts"], allow_unix_socket=policy["allow_unix"])
    if policy.get("disabled"):
        pytest_socket.disable_socket(allow_unix_socket=policy["allow_unix"])
