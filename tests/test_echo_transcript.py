"""The guide's transcript ("Let's test it"), reproduced by both references."""

from __future__ import annotations

import re

import pytest
from langchain_core.prompts import ChatPromptTemplate
from pydantic import ValidationError

from reference_llm import EchoLLM

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_print_shows_class_name_then_identifying_params():
    printed = ANSI.sub("", str(EchoLLM(n=5)))
    assert printed == "EchoLLM\nParams: {'model_name': 'echo-n', 'n': 5}"


def test_invoke_and_batch(make_llm):
    assert make_llm(5).invoke("This is a foobar thing") == "This "
    assert make_llm(5).batch(["woof woof woof", "meow meow meow"]) == [
        "woof ",
        "meow ",
    ]


async def test_ainvoke_abatch_astream(make_llm):
    llm = make_llm(5)
    assert await llm.ainvoke("world") == "world"
    assert await llm.abatch(["woof woof woof", "meow meow meow"]) == [
        "woof ",
        "meow ",
    ]
    assert [token async for token in llm.astream("hello")] == list("hello")


def test_stream_yields_one_character_per_chunk(make_llm):
    assert list(make_llm(5).stream("hello")) == list("hello")


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.filterwarnings("ignore:astream_events version='v1' is deprecated")
async def test_astream_events_over_a_prompt_chain(make_llm, version):
    prompt = ChatPromptTemplate.from_messages([("system", "you are a bot"), ("human", "{input}")])
    chain = prompt | make_llm(7)
    events = [
        event async for event in chain.astream_events({"input": "hello there!"}, version=version)
    ]
    kinds = [event["event"] for event in events]
    assert kinds[:4] == [
        "on_chain_start",
        "on_prompt_start",
        "on_prompt_end",
        "on_llm_start",
    ]
    assert events[3]["data"]["input"]["prompts"] == ["System: you are a bot\nHuman: hello there!"]
    streamed = [e for e in events if e["event"] in ("on_llm_stream", "on_chain_stream")]
    assert [e["event"] for e in streamed[:4]] == [
        "on_llm_stream",
        "on_chain_stream",
        "on_llm_stream",
        "on_chain_stream",
    ]
    llm_chunks = [e["data"]["chunk"] for e in streamed if e["event"] == "on_llm_stream"]
    texts = [getattr(chunk, "text", chunk) for chunk in llm_chunks]
    assert texts == list("System:")
    chain_chunks = [e["data"]["chunk"] for e in streamed if e["event"] == "on_chain_stream"]
    assert chain_chunks == list("System:")
    assert kinds.index("on_llm_end") > kinds.index("on_llm_stream")


def test_negative_n_is_rejected_with_a_clear_message():
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        EchoLLM(n=-1)
