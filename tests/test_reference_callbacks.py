"""on_llm_new_token fires once per chunk, before the caller receives it."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler


class SyncTrace(BaseCallbackHandler):
    raise_error = True  # else LangChain logs a failed assertion and goes on

    def __init__(self, trace: list[tuple[str, str]]) -> None:
        self.trace = trace

    def on_llm_new_token(self, token: str, *, chunk: Any = None, **kwargs: Any) -> None:
        assert chunk is not None
        assert chunk.text == token
        self.trace.append(("token", token))


class AsyncTrace(AsyncCallbackHandler):
    raise_error = True

    def __init__(self, trace: list[tuple[str, str]]) -> None:
        self.trace = trace

    async def on_llm_new_token(self, token: str, *, chunk: Any = None, **kwargs: Any) -> None:
        assert chunk is not None
        assert chunk.text == token
        self.trace.append(("token", token))


def interleaved(text: str) -> list[tuple[str, str]]:
    return [event for char in text for event in (("token", char), ("received", char))]


def test_sync_stream_fires_each_token_before_its_chunk(make_llm):
    trace: list[tuple[str, str]] = []
    for chunk in make_llm(5).stream("hello", config={"callbacks": [SyncTrace(trace)]}):
        trace.append(("received", chunk))
    assert trace == interleaved("hello")


async def test_async_stream_fires_each_token_before_its_chunk(make_llm):
    trace: list[tuple[str, str]] = []
    config = {"callbacks": [AsyncTrace(trace)]}
    async for chunk in make_llm(5).astream("hello", config=config):
        trace.append(("received", chunk))
    assert trace == interleaved("hello")


async def test_stop_cuts_the_token_stream_too(make_llm):
    trace: list[tuple[str, str]] = []
    config = {"callbacks": [AsyncTrace(trace)]}
    async for chunk in make_llm(5).astream("hello", config=config, stop=["e"]):
        trace.append(("received", chunk))
    assert trace == interleaved("he")
