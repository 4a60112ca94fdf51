"""``stop.*``: stop sequences respected, and included (or, if declared, excluded)."""

from __future__ import annotations

from pytest_llm_compliance.checks._api import check
from pytest_llm_compliance.checks._code import reads_argument
from pytest_llm_compliance.checks._text import excerpt
from pytest_llm_compliance.core.outcomes import Verdict, fail, passed, skipped
from pytest_llm_compliance.observe.core import Call, Observations
from pytest_llm_compliance.observe.stop_plan import StopPlan

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
RAISES_ON_STOP = (
    "the model raises when it is given stop (the guide's own example does: "
    "`if stop is not None: raise ValueError(...)` is its bug)"
)
UNDETERMINED = "not determined from the observations"


def _result(obs: Observations, call: Call) -> str | None:
    """The text a stop call gave (chunks joined), or None if not text."""
    output = call.output
    return obs.kind.joined(output) if isinstance(output, list) else obs.kind.text(output)


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
    """Deterministic models are held to exact answers, others to the invariant.

    Each path gets its own stop list (``observe.stop_plan``); every path that
    breaks the rule is named in one message, with what it did.
    """
    plan = _plan_or_skip(obs)
    if isinstance(plan, Verdict):
        return plan
    calls, notes = _paths(obs)
    if not calls:
        return skipped("; ".join(notes), "a public path returns text without stop")
    exact = obs.deterministic is True
    problems, methods, causes = [], [], []
    for path, call in calls.items():
        case = plan.cases[path]
        problem, cause = _stop_problem(obs, plan, path, call, exact)
        if problem:
            problems.append(f"{path}(stop={case.stop!r}) {problem}")
            methods.append(_method(obs, path))
            causes.append(cause)
    never = obs.stop_calls["never"]
    if exact and "invoke" in calls and not never.ok:
        how = never.raised if never.hung else f"raised: {never.raised}"
        problems.append(f"invoke(stop=[{plan.never!r}]), a stop that never occurs, {how}")
        methods.append(_method(obs, "invoke"))
        causes.append(RAISES_ON_STOP if not never.hung else "")
    elif exact and "invoke" in calls and _result(obs, never) != plan.output:
        problems.append(
            f"invoke(stop=[{plan.never!r}]), a stop that never occurs, changed the answer to "
            f"{excerpt(_result(obs, never))}"
        )
        methods.append(_method(obs, "invoke"))
        causes.append("stop sequences are not matched as literal text")
    if problems:
        raise fail(
            f"{len(problems)} path(s) do not respect stop",
            expected="an answer that ends at the first stop sequence to occur "
            f"(for invoke: {excerpt(plan.cases['invoke'].kept)})",
            observed="; ".join(problems),
            cause="; ".join(dict.fromkeys(c for c in causes if c)) or UNDETERMINED,
            method=methods[0],
        )
    mode = "exact answers" if exact else "nothing after the first stop (model not deterministic)"
    tested = "; ".join(
        f"{path} {plan.cases[path].stop!r}: {plan.cases[path].tests}" for path in calls
    )
    note = "; ".join([*plan.notes, *notes])
    return passed(f"stop respected ({mode}): {tested}" + (f"; {note}" if note else ""))


def _method(obs: Observations, path: str) -> str:
    """The method to look at for a stop problem on ``path``."""
    return obs.facts.method_for(path)


def _stop_problem(
    obs: Observations, plan: StopPlan, path: str, call: Call, exact: bool
) -> tuple[str, str]:
    """What one stop call did wrong (empty if nothing), and the cause the observations support."""
    case = plan.cases[path]
    if not call.ok:
        return f"{'hung' if call.hung else 'raised'}: {call.raised}", (
            "" if call.hung else RAISES_ON_STOP
        )
    result = _result(obs, call)
    if result is None:
        return f"did not return text: {excerpt(call.output)}", ""
    if exact:
        if case.handling(result):
            return "", ""
        what, cause = case.diagnose(result, straddling=_straddling(obs, plan, path))
        return f"gave {excerpt(result)}: {what}", cause or _ignored(obs, path)
    if _nothing_after_stop(result, case.stop):
        return "", ""
    return f"gave {excerpt(result)}: generation did not stop", _ignored(obs, path)


def _ignored(obs: Observations, path: str) -> str:
    """Why a path ignored its stop, as far as the class's code shows."""
    method = _method(obs, path)
    if reads_argument(obs.facts.cls, method, "stop") is False:
        return f"`{method}` never reads its `stop` argument"
    return "stop is not passed to the provider, or not enforced on this path"


def _straddling(obs: Observations, plan: StopPlan, path: str) -> bool:
    """Whether a stop missed on ``path`` can be put down to a stop split across chunks.

    Only when the stop spans two chunks of the stream observed for ``path``, an
    ``invoke`` or ``ainvoke`` respected its own stop (the model does stop), and
    the stream's method reads ``stop`` (it tries to): a stream that ignores stop
    misses a split stop as it misses any other.
    """
    if path not in ("stream", "astream"):
        return False
    case, chunks = plan.cases[path], obs.chunk_texts(path)
    ends = [sum(len(chunk) for chunk in (chunks or [])[: i + 1]) for i in range(len(chunks or []))]
    if not any(case.at < end < case.at + len(case.first) for end in ends):
        return False
    respected = []
    for other in ("invoke", "ainvoke"):
        call = obs.stop_calls.get(other)
        result = _result(obs, call) if call is not None and call.ok else None
        respected.append(result is not None and plan.cases[other].handling(result) is not None)
    return any(respected) and reads_argument(obs.facts.cls, _method(obs, path), "stop") is True


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
    """Judged on answers that respected the stop; the report shows the policy.

    Every path that breaks the policy is named in one message.
    """
    policy = obs.settings.stop_policy
    plan = _plan_or_skip(obs)
    if isinstance(plan, Verdict):
        return plan
    calls, _ = _paths(obs)
    exact = obs.deterministic is True
    judged, problems, methods = [], [], []
    for path, call in calls.items():
        case = plan.cases[path]
        result = _result(obs, call) if call.ok else None
        if result is None or (exact and case.handling(result) is None):
            continue  # raised or did not stop: stop.respected reports it
        if exact:
            right = case.handling(result) == policy
        else:
            ends = any(result.endswith(s) for s in case.stop)
            if not ends and not any(s in result for s in case.stop):
                continue  # the model stopped before any stop sequence: no evidence
            right = ends if policy == "include" else not any(s in result for s in case.stop)
        judged.append(path)
        if not right:
            kept = case.handling(result) == "include" or any(result.endswith(s) for s in case.stop)
            problems.append(
                f"{path}(stop={case.stop!r}) {'kept' if kept else 'cut'} {case.first!r}: "
                f"{excerpt(result)}"
            )
            methods.append(_method(obs, path))
    if not judged:
        return skipped(
            "no answer showed how the stop sequence is handled (see stop.respected)",
            "the model stops at a stop sequence",
        )
    if problems:
        raise fail(
            f"{len(problems)} path(s) handle the stop sequence against the policy ({policy})",
            expected=f"the stop sequence {policy}d"
            + (f", as in {excerpt(plan.cases['ainvoke'].expected(policy))}" if exact else ""),
            observed="; ".join(problems),
            cause="the checklist wants the stop sequence included; either keep it, or "
            "declare stop policy 'exclude' (llm_stop_policy, --llm-stop-policy, "
            "LLM_COMPLIANCE_STOP_POLICY) if the provider strips it"
            if policy == "include"
            else "the class is declared with stop policy 'exclude' but keeps it",
            method=methods[0],
        )
    return passed(f"policy {policy}: the stop sequence is {policy}d on {', '.join(judged)}")


BOUND_FIX = """
# A stop list given at construction applies to every call; a call's own stop
# replaces it (or adds to it: say which in the docstring):
stop: list[str] | None = None
\"\"\"Stop sequences for every call.\"\"\"

def _call(self, prompt, stop=None, run_manager=None, **kwargs) -> str:
    stop = stop if stop is not None else self.stop
    return truncate_at_stop(self._client.complete(prompt, stop=stop), stop)
"""


@check(
    "stop.bound",
    uses=("bound_stop", "stop_calls", "invoke", "ainvoke", "batch", "stream", "astream"),
    rule=(
        "a stop list given at construction (`stop`, `stop_sequences`) is honoured like a "
        "call-time `stop` on invoke and stream; a call-time `stop` on top of it does not raise"
    ),
    source='Stop token: "must be respected" (langchain#15921)',
    fix=BOUND_FIX,
)
def bound(obs: Observations) -> Verdict:
    """Classes with a stop init field; the others are skipped.

    Honoured like a call-time stop: for ``invoke`` and ``stream``, an instance
    built with the stop list that path got at call time (``stop.respected``)
    must answer as the call did. A path whose call-time stop changed nothing
    is ``stop.respected``'s to report and is not judged here (one defect, one
    verdict). With a call-time stop on top, either may win or both apply: the
    message says which.

    The instance with a stop list must call where the model calls (issue 19,
    4.1): a factory's instance is rebuilt with every init value it was given,
    SDK clients handed to its constructor included (``Target.rebuild``). When
    no such instance calls where the model does (its address fields and
    clients, ``observe.destinations``), or one tries another host at call time
    (refused by ``observe.host_guard``), the check is skipped with the reason:
    a call to the vendor's default host is not the model's behaviour.
    """
    if obs.facts.stop_field is None:
        return skipped(
            "the class has no stop init field (stop, stop_sequences, stop_words)",
            "the class takes stop sequences at construction",
        )
    plan = _plan_or_skip(obs)
    if isinstance(plan, Verdict):
        return plan
    run = obs.bound_stop
    if run is None:  # no field or no plan: both handled above
        return skipped(NO_PLAN, "invoke returns text")
    if run.elsewhere:
        return skipped(
            f"no instance with a stop list calls where the model calls: {run.elsewhere}",
            "the model's endpoint is an init value (base_url...) or a client the harness can "
            "carry over",
        )
    refused = sorted(
        {host for call in run.calls.values() if not call.ok for host in call.refused_hosts}
    )
    if refused:
        return skipped(
            f"the instance built with a stop list tried to call {', '.join(refused)}, where the "
            "model does not call; the harness refused it, so the stop list was not tried",
            "the model's endpoint is an init value (base_url...) or a client the harness can "
            "carry over",
        )
    if run.refused and not obs.target.is_class:  # a factory's class may need more
        return skipped(
            f"the factory's instance cannot be rebuilt with a stop list: {run.refused}",
            "the target is the class itself, with its params",
        )
    if run.refused:
        raise fail(
            f"the model cannot be built with a stop list in {run.field_name}",
            expected="the stop init field to take a list of stop sequences",
            observed=run.refused,
            method=obs.facts.first_defined("__init__"),
        )
    exact = obs.deterministic is True
    problems, judged, notes, methods = [], [], [], []
    for path in ("invoke", "stream"):
        call_time = obs.stop_calls[path]
        stopped = _result(obs, call_time) if call_time.ok else None
        if obs.text_of(path) is None or stopped is None or (exact and stopped == plan.output):
            notes.append(f"{path} not judged: its call-time stop changed nothing (stop.respected)")
            continue
        judged.append(path)
        bound_call, stop = run.calls[path], run.stops[path]
        if problem := _bound_problem(obs, bound_call, stopped, plan.output, stop, exact):
            problems.append(f"{path}, built with {run.field_name}={stop!r}, {problem}")
            methods.append(_method(obs, path))
    causes = (
        [
            "the stop init field is stored but not read by every path (langchain-core "
            "never merges it into the call)"
        ]
        if problems
        else []
    )
    both = run.calls["both"]
    if not both.ok:
        problems.append(f"invoke(stop={run.on_top!r}) on top of it {both.raised}")
        methods.append(_method(obs, "invoke"))
        causes.append("" if both.hung else "a call-time stop on top of the bound one is refused")
    if problems:
        raise fail(
            f"the stop list given at construction ({run.field_name}) is not honoured",
            expected="the answer the same stop gives at call time, and a call-time stop on "
            "top that does not raise",
            observed="; ".join(problems),
            cause="; ".join(c for c in causes if c) or UNDETERMINED,
            method=methods[0],
        )
    if not judged:
        return skipped("; ".join(notes), "a call-time stop changes the answer")
    note = f"; {'; '.join(notes)}" if notes else ""
    return passed(
        f"{run.field_name} honoured like a call-time stop on {', '.join(judged)}; with "
        f"stop={run.on_top!r} on top: {_winner(obs, run.calls, obs.stop_calls['ainvoke'])}{note}"
    )


def _bound_problem(
    obs: Observations, call: Call, stopped: str, output: str, stop: list[str], exact: bool
) -> str:
    """How a call on the bound instance differs from the same stop at call time."""
    if not call.ok:
        return f"{'hung' if call.hung else 'raised'}: {call.raised}"
    result = _result(obs, call)
    if result is None:
        return f"did not return text: {excerpt(call.output)}"
    if not exact:
        return "" if _nothing_after_stop(result, stop) else f"gave {excerpt(result)}"
    if result.strip() == stopped.strip():
        return ""
    if result == output:
        return "ignored it: the answer is the one without any stop"
    return f"gave {excerpt(result)}, where the same stop at call time gives {excerpt(stopped)}"


def _winner(obs: Observations, calls: dict[str, Call], call_only: Call) -> str:
    """Which stop won when both a construction and a call-time stop were given."""
    both = _result(obs, calls["both"])
    bound_only = _result(obs, calls["invoke"]) if calls["invoke"].ok else None
    by_call = _result(obs, call_only) if call_only.ok else None
    if both is None:
        return "no text to tell"
    if both == bound_only and both == by_call:
        return "both stop at the same place"
    if both == by_call:
        return "the call's stop won (it replaces the construction one, or stops earlier)"
    if both == bound_only:
        return "the construction stop won (it is kept, or stops earlier)"
    return f"another answer, {excerpt(both)}"
