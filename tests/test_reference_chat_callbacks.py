"""Both reference chat models fire ``on_llm_new_token`` exactly once per chunk, on every path.

langchain-core fires the callback itself on ``stream``, ``astream`` and the
streaming branch of ``invoke`` (``tests/test_langchain_core_behaviour.py`` pins
that), so what is checked here is the count a user's handler sees: one per
chunk the caller receives, the chunk's own text, before the caller gets it.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from blockbuster import blockbuster_ctx
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool


@tool
def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return "sunny"


class SyncTrace(BaseCallbackHandler):
    raise_error = True

    def __init__(self, trace: list[tuple[str, Any]]) -> None:
        self.trace = trace

    def on_llm_new_token(self, token: str, *, chunk: Any = None, **kwargs: Any) -> None:
        assert isinstance(chunk, ChatGenerationChunk)
        assert chunk.text == token
        self.trace.append(("token", token))


class AsyncTrace(AsyncCallbackHandler):
    raise_error = True

    def __init__(self, trace: list[tuple[str, Any]]) -> None:
        self.trace = trace

    async def on_llm_new_token(self, token: str, *, chunk: Any = None, **kwargs: Any) -> None:
        assert isinstance(chunk, ChatGenerationChunk)
        assert chunk.text == token
        self.trace.append(("token", token))


def tokens(trace):
    return [text for kind, text in trace if kind == "token"]


def interleaved(texts):
    return [event for text in texts for event in (("token", text), ("received", text))]


@pytest.mark.parametrize("bound", [False, True], ids=["text", "tool-call"])
def test_stream_fires_each_token_once_before_its_chunk(make_chat, bound):
    model = make_chat(5)
    model = model.bind_tools([get_weather]) if bound else model
    trace: list[tuple[str, Any]] = []
    received = []
    for chunk in model.stream("get_weather now", config={"callbacks": [SyncTrace(trace)]}):
        received.append(chunk.content)
        trace.append(("received", chunk.content))
    assert trace == interleaved(received)
    assert len(received) > 2


@pytest.mark.parametrize("bound", [False, True], ids=["text", "tool-call"])
async def test_astream_fires_each_token_once_before_its_chunk(make_chat, bound):
    model = make_chat(5)
    model = model.bind_tools([get_weather]) if bound else model
    trace: list[tuple[str, Any]] = []
    received = []
    config = {"callbacks": [AsyncTrace(trace)]}
    async for chunk in model.astream("get_weather now", config=config):
        received.append(chunk.content)
        trace.append(("received", chunk.content))
    assert trace == interleaved(received)


def stream_tokens(model, prompt="hello"):
    trace: list[tuple[str, Any]] = []
    list(model.stream(prompt, config={"callbacks": [SyncTrace(trace)]}))
    return tokens(trace)


async def test_invoke_of_a_streaming_model_fires_the_stream_tokens_once(make_chat):
    model = make_chat(5, streaming=True)
    expected = stream_tokens(make_chat(5))
    assert "".join(expected) == "hello"
    trace: list[tuple[str, Any]] = []
    assert model.invoke("hello", config={"callbacks": [SyncTrace(trace)]}).content == "hello"
    assert tokens(trace) == expected
    atrace: list[tuple[str, Any]] = []
    answer = await model.ainvoke("hello", config={"callbacks": [AsyncTrace(atrace)]})
    assert answer.content == "hello"
    assert tokens(atrace) == expected


def test_invoke_of_a_model_that_does_not_stream_fires_no_token(make_chat):
    trace: list[tuple[str, Any]] = []
    make_chat(5).invoke("hello", config={"callbacks": [SyncTrace(trace)]})
    assert tokens(trace) == []


async def test_astream_events_sees_each_token_once(make_chat):
    model = make_chat(5)
    chain = ChatPromptTemplate.from_messages([("human", "{input}")]) | model
    trace: list[tuple[str, Any]] = []
    config = {"callbacks": [AsyncTrace(trace)]}
    events = [e async for e in chain.astream_events({"input": "hello"}, config, version="v2")]
    streamed = [e["data"]["chunk"].content for e in events if e["event"] == "on_chat_model_stream"]
    assert tokens(trace) == streamed == stream_tokens(model)


def test_stream_events_v3_sees_each_token_once(make_chat):
    """On the event-protocol path only the model fires the token callback."""
    model = make_chat(5)
    trace: list[tuple[str, Any]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # stream_events(version="v3") is a beta API
        stream = model.stream_events(
            "hello", version="v3", config={"callbacks": [SyncTrace(trace)]}
        )
        list(stream)
    assert "".join(tokens(trace)) == "hello"
    assert tokens(trace) == stream_tokens(model)


async def test_async_paths_never_block_the_loop(make_chat):
    model = make_chat(5)
    tools = model.bind_tools([get_weather])
    with blockbuster_ctx():
        assert (await model.ainvoke("hello")).content == "hello"
        assert "".join([str(c.content) async for c in model.astream("hello")]) == "hello"
        assert (await tools.ainvoke("get_weather")).tool_calls


class Kinds(BaseCallbackHandler):
    """The kinds of callback a run fires, in order (tokens with their text)."""

    def __init__(self) -> None:
        self.kinds: list[str] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.kinds.append("start")

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.kinds.append(f"token:{token}")

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self.kinds.append("end")


async def test_async_twins_give_the_sync_results_and_callbacks(make_chat):
    model = make_chat(5)
    runs = {}
    for name, call in {
        "invoke": lambda config: model.invoke("hello", config=config),
        "stream": lambda config: list(model.stream("hello", config=config)),
        "batch": lambda config: model.batch(["hello", "howdy"], config=config),
    }.items():
        handler = Kinds()
        runs[name] = (call({"callbacks": [handler]}), handler.kinds)
    handler = Kinds()
    ainvoked = await model.ainvoke("hello", config={"callbacks": [handler]})
    assert (ainvoked.content, ainvoked.usage_metadata) == (
        runs["invoke"][0].content,
        runs["invoke"][0].usage_metadata,
    )
    assert handler.kinds == runs["invoke"][1] == ["start", "end"]
    handler = Kinds()
    achunks = [c async for c in model.astream("hello", config={"callbacks": [handler]})]
    assert [c.content for c in achunks] == [c.content for c in runs["stream"][0]]
    assert handler.kinds == runs["stream"][1]
    assert runs["stream"][1][0] == "start"
    assert runs["stream"][1][-1] == "end"
    handler = Kinds()
    abatched = await model.abatch(["hello", "howdy"], config={"callbacks": [handler]})
    assert [m.content for m in abatched] == [m.content for m in runs["batch"][0]]
    assert sorted(handler.kinds) == sorted(runs["batch"][1]) == ["end", "end", "start", "start"]
