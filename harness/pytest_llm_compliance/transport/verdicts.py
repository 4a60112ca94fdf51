"""What the transport changes in a check's verdict.

Under cassettes, the timing checks are skipped (a replayed call touches no socket and
takes no time, so a blocking client or a slow cancellation cannot show), and a check
that used a call its cassette could not serve gets that problem as its verdict: never a
verdict drawn from a call that did not happen.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from pytest_llm_compliance.core.outcomes import Verdict, skipped

if TYPE_CHECKING:
    from pytest_llm_compliance.observe.core import Observations

UNMEASURED = {
    "async.non_blocking": "no socket is touched on replay, so a sync client on the event "
    "loop would look fine",
    "async.cancellation": "a replayed stream ends as fast as it is read, so how promptly "
    "cancellation ends it cannot show",
}
"""The timing checks, and why replay cannot judge them."""


def replay_skip(check_id: str, obs: Observations) -> Verdict | None:
    """``skipped`` for a timing check when calls go through cassettes, else None."""
    why = UNMEASURED.get(check_id)
    if why is None or not obs.transport.replaying:
        return None
    return skipped(
        f"not measured under replay: {why}",
        "the calls are live: run without --cassettes",
    )


def call_labels(obs: Observations, names: Iterable[str]) -> list[str]:
    """The labels of the calls the named observations made (those made so far)."""
    return [call.label for name in names for call in obs.calls_of(name)]


def overrule(verdict: Verdict, obs: Observations, uses: Iterable[str]) -> Verdict:
    """The first cassette problem of the calls behind a check, in place of its verdict."""
    problems = obs.transport.problems
    for label in call_labels(obs, uses) if problems else []:
        if label in problems:
            problem = problems[label]
            return Verdict(problem.outcome, problem.message, problem.error_source)
    return verdict
