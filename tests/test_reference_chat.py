"""Both reference chat models, on every path: answers, stop, usage, metadata and tool calls."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool

from reference_llm import EchoChatModel
from tests.test_reference_stop import STOP_CASES


@tool
def get_weather(city: str) -> str:
    """Get the weather in a city."""
    return "sunny"


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def join(chunks):
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


async def every_path(model, prompt, **kwargs):
    """The answer of invoke, ainvoke, and the joined stream and astream."""
    return {
        "invoke": model.invoke(prompt, **kwargs),
        "ainvoke": await model.ainvoke(prompt, **kwargs),
        "stream": join(list(model.stream(prompt, **kwargs))),
        "astream": join([c async for c in model.astream(prompt, **kwargs)]),
    }


@pytest.mark.parametrize(("prompt", "n", "stop", "expected"), STOP_CASES)
async def test_stop_on_every_path(make_chat, prompt, n, stop, expected):
    model = make_chat(n)
    for path, message in (await every_path(model, prompt, stop=stop)).items():
        assert message.content == expected, path
    assert [m.content for m in model.batch([prompt, prompt], stop=stop)] == [expected] * 2
    assert [m.content for m in await model.abatch([prompt], stop=stop)] == [expected]


async def test_the_last_human_message_is_echoed(make_chat):
    conversation = [
        SystemMessage("be brief"),
        HumanMessage("first question"),
        AIMessage("an answer"),
        HumanMessage("second question"),
        AIMessage("a later answer"),
    ]
    for path, message in (await every_path(make_chat(6), conversation)).items():
        assert message.content == "second", path


def test_list_content_is_read_as_its_text_blocks(make_chat):
    message = HumanMessage([{"type": "text", "text": "hello "}, {"type": "text", "text": "you"}])
    assert make_chat(9).invoke([message]).content == "hello you"


def test_no_human_message_answers_nothing(make_chat):
    assert make_chat(5).invoke([SystemMessage("sys")]).content == ""
    chunks = list(make_chat(5).stream([SystemMessage("sys")]))
    assert [c.content for c in chunks] == [""]


async def test_the_stop_init_field_is_honoured_like_a_call_stop(make_chat):
    for field in ("stop", "stop_sequences"):
        model = make_chat(11, **{field: ["o"]})
        assert model.stop_sequences == ["o"]
        for path, message in (await every_path(model, "hello world")).items():
            assert message.content == "hello", (field, path)


async def test_a_call_stop_replaces_the_init_stop(make_chat):
    model = make_chat(11, stop=["o"])
    for path, message in (await every_path(model, "hello world", stop=["w"])).items():
        assert message.content == "hello w", path
    assert model.invoke("hello world", stop=[]).content == "hello world"


def test_tracing_params_report_the_stop_in_effect(make_chat):
    model = make_chat(11, stop=["o"])
    assert model._get_ls_params()["ls_stop"] == ["o"]
    assert model._get_ls_params(stop=["w"])["ls_stop"] == ["w"]
    assert "ls_stop" not in make_chat(11)._get_ls_params()
    assert model._get_ls_params()["ls_model_name"] == "echo-n"
    assert model._get_ls_params(model="other")["ls_model_name"] == "other"


def test_usage_is_counted_once_on_the_last_chunk(make_chat):
    model = make_chat(5)
    invoked = model.invoke("hello world")
    assert invoked.usage_metadata == {"input_tokens": 11, "output_tokens": 5, "total_tokens": 16}
    chunks = list(model.stream("hello world"))
    with_usage = [i for i, chunk in enumerate(chunks) if chunk.usage_metadata]
    assert with_usage == [len(chunks) - 1]
    assert join(chunks).usage_metadata == invoked.usage_metadata


async def test_async_usage_equals_sync_usage(make_chat):
    model = make_chat(5)
    chunks = [c async for c in model.astream("hello world")]
    assert [i for i, c in enumerate(chunks) if c.usage_metadata] == [len(chunks) - 1]
    assert join(chunks).usage_metadata == (await model.ainvoke("hello world")).usage_metadata


def test_input_usage_counts_every_message(make_chat):
    conversation = [SystemMessage("sys"), HumanMessage("hello")]
    usage = make_chat(2).invoke(conversation).usage_metadata
    assert usage == {"input_tokens": 8, "output_tokens": 2, "total_tokens": 10}


async def test_model_name_on_invoke_and_the_joined_stream(make_chat):
    answers = await every_path(make_chat(5), "hello")
    for path, message in answers.items():
        assert message.response_metadata["model_name"] == "echo-n", path
        assert message.response_metadata["finish_reason"] == "stop", path
    renamed = make_chat(5, model="echo-n-large")
    assert renamed.invoke("hello").response_metadata["model_name"] == "echo-n-large"
    overridden = join(list(renamed.stream("hello", model="echo-n-small")))
    assert overridden.response_metadata["model_name"] == "echo-n-small"


def test_the_stream_ends_with_a_last_chunk(make_chat):
    chunks = list(make_chat(5).stream("hello"))
    assert chunks[-1].chunk_position == "last"
    assert [c.chunk_position for c in chunks[:-1]] == [None] * (len(chunks) - 1)


def calls_of(message):
    return [(call["name"], call["args"]) for call in message.tool_calls]


async def test_a_named_tool_is_called_on_every_path(make_chat):
    model = make_chat(64).bind_tools([get_weather, add])
    answers = await every_path(model, "Use get_weather for Paris.")
    for path, message in answers.items():
        assert message.content == "", path
        assert calls_of(message) == [("get_weather", {"city": "Use get_weather for Paris."})], path
        assert message.tool_calls[0]["id"].startswith("call_"), path
        assert message.response_metadata["finish_reason"] == "tool_calls", path
    assert answers["invoke"].tool_calls[0]["id"] != answers["ainvoke"].tool_calls[0]["id"]
    assert answers["stream"].usage_metadata == answers["invoke"].usage_metadata


def test_two_calls_stream_with_distinct_indexes(make_chat):
    model = make_chat(64).bind_tools([get_weather, add])
    chunks = list(model.stream("First add, then get_weather."))
    heads = [tc for chunk in chunks for tc in chunk.tool_call_chunks if tc["name"]]
    assert [(tc["name"], tc["index"]) for tc in heads] == [("add", 0), ("get_weather", 1)]
    assert heads[0]["id"] != heads[1]["id"]
    pieces = [tc for chunk in chunks for tc in chunk.tool_call_chunks if not tc["name"]]
    assert len(pieces) > 2, "the arguments come in pieces"
    assert all(tc["id"] is None and tc["index"] in (0, 1) for tc in pieces)
    joined = join(chunks)
    assert calls_of(joined) == [
        ("add", {"a": 0, "b": 0}),
        ("get_weather", {"city": "First add, then get_weather."}),
    ]
    assert len({call["id"] for call in joined.tool_calls}) == 2
    assert calls_of(joined) == calls_of(model.invoke("First add, then get_weather."))


def test_a_message_that_names_no_tool_gets_text(make_chat):
    model = make_chat(5).bind_tools([get_weather])
    answer = model.invoke("What is the weather?")
    assert (answer.content, answer.tool_calls) == ("What ", [])


@pytest.mark.parametrize(
    ("tool_choice", "expected"),
    [
        ("none", []),
        ("any", ["get_weather"]),
        ("required", ["get_weather"]),
        (True, ["get_weather"]),
        ("add", ["add"]),
        ({"type": "function", "function": {"name": "add"}}, ["add"]),
    ],
)
def test_tool_choice(make_chat, tool_choice, expected):
    model = make_chat(5).bind_tools([get_weather, add], tool_choice=tool_choice)
    assert [name for name, _ in calls_of(model.invoke("Hello there"))] == expected


def test_a_tool_choice_that_names_no_bound_tool_is_refused_at_bind_time(make_chat):
    with pytest.raises(ValueError, match="neither one of"):
        make_chat(5).bind_tools([get_weather], tool_choice="add")


def test_tool_results_end_the_calls(make_chat):
    model = make_chat(64).bind_tools([get_weather])
    question = HumanMessage("Use get_weather for Paris.")
    first = model.invoke([question])
    assert first.tool_calls
    result = ToolMessage("sunny", tool_call_id=first.tool_calls[0]["id"])
    second = model.invoke([question, first, result])
    assert second.tool_calls == []
    assert second.content == "Use get_weather for Paris."


def test_structured_output_through_a_forced_call(make_chat):
    from pydantic import BaseModel

    class Joke(BaseModel):
        """A joke."""

        setup: str
        rating: int

    structured = make_chat(7).with_structured_output(Joke)
    assert structured.invoke("Tell me a joke") == Joke(setup="Tell me", rating=0)
    assert list(structured.stream("Tell me a joke"))[-1] == Joke(setup="Tell me", rating=0)


def test_identifying_params_are_json_and_stable(make_chat):
    params = make_chat(5, stop=["x"])._identifying_params
    assert json.loads(json.dumps(params)) == params
    assert params == make_chat(5, stop=["x"])._identifying_params
    assert params["stop_sequences"] == ["x"]
    assert params != make_chat(5)._identifying_params


def test_the_stop_init_field_changes_the_cache_key(make_chat):
    assert make_chat(5, stop=["x"])._get_llm_string() != make_chat(5)._get_llm_string()


def test_n_must_not_be_negative():
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        EchoChatModel(n=-1)


async def test_astream_events_over_a_chain(make_chat):
    chain = ChatPromptTemplate.from_messages([("human", "{input}")]) | make_chat(5)
    events = [e async for e in chain.astream_events({"input": "hello"}, version="v2")]
    kinds = [e["event"] for e in events if e["event"].startswith("on_chat_model")]
    assert kinds[0] == "on_chat_model_start"
    assert kinds[-1] == "on_chat_model_end"
    assert kinds.count("on_chat_model_start") == kinds.count("on_chat_model_end") == 1
    streamed = [e["data"]["chunk"] for e in events if e["event"] == "on_chat_model_stream"]
    assert "".join(str(c.content) for c in streamed) == "hello"
    end = next(e for e in events if e["event"] == "on_chat_model_end")
    assert end["data"]["output"].content == "hello"
    assert end["data"]["output"].usage_metadata["output_tokens"] == 5
