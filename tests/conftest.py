"""Shared fixtures: a real echo service on an ephemeral loopback port."""

from __future__ import annotations

from collections.abc import Iterator

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
