"""Fireworks and Together in the gallery: raw-HTTP completion classes, one fake server each.

``langchain_fireworks:Fireworks`` and ``langchain_together:Together`` are near
twins: ``_call`` posts with ``requests``, ``_acall`` with ``aiohttp``, both to an
OpenAI-style ``/completions`` endpoint (a ``Bearer`` key, ``{"model", "prompt",
"stop", ...}`` in, ``{"choices": [{"text": ...}]}`` out), and neither streams.
Both vendors cut the answer at the stop sequence and leave it out.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from tests.real_classes.case import RealCase, failed, no_stop_field, passed, skipped, text_llm
from tests.real_classes.fake_vendor import VendorHandler, apply_stop, echo_text

FIREWORKS_KEY = "fw-gallery-key-0123456789"
TOGETHER_KEY = "together-gallery-key-0123456789"
FIREWORKS_MODEL = "accounts/fireworks/models/llama-v3p1-8b-instruct"
TOGETHER_MODEL = "mistralai/Mixtral-8x7B-v0.1"

FW = "langchain_fireworks/llms.py"
TG = "langchain_together/llms.py"
CORE = "langchain_core/language_models/llms.py"


class _CompletionsHandler(VendorHandler):
    """The OpenAI-style ``POST .../completions`` both vendors speak; subclasses fill in the rest."""

    path: ClassVar[str]
    key: ClassVar[str]
    required: ClassVar[tuple[str, ...]]
    unauthorized: ClassVar[dict[str, Any]]

    def do_POST(self) -> None:
        """Check the key, then answer the prompt's echo, cut at the stop sequence."""
        body = self.read_json()
        if self.route != self.path:
            self.send_json(404, {"error": {"message": f"no route {self.route}"}})
            return
        if self.headers.get("Authorization") != f"Bearer {self.key}":
            self.send_json(401, self.unauthorized)
            return
        missing = [name for name in self.required if name not in body]
        if missing or not isinstance(body.get("prompt"), str):
            message = f"missing or invalid field(s): {', '.join(missing) or 'prompt'}"
            self.send_json(400, {"error": {"message": message, "type": "invalid_request_error"}})
            return
        # ``stop`` is one string or a list: both clients send ``stop[0]`` alone when
        # given one sequence (fireworks llms.py:154, together llms.py:143).
        stop = body.get("stop")
        stops = [stop] if isinstance(stop, str) else list(stop or [])
        full = echo_text(body["prompt"])
        # Cut before the earliest stop sequence, which is left out: both vendors
        # document it (see the subclasses' docstrings).
        text = apply_stop(full, stops, include=False)
        self.send_json(200, self.completion(body, text, "stop"))

    def completion(self, body: dict[str, Any], text: str, finish_reason: str) -> dict[str, Any]:
        """The response body; both clients read only ``choices[0]["text"]``."""
        prompt_tokens, completion_tokens = len(body["prompt"].split()), len(text.split())
        return {
            "id": f"cmpl-gallery-{len(type(self).requests_seen)}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {"index": 0, "text": text, "finish_reason": finish_reason, "logprobs": None}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


class FireworksHandler(_CompletionsHandler):
    """Fireworks' ``POST /inference/v1/completions``.

    Wire format read from the ``fireworks`` SDK the same package ships:
    route ``/v1/completions`` under ``https://api.fireworks.ai/inference``
    (fireworks/resources/completions.py:1436; langchain's default ``base_url``,
    llms.py:40), a ``Bearer`` key (llms.py:151), ``stop`` a str or a list, and
    "The returned text will NOT contain the stop sequence"
    (fireworks/types/completion_create_params.py:402-405), the response shape of
    fireworks/types/completion_create_response.py:13-35 and types/shared/choice.py.
    A bad key gets 401 with ``{"error": {"code": "UNAUTHORIZED", ...}}`` (the shape
    Fireworks answers, as reported in typeclaw/typeclaw#388); it does not echo the key.
    """

    path = "/inference/v1/completions"
    key = FIREWORKS_KEY
    required = ("model", "prompt")
    unauthorized: ClassVar[dict[str, Any]] = {
        "error": {"code": "UNAUTHORIZED", "message": "The API key you provided is invalid."}
    }


class TogetherHandler(_CompletionsHandler):
    """Together's ``POST /v1/completions``, OpenAI-compatible.

    langchain-together's default ``base_url`` is ``https://api.together.xyz/v1/completions``
    (llms.py:37) and its chat model drives the same host with the openai SDK
    (langchain_together/chat_models.py:319-344), so the OpenAI completion format
    applies: ``stop`` a str or a list, "The returned text will not contain the stop
    sequence" (openai/types/completion_create_params.py:124-128), response as
    openai/types/completion.py:13-41. ``max_tokens`` is required by the endpoint
    (llms.py:88-94). A bad key gets 401 with the body Together really sends (quoted
    from a ``langchain_together`` error in harshitv804/LawGPT#4); it does not echo the key.
    """

    path = "/v1/completions"
    key = TOGETHER_KEY
    required = ("model", "prompt", "max_tokens")
    unauthorized: ClassVar[dict[str, Any]] = {
        "error": {
            "message": "Invalid API key provided. You can find your API key at "
            "https://api.together.xyz/settings/api-keys.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }


def _fireworks(url: str) -> tuple[Any, dict[str, Any]]:
    from langchain_fireworks import Fireworks

    return Fireworks, {
        "model": FIREWORKS_MODEL,
        "api_key": FIREWORKS_KEY,
        "base_url": f"{url}{FireworksHandler.path}",
        "max_tokens": 64,
        "temperature": 0.0,
        "timeout": 5,
    }


def _together(url: str) -> tuple[Any, dict[str, Any]]:
    from langchain_together import Together

    return Together, {
        "model": TOGETHER_MODEL,
        "api_key": TOGETHER_KEY,
        "base_url": f"{url}{TogetherHandler.path}",
        "max_tokens": 64,  # else llms.py:88-94 warns and sets 200
        "temperature": 0.0,
    }


NOT_STREAMING = "defines _call and _acall only, no _stream/_astream/stream/astream"

FIREWORKS_EXPECTED = {
    "interface.llm_type": passed(f"{FW}:109: @property _llm_type returns 'fireworks'"),
    "interface.identifying_params": passed(
        "langchain_core/language_models/base.py:430: not overridden; the inherited property "
        f"returns lc_attributes ({{}}), printed by {CORE}:1377 and stable across instances "
        "(optional in the guide; the model name is not in it)"
    ),
    "interface.signatures": passed(
        f"{FW}:131: _call(prompt, stop, run_manager, **kwargs); {FW}:184: async def _acall(...)"
    ),
    "methods.invoke": passed(f"{FW}:182: _call returns choices[0]['text'] (llms.py:114), a str"),
    "methods.ainvoke": passed(f"{FW}:239: _acall awaits the JSON and returns choices[0]['text']"),
    "methods.batch": passed(f"{FW}:131: batch runs _call once per prompt, in order"),
    "methods.abatch": passed(f"{FW}:184: abatch runs _acall once per prompt, in order"),
    "methods.stream": passed(f"{CORE}:522: no _stream, so stream yields invoke's single str"),
    "methods.astream": passed(f"{CORE}:593: no _astream/_stream, so astream yields ainvoke's"),
    "streaming.new_token": skipped(f"{FW}:131: {NOT_STREAMING}"),
    "streaming.token_before_yield": skipped(f"{FW}:131: {NOT_STREAMING}"),
    "streaming.events": skipped(f"{FW}:131: {NOT_STREAMING}"),
    "stop.respected": passed(
        f"{FW}:154: stop is sent to the vendor (as 'stop', llms.py:158), which stops at "
        "the earliest literal sequence"
    ),
    "stop.included": failed(
        f"{FW}:182: the vendor's text is returned as is, and Fireworks leaves the stop "
        "sequence out (fireworks/types/completion_create_params.py:405)"
    ),
    "secrets.secretstr": passed(f"{FW}:42: fireworks_api_key: SecretStr (alias api_key)"),
    "secrets.no_leak": passed(
        f"{FW}:151: the key goes only into the Authorization header; errors quote the "
        "response body (llms.py:172) or, async, the unawaited response.text's repr with the "
        "URL and response headers (llms.py:230): no key"
    ),
    "async.parity": passed(f"{FW}:207: _acall builds the same payload as _call and parses alike"),
    "async.non_blocking": passed(f"{FW}:217: _acall posts with aiohttp's ClientSession"),
    "async.cancellation": skipped(
        f"{CORE}:596: no native async stream ({FW}:184 is _acall): astream yields "
        "ainvoke's one chunk after the run has ended (on_llm_end fired): nothing to cancel"
    ),
    "callbacks.lifecycle": passed(f"{FW}:131: only _call/_acall overridden; LangChain fires runs"),
    "docs.class_docstring": failed(
        f"{FW}:36: the example calls fireworks.generate([...]) and never builds Fireworks(...)"
    ),
    "docs.init_args": passed(f"{FW}:41: a docstring under each of the 11 fields (41-88)"),
    "docs.api_link": passed(f"{FW}:32: links to https://readme.fireworks.ai/ (API reference)"),
}

TOGETHER_EXPECTED = {
    "interface.llm_type": passed(f"{TG}:98: @property _llm_type returns 'together'"),
    "interface.identifying_params": passed(
        "langchain_core/language_models/base.py:430: not overridden; the inherited property "
        f"returns lc_attributes ({{}}), printed by {CORE}:1377 and stable across instances "
        "(optional in the guide; the model name is not in it)"
    ),
    "interface.signatures": passed(
        f"{TG}:121: _call(prompt, stop, run_manager, **kwargs); {TG}:171: async def _acall(...)"
    ),
    "methods.invoke": passed(f"{TG}:167: _call returns choices[0]['text'] (llms.py:103), a str"),
    "methods.ainvoke": passed(f"{TG}:219: _acall awaits the JSON and returns choices[0]['text']"),
    "methods.batch": passed(f"{TG}:121: batch runs _call once per prompt, in order"),
    "methods.abatch": passed(f"{TG}:171: abatch runs _acall once per prompt, in order"),
    "methods.stream": passed(f"{CORE}:522: no _stream, so stream yields invoke's single str"),
    "methods.astream": passed(f"{CORE}:593: no _astream/_stream, so astream yields ainvoke's"),
    "streaming.new_token": skipped(f"{TG}:121: {NOT_STREAMING}"),
    "streaming.token_before_yield": skipped(f"{TG}:121: {NOT_STREAMING}"),
    "streaming.events": skipped(f"{TG}:121: {NOT_STREAMING}"),
    "stop.respected": passed(
        f"{TG}:143: stop is sent to the vendor (as 'stop', llms.py:147), which stops at "
        "the earliest literal sequence"
    ),
    "stop.included": failed(
        f"{TG}:169: the vendor's text is returned as is, and Together's OpenAI-compatible "
        "API leaves the stop sequence out (openai/types/completion_create_params.py:128)"
    ),
    "secrets.secretstr": passed(f"{TG}:39: together_api_key: SecretStr (alias api_key)"),
    "secrets.no_leak": passed(
        f"{TG}:140: the key goes only into the Authorization header; errors quote the "
        "response body (llms.py:158) or, async, the unawaited response.text's repr with the "
        "URL and response headers (llms.py:211): no key"
    ),
    "async.parity": passed(f"{TG}:193: _acall builds the same payload as _call and parses alike"),
    "async.non_blocking": passed(f"{TG}:203: _acall posts with aiohttp's ClientSession"),
    "async.cancellation": skipped(
        f"{CORE}:596: no native async stream ({TG}:171 is _acall): astream yields "
        "ainvoke's one chunk after the run has ended (on_llm_end fired): nothing to cancel"
    ),
    "callbacks.lifecycle": passed(f"{TG}:121: only _call/_acall overridden; LangChain fires runs"),
    "docs.class_docstring": failed(
        f"{TG}:34: the example builds Together(model_name=...) but never calls it (and "
        "model_name is no field: extra='forbid', llms.py:80)"
    ),
    "docs.init_args": passed(f"{TG}:38: a docstring under each of the 9 fields (38-75)"),
    "docs.api_link": passed(f"{TG}:27: links to https://docs.together.ai/reference/completions"),
}

CASES: list[RealCase] = [
    RealCase(
        name="langchain_fireworks:Fireworks",
        distribution="langchain-fireworks",
        build=_fireworks,
        expected=FIREWORKS_EXPECTED | text_llm(f"{FW}:25", no_stop_field(f"{FW}:25-240")),
        server=FireworksHandler,
        how_built="raw HTTP (requests sync, aiohttp async), native async, no streaming, "
        "fireworks_api_key: SecretStr",
    ),
    RealCase(
        name="langchain_together:Together",
        distribution="langchain-together",
        build=_together,
        expected=TOGETHER_EXPECTED | text_llm(f"{TG}:20", no_stop_field(f"{TG}:20-222")),
        server=TogetherHandler,
        how_built="raw HTTP (requests sync, aiohttp async), native async, no streaming, "
        "together_api_key: SecretStr",
    ),
]
