"""``methods.*``: the guide's "Tests" (invoke, ainvoke, batch, abatch, stream, astream)."""

from __future__ import annotations

from pytest_llm_compliance.checks._api import check
from pytest_llm_compliance.checks._text import excerpt
from pytest_llm_compliance.core.outcomes import CheckFailed, Verdict, fail, passed
from pytest_llm_compliance.observe.core import Call, Observations

INVOKE_FIX = """
# invoke/ainvoke convert a str, a PromptValue or a list of messages into the
# prompt string and call _call/_acall, which must return a str:
def _call(self, prompt: str, stop=None, run_manager=None, **kwargs: Any) -> str:
    return self._client.complete(prompt, stop=stop)["text"]   # a str, not a dict
"""
BATCH_FIX = """
# Do not override batch/abatch unless the provider has a batch API; if you do,
# return one str per input, in input order:
def batch(self, inputs, config=None, **kwargs) -> list[str]:
    return [self.invoke(i, config, **kwargs) for i in inputs]
"""
STREAM_FIX = """
def _stream(self, prompt, stop=None, run_manager=None, **kwargs) -> Iterator[GenerationChunk]:
    for piece in self._client.stream(prompt, stop=stop):
        chunk = GenerationChunk(text=piece)          # text is a str
        if run_manager:
            run_manager.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk
"""


def _a(noun: str) -> str:
    """``a str``, ``an AIMessage``."""
    return f"{'an' if noun[:1] in 'AEIOU' else 'a'} {noun}"


def _entry_point(obs: Observations, label: str) -> str:
    """The method to look at for a call: an overridden public method, or the model's."""
    return obs.facts.method_for(label)


def _require_text(obs: Observations, call: Call, method: str) -> str:
    """The text of the call's output, which must be the kind's result type; otherwise fail."""
    wanted = _a(obs.kind.result_type)
    if not call.ok:
        raise fail(
            f"{call.label} {'hung' if call.hung else 'raised'}",
            expected=wanted,
            observed=call.raised,
            cause="the model's code hangs on this input"
            if call.hung
            else "the model's code raised on this input",
            method=method,
        )
    text = obs.kind.text(call.output)
    if text is None:
        raise fail(
            f"{call.label} did not return {wanted}",
            expected=wanted,
            observed=excerpt(call.output),
            cause="it returns something else than the text"
            if obs.kind.result_type == "str"
            else f"it returns something else than an {obs.kind.result_type} with text content",
            method=method,
        )
    return text


def _invoke_verdict(obs: Observations, calls: dict[str, Call]) -> Verdict:
    """Every input that does not give a str is named, in one message."""
    failures = []
    for call in calls.values():
        try:
            _require_text(obs, call, _entry_point(obs, call.label))
        except CheckFailed as failed:
            failures.append(failed)
    if len(failures) == 1:
        raise failures[0]
    if failures:
        first = failures[0].failure
        raise fail(
            f"{len(failures)} of {len(calls)} inputs did not give {_a(obs.kind.result_type)}",
            expected=_a(obs.kind.result_type),
            observed="; ".join(f"{f.summary}: {f.failure.observed}" for f in failures),
            cause=first.cause,
            method=first.method,
        )
    return passed(f"returned {_a(obs.kind.result_type)} for each of: {', '.join(calls)}")


@check(
    "methods.invoke",
    uses=("invoke",),
    rule="`invoke` on a `str`, a `PromptValue` and a list of messages returns a `str`",
    source='Tests: "invoke works"',
    fix=INVOKE_FIX,
)
def invoke(obs: Observations) -> Verdict:
    """``invoke`` accepts every input kind LangChain accepts."""
    return _invoke_verdict(obs, obs.invoke)


@check(
    "methods.ainvoke",
    uses=("ainvoke",),
    rule="`ainvoke` on a `str`, a `PromptValue` and a list of messages returns a `str`",
    source='Tests: "ainvoke works"',
    fix=INVOKE_FIX.replace("_call(self", "async def _acall(self"),
)
def ainvoke(obs: Observations) -> Verdict:
    """``ainvoke`` accepts every input kind LangChain accepts."""
    return _invoke_verdict(obs, obs.ainvoke)


def _batch_verdict(obs: Observations, call: Call, singles: dict[str, Call]) -> Verdict:
    inputs, result = len(obs.kind.inputs), obs.kind.result_type
    wanted = f"a list of {inputs} {result}"
    if not call.ok:
        raise fail(
            f"{call.label} {'hung' if call.hung else 'raised'}",
            expected=wanted,
            observed=call.raised,
            method=_entry_point(obs, call.label),
        )
    output = call.output
    if not isinstance(output, list) or len(output) != inputs:
        raise fail(
            f"{call.label} did not return one result per input",
            expected=wanted,
            observed=excerpt(output),
            cause="batch/abatch is overridden and drops or merges inputs",
            method=_entry_point(obs, call.label),
        )
    texts = obs.kind.texts(output)
    if texts is None:
        raise fail(
            f"{call.label} returned something else than {result}",
            expected=wanted,
            observed=excerpt(output),
            method=_entry_point(obs, call.label),
        )
    expected = obs.kind.texts([single.output for single in singles.values()])
    if obs.deterministic is not True or expected is None:
        why = (
            "the model is not deterministic"
            if obs.deterministic is False
            else ("the single calls it is compared with failed")
        )
        return passed(
            f"{call.label} returned {len(output)} {result}; their order was not compared "
            f"because {why}"
        )
    if texts == expected:
        return passed(f"{call.label} returned one {result} per input, in input order")
    raise fail(
        f"{call.label} results are not in input order",
        expected=excerpt(expected),
        observed=excerpt(texts),
        cause="results are collected as they complete, not by input position",
        method=_entry_point(obs, call.label),
    )


@check(
    "methods.batch",
    uses=("batch", "invoke"),
    rule="`batch` of 3+ inputs returns one `str` per input, in input order",
    source='Tests: "batch works"',
    fix=BATCH_FIX,
)
def batch(obs: Observations) -> Verdict:
    """``batch`` gives one result per input, ordered as ``invoke`` gives them."""
    return _batch_verdict(obs, obs.batch, obs.invoke)


@check(
    "methods.abatch",
    uses=("abatch", "ainvoke", "invoke", "batch"),
    rule="`abatch` of 3+ inputs returns one `str` per input, in input order",
    source="Tests",
    fix=BATCH_FIX.replace("def batch", "async def abatch").replace(
        "self.invoke(", "await self.ainvoke("
    ),
)
def abatch(obs: Observations) -> Verdict:
    """``abatch`` gives one result per input, ordered as ``ainvoke`` gives them."""
    return _batch_verdict(obs, obs.abatch, obs.ainvoke)


def _stream_verdict(obs: Observations, call: Call) -> Verdict:
    method, chunk_type = _entry_point(obs, call.label), obs.kind.chunk_type
    if not call.ok:
        raise fail(
            f"{call.label} {'hung' if call.hung else 'raised'}",
            expected=f"{chunk_type} chunks",
            observed=call.raised,
            method=method,
        )
    chunks = call.output
    joined = obs.kind.joined(chunks)
    if joined is None:
        raise fail(
            f"{call.label} did not yield {chunk_type} chunks",
            expected=f"at least one {chunk_type} chunk",
            observed=excerpt(chunks),
            cause="the generator yields nothing, or chunks whose text is not a str",
            method=method,
        )
    single = obs.text_of("invoke")
    if obs.deterministic is not True or single is None:
        why = "invoke failed" if single is None else "the model is not deterministic"
        return passed(
            f"{call.label} yielded {len(chunks)} {chunk_type} chunk(s); not compared with "
            f"invoke because {why}"
        )
    if joined != single:
        raise fail(
            f"{call.label} chunks do not join to invoke's result",
            expected=excerpt(single),
            observed=excerpt(joined),
            cause="the streaming path computes the text differently from the non-streaming one",
            method=method,
        )
    return passed(f"{call.label} yielded {len(chunks)} chunk(s) joining to invoke's result")


@check(
    "methods.stream",
    uses=("stream", "invoke", "batch"),
    rule="`stream` yields at least one `str` chunk; joined, they equal `invoke`'s result",
    source='Tests: "stream works"',
    fix=STREAM_FIX,
)
def stream(obs: Observations) -> Verdict:
    """``stream`` yields text that adds up to what ``invoke`` returns."""
    return _stream_verdict(obs, obs.stream)


@check(
    "methods.astream",
    uses=("astream", "invoke", "batch"),
    rule="`astream` yields at least one `str` chunk; joined, they equal `invoke`'s result",
    source="Tests",
    fix=STREAM_FIX.replace("def _stream", "async def _astream")
    .replace("Iterator", "AsyncIterator")
    .replace("for piece", "async for piece")
    .replace("run_manager.on_llm_new_token", "await run_manager.on_llm_new_token"),
)
def astream(obs: Observations) -> Verdict:
    """``astream`` yields text that adds up to what ``invoke`` returns."""
    return _stream_verdict(obs, obs.astream)
