"""``async.*``: async twins match sync, never block the loop, and cancel cleanly."""

from __future__ import annotations

from harness.cancellation import Cancelled
from harness.checks._text import excerpt
from harness.observe import INPUTS, Call, Observations
from harness.outcomes import Verdict, fail, passed, skipped
from harness.registry import check

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


def _callback_kinds(call: Call) -> list[str]:
    return [e.kind for e in call.events if e.kind != "received"]


def _shape(kinds: list[str]) -> list[str]:
    """Kinds with repeats folded, to compare models that are not deterministic."""
    return [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]


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
    exact = obs.deterministic is True
    pairs: list[tuple[str, Call, Call, object, object]] = []
    for kind in INPUTS:
        sync, asyn = obs.invoke[kind], obs.ainvoke[kind]
        if isinstance(sync.output, str) and isinstance(asyn.output, str):
            pairs.append((f"ainvoke({kind})", sync, asyn, sync.output, asyn.output))
    singles = [obs.invoke[k].output for k in INPUTS]
    asingles = [obs.ainvoke[k].output for k in INPUTS]
    if obs.batch.output == singles and obs.abatch.output == asingles:
        pairs.append(("abatch", obs.batch, obs.abatch, obs.batch.output, obs.abatch.output))
    stream, astream = obs.text_of("stream"), obs.text_of("astream")
    if stream is not None and astream is not None:
        pairs.append(("astream", obs.stream, obs.astream, stream, astream))
    if not pairs:
        return skipped("no sync/async pair returned valid results", "the methods.* checks pass")
    for name, sync, asyn, sync_out, async_out in pairs:
        if exact and sync_out != async_out:
            raise fail(
                f"{name} differs from its sync twin",
                expected=excerpt(sync_out),
                observed=excerpt(async_out),
                cause="the async path computes the answer differently",
                method="_astream" if name == "astream" else "_acall",
            )
        sync_kinds, async_kinds = _callback_kinds(sync), _callback_kinds(asyn)
        if not exact:
            sync_kinds, async_kinds = _shape(sync_kinds), _shape(async_kinds)
        only_one_streams = name == "astream" and obs.facts.streams_sync != obs.facts.streams_async
        if sync_kinds != async_kinds and not only_one_streams:  # LangChain's fallback differs
            raise fail(
                f"{name} fires other callbacks than its sync twin",
                expected=excerpt(_shape(sync_kinds), 120),
                observed=excerpt(_shape(async_kinds), 120),
                cause="callbacks are fired on one path only, or a different number of times",
                method="_astream" if name == "astream" else "_acall",
            )
    mode = "results and callbacks" if exact else "callback order (model not deterministic)"
    return passed(f"{mode} match for {', '.join(p[0] for p in pairs)}")


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
    """Blocking calls from the model's own modules, and heartbeat stalls."""
    threshold = obs.settings.stall_ms
    for name, call in obs.watched.items():
        method = "_acall" if name == "ainvoke" else "_astream"
        if not call.ok:
            if obs.text_of(name) is None:
                continue  # methods.* reports a path that fails anyway
            raise fail(
                f"{name} {'hung' if call.hung else 'raised'} under the loop monitor",
                expected="the call to finish",
                observed=call.raised,
                method=method,
            )
        _, watched = call.output
        if watched.blocking_call:
            raise fail(
                f"{name}: blocking call on the event loop",
                expected="only async I/O inside async methods",
                observed=f"{watched.blocking_call} (caught by blockbuster)",
                cause="a sync client, time.sleep or file I/O inside the async method",
                method=method,
            )
        if watched.max_stall_ms > threshold:
            raise fail(
                f"{name}: the event loop stalled for {watched.max_stall_ms:.0f} ms",
                expected=f"no stall over {threshold:g} ms",
                observed=f"a stall of {watched.max_stall_ms:.0f} ms",
                cause="CPU-heavy or blocking work in the async method; move it to "
                "asyncio.to_thread",
                method=method,
            )
    stalls = ", ".join(
        f"{name} {call.output[1].max_stall_ms:.0f} ms"
        for name, call in obs.watched.items()
        if call.ok
    )
    return passed(f"no blocking call; longest stalls: {stalls} (threshold {threshold:g} ms)")


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
    """A client that stops reading must not leave work running."""
    if obs.text_of("astream") is None:
        return skipped("astream not judged: it fails methods.astream", "astream works")
    call = obs.cancellation
    method = "_astream" if "_astream" in obs.facts.overrides else "_stream"
    if not call.ok:
        raise fail(
            "the cancelled stream could not be observed",
            expected="the stream to end after the cancel",
            observed=call.raised,
            method=method,
        )
    report: Cancelled = call.output
    problems = []
    if not report.first_chunk:
        problems.append("no first chunk arrived")
    if report.ended_in_s is None:
        problems.append("the stream did not end after the cancel")
    if report.open_generators:
        problems.append(f"{report.open_generators} model generator(s) still open")
    if report.pending_tasks:
        problems.append(f"tasks left pending: {'; '.join(report.pending_tasks)}")
    if report.threads:
        problems.append(f"threads left running: {', '.join(report.threads)}")
    finishes = [e.kind for e in call.events if e.kind in ("end", "error")]
    if report.ended_in_s is not None and finishes[:1] != ["error"]:
        problems.append(f"the cancelled run reported {finishes or 'nothing'}, not on_llm_error")
    next_ok = not report.next_error and isinstance(report.next_call, str)
    if not next_ok and obs.text_of("ainvoke") is not None:  # else methods.ainvoke reports it
        problems.append(f"the next call failed: {report.next_error or excerpt(report.next_call)}")
    if problems:
        raise fail(
            "cancelling astream after its first chunk left a mess",
            expected="a prompt end, no pending task, the generator closed, the next call working",
            observed="; ".join(problems),
            cause="the generator swallows CancelledError/GeneratorExit, or starts tasks or "
            "threads it does not stop when the caller leaves",
            method=method,
        )
    ended_ms = (report.ended_in_s or 0.0) * 1000
    return passed(f"the cancelled stream ended in {ended_ms:.1f} ms, cleanly")
