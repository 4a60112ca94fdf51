"""Ollama in the gallery: ``OllamaLLM`` (langchain-ollama) and ``Ollama`` (langchain-community).

Both talk to one fake Ollama server that speaks ``POST /api/generate`` as the
real one does: a JSON request with ``model``, ``prompt`` and ``options``
(``options.stop`` holds the stop sequences), answered with NDJSON parts
``{"model", "created_at", "response", "done": false}`` and a terminal part with
``"response": ""``, ``"done": true``, ``"done_reason"`` and the timings, or with
one JSON object when ``"stream": false``. Errors are ``{"error": "..."}``.

Paths are relative to site-packages; ``ollama/ollama`` paths are the Go server's
repository on GitHub (read for the stop semantics).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from tests.real_classes.case import RealCase, failed, passed, skipped, text_llm
from tests.real_classes.fake_vendor import VendorHandler, apply_stop, echo_text

MODEL = "llama3.1"
"""The one model the fake server has pulled (it answers to ``llama3.1:latest`` too)."""
CREATED_AT = "2025-01-01T00:00:00.000000000Z"
PIECE_SIZES = (3, 5, 4, 6)
"""Lengths of the streamed pieces, cycled: small and not aligned to words."""


def _pieces(text: str) -> Iterator[str]:
    """Split ``text`` into the "tokens" the fake model generates."""
    at, turn = 0, 0
    while at < len(text):
        size = PIECE_SIZES[turn % len(PIECE_SIZES)]
        yield text[at : at + size]
        at, turn = at + size, turn + 1


def _holds_stop_prefix(text: str, stop: list[str]) -> bool:
    """True when ``text`` ends with the beginning of a stop sequence."""
    return any(text.endswith(s[:i]) for s in stop for i in range(1, len(s) + 1))


def generate(prompt: str, stop: list[str] | None) -> list[str]:
    """The ``response`` fragments the server sends for ``prompt``, stop honoured.

    As Ollama's runner does (ollama/ollama runner/ollamarunner/runner.go,
    ``processBatch``): each generated piece is appended to the pending text;
    when a stop sequence appears the pending text is cut *before* it
    (runner/common/stop.go ``TruncateStop``: the stop sequence is dropped) and
    generation ends; while the pending text ends with the beginning of a stop
    sequence it is held back (``ContainsStopSuffix``); otherwise it is flushed.
    """
    stop = [s for s in stop or [] if isinstance(s, str)]
    sent: list[str] = []
    pending = ""
    for piece in _pieces(echo_text(prompt)):
        pending += piece
        cut = apply_stop(pending, stop, include=False)  # Ollama drops the stop sequence
        if cut != pending:
            pending = cut
            break
        if _holds_stop_prefix(pending, stop):
            continue
        sent.append(pending)
        pending = ""
    if pending:
        sent.append(pending)
    return sent


def _final(model: str, response: str, fragments: int, prompt: str) -> dict[str, Any]:
    """The terminal part (or the whole non-streamed answer), with Ollama's timings."""
    return {
        "model": model,
        "created_at": CREATED_AT,
        "response": response,
        "done": True,
        "done_reason": "stop",
        "context": [1, 2, 3],
        "total_duration": 5_000_000,
        "load_duration": 1_000_000,
        "prompt_eval_count": len(prompt.split()),
        "prompt_eval_duration": 1_000_000,
        "eval_count": fragments,
        "eval_duration": 3_000_000,
    }


class OllamaHandler(VendorHandler):
    """The Ollama HTTP API: ``/api/generate``, and ``/api/tags``/``/api/show`` for look-ups.

    A local Ollama needs no key. Behind ollama.com or an auth proxy a wrong
    ``Authorization`` header gets ``401 {"error": "unauthorized"}``; the SDK sends
    ``Bearer $OLLAMA_API_KEY`` when that variable is set (ollama/_client.py:112-114),
    so the cases set it empty and a stray header is rejected.
    """

    def _send_text(self, status: int, text: str) -> None:
        """A plain-text answer, as Go's net/http gives for ``/`` and unknown paths."""
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _model_known(self, name: object) -> bool:
        """True for the pulled model, with or without its ``:latest`` tag."""
        return name in (MODEL, f"{MODEL}:latest")

    def handle(self) -> None:
        """Serve the connection; a client hanging up (a cancelled stream) is not an error."""
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            super().handle()

    def _rejected(self) -> bool:
        """Answer 401 to a request carrying a key this server does not know."""
        if not self.headers.get("Authorization"):
            return False
        self.send_json(401, {"error": "unauthorized"})
        return True

    def do_GET(self) -> None:
        """``/`` (health), ``/api/version``, ``/api/tags`` (ollama/_client.py:652 ``list``)."""
        if self._rejected():
            return
        if self.route == "/":
            self._send_text(200, "Ollama is running")
        elif self.route == "/api/version":
            self.send_json(200, {"version": "0.12.6"})
        elif self.route == "/api/tags":
            self.send_json(200, {"models": [_tag()]})
        else:
            self._send_text(404, "404 page not found")

    def do_POST(self) -> None:
        """``/api/generate`` (ollama/_client.py:285-309, NDJSON read at :195) and ``/api/show``."""
        try:
            body = self.read_json()
        except ValueError:
            self.send_json(400, {"error": "invalid JSON"})
            return
        if self._rejected():
            return
        if self.route == "/api/generate":
            self._generate(body)
        elif self.route == "/api/show":
            if not self._model_known(body.get("model")):
                self.send_json(404, {"error": f"model '{body.get('model')}' not found"})
                return
            self.send_json(
                200,
                {
                    "modelfile": f"FROM {MODEL}",
                    "parameters": "",
                    "template": "{{ .Prompt }}",
                    "details": _tag()["details"],
                    "model_info": {"general.architecture": "llama"},
                    "capabilities": ["completion"],
                },
            )
        else:
            self._send_text(404, "404 page not found")

    def _generate(self, body: dict[str, Any]) -> None:
        """``/api/generate``: NDJSON parts then the terminal part, or one object."""
        model = body.get("model")
        if not model:
            self.send_json(400, {"error": "model is required"})
            return
        if not self._model_known(model):
            # Ollama's 404; langchain_community/llms/ollama.py:265 turns it into
            # OllamaEndpointNotFoundError, ollama/_client.py:193 into ResponseError.
            self.send_json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return
        prompt = body.get("prompt") or ""
        options = body.get("options") or {}
        fragments = generate(prompt, options.get("stop"))
        if body.get("stream", True) is False:  # Ollama streams unless told not to
            self.send_json(200, _final(model, "".join(fragments), len(fragments), prompt))
            return
        parts: list[dict[str, Any]] = [
            {"model": model, "created_at": CREATED_AT, "response": text, "done": False}
            for text in fragments
        ]
        parts.append(_final(model, "", len(fragments), prompt))
        self.send_ndjson(parts)


def _tag() -> dict[str, Any]:
    """One entry of ``/api/tags``: the model the server holds."""
    return {
        "name": f"{MODEL}:latest",
        "model": f"{MODEL}:latest",
        "modified_at": CREATED_AT,
        "size": 4_920_753_328,
        "digest": "46e0c10c039e019119339687c3c1757cc81b9da49709a3b3924863ba87ca666e",
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": "llama",
            "families": ["llama"],
            "parameter_size": "8.0B",
            "quantization_level": "Q4_K_M",
        },
    }


def _build_ollama_llm(url: str) -> tuple[Any, dict[str, Any]]:
    from langchain_ollama import OllamaLLM

    # validate_model_on_init stays False (langchain_ollama/llms.py:130): no /api/tags call.
    # The one AsyncClient made at construction (langchain_ollama/llms.py:339) pools its
    # connections, and a pooled connection is bound to the event loop that opened it: the
    # harness runs each async call on a fresh loop, so a reused connection raises
    # "RuntimeError: Event loop is closed" on whichever async calls happen to pick one
    # (verdicts then change from run to run). Asking for `Connection: close` through the
    # documented async_client_kwargs keeps no connection across loops.
    return OllamaLLM, {
        "model": MODEL,
        "base_url": url,
        "async_client_kwargs": {"headers": {"Connection": "close"}},
    }


def _build_community_ollama(url: str) -> tuple[Any, dict[str, Any]]:
    from langchain_community.llms import Ollama

    return Ollama, {"model": MODEL, "base_url": url}


NO_KEY_ENV = {"OLLAMA_API_KEY": ""}
"""Keep a real key in the user's environment off the wire (ollama/_client.py:112)."""

LLM = "langchain_ollama/llms.py"
COMMUNITY = "langchain_community/llms/ollama.py"
BOTH_STOPS_RAISE = (
    "raise ValueError('`stop` found in both the input and default params.') when a "
    "call-time stop comes on top of it"
)
STOP_DROPPED = (
    "and the Ollama server cuts the text before the stop sequence and drops it "
    "(ollama/ollama runner/common/stop.go TruncateStop)"
)

OLLAMA_LLM = RealCase(
    name="langchain_ollama:OllamaLLM",
    distribution="langchain-ollama",
    build=_build_ollama_llm,
    server=OllamaHandler,
    env=NO_KEY_ENV,
    how_built=(
        "ollama SDK (httpx Client/AsyncClient), native async, streams NDJSON on both paths "
        "(invoke aggregates the stream), no credential field; async keep-alive off "
        "(Connection: close) so that no pooled connection outlives its event loop"
    ),
    expected=text_llm(
        f"{LLM}:25",
        failed(
            f"{LLM}:187: a stop init field, sent when no call-time stop is given "
            f"({LLM}:273-274, 290), but {LLM}:270-272 {BOTH_STOPS_RAISE}"
        ),
    )
    | {
        "interface.llm_type": passed(f"{LLM}:309: _llm_type is a property returning 'ollama-llm'"),
        "interface.identifying_params": passed(
            "langchain_core/language_models/base.py:430: not overridden; the inherited "
            "property returns lc_attributes ({}), a stable JSON-serialisable dict (empty: the "
            "model name is not in the LLM cache key, which the rule does not ask for)"
        ),
        "interface.signatures": passed(
            f"{LLM}:499: _stream(self, prompt, stop, run_manager, **kwargs) is a generator, "
            f"{LLM}:530: _astream an async generator; _call/_acall are not defined "
            "(_generate/_agenerate instead)"
        ),
        "methods.invoke": passed(
            f"{LLM}:470: _generate aggregates the /api/generate stream into one "
            "GenerationChunk per prompt"
        ),
        "methods.ainvoke": passed(
            f"{LLM}:489: _agenerate awaits _astream_with_aggregation over the AsyncClient "
            f"(with keep-alive off, see the build: with it on, the one AsyncClient made at "
            f"{LLM}:339 is bound to the first event loop, and the instance raises 'Event loop "
            "is closed' when a later asyncio.run reuses a pooled connection)"
        ),
        "methods.batch": passed(f"{LLM}:469: _generate loops over the prompts in order"),
        "methods.abatch": passed(f"{LLM}:488: _agenerate loops over the prompts in order"),
        "methods.stream": passed(
            f"{LLM}:507: _stream yields one GenerationChunk per NDJSON part's response"
        ),
        "methods.astream": passed(
            f"{LLM}:538: _astream yields one GenerationChunk per NDJSON part's response"
        ),
        "streaming.new_token": failed(
            f"{LLM}:524: run_manager.on_llm_new_token(chunk.text, verbose=...) passes no "
            f"chunk= (the same at {LLM}:555 in _astream)"
        ),
        "streaming.token_before_yield": passed(
            f"{LLM}:523: on_llm_new_token fires before `yield chunk` at :528 (and :554/:559)"
        ),
        "streaming.events": passed(
            f"{LLM}:555: on_llm_new_token per chunk; langchain_core/tracers/event_stream.py:466 "
            "builds the on_llm_stream chunk from the token when chunk= is missing"
        ),
        "stop.respected": passed(
            f"{LLM}:290: stop goes to the server in options.stop, which ends generation at "
            "the first stop sequence to appear (ollama/ollama runner/ollamarunner/runner.go)"
        ),
        "stop.included": failed(
            f"{LLM}:290: stop is only forwarded in options.stop {STOP_DROPPED}; {LLM}:514 "
            "yields the response text as is, never adding the stop sequence back"
        ),
        "secrets.secretstr": skipped(
            f"{LLM}:211: base_url (userinfo auth, turned into a header at :327) and {LLM}:233 "
            "client_kwargs (a dict) are the only ways to pass auth: no field named as a "
            "credential, no lc_secrets"
        ),
        "secrets.no_leak": skipped(
            f"{LLM}:211: no credential field to put a canary in (base_url, client_kwargs only)"
        ),
        "async.parity": passed(
            f"{LLM}:480: _agenerate mirrors _generate (:461) and _astream (:530) mirrors "
            "_stream (:499), callbacks included"
        ),
        "async.non_blocking": passed(
            f"{LLM}:339: the async path uses ollama.AsyncClient (httpx.AsyncClient), awaited "
            "at :356"
        ),
        "async.cancellation": passed(
            f"{LLM}:538: _astream iterates the SDK's `async with client.stream(...)` "
            "(ollama/_client.py:804), so closing the generator closes the response"
        ),
        "callbacks.lifecycle": passed(
            f"{LLM}:461: only _generate/_stream are overridden; BaseLLM fires "
            "on_llm_start/on_llm_end, the class only on_llm_new_token"
        ),
        "docs.class_docstring": passed(
            f"{LLM}:73: the docstring shows OllamaLLM(model=...) and model.invoke(...) at :85"
        ),
        "docs.init_args": passed(
            f"{LLM}:113: every field, model through sync_client_kwargs (:250), has a docstring"
        ),
        "docs.api_link": passed(f"{LLM}:34: the docstring links https://ollama.com/download"),
    },
)

COMMUNITY_OLLAMA = RealCase(
    name="langchain_community.llms:Ollama",
    distribution="langchain-community",
    build=_build_community_ollama,
    server=OllamaHandler,
    env=NO_KEY_ENV,
    how_built=(
        "raw HTTP (requests sync, aiohttp async), native async, streams NDJSON on both paths "
        "(invoke aggregates the stream), fields in the _OllamaCommon mixin listed after "
        "BaseLLM, no credential field (headers dict, auth tuple/callable)"
    ),
    expected=text_llm(
        f"{COMMUNITY}:398",
        failed(
            f"{COMMUNITY}:98: a stop init field, sent when no call-time stop is given "
            f"({COMMUNITY}:226-227, 288-289), but {COMMUNITY}:224-225 (async: 286-287) "
            f"{BOTH_STOPS_RAISE}"
        ),
    )
    | {
        "interface.llm_type": passed(
            f"{COMMUNITY}:412: _llm_type is a property returning 'ollama-llm'"
        ),
        "interface.identifying_params": passed(
            f"{COMMUNITY}:182: _OllamaCommon._identifying_params returns model, format and "
            "_default_params (:154): plain values, the same for identical instances"
        ),
        "interface.signatures": passed(
            f"{COMMUNITY}:480: _stream(self, prompt, stop, run_manager, **kwargs) is a generator, "
            f"{COMMUNITY}:497: _astream an async generator; _call/_acall are not defined"
        ),
        "methods.invoke": passed(
            f"{COMMUNITY}:437: _generate aggregates the /api/generate stream per prompt"
        ),
        "methods.ainvoke": passed(
            f"{COMMUNITY}:469: _agenerate awaits _astream_with_aggregation over aiohttp"
        ),
        "methods.batch": passed(f"{COMMUNITY}:436: _generate loops over the prompts in order"),
        "methods.abatch": passed(f"{COMMUNITY}:468: _agenerate loops over the prompts in order"),
        "methods.stream": passed(
            f"{COMMUNITY}:487: _stream yields one GenerationChunk per NDJSON line (requests)"
        ),
        "methods.astream": passed(
            f"{COMMUNITY}:504: _astream yields one GenerationChunk per NDJSON line (aiohttp)"
        ),
        "streaming.new_token": failed(
            f"{COMMUNITY}:491: run_manager.on_llm_new_token(chunk.text, verbose=...) passes no "
            f"chunk= (the same at {COMMUNITY}:508 in _astream)"
        ),
        "streaming.token_before_yield": passed(
            f"{COMMUNITY}:490: on_llm_new_token fires before `yield chunk` at :495 (and :512)"
        ),
        "streaming.events": passed(
            f"{COMMUNITY}:508: on_llm_new_token per chunk; "
            "langchain_core/tracers/event_stream.py:466 builds the on_llm_stream chunk from "
            "the token when chunk= is missing"
        ),
        "stop.respected": passed(
            f"{COMMUNITY}:240: stop goes to the server in options.stop, which ends generation "
            "at the first stop sequence to appear (ollama/ollama runner/ollamarunner/runner.go)"
        ),
        "stop.included": failed(
            f"{COMMUNITY}:240: stop is only forwarded in options.stop {STOP_DROPPED}; "
            f"{COMMUNITY}:37 takes the response text as is, never adding the stop back"
        ),
        "secrets.secretstr": skipped(
            f"{COMMUNITY}:143: headers (a dict) and {COMMUNITY}:149: auth (a tuple or callable) "
            "carry auth but are not string fields named as credentials; no lc_secrets"
        ),
        "secrets.no_leak": skipped(
            f"{COMMUNITY}:149: no credential field to put a canary in (headers, auth only)"
        ),
        "async.parity": passed(
            f"{COMMUNITY}:448: _agenerate mirrors _generate (:416) and _astream (:497) mirrors "
            "_stream (:480), callbacks included"
        ),
        "async.non_blocking": passed(
            f"{COMMUNITY}:315: the async path posts with aiohttp.ClientSession, awaited"
        ),
        "async.cancellation": passed(
            f"{COMMUNITY}:315: _acreate_stream reads inside `async with` aiohttp session and "
            "response, so closing the generator closes both"
        ),
        "callbacks.lifecycle": passed(
            f"{COMMUNITY}:416: only _generate/_stream are overridden; BaseLLM fires "
            "on_llm_start/on_llm_end, the class only on_llm_new_token"
        ),
        "docs.class_docstring": failed(
            f'{COMMUNITY}:404: the example only builds Ollama(model="llama2"); it never '
            "calls it (no .invoke/.stream)"
        ),
        "docs.init_args": passed(
            f"{COMMUNITY}:46: every _OllamaCommon field, base_url through auth (:149), has a "
            "docstring"
        ),
        "docs.api_link": passed(f"{COMMUNITY}:400: the docstring links https://ollama.ai/"),
    },
)

CASES: list[RealCase] = [OLLAMA_LLM, COMMUNITY_OLLAMA]
