"""The chat gallery's fake vendors speak their real wire format: each class, driven directly.

``tests/test_real_classes.py`` asserts the harness's verdicts on the chat gallery;
these tests pin, without the harness, the behaviours those verdicts rest on: each
partner class answers on every path through its fake server, the server cuts at
the stop sequence and drops it as the vendor does, tools named in the prompt are
called (invoke and stream), usage and the model name come back as the vendor
sends them, and a wrong key is refused with the vendor's own error. So a verdict
that changes points at the harness or at a new release of the class, not at a
fake server that drifted.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel, BaseLLM
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool

from tests.real_classes import all_cases, running
from tests.real_classes.case import CHAT_ONLY_IDS, RealCase

for _package in (
    "langchain_openai",
    "langchain_anthropic",
    "langchain_ollama",
    "langchain_together",
):
    pytest.importorskip(_package)

PROMPT = "Say: The quick brown fox. Does it jump? (Yes!) Over the lazy dog, twice now."
ECHO = PROMPT[:64]
CASES = {case.name: case for case in all_cases()}
RELEASE_0_2 = ("stop.bound", *CHAT_ONLY_IDS)


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return "sunny"


@tool
def get_time(zone: str) -> str:
    """The time in a time zone."""
    return "noon"


@dataclass(frozen=True)
class Vendor:
    """What a partner case's vendor does, as its module documents it."""

    stop_field: str
    """The class's stop init field."""
    both_stops_raise: bool
    """True when a call-time stop on top of the field raises (ChatOllama)."""
    streams_usage: bool
    """True when the default-configured class gets usage on the stream."""
    auth_error: str
    """``module.Class`` of the SDK error a wrong key raises (``""``: no key)."""


VENDORS = {
    "langchain_openai:ChatOpenAI": Vendor("stop", False, False, "openai.AuthenticationError"),
    "langchain_together:ChatTogether": Vendor("stop", False, False, "openai.AuthenticationError"),
    "langchain_anthropic:ChatAnthropic": Vendor(
        "stop_sequences", False, True, "anthropic.AuthenticationError"
    ),
    "langchain_ollama:ChatOllama": Vendor("stop", True, True, ""),
}


@pytest.fixture(scope="module", params=sorted(VENDORS))
def served(request: pytest.FixtureRequest) -> Iterator[tuple[RealCase, Any, dict[str, Any]]]:
    """A partner case's class and params, its fake server running for the module."""
    case = CASES[request.param]
    with running(case) as url:
        target, params = case.build(url)
        yield case, target, params


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One event loop for every async call of the module, as an application has.

    Async SDK clients pool connections bound to the loop that opened them, and
    some classes share one client between instances (langchain-openai caches its
    default httpx client per base URL), so a second loop would inherit connections
    of a closed one.
    """
    running_loop = asyncio.new_event_loop()
    yield running_loop
    running_loop.close()


def joined(chunks: list[Any]) -> Any:
    """The chunks of a stream added up."""
    return functools.reduce(lambda a, b: a + b, chunks)


def collect(
    model: Any, prompt: Any, loop: asyncio.AbstractEventLoop, **kwargs: Any
) -> dict[str, Any]:
    """invoke, ainvoke, stream and astream of one prompt: message, message, chunks, chunks."""

    async def both() -> tuple[Any, list[Any]]:
        return (
            await model.ainvoke(prompt, **kwargs),
            [chunk async for chunk in model.astream(prompt, **kwargs)],
        )

    ainvoked, achunks = loop.run_until_complete(both())
    return {
        "invoke": model.invoke(prompt, **kwargs),
        "ainvoke": ainvoked,
        "stream": list(model.stream(prompt, **kwargs)),
        "astream": achunks,
    }


class TokenCounter(BaseCallbackHandler):
    """Counts ``on_llm_new_token`` calls and remembers their ``chunk=``."""

    def __init__(self) -> None:
        self.chunks: list[Any] = []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.chunks.append(kwargs.get("chunk"))


def test_the_chat_cases_are_chat_models_and_the_text_cases_text_llms():
    for case in CASES.values():
        if not case.importable:
            continue
        target, _ = case.build("http://127.0.0.1:9")
        if isinstance(target, type):
            base = BaseChatModel if case.kind == "chat" else BaseLLM
            assert issubclass(target, base), case.name


def test_every_path_answers_the_echo(served, loop):
    _, target, params = served
    model = target(**params)
    template = ChatPromptTemplate.from_messages([("system", "Be brief."), ("human", "{q}")])
    got = collect(model, PROMPT, loop)
    for name in ("invoke", "ainvoke"):
        assert isinstance(got[name], AIMessage), name
        assert got[name].content == ECHO, name
    for name in ("stream", "astream"):
        assert all(isinstance(c, AIMessageChunk) for c in got[name]), name
        assert len(got[name]) > 2, name
        assert joined(got[name]).content == ECHO, name
    assert model.invoke(template.invoke({"q": PROMPT})).content == ECHO
    assert model.invoke([HumanMessage(PROMPT)]).content == ECHO


def test_the_server_cuts_before_the_stop_and_drops_it_as_the_vendor_does(served, loop):
    _, target, params = served
    model = target(**params)
    for stop, before in (
        (["brown"], "Say: The quick "),
        (["jump", "quick"], "Say: The "),  # the earliest occurrence wins
        (["(Yes!)"], "Say: The quick brown fox. Does it jump? "),  # literal, not a regex
        (["absent"], ECHO),
    ):
        got = collect(model, PROMPT, loop, stop=stop)
        texts = {name: (joined(v) if isinstance(v, list) else v).content for name, v in got.items()}
        assert texts == dict.fromkeys(got, before), stop


def test_a_stop_given_at_construction_is_honoured_and_a_call_time_stop_on_top(served):
    case, target, params = served
    vendor = VENDORS[case.name]
    model = target(**params, **{vendor.stop_field: ["brown"]})
    assert model.invoke(PROMPT).content == "Say: The quick "
    assert joined(list(model.stream(PROMPT))).content == "Say: The quick "
    if vendor.both_stops_raise:
        with pytest.raises(ValueError, match="`stop` found in both"):
            model.invoke(PROMPT, stop=["fox"])
    else:  # the call-time stop replaces the bound one
        assert model.invoke(PROMPT, stop=["jump"]).content == "Say: The quick brown fox. Does it "


def test_usage_comes_back_as_the_vendor_sends_it(served, loop):
    case, target, params = served
    model = target(**params)
    invoked = model.invoke(PROMPT).usage_metadata
    assert invoked
    assert invoked["total_tokens"] == invoked["input_tokens"] + invoked["output_tokens"]
    for name in ("stream", "astream"):
        chunks = collect(model, PROMPT, loop)[name]
        with_usage = [c for c in chunks if c.usage_metadata]
        if VENDORS[case.name].streams_usage:
            assert len(with_usage) == 1, name
            assert joined(chunks).usage_metadata["total_tokens"] == invoked["total_tokens"]
        else:  # OpenAI streams usage only when asked (stream_options.include_usage)
            assert with_usage == [], name
    if not VENDORS[case.name].streams_usage:
        asked = target(**params, stream_usage=True)
        chunks = list(asked.stream(PROMPT))
        assert [c.usage_metadata["total_tokens"] for c in chunks if c.usage_metadata] == [
            invoked["total_tokens"]
        ]


def test_the_model_name_is_the_same_on_invoke_and_stream(served):
    _, target, params = served
    model = target(**params)
    name = model.invoke(PROMPT).response_metadata["model_name"]
    assert name == params["model"]
    assert joined(list(model.stream(PROMPT))).response_metadata["model_name"] == name


def test_a_named_tool_is_called_on_invoke_and_stream(served, loop):
    _, target, params = served
    bound = target(**params).bind_tools([get_weather, get_time])
    (call,) = bound.invoke("Use the get_weather tool for Paris.").tool_calls
    assert (call["name"], call["args"]) == ("get_weather", {"city": "gallery"})
    assert call["id"]
    prompt = "Use get_weather and get_time now."

    async def astreamed() -> Any:
        return joined([chunk async for chunk in bound.astream(prompt)]).tool_calls

    for calls in (
        joined(list(bound.stream(prompt))).tool_calls,
        loop.run_until_complete(astreamed()),
    ):
        assert [(c["name"], c["args"]) for c in calls] == [
            ("get_weather", {"city": "gallery"}),
            ("get_time", {"zone": "gallery"}),
        ]
        assert len({c["id"] for c in calls}) == 2
    assert bound.invoke(PROMPT).tool_calls == []  # no tool named: a plain answer


def test_the_token_callback_fires_once_per_streamed_chunk(served):
    _, target, params = served
    model = target(**params)
    counter = TokenCounter()
    chunks = list(model.stream(PROMPT, config={"callbacks": [counter]}))
    assert len(counter.chunks) == len(chunks)
    assert [c.message.content for c in counter.chunks] == [c.content for c in chunks]


def test_a_wrong_key_is_refused_with_the_vendors_error(served):
    case, target, params = served
    expected = VENDORS[case.name].auth_error
    if not expected:
        pytest.skip(f"{case.name} has no credential field")
    module, _, name = expected.rpartition(".")
    error = getattr(__import__(module), name)
    with pytest.raises(error):
        target(**{**params, "api_key": "wrong-key-0123456789abcdef"}).invoke("hi")


def test_the_core_fakes_behave_as_their_expectations_say():
    from langchain_core.language_models.fake_chat_models import ParrotFakeChatModel

    fakes = {
        name: CASES[f"langchain_core.language_models.fake_chat_models:{name}"].build("")
        for name in ("FakeListChatModel", "GenericFakeChatModel", "FakeMessagesListChatModel")
    }
    for name, (target, params) in fakes.items():
        model = target(**params)
        answer = model.invoke(PROMPT).content
        assert model.invoke(PROMPT, stop=["brown"]).content == answer, name  # stop ignored
        assert model.invoke(PROMPT).response_metadata.get("model_name") is None, name
        counter = TokenCounter()
        chunks = list(model.stream(PROMPT, config={"callbacks": [counter]}))
        assert joined(chunks).content == answer, name
        fallback = name == "FakeMessagesListChatModel"  # no _stream: invoke's message, no token
        assert len(counter.chunks) == (0 if fallback else len(chunks)), name
    assert type(ParrotFakeChatModel().invoke(PROMPT)) is HumanMessage


EVIDENCE = re.compile(r"([a-z_]+(?:/[A-Za-z0-9_]+)+\.py):(\d+)(?:-(\d+))?")
"""``path/in/package.py:LINE`` or ``:LINE-LINE`` in an expectation's evidence."""


def test_the_chat_evidence_cites_lines_of_the_installed_sources():
    """Every ``path.py:LINE`` the chat cases and the release-0.2 ids cite exists."""
    site = Path(importlib.util.find_spec("langchain_core").origin).parents[1]
    checked = 0
    for case in CASES.values():
        ids = case.expected if case.kind == "chat" else RELEASE_0_2
        for check_id in ids:
            for path, first, last in EVIDENCE.findall(case.expected[check_id].evidence):
                source = site / path
                if not source.is_file():
                    continue  # a distribution that is not installed here
                lines = len(source.read_text().splitlines())
                assert int(last or first) <= lines, f"{case.name} {check_id}: {path}:{first}"
                checked += 1
    assert checked > 100
