"""The echo service's chat endpoint, as a client sees it on the wire."""

from __future__ import annotations

import json

import httpx
import pytest

from reference_llm.server import CHAT_COMPLETIONS
from tests.conftest import SERVICE_KEY

HEADERS = {"Authorization": f"Bearer {SERVICE_KEY}"}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
ADDER = {
    "type": "function",
    "function": {
        "name": "add",
        "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}},
    },
}


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def post(server, body: dict) -> httpx.Response:
    return httpx.post(f"{server.url}{CHAT_COMPLETIONS}", json=body, headers=HEADERS)


def stream_events(server, body: dict) -> list:
    with httpx.stream(
        "POST", f"{server.url}{CHAT_COMPLETIONS}", json={**body, "stream": True}, headers=HEADERS
    ) as response:
        assert response.headers["content-type"] == "text/event-stream"
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    return [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]


def test_answer_echoes_the_last_user_message(echo_server):
    messages = [
        {"role": "system", "content": "be brief"},
        user("first question"),
        {"role": "assistant", "content": "ok"},
        user("second question"),
    ]
    response = post(echo_server, {"messages": messages, "n": 6})
    assert response.status_code == 200
    assert response.json() == {
        "model": "echo-n",
        "message": {"role": "assistant", "content": "second"},
        "finish_reason": "stop",
        "usage": {"input_tokens": 8 + 14 + 2 + 15, "output_tokens": 6, "total_tokens": 45},
    }


def test_stop_is_included_and_the_earliest_wins(echo_server):
    body = {"messages": [user("hello world")], "n": 11, "stop": ["world", "ell"]}
    assert post(echo_server, body).json()["message"]["content"] == "hell"


def test_the_model_name_is_echoed_back(echo_server):
    body = {"messages": [user("hi")], "n": 2, "model": "echo-n-large"}
    assert post(echo_server, body).json()["model"] == "echo-n-large"


def test_no_user_message_answers_nothing(echo_server):
    body = {"messages": [{"role": "system", "content": "sys"}], "n": 5}
    assert post(echo_server, body).json()["message"]["content"] == ""


def test_stream_sends_one_event_per_character_then_the_usage(echo_server):
    events = stream_events(echo_server, {"messages": [user("hey you")], "n": 7, "stop": ["y"]})
    assert events == [
        {"content": "h"},
        {"content": "e"},
        {"content": "y"},
        {
            "finish_reason": "stop",
            "model": "echo-n",
            "usage": {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10},
        },
    ]


def test_a_mentioned_tool_is_called(echo_server):
    body = {"messages": [user("use get_weather")], "n": 64, "tools": [WEATHER, ADDER]}
    answer = post(echo_server, body).json()
    assert answer["finish_reason"] == "tool_calls"
    assert answer["message"]["content"] == ""
    (call,) = answer["message"]["tool_calls"]
    assert call["name"] == "get_weather"
    assert json.loads(call["arguments"]) == {"city": "use get_weather"}
    assert call["id"].startswith("call_")
    assert answer["usage"]["output_tokens"] == len("get_weather") + len(call["arguments"])


def test_streamed_tool_calls_keep_their_indexes(echo_server):
    body = {"messages": [user("add then get_weather")], "n": 64, "tools": [WEATHER, ADDER]}
    events = stream_events(echo_server, body)
    pieces = [event["tool_call"] for event in events if "tool_call" in event]
    heads = [piece for piece in pieces if "name" in piece]
    assert [(h["index"], h["name"], h["arguments"]) for h in heads] == [
        (0, "add", ""),
        (1, "get_weather", ""),
    ]
    assert heads[0]["id"] != heads[1]["id"]
    joined = {i: "".join(p["arguments"] for p in pieces if p["index"] == i) for i in (0, 1)}
    assert json.loads(joined[0]) == {"a": 0}
    assert json.loads(joined[1]) == {"city": "add then get_weather"}
    assert events[-1]["finish_reason"] == "tool_calls"


def test_a_tool_result_after_the_question_gets_a_text_answer(echo_server):
    messages = [
        user("use get_weather"),
        {"role": "assistant", "content": ""},
        {"role": "tool", "content": "sunny"},
    ]
    answer = post(echo_server, {"messages": messages, "n": 3, "tools": [WEATHER]}).json()
    assert answer["message"] == {"role": "assistant", "content": "use"}


@pytest.mark.parametrize(
    ("tool_choice", "expected"),
    [
        ("none", []),
        ("required", ["get_weather"]),
        ({"type": "function", "function": {"name": "add"}}, ["add"]),
        ("add", ["add"]),
    ],
)
def test_tool_choice(echo_server, tool_choice, expected):
    body = {"messages": [user("hi")], "n": 2, "tools": [WEATHER, ADDER], "tool_choice": tool_choice}
    calls = post(echo_server, body).json()["message"].get("tool_calls", [])
    assert [call["name"] for call in calls] == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"n": 1}, "'messages' must be a list"),
        ({"messages": [{"role": "robot", "content": "x"}], "n": 1}, "'messages' must be a list"),
        ({"messages": [{"role": "user", "content": 3}], "n": 1}, "'messages' must be a list"),
        ({"messages": [], "n": -1}, "'n' must be an integer >= 0"),
        ({"messages": [], "n": 1, "stop": "x"}, "'stop' must be a list"),
        ({"messages": [], "n": 1, "stream": 1}, "'stream' must be"),
        ({"messages": [], "n": 1, "tools": {}}, "'tools' must be a list"),
        ({"messages": [], "n": 1, "tools": [{"type": "function"}]}, "a tool must be"),
        ({"messages": [], "n": 1, "tools": [WEATHER], "tool_choice": "add"}, "neither one of"),
        ({"messages": [], "n": 1, "tool_choice": {"type": "function"}}, "'tool_choice' must"),
        ({"messages": [], "n": 1, "tool_choice": "required"}, "needs at least one tool"),
        ({"messages": [], "n": 1, "model": 5}, "'model' must be a string"),
    ],
)
def test_bad_chat_requests_are_400_json_errors(echo_server, body, message):
    response = post(echo_server, body)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request"
    assert message in response.json()["error"]["message"]


def test_the_chat_endpoint_wants_the_key(echo_server):
    wrong = "sk-wrong-chat-31a9"
    response = httpx.post(
        f"{echo_server.url}{CHAT_COMPLETIONS}",
        json={"messages": [user("x")], "n": 1},
        headers={"Authorization": f"Bearer {wrong}"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"
    assert wrong not in response.text
    assert SERVICE_KEY not in response.text
