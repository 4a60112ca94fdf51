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
import sys
import time
from typing import Any, ClassVar

from tests.real_classes.case import Expect, RealCase, failed, passed
from tests.real_classes.chat_wire import (
    answer,
    call_id,
    called_tools,
    json_pieces,
    last_user_text,
    pieces,
    word_count,
)
from tests.real_classes.fireworks_together import TogetherHandler
from tests.real_classes.openai_compat import OpenAIAuthHandler

OPENAI_KEY = "sk-gallery-chat-5b1e9c3a7f20d846"
TOGETHER_KEY = "together-gallery-chat-key-9d3f1a"
OPENAI_MODEL = "gpt-4o-mini"
"""A Chat Completions model: not one the class routes to the Responses API (base.py:767-779)."""
TOGETHER_MODEL = "meta-llama/Llama-3.3-70B-Instruct-Turbo"


class ChatCompletionsHandler(OpenAIAuthHandler):
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
        self.send_json(
            200, {**meta, "object": "chat.completion", "choices": [choice], "usage": usage}
        )

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


BO = "langchain_openai/chat_models/base.py"
TG = "langchain_together/chat_models.py"
CORE = "langchain_core/language_models/chat_models.py"
SDK_STOP = (
    "openai/resources/chat/completions/completions.py:1493-1495: the returned text will "
    "not contain the stop sequence"
)
CORE_TOKENS = (
    f"{CORE}:837,854: LangChain's stream calls _stream without a run manager and fires "
    "on_llm_new_token itself once per chunk (astream :970-991)"
)


CANCEL_SWALLOWED = sys.version_info < (3, 12)
"""``asyncio.wait_for`` loses a cancel that lands as its awaitable completes before 3.12."""
CANCEL_EVIDENCE = (
    f"{BO}:2206-2210: _astream reads the SSE chunks through _astream_with_chunk_timeout, "
    "and with the default stream_chunk_timeout of 120 s (base.py:1105-1108) "
    "langchain_openai/chat_models/_client_utils.py:651 awaits each chunk in "
    "asyncio.wait_for(it.__anext__(), timeout)"
)
CANCELLATION = (
    failed(
        f"{CANCEL_EVIDENCE}: before Python 3.12 wait_for returns the chunk instead of raising "
        "when the cancel lands as the chunk is ready (CPython gh-86296, fixed in 3.12 by "
        "wait_for on asyncio.timeout), so a cancelled astream goes on to its end; a race: "
        "a cancel that lands while the chunk is still awaited is raised, so some runs pass"
    ).racy()
    if CANCEL_SWALLOWED
    else passed(
        f"{CANCEL_EVIDENCE}, which from Python 3.12 raises the cancel; {BO}:2204: `async "
        "with` the SDK's AsyncStream closes the response"
    )
)


def openai_style(stream_at: str, how_usage_is_off: str) -> dict[str, Expect]:
    """The verdicts ``BaseChatOpenAI``'s code gives both classes.

    ``stream_at`` names the ``_stream``/``_astream`` the class runs; ``how_usage_is_off``
    says why its streamed chunks carry no usage.
    """
    return {
        "interface.identifying_params": passed(
            f"{BO}:2322-2325: model_name and _default_params (1563-1595: model, stream, "
            "temperature, stop..., plain values), no client and no key"
        ),
        "methods.invoke": passed(
            f"{BO}:1944-2014: _generate posts the messages, 2066-2160 builds the AIMessage"
        ),
        "methods.ainvoke": passed(f"{BO}:2299: _agenerate awaits the AsyncOpenAI client"),
        "methods.batch": passed(f"{CORE}:770: no batch override; one invoke per input, in order"),
        "methods.abatch": passed(f"{CORE}:901: no abatch override; one ainvoke per input"),
        "methods.stream": passed(
            f"{stream_at}; {BO}:1908-1930: one ChatGenerationChunk per SSE chunk, joining to "
            "the text invoke returns"
        ),
        "methods.astream": passed(f"{BO}:2206-2230: one chunk per SSE chunk, async"),
        "streaming.new_token": passed(
            f"{BO}:1920-1925, 2222-2227: the class fires on_llm_new_token only when handed a "
            f"run manager, which {CORE_TOKENS}: exactly one per chunk"
        ),
        "streaming.token_before_yield": passed(
            f"{CORE}:854-856: LangChain fires on_llm_new_token, then yields (:991-993)"
        ),
        "streaming.events": passed(f"{BO}:2163-2243: a native _astream; {CORE}:991"),
        "stop.respected": passed(
            f"{BO}:2043-2046: stop goes into the request payload; the service cuts at the "
            "earliest literal stop sequence on every path"
        ),
        "stop.included": failed(
            f"{BO}:2043-2046: stop is only sent and never added back; {SDK_STOP}"
        ),
        "stop.bound": passed(
            f"{BO}:1147: stop: list[str] | str | None (alias stop_sequences) goes into "
            "_default_params (1574) and so into every request; a call-time stop replaces it "
            f"in the payload ({BO}:2043-2046, {{**_default_params, **kwargs}}): call-time "
            "wins, nothing raises"
        ),
        "async.parity": passed(f"{BO}:2163-2316: the async twins mirror the sync code"),
        "async.non_blocking": passed(f"{BO}:2194,2299: the async paths await AsyncOpenAI"),
        "async.cancellation": CANCELLATION,
        "callbacks.lifecycle": passed(
            f"{BO}:1867-2316: only _generate/_stream and their twins; LangChain opens and "
            "closes each run with on_chat_model_start/on_llm_end"
        ),
        "chat.usage_metadata": failed(
            f"{BO}:2126-2130: invoke's AIMessage carries the response's usage, but the stream "
            f"carries none: {how_usage_is_off}, so _should_stream_usage ({BO}:1848-1865) is "
            f"False, {BO}:1879-1880 never asks for stream_options.include_usage, and the "
            "service streams usage only when asked "
            "(openai/types/chat/chat_completion_stream_options_param.py:24-30)"
        ),
        "chat.response_metadata": passed(
            f"{BO}:2144: invoke names the response's model (merged into response_metadata, "
            f"{CORE}:2085-2089); {BO}:1671-1672: the finishing chunk names the same model"
        ),
        "chat.tool_calls": passed(
            f"{BO}:2511: bind_tools overridden; {BO}:240-250: parse_tool_call gives name, "
            f"dict args and the service's id; {BO}:571-593: streamed tool_calls become "
            "tool_call_chunks keyed by the service's index"
        ),
    }


CHAT_OPENAI_EXPECTED = openai_style(
    f"{BO}:3865-3869: ChatOpenAI._stream passes *args, **kwargs to BaseChatOpenAI._stream",
    f"{BO}:1435-1454: validate_environment turns stream_usage on only when no base URL "
    "is set (and no OPENAI_BASE_URL), and any URL but OpenAI's leaves it None",
) | {
    "interface.llm_type": passed(f"{BO}:2375-2381: @property _llm_type returns 'openai-chat'"),
    "interface.signatures": passed(
        f"{BO}:3865 and 3871: _stream/_astream are pass-through (*args, **kwargs) "
        f"dispatchers to {BO}:1867 and 2163, which take messages, stop, run_manager, "
        f"**kwargs, as do _generate ({BO}:1944) and _agenerate (2245)"
    ),
    "secrets.secretstr": passed(
        f"{BO}:814-816: openai_api_key: SecretStr | None | Callable (a callable holds no text)"
    ),
    "secrets.no_leak": passed(
        f"{BO}:1456-1470: the raw key is resolved only into the SDK clients (797-803, "
        "excluded from dumps); the service's 401 shows the key masked"
    ),
    "docs.class_docstring": passed(
        f"{BO}:2988 builds `model = ChatOpenAI(...)`, {BO}:3035 calls `model.invoke(messages)`"
    ),
    "docs.init_args": failed(
        f"{BO}:797-803,884,1020-1022: client, async_client, root_client, root_async_client, "
        "openai_proxy, default_headers and default_query have no docstring or description"
    ),
    "docs.api_link": passed(
        f"{BO}:2934: links the official OpenAI API specification "
        "(https://github.com/openai/openai-openapi); 3005 the chat/create reference"
    ),
}

CHAT_TOGETHER_EXPECTED = openai_style(
    f"{TG}:18: no _stream of its own: BaseChatOpenAI._stream ({BO}:1867)",
    f"{TG}:330-365: ChatTogether's validate_environment replaces BaseChatOpenAI's and never "
    "sets stream_usage, so it stays None whatever the URL",
) | {
    "interface.llm_type": passed(f"{TG}:296-299: @property _llm_type returns 'together-chat'"),
    "interface.signatures": passed(
        f"{BO}:1867, 1944, 2163, 2245: the inherited _stream, _generate, _astream and "
        "_agenerate take messages, stop, run_manager, **kwargs"
    ),
    "secrets.secretstr": passed(
        f"{TG}:311: together_api_key: Optional[SecretStr]; the inherited openai_api_key "
        f"({BO}:814-816) is SecretStr | None | Callable"
    ),
    "secrets.no_leak": passed(
        f"{TG}:338-362: the raw key goes only into the openai SDK clients; the service's 401 "
        "does not echo it"
    ),
    "docs.class_docstring": passed(
        f"{TG}:53 builds `llm = ChatTogether(...)`, {TG}:73 calls `llm.invoke(messages)`"
    ),
    "docs.init_args": failed(
        f"{TG}:319: together_api_base has no docstring, nor have the inherited "
        f"{BO}:797-803,884,1020-1022 client, async_client, root_client, root_async_client, "
        "openai_proxy, default_headers and default_query"
    ),
    "docs.api_link": failed(
        f"{TG}:19-260: service-backed (together_api_key, together_api_base) but the "
        "docstring holds no http(s):// link to Together's API documentation"
    ),
}

NO_TRACING = {"LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false"}

CASES: list[RealCase] = [
    RealCase(
        name="langchain_openai:ChatOpenAI",
        distribution="langchain-openai",
        build=build_chat_openai,
        expected=CHAT_OPENAI_EXPECTED,
        server=ChatCompletionsHandler,
        env=NO_TRACING,
        kind="chat",
        how_built="openai SDK 3.x, Chat Completions over SSE on both paths, native async "
        "(AsyncOpenAI), tool calls; api_key a SecretStr | None | Callable; default config "
        "(stream_usage left as the class sets it for a custom base_url)",
    ),
    RealCase(
        name="langchain_together:ChatTogether",
        distribution="langchain-together",
        build=build_chat_together,
        expected=CHAT_TOGETHER_EXPECTED,
        server=TogetherChatHandler,
        env=NO_TRACING,
        kind="chat",
        how_built="BaseChatOpenAI subclass: the openai SDK against Together's "
        "OpenAI-compatible /v1/chat/completions, SSE, native async, tool calls; "
        "together_api_key a SecretStr",
    ),
]
