"""``pytest --llm-scan PACKAGE``: one test item per class found and check that needs no call.

The classes are found by the scan's worker processes (so a module that
crashes or hangs at import costs its own item, not the session); each item
then imports its class in the test process and runs its one check, so that
``pytest -n auto`` spreads a big scan over xdist workers (a class's checks
stay on one worker). A module that does not import is one skipped item,
``module::import``. Imported only when ``--llm-scan`` (or the ini option
``llm_compliance_scan``) names a package.
"""

from __future__ import annotations

import importlib
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_llm_compliance.checks._api import Check, catalog
from pytest_llm_compliance.core.outcomes import Outcome
from pytest_llm_compliance.core.settings import Settings
from pytest_llm_compliance.faces.pytest.keys import HarnessError
from pytest_llm_compliance.faces.pytest.runner import settings_for, settle
from pytest_llm_compliance.scan.classes import ClassObservations, scan_check
from pytest_llm_compliance.scan.modules import (
    ModuleResult,
    ScanError,
    ScanJob,
    module_names,
    quiet_imports,
)
from pytest_llm_compliance.scan.pool import default_workers
from pytest_llm_compliance.scan.scanner import scan, scan_checks

PROPERTY_KEY = "llm_compliance_scan"
"""The attribute of a scan item's reports that carries its record, as JSON text."""
_observations = pytest.StashKey[dict[str, ClassObservations]]()


def packages(config: pytest.Config) -> list[str]:
    """The packages to scan, from ``--llm-scan`` and the ini option."""
    return [*config.option.llm_scan, *config.getini("llm_compliance_scan")]


class ScanPlugin:
    """Collects the scan's items and prints its summary (on the controller only)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.targets = packages(config)
        self.settings = settings_for(config, None)
        self.checks = scan_checks()
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        try:
            for target in self.targets:
                module_names(target)
        except ScanError as exc:
            raise pytest.UsageError(f"--llm-scan: {exc}") from None

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        """Find the classes (in worker processes) and add one item per class and check."""
        # under xdist every worker collects, and xdist already spreads the work: one process each
        workers = 1 if hasattr(config, "workerinput") else default_workers()
        found = scan(self.targets, ScanJob(()), workers=workers)
        collectors: list[pytest.Collector] = []
        for module in found.modules:
            if module.error:
                collectors.append(
                    ImportCollector.from_parent(
                        session, name=module.name, nodeid=module.name, module=module
                    )
                )
            collectors += [
                ClassCollector.from_parent(session, name=cls.label, nodeid=cls.label, plugin=self)
                for cls in module.classes
            ]
        for collector in collectors:
            session.ihook.pytest_collectstart(collector=collector)
            report = session.ihook.pytest_make_collect_report(collector=collector)
            session.ihook.pytest_collectreport(report=report)
            items.extend(node for node in report.result if isinstance(node, pytest.Item))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        """Attach a scan item's record to its reports, as JSON (out of ``--junitxml``)."""
        report = yield
        record = getattr(item, "record", None)
        if isinstance(item, ScanItem) and record is not None:
            setattr(report, PROPERTY_KEY, json.dumps(record.to_dict()))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep each check's record for the summary."""
        text = getattr(report, PROPERTY_KEY, None)
        if isinstance(text, str):
            data = json.loads(text)
            self.records[(data["target"], data["id"])] = data

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Wind down the classes' observations."""
        close_observations(session.config)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Counts per check, then the classes with a failure."""
        if not self.records or hasattr(self.config, "workerinput"):
            return
        terminalreporter.section("llm-compliance scan")
        for line in summary_lines(list(self.records.values())):
            terminalreporter.write_line(line)


def summary_lines(records: list[dict[str, Any]]) -> list[str]:
    """Per check, the count of each outcome; then how many classes failed something."""
    ids = [i for i in catalog() if any(data["id"] == i for data in records)]
    width = max(len(i) for i in ids)
    lines = [f"{'check':<{width}}  " + " ".join(f"{o.value:>7}" for o in Outcome)]
    for check_id in ids:
        counts = Counter(data["outcome"] for data in records if data["id"] == check_id)
        lines.append(f"{check_id:<{width}}  " + " ".join(f"{counts[o.value]:>7}" for o in Outcome))
    classes = {data["target"] for data in records}
    failing = {data["target"] for data in records if data["outcome"] in ("failed", "error")}
    lines.append(f"{len(failing)} of {len(classes)} classes have a failure; 0 model calls")
    return lines


class ClassCollector(pytest.Collector):
    """The checks of one class found by the scan."""

    def __init__(self, *, plugin: ScanPlugin, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plugin = plugin

    def collect(self) -> Iterator[pytest.Item]:
        """One item per check that needs no call, named by its id."""
        for check in self.plugin.checks:
            yield ScanItem.from_parent(self, name=check.id, check=check)


class ScanItem(pytest.Item):
    """One check on one class; the check runs in ``setup``, as ``CheckItem``'s do."""

    parent: ClassCollector

    def __init__(self, *, check: Check, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check

    def setup(self) -> None:
        """Import the class (once per class) and run the check."""
        obs = _observations_of(self.config, self.parent.name, self.parent.plugin.settings)
        self.record = scan_check(self.check, obs)
        if self.record.outcome is Outcome.ERROR:
            raise HarnessError(self.record.message)

    def runtest(self) -> None:
        """End as the record says."""
        settle(self.record)

    def reportinfo(self) -> tuple[str, int | None, str]:
        """The class and the check id."""
        return self.parent.name, None, f"{self.name} on {self.parent.name}"


class ImportCollector(pytest.Collector):
    """A module that did not import: one skipped item saying why."""

    def __init__(self, *, module: ModuleResult, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.module = module

    def collect(self) -> Iterator[pytest.Item]:
        """The one item."""
        yield ImportItem.from_parent(self, name="import", error=self.module.error)


class ImportItem(pytest.Item):
    """Skipped: the module did not import, so its classes were not checked."""

    def __init__(self, *, error: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        """Skip with the import error."""
        pytest.skip(f"the module did not import, so its classes were not checked: {self.error}")

    def reportinfo(self) -> tuple[str, int | None, str]:
        """The module."""
        module = self.parent.name if self.parent else ""
        return module, None, f"import of {module}"


def _observations_of(config: pytest.Config, label: str, settings: Settings) -> ClassObservations:
    cache = config.stash.setdefault(_observations, {})
    if label not in cache:
        module_name, _, qualname = label.partition(":")
        with quiet_imports():
            target: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
        cache[label] = ClassObservations(target, settings)
    return cache[label]


def close_observations(config: pytest.Config) -> None:
    """Wind down the classes' observations at the end of the session."""
    for obs in config.stash.get(_observations, {}).values():
        obs.close()
