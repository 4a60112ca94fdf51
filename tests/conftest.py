"""Shared fixtures: a real echo service on an ephemeral loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reference_llm import EchoLLM, EchoServiceLLM
from reference_llm.server import EchoServer

SERVICE_KEY = "sk-test-9f3c1a7e2b"
collect_ignore = ["sample_project"]  # a user's project, run by tests/test_ecosystem.py


@pytest.fixture(scope="session")
def echo_server() -> Iterator[EchoServer]:
    with EchoServer(api_key=SERVICE_KEY) as server:
        yield server


@pytest.fixture(params=["echo", "service"])
def make_llm(request: pytest.FixtureRequest, echo_server: EchoServer):
    """Build either reference with a given ``n``: both must behave the same."""

    def build(n: int) -> EchoLLM | EchoServiceLLM:
        if request.param == "echo":
            return EchoLLM(n=n)
        return EchoServiceLLM(n=n, base_url=echo_server.url, api_key=SERVICE_KEY)

    return build


@pytest.fixture(params=["echo", "service"])
def make_chat(request: pytest.FixtureRequest, echo_server: EchoServer):
    """Build either reference chat model with a given ``n``: both must behave the same."""
    from reference_llm import EchoChatModel, EchoServiceChatModel

    def build(n: int, **params: Any) -> EchoChatModel | EchoServiceChatModel:
        if request.param == "echo":
            return EchoChatModel(n=n, **params)
        return EchoServiceChatModel(n=n, base_url=echo_server.url, api_key=SERVICE_KEY, **params)

    return build


SLOW_MODULES = frozenset(
    {
        "test_real_classes.py",  # the gallery of published classes, fake vendor servers
        "test_scan_community.py",  # a scan of langchain-community
        "test_ecosystem.py",  # the sample project under the usual plugins, 14 configurations
        "test_plugin_ecosystem.py",  # the plugin beside xdist, pytest-timeout, socket, ...
        "test_footprint.py",  # a fresh venv before and after the install
        "test_stability.py",  # repetitions under load
        "test_async_stability.py",
        "test_delivery.py",  # actionlint, zizmor, the Action, pre-commit try-repo
        "test_docs.py",  # the docs site, built --strict
        "test_release.py",  # the release: refs of the install snippets, the changelog
        "test_bench.py",
    }
)
"""The whole suite's slow part: ``pytest`` leaves it out, ``pytest -m ""`` runs it
(as ``.ci/run`` does); so are the browser tests of ``test_report_html.py``."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow modules' tests ``slow`` (the default run deselects them)."""
    for item in items:
        if item.path.name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """langchain-tests' test_init_time runs once, not timed (where pytest-benchmark is)."""
    if hasattr(config.option, "benchmark_disable"):
        config.option.benchmark_disable = True
