"""What a check says about a model: verdicts from checks, records from runs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Outcome(str, Enum):
    """The five outcomes of CHECKLIST.md."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    XFAILED = "xfailed"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Verdict:
    """What one check function concluded, before expected failures apply."""

    outcome: Outcome
    message: str


@dataclass(frozen=True)
class Failure:
    """The parts of a failure message: what was wanted, seen, and why."""

    expected: str
    observed: str
    cause: str = ""
    method: str = ""
    """The method of the model's class to look at, such as ``_stream``."""


def passed(message: str) -> Verdict:
    """The model follows the rule; ``message`` says what was looked at."""
    return Verdict(Outcome.PASSED, message)


def skipped(reason: str, enable: str) -> Verdict:
    """The rule does not apply; ``enable`` says what would make it apply."""
    return Verdict(Outcome.SKIPPED, f"{reason} (applies when {enable})")


class CheckFailed(Exception):
    """Raised inside a check to fail it with a structured message."""

    def __init__(self, summary: str, failure: Failure) -> None:
        super().__init__(summary)
        self.summary = summary
        self.failure = failure


def fail(
    summary: str, *, expected: str, observed: str, cause: str = "", method: str = ""
) -> CheckFailed:
    """Build the exception that fails a check, for the check to raise."""
    return CheckFailed(summary, Failure(expected, observed, cause, method))


@dataclass(frozen=True)
class CheckRecord:
    """One check run against one target: the unit every report is made of."""

    id: str
    area: str
    target: str
    outcome: Outcome
    message: str
    duration_s: float
    model_calls: int
    file: str | None = None
    """For a failure: the file of the method to look at."""
    line: int | None = None
    kind: str = ""
    """The kind of model judged: ``llm`` or ``chat`` (empty when unknown)."""

    @property
    def headline(self) -> str:
        """The message's first line, for one-line summaries."""
        return self.message.splitlines()[0] if self.message else ""
