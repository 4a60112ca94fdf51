"""langchain-core's own fake LLMs: pure Python, no server.

``FakeListLLM`` and ``FakeStreamingListLLM`` (``langchain_core/language_models/fake.py``)
answer from a list of responses, whatever the prompt. With a single response the
answer is the same on every call, so they are deterministic. Both classes live in
langchain-core itself, so the harness must not take their own overrides (``stream``
and ``astream`` of the streaming one) and field docstrings for LangChain's
defaults (known bug 2). Paths below are relative to site-packages.
"""

from __future__ import annotations

from typing import Any

from tests.real_classes.case import RealCase, failed, no_stop_field, passed, skipped, text_llm

ANSWER = "The quick brown fox. Does it jump? (Yes!) Over the lazy dog."
"""One fixed answer of about 64 characters, with words and regex metacharacters."""
FAKE = "langchain_core/language_models/fake.py"
LLMS = "langchain_core/language_models/llms.py"


def build_fake_list(url: str) -> tuple[Any, dict[str, Any]]:
    """``FakeListLLM`` with one response."""
    from langchain_core.language_models.fake import FakeListLLM

    return FakeListLLM, {"responses": [ANSWER]}


def build_fake_streaming_list(url: str) -> tuple[Any, dict[str, Any]]:
    """``FakeStreamingListLLM`` with one response and no pause between chunks."""
    from langchain_core.language_models.fake import FakeStreamingListLLM

    return FakeStreamingListLLM, {"responses": [ANSWER], "sleep": 0.0}


NO_CREDENTIAL = (
    "responses, sleep, i (and error_on_chunk_number, line 94) hold no credential, no URL"
)

COMMON = {
    "interface.llm_type": passed(f"{FAKE}:37-41: @property _llm_type returns 'fake-list'"),
    "interface.identifying_params": passed(
        f"{FAKE}:75-78: @property returning {{'responses': [...]}}, a list of str"
    ),
    "interface.signatures": passed(
        f"{FAKE}:44-50 _call and 60-66 async _acall take prompt, stop, run_manager, **kwargs"
    ),
    "methods.invoke": passed(f"{FAKE}:52-57: _call returns the next response, a str"),
    "methods.ainvoke": passed(f"{FAKE}:68-73: _acall returns the next response, a str"),
    "methods.batch": passed(f"{FAKE}:52: one fixed response, so one str per input, in order"),
    "methods.abatch": passed(f"{FAKE}:68: the same through _acall"),
    "secrets.secretstr": skipped(f"{FAKE}:22-35: {NO_CREDENTIAL}"),
    "secrets.no_leak": skipped(f"{FAKE}:22-35: {NO_CREDENTIAL}"),
    "docs.api_link": skipped(f"{FAKE}:22-35: {NO_CREDENTIAL}; it calls no service"),
}

ONE_VERDICT = (
    "one defect, one verdict: stop.respected fails the ignored stop, and stop.included "
    "judges only answers that stopped (README, decisions)"
)

FAKE_LIST_EXPECTED = COMMON | {
    "callbacks.lifecycle": passed(
        f"{FAKE}:44-73: only _call/_acall defined; LangChain opens and closes each run"
    ),
    "methods.stream": passed(
        f"{LLMS}:522-524: no _stream, so stream yields invoke's answer as one chunk"
    ),
    "methods.astream": passed(f"{LLMS}:592-597: no _astream/_stream, astream yields ainvoke's"),
    "streaming.new_token": skipped(
        f"{FAKE}:19-78: neither _stream, _astream, stream nor astream is defined"
    ),
    "streaming.token_before_yield": skipped(
        f"{FAKE}:19-78: neither _stream, _astream, stream nor astream is defined"
    ),
    "streaming.events": skipped(
        f"{FAKE}:19-78: neither _stream, _astream, stream nor astream is defined"
    ),
    "stop.respected": failed(f"{FAKE}:52: _call returns the response whole; stop (line 47) unused"),
    "stop.included": skipped(f"{FAKE}:52: stop is ignored, so no answer stops: {ONE_VERDICT}"),
    "async.parity": passed(f"{FAKE}:60-73: _acall is _call's twin"),
    "async.non_blocking": passed(f"{FAKE}:68-73: _acall does no I/O and no sleep"),
    "async.cancellation": skipped(
        f"{LLMS}:592-597: astream is LangChain's fallback, one ainvoke-sized chunk after the "
        "run has ended: the class has no stream of its own to cancel"
    ),
    "docs.class_docstring": failed(
        f'{FAKE}:20: the docstring is """Fake LLM for testing purposes."""'
    ),
    "docs.init_args": passed(
        f"{FAKE}:23,27-30,32-35: responses, sleep and i each have a docstring"
    ),
}

FAKE_STREAMING_EXPECTED = COMMON | {
    "callbacks.lifecycle": passed(
        f"{FAKE}:106,127: stream/astream run invoke/ainvoke once, so each call is one run "
        "opened and closed by LangChain, with the formatted prompt"
    ),
    "methods.stream": passed(f"{FAKE}:106-116: stream yields the answer's characters, as str"),
    "methods.astream": passed(f"{FAKE}:127-137: astream yields the answer's characters"),
    "streaming.new_token": failed(
        f"{FAKE}:98-116: stream is overridden and yields one chunk per character, but never "
        "fires on_llm_new_token (nor astream, 119-137)"
    ),
    "streaming.token_before_yield": skipped(
        f"{FAKE}:116: `yield c` with no on_llm_new_token at all: there is no callback to "
        "order, and streaming.new_token fails the missing callbacks (one defect, one verdict)"
    ),
    "streaming.events": failed(
        f"{FAKE}:127,137: astream runs ainvoke (on_llm_start, on_llm_end) then yields chunks "
        "with no callback, so astream_events has no on_llm_stream"
    ),
    "stop.respected": failed(
        f"{FAKE}:106: stream drops stop (self.invoke(input, config)), and _call (52) ignores it"
    ),
    "stop.included": skipped(f"{FAKE}:52,106: stop is ignored, so no answer stops: {ONE_VERDICT}"),
    "async.parity": passed(
        f"{FAKE}:119-137: astream mirrors stream (asyncio.sleep for time.sleep)"
    ),
    "async.non_blocking": passed(f"{FAKE}:129-130: astream pauses with asyncio.sleep, no I/O"),
    "async.cancellation": passed(
        f"{FAKE}:127-137: the run ends inside ainvoke before the first chunk; closing the "
        "generator at `yield c` leaves nothing running and the next call works"
    ),
    "docs.class_docstring": failed(
        f"{FAKE}:86-92: the docstring describes the class but shows no example"
    ),
    "docs.init_args": passed(
        f"{FAKE}:23,27-30,32-35,95: responses, sleep, i and error_on_chunk_number each have "
        "a docstring"
    ),
}

CASES: list[RealCase] = [
    RealCase(
        name="langchain_core.language_models.fake:FakeListLLM",
        distribution="langchain-core",
        build=build_fake_list,
        expected=FAKE_LIST_EXPECTED | text_llm(f"{FAKE}:19", no_stop_field(f"{FAKE}:22-35")),
        how_built="pure Python, no server; _call and a native _acall, no streaming, no credentials",
    ),
    RealCase(
        name="langchain_core.language_models.fake:FakeStreamingListLLM",
        distribution="langchain-core",
        build=build_fake_streaming_list,
        expected=FAKE_STREAMING_EXPECTED
        | text_llm(f"{FAKE}:85", no_stop_field(f"{FAKE}:22-35,94-95")),
        how_built="pure Python, no server; streams per character by overriding "
        "stream/astream themselves (not _stream), no credentials",
    ),
]
