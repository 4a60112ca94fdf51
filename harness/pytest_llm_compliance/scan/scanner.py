"""Scan whole packages: every LLM and chat class, the checks that need no model call.

``scan()`` lists the modules of each package, imports and checks them in
worker processes (``scan.pool``), and returns a ``ScanResult``: per
module, its import error or its classes, each with one record per check.
Which checks run is ``scan_checks()``'s choice: those whose ``needs`` is
``"class"`` or ``"instance"`` (``core.registry.Need``).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from pytest_llm_compliance.checks._api import Check, catalog, select
from pytest_llm_compliance.core.outcomes import CheckRecord, Outcome
from pytest_llm_compliance.reports.formats import Report, TargetReport
from pytest_llm_compliance.scan.classes import ClassResult
from pytest_llm_compliance.scan.modules import (
    ModuleResult,
    ScanError,
    ScanJob,
    module_names,
    scan_module,
)
from pytest_llm_compliance.scan.pool import DEFAULT_MODULE_TIMEOUT_S, run_modules

Progress = Callable[["ScanProgress"], None]


def scan_checks(include: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[Check]:
    """The selected checks that need no model call; ``ScanError`` for a bad or empty choice.

    An area keeps its checks that need no call; an id of one that needs calls
    is refused, since a scan makes none.
    """
    include, exclude = list(include), list(exclude)
    try:
        chosen = select(include, exclude)
    except KeyError as exc:
        raise ScanError(
            f"unknown check id or area {exc.args[0]!r} in --select/--deselect"
        ) from None
    checks = catalog()
    called = [name for name in include if name in checks and checks[name].needs == "calls"]
    if called:
        raise ScanError(
            f"{', '.join(called)} needs model calls, and a scan makes none; "
            "run `llm-compliance check` on the class for it"
        )
    static = [check for check in chosen if check.needs != "calls"]
    if not static:
        raise ScanError(
            "--select/--deselect leave no check a scan can run: "
            + ", ".join(sorted(i for i, c in checks.items() if c.needs != "calls"))
        )
    return static


def parse_class_xfail(values: Iterable[str]) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Split ``--xfail`` values into plain ``ID=REASON`` and per-class ``CLASS::ID=REASON``.

    ``CLASS`` is a class's name or its full label (``package.module:Name``).
    The plain ones are validated with the other settings; per-class ones here.
    """
    plain: list[str] = []
    by_class: dict[str, dict[str, str]] = {}
    checks = catalog()
    for value in values:
        key, sep, reason = value.partition("=")
        cls, qualified, check_id = key.strip().rpartition("::")
        if not qualified:
            plain.append(value)
            continue
        if check_id not in checks:
            raise ScanError(f"--xfail {value!r}: unknown check id {check_id!r}")
        if not sep or not reason.strip() or not cls:
            raise ScanError(f"--xfail {value!r}: give CLASS::ID=REASON, with a reason")
        by_class.setdefault(cls, {})[check_id] = reason.strip()
    return plain, by_class


@dataclass(frozen=True)
class ScanProgress:
    """How far a scan is, after each module."""

    modules_done: int
    modules_total: int
    classes: int
    failing_classes: int


@dataclass(frozen=True)
class ScanResult:
    """Everything a scan found."""

    targets: Sequence[str]
    modules: Sequence[ModuleResult]
    job: ScanJob
    duration_s: float = 0.0

    @property
    def classes(self) -> list[ClassResult]:
        """Every class found, in module order."""
        return [cls for module in self.modules for cls in module.classes]

    @property
    def failed_imports(self) -> list[ModuleResult]:
        """The modules that did not import (or whose worker died or ran out of time)."""
        return [module for module in self.modules if module.error]

    @property
    def records(self) -> list[CheckRecord]:
        """Every record of every class."""
        return [record for cls in self.classes for record in cls.records]

    @property
    def check_ids(self) -> tuple[str, ...]:
        """The checks each class got, in catalog order."""
        return self.job.check_ids

    def report(self) -> Report:
        """One target per class, for the JSON, Markdown and HTML writers."""
        targets = [
            TargetReport(cls.label, self.job.settings_for(cls.label), cls.records, kind=cls.kind)
            for cls in self.classes
        ]
        return Report(targets, duration_s=self.duration_s)

    @property
    def verdict(self) -> str:
        """``error`` if the harness failed on a check, ``failed`` if a check did, else ``passed``.

        A module that does not import is reported, but is no verdict on a class.
        """
        return self.report().verdict

    def unknown_xfail_classes(self) -> list[str]:
        """Classes named by a per-class ``--xfail`` that the scan did not find."""
        known = {cls.label for cls in self.classes} | {
            cls.label.rpartition(":")[2] for cls in self.classes
        }
        return sorted(name for name in self.job.xfail_by_class if name not in known)


def scan(
    targets: Sequence[str],
    job: ScanJob,
    *,
    workers: int,
    module_timeout_s: float = DEFAULT_MODULE_TIMEOUT_S,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan the packages or modules ``targets``; ``ScanError`` if one cannot be found.

    ``workers`` processes import the modules in parallel, each module within
    ``module_timeout_s``; ``workers=0`` scans in this process, without a time
    limit (for the pytest face and tests).
    """
    started = time.perf_counter()
    names = list(dict.fromkeys(name for target in targets for name in module_names(target)))
    tally = _Tally(len(names), progress)
    if workers <= 0:
        modules = [scan_module(name, job) for name in names]
        for module in modules:
            tally(module)
    else:
        modules = run_modules(
            names, job, workers=workers, timeout_s=module_timeout_s, on_result=tally
        )
    return ScanResult(tuple(targets), modules, job, time.perf_counter() - started)


class _Tally:
    """Counts for the progress line, updated after each module."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total, self.progress = total, progress
        self.done = self.classes = self.failing = 0

    def __call__(self, module: ModuleResult) -> None:
        self.done += 1
        self.classes += len(module.classes)
        self.failing += sum(
            any(r.outcome in (Outcome.FAILED, Outcome.ERROR) for r in cls.records)
            for cls in module.classes
        )
        if self.progress:
            self.progress(ScanProgress(self.done, self.total, self.classes, self.failing))


def outcome_counts(records: Iterable[CheckRecord]) -> Mapping[Outcome, int]:
    """How many records have each outcome."""
    counted = Counter(record.outcome for record in records)
    return {outcome: counted[outcome] for outcome in Outcome}
