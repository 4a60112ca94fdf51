"""Hugging Face's two ``HuggingFaceEndpoint`` classes, against a fake text-generation-inference.

Both call ``huggingface_hub``'s ``InferenceClient``/``AsyncInferenceClient``; with
``endpoint_url`` the SDK posts straight to that URL in TGI's wire format (see
``TGIHandler``). The server plays TGI launched with ``--api-key`` and, for the
community class's ``login()``, the Hub's ``/api/whoami-v2``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from tests.real_classes.case import (
    PLAIN_STR_KEY,
    Expect,
    RealCase,
    failed,
    passed,
    skipped,
    text_llm,
)
from tests.real_classes.fake_vendor import VendorHandler, echo_text

TGI_API_KEY = "tgi-gallery-api-key-0123456789"
"""The key the fake TGI was "launched" with (``--api-key``); sent via ``HF_TOKEN``."""
MAX_STOP_SEQUENCES = 4
"""TGI's default ``--max-stop-sequences``."""
PIECE_SIZES = (4, 3, 5, 6)
PUNCTUATION = re.compile(r"([.,;:!?()])")

HF_ENV = {
    # huggingface_hub reads it when first imported (constants.py:244); build() re-applies it in
    # case it was imported earlier. Telemetry off: build_hf_headers() would otherwise fetch
    # the agent registry from the Hub (utils/_headers.py:183-187, utils/_detect_agent.py:189).
    "HF_HUB_DISABLE_TELEMETRY": "1",
    # With a non-Hub endpoint_url the LangChain class sends no token itself
    # (langchain_huggingface/llms/huggingface_endpoint.py:268-269); the SDK then falls back to
    # get_token(), i.e. HF_TOKEN (huggingface_hub/inference/_providers/hf_inference.py:30-32).
    "HF_TOKEN": TGI_API_KEY,
    # Not HF_HUB_OFFLINE=1: in huggingface_hub 1.x it blocks every request made through
    # get_session(), the endpoint_url calls included (huggingface_hub/utils/_http.py:283-286).
}


def tgi_tokens(text: str) -> list[str]:
    """Split text as a sub-word tokenizer does: punctuation alone, the rest in 3-6 character pieces.

    Pieces run across word boundaries, so multi-character stop sequences can straddle them.
    """
    tokens: list[str] = []
    for run in PUNCTUATION.split(text):
        at = 0
        while at < len(run):
            size = PIECE_SIZES[len(tokens) % len(PIECE_SIZES)]
            tokens.append(run[at : at + size])
            at += size
    return tokens


def tgi_generate(prompt: str, stop: list[str]) -> tuple[list[str], str]:
    """The tokens TGI emits and its finish reason.

    TGI checks its stop sequences after every token, as ``re.escape(stop) + "$"`` on the text
    generated so far (TGI's server/text_generation_server/utils/tokens.py, StopSequenceCriteria):
    it stops once the output ENDS with a stop sequence and keeps it in ``generated_text``
    (the client strips it back off: langchain_huggingface/llms/huggingface_endpoint.py:382-386).
    A stop sequence that ends inside a token is not seen.
    """
    emitted: list[str] = []
    output = ""
    for token in tgi_tokens(echo_text(prompt)):
        emitted.append(token)
        output += token
        if any(sequence and output.endswith(sequence) for sequence in stop):
            return emitted, "stop_sequence"
    return emitted, "eos_token"


class TGIHandler(VendorHandler):
    """text-generation-inference (``--api-key`` set), and the Hub's whoami for ``login()``.

    Connections are kept alive, as TGI does. Both classes keep one AsyncInferenceClient per
    instance (langchain_huggingface/llms/huggingface_endpoint.py:293) whose httpx client pools
    connections bound to the event loop of its first call
    (huggingface_hub/inference/_generated/_async_client.py:247-255): run on a fresh event loop
    per call, async calls that pick up such a connection raise "Event loop is closed".
    """

    def do_GET(self) -> None:
        """The Hub's token check: every token is unknown to this fake Hub."""
        if self.route == "/api/whoami-v2":
            # The Hub's answer to a bad token (huggingface_hub/hf_api.py:2366-2367 turns it
            # into "Invalid user token.").
            self.send_json(401, {"error": "Invalid credentials in Authorization header"})
            return
        self.send_json(404, {"error": "Not Found"})

    def do_POST(self) -> None:
        """``/`` (compat: ``stream`` decides), ``/generate`` and ``/generate_stream``."""
        body = self.read_json()
        # TGI's --api-key middleware: "Bearer <key>" compared case-insensitively, else a bare
        # 401 (TGI's router/src/server.rs, `if let Some(api_key) = api_key`).
        expected = f"bearer {TGI_API_KEY}"
        if (self.headers.get("Authorization") or "").lower() != expected.lower():
            self._send_empty(401)
            return
        if self.route not in ("/", "/generate", "/generate_stream"):
            self.send_json(404, {"error": "Not Found"})
            return
        parameters = body.get("parameters") or {}
        stop = list(parameters.get("stop") or [])
        if len(stop) > MAX_STOP_SEQUENCES:
            self.send_json(
                422,
                {
                    "error": f"Input validation error: `stop` supports up to "
                    f"{MAX_STOP_SEQUENCES} stop sequences. Given: {len(stop)}",
                    "error_type": "validation",
                },
            )
            return
        prompt = str(body.get("inputs", ""))
        tokens, finish_reason = tgi_generate(prompt, stop)
        text = "".join(tokens)
        if parameters.get("return_full_text"):
            text = prompt + text
        details = {"finish_reason": finish_reason, "generated_tokens": len(tokens), "seed": None}
        streaming = self.route == "/generate_stream" or (self.route == "/" and body.get("stream"))
        if streaming:
            self._send_tgi_stream(tokens, text, details if parameters.get("details") else None)
        elif self.route == "/":
            # compat_generate wraps the answer in a list "to match api-inference"; the SDK
            # takes data[0] (huggingface_hub/inference/_client.py:2442-2445).
            self.send_json(200, [{"generated_text": text}])
        else:
            self.send_json(200, {"generated_text": text})

    def _send_tgi_stream(self, tokens: list[str], text: str, details: Any) -> None:
        """One ``data:{json}`` event per token, the last with ``generated_text``; no [DONE].

        The SDK parses these in huggingface_hub/inference/_common.py:287-304.
        """

        def events() -> Iterator[bytes]:
            for index, token in enumerate(tokens, start=1):
                last = index == len(tokens)
                event = {
                    "index": index,
                    "token": {"id": index, "text": token, "logprob": -0.25, "special": False},
                    "generated_text": text if last else None,
                    "details": details if last else None,
                }
                yield f"data:{json.dumps(event)}\n\n".encode()

        self.send_stream("text/event-stream", events())

    def _send_empty(self, status: int) -> None:
        """A status with no body, as TGI's auth middleware answers."""
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _hub_stays_local(url: str) -> None:
    """Point huggingface_hub's own Hub calls at the fake server, whenever it was imported.

    ``constants.ENDPOINT`` and the module-level ``HfApi`` that ``login()``/``whoami()`` use are
    read from HF_ENDPOINT at import time (huggingface_hub/constants.py:69, hf_api.py:2265),
    before the fake server's port is known: they are set here instead, and stay set (a later
    Hub call in the process meets a closed port). Nothing else is patched.
    """
    from huggingface_hub import constants, hf_api

    constants.HF_HUB_DISABLE_TELEMETRY = True
    constants.ENDPOINT = url
    hf_api.api.endpoint = url


def build_langchain_huggingface(url: str) -> tuple[Any, dict[str, Any]]:
    """The class from langchain-huggingface, at the fake TGI."""
    from langchain_huggingface import HuggingFaceEndpoint

    _hub_stays_local(url)
    return HuggingFaceEndpoint, {"endpoint_url": f"{url}/", "max_new_tokens": 64}


def build_community(url: str) -> tuple[Any, dict[str, Any]]:
    """The older copy in langchain-community, at the fake TGI, streaming.

    ``streaming=True`` (its docstring's second example) routes ``_call`` through ``_stream``.
    Without it ``_call`` uses ``InferenceClient.post``, which huggingface_hub 1.x no longer has
    (langchain_community/llms/huggingface_endpoint.py:267): every non-streaming call raises.
    No token is given: one would be sent to ``login()`` (line 185), which validates it against
    the Hub and saves it to disk.
    """
    from langchain_community.llms import HuggingFaceEndpoint

    _hub_stays_local(url)
    return HuggingFaceEndpoint, {
        "endpoint_url": f"{url}/",
        "max_new_tokens": 64,
        "streaming": True,
    }


LH = "langchain_huggingface/llms/huggingface_endpoint.py"
LC = "langchain_community/llms/huggingface_endpoint.py"
LANGCHAIN_HUGGINGFACE: dict[str, Expect] = {
    "interface.llm_type": passed(f"{LH}:347: _llm_type is a property returning a constant str"),
    "interface.identifying_params": passed(
        f"{LH}:336: a property of endpoint_url, task, provider and model_kwargs, plain values"
    ),
    "interface.signatures": passed(
        f"{LH}:359: _call, _acall (:389), _stream (:419), _astream (:456) take prompt, stop, "
        "run_manager, **kwargs"
    ),
    "methods.invoke": passed(f"{LH}:376: client.text_generation() returns generated_text, a str"),
    "methods.ainvoke": passed(f"{LH}:405: awaits async_client.text_generation(stream=False)"),
    "methods.batch": passed(f"{LH}:359: batch is LangChain's, one _call per input"),
    "methods.abatch": passed(f"{LH}:389: abatch is LangChain's, one _acall per input"),
    "methods.stream": passed(f"{LH}:428: yields each token of text_generation(stream=True)"),
    "methods.astream": passed(f"{LH}:464: yields each token of the async SSE stream"),
    "streaming.new_token": failed(
        f"{LH}:449: run_manager.on_llm_new_token(chunk.text) without chunk= (async: :485)"
    ),
    "streaming.token_before_yield": passed(
        f"{LH}:448: on_llm_new_token fires before `yield chunk` (async: :484-486)"
    ),
    "streaming.events": passed(
        f"{LH}:485: on_llm_new_token per chunk in _astream, which LangChain turns into "
        "on_llm_stream events"
    ),
    "stop.respected": failed(
        f"{LH}:433: each streamed token is tested for the stop on its own, so a stop split "
        "across tokens is never seen; _call only strips a stop at the very end (:384-386), so "
        "when TGI does not stop (its check is `stop$` after each token) the text after it stays"
    ),
    "stop.included": failed(
        f"{LH}:384: strips the stop sequence TGI keeps at the end of generated_text; _stream "
        "cuts before it (:440)"
    ),
    "secrets.secretstr": failed(f"{LH}:110: huggingfacehub_api_token: str | None, not SecretStr"),
    "secrets.no_leak": skipped(
        f"{PLAIN_STR_KEY}: "
        f"{LH}:110: a plain str field; repr=False (:112) hides it from repr only, model_dump "
        "and model_dump_json show the raw token"
    ),
    "async.parity": passed(
        f"{LH}:389: _acall/_astream (:456) mirror _call/_stream over AsyncInferenceClient"
    ),
    "async.non_blocking": passed(
        f"{LH}:405: awaits AsyncInferenceClient (httpx.AsyncClient); only the first async call "
        "of an instance builds the httpx client (CA bundle, ~20-40 ms, under the threshold)"
    ),
    "async.cancellation": passed(
        f"{LH}:464: an async for over the SSE lines; a cancel ends it at the next await, no "
        "task is started"
    ),
    "callbacks.lifecycle": passed(
        f"{LH}:45: overrides only _call/_acall/_stream/_astream; LangChain opens and closes runs"
    ),
    "docs.class_docstring": passed(
        f"{LH}:55: the example builds HuggingFaceEndpoint(...) and calls model.invoke(...) (:65)"
    ),
    "docs.init_args": failed(
        f"{LH}:110: huggingfacehub_api_token has no docstring (nor model :171, client :173, "
        "async_client :175)"
    ),
    "docs.api_link": failed(
        f"{LH}:46: the class docstring links nowhere but http://localhost:8010/ (:56)"
    ),
}
COMMUNITY: dict[str, Expect] = {
    "interface.llm_type": passed(f"{LC}:237: _llm_type is a property returning a constant str"),
    "interface.identifying_params": passed(
        f"{LC}:228: a property of endpoint_url, task and model_kwargs, plain values"
    ),
    "interface.signatures": passed(
        f"{LC}:249: _call, _acall (:284), _stream (:318), _astream (:355) take prompt, stop, "
        "run_manager, **kwargs"
    ),
    "methods.invoke": passed(f"{LC}:258: with streaming=True _call joins _stream's chunks"),
    "methods.ainvoke": passed(f"{LC}:292: with streaming=True _acall joins _astream's chunks"),
    "methods.batch": passed(f"{LC}:249: batch is LangChain's, one _call per input"),
    "methods.abatch": passed(f"{LC}:284: abatch is LangChain's, one _acall per input"),
    "methods.stream": passed(f"{LC}:327: yields each token of text_generation(stream=True)"),
    "methods.astream": passed(f"{LC}:363: yields each token of the async SSE stream"),
    "streaming.new_token": failed(
        f"{LC}:348: run_manager.on_llm_new_token(chunk.text) without chunk= (async: :384)"
    ),
    "streaming.token_before_yield": passed(
        f"{LC}:347: on_llm_new_token fires before `yield chunk` (async: :383-385)"
    ),
    "streaming.events": passed(
        f"{LC}:384: on_llm_new_token per chunk in _astream, which LangChain turns into "
        "on_llm_stream events"
    ),
    "stop.respected": failed(
        f"{LC}:332: each streamed token is tested for the stop on its own, so a stop split "
        "across tokens is never seen, and TGI only stops when a token ends the stop"
    ),
    "stop.included": failed(
        f"{LC}:339: the chunk holding the stop is cut before it (non-streaming: stripped, :279)"
    ),
    "secrets.secretstr": failed(f"{LC}:82: huggingfacehub_api_token: Optional[str]"),
    "secrets.no_leak": skipped(
        f"{PLAIN_STR_KEY}: "
        f"{LC}:82: a plain str field without repr=False: repr(), str() and model_dump show "
        "the raw token"
    ),
    "async.parity": passed(
        f"{LC}:284: _acall/_astream (:355) mirror _call/_stream over AsyncInferenceClient"
    ),
    "async.non_blocking": passed(
        f"{LC}:363: awaits AsyncInferenceClient (httpx.AsyncClient); only the first async call "
        "of an instance builds the httpx client (CA bundle, ~20-40 ms, under the threshold)"
    ),
    "async.cancellation": passed(
        f"{LC}:363: an async for over the SSE lines; a cancel ends it at the next await, no "
        "task is started"
    ),
    "callbacks.lifecycle": passed(
        f"{LC}:34: overrides only _call/_acall/_stream/_astream; LangChain opens and closes runs"
    ),
    "docs.class_docstring": passed(
        f"{LC}:46: the example builds HuggingFaceEndpoint(...) and calls llm.invoke(...) (:56)"
    ),
    "docs.init_args": failed(
        f"{LC}:82: huggingfacehub_api_token has no docstring (nor model :122, client :123, "
        "async_client :124)"
    ),
    "docs.api_link": failed(
        f"{LC}:35: the class docstring links nowhere but http://localhost:8010/ (:47)"
    ),
}

CASES: list[RealCase] = [
    RealCase(
        name="langchain_huggingface:HuggingFaceEndpoint",
        distribution="langchain-huggingface",
        build=build_langchain_huggingface,
        expected=LANGCHAIN_HUGGINGFACE
        | text_llm(
            f"{LH}:45",
            passed(
                f"{LH}:143: stop_sequences goes into every request ({LH}:329) and a call-time "
                f"stop is added to it ({LH}:353-356) on _call, _acall, _stream and _astream: "
                "both apply, nothing raises"
            ),
        ),
        server=TGIHandler,
        env=HF_ENV,
        how_built="huggingface_hub InferenceClient/AsyncInferenceClient (httpx), native async, "
        "streams (TGI SSE), huggingfacehub_api_token: str | None (not sent to a non-Hub URL)",
    ),
    RealCase(
        name="langchain_community.llms:HuggingFaceEndpoint",
        distribution="langchain-community",
        build=build_community,
        expected=COMMUNITY
        | text_llm(
            f"{LC}:34",
            passed(
                f"{LC}:103: stop_sequences goes into every request ({LC}:221) and a call-time "
                f"stop is appended to it ({LC}:243-246) on every path: both apply, nothing "
                "raises"
            ),
        ),
        server=TGIHandler,
        env=HF_ENV,
        how_built="huggingface_hub InferenceClient/AsyncInferenceClient (httpx), native async, "
        "streaming=True (invoke goes through _stream), huggingfacehub_api_token: str | None "
        "(validated by login() against the Hub)",
    ),
]
