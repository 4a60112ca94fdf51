"""``langchain_anthropic:ChatAnthropic`` against a fake Messages API that also calls tools.

The text gallery's ``AnthropicHandler`` (tests/real_classes/anthropic.py) already
speaks ``POST /v1/messages`` as the ``anthropic`` SDK reads it: auth, the
``anthropic-version`` header, the ``Message`` body, SSE with named events, and the
service's stop behaviour (cut before the earliest stop sequence, reported in
``stop_sequence``). ``ChatAnthropicHandler`` extends it with what a chat model
uses on top: ``tool_use`` content blocks when ``tools`` are sent and the last user
turn names one (streamed as ``content_block_start`` with the block and
``input_json_delta`` pieces of its input), and the cumulative usage of
``message_delta`` (input and output tokens, anthropic/types/message_delta_usage.py:
"The cumulative number of input tokens which were used"). Paths are relative to
site-packages.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from tests.real_classes.anthropic import API_KEY, AnthropicHandler, _message
from tests.real_classes.case import RealCase, failed, passed
from tests.real_classes.chat_wire import (
    answer,
    call_id,
    called_tools,
    json_pieces,
    last_user_text,
    pieces,
    word_count,
)

MODEL = "claude-sonnet-4-5"
"""A model with a profile, so ``max_tokens`` is set from it (chat_models.py:1394-1402)."""


class ChatAnthropicHandler(AnthropicHandler):
    """The Messages API with tool use, streamed or not.

    Tool use read from the SDK: a request's ``tools`` are ``{name, description,
    input_schema}`` (anthropic/types/tool_param.py); the answer's content holds
    ``{"type": "tool_use", "id": "toolu_...", "name", "input"}`` blocks with
    ``stop_reason`` ``"tool_use"`` (anthropic/types/tool_use_block.py,
    anthropic/types/message.py); streamed, each block opens with
    ``content_block_start`` carrying the block with an empty ``input``, then
    ``content_block_delta`` events of ``{"type": "input_json_delta", "partial_json"}``
    (anthropic/types/input_json_delta.py), then ``content_block_stop``.
    """

    requests_seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        """Answer one Messages API request; the base class refuses what it must."""
        if self.route != "/v1/messages" or not self._allowed():
            super().do_POST()
            return
        body = self.read_json()
        messages = body.get("messages")
        if not isinstance(body.get("max_tokens"), int) or not messages:
            self._error(400, "invalid_request_error", "max_tokens and messages are required")
            return
        prompt = last_user_text(messages)
        text, met = answer(prompt, body.get("stop_sequences"))
        tools = [(t.get("name"), t.get("input_schema")) for t in body.get("tools") or []]
        calls = [
            {"type": "tool_use", "id": call_id("toolu_"), "name": c["name"], "input": c["args"]}
            for c in called_tools([t for t in tools if t[0]], prompt)
        ]
        reason = "tool_use" if calls else ("stop_sequence" if met else "end_turn")
        met = None if calls else met
        output = word_count(text) + 1 + len(calls)
        usage = {"input_tokens": word_count(prompt), "output_tokens": output}
        model = str(body.get("model"))
        content = calls or [{"type": "text", "text": text}]
        if body.get("stream"):
            self._send_chat_events(model, content, reason, met, usage)
            return
        self.send_json(200, _message(model, content, reason, met, usage), {"request-id": "req_1"})

    def _allowed(self) -> bool:
        """True when the key and the version header are right (else the base class answers)."""
        key = self.headers.get("x-api-key") or (self.headers.get("Authorization") or "")[7:]
        return key == API_KEY and bool(self.headers.get("anthropic-version"))

    def _send_chat_events(
        self,
        model: str,
        content: list[dict[str, Any]],
        reason: str,
        met: str | None,
        usage: dict[str, int],
    ) -> None:
        """message_start, one block per content item in deltas, message_delta, message_stop."""
        start = _message(model, [], None, None, {"input_tokens": usage["input_tokens"]})
        start["usage"]["output_tokens"] = 1
        events: list[tuple[str, dict[str, Any]]] = [
            ("message_start", {"type": "message_start", "message": start}),
            ("ping", {"type": "ping"}),
        ]
        for index, block in enumerate(content):
            if block["type"] == "text":
                opened, deltas = {"type": "text", "text": ""}, [
                    {"type": "text_delta", "text": piece} for piece in pieces(block["text"])
                ]
            else:
                opened = {**block, "input": {}}
                deltas = [
                    {"type": "input_json_delta", "partial_json": piece}
                    for piece in json_pieces(block["input"])
                ]
            events.append(
                (
                    "content_block_start",
                    {"type": "content_block_start", "index": index, "content_block": opened},
                )
            )
            events += [
                (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
                for delta in deltas
            ]
            events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        events += [
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": reason, "stop_sequence": met},
                    "usage": usage,  # cumulative: input and output tokens of the whole call
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        self.send_stream(
            "text/event-stream",
            (f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events),
        )


def build_chat_anthropic(url: str) -> tuple[Any, dict[str, Any]]:
    """``ChatAnthropic`` on the fake server (``base_url``/``api_key`` are field aliases)."""
    from langchain_anthropic import ChatAnthropic

    return ChatAnthropic, {
        "model": MODEL,
        "base_url": url,
        "api_key": API_KEY,
        "max_retries": 0,
        "timeout": 5,
    }


CASES: list[RealCase] = [
    RealCase(
        name="langchain_anthropic:ChatAnthropic",
        distribution="langchain-anthropic",
        build=build_chat_anthropic,
        expected={},
        server=ChatAnthropicHandler,
        env={"LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false"},
    ),
]

_ = (failed, passed)
