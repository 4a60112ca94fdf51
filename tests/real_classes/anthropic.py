"""Anthropic's Messages API and an Azure ML serverless endpoint, faked on 127.0.0.1.

Two published classes that declare a mixin after their LangChain base class
(``class X(LLM, _Common)``), so the fields and methods of the mixin sit after
langchain-core in the MRO:

- ``langchain_anthropic:AnthropicLLM``: the ``anthropic`` SDK (over ``httpx2``),
  ``POST /v1/messages``, SSE streaming with named events, native async.
- ``langchain_community.llms:AzureMLOnlineEndpoint``: raw ``urllib.request``,
  an Azure ML serverless (OpenAI-style) ``/completions`` endpoint, no streaming,
  no native async.

``langchain_community.llms:Anthropic`` was the brief's second class, but it
cannot be built with the installed ``anthropic`` 2.15: its validator reads
``anthropic.HUMAN_PROMPT``/``AI_PROMPT`` and ``client.count_tokens``
(langchain_community/llms/anthropic.py:106-108) and calls ``client.completions``
(:250), none of which the SDK has any more (the legacy ``/v1/complete`` API is
gone from ``anthropic/resources``), so construction raises ``AttributeError``.
``AzureMLOnlineEndpoint`` replaces it: the same ``Base, Mixin`` shape, built on
raw HTTP instead of an SDK, and on ``_generate`` instead of ``_call``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar

from tests.real_classes.case import RealCase, failed, no_stop_field, passed, skipped, text_llm
from tests.real_classes.fake_vendor import VendorHandler, apply_stop, echo_text

API_KEY = "sk-ant-fake-gallery-key"
AZURE_KEY = "azureml-fake-gallery-key"
PIECES = (3, 5, 4, 6)
"""Sizes of the streamed pieces, cycled: small and not aligned to words."""

LA = "langchain_anthropic/llms.py"
AZ = "langchain_community/llms/azureml_endpoint.py"
CORE = "langchain_core/language_models/llms.py"


def split_text(text: str) -> Iterator[str]:
    """Cut ``text`` into pieces of 3 to 6 characters, deterministically."""
    at, turn = 0, 0
    while at < len(text):
        size = PIECES[turn % len(PIECES)]
        yield text[at : at + size]
        at, turn = at + size, turn + 1


def _bearer(handler: VendorHandler) -> str:
    """The token of an ``Authorization: Bearer ...`` header, or ``""``."""
    scheme, _, token = (handler.headers.get("Authorization") or "").partition(" ")
    return token if scheme.lower() == "bearer" else ""


# --- Anthropic: the Messages API ----------------------------------------------------


class AnthropicHandler(VendorHandler):
    """``POST /v1/messages``, JSON or SSE, as the anthropic SDK reads them.

    Read from the SDK: the route and the request body (``max_tokens``,
    ``messages``, ``model``, ``stop_sequences``, ``stream``) in
    anthropic/resources/messages/messages.py:1264-1283 (``create``) and
    :1386-1404 (``stream``, which posts ``"stream": true``); the auth header in
    anthropic/_client.py:373-381 (this SDK sends ``Authorization: Bearer <key>``;
    the real service also takes ``x-api-key``, both are accepted) and the
    ``anthropic-version`` header at :396; the response ``Message`` in
    anthropic/types/message.py; the SSE framing in anthropic/_streaming.py:91-117
    (``event:`` names are required: an event without one is skipped, ``ping`` is
    skipped, ``error`` raises) and the event order the stream helper needs in
    anthropic/lib/streaming/_messages.py:482-486 (``message_start`` first) and
    :488-554 (``content_block_start``, ``content_block_delta``, ``message_delta``).
    """

    requests_seen: ClassVar[list[dict[str, Any]]] = []

    def end_headers(self) -> None:
        """Close each connection after its answer (see the note below)."""
        # AnthropicLLM builds one AsyncAnthropic per instance (llms.py:99-104) and the
        # harness runs every async call on a fresh event loop: a kept-alive connection
        # pooled by one loop and reused by the next raises "Event loop is closed", at
        # random, on whichever async call picks it. The real service keeps connections
        # alive; this server does not, so that the verdicts are about the class, not
        # about the harness's loops (reported as a harness issue).
        self.send_header("Connection", "close")
        super().end_headers()

    def do_POST(self) -> None:
        """Answer one Messages API request."""
        body = self.read_json()
        if self.route != "/v1/messages":
            self._error(404, "not_found_error", f"Not found: {self.route}")
            return
        key = self.headers.get("x-api-key") or _bearer(self)
        if key != API_KEY:
            # The service's answer to a bad key: 401 with an ``ErrorResponse`` holding an
            # ``authentication_error`` (anthropic/types/shared/error_response.py,
            # anthropic/types/shared/authentication_error_object.py:15); the SDK does not
            # retry a 401 (anthropic/_base_client.py:939-972).
            self._error(401, "authentication_error", "invalid x-api-key")
            return
        if not self.headers.get("anthropic-version"):
            self._error(400, "invalid_request_error", "anthropic-version: header is required")
            return
        messages = body.get("messages")
        if not isinstance(body.get("max_tokens"), int) or not messages:
            self._error(400, "invalid_request_error", "max_tokens and messages are required")
            return
        # The service stops at the earliest stop sequence and leaves it OUT of the text;
        # it names the one it met in ``stop_sequence`` with ``stop_reason`` "stop_sequence"
        # (anthropic/types/message.py:98 and :110-114, message_create_params.py:179-188).
        full = echo_text(_last_user_text(messages))
        stops = body.get("stop_sequences") or []
        text = apply_stop(full, stops, include=False)
        met = _first_stop(full, stops)
        reason = "stop_sequence" if met else "end_turn"
        model = str(body.get("model"))
        usage = {"input_tokens": len(full.split()), "output_tokens": len(text.split()) + 1}
        if body.get("stream"):
            self._send_events(model, text, reason, met, usage)
            return
        message = _message(model, [{"type": "text", "text": text}], reason, met, usage)
        self.send_json(200, message, {"request-id": "req_fake_0001"})

    def _error(self, status: int, kind: str, message: str) -> None:
        """The service's error body (anthropic/types/shared/error_response.py)."""
        payload = {
            "type": "error",
            "error": {"type": kind, "message": message},
            "request_id": "req_fake_0001",
        }
        self.send_json(status, payload, {"request-id": "req_fake_0001"})

    def _send_events(
        self, model: str, text: str, reason: str, met: str | None, usage: dict[str, int]
    ) -> None:
        """The SSE stream: start, a text block in small deltas, delta, stop."""
        start = _message(model, [], None, None, {**usage, "output_tokens": 1})
        events: list[tuple[str, dict[str, Any]]] = [
            ("message_start", {"type": "message_start", "message": start}),
            (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "text", "text": ""},
                },
            ),
            ("ping", {"type": "ping"}),
        ]
        events += [
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": piece},
                },
            )
            for piece in split_text(text)
        ]
        events += [
            ("content_block_stop", {"type": "content_block_stop", "index": 0}),
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": reason, "stop_sequence": met},
                    "usage": {"output_tokens": usage["output_tokens"]},
                },
            ),
            ("message_stop", {"type": "message_stop"}),
        ]
        self.send_stream(
            "text/event-stream",
            (f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events),
        )


def _first_stop(text: str, stops: list[str]) -> str | None:
    """The stop sequence that occurs first in ``text`` (what ``stop_sequence`` reports)."""
    found = [(text.find(s), s) for s in stops if s and s in text]
    return min(found)[1] if found else None


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    """The text of the last user turn (a str, or a list of text blocks)."""
    content = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return str(content or "")


def _message(
    model: str,
    content: list[dict[str, Any]],
    reason: str | None,
    met: str | None,
    usage: dict[str, int],
) -> dict[str, Any]:
    """A ``Message`` as anthropic/types/message.py defines it."""
    return {
        "id": "msg_fake_0001",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": reason,
        "stop_sequence": met,
        "usage": usage,
    }


def _anthropic_llm(url: str) -> tuple[Any, dict[str, Any]]:
    from langchain_anthropic import AnthropicLLM

    # ``base_url``/``api_key`` are the aliases of anthropic_api_url/anthropic_api_key
    # (langchain_anthropic/llms.py:56-73); the harness's canary replaces ``api_key``.
    # max_retries=0: a fault shows at once, not after the SDK's back-off (a 401 is never
    # retried anyway).
    return AnthropicLLM, {
        "model": "claude-sonnet-4-5",
        "base_url": url,
        "api_key": API_KEY,
        "max_retries": 0,
    }


ANTHROPIC_EXPECTED = {
    "interface.llm_type": passed(f"{LA}:156-159: `_llm_type` is a property returning a str"),
    "interface.identifying_params": passed(
        f"{LA}:171-184: a property returning plain config values (no client, no key)"
    ),
    "interface.signatures": passed(
        f"{LA}:240-246, 294-300, 327-333, 373-379: _call, async _acall, generator _stream and "
        "async generator _astream take (prompt, stop, run_manager, **kwargs)"
    ),
    "methods.invoke": passed(f"{LA}:283-288: messages.create, returns content[0].text (a str)"),
    "methods.ainvoke": passed(f"{LA}:320-325: await async_client.messages.create, a str"),
    "methods.batch": passed(
        f"{CORE}:421: LangChain's batch over _call (not overridden), in input order"
    ),
    "methods.abatch": passed(
        f"{CORE}:468: LangChain's abatch over _acall (not overridden), in input order"
    ),
    "methods.stream": passed(
        f"{LA}:361-371: yields each content_block_delta text, joining to the message text"
    ),
    "methods.astream": passed(f"{LA}:407-417: the same over the async client"),
    "streaming.new_token": passed(
        f"{LA}:368-370 and 414-416: on_llm_new_token(chunk.text, chunk=chunk) once per chunk, "
        "awaited on the async path"
    ),
    "streaming.token_before_yield": passed(
        f"{LA}:370-371 and 416-417: the callback fires, then `yield chunk`"
    ),
    "streaming.events": passed(f"{LA}:413-417: _astream fires on_llm_new_token per chunk"),
    "stop.respected": passed(
        f"{LA}:283-286, 320-323, 361-364, 407-410: stop passed as stop_sequences on every path; "
        "the service stops at the earliest one, literally"
    ),
    "stop.included": failed(
        f"{LA}:288: returns the service's text as is; the Messages API leaves the stop "
        "sequence out (anthropic/types/message.py:110-114 reports it in stop_sequence) and "
        "the class does not add it back"
    ),
    "secrets.secretstr": passed(
        f"{LA}:70-73: anthropic_api_key typed SecretStr (listed in lc_secrets, {LA}:161-164)"
    ),
    "secrets.no_leak": passed(
        f"{LA}:93-104: the raw key goes only to the two SDK clients; params, repr and dumps "
        "show SecretStr or the clients' object reprs, and the 401 names no key"
    ),
    "async.parity": passed(f"{LA}:294-325 and 373-417: async twins mirror the sync code"),
    "async.non_blocking": passed(
        f"{LA}:320 and 407: awaits the SDK's AsyncAnthropic (httpx2 async transport)"
    ),
    "async.cancellation": passed(
        f"{LA}:407-417: `async with ...messages.stream(...)` closes the response when the "
        "consumer cancels"
    ),
    "callbacks.lifecycle": passed(
        f"{LA}:240-417: overrides only _call/_acall/_stream/_astream; LangChain fires start/end"
    ),
    "docs.class_docstring": failed(
        f"{LA}:143-148: the example builds AnthropicLLM(model=...) but never calls it"
    ),
    "docs.init_args": failed(
        f"{LA}:28-30, 76-82: _AnthropicCommon's client, async_client, HUMAN_PROMPT, AI_PROMPT, "
        "count_tokens and model_kwargs have no docstring"
    ),
    "docs.api_link": failed(
        f"{LA}:138-149: service-backed (api key, base URL) but the docstring has no "
        "http(s):// link to Anthropic's API docs"
    ),
}


# --- Azure ML: a serverless (OpenAI-style) completions endpoint ---------------------


class AzureMLHandler(VendorHandler):
    """``POST /completions`` of an Azure ML serverless deployment.

    Read from the client: the URL is ``endpoint_url`` itself, which must end in
    ``/completions`` for ``endpoint_api_type="serverless"``
    (langchain_community/llms/azureml_endpoint.py:475-483); the key travels as
    ``Authorization: Bearer <key>`` (:57-60, urllib at :64-68); the body is
    ``{"prompt": <escaped prompt>, **model_kwargs}`` with ``stop`` among the
    kwargs (:307-308, :553-554); the answer is OpenAI-style ``choices[0].text``
    with ``finish_reason`` and ``logprobs`` (:328-345).
    """

    requests_seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        """Answer one completion request."""
        body = self.read_json()
        if self.route not in ("/completions", "/v1/completions"):
            self.send_json(404, {"error": {"code": "NotFound", "message": "Not found"}})
            return
        if _bearer(self) != AZURE_KEY:
            # A bad key is refused with 401; the client reads no error body (urllib raises
            # HTTPError, azureml_endpoint.py:65), so this is Azure's usual error envelope.
            error = {"code": "Unauthorized", "message": "Access denied: invalid key"}
            self.send_json(401, {"error": error})
            return
        prompt = body.get("prompt")
        if not isinstance(prompt, str):
            error = {"code": "BadRequest", "message": "'prompt' is required"}
            self.send_json(400, {"error": error})
            return
        full = echo_text(prompt)
        stop = body.get("stop")
        stops = [stop] if isinstance(stop, str) else list(stop or [])
        # Serverless completions follow OpenAI's completions API: "The returned text will
        # not contain the stop sequence" (openai/types/completion_create_params.py:124-129).
        text = apply_stop(full, stops, include=False)
        choice = {
            "index": 0,
            "text": text,
            "finish_reason": "stop",
            "logprobs": None,
        }
        self.send_json(
            200,
            {
                "id": "cmpl-fake-0001",
                "object": "text_completion",
                "created": 0,
                "model": "fake-serverless-model",
                "choices": [choice],
                "usage": {
                    "prompt_tokens": len(prompt.split()),
                    "completion_tokens": len(text.split()),
                    "total_tokens": len(prompt.split()) + len(text.split()),
                },
            },
        )


def _azureml_endpoint(url: str) -> tuple[Any, dict[str, Any]]:
    from langchain_community.llms.azureml_endpoint import (
        AzureMLOnlineEndpoint,
        CustomOpenAIContentFormatter,
    )

    return AzureMLOnlineEndpoint, {
        "endpoint_url": f"{url}/completions",
        "endpoint_api_type": "serverless",
        "endpoint_api_key": AZURE_KEY,
        "content_formatter": CustomOpenAIContentFormatter(),
        "timeout": 10,
    }


AZUREML_EXPECTED = {
    "interface.llm_type": passed(f"{AZ}:528-531: `_llm_type` is a property returning a str"),
    "interface.identifying_params": passed(
        f"{AZ}:519-526: a property returning deployment_name and model_kwargs"
    ),
    "interface.signatures": passed(
        f"{AZ}:533-539: the class's only model method, _generate(prompts, stop, run_manager, "
        "**kwargs), takes what LangChain passes"
    ),
    "methods.invoke": passed(f"{AZ}:557-568: one request per prompt, Generation(text=str)"),
    "methods.ainvoke": passed(f"{CORE}:683-712: LangChain runs _generate in an executor"),
    "methods.batch": passed(f"{AZ}:557-569: generations appended in prompt order"),
    "methods.abatch": passed(f"{CORE}:683-712: the same _generate, in an executor"),
    "methods.stream": passed(f"{CORE}:522-524: no _stream; stream falls back to invoke"),
    "methods.astream": passed(f"{CORE}:592-597: no _astream; astream falls back to ainvoke"),
    "streaming.new_token": skipped(f"{AZ}:505-569: neither _stream nor _astream is defined"),
    "streaming.token_before_yield": skipped(f"{AZ}:505-569: the class does not stream"),
    "streaming.events": skipped(f"{AZ}:505-569: the class does not stream"),
    "stop.respected": passed(
        f"{AZ}:553-554: stop sent as model_kwargs['stop']; the endpoint cuts at the earliest "
        "one, literally; :340 strips the answer's whitespace, which leaves nothing after the stop"
    ),
    "stop.included": failed(
        f"{AZ}:339-340: returns the endpoint's text (stripped); OpenAI-style completions leave "
        "the stop sequence out and the class does not add it back"
    ),
    "secrets.secretstr": passed(f"{AZ}:376: endpoint_api_key typed SecretStr"),
    "secrets.no_leak": passed(
        f"{AZ}:495-500: the raw key lives only inside http_client (AzureMLEndpointClient, "
        ":41-42), whose object repr shows no key; params hold no key (:519-526)"
    ),
    "async.parity": passed(f"{CORE}:683-712: ainvoke/abatch run the same _generate"),
    "async.non_blocking": passed(
        f"{CORE}:705-712: the blocking urllib call ({AZ}:64-68) runs in an executor thread"
    ),
    "async.cancellation": skipped(
        f"{AZ}:505-569: no _stream/_astream; LangChain's astream fallback ({CORE}:592-597) "
        "yields its one chunk after ainvoke returned, so there is no stream of the class's "
        "own to cancel"
    ),
    "callbacks.lifecycle": passed(f"{AZ}:533-569: only _generate; LangChain fires start/end"),
    "docs.class_docstring": failed(
        f"{AZ}:506-517: the example builds AzureMLOnlineEndpoint(...) but never calls it"
    ),
    "docs.init_args": failed(
        f"{AZ}:387-389: the mixin AzureMLBaseEndpoint's http_client and max_retries have no "
        "docstring"
    ),
    "docs.api_link": failed(
        f"{AZ}:506-517: service-backed (endpoint_url, endpoint_api_key) but the docstring "
        "holds only a placeholder URL (https://<your-endpoint>...), no link to the API docs"
    ),
}


CASES: list[RealCase] = [
    RealCase(
        name="langchain_anthropic:AnthropicLLM",
        distribution="langchain-anthropic",
        build=_anthropic_llm,
        expected=ANTHROPIC_EXPECTED
        | text_llm(f"{LA}:137", no_stop_field(f"{LA}:27-133 (_AnthropicCommon), 137-428")),
        server=AnthropicHandler,
        how_built="anthropic SDK (httpx2), Messages API, SSE streaming, native async, "
        "SecretStr api key",
    ),
    RealCase(
        name="langchain_community.llms:AzureMLOnlineEndpoint",
        distribution="langchain-community",
        build=_azureml_endpoint,
        expected=AZUREML_EXPECTED
        | text_llm(f"{AZ}:505", no_stop_field(f"{AZ}:365-502 (AzureMLBaseEndpoint), 505-569")),
        server=AzureMLHandler,
        how_built="raw urllib.request, serverless /completions, no streaming, async via "
        "LangChain's executor, SecretStr endpoint key",
    ),
]
