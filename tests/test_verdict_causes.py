"""A failure's likely cause is one the observations support, in the model kind's words."""

from __future__ import annotations

from pytest_llm_compliance import check_llm
from pytest_llm_compliance.checks._api import catalog
from pytest_llm_compliance.core.outcomes import Outcome
from pytest_llm_compliance.core.settings import merge
from pytest_llm_compliance.reports.formats import Report, TargetReport, to_markdown

PARAMS = {"n": 64}


def one(target: str, check_id: str, params=PARAMS):
    (record,) = check_llm(target, params, select_ids=[check_id])
    return record


def cause_of(message: str) -> str:
    lines = [line for line in message.splitlines() if line.startswith("  likely cause: ")]
    return lines[0].removeprefix("  likely cause: ") if lines else ""


def test_a_stream_that_never_reads_stop_is_not_told_the_stop_straddles():
    record = one("tests.cause_models:StreamNeverReadsStop", "stop.respected")
    assert record.outcome is Outcome.FAILED
    assert "straddles" not in record.message
    assert "stream(stop=" in record.message
    assert "the stop sequences were ignored" in record.message
    assert cause_of(record.message) == (
        "`_stream` never reads its `stop` argument; `_astream` never reads its `stop` argument"
    )
    assert "guide's own example" not in record.message  # nothing raised


def test_a_stream_testing_each_chunk_is_still_told_the_stop_straddles():
    record = one("tests.accuracy_models:PerChunkStopStream", "stop.respected")
    assert record.outcome is Outcome.FAILED
    assert "which straddles two chunks of this stream, was never seen" in record.message
    assert cause_of(record.message) == (
        "the stream tests each chunk for the stop instead of the text so far"
    )


def test_a_raise_on_stop_is_told_it_raised_not_that_stops_are_not_literal():
    record = one("tests.cause_models:RaisesOnStop", "stop.respected")
    assert record.outcome is Outcome.FAILED
    assert "a stop that never occurs, raised: ValueError: stop kwargs are not permitted" in (
        record.message
    )
    assert "literal text" not in record.message
    assert cause_of(record.message).startswith("the model raises when it is given stop")
    assert "guide's own example" in record.message


def test_a_regex_stop_is_told_regex_where_the_pattern_explains_the_answer():
    record = one("tests.accuracy_models:RegexSplitStop", "stop.respected")
    assert record.outcome is Outcome.FAILED
    assert "matched as a pattern (regex)" in cause_of(record.message)
    assert "guide's own example" not in record.message


def test_the_class_docstring_message_says_what_it_found():
    record = one("tests.cause_models:DocstringWithoutExample", "docs.class_docstring")
    assert record.outcome is Outcome.FAILED
    assert "begins 'Echo models for tests.'" in record.message
    assert "no code example" in record.message
    assert "it builds `EchoLLM(...)` instead" in record.message


def markdown_of(target: str, kind: str) -> str:
    records = check_llm(target, PARAMS, select_ids=["methods", "streaming", "callbacks", "stop"])
    settings = merge([], catalog())
    return to_markdown(Report([TargetReport(target, settings, records, kind=kind)]))


def test_the_markdown_report_speaks_the_chat_models_words_in_github_task_lists():
    chat = markdown_of("reference_llm:EchoChatModel", "chat")
    assert "- [x] `methods.invoke`: `invoke` on a `str`, a `PromptValue` and a list of " in chat
    assert "returns an `AIMessage`" in chat
    assert "`ChatGenerationChunk`" in chat
    assert "`on_chat_model_start`" in chat
    for llm_word in ("`on_llm_start`", "`GenerationChunk`", "returns a `str`", "[-]"):
        assert llm_word not in chat, llm_word
    skipped = [line for line in chat.splitlines() if "stop.bound" in line]
    assert skipped == [] or skipped[0].startswith("- [x] ") or skipped[0].startswith("- ~~")
    text = markdown_of("reference_llm:EchoLLM", "llm")
    assert "`on_llm_start`" in text
    assert "returns a `str`" in text
    assert "- ~~`stop.bound`~~: " in text  # skipped: a plain item, struck, with its reason
    assert "(skipped: the class has no stop init field" in text
    assert "[-]" not in text
