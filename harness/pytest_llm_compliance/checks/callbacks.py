"""``callbacks.lifecycle``: one start and one end (or error) per run."""

from __future__ import annotations

from pytest_llm_compliance.checks._api import check
from pytest_llm_compliance.checks._text import excerpt
from pytest_llm_compliance.core.outcomes import Verdict, fail, passed, skipped
from pytest_llm_compliance.observe.core import Call, Observations

LIFECYCLE_FIX = """
# Let LangChain fire on_llm_start/on_llm_end: override _call/_stream, not
# invoke/stream, and never fire on_llm_start/on_llm_end/on_llm_error yourself.
# In _stream, fire only on_llm_new_token:
def _stream(self, prompt, stop=None, run_manager=None, **kwargs):
    for piece in self._client.stream(prompt, stop=stop):
        chunk = GenerationChunk(text=piece)
        if run_manager:
            run_manager.on_llm_new_token(chunk.text, chunk=chunk)
        yield chunk
"""


def _expected_prompts(obs: Observations) -> list[tuple[Call, list[str]]]:
    """Each lifecycle-relevant call with the prompts of the runs it should make."""
    formatted = obs.kind.formatted
    calls: list[tuple[Call, list[str]]] = []
    for kind, call in obs.invoke.items():
        calls.append((call, [formatted[kind]]))
    for kind, call in obs.ainvoke.items():
        calls.append((call, [formatted[kind]]))
    calls.append((obs.batch, list(formatted.values())))
    calls.append((obs.abatch, list(formatted.values())))
    calls.append((obs.stream, [formatted["str"]]))
    calls.append((obs.astream, [formatted["str"]]))
    return calls


def _run_problem(events_kinds: list[str], start_callback: str) -> str:
    starts = events_kinds.count("start")
    finishes = events_kinds.count("end") + events_kinds.count("error")
    if starts != 1:
        return f"{starts} {start_callback}"
    if finishes != 1:
        return f"{finishes} on_llm_end/on_llm_error"
    if events_kinds[0] != "start" or events_kinds[-1] not in ("end", "error"):
        return "events out of order: " + ", ".join(events_kinds)
    return ""


@check(
    "callbacks.lifecycle",
    uses=("invoke", "ainvoke", "batch", "abatch", "stream", "astream"),
    rule=(
        "every call emits exactly one `on_llm_start` and one `on_llm_end` (or "
        "`on_llm_error`) sharing a `run_id`, with the formatted prompt; "
        "`batch` gives one run per input"
    ),
    source='"Streaming" and "Tests"',
    fix=LIFECYCLE_FIX,
)
def lifecycle(obs: Observations) -> Verdict:
    """Tracers and callbacks see each run open once and close once.

    Chat models open a run with ``on_chat_model_start``; its messages are
    compared as LangChain's buffer string of them.
    """
    start = obs.kind.start_callback
    counted, not_judged = 0, []
    for call, prompts in _expected_prompts(obs):
        if not call.ok:
            not_judged.append(call.label)  # its own methods.* check fails it
            continue
        runs = call.runs()
        if len(runs) != len(prompts):
            raise fail(
                f"{call.label} made {len(runs)} callback run(s) for {len(prompts)} input(s)",
                expected=f"{len(prompts)} run(s), one per input",
                observed=f"run ids: {excerpt([str(r)[:8] for r in runs])}",
                cause="invoke/batch/stream is overridden and fires callbacks itself, or not at all",
                method=obs.facts.method_for(call.label),
            )
        seen_prompts = []
        for run_id, events in runs.items():
            kinds = [event.kind for event in events]
            problem = _run_problem(kinds, start)
            if problem:
                raise fail(
                    f"{call.label}: run {str(run_id)[:8]} has {problem}",
                    expected=f"one {start}, then one on_llm_end or on_llm_error",
                    observed=", ".join(kinds),
                    cause=f"the model fires {start}/on_llm_end itself, or a custom "
                    "stream/invoke skips LangChain's callback manager",
                    method=obs.facts.method_for(call.label),
                )
            seen_prompts += events[0].data.get("prompts", [])
        if sorted(seen_prompts) != sorted(prompts):
            raise fail(
                f"{call.label}: {start} did not get the formatted "
                + ("prompt" if obs.kind.name == "llm" else "messages"),
                expected=excerpt(prompts),
                observed=excerpt(seen_prompts),
                cause="the prompt is rewritten before LangChain's callback manager sees it",
                method=obs.facts.method_for(call.label),
            )
        counted += len(runs)
    if not counted:
        return skipped("no call returned, so no run could be followed", "invoke or stream returns")
    note = f"; not judged: {', '.join(not_judged)} (they raised)" if not_judged else ""
    return passed(f"{counted} runs each opened once and closed once, with their prompts{note}")
