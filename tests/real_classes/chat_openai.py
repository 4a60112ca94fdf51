"""OpenAI-style chat classes, against one fake ``/v1/chat/completions`` server.

``langchain_openai:ChatOpenAI`` and ``langchain_together:ChatTogether`` both drive
the ``openai`` SDK's ``client.chat.completions.create`` (``BaseChatOpenAI``,
langchain_openai/chat_models/base.py:1867-1942 and :1944-2014): ``POST
{base_url}/chat/completions`` with ``Authorization: Bearer KEY``, SSE chunks when
``stream`` is true, ended by ``data: [DONE]``. One handler speaks the format; the
Together one differs only in its key and its 401 body. Paths below are relative
to site-packages.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any, ClassVar

from tests.real_classes.case import RealCase, failed, passed, skipped
from tests.real_classes.chat_wire import (
    answer,
    call_id,
    called_tools,
    json_pieces,
    last_user_text,
    pieces,
    word_count,
)
from tests.real_classes.fake_vendor import VendorHandler
from tests.real_classes.fireworks_together import TogetherHandler
from tests.real_classes.openai_compat import NO_KEY, masked

OPENAI_KEY = "sk-gallery-chat-5b1e9c3a7f20d846"
TOGETHER_KEY = "together-gallery-chat-key-9d3f1a"
OPENAI_MODEL = "gpt-4o-mini"
"""A Chat Completions model: not one the class routes to the Responses API (base.py:767-779)."""
TOGETHER_MODEL = "meta-llama/Llama-3.3-70B-Instruct-Turbo"


class ChatCompletionsHandler(VendorHandler):
    """OpenAI's Chat Completions API, as the ``openai`` SDK calls it.

    Read in openai/resources/chat/completions/completions.py: ``POST
    /chat/completions`` (line 1612) with ``security={"bearer_auth": True}``
    (:1662), i.e. ``Authorization: Bearer KEY``; ``stop``: "Up to 4 sequences where
    the API will stop generating further tokens. The returned text will not contain
    the stop sequence." (:1493-1495). The answer is a ``ChatCompletion``
    (openai/types/chat/chat_completion.py: choices of ``message`` with ``content``
    and ``tool_calls`` of ``{id, type: "function", function: {name, arguments}}``,
    ``finish_reason`` ``"stop"`` or ``"tool_calls"``, ``model``, ``usage``);
    streamed, ``ChatCompletionChunk`` events whose ``delta`` carries the content or
    ``tool_calls`` with their ``index`` (the first chunk of a call holds its id and
    name, the next ones pieces of ``arguments``), and, only when
    ``stream_options.include_usage`` is set, one last chunk with empty ``choices`` and
    the ``usage`` (openai/types/chat/chat_completion_stream_options_param.py:24-30).
    """

    api_key: ClassVar[str] = OPENAI_KEY

    def do_POST(self) -> None:
        """``/v1/chat/completions``; any other path is OpenAI's 404."""
        body = self.read_json()
        if self.route != "/v1/chat/completions":
            self.openai_error(404, f"Invalid URL (POST {self.route})", None)
            return
        if not self.authorized():
            return
        messages = body.get("messages")
        if not body.get("model") or not isinstance(messages, list) or not messages:
            missing = "model" if not body.get("model") else "messages"
            self.openai_error(400, f"you must provide a {missing} parameter", missing)
            return
        prompt = last_user_text(messages)
        text, _ = answer(prompt, body.get("stop"))
        calls = self.tool_calls(body, prompt)
        meta = self.meta(body)
        usage = {
            "prompt_tokens": word_count(prompt),
            "completion_tokens": word_count(text) + len(calls),
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self.send_sse(self.events(meta, text, calls, usage if include_usage else None))
            return
        message: dict[str, Any] = {"role": "assistant", "content": None if calls else text}
        message["refusal"] = None
        if calls:
            message["tool_calls"] = [
                {"id": call["id"], "type": "function", "function": call["function"]}
                for call in calls
            ]
        choice = {
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": "tool_calls" if calls else "stop",
        }
        self.send_json(200, {**meta, "object": "chat.completion", "choices": [choice], "usage": usage})

    def tool_calls(self, body: dict[str, Any], prompt: str) -> list[dict[str, Any]]:
        """The calls to answer with: the bound tools the last user turn names."""
        tools = [
            (tool["function"]["name"], tool["function"].get("parameters"))
            for tool in body.get("tools") or []
            if tool.get("type") == "function" and tool.get("function", {}).get("name")
        ]
        return [
            {
                "id": call_id("call_"),
                "function": {"name": call["name"], "arguments": json.dumps(call["args"])},
            }
            for call in called_tools(tools, prompt)
        ]

    def authorized(self) -> bool:
        """Bearer auth; OpenAI answers 401 ``invalid_request_error`` otherwise."""
        header = self.headers.get("Authorization", "")
        key = header[7:].strip() if header.startswith("Bearer ") else ""
        if not key:
            self.reject(NO_KEY, None)
            return False
        if key != self.api_key:
            self.reject(
                f"Incorrect API key provided: {masked(key)}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                "invalid_api_key",
            )
            return False
        return True

    def reject(self, message: str, code: str | None) -> None:
        """OpenAI's 401: an ``error`` object, the wrong key shown masked."""
        self.openai_error(401, message, None, code)

    def openai_error(
        self, status: int, message: str, param: str | None, code: str | None = None
    ) -> None:
        """OpenAI's error body: ``{"error": {message, type, param, code}}``."""
        error = {"message": message, "type": "invalid_request_error", "param": param}
        self.send_json(status, {"error": error | {"code": code}})

    def meta(self, body: dict[str, Any]) -> dict[str, Any]:
        """The fields every ``ChatCompletion`` and chunk carries."""
        digest = hashlib.sha256(repr(body.get("messages")).encode()).hexdigest()[:24]
        return {
            "id": f"chatcmpl-{digest}",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": None,
        }

    def events(
        self,
        meta: dict[str, Any],
        text: str,
        calls: list[dict[str, Any]],
        usage: dict[str, int] | None,
    ) -> list[dict[str, Any]]:
        """The SSE chunks: role, content or tool-call pieces, finish, then usage if asked."""
        chunk = {**meta, "object": "chat.completion.chunk"}
        if usage is not None:
            chunk["usage"] = None  # every chunk but the last carries a null usage

        def event(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return {**chunk, "choices": [choice]}

        events = [event({"role": "assistant", "content": "", "refusal": None})]
        if calls:
            for index, call in enumerate(calls):
                name = call["function"]["name"]
                first = {"index": index, "id": call["id"], "type": "function"}
                first["function"] = {"name": name, "arguments": ""}
                events.append(event({"tool_calls": [first]}))
                events += [
                    event({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
                    for piece in _argument_pieces(call["function"]["arguments"])
                ]
        else:
            events += [event({"content": piece}) for piece in pieces(text)]
        events.append(event({}, "tool_calls" if calls else "stop"))
        if usage is not None:
            events.append({**chunk, "choices": [], "usage": usage})
        return events


def _argument_pieces(arguments: str) -> list[str]:
    """The JSON text of a call's arguments in pieces."""
    return json_pieces(json.loads(arguments))


class TogetherChatHandler(ChatCompletionsHandler):
    """Together's OpenAI-compatible ``POST /v1/chat/completions``.

    langchain-together's ``ChatTogether`` points the openai SDK at
    ``https://api.together.xyz/v1/`` (langchain_together/chat_models.py:319-322) and
    reads its answers with ``BaseChatOpenAI``'s code, so the OpenAI wire format above
    applies; streamed usage follows OpenAI's ``stream_options.include_usage`` contract
    (an assumption: Together documents its API as OpenAI-compatible). A bad key gets
    Together's 401 body, the one the text gallery's ``TogetherHandler`` answers.
    """

    api_key: ClassVar[str] = TOGETHER_KEY

    def reject(self, message: str, code: str | None) -> None:
        """Together's 401: it does not echo the key."""
        self.send_json(401, TogetherHandler.unauthorized)


def build_chat_openai(url: str) -> tuple[Any, dict[str, Any]]:
    """``langchain_openai.ChatOpenAI`` on the fake server, otherwise as configured by default."""
    from langchain_openai import ChatOpenAI

    params = {
        "model": OPENAI_MODEL,
        "api_key": OPENAI_KEY,
        "base_url": f"{url}/v1",
        "temperature": 0,
        "timeout": 5,
        "max_retries": 0,
    }
    return ChatOpenAI, params


def build_chat_together(url: str) -> tuple[Any, dict[str, Any]]:
    """``langchain_together.ChatTogether`` on the fake server."""
    from langchain_together import ChatTogether

    params = {
        "model": TOGETHER_MODEL,
        "api_key": TOGETHER_KEY,
        "base_url": f"{url}/v1/",
        "temperature": 0,
        "timeout": 5,
        "max_retries": 0,
    }
    return ChatTogether, params


CASES: list[RealCase] = [
    RealCase(
        name="langchain_openai:ChatOpenAI",
        distribution="langchain-openai",
        build=build_chat_openai,
        expected={},
        server=ChatCompletionsHandler,
        env={"LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false"},
    ),
    RealCase(
        name="langchain_together:ChatTogether",
        distribution="langchain-together",
        build=build_chat_together,
        expected={},
        server=TogetherChatHandler,
        env={"LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false"},
    ),
]
