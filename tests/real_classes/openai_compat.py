"""OpenAI-compatible completion classes, against one fake ``/v1/completions`` server.

``langchain_openai.OpenAI`` and ``langchain_community.llms.VLLMOpenAI`` both call
the ``openai`` SDK's ``client.completions.create`` (``POST {base_url}/completions``,
``Authorization: Bearer KEY``, SSE when ``stream`` is true), so one handler speaks
the format for both; vLLM's server differs only in its 401 body and an extra
``stop_reason`` field, kept in a small subclass. Paths below are relative to
site-packages. No tokenizer is used: ``max_tokens`` stays positive, so
``get_sub_prompts`` never calls ``max_tokens_for_prompt`` (tiktoken).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any, ClassVar

from tests.real_classes.case import (
    PLAIN_STR_KEY,
    RealCase,
    failed,
    no_stop_field,
    passed,
    skipped,
    text_llm,
)
from tests.real_classes.fake_vendor import VendorHandler, apply_stop, echo_text

OPENAI_KEY = "sk-gallery-openai-3f9c2a7d41e8b605"
VLLM_KEY = "vllm-gallery-token-8e1d5b3a9c20f4d7"
OPENAI_MODEL = "gpt-3.5-turbo-instruct"
VLLM_MODEL = "meta-llama/Llama-3.1-8B"
PIECE_SIZES = (4, 3, 5, 6)
"""Streamed pieces cycle through these lengths, so they never line up with words."""
NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization "
    "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password "
    "field (with blank username) if you're accessing the API from your browser and are "
    "prompted for a username and password. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)


def pieces(text: str) -> list[str]:
    """``text`` cut into pieces of 3 to 6 characters."""
    out, at, i = [], 0, 0
    while at < len(text):
        size = PIECE_SIZES[i % len(PIECE_SIZES)]
        out.append(text[at : at + size])
        at, i = at + size, i + 1
    return out


def masked(key: str) -> str:
    """How OpenAI echoes a wrong key in its 401: the first 8 and last 4 characters."""
    if len(key) <= 12:
        return "*" * len(key)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def first_stop(text: str, stop: list[str]) -> str | None:
    """The stop sequence that occurs first in ``text`` (vLLM's ``stop_reason``)."""
    found = [(text.find(s), s) for s in stop if s and s in text]
    return min(found)[1] if found else None


class OpenAIAuthHandler(VendorHandler):
    """Bearer auth and error bodies as OpenAI's API gives them (every OpenAI-style fake)."""

    api_key: ClassVar[str] = OPENAI_KEY

    def authorized(self) -> bool:
        """Bearer auth; OpenAI answers 401 ``invalid_request_error`` otherwise."""
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not header[7:].strip():
            self.reject(NO_KEY, None)
            return False
        key = header[7:].strip()
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


class OpenAICompletionsHandler(OpenAIAuthHandler):
    """OpenAI's legacy Completions API, as the ``openai`` SDK calls it.

    Read in ``openai/resources/completions.py``: ``POST /completions`` (line 556) with
    ``security={"bearer_auth": True}`` (line 587), i.e. ``Authorization: Bearer KEY``
    (``openai/lib/_client_auth.py:360``); the response is ``Completion``
    (``openai/types/completion.py``: id, object ``text_completion``, created, model,
    choices of ``CompletionChoice`` text/index/logprobs/finish_reason, usage), which
    ``langchain_openai/llms/base.py:524`` needs (``response["usage"]``). Streamed, the
    same objects come as SSE ``data:`` events ended by ``data: [DONE]``
    (``openai/resources/completions.py:169-173``, ``openai/_streaming.py:72,188``).
    """

    api_key: ClassVar[str] = OPENAI_KEY

    def do_POST(self) -> None:
        """``/v1/completions``; any other path is OpenAI's 404."""
        body = self.read_json()  # the body is read before any answer, as a server must
        if self.route != "/v1/completions":
            self.openai_error(404, f"Invalid URL (POST {self.route})", None)
            return
        if not self.authorized():
            return
        if not body.get("model") or body.get("prompt") is None:
            missing = "model" if not body.get("model") else "prompt"
            self.openai_error(400, f"you must provide a {missing} parameter", missing)
            return
        prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
        stop = body.get("stop") or []
        stop = [stop] if isinstance(stop, str) else list(stop)
        # "Up to 4 sequences where the API will stop generating further tokens. The
        # returned text will not contain the stop sequence."
        # (openai/resources/completions.py:164-167): cut, stop sequence left out.
        texts = [apply_stop(echo_text(str(p)), stop, include=False) for p in prompts]
        meta = self.meta(body, prompts)
        if body.get("stream"):
            self.send_sse(self.events(meta, texts, stop, body))
            return
        choices = [
            {"text": text, "index": i, "logprobs": None, "finish_reason": "stop"}
            | self.extra_choice(text, echo_text(str(prompts[i])), stop)
            for i, text in enumerate(texts)
        ]
        usage = self.usage(prompts, texts)
        self.send_json(
            200,
            {**meta, "choices": choices, "usage": usage},
            {"x-request-id": "req_" + meta["id"][5:]},
        )

    def meta(self, body: dict[str, Any], prompts: list[Any]) -> dict[str, Any]:
        """The fields every ``Completion`` object carries."""
        digest = hashlib.sha256(repr(prompts).encode()).hexdigest()[:24]
        return {
            "id": f"cmpl-{digest}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": None,
        }

    def extra_choice(self, text: str, full: str, stop: list[str]) -> dict[str, Any]:
        """Vendor-specific fields of a choice (none for OpenAI)."""
        return {}

    def usage(self, prompts: list[Any], texts: list[str]) -> dict[str, int]:
        """Token counts, approximated by words (deterministic)."""
        prompt_tokens = sum(len(str(p).split()) for p in prompts)
        completion_tokens = sum(len(t.split()) for t in texts)
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }

    def events(
        self, meta: dict[str, Any], texts: list[str], stop: list[str], body: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The SSE events: text pieces, a closing ``finish_reason`` chunk, usage if asked."""
        prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
        events = []
        for index, text in enumerate(texts):
            for piece in pieces(text):
                choice = {"text": piece, "index": index, "logprobs": None, "finish_reason": None}
                events.append({**meta, "choices": [choice]})
            last = {"text": "", "index": index, "logprobs": None, "finish_reason": "stop"}
            last |= self.extra_choice(text, echo_text(str(prompts[index])), stop)
            events.append({**meta, "choices": [last]})
        if (body.get("stream_options") or {}).get("include_usage"):
            events.append({**meta, "choices": [], "usage": self.usage(prompts, texts)})
        return events


class VLLMCompletionsHandler(OpenAICompletionsHandler):
    """vLLM's OpenAI-compatible server started with ``--api-key``: the same wire format.

    Its differences, from vLLM's source (not installed here): the auth middleware of
    ``vllm/entrypoints/openai/api_server.py`` answers ``JSONResponse(content={"error":
    "Unauthorized"}, status_code=401)`` for ``/v1`` paths; ``CompletionRequest`` in
    ``vllm/entrypoints/openai/protocol.py`` has ``include_stop_str_in_output: bool =
    False`` (the stop string is cut from the text), and each choice reports the matched
    string as ``stop_reason``.
    """

    api_key: ClassVar[str] = VLLM_KEY

    def reject(self, message: str, code: str | None) -> None:
        """vLLM's 401: ``error`` is a plain string, not an object."""
        self.send_json(401, {"error": "Unauthorized"})

    def extra_choice(self, text: str, full: str, stop: list[str]) -> dict[str, Any]:
        """``stop_reason``: the stop string that ended the text, else None."""
        return {"stop_reason": first_stop(full, stop) if text != full else None}


def build_openai(url: str) -> tuple[Any, dict[str, Any]]:
    """``langchain_openai.OpenAI`` on the fake server (``base_url`` ends in ``/v1``)."""
    from langchain_openai import OpenAI

    params = {
        "model": OPENAI_MODEL,
        "api_key": OPENAI_KEY,
        "base_url": f"{url}/v1",
        "max_tokens": 64,  # positive: -1 would run tiktoken (base.py:599-603)
        "temperature": 0,
        "timeout": 5,
    }
    return OpenAI, params


def build_vllm_openai(url: str) -> tuple[Any, dict[str, Any]]:
    """``langchain_community.llms.VLLMOpenAI`` on the fake server."""
    from langchain_community.llms import VLLMOpenAI

    params = {
        "model_name": VLLM_MODEL,
        "api_key": VLLM_KEY,
        "openai_api_base": f"{url}/v1",
        "max_tokens": 64,  # positive: -1 would run tiktoken (openai.py:552-557)
        "temperature": 0,
        "timeout": 5,
    }
    return VLLMOpenAI, params


LO = "langchain_openai/llms/base.py"
LC = "langchain_community/llms/openai.py"
VL = "langchain_community/llms/vllm.py"
SDK_STOP = (
    "openai/resources/completions.py:166-167: the API's returned text does not contain "
    "the stop sequence"
)

OPENAI_EXPECTED = {
    "interface.llm_type": passed(f"{LO}:650-653: @property _llm_type returns 'openai'"),
    "interface.identifying_params": passed(
        f"{LO}:645-648: @property returning model_name and _default_params "
        "(numbers and None, lines 365-389), no client, no key"
    ),
    "interface.signatures": passed(
        f"{LO}:391-397 _stream and 418-424 async-generator _astream take prompt, stop, "
        "run_manager, **kwargs (no _call: a BaseLLM with _generate)"
    ),
    "methods.invoke": passed(f"{LO}:510: _generate posts the prompts, returns their choices"),
    "methods.ainvoke": passed(f"{LO}:581: _agenerate awaits the AsyncOpenAI completions"),
    "methods.batch": passed(
        f"{LO}:605-607,621-634: the batch goes as one prompt list, choices split per prompt"
    ),
    "methods.abatch": passed(f"{LO}:581-588: the same in _agenerate"),
    "methods.stream": passed(f"{LO}:400-416: _stream yields one GenerationChunk per SSE event"),
    "methods.astream": passed(f"{LO}:427-445: _astream yields one chunk per SSE event"),
    "streaming.new_token": passed(
        f"{LO}:405-416: on_llm_new_token(chunk.text, chunk=chunk) for every chunk "
        "(awaited at 434-445)"
    ),
    "streaming.token_before_yield": passed(
        f"{LO}:405-416: the callback fires, then `yield chunk` (same order at 434-445)"
    ),
    "streaming.events": passed(f"{LO}:434-445: _astream fires on_llm_new_token per chunk"),
    "stop.respected": passed(
        f"{LO}:597-598: get_sub_prompts sends stop to the API, which cuts at the earliest "
        "literal stop sequence on every path"
    ),
    "stop.included": failed(
        f"{LO}:597-598: stop is only passed to the API and never added back; {SDK_STOP}"
    ),
    "secrets.secretstr": passed(
        f"{LO}:205: openai_api_key: SecretStr | None | Callable[[], str] (a callable holds no text)"
    ),
    "secrets.no_leak": passed(
        f"{LO}:205-207,336-337: the key is a SecretStr, read only to build the SDK client; "
        "the SDK's 401 shows it masked"
    ),
    "async.parity": passed(f"{LO}:531-588 and 418-445: the async twins mirror the sync code"),
    "async.non_blocking": passed(f"{LO}:355-358: the async paths use openai.AsyncOpenAI"),
    "async.cancellation": passed(
        f"{LO}:427-445: _astream only awaits the SDK's AsyncStream; nothing is left running"
    ),
    "callbacks.lifecycle": passed(
        f"{LO}:391-588: no public method overridden; LangChain opens and closes each run"
    ),
    "docs.class_docstring": passed(
        f"{LO}:831,845: the docstring shows `model = OpenAI(...)` and `model.invoke(...)`"
    ),
    "docs.init_args": failed(
        f"{LO}:172,174,232,281,283: client, async_client, openai_proxy, default_headers "
        "and default_query have no docstring or description"
    ),
    "docs.api_link": failed(
        f"{LO}:788-881: the docstring names OPENAI_API_KEY and base_url but links to no "
        "API documentation"
    ),
}

VLLM_EXPECTED = {
    "interface.llm_type": passed(f"{VL}:186-189: @property _llm_type returns 'vllm-openai'"),
    "interface.identifying_params": passed(
        f"{LC}:613-616: @property returning model_name and _default_params (lines 333-354)"
    ),
    "interface.signatures": passed(
        f"{LC}:356-362 _stream and 382-388 async-generator _astream take prompt, stop, "
        "run_manager, **kwargs"
    ),
    "methods.invoke": passed(f"{LC}:463-471: _generate calls client.create, keeps choices"),
    "methods.ainvoke": passed(f"{LC}:526-532: _agenerate awaits async_client.create"),
    "methods.batch": passed(f"{LC}:558-561,576-589: one prompt list, choices split per prompt"),
    "methods.abatch": passed(f"{LC}:526-539: the same in _agenerate"),
    "methods.stream": passed(f"{LC}:365-380: _stream yields one chunk per SSE event"),
    "methods.astream": passed(f"{LC}:391-406: _astream yields one chunk per SSE event"),
    "streaming.new_token": passed(
        f"{LC}:371-380: on_llm_new_token(chunk.text, chunk=chunk) per chunk (397-406 async)"
    ),
    "streaming.token_before_yield": passed(
        f"{LC}:371-380: the callback fires, then `yield chunk` (397-406 async)"
    ),
    "streaming.events": passed(f"{LC}:397-406: _astream fires on_llm_new_token per chunk"),
    "stop.respected": passed(
        f"{LC}:548-551: get_sub_prompts sends stop to the server, which cuts at the earliest "
        "literal stop string"
    ),
    "stop.included": failed(
        f"{LC}:548-551: stop is only passed on and never added back, and vLLM's "
        "include_stop_str_in_output defaults to False (the stop string is cut)"
    ),
    "secrets.secretstr": failed(f"{LC}:206: openai_api_key: Optional[str], a plain str"),
    "secrets.no_leak": skipped(
        f"{PLAIN_STR_KEY}: "
        f"{LC}:206: the raw key sits in a plain str field, so repr() and model_dump() print "
        f"it; {VL}:163-165: is_lc_serializable() is False, so dumpd() and every "
        "on_llm_start's serialized payload carry that repr"
    ),
    "async.parity": passed(f"{LC}:483-539 and 382-406: the async twins mirror the sync code"),
    "async.non_blocking": passed(
        f"{LC}:138-139,324: acompletion_with_retry awaits openai.AsyncOpenAI"
    ),
    "async.cancellation": passed(
        f"{LC}:391-406: _astream only awaits the SDK's AsyncStream; nothing is left running"
    ),
    "callbacks.lifecycle": passed(
        f"{LC}:356-539: no public method overridden; LangChain opens and closes each run"
    ),
    "docs.class_docstring": failed(
        f'{VL}:161: the docstring is only """vLLM OpenAI-compatible API client"""'
    ),
    "docs.init_args": failed(
        f"{LC}:181-182,214,242-243: client, async_client, openai_proxy, default_headers and "
        "default_query have no docstring"
    ),
    "docs.api_link": failed(
        f"{VL}:161: service-backed (api key, openai_api_base) but the docstring has no link"
    ),
}

CASES: list[RealCase] = [
    RealCase(
        name="langchain_openai:OpenAI",
        distribution="langchain-openai",
        build=build_openai,
        expected=OPENAI_EXPECTED
        | text_llm(f"{LO}:787", no_stop_field(f"{LO}:57-784 (BaseOpenAI), 787-919")),
        server=OpenAICompletionsHandler,
        env={"LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false"},
        how_built="openai SDK 3.x over httpx2, native async (AsyncOpenAI), SSE streaming on both "
        "paths, api_key a SecretStr | None | Callable key provider",
    ),
    RealCase(
        name="langchain_community.llms:VLLMOpenAI",
        distribution="langchain-community",
        build=build_vllm_openai,
        expected=VLLM_EXPECTED
        | text_llm(f"{VL}:160", no_stop_field(f"{LC}:151-730 (BaseOpenAI), {VL}:160-189")),
        server=VLLMCompletionsHandler,
        env={"LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false"},
        how_built="openai SDK via langchain-community's BaseOpenAI, native async, SSE "
        "streaming on both paths, openai_api_key a plain str",
    ),
]
