"""The ``BaseChatModel`` behaviours the chat checks rely on, read off langchain-core itself.

Each test calls ``BaseChatModel`` through a tiny purpose-built chat model and a
recording callback handler, and asserts what langchain-core does, precisely,
so that a release that changes it fails CI instead of silently changing the
verdicts. The comments cite langchain-core 1.8.3's
``langchain_core/language_models/chat_models.py`` (``chat_models.py`` below)
and ``langchain_core/callbacks/manager.py`` (``manager.py``).

What they pin, in short:

(a) Who fires ``on_llm_new_token``: on ``stream``, ``astream`` and the
streaming branch of ``invoke``/``ainvoke`` (a ``streaming=True`` field set at
construction, or ``astream_events``), langchain-core fires it itself, once per
chunk, and calls ``_stream``/``_astream`` without a ``run_manager``; so a
``_stream`` that fires it "if run_manager" cannot fire it a second time. Only
``stream_events(version="v3")`` hands ``_stream`` a ``run_manager`` and fires
no token callback itself: there the model's own call is the only one.

(b) The final empty chunk: when the model's last chunk has no
``chunk_position``, ``stream``/``astream`` yield one more chunk
(``content=""``, ``chunk_position="last"``, no usage, no response metadata)
and fire ``on_llm_new_token("")`` for it; a model whose last chunk says
``chunk_position="last"`` gets none.

(c) ``stop`` reaches ``_generate``/``_stream`` as the keyword ``stop=`` (``None``
when not given); a ``stop`` init field is never merged in by langchain-core;
``invocation_params["stop"]`` and ``ls_stop`` are the call's ``stop`` only.

(d) A chat run opens with ``on_chat_model_start`` (the input as one list of
``BaseMessage``) and closes with ``on_llm_end`` or ``on_llm_error``; a handler
without ``on_chat_model_start`` gets ``on_llm_start`` with the messages as one
string instead.
"""

from __future__ import annotations

import importlib.metadata
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.language_models import BaseChatModel, chat_models
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, LLMResult
from langchain_core.prompts import ChatPromptTemplate

PINNED = "1.8.3"
USAGE = {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}


class TinyChat(BaseChatModel):
    """Answers ``ab`` in two chunks; records how langchain-core called it."""

    fires: bool = False
    """Whether ``_stream``/``_astream`` fire ``on_llm_new_token`` when given a run_manager."""

    mark_last: bool = False
    """Whether the last chunk says ``chunk_position="last"`` (with usage and metadata)."""

    streaming: bool = False
    """Whether ``invoke`` streams (LangChain reads it only when set explicitly)."""

    stop: list[str] | None = None
    """A stop init field, which langchain-core does not read."""

    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []  # noqa: RUF012

    @property
    def _llm_type(self) -> str:
        return "tiny-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"stop": ["from-identifying-params"]}

    def _generate(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> ChatResult:  # pass-through signature: records exactly what it is given
        self.calls.append(("_generate", args, dict(kwargs)))
        message = AIMessage("ab", usage_metadata=USAGE, response_metadata={"model_name": "t"})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _chunks(self) -> list[ChatGenerationChunk]:
        last = {"usage_metadata": USAGE, "response_metadata": {"model_name": "t"}}
        if self.mark_last:
            last["chunk_position"] = "last"
        return [
            ChatGenerationChunk(message=AIMessageChunk(content="a")),
            ChatGenerationChunk(message=AIMessageChunk(content="b", **last)),
        ]

    def _stream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        self.calls.append(("_stream", args, dict(kwargs)))
        run_manager = kwargs.get("run_manager")
        for chunk in self._chunks():
            if self.fires and run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        self.calls.append(("_astream", args, dict(kwargs)))
        run_manager = kwargs.get("run_manager")
        for chunk in self._chunks():
            if self.fires and run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


class NoStreamChat(TinyChat):
    """Only ``_generate``: LangChain's fallbacks serve every other path."""

    _stream = BaseChatModel._stream  # type: ignore[assignment]
    _astream = BaseChatModel._astream  # type: ignore[assignment]


class OnlySyncStreamChat(TinyChat):
    """``_stream`` without ``_astream``: ``astream`` runs ``_stream`` in a thread."""

    _astream = BaseChatModel._astream  # type: ignore[assignment]


class Recorder(BaseCallbackHandler):
    """Every callback of a run, in order, with what it was given."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.starts: list[dict[str, Any]] = []
        self.run_ids: list[tuple[str, UUID]] = []
        self.token_chunks: list[Any] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.starts.append({"messages": messages, **kwargs})
        self.events.append(("chat_start", [[m.text for m in ms] for ms in messages]))
        self.run_ids.append(("start", kwargs["run_id"]))

    def on_llm_new_token(self, token: str, *, chunk: Any = None, **kwargs: Any) -> None:
        self.events.append(("token", token))
        self.token_chunks.append(chunk)

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        self.events.append(("end", response.generations[0][0].text))
        self.run_ids.append(("end", kwargs["run_id"]))

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self.events.append(("error", type(error).__name__))

    def tokens(self) -> list[str]:
        return [value for kind, value in self.events if kind == "token"]


class AsyncRecorder(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    async def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        self.tokens.append(token)


CITED = {
    # line of chat_models.py: what it holds, as the comments below cite it
    614: 'if kwargs.get("stream"):',
    619: '"streaming" in self.model_fields_set',
    728: "self._stream(messages, stop=stop, run_manager=run_manager, **kwargs)",
    734: "run_manager.on_stream_event(event)",
    782: "self.invoke(input, config=config, stop=stop, **kwargs)",
    837: "for chunk in self._stream(input_messages, stop=stop, **kwargs):",
    854: "run_manager.on_llm_new_token(chunk.message.content, chunk=chunk)",
    864: "and not chunk.message.chunk_position",
    870: 'content=empty_content, chunk_position="last", id=run_id',
    872: "run_manager.on_llm_new_token(",
    898: "run_manager.on_llm_end(LLMResult(generations=[[generation]]))",
    970: "async for chunk in self._astream(",
    991: "await run_manager.on_llm_new_token(chunk.message.content, chunk=chunk)",
    1008: "await run_manager.on_llm_new_token(",
    1542: 'params["stop"] = stop',
    1585: 'ls_params["ls_stop"] = stop',
    1713: "messages_to_trace,",
    1756: "manager.on_llm_end(flattened_output)",
    2024: "for chunk in self._stream(messages, stop=stop, **kwargs):",
    2042: "run_manager.on_llm_new_token(chunk.message.content, chunk=chunk)",
    2061: 'run_manager.on_llm_new_token("", chunk=chunk)',
    2064: 'elif _signature_parameters(self._generate).get("run_manager"):',
    2069: "result = self._generate(messages, stop=stop, **kwargs)",
    2179: "async for chunk in self._astream(messages, stop=stop, **kwargs):",
    2197: "await run_manager.on_llm_new_token(",
    2218: 'await run_manager.on_llm_new_token("", chunk=chunk)',
    2289: "return await run_in_executor(",
    2336: "iterator = await run_in_executor(",
}


def test_the_cited_lines_hold_what_the_comments_say():
    """The line numbers below are those of langchain-core 1.8.3.

    The behaviour tests are what guards the checks; this one only keeps the
    citations honest, so under another release it is skipped, not failed.
    """
    installed = importlib.metadata.version("langchain-core")
    if installed != PINNED:
        pytest.skip(f"the comments cite langchain-core {PINNED}; {installed} is installed")
    source = Path(chat_models.__file__).read_text().splitlines()
    wrong = {line: text for line, text in CITED.items() if text not in source[line - 1]}
    assert not wrong, wrong


# (a) who fires on_llm_new_token


@pytest.mark.parametrize("fires", [False, True], ids=["silent-stream", "firing-stream"])
def test_stream_fires_the_token_itself_and_hands_stream_no_run_manager(fires):
    model = TinyChat(fires=fires, calls=[])
    recorder = Recorder()
    chunks = list(model.stream("hi", config={"callbacks": [recorder]}))
    # chat_models.py:837: `self._stream(input_messages, stop=stop, **kwargs)`, no run_manager
    assert model.calls == [("_stream", (), {"stop": None})]
    # chat_models.py:854 fires once per model chunk; 872 once more for the final empty chunk
    assert recorder.tokens() == ["a", "b", ""]
    assert [c.content for c in chunks] == ["a", "b", ""]
    assert all(isinstance(c, ChatGenerationChunk) for c in recorder.token_chunks)
    assert [c.message for c in recorder.token_chunks[:2]] == chunks[:2]


@pytest.mark.parametrize("fires", [False, True], ids=["silent-stream", "firing-stream"])
async def test_astream_fires_the_token_itself_and_hands_astream_no_run_manager(fires):
    model = TinyChat(fires=fires, calls=[])
    recorder = AsyncRecorder()
    chunks = [c async for c in model.astream("hi", config={"callbacks": [recorder]})]
    # chat_models.py:970-973: `self._astream(input_messages, stop=stop, **kwargs)`
    assert model.calls == [("_astream", (), {"stop": None})]
    # chat_models.py:991 once per model chunk, 1008 for the final empty chunk
    assert recorder.tokens == ["a", "b", ""]
    assert [c.content for c in chunks] == ["a", "b", ""]


@pytest.mark.parametrize("fires", [False, True], ids=["silent-stream", "firing-stream"])
async def test_invoke_of_a_streaming_model_fires_the_tokens_itself(fires):
    model = TinyChat(fires=fires, streaming=True, calls=[])
    recorder = Recorder()
    assert model.invoke("hi", config={"callbacks": [recorder]}).content == "ab"
    # chat_models.py:2024: `_generate_with_cache` streams with `self._stream(messages,
    # stop=stop, **kwargs)`, no run_manager; 2042 fires per chunk, 2061 for the empty chunk
    assert model.calls == [("_stream", (), {"stop": None})]
    assert recorder.tokens() == ["a", "b", ""]
    arecorder = AsyncRecorder()
    assert (await model.ainvoke("hi", config={"callbacks": [arecorder]})).content == "ab"
    # chat_models.py:2179 (`_astream` without run_manager), 2197 and 2218
    assert model.calls[-1] == ("_astream", (), {"stop": None})
    assert arecorder.tokens == ["a", "b", ""]


def test_a_streaming_default_does_not_stream_invoke():
    """chat_models.py:617-622: only a ``streaming=True`` given at construction counts."""

    class DefaultStreaming(TinyChat):
        streaming: bool = True

    model = DefaultStreaming(calls=[])
    recorder = Recorder()
    model.invoke("hi", config={"callbacks": [recorder]})
    assert [name for name, _, _ in model.calls] == ["_generate"]
    assert recorder.tokens() == []


def test_invoke_stream_keyword_streams_and_reaches_stream():
    """chat_models.py:614: ``stream=True`` given to the call streams, and is passed on."""
    model = TinyChat(calls=[])
    recorder = Recorder()
    model.invoke("hi", config={"callbacks": [recorder]}, stream=True)
    assert model.calls == [("_stream", (), {"stop": None, "stream": True})]
    assert recorder.tokens() == ["a", "b", ""]


@pytest.mark.parametrize("fires", [False, True], ids=["silent-stream", "firing-stream"])
async def test_astream_events_sees_the_tokens_langchain_fires(fires):
    model = TinyChat(fires=fires, calls=[])
    chain = ChatPromptTemplate.from_messages([("human", "{input}")]) | model
    recorder = AsyncRecorder()
    config = {"callbacks": [recorder]}
    events = [e async for e in chain.astream_events({"input": "hi"}, config, version="v2")]
    # the chain calls the model's astream (chat_models.py:970, no run_manager; 991, 1008)
    assert model.calls == [("_astream", (), {"stop": None})]
    assert recorder.tokens == ["a", "b", ""]
    chat = [e for e in events if e["event"].startswith("on_chat_model")]
    assert [e["event"] for e in chat] == [
        "on_chat_model_start",
        "on_chat_model_stream",
        "on_chat_model_stream",
        "on_chat_model_stream",
        "on_chat_model_end",
    ]
    assert [e["data"]["chunk"].content for e in chat[1:4]] == ["a", "b", ""]
    assert chat[-1]["data"]["output"].content == "ab"


@pytest.mark.parametrize(("fires", "expected"), [(False, []), (True, ["a", "b"])])
def test_stream_events_v3_leaves_the_token_callback_to_the_model(fires, expected):
    model = TinyChat(fires=fires, calls=[])
    recorder = Recorder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a beta API
        list(model.stream_events("hi", version="v3", config={"callbacks": [recorder]}))
    # chat_models.py:728: `_iter_v2_events` passes run_manager=run_manager to `_stream`,
    # and fires `on_stream_event` (734), never on_llm_new_token; no final empty chunk
    (call,) = model.calls
    assert call[0] == "_stream"
    assert call[2]["run_manager"] is not None
    assert recorder.tokens() == expected


def test_a_model_that_does_not_stream_yields_its_invoke_message():
    """chat_models.py:778-783: ``stream`` falls back to ``invoke``: one AIMessage, no token."""
    model = NoStreamChat(calls=[])
    recorder = Recorder()
    chunks = list(model.stream("hi", config={"callbacks": [recorder]}))
    assert len(chunks) == 1
    assert type(chunks[0]) is AIMessage  # not an AIMessageChunk
    assert chunks[0].content == "ab"
    assert recorder.tokens() == []


async def test_astream_without_astream_runs_stream_with_positional_arguments():
    """chat_models.py:2336-2342: the default ``_astream`` calls ``_stream(messages, stop, rm)``."""
    model = OnlySyncStreamChat(calls=[])
    recorder = AsyncRecorder()
    chunks = [c async for c in model.astream("hi", stop=["x"], config={"callbacks": [recorder]})]
    assert model.calls == [("_stream", (["x"], None), {})]
    assert [c.content for c in chunks] == ["a", "b", ""]
    assert recorder.tokens == ["a", "b", ""]


# (b) the final empty chunk


def test_the_final_empty_chunk_carries_nothing_but_its_position():
    chunks = list(TinyChat(calls=[]).stream("hi"))
    final = chunks[-1]
    # chat_models.py:862-876: added when the model's last chunk has no chunk_position
    assert isinstance(final, AIMessageChunk)
    assert (final.content, final.chunk_position) == ("", "last")
    assert final.usage_metadata is None
    assert final.response_metadata == {}
    assert final.tool_call_chunks == []
    assert final.id == chunks[0].id  # the run's id, chat_models.py:833, 839, 870
    assert final.id.startswith("lc_run-")
    joined = chunks[0] + chunks[1] + chunks[2]
    assert joined.usage_metadata == USAGE  # the model's usage, counted once
    assert joined.response_metadata == {"model_name": "t"}


def test_a_last_chunk_that_says_so_gets_no_extra_chunk():
    model = TinyChat(mark_last=True, calls=[])
    recorder = Recorder()
    chunks = list(model.stream("hi", config={"callbacks": [recorder]}))
    # chat_models.py:864: `not chunk.message.chunk_position`
    assert [c.content for c in chunks] == ["a", "b"]
    assert chunks[-1].chunk_position == "last"
    assert recorder.tokens() == ["a", "b"]


def test_list_content_gets_an_empty_list_final_chunk():
    class ListChat(TinyChat):
        def _chunks(self) -> list[ChatGenerationChunk]:
            block = [{"type": "text", "text": "ab", "index": 0}]
            return [ChatGenerationChunk(message=AIMessageChunk(content=block))]

    final = list(ListChat(calls=[]).stream("hi"))[-1]
    # chat_models.py:866-868: `"" if isinstance(content, str) else []`
    assert (final.content, final.chunk_position) == ([], "last")


# (c) how stop reaches the model


def test_stop_reaches_generate_and_stream_as_a_keyword():
    model = TinyChat(calls=[])
    model.invoke("hi", stop=["x"])
    list(model.stream("hi", stop=["y"]))
    # chat_models.py:2064-2069: a `_generate` without a run_manager parameter (this
    # pass-through one) gets `(messages, stop=stop, **kwargs)`; 837 for `_stream`
    assert model.calls == [("_generate", (), {"stop": ["x"]}), ("_stream", (), {"stop": ["y"]})]


def test_generate_that_declares_run_manager_gets_it_as_a_keyword():
    seen: list[dict[str, Any]] = []

    class Declared(NoStreamChat):
        def _generate(
            self,
            messages: list[BaseMessage],
            stop: list[str] | None = None,
            run_manager: Any = None,
            **kwargs: Any,
        ) -> ChatResult:
            seen.append({"stop": stop, "run_manager": run_manager, **kwargs})
            return ChatResult(generations=[ChatGeneration(message=AIMessage("ab"))])

    Declared().invoke("hi", stop=["x"])
    # chat_models.py:2064-2067: `self._generate(messages, stop=stop, run_manager=...)`
    assert seen[0]["stop"] == ["x"]
    assert seen[0]["run_manager"] is not None


async def test_ainvoke_without_agenerate_runs_generate_with_positional_arguments():
    model = NoStreamChat(calls=[])
    await model.ainvoke("hi", stop=["x"])
    # chat_models.py:2289-2296: `run_in_executor(None, self._generate, messages, stop,
    # run_manager.get_sync() if run_manager else None, **kwargs)`
    ((name, args, kwargs),) = model.calls
    assert (name, args[0], kwargs) == ("_generate", ["x"], {})
    assert args[1] is not None  # the run manager, by position


def test_a_stop_init_field_is_not_merged_in():
    model = TinyChat(stop=["field"], calls=[])
    model.invoke("hi")
    list(model.stream("hi"))
    assert model.calls == [("_generate", (), {"stop": None}), ("_stream", (), {"stop": None})]


def test_invocation_params_and_ls_stop_hold_the_call_stop_only():
    model = TinyChat(stop=["field"], calls=[])
    recorder = Recorder()
    model.invoke("hi", config={"callbacks": [recorder]})
    model.invoke("hi", stop=["call"], config={"callbacks": [recorder]})
    first, second = recorder.starts
    # chat_models.py:1542: `params["stop"] = stop` overwrites an identifying "stop" key
    assert first["invocation_params"]["stop"] is None
    assert second["invocation_params"]["stop"] == ["call"]
    assert (first["options"], second["options"]) == ({"stop": None}, {"stop": ["call"]})
    # chat_models.py:1584-1585: ls_stop only from the call's stop (unless overridden)
    assert "ls_stop" not in first["metadata"]
    assert second["metadata"]["ls_stop"] == ["call"]
    # chat_models.py:1574-1582: the provider is the class name less "Chat", lowercased
    assert model._get_ls_params() == {"ls_provider": "tiny", "ls_model_type": "chat"}


def test_the_cache_key_includes_the_call_stop_only():
    model = TinyChat(stop=["field"], calls=[])
    # chat_models.py:1630-1633 (a class that is not lc-serializable): the invocation
    # params, whose "stop" is the call's stop
    assert model._get_llm_string() == TinyChat(stop=None, calls=[])._get_llm_string()
    assert model._get_llm_string(stop=["x"]) != model._get_llm_string()


# (d) which callbacks open and close a chat run


def test_a_run_opens_with_on_chat_model_start_and_closes_with_on_llm_end():
    model = TinyChat(calls=[])
    recorder = Recorder()
    prompt = ChatPromptTemplate.from_messages([("system", "be brief"), ("human", "{q}")])
    model.invoke(prompt.invoke({"q": "hi"}), config={"callbacks": [recorder]})
    model.invoke([("human", "one"), ("ai", "two"), ("human", "three")], {"callbacks": [recorder]})
    list(model.stream("hi", config={"callbacks": [recorder]}))
    # chat_models.py:1711-1713 (generate) and 816-818 (stream): on_chat_model_start
    # with [messages], one list per run; the run ends with on_llm_end (1756, 898)
    assert recorder.events == [
        ("chat_start", [["be brief", "hi"]]),
        ("end", "ab"),
        ("chat_start", [["one", "two", "three"]]),
        ("end", "ab"),
        ("chat_start", [["hi"]]),
        ("token", "a"),
        ("token", "b"),
        ("token", ""),
        ("end", "ab"),
    ]
    assert all(isinstance(m, BaseMessage) for m in recorder.starts[0]["messages"][0])
    assert [type(m).__name__ for m in recorder.starts[1]["messages"][0]] == [
        "HumanMessage",
        "AIMessage",
        "HumanMessage",
    ]
    starts = [run for kind, run in recorder.run_ids if kind == "start"]
    ends = [run for kind, run in recorder.run_ids if kind == "end"]
    assert starts == ends


def test_batch_opens_one_run_per_input():
    recorder = Recorder()
    TinyChat(calls=[]).batch(["a", "b", "c"], config={"callbacks": [recorder]})
    starts = {run for kind, run in recorder.run_ids if kind == "start"}
    ends = {run for kind, run in recorder.run_ids if kind == "end"}
    assert len(starts) == 3
    assert starts == ends


def test_a_failing_run_closes_with_on_llm_error():
    class Failing(NoStreamChat):
        def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
            raise RuntimeError("boom")

    recorder = Recorder()
    with pytest.raises(RuntimeError):
        Failing().invoke("hi", config={"callbacks": [recorder]})
    assert recorder.events == [("chat_start", [["hi"]]), ("error", "RuntimeError")]


def test_a_handler_without_on_chat_model_start_gets_on_llm_start_with_a_string():
    seen: list[list[str]] = []

    class LlmOnly(BaseCallbackHandler):
        def on_llm_start(self, serialized: Any, prompts: list[str], **kwargs: Any) -> None:
            seen.append(prompts)

    TinyChat(calls=[]).invoke([HumanMessage("hi"), AIMessage("yo")], {"callbacks": [LlmOnly()]})
    # callbacks/base.py:346 raises NotImplementedError; manager.py:321-333 falls back to
    # on_llm_start with `get_buffer_string` of the messages
    assert seen == [["Human: hi\nAI: yo"]]
