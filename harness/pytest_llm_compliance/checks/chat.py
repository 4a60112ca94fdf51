"""``chat.*``: what chat models report beside the text: usage, the model's name, tool calls.

They read the ``AIMessage`` of ``invoke`` and the chunks of ``stream`` and
``astream`` joined the way LangChain joins them (``chunk + chunk``), so a
value repeated on every chunk shows as LangChain's users see it: usage added
up many times, ``model_name`` concatenated.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

from pytest_llm_compliance.checks._api import check
from pytest_llm_compliance.checks._text import excerpt
from pytest_llm_compliance.core.outcomes import Verdict, fail, passed, skipped
from pytest_llm_compliance.core.targets import one_line
from pytest_llm_compliance.observe.core import Call, Observations
from pytest_llm_compliance.observe.tools import TOOL_NAMES

STREAMS = ("stream", "astream")
USAGE_FIX = """
# Report usage once per answer, on one chunk (usually the last), never on every chunk:
def _stream(self, messages, stop=None, run_manager=None, **kwargs):
    for event in self._client.stream(...):
        usage = None
        if event.is_last:
            usage = UsageMetadata(input_tokens=event.prompt_tokens,
                                  output_tokens=event.completion_tokens,
                                  total_tokens=event.prompt_tokens + event.completion_tokens)
        yield ChatGenerationChunk(message=AIMessageChunk(content=event.text,
                                                         usage_metadata=usage))
"""
METADATA_FIX = """
# Name the model once: on invoke's AIMessage and on ONE chunk of the stream
# (LangChain joins chunks' string metadata by concatenation):
AIMessage(content=text, response_metadata={"model_name": self.model_name})
...
AIMessageChunk(content="", response_metadata={"model_name": self.model_name,
                                              "finish_reason": "stop"})   # the last chunk
"""
TOOLS_FIX = """
# Tool calls: unique ids, dict args; streamed as tool_call_chunks with one index per call:
AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id}])
AIMessageChunk(content="", tool_call_chunks=[
    {"name": name, "args": json.dumps(args), "id": call_id, "index": position}])
"""


def joined_message(chunks: Any) -> Any:
    """The chunks added up as LangChain adds them (``AIMessageChunk + AIMessageChunk``)."""
    return functools.reduce(operator.add, chunks)


def _streams(obs: Observations) -> tuple[dict[str, Any], list[str]]:
    """Each stream path's chunks joined into one message; notes on paths not judged."""
    joined, notes = {}, []
    for path in STREAMS:
        if obs.text_of(path) is None:
            notes.append(f"{path} not judged: it fails methods.{path}")
            continue
        try:
            joined[path] = joined_message(getattr(obs, path).output)
        except Exception as exc:
            joined[path] = exc
    return joined, notes


def _invoke_message(obs: Observations) -> Any:
    """Invoke's ``AIMessage``, or None when ``methods.invoke`` fails."""
    return obs.invoke["str"].output if obs.text_of("invoke") is not None else None


def _usage_problem(usage: Any) -> str:
    """What is wrong with a ``usage_metadata`` dict (empty if nothing)."""
    counts = {key: usage.get(key) for key in ("input_tokens", "output_tokens", "total_tokens")}
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in counts.values()):
        return f"counts that are not all int: {excerpt(counts)}"
    if counts["total_tokens"] != counts["input_tokens"] + counts["output_tokens"]:
        return f"total_tokens is not input + output: {excerpt(counts)}"
    return ""


@check(
    "chat.usage_metadata",
    uses=("invoke", "stream", "astream", "batch"),
    rule=(
        "when `invoke`'s `AIMessage` carries `usage_metadata`, the chunks of `stream` and "
        "`astream` add up to usage too, counted once, with int counts and total = input + output"
    ),
    source="cost tracking (LangSmith, callbacks)",
    fix=USAGE_FIX,
)
def usage_metadata(obs: Observations) -> Verdict:
    """Counted once: the joined stream's usage equals ``invoke``'s.

    For a model that is not deterministic only ``input_tokens`` (the same
    prompt) is compared.
    """
    message = _invoke_message(obs)
    if message is None:
        return skipped("invoke not judged: it fails methods.invoke", "invoke works")
    usage = getattr(message, "usage_metadata", None)
    if not usage:
        return skipped(
            "invoke's AIMessage carries no usage_metadata", "the model reports token usage"
        )
    problems, methods = [], []
    if problem := _usage_problem(usage):
        problems.append(f"invoke: {problem}")
        methods.append(obs.facts.method_for("invoke"))
    joined, notes = _streams(obs)
    exact = obs.deterministic is True
    keys = ("input_tokens", "output_tokens", "total_tokens") if exact else ("input_tokens",)
    for path, message_or_error in joined.items():
        problem = ""
        streamed = getattr(message_or_error, "usage_metadata", None)
        if isinstance(message_or_error, Exception):
            problem = f"its chunks cannot be added up: {one_line(message_or_error)}"
        elif not streamed:
            problem = "its chunks carry no usage_metadata"
        elif problem := _usage_problem(streamed):
            pass
        elif any(streamed.get(key) != usage.get(key) for key in keys):
            counts = {key: streamed.get(key) for key in keys}
            wanted = {key: usage.get(key) for key in keys}
            problem = (
                f"its chunks add up to {excerpt(counts)}, invoke reports {excerpt(wanted)}: "
                "usage is counted on more than one chunk"
            )
        if problem:
            problems.append(f"{path}: {problem}")
            methods.append(obs.facts.method_for(path))
    if problems:
        raise fail(
            f"{len(problems)} path(s) report usage wrongly",
            expected=f"usage counted once, like invoke's {excerpt(dict(usage))}",
            observed="; ".join(problems),
            cause="usage is set on every chunk (LangChain adds them up), on none, or with "
            "counts that do not add up",
            method=methods[0],
        )
    if not joined:
        return skipped("; ".join(notes), "stream or astream works")
    note = f"; {'; '.join(notes)}" if notes else ""
    compared = "equal to invoke's" if exact else "same input_tokens (model not deterministic)"
    return passed(f"usage counted once on {', '.join(joined)}, {compared}{note}")


@check(
    "chat.response_metadata",
    uses=("invoke", "stream", "astream", "batch"),
    rule=(
        "`response_metadata` names the model (`model_name`) on `invoke` and on the joined "
        "stream, the same on both"
    ),
    source="cost tracking needs the model's name",
    fix=METADATA_FIX,
)
def response_metadata(obs: Observations) -> Verdict:
    """A class with no field naming a model (``model``, ``model_name``...) is skipped.

    Fakes and local models without such a field have no name to report.
    """
    message = _invoke_message(obs)
    if message is None:
        return skipped("invoke not judged: it fails methods.invoke", "invoke works")
    name = (getattr(message, "response_metadata", None) or {}).get("model_name")
    field = obs.facts.model_name_field
    if not name and field is None:
        return skipped(
            "the class has no field naming a model (model, model_name, ...) and invoke "
            "reports none",
            "the class runs a named model",
        )
    if not isinstance(name, str) or not name:
        raise fail(
            "invoke's response_metadata does not name the model",
            expected="response_metadata['model_name'], a non-empty str",
            observed=excerpt(getattr(message, "response_metadata", None)),
            cause=f"the answer's metadata leaves out the model (the class's {field} field)",
            method=obs.facts.method_for("invoke"),
        )
    joined, notes = _streams(obs)
    problems, methods = [], []
    for path, message_or_error in joined.items():
        if isinstance(message_or_error, Exception):
            problem = f"its chunks cannot be added up: {one_line(message_or_error)}"
        else:
            streamed = (message_or_error.response_metadata or {}).get("model_name")
            if streamed == name:
                continue
            problem = f"model_name is {excerpt(streamed)}"
            if isinstance(streamed, str) and len(streamed) > len(name) and name in streamed:
                problem += ": it is on more than one chunk, and LangChain concatenates them"
        problems.append(f"{path}: {problem}")
        methods.append(obs.facts.method_for(path))
    if problems:
        raise fail(
            f"{len(problems)} stream path(s) do not name the model as invoke does",
            expected=f"model_name {name!r}, as on invoke",
            observed="; ".join(problems),
            cause="model_name is set on every chunk (joined, it repeats) or on none",
            method=methods[0],
        )
    if not joined:
        return skipped("; ".join(notes), "stream or astream works")
    note = f"; {'; '.join(notes)}" if notes else ""
    return passed(f"model_name {name!r} on invoke and on {', '.join(joined)}{note}")


def _calls_problem(calls: Any) -> str:
    """What is wrong with a message's ``tool_calls`` (empty if nothing)."""
    ids = [call.get("id") for call in calls]
    for call in calls:
        if call.get("name") not in TOOL_NAMES:
            return f"a call to {call.get('name')!r}, not a bound tool"
        if not isinstance(call.get("args"), dict):
            return f"args {excerpt(call.get('args'))} are not a dict"
    if not all(isinstance(i, str) and i for i in ids):
        return f"call ids {excerpt(ids)} are not all non-empty str"
    if len(set(ids)) != len(ids):
        return f"call ids {excerpt(ids)} are not unique"
    return ""


def _signature(calls: Any) -> list[tuple[str, str]]:
    """Name and args of each call, in order, to compare answers."""
    return [(str(call.get("name")), repr(call.get("args"))) for call in calls]


def _tool_invoke(obs: Observations, call: Call) -> Any:
    """Invoke's tool calls; fail if invoke raised or gave bad calls."""
    method = obs.facts.method_for("invoke")
    if not call.ok:
        raise fail(
            "invoke with tools bound raised",
            expected="an AIMessage",
            observed=call.raised,
            method=method,
        )
    calls = getattr(call.output, "tool_calls", None) or []
    if problem := _calls_problem(calls):
        raise fail(
            "invoke's tool calls are malformed",
            expected="tool_calls with a bound tool's name, dict args and a unique id",
            observed=problem,
            method=method,
        )
    return calls


@check(
    "chat.tool_calls",
    uses=("tool_calls", "invoke", "batch"),
    rule=(
        "chat models that override `bind_tools`: with a tool bound and a prompt asking for it, "
        "`invoke` returns well-formed `tool_calls`, and the joined `tool_call_chunks` of "
        "`stream`/`astream` give the same calls, with distinct indexes"
    ),
    source="tool calling",
    fix=TOOLS_FIX,
)
def tool_calls(obs: Observations) -> Verdict:
    """Two tools are bound and the prompt names both (``observe.tools``).

    A model that answers without calling a tool is skipped, never passed.
    Two calls in one answer must keep distinct indexes in the stream, else
    LangChain merges them into one.
    """
    if not obs.facts.defines("bind_tools"):
        return skipped("the class does not override bind_tools", "the class supports tools")
    run = obs.tool_calls
    if run is None:
        return skipped("no tool call was observed", "the class overrides bind_tools")
    if run.refused:
        raise fail(
            "bind_tools raised on two plain LangChain tools",
            expected="a model with the tools bound",
            observed=run.refused,
            method="bind_tools",
        )
    calls = _tool_invoke(obs, run.calls["invoke"])
    if not calls:
        return skipped(
            "the model answered the prompt naming the tools without calling any",
            "the model calls a tool when asked to",
        )
    exact = obs.deterministic is True
    wanted = _signature(calls) if exact else sorted({c["name"] for c in calls})
    problems, methods = [], []
    for path in STREAMS:
        call = run.calls[path]
        problem = ""
        if not call.ok:
            problem = call.raised
        else:
            try:
                streamed = joined_message(call.output)
            except Exception as exc:
                streamed, problem = None, f"its chunks cannot be added up: {one_line(exc)}"
            if streamed is not None:
                got = list(streamed.tool_calls)
                invalid = list(getattr(streamed, "invalid_tool_calls", []) or [])
                seen = _signature(got) if exact else sorted({c["name"] for c in got})
                if invalid or seen != wanted:
                    problem = f"joined tool_call_chunks give {excerpt(seen)}" + (
                        f" and {len(invalid)} invalid call(s): calls share an index, or "
                        "their args are not JSON"
                        if invalid
                        else ""
                    )
                elif calls_problem := _calls_problem(got):
                    problem = calls_problem
        if problem:
            problems.append(f"{path}: {problem}")
            methods.append(obs.facts.method_for(path))
    if problems:
        raise fail(
            f"{len(problems)} stream path(s) do not give invoke's tool calls",
            expected=excerpt(wanted),
            observed="; ".join(problems),
            cause="tool_call_chunks are missing, or two calls share one index (LangChain "
            "merges them), or the stream computes other calls",
            method=methods[0],
        )
    many = "two calls with distinct indexes" if len(calls) > 1 else "one call (indexes not judged)"
    return passed(f"{many}: {excerpt(_signature(calls), 120)} on invoke, stream and astream")
