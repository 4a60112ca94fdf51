"""One run of the checklist over targets: targets and settings in, a report out, nothing printed.

A face (the CLI, ``check_llm``, a bot, a service) gathers the targets and the
settings, calls ``run_targets``, and shows or writes the report its own way.
With isolation (the default) this process imports neither the user's code nor
LangChain: each target runs in a child process (``isolation``).
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_llm_compliance.core.registry import CheckInfo
from pytest_llm_compliance.core.settings import Settings
from pytest_llm_compliance.core.targets import Target, TargetError
from pytest_llm_compliance.reports.formats import Report, TargetReport

if TYPE_CHECKING:
    from pytest_llm_compliance.core.redact import Redactor


@dataclass(frozen=True)
class TargetSpec:
    """One target to check: a ``module:Name`` string with its params, or a loaded target."""

    target: str | Target
    params: Mapping[str, Any] = field(default_factory=dict)
    source: str = "command line"
    """Where it was given (``command line``, ``pyproject.toml``, ...), for its errors."""

    @property
    def label(self) -> str:
        """How reports name it."""
        return self.target if isinstance(self.target, str) else self.target.label


@dataclass(frozen=True)
class Problem:
    """A target that could not be loaded or built: its checks did not run."""

    message: str
    """One line, secrets masked."""
    missing: str = ""
    """The module it needed and could not import, if that was why (for an install hint)."""


@dataclass(frozen=True)
class Session:
    """What ``run_targets`` found: the report, and the targets that could not run."""

    report: Report
    problems: Sequence[Problem] = ()


OnCheck = Callable[[str, "CheckInfo | None"], None]
"""Told ``(target label, check)`` as each check starts, and ``(label, None)`` at a target's end."""


def run_targets(
    specs: Sequence[TargetSpec],
    settings: Settings,
    checks: Sequence[CheckInfo],
    *,
    on_check: OnCheck | None = None,
    redactor: Redactor | None = None,
) -> Session:
    """Run ``checks`` against each target in turn; a target that cannot run is a problem.

    The other targets still run, so one bad target never loses another's results.
    """
    started = time.perf_counter()
    reports, problems = [], []
    for spec in specs:
        told = functools.partial(on_check, spec.label) if on_check else None
        in_process = settings.isolation == "none" or not isinstance(spec.target, str)
        try:
            if in_process:  # a loaded target cannot cross to a child process
                records, kind, output = _in_process(spec, settings, checks, told)
            else:
                records, kind, output = _isolated(spec, settings, checks, told, redactor)
        except Exception as exc:  # TargetError, or the isolation's TargetProblem
            if not _is_target_problem(exc):
                raise
            problems.append(Problem(str(exc), getattr(exc, "missing", "")))
            continue
        finally:
            if on_check:
                on_check(spec.label, None)
        isolation = "none" if in_process else "process"
        reports.append(TargetReport(spec.label, settings, records, isolation, kind, output))
    report = Report(reports, duration_s=time.perf_counter() - started)
    return Session(report, problems)


def _is_target_problem(exc: Exception) -> bool:
    if isinstance(exc, TargetError):
        return True
    from pytest_llm_compliance.isolation.parent import TargetProblem

    return isinstance(exc, TargetProblem)


def _in_process(
    spec: TargetSpec,
    settings: Settings,
    checks: Sequence[CheckInfo],
    told: Callable[[Any], None] | None,
) -> tuple[list[Any], str, str]:
    """Load, build, observe and judge one target in this process."""
    from pytest_llm_compliance.checks._api import catalog
    from pytest_llm_compliance.core.targets import load_target
    from pytest_llm_compliance.engine import run_checks
    from pytest_llm_compliance.observe.core import Observations

    target = spec.target
    if isinstance(target, str):
        target = load_target(target, spec.params, source=spec.source)
    code = catalog()
    obs = Observations(target, settings)
    try:
        _ = obs.llm  # built first: a target error comes before any check
        records = run_checks(obs, [code[check.id] for check in checks], on_start=told)
        return records, obs.kind.name, ""
    finally:
        obs.close()


def _isolated(
    spec: TargetSpec,
    settings: Settings,
    checks: Sequence[CheckInfo],
    told: Callable[[Any], None] | None,
    redactor: Redactor | None,
) -> tuple[list[Any], str, str]:
    """One target's records from a child process, in catalog order, with what it printed."""
    from pytest_llm_compliance.core.redact import Redactor
    from pytest_llm_compliance.isolation.parent import run_target

    assert isinstance(spec.target, str)
    by_id = {check.id: check for check in checks}
    run = run_target(
        spec.target,
        dict(spec.params),
        settings,
        list(by_id),
        spec.target,
        redactor or Redactor.from_environment(),
        python_path=[p for p in sys.path if p],
        on_record=(lambda record: told(by_id[record.id])) if told else None,
        source=spec.source,
    )
    records = [run.records[check_id] for check_id in by_id if check_id in run.records]
    return records, run.kind, run.output
