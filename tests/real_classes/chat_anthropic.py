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
                opened, deltas = (
                    {"type": "text", "text": ""},
                    [{"type": "text_delta", "text": piece} for piece in pieces(block["text"])],
                )
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


CA = "langchain_anthropic/chat_models.py"
CORE = "langchain_core/language_models/chat_models.py"

CHAT_ANTHROPIC_EXPECTED = {
    "interface.llm_type": passed(f"{CA}:1618-1621: @property _llm_type returns 'anthropic-chat'"),
    "interface.identifying_params": passed(
        f"{CA}:1650-1667: model, max_tokens, temperature, ..., plain config values; no client, "
        "no key"
    ),
    "interface.signatures": passed(
        f"{CA}:2198, 2248, 2602, 2623: _stream (generator), _astream (async generator), "
        "_generate and async _agenerate take messages, stop, run_manager, **kwargs"
    ),
    "methods.invoke": passed(
        f"{CA}:2602-2621: _generate posts the messages; 2580-2590 the AIMessage"
    ),
    "methods.ainvoke": passed(f"{CA}:2623-2640: _agenerate awaits the AsyncAnthropic client"),
    "methods.batch": passed(f"{CORE}:770: no batch override; one invoke per input, in order"),
    "methods.abatch": passed(f"{CORE}:901: no abatch override; one ainvoke per input"),
    "methods.stream": passed(
        f"{CA}:2225-2242: one chunk per SSE event; text deltas join to invoke's text"
    ),
    "methods.astream": passed(f"{CA}:2275-2292: the same over the async client"),
    "streaming.new_token": passed(
        f"{CA}:2240-2241, 2290-2291: the class fires on_llm_new_token only when handed a run "
        f"manager, which LangChain's stream never passes ({CORE}:837, 970-974); LangChain "
        f"fires it once per chunk itself ({CORE}:854, 991)"
    ),
    "streaming.token_before_yield": passed(
        f"{CORE}:854-856: LangChain fires on_llm_new_token, then yields (:991-993)"
    ),
    "streaming.events": passed(f"{CA}:2248-2295: a native _astream; {CORE}:991"),
    "stop.respected": passed(
        f"{CA}:1951: stop_sequences = stop or self.stop_sequences in every request; the service "
        "stops at the earliest one, literally"
    ),
    "stop.included": failed(
        f"{CA}:1951: stop is only sent, never added back; the Messages API leaves the stop "
        "sequence out of the text and names it in stop_sequence "
        "(anthropic/types/message.py:110-114)"
    ),
    "stop.bound": passed(
        f"{CA}:1420: stop_sequences (alias stop) is sent when no call-time stop is given "
        f"({CA}:1951, `stop or self.stop_sequences`); a call-time stop replaces it: call-time "
        "wins, nothing raises"
    ),
    "secrets.secretstr": passed(
        f"{CA}:1432: anthropic_api_key typed SecretStr; mcp_servers, also in lc_secrets "
        f"({CA}:1633), is a list of server configs ({CA}:1552), no text field to type SecretStr"
    ),
    "secrets.no_leak": passed(
        f"{CA}:1748-1756: the raw key is read only into the SDK clients' params (a cached "
        "property, not a field); repr and dumps show SecretStr, and the 401 names no key"
    ),
    "async.parity": passed(f"{CA}:2248-2295, 2623-2640: the async twins mirror the sync code"),
    "async.non_blocking": passed(f"{CA}:2187-2196: the async paths await AsyncAnthropic"),
    "async.cancellation": passed(
        f"{CA}:2275: _astream only awaits the SDK's async stream; cancelling it at an await "
        "leaves no task of its own running"
    ),
    "callbacks.lifecycle": passed(
        f"{CA}:2198-2640: only _generate/_stream and their twins; LangChain opens and closes "
        "each run with on_chat_model_start/on_llm_end"
    ),
    "docs.class_docstring": passed(
        f"{CA}:1355-1356: `model = ChatAnthropic(model=...)` then `model.invoke(...)`"
    ),
    "docs.init_args": failed(f"{CA}:1464: model_kwargs has no docstring or description"),
    "docs.api_link": passed(
        f"{CA}:1329: links the Claude Platform docs (https://platform.claude.com/...), 1383 the "
        "messages.create API reference"
    ),
    "chat.usage_metadata": passed(
        f"{CA}:2594: invoke's usage from the response; streamed, the message_start chunk "
        f"holds no usage ({CA}:2334-2346) and message_delta's cumulative usage is set once "
        f"({CA}:2494-2497), total = input + output ({CA}:3363-3390)"
    ),
    "chat.response_metadata": passed(
        f"{CA}:2575-2576: invoke's model_name is the response's model; {CA}:2338: the "
        "message_start chunk names the same model"
    ),
    "chat.tool_calls": passed(
        f"{CA}:2675: bind_tools overridden; {CA}:2585-2590: tool_use blocks become tool_calls "
        f"(name, dict input, the service's toolu_ id); {CA}:2365-2390, 2455-2475: streamed "
        "blocks become tool_call_chunks keyed by the block index"
    ),
}

CASES: list[RealCase] = [
    RealCase(
        name="langchain_anthropic:ChatAnthropic",
        distribution="langchain-anthropic",
        build=build_chat_anthropic,
        expected=CHAT_ANTHROPIC_EXPECTED,
        server=ChatAnthropicHandler,
        env={"LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false"},
        kind="chat",
        how_built="anthropic SDK (httpx2), Messages API over SSE with named events on both "
        "paths, native async, tool_use blocks, usage in message_delta; api_key a SecretStr",
    ),
]
