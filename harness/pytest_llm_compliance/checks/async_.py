"""``async.*``: async twins match sync, never block the loop, and cancel cleanly."""

from __future__ import annotations

from pytest_llm_compliance.checks._api import check
from pytest_llm_compliance.checks._text import counted, excerpt
from pytest_llm_compliance.core.outcomes import Verdict, fail, passed, skipped
from pytest_llm_compliance.observe.cancellation import GRACE_S, Cancelled
from pytest_llm_compliance.observe.core import Call, Observations

PARITY_FIX = """
# Share one implementation between the twins; only the I/O differs:
def _call(self, prompt, stop=None, run_manager=None, **kwargs) -> str:
    return self._parse(self._client.post(self._payload(prompt, stop)))

async def _acall(self, prompt, stop=None, run_manager=None, **kwargs) -> str:
    return self._parse(await self._async_client.post(self._payload(prompt, stop)))
"""
NON_BLOCKING_FIX = """
# In async methods use async I/O, never sync clients, time.sleep or open():
async def _acall(self, prompt, stop=None, run_manager=None, **kwargs) -> str:
    async with httpx.AsyncClient() as client:            # not httpx.Client / requests
        response = await client.post(self.url, json={"prompt": prompt})
    await asyncio.sleep(0)                               # not time.sleep
    return response.json()["text"]
# CPU-heavy work: await asyncio.to_thread(work, ...)
"""
CANCELLATION_FIX = """
async def _astream(self, prompt, stop=None, run_manager=None, **kwargs):
    async with self._open_stream(prompt) as response:    # closed when the caller cancels
        async for piece in response:                      # no bare `except BaseException`,
            chunk = GenerationChunk(text=piece)           # no background task left behind
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
"""


def _callback_kinds(call: Call, exact: bool) -> list[str]:
    """The callbacks of each run in order, runs sorted (a batch's runs may interleave).

    ``exact`` False folds repeats, to compare models that are not deterministic.
    """
    runs = [[event.kind for event in events] for events in call.runs().values()]
    if not exact:
        runs = [[k for i, k in enumerate(run) if i == 0 or run[i - 1] != k] for run in runs]
    return [kind for run in sorted(runs) for kind in run]


@check(
    "async.parity",
    uses=("invoke", "ainvoke", "batch", "abatch", "stream", "astream"),
    rule=(
        "`ainvoke`, `abatch` and `astream` give the same results as their sync twins, and "
        "the same callbacks fire in the same order"
    ),
    source="design card: async parity",
    fix=PARITY_FIX,
)
def parity(obs: Observations) -> Verdict:
    """Pairs where a side fails its own ``methods.*`` check are left to that check."""
    exact, kind, inputs = obs.deterministic is True, obs.kind, obs.kind.inputs
    pairs: list[tuple[str, Call, Call, object, object]] = []
    for name in inputs:
        sync, asyn = obs.invoke[name], obs.ainvoke[name]
        sync_text, async_text = kind.text(sync.output), kind.text(asyn.output)
        if sync_text is not None and async_text is not None:
            pairs.append((f"ainvoke({name})", sync, asyn, sync_text, async_text))
    singles = kind.texts([obs.invoke[k].output for k in inputs])
    asingles = kind.texts([obs.ainvoke[k].output for k in inputs])
    batched, abatched = (
        kind.texts(call.output) if isinstance(call.output, list) else None
        for call in (obs.batch, obs.abatch)
    )
    if singles is not None and batched == singles and abatched == asingles:
        pairs.append(("abatch", obs.batch, obs.abatch, batched, abatched))
    stream, astream = obs.text_of("stream"), obs.text_of("astream")
    if stream is not None and astream is not None:
        pairs.append(("astream", obs.stream, obs.astream, stream, astream))
    compared = {name for name, *_ in pairs}
    left_out = [
        f"{name} (a side fails methods.*)"
        for name in (*(f"ainvoke({name})" for name in inputs), "abatch", "astream")
        if name not in compared
    ]
    if not pairs:
        return skipped("no sync/async pair returned valid results", "the methods.* checks pass")
    for name, sync, asyn, sync_out, async_out in pairs:
        if exact and sync_out != async_out:
            raise fail(
                f"{name} differs from its sync twin",
                expected=excerpt(sync_out),
                observed=excerpt(async_out),
                cause="the async path computes the answer differently",
                method=obs.facts.method_for(name.split("(")[0]),
            )
        sync_kinds, async_kinds = _callback_kinds(sync, exact), _callback_kinds(asyn, exact)
        only_one_streams = name == "astream" and obs.facts.streams_sync != obs.facts.streams_async
        if sync_kinds != async_kinds and not only_one_streams:  # LangChain's fallback differs
            raise fail(
                f"{name} fires other callbacks than its sync twin",
                expected=excerpt(counted(sync_kinds), 120),
                observed=excerpt(counted(async_kinds), 120),
                cause="callbacks are fired on one path only, or a different number of times",
                method=obs.facts.method_for(name.split("(")[0]),
            )
    mode = "results and callbacks" if exact else "callback order (model not deterministic)"
    note = f"; not compared: {', '.join(left_out)}" if left_out else ""
    return passed(f"{mode} match for {', '.join(p[0] for p in pairs)}{note}")


@check(
    "async.non_blocking",
    uses=("watched", "ainvoke", "astream", "invoke", "batch"),
    rule=(
        "while `ainvoke`/`astream` run, no blocking call runs on the event loop and the "
        "loop never stalls longer than the threshold (default 50 ms)"
    ),
    source="design card: async parity",
    fix=NON_BLOCKING_FIX,
)
def non_blocking(obs: Observations) -> Verdict:
    """Blocking calls made while the model's async methods run, and loop stalls.

    Blamed: every module but langchain-core and the harness, so a vendor SDK's
    sync I/O counts (``observe.loop_monitor``). A stall counts the loop
    thread's CPU time, so a busy machine is never blamed on the model. Every
    path that breaks the rule is named.
    """
    threshold = obs.settings.stall_ms
    problems, methods, judged = [], [], []
    for name, call in obs.watched.items():
        method = obs.facts.method_for(name)
        if not call.ok:
            if obs.text_of(name) is None:
                continue  # methods.* reports a path that fails anyway
            problems.append(f"{name} {'hung' if call.hung else 'raised'}: {call.raised}")
            methods.append(method)
            continue
        judged.append(name)
        _, watched = call.output
        if watched.blocking_call:
            problems.append(f"{name}: {watched.blocking_call} (caught by blockbuster)")
            methods.append(method)
        elif watched.max_stall_ms > threshold:
            problems.append(
                f"{name}: the loop ran for {watched.max_stall_ms:.0f} ms without a turn "
                f"(threshold {threshold:g} ms)"
            )
            methods.append(method)
    if problems:
        raise fail(
            f"{len(problems)} async path(s) block the event loop",
            expected=f"only async I/O inside async methods, no stall over {threshold:g} ms",
            observed="; ".join(problems),
            cause="a sync client (the model's or its SDK's), time.sleep, file I/O or CPU-heavy "
            "work inside the async method; move it to asyncio.to_thread",
            method=methods[0],
        )
    if not judged:
        return skipped(
            "neither ainvoke nor astream returned under the loop monitor (see methods.*)",
            "ainvoke or astream works",
        )
    stalls = ", ".join(
        f"{name} {obs.watched[name].output[1].max_stall_ms:.0f} ms" for name in judged
    )
    return passed(
        f"no blocking call; longest busy stretches of the loop: {stalls} "
        f"(threshold {threshold:g} ms)"
    )


def _open_at_first_chunk(call: Call) -> bool:
    """True when the stream's run had not ended when its first chunk arrived.

    A class whose ``astream`` ends its run before yielding (it calls ``ainvoke``
    and streams the text) has no run left to report ``on_llm_error`` for.
    """
    for event in call.events:
        if event.kind == "received":
            return True
        if event.kind in ("end", "error"):
            return False
    return True


@check(
    "async.cancellation",
    uses=("cancellation", "astream", "ainvoke", "invoke", "batch"),
    rule=(
        "cancelling `astream` after its first chunk ends it promptly, leaves no pending "
        "tasks, closes the model's generator, reports `on_llm_error`, and the next call works"
    ),
    source="design card: async parity",
    fix=CANCELLATION_FIX,
)
def cancellation(obs: Observations) -> Verdict:
    """A client that stops reading must not leave work running.

    Applies to classes that stream natively on the async path: LangChain's
    fallback ``astream`` yields one chunk after the run has already ended, so
    there is nothing left to cancel; nor is there when ``astream`` gave one
    chunk with text (a one-character answer), read off the ``astream``
    observation before any call is spent. A stream that opens no run at all (a
    public ``astream`` override firing no callback) fails ``callbacks.lifecycle``;
    here its missing ``on_llm_error`` is left to that check (one defect, one
    verdict), and the rest is judged: skipped if nothing else is wrong.
    """
    if not obs.facts.streams_async:
        return skipped(
            "astream is LangChain's fallback: its one chunk comes after the run has ended, "
            "so there is nothing to cancel",
            "the class overrides _astream, _stream or astream",
        )
    if obs.text_of("astream") is None:
        return skipped("astream not judged: it fails methods.astream", "astream works")
    texts = [text for text in obs.chunk_texts("astream") or [] if text]
    if len(texts) <= 1:
        return skipped(
            f"astream gave {len(texts)} chunk(s) with text for the prompt: after the first, "
            "nothing is left to cancel",
            "the stream yields two chunks or more",
        )
    opens_runs = any(event.kind == "start" for event in obs.astream.events)
    call = obs.cancellation
    method = obs.facts.method_for("astream")
    if not call.ok:
        raise fail(
            "the cancelled stream could not be observed",
            expected="the stream to end after the cancel",
            observed=call.raised,
            method=method,
        )
    report: Cancelled = call.output
    if not report.first_chunk:
        raise fail(
            "astream gave no first chunk to cancel after",
            expected="a first chunk, as methods.astream saw",
            observed=f"nothing within the time limit ({report.next_error or 'no error'})",
            method=method,
        )
    if report.landed == "nowhere":
        return skipped(
            "the stream ended on its own right after its first chunk, before the cancel could land",
            "the stream yields two chunks or more",
        )
    problems = []
    if report.ended_in_s is None:
        problems.append("the stream did not end after the cancel")
    if report.swallowed:
        what = f"it raised {report.raised} instead" if report.raised else "it ended normally"
        problems.append(f"the cancel (landed {report.landed}) never reached the caller: {what}")
    if report.chunks_after_cancel:
        problems.append(f"{report.chunks_after_cancel} chunk(s) still came after the cancel")
    if report.open_generators:
        problems.append(f"{report.open_generators} model generator(s) still open")
    if report.pending_tasks:
        problems.append(
            f"tasks still running after the stream ended: {'; '.join(report.pending_tasks)}"
        )
    if report.threads:
        problems.append(
            f"threads still running after the stream ended: {', '.join(report.threads)}"
        )
    finishes = [e.kind for e in call.events if e.kind in ("end", "error")]
    reports_run = opens_runs and report.ended_in_s is not None and _open_at_first_chunk(call)
    if reports_run and finishes[:1] != ["error"]:
        problems.append(f"the cancelled run reported {finishes or 'nothing'}, not on_llm_error")
    next_ok = not report.next_error and obs.kind.text(report.next_call) is not None
    if not next_ok and obs.text_of("ainvoke") is not None:  # else methods.ainvoke reports it
        problems.append(f"the next call failed: {report.next_error or excerpt(report.next_call)}")
    if problems:
        raise fail(
            "cancelling astream after its first chunk left a mess",
            expected="CancelledError reaching the caller, a prompt end, no task, thread or "
            f"generator left after {GRACE_S * 1000:.0f} ms, the next call working",
            observed=f"the cancel landed {report.landed}: " + "; ".join(problems),
            cause="the generator catches CancelledError/GeneratorExit (a bare `except "
            "BaseException` or `except asyncio.CancelledError` around an await), or starts "
            "tasks or threads it does not stop when the caller leaves",
            method=method,
        )
    ended_ms = (report.ended_in_s or 0.0) * 1000
    if not opens_runs:
        return skipped(
            f"astream opens no callback run (callbacks.lifecycle reports it), so no "
            f"on_llm_error can be judged; otherwise the cancel landed {report.landed} and the "
            f"stream ended in {ended_ms:.1f} ms, cleanly",
            "astream opens a run (on_llm_start)",
        )
    return passed(
        f"the cancel landed {report.landed}; the stream ended in {ended_ms:.1f} ms, cleanly"
    )
