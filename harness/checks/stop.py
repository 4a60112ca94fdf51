"""``stop.*``: stop sequences respected, and included (or, if declared, excluded)."""

from __future__ import annotations

from harness.checks._text import excerpt
from harness.observe import Call, Observations
from harness.outcomes import Verdict, fail, passed, skipped
from harness.registry import check
from harness.stop_plan import StopPlan

PATHS = ("invoke", "ainvoke", "stream", "astream")
RESPECTED_FIX = """
def _call(self, prompt, stop=None, run_manager=None, **kwargs) -> str:
    text = self._client.complete(prompt, stop=stop)       # pass stop to the provider
    return truncate_at_stop(text, stop)                    # and enforce it here too

def truncate_at_stop(text: str, stop: list[str] | None) -> str:
    # literal text, never a regex (no re.split on "|".join(stop): '.' matches anything);
    # the first stop sequence completed in the text wins, whatever its place in the list
    ends = [text.find(s) + len(s) for s in stop or [] if s and s in text]
    return text[: min(ends)] if ends else text
"""
INCLUDED_FIX = """
# The checklist: the stop sequence is INCLUDED in the answer ("hello." for stop=["."]).
# If the provider strips it, add it back, or declare that the class excludes it:
#   class TestMyLLM(LLMComplianceTests): llm_stop_policy = "exclude"
#   pytest --llm-stop-policy exclude ...   /   llm-compliance check --stop-policy exclude
"""
NO_PLAN = "invoke gave no usable answer to choose stop sequences from"


def _result(call: Call) -> str | None:
    """The text a stop call gave (chunks joined), or None if not text."""
    output = call.output
    if isinstance(output, list) and all(isinstance(c, str) for c in output):
        return "".join(output)
    return output if isinstance(output, str) else None


def _plan_or_skip(obs: Observations) -> StopPlan | Verdict:
    plan = obs.stop_plan
    if plan is not None:
        return plan
    text = obs.text_of("invoke")
    if text is None:
        return skipped(f"{NO_PLAN} (see methods.invoke)", "invoke returns text")
    return skipped(
        f"the model's answer ({len(text)} characters) is too short to choose stop sequences from",
        "params make the model answer with 4 characters or more",
    )


def _paths(obs: Observations) -> tuple[dict[str, Call], list[str]]:
    """Stop calls on paths that work without stop; notes on the others."""
    calls, notes = {}, []
    for path in PATHS:
        if obs.text_of(path) is None:
            notes.append(f"{path} not judged: it fails methods.{path}")
        else:
            calls[path] = obs.stop_calls[path]
    return calls, notes


def _diagnose(plan: StopPlan, result: str) -> str:
    if result == plan.output:
        return "the stop sequences were ignored"
    late = plan.stop[0]
    if len(plan.stop) > 1 and result in (
        plan.output[: plan.output.find(late) + len(late)],
        plan.output[: plan.output.find(late)],
    ):
        return "the first stop sequence in the list won, not the earliest in the text"
    if len(result) < len(plan.cut):
        return "a stop sequence was matched as a pattern (regex), not as literal text"
    return "text after the first stop sequence was kept"


@check(
    "stop.respected",
    uses=("stop_calls", "invoke", "ainvoke", "batch", "stream", "astream"),
    rule=(
        "with `stop=[s]` from the model's own output, invoke/ainvoke/stream/astream return "
        "nothing after the first `s`; the earliest of several wins; one that never occurs "
        "changes nothing; stop sequences are literal text; passing `stop` never raises"
    ),
    source='Stop token: "must be respected"',
    fix=RESPECTED_FIX,
)
def respected(obs: Observations) -> Verdict:
    """Deterministic models are held to exact answers, others to the invariant."""
    plan = _plan_or_skip(obs)
    if isinstance(plan, Verdict):
        return plan
    calls, notes = _paths(obs)
    exact = obs.deterministic is True
    allowed = {plan.kept, plan.cut}  # inclusion is stop.included's business
    for path, call in calls.items():
        method = "_stream" if "stream" in path else "_call"
        if not call.ok:
            raise fail(
                f"{path} with stop={plan.stop!r} {'hung' if call.hung else 'raised'}",
                expected="an answer cut at the first stop sequence",
                observed=call.raised,
                cause="the model rejects stop (as the guide's own example does)",
                method=method,
            )
        result = _result(call)
        if result is None:
            raise fail(
                f"{path} with stop did not return text",
                expected="a str",
                observed=excerpt(call.output),
                method=method,
            )
        ok = result in allowed if exact else _nothing_after_stop(result, plan.stop)
        if not ok:
            raise fail(
                f"{path}: text after the first stop sequence",
                expected=f"{excerpt(plan.kept)} (stop={plan.stop!r})",
                observed=excerpt(result),
                cause=_diagnose(plan, result) if exact else "generation did not stop",
                method=method,
            )
    never = obs.stop_calls["never"]
    if exact and "invoke" in calls and _result(never) != plan.output:
        raise fail(
            "a stop sequence that never occurs changed the answer",
            expected=excerpt(plan.output),
            observed=excerpt(_result(never) if never.ok else never.raised),
            cause="stop sequences are not matched as literal text",
            method="_call",
        )
    mode = "exact answers" if exact else "nothing after the first stop (model not deterministic)"
    note = "; ".join([*plan.notes, *notes])
    return passed(
        f"stop={plan.stop!r} respected on {', '.join(calls)} ({mode})"
        + (f"; {note}" if note else "")
    )


def _nothing_after_stop(result: str, stop: list[str]) -> bool:
    ends = [result.find(s) + len(s) for s in stop if s in result]
    return not ends or min(ends) == len(result)


@check(
    "stop.included",
    uses=("stop_calls", "invoke", "ainvoke", "batch", "stream", "astream"),
    rule=(
        "the answer ends with the stop sequence (policy `include`, the checklist's rule); "
        "a class declaring policy `exclude` is checked for the opposite"
    ),
    source='Stop token: "must be INCLUDED"',
    fix=INCLUDED_FIX,
)
def included(obs: Observations) -> Verdict:
    """Judged on answers that respected the stop; the report shows the policy."""
    policy = obs.settings.stop_policy
    plan = _plan_or_skip(obs)
    if isinstance(plan, Verdict):
        return plan
    calls, _ = _paths(obs)
    exact = obs.deterministic is True
    judged = []
    for path, call in calls.items():
        result = _result(call) if call.ok else None
        if result is None or (exact and result not in (plan.kept, plan.cut)):
            continue  # raised or did not stop: stop.respected reports it
        if exact:
            right = result == plan.expected(policy)
        else:
            ends = any(result.endswith(s) for s in plan.stop)
            if not ends and not any(s in result for s in plan.stop):
                continue  # the model stopped before any stop sequence: no evidence
            right = ends if policy == "include" else not any(s in result for s in plan.stop)
        if not right:
            kept = result == plan.kept or any(result.endswith(s) for s in plan.stop)
            raise fail(
                f"{path}: the stop sequence is {'kept' if kept else 'cut'} but the policy is "
                f"{policy}",
                expected=excerpt(plan.expected(policy)) if exact else f"stop {policy}d",
                observed=excerpt(result),
                cause="the checklist wants the stop sequence included; either keep it, or "
                "declare stop policy 'exclude' (llm_stop_policy, --llm-stop-policy, "
                "LLM_COMPLIANCE_STOP_POLICY) if the provider strips it"
                if policy == "include"
                else "the class is declared with stop policy 'exclude' but keeps it",
                method="_stream" if "stream" in path else "_call",
            )
        judged.append(path)
    if not judged:
        return skipped(
            "no answer showed how the stop sequence is handled (see stop.respected)",
            "the model stops at a stop sequence",
        )
    return passed(f"policy {policy}: the stop sequence is {policy}d on {', '.join(judged)}")
