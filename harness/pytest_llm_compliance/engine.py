"""Run checks over a target's observations and turn verdicts into records."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from pytest_llm_compliance.checks._api import Check
from pytest_llm_compliance.core.environment import environment_error, refusal
from pytest_llm_compliance.core.exc_text import one_line
from pytest_llm_compliance.core.outcomes import (
    HARNESS,
    CheckFailed,
    CheckRecord,
    Outcome,
    Verdict,
    skipped,
)
from pytest_llm_compliance.core.redact import ACTIVE
from pytest_llm_compliance.core.targets import TargetError
from pytest_llm_compliance.observe.core import Observations, reading
from pytest_llm_compliance.transport.verdicts import overrule, replay_skip

REPORT_URL = "https://github.com/pytest-llm-compliance/pytest-llm-compliance/issues"


def render_failure(check: Check, obs: Observations, failed: CheckFailed) -> str:
    """The failure message: summary, expected, observed, cause, fix, where, link."""
    failure = failed.failure
    lines = [
        failed.summary,
        f"  expected: {failure.expected}",
        f"  observed: {failure.observed}",
    ]
    if failure.cause:
        lines.append(f"  likely cause: {failure.cause}")
    lines.append(f"  fix: see `llm-compliance explain {check.id}` or {check.link}")
    lines.append(f"  at: {obs.facts.location(failure.method)}")
    return "\n".join(lines)


def _harness_error(check: Check, exc: BaseException) -> Verdict:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {where.filename}:{where.lineno}" if where else ""
    return Verdict(
        Outcome.ERROR,
        f"the harness itself failed while running {check.id}: "
        f"{one_line(exc)}{at}. This is a bug of pytest-llm-compliance, "
        f"not a verdict on the model; please report this issue at {REPORT_URL}",
        error_source=HARNESS,
    )


def apply_expectation(verdict: Verdict, reason: str | None) -> Verdict:
    """Turn a declared expected failure into ``xfailed``, strictly.

    A check declared to fail that passes is a failure: the declaration is stale.
    """
    if reason is None:
        return verdict
    if verdict.outcome is Outcome.FAILED:
        return Verdict(Outcome.XFAILED, f"expected failure ({reason}): {verdict.message}")
    if verdict.outcome is Outcome.PASSED:
        return Verdict(
            Outcome.FAILED,
            f"declared as an expected failure ({reason}) but it passed: "
            "remove it from the expected failures",
        )
    return verdict


def _applicable(check: Check, obs: Observations) -> Verdict | None:
    """``skipped`` when the check's area is not for the model's kind (``chat.*`` on an LLM)."""
    reason = obs.kind.not_applicable(check.area)
    return skipped(reason, f"the model is a {check.area} model") if reason else None


def refused_by_environment(
    verdict: Verdict, obs: Observations, uses: Iterable[str], read: Iterable[str]
) -> Verdict:
    """The environment's refusal of a call behind a check, in place of its verdict.

    A call the environment refused (a blocked socket, a service that cannot be
    reached: ``core.environment``) judged nothing, so no verdict drawn from it
    stands, ``passed`` included. The calls behind a check are those of the
    observations it declares (``uses``) and those it read; a ``skipped`` stands
    unless the check read a refused call (``streaming.*`` on a class that does not
    stream is not applicable whatever the network did).
    """
    if verdict.outcome is Outcome.ERROR:
        return verdict
    in_order = sorted(read)  # the same call named on every run
    names = in_order if verdict.outcome is Outcome.SKIPPED else [*uses, *in_order]
    for name in dict.fromkeys(names):
        for call in obs.calls_of(name):
            if call.provoked:  # the failure probe asked for a refused connection
                continue
            found = refusal(call.error)
            if found is not None and call.error is not None:
                return environment_error(call.label, call.error, found)
    return verdict


def run_check(check: Check, obs: Observations) -> CheckRecord:
    """Run one check; the model's faults fail it, the harness's are ``error``.

    ``TargetError`` (the target cannot be built) propagates to the caller.
    """
    started, calls_before = time.perf_counter(), obs.model_calls
    position: tuple[str, int] | None = None
    active = ACTIVE.set(obs.redact)
    unmeasured = replay_skip(check.id, obs)
    read: set[str] = set()
    not_applicable: Verdict | None = None
    try:
        verdict = unmeasured or (not_applicable := _applicable(check, obs))
        if verdict is None:
            with reading(read):
                verdict = check.function(obs)
    except CheckFailed as failed:
        verdict = Verdict(Outcome.FAILED, render_failure(check, obs, failed))
        position = obs.facts.position(failed.failure.method)
    except TargetError:
        raise
    except Exception as exc:
        verdict = _harness_error(check, exc)
    finally:
        ACTIVE.reset(active)
    verdict = apply_expectation(verdict, obs.settings.xfail.get(check.id))
    if unmeasured is None and not_applicable is None:
        verdict = overrule(verdict, obs, check.uses)  # a call its cassette could not serve
        verdict = refused_by_environment(verdict, obs, check.uses, read)
    if verdict.outcome is not Outcome.FAILED:
        position = None  # a failure overruled: no method to look at
    return CheckRecord(
        id=check.id,
        area=check.area,
        target=obs.target.label,
        outcome=verdict.outcome,
        message=obs.redact(verdict.message),
        duration_s=time.perf_counter() - started,
        model_calls=obs.model_calls - calls_before + obs.charge(check.uses),
        file=position[0] if position else None,
        line=position[1] if position else None,
        kind=obs.kind.name,
        error_source=verdict.error_source if verdict.outcome is Outcome.ERROR else "",
    )


def run_checks(
    obs: Observations,
    checks: Iterable[Check],
    *,
    prefetch: Iterable[Check] | None = None,
    on_start: Callable[[Check], None] | None = None,
    on_record: Callable[[CheckRecord], None] | None = None,
    judge: Callable[[Check, Any], CheckRecord] = run_check,
) -> list[CheckRecord]:
    """The one loop every face runs: make the observations together, then judge each check.

    ``prefetch`` names the checks whose observations are made up front (default:
    ``checks``; none in careful mode); ``on_start`` and ``on_record`` are told of
    each check and its record as the run goes; ``judge`` runs one check (the scan
    runs its own, which makes no call).
    """
    checks = list(checks)
    wanted = checks if prefetch is None else list(prefetch)
    if wanted:
        obs.prefetch(wanted)
    records = []
    for check in checks:
        if on_start:
            on_start(check)
        record = judge(check, obs)
        if on_record:
            on_record(record)
        records.append(record)
    return records
