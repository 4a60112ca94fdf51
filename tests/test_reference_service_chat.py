"""The service chat reference against a real server: its key, its errors, its wire."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumps
from langchain_core.messages import ChatMessage, FunctionMessage, HumanMessage
from pydantic import SecretStr

from reference_llm import EchoServiceChatModel, EchoServiceError
from reference_llm.server import API_KEY_ENV, EchoServer
from reference_llm.service_chat import _chunk, _result
from tests.conftest import SERVICE_KEY

WRONG_KEY = "sk-wrong-chat-7c2d9e41"


def client_for(server: EchoServer, key: str = SERVICE_KEY, **kwargs: Any) -> EchoServiceChatModel:
    return EchoServiceChatModel(n=5, base_url=server.url, api_key=key, **kwargs)


async def consume(model: EchoServiceChatModel, path: str) -> str:
    if path == "invoke":
        return str(model.invoke("hello").content)
    if path == "stream":
        return "".join(str(c.content) for c in model.stream("hello"))
    if path == "ainvoke":
        return str((await model.ainvoke("hello")).content)
    return "".join([str(c.content) async for c in model.astream("hello")])


PATHS = ["invoke", "stream", "ainvoke", "astream"]


def test_key_and_address_default_to_the_environment(monkeypatch, echo_server):
    monkeypatch.setenv(API_KEY_ENV, SERVICE_KEY)
    monkeypatch.setenv("ECHO_SERVICE_BASE_URL", echo_server.url)
    model = EchoServiceChatModel(n=5)
    assert isinstance(model.api_key, SecretStr)
    assert model.base_url == echo_server.url
    assert model.invoke("hello world").content == "hello"


def test_missing_key_is_a_clear_validation_error(monkeypatch):
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    with pytest.raises(ValueError, match=f"set {API_KEY_ENV} or pass api_key="):
        EchoServiceChatModel(n=5)


@pytest.mark.parametrize("path", PATHS)
async def test_wrong_key_is_a_401_error_without_the_key(echo_server, path):
    with pytest.raises(EchoServiceError, match="HTTP 401") as caught:
        await consume(client_for(echo_server, key=WRONG_KEY), path)
    assert WRONG_KEY not in str(caught.value)
    assert WRONG_KEY not in repr(caught.value)


@pytest.mark.parametrize("path", PATHS)
async def test_slow_service_times_out_with_a_clear_error(path):
    with (
        EchoServer(api_key=SERVICE_KEY, latency_s=1.0) as slow,
        pytest.raises(EchoServiceError, match=r"did not answer within 0\.2 s"),
    ):
        await consume(client_for(slow, timeout=0.2), path)


@pytest.mark.parametrize("path", PATHS)
async def test_server_errors_carry_the_status_and_message(path):
    with (
        EchoServer(api_key=SERVICE_KEY, error_status=HTTPStatus.SERVICE_UNAVAILABLE) as down,
        pytest.raises(EchoServiceError, match="HTTP 503: the service is down"),
    ):
        await consume(client_for(down), path)


@pytest.mark.parametrize("path", PATHS)
async def test_refused_connection_is_a_clear_error(path):
    with EchoServer(api_key=SERVICE_KEY) as server:
        url = server.url
    model = EchoServiceChatModel(n=5, base_url=url, api_key=SERVICE_KEY)
    with pytest.raises(EchoServiceError, match="cannot reach the echo service"):
        await consume(model, path)


class PayloadRecorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.payloads: list[str] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.payloads.append(repr((serialized, messages, kwargs)))

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.payloads.append(repr((response, kwargs)))


def test_key_appears_on_no_surface(echo_server, caplog):
    caplog.set_level(logging.DEBUG)
    model = client_for(echo_server)
    recorder = PayloadRecorder()
    model.invoke("hello", config={"callbacks": [recorder]})
    list(model.stream("hello", config={"callbacks": [recorder]}))
    surfaces = {
        "repr": repr(model),
        "str": str(model),
        "model_dump_json": model.model_dump_json(),
        "model_dump": str(model.model_dump()),
        "dumps": dumps(model),
        "identifying_params": str(model._identifying_params),
        "callbacks": "".join(recorder.payloads),
        "logs": caplog.text,
    }
    with pytest.raises(EchoServiceError) as caught:
        client_for(echo_server, key=WRONG_KEY).invoke("hello")
    surfaces["error"] = str(caught.value)
    assert "httpx" in caplog.text, "DEBUG logs were not captured, so nothing was checked"
    assert len(recorder.payloads) == 4
    for surface, text in surfaces.items():
        assert SERVICE_KEY not in text, surface
        assert WRONG_KEY not in text, surface


def test_messages_reach_the_service_with_their_roles(echo_server):
    model = client_for(echo_server)
    conversation = [ChatMessage(role="user", content="hello"), ChatMessage(role="ai", content="x")]
    assert model.invoke(conversation).content == "hello"


def test_an_unsupported_message_is_refused_before_any_request(echo_server):
    with pytest.raises(ValueError, match="takes human, ai, system and tool messages"):
        client_for(echo_server).invoke([HumanMessage("hi"), FunctionMessage("x", name="f")])


@pytest.mark.parametrize(
    "answer",
    [
        {},
        {"message": {"content": "x"}},
        {
            "message": {"content": "", "tool_calls": [{"id": "1", "name": "f", "arguments": "{"}]},
            "model": "m",
            "finish_reason": "tool_calls",
            "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2},
        },
    ],
)
def test_an_unexpected_answer_is_a_clear_error(answer):
    with pytest.raises(EchoServiceError, match="unexpected answer"):
        _result(answer)


@pytest.mark.parametrize("event", [{"tool_call": {"name": "f"}}, {"usage": {}}, {"model": "m"}])
def test_an_unexpected_event_is_a_clear_error(event):
    with pytest.raises(EchoServiceError, match="unexpected event"):
        _chunk(event)


def test_every_service_model_shares_one_tls_context(echo_server):
    from reference_llm import EchoServiceLLM

    first, second = client_for(echo_server), client_for(echo_server)
    llm = EchoServiceLLM(n=5, base_url=echo_server.url, api_key=SERVICE_KEY)
    assert first._ssl_context is second._ssl_context is llm._ssl_context
