"""What a check says about a model: verdicts from checks, records from runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from enum import Enum
from typing import Any

ENVIRONMENT = "environment"
"""The ``error_source`` of an ``error`` the environment caused: the check could not be run."""
HARNESS = "harness"
"""The ``error_source`` of an ``error`` inside the harness: a bug to report."""


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
    error_source: str = ""
    """For an ``error``: ``environment`` (could not check) or ``harness`` (a bug)."""


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


BAD = (Outcome.FAILED, Outcome.ERROR)
"""The outcomes that make a run fail: a check failed, or could not run."""


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
    error_source: str = ""
    """For an ``error``: ``environment`` when the environment refused the model's calls
    (the check could not be run: not a verdict), ``harness`` for a bug of the harness."""

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON data: what crosses a process, xdist or a report attribute."""
        return {**asdict(self), "outcome": self.outcome.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckRecord:
        """A record back from ``to_dict``'s data (keys a face added beside it are left out)."""
        names = {field.name for field in fields(cls)}
        values = {key: value for key, value in data.items() if key in names}
        return cls(**{**values, "outcome": Outcome(data["outcome"])})

    @property
    def could_not_check(self) -> bool:
        """True for an ``error`` the environment caused (not the model, not the harness)."""
        return self.outcome is Outcome.ERROR and self.error_source == ENVIRONMENT

    @property
    def headline(self) -> str:
        """The message's first line, for one-line summaries."""
        return self.message.splitlines()[0] if self.message else ""
