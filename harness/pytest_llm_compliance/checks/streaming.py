"""``streaming.*``: tokens announced once per chunk, before the chunk, and events."""

from __future__ import annotations

from pytest_llm_compliance.checks._api import check
from pytest_llm_compliance.checks._text import counted, excerpt
from pytest_llm_compliance.core.outcomes import Verdict, fail, passed, skipped
from pytest_llm_compliance.observe.core import Call, Observations
from pytest_llm_compliance.observe.recorders import Event

NEW_TOKEN_FIX = """
def _stream(self, prompt, stop=None, run_manager=None, **kwargs) -> Iterator[GenerationChunk]:
    for piece in self._client.stream(prompt, stop=stop):
        chunk = GenerationChunk(text=piece)
        if run_manager:
            run_manager.on_llm_new_token(chunk.text, chunk=chunk)   # once per chunk
        yield chunk

# and in _astream:  await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
"""
BEFORE_YIELD_FIX = """
# Fire the callback first, then yield: the caller may stop at any yield.
chunk = GenerationChunk(text=piece)
if run_manager:
    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
yield chunk                      # not: yield chunk; run_manager.on_llm_new_token(...)
"""
EVENTS_FIX = """
# astream_events builds on_llm_stream from on_llm_new_token: fire it for every
# chunk, with chunk=GenerationChunk, in _astream (or _stream), before yielding.
"""
NOT_STREAMING = (
    "neither _stream, _astream, stream nor astream is overridden, so streaming "
    "falls back to invoke's single chunk",
    "the class overrides _stream or _astream",
)


def streaming_paths(obs: Observations) -> dict[str, Call]:
    """The stream paths the class implements itself, by name."""
    paths = {}
    if obs.facts.streams_sync:
        paths["stream"] = obs.stream
    if obs.facts.streams_async:
        paths["astream"] = obs.astream
    return paths


def _tokens_and_receipts(call: Call) -> tuple[list[Event], list[Event]]:
    tokens = [e for e in call.events if e.kind == "token"]
    receipts = [e for e in call.events if e.kind == "received"]
    return tokens, receipts


def observed_streams(obs: Observations, path: str) -> list[Call]:
    """Other streams of ``path`` (``stream`` or ``astream``) the harness made, that yielded.

    The stop checks' streams (``stop_calls``: made here if no check made them yet, and
    counted to this check), and those of observations already made in this run (the
    stop-bound instance's, the tool-bound streams, the loop-watched ``astream``): no
    other call is spent on them.
    """
    made = vars(obs)
    sources: list[Call | None] = [obs.stop_calls.get(path)]
    bound, tools, watched = (made.get(name) for name in ("bound_stop", "tool_calls", "watched"))
    if bound is not None:
        sources.append(bound.calls.get(path))
    if tools is not None:
        sources.append(tools.calls.get(path))
    if watched is not None:
        sources.append(watched.get(path))
    return [
        call for call in sources if call is not None and call.ok and _tokens_and_receipts(call)[1]
    ]


def _judged(obs: Observations) -> tuple[dict[str, tuple[str, Call]], list[str]]:
    """The streams to judge, by label with their path, and notes on the paths left out.

    A path that fails its ``methods.*`` check on ``PROMPT`` is judged on the other
    streams of it the harness observed (``observed_streams``): its token callbacks are
    a rule of their own, which a broken answer elsewhere must not hide.
    """
    judged: dict[str, tuple[str, Call]] = {}
    notes = []
    for name, call in streaming_paths(obs).items():
        if obs.text_of(name) is not None:
            judged[name] = (name, call)
            continue
        others = observed_streams(obs, name)
        if not others:
            notes.append(
                f"{name} not judged: it fails methods.{name}, and no other {name} yielded chunks"
            )
            continue
        labels = ", ".join(call.label for call in others)
        notes.append(f"{name} fails methods.{name}: judged on {labels}")
        judged.update((call.label, (name, call)) for call in others)
    return judged, notes


def _stream_method(obs: Observations, path: str) -> str:
    """The method that streams ``path`` (``stream`` or ``astream``) in the model's code."""
    return obs.facts.method_for(path)


def _token_problem(obs: Observations, call: Call) -> str:
    """How a stream's token callbacks fail to match its chunks (empty if they match)."""
    tokens, receipts = _tokens_and_receipts(call)
    if len(tokens) != len(receipts):
        return f"{len(tokens)} on_llm_new_token for {len(receipts)} chunks"
    for index, (token, receipt) in enumerate(zip(tokens, receipts, strict=True)):
        if token.text != receipt.text:
            return f"token #{index + 1} is {token.text!r} for the chunk {receipt.text!r}"
        wanted = obs.kind.token_chunk_type
        if token.data.get("chunk_type") != wanted:
            kind = token.data.get("chunk_type")
            return f"token #{index + 1} has chunk= {kind}, not a {wanted}"
        if token.data.get("chunk_text") != token.text:
            return f"token #{index + 1} has chunk=.text {excerpt(token.data.get('chunk_text'))}"
    return ""


@check(
    "streaming.new_token",
    uses=("stream", "astream", "invoke", "batch"),
    rule=(
        "a streaming model fires `on_llm_new_token` once per yielded chunk, with its text "
        "and `chunk=` the `GenerationChunk`, on the sync and the async path"
    ),
    source='Streaming: "invoke on_llm_new_token"',
    fix=NEW_TOKEN_FIX,
)
def new_token(obs: Observations) -> Verdict:
    """LangChain's ``BaseLLM`` never fires ``on_llm_new_token``: the class must.

    Chat models: ``BaseChatModel.stream``/``astream`` fire it themselves, once
    per chunk of ``_stream`` (and once for the final empty chunk they add), and
    hand ``_stream`` no ``run_manager``; a class that overrides ``stream`` or
    ``astream`` must fire it itself, and one that fires it a second time fails.

    A path whose stream of ``PROMPT`` fails ``methods.*`` is judged on the other
    streams of it already observed (the stop checks' streams first); only the
    paths that fail are judged that way, so a compliant stream is never judged
    on the text a stop cut.
    """
    if not obs.facts.streams:
        return skipped(*NOT_STREAMING)
    judged, notes = _judged(obs)
    if not judged:
        return skipped("; ".join(notes), "the stream paths yield str chunks")
    problems, methods = [], []
    for label, (path, call) in judged.items():
        problem = _token_problem(obs, call)
        if problem:
            problems.append(f"{label}: {problem}")
            methods.append(_stream_method(obs, path))
    if problems:
        note = f" ({'; '.join(notes)})" if notes else ""
        raise fail(
            f"{len(problems)} stream(s) do not fire one matching on_llm_new_token per chunk" + note,
            expected="on_llm_new_token(chunk.text, chunk=chunk) once for each yielded chunk",
            observed="; ".join(problems),
            cause="run_manager.on_llm_new_token is missing, fired twice, passed other text, or "
            "(async) not awaited",
            method=methods[0],
        )
    note = f"; {'; '.join(notes)}" if notes else ""
    return passed(f"one matching on_llm_new_token per chunk on {', '.join(judged)}{note}")


@check(
    "streaming.token_before_yield",
    uses=("stream", "astream", "invoke", "batch"),
    rule="each `on_llm_new_token` fires BEFORE its chunk reaches the caller, sync and async",
    source='Streaming: "callback BEFORE yielding"',
    fix=BEFORE_YIELD_FIX,
)
def token_before_yield(obs: Observations) -> Verdict:
    """Read off the ordered trace: token i comes before receipt i."""
    if not obs.facts.streams:
        return skipped(*NOT_STREAMING)
    judged, notes = _judged(obs)
    compared = []
    for name, (path, call) in judged.items():
        tokens, receipts = _tokens_and_receipts(call)
        if not tokens or len(tokens) != len(receipts):
            notes.append(f"{name} not judged: its tokens do not pair with its chunks")
            continue
        position = {id(event): i for i, event in enumerate(call.events)}
        for index, (token, receipt) in enumerate(zip(tokens, receipts, strict=True)):
            if position[id(token)] > position[id(receipt)]:
                raise fail(
                    f"{name}: chunk #{index + 1} reached the caller before its on_llm_new_token",
                    expected="on_llm_new_token, then the chunk",
                    observed=f"the chunk {receipt.text!r}, then its callback",
                    cause="the callback is fired after `yield chunk`",
                    method=_stream_method(obs, path),
                )
        compared.append(name)
    if not compared:
        return skipped("; ".join(notes), "on_llm_new_token fires once per chunk")
    note = f"; {'; '.join(notes)}" if notes else ""
    return passed(f"every callback came before its chunk on {', '.join(compared)}{note}")


@check(
    "streaming.events",
    uses=("events", "astream", "invoke", "batch"),
    rule=(
        "`astream_events(version='v2')` over `ChatPromptTemplate | model` gives "
        "`on_llm_start`, `on_llm_stream` chunks joining to the output, `on_llm_end`; "
        "the chain's `on_chain_stream` mirrors them"
    ),
    source="Let's test it: astream_events",
    fix=EVENTS_FIX,
)
def events(obs: Observations) -> Verdict:
    """Applies to streaming models: LangChain's fallback emits no ``on_llm_stream``.

    The events stream is an observation of its own (a prompt template's
    ``PromptValue`` into the model): judged even when ``astream`` of ``PROMPT``
    fails ``methods.astream``, unless it raised too (the same failure).
    """
    if not obs.facts.streams:
        return skipped(*NOT_STREAMING)
    call = obs.events
    if obs.text_of("astream") is None and not call.ok:
        return skipped(
            "astream not judged: it fails methods.astream, and astream_events raised too",
            "astream works",
        )
    if not call.ok:
        raise fail(
            "astream_events raised",
            expected="a stream of events",
            observed=call.raised,
            method=_stream_method(obs, "astream"),
        )
    prefix = obs.kind.event_prefix
    start, stream, end = (prefix + part for part in ("start", "stream", "end"))
    events: list[tuple[str, str, str | None]] = call.output
    model_kinds = [kind for kind, _, _ in events if kind.startswith(prefix)]
    streamed = [text or "" for kind, _, text in events if kind == stream]
    mirrored = [text or "" for kind, _, text in events if kind == "on_chain_stream"]
    ends = [text for kind, _, text in events if kind == end]
    shape_ok = (
        model_kinds[:1] == [start]
        and model_kinds[-1:] == [end]
        and model_kinds.count(start) == 1
        and model_kinds.count(end) == 1
        and bool(streamed)
    )
    if not shape_ok:
        raise fail(
            "astream_events does not show the model's run as start, stream, end",
            expected=f"{start}, {stream}..., {end}",
            observed=excerpt(counted(model_kinds), 120),
            cause=f"on_llm_new_token is not fired (no {stream}), or the run is "
            "opened or closed by hand",
            method=_stream_method(obs, "astream"),
        )
    output = ends[0] or ""
    if "".join(streamed) != output or mirrored != streamed:
        raise fail(
            "astream_events chunks do not add up",
            expected=f"{stream} and on_chain_stream chunks joining to {excerpt(output)}",
            observed=f"{stream} {excerpt(''.join(streamed))}, "
            f"on_chain_stream {excerpt(''.join(mirrored))}",
            cause="the text passed to on_llm_new_token differs from the yielded chunks",
            method=_stream_method(obs, "astream"),
        )
    return passed(f"{len(streamed)} {stream} events between start and end, mirrored")
