"""The service reference against a real server on an ephemeral loopback port."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from http import HTTPStatus

import httpx
import pytest
from pydantic import SecretStr

from reference_llm import EchoServiceError, EchoServiceLLM
from reference_llm.server import API_KEY_ENV, EchoServer
from tests.conftest import SERVICE_KEY

WRONG_KEY = "sk-wrong-5d1e8a0c77"


def client_for(server: EchoServer, key: str = SERVICE_KEY, **kwargs) -> EchoServiceLLM:
    return EchoServiceLLM(n=5, base_url=server.url, api_key=key, **kwargs)


def test_key_defaults_to_the_environment(monkeypatch, echo_server):
    monkeypatch.setenv(API_KEY_ENV, SERVICE_KEY)
    llm = EchoServiceLLM(n=5, base_url=echo_server.url)
    assert isinstance(llm.api_key, SecretStr)
    assert llm.invoke("hello world") == "hello"


def test_missing_key_is_a_clear_validation_error(monkeypatch):
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    with pytest.raises(ValueError, match=f"set {API_KEY_ENV} or pass api_key="):
        EchoServiceLLM(n=5)


async def consume(llm: EchoServiceLLM, path: str) -> str:
    """Call ``llm`` through one of its four public paths."""
    if path == "invoke":
        return llm.invoke("hello")
    if path == "stream":
        return "".join(llm.stream("hello"))
    if path == "ainvoke":
        return await llm.ainvoke("hello")
    return "".join([chunk async for chunk in llm.astream("hello")])


@pytest.mark.parametrize("path", ["invoke", "stream", "ainvoke", "astream"])
async def test_wrong_key_is_a_401_error_without_the_key(echo_server, path):
    llm = client_for(echo_server, key=WRONG_KEY)
    with pytest.raises(EchoServiceError, match="HTTP 401") as caught:
        await consume(llm, path)
    assert WRONG_KEY not in str(caught.value)
    assert WRONG_KEY not in repr(caught.value)


async def test_slow_service_times_out_with_a_clear_error():
    with EchoServer(api_key=SERVICE_KEY, latency_s=1.0) as slow:
        llm = client_for(slow, timeout=0.2)
        with pytest.raises(EchoServiceError, match=r"did not answer within 0\.2 s"):
            llm.invoke("hello")
        with pytest.raises(EchoServiceError, match=r"did not answer within 0\.2 s"):
            await llm.ainvoke("hello")


async def test_server_errors_carry_the_status_and_message():
    with EchoServer(api_key=SERVICE_KEY, error_status=HTTPStatus.SERVICE_UNAVAILABLE) as down:
        llm = client_for(down)
        with pytest.raises(EchoServiceError, match="HTTP 503: the service is down"):
            llm.invoke("hello")
        with pytest.raises(EchoServiceError, match="HTTP 503"):
            await consume(llm, "astream")


async def test_refused_connection_is_a_clear_error():
    with EchoServer(api_key=SERVICE_KEY) as server:
        url = server.url
    llm = EchoServiceLLM(n=5, base_url=url, api_key=SERVICE_KEY)
    with pytest.raises(EchoServiceError, match="cannot reach the echo service"):
        llm.invoke("hello")
    with pytest.raises(EchoServiceError, match="cannot reach the echo service"):
        [chunk async for chunk in llm.astream("hello")]


def test_key_appears_on_no_surface(echo_server, caplog):
    caplog.set_level(logging.DEBUG)
    llm = client_for(echo_server)
    llm.invoke("hello")
    list(llm.stream("hello"))
    surfaces = {
        "repr": repr(llm),
        "str": str(llm),
        "model_dump_json": llm.model_dump_json(),
        "model_dump": str(llm.model_dump()),
        "logs": caplog.text,
    }
    with pytest.raises(EchoServiceError) as caught:
        client_for(echo_server, key=WRONG_KEY).invoke("hello")
    surfaces["error"] = str(caught.value)
    assert "httpx" in caplog.text, "DEBUG logs were not captured, so nothing was checked"
    for surface, text in surfaces.items():
        assert SERVICE_KEY not in text, surface
        assert WRONG_KEY not in text, surface


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"not json", 400, "body is not JSON"),
        (b"[1, 2]", 400, "must be a JSON object"),
        (b'{"n": 3}', 400, "'prompt' must be a string"),
        (b'{"prompt": "x", "n": -1}', 400, "'n' must be an integer >= 0"),
        (b'{"prompt": "x", "n": true}', 400, "'n' must be an integer >= 0"),
        (b'{"prompt": "x", "n": 1, "stop": "x"}', 400, "'stop' must be a list"),
        (b'{"prompt": "x", "n": 1, "stream": "yes"}', 400, "'stream' must be"),
    ],
)
def test_server_rejects_bad_requests_with_json_errors(echo_server, body, status, message):
    response = httpx.post(
        f"{echo_server.url}/v1/completions",
        content=body,
        headers={"Authorization": f"Bearer {SERVICE_KEY}"},
    )
    assert response.status_code == status
    assert message in response.json()["error"]["message"]


def test_server_401_never_echoes_the_presented_key(echo_server):
    response = httpx.post(
        f"{echo_server.url}/v1/completions",
        json={"prompt": "x", "n": 1},
        headers={"Authorization": f"Bearer {WRONG_KEY}"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    assert WRONG_KEY not in response.text
    assert SERVICE_KEY not in response.text


def test_server_unknown_path_and_health(echo_server):
    assert httpx.get(f"{echo_server.url}/health").json() == {"status": "ok"}
    response = httpx.post(f"{echo_server.url}/v2/nothing", json={})
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


def test_server_streams_server_sent_events(echo_server):
    with httpx.stream(
        "POST",
        f"{echo_server.url}/v1/completions",
        json={"prompt": "hey you", "n": 7, "stop": ["y"], "stream": True},
        headers={"Authorization": f"Bearer {SERVICE_KEY}"},
    ) as response:
        assert response.headers["content-type"] == "text/event-stream"
        lines = [line for line in response.iter_lines() if line]
    assert lines == [
        *(f"data: {json.dumps({'text': c})}" for c in "hey"),
        "data: [DONE]",
    ]


def run_server_module(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "reference_llm.server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_server_module_prints_its_url_and_serves():
    env = {**os.environ, API_KEY_ENV: SERVICE_KEY}
    process = run_server_module(env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("echo service listening on http://127.0.0.1:")
        url = line.split()[-1]
        llm = EchoServiceLLM(n=3, base_url=url, api_key=SERVICE_KEY)
        assert llm.invoke("hello") == "hel"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_server_module_without_a_key_exits_2():
    env = {k: v for k, v in os.environ.items() if k != API_KEY_ENV}
    process = run_server_module(env)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert f"set {API_KEY_ENV}" in err
