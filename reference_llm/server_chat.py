"""The echo service's chat endpoint: validate a request, compute its answer and its events.

Pure functions, standard library only; ``reference_llm.server`` serves them at
``POST /v1/chat/completions``. The answer is the one ``EchoChatModel`` gives:
the first ``n`` characters of the last ``user`` message, cut right after the
first stop sequence (kept), or tool calls as ``reference_llm.tool_calls``
decides. The API is described in the README, section "The echo service API".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reference_llm.stop import truncate_at_stop
from reference_llm.tool_calls import forced_name, output_characters, plan_calls, tool_name

MODEL_NAME = "echo-n"
ROLES = ("system", "user", "assistant", "tool")
ARGS_PIECE = 8
"""Characters of a tool call's JSON arguments per streamed event."""


@dataclass(frozen=True)
class ChatRequest:
    """A validated chat request."""

    messages: list[dict[str, str]]
    n: int
    stop: list[str]
    stream: bool
    tools: list[dict[str, Any]]
    tool_choice: str | None
    model: str


def parse_chat_request(payload: Mapping[str, Any]) -> ChatRequest:
    """Validate a chat request body (already decoded); raise ``ValueError`` if it is bad."""
    messages = payload.get("messages")
    if not isinstance(messages, list) or not all(_is_message(m) for m in messages):
        raise ValueError(
            "'messages' must be a list of {'role': one of "
            f"{', '.join(ROLES)}, 'content': string}} objects"
        )
    n, stop, stream = payload.get("n"), payload.get("stop"), payload.get("stream", False)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError("'n' must be an integer >= 0")
    if stop is None:
        stop = []
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise ValueError("'stop' must be a list of strings or null")
    if not isinstance(stream, bool):
        raise ValueError("'stream' must be true or false")
    tools = payload.get("tools")
    if tools is None:
        tools = []
    if not isinstance(tools, list) or not all(isinstance(t, Mapping) for t in tools):
        raise ValueError("'tools' must be a list of tool objects")
    names = [tool_name(tool) for tool in tools]
    tool_choice = _choice(payload.get("tool_choice"))
    forced_name(tool_choice, names)
    model = payload.get("model") or MODEL_NAME
    if not isinstance(model, str):
        raise ValueError("'model' must be a string")
    return ChatRequest(
        [{"role": m["role"], "content": m["content"]} for m in messages],
        n,
        stop,
        stream,
        [dict(tool) for tool in tools],
        tool_choice,
        model,
    )


def _is_message(message: Any) -> bool:
    return (
        isinstance(message, Mapping)
        and message.get("role") in ROLES
        and isinstance(message.get("content"), str)
    )


def _choice(tool_choice: Any) -> str | None:
    """``tool_choice``: a word, a tool's name, or ``{"type": "function", "function": {"name"}}``."""
    if tool_choice is None or isinstance(tool_choice, str):
        return tool_choice
    if isinstance(tool_choice, Mapping):
        function = tool_choice.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            return str(function["name"])
    raise ValueError("'tool_choice' must be a string or {'type': 'function', 'function': {...}}")


def chat_answer(request: ChatRequest) -> dict[str, Any]:
    """The answer to a chat request, as the non-streaming endpoint sends it."""
    users = [i for i, m in enumerate(request.messages) if m["role"] == "user"]
    last = users[-1] if users else None
    prompt = "" if last is None else request.messages[last]["content"]
    later = request.messages[(last + 1) if last is not None else 0 :]
    text = truncate_at_stop(prompt[: request.n], request.stop)
    calls = plan_calls(
        prompt,
        text,
        request.tools,
        request.tool_choice,
        answered=any(m["role"] == "tool" for m in later),
    )
    text = "" if calls else text
    input_tokens = sum(len(m["content"]) for m in request.messages)
    output_tokens = output_characters(text, calls)
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = [
            {"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls
        ]
    return {
        "model": request.model,
        "message": message,
        "finish_reason": "tool_calls" if calls else "stop",
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        },
    }


def chat_events(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The streamed form of an answer: one event per character or argument piece, then usage."""
    message = answer["message"]
    events: list[dict[str, Any]] = [{"content": char} for char in message["content"]]
    for index, call in enumerate(message.get("tool_calls", [])):
        head = {"index": index, "id": call["id"], "name": call["name"], "arguments": ""}
        events.append({"tool_call": head})
        arguments = call["arguments"]
        events.extend(
            {"tool_call": {"index": index, "arguments": arguments[i : i + ARGS_PIECE]}}
            for i in range(0, len(arguments), ARGS_PIECE)
        )
    events.append(
        {
            "finish_reason": answer["finish_reason"],
            "model": answer["model"],
            "usage": answer["usage"],
        }
    )
    return events
