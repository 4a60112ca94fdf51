"""The pytest plugin, registered through the ``pytest11`` entry point.

It is loaded into every pytest session of an environment that has the package
installed, so this module imports nothing heavy and adds nothing to sessions
that check no LLM: LangChain is imported only once a target is configured.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from pytest_llm_compliance.core.settings import SETTINGS, Setting
from pytest_llm_compliance.faces.pytest.keys import (
    RECORD,
    REPORT_ATTRIBUTE,
    SELECTED,
    HarnessError,
)

if TYPE_CHECKING:
    from pytest_llm_compliance.core.targets import Target

_targets_key = pytest.StashKey[list["Target"]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the command-line options and their ini twins."""
    group = parser.getgroup("llm-compliance", "LangChain LLM compliance checks")
    group.addoption(
        "--llm",
        action="append",
        default=[],
        metavar="MODULE:NAME",
        help="check this LLM class or factory (repeatable)",
    )
    group.addoption(
        "--llm-params",
        action="append",
        default=[],
        metavar="JSON",
        help="params of the --llm of the same position, as a JSON object",
    )
    for setting in SETTINGS:
        _add_setting(parser, group, setting)
    scan = parser.getgroup("llm-compliance scan", "scan packages: the checks that need no call")
    scan.addoption(
        "--llm-scan",
        action="append",
        default=[],
        metavar="PACKAGE",
        help="check every LLM and chat class of PACKAGE, one item per class and check",
    )
    parser.addini(
        "llm_compliance_scan", type="linelist", default=[], help="packages to scan, one per line"
    )
    parser.addini(
        "llm_compliance_targets",
        type="linelist",
        default=[],
        help='LLMs to check, one per line: MODULE:NAME [{"param": ...}]',
    )


def _add_setting(parser: pytest.Parser, group: pytest.OptionGroup, setting: Setting) -> None:
    """A setting's option and its ini twin, made from the settings table."""
    where = f"default {setting.default}; ini {setting.ini_key}, env {setting.env_var}"
    group.addoption(
        setting.pytest_flag,
        action="append" if setting.repeatable else "store",
        default=[] if setting.repeatable else None,
        choices=list(setting.choices) or None,
        metavar=None if setting.choices else setting.metavar,
        dest=setting.pytest_dest,
        help=f"{setting.help} ({'repeatable; ' if setting.repeatable else ''}{where})",
    )
    if setting.repeatable:
        parser.addini(setting.ini_key, f"{setting.help} (one per line)", "linelist", default=[])
    else:
        parser.addini(setting.ini_key, setting.help, "string", default="")


def _target_specs(config: pytest.Config) -> list[tuple[str, str | None, str]]:
    """(spec, params, source) for each target of the command line and ini."""
    specs: list[str] = config.option.llm
    params: list[str] = config.option.llm_params
    if params and len(params) != len(specs):
        raise pytest.UsageError(
            f"command line: {len(params)} --llm-params for {len(specs)} --llm; "
            "give one --llm-params per --llm, in the same order, or none"
        )
    found = [
        (spec, params[i] if params else None, "command-line option --llm")
        for i, spec in enumerate(specs)
    ]
    for line in config.getini("llm_compliance_targets"):
        spec, _, rest = line.strip().partition(" ")
        found.append((spec, rest.strip() or None, "ini option llm_compliance_targets"))
    return found


def pytest_configure(config: pytest.Config) -> None:
    """Resolve the configured targets now, so bad input is a usage error."""
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(ComplianceReporter(), "llm-compliance-reporter")
    if config.option.llm_scan or config.getini("llm_compliance_scan"):
        from pytest_llm_compliance.faces.pytest.scan import ScanPlugin

        config.pluginmanager.register(ScanPlugin(config), "llm-compliance-scan")
    specs = _target_specs(config)
    if not specs:
        return
    from pytest_llm_compliance.core.construction import build_bounded
    from pytest_llm_compliance.core.redact import Redactor
    from pytest_llm_compliance.core.targets import TargetError, load_target
    from pytest_llm_compliance.faces.pytest.runner import settings_for

    settings = settings_for(config, None)  # validate the session's settings up front
    targets: list[Target] = []
    for spec, params, source in specs:
        try:
            target = load_target(spec, params, source=source)
            build_bounded(target, settings.timeout_s)  # a hang or any raise: one line
        except TargetError as exc:  # masked: a constructor's error may quote a key
            raise pytest.UsageError(Redactor.from_environment()(str(exc))) from None
        seen = sum(t.label.split("#")[0] == target.label for t in targets)
        if seen:  # the same class with other params: a label of its own
            target = dataclasses.replace(target, label=f"{target.label}#{seen + 1}")
        targets.append(target)
    config.stash[_targets_key] = targets


class TargetCollector(pytest.Collector):
    """The checks of one ``--llm`` or ini target."""

    def __init__(self, *, target: Target, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target

    def collect(self) -> Iterator[CheckItem]:
        """One item per check id, named by the id."""
        from pytest_llm_compliance.checks._api import catalog

        for check_id in catalog():
            yield CheckItem.from_parent(self, name=check_id)


class CheckItem(pytest.Item):
    """One check against one target.

    The check runs in ``setup``, so that a bug of the harness itself is a
    pytest error, not a verdict on the model.
    """

    parent: TargetCollector

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fixturenames: list[str] = []
        """No fixtures; present so that plugins that act per test (pytest-socket) see it."""

    def setup(self) -> None:
        """Run the check (observations are shared across the target's items)."""
        from pytest_llm_compliance.core.outcomes import Outcome
        from pytest_llm_compliance.faces.pytest.runner import (
            keep_record,
            record_check,
            settings_for,
            within_session_limit,
        )

        settings = within_session_limit(settings_for(self.config, None), self)
        target = self.parent.target
        self.record = record_check(self.config, target, settings, self.name, target.label, self)
        keep_record(self, self.record, settings.stop_policy)
        if self.record.could_not_check:  # no verdict on the model: a pytest error
            pytest.fail(self.record.message, pytrace=False)
        if self.record.outcome is Outcome.ERROR:
            raise HarnessError(self.record.message)

    def runtest(self) -> None:
        """End as the check's record says."""
        from pytest_llm_compliance.faces.pytest.runner import settle

        settle(self.record)

    def reportinfo(self) -> tuple[str, int | None, str]:
        """Where the test comes from: the target and the check id."""
        return self.parent.target.label, None, f"{self.name} on {self.parent.name}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Add the configured targets' checks; let ``-k`` match check ids."""
    for target in config.stash.get(_targets_key, []):
        collector = TargetCollector.from_parent(
            session, name=target.label, nodeid=target.label, target=target
        )
        session.ihook.pytest_collectstart(collector=collector)
        report = session.ihook.pytest_make_collect_report(collector=collector)
        session.ihook.pytest_collectreport(report=report)
        items.extend(node for node in report.result if isinstance(node, pytest.Item))
    checked: set[type] = set()
    for item in items:
        cls = getattr(item, "cls", None)
        if cls is None or not hasattr(cls, "compliance_settings"):
            continue
        if cls not in checked:  # bad class settings stop the session, like bad options
            cls.compliance_settings(config)
            checked.add(cls)
        if check_id := _check_id(item):
            item.extra_keyword_matches.add(check_id)


def _check_id(item: pytest.Item) -> str | None:
    """The check id of an ``LLMComplianceTests`` method (None for other tests)."""
    return getattr(getattr(item, "function", None), "check_id", None)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Note which checks of each target are left after selection, for prefetching."""
    selected: dict[object, set[str]] = {}
    for item in session.items:
        if isinstance(item, CheckItem):
            selected.setdefault(item.parent.target.label, set()).add(item.name)
        elif check_id := _check_id(item):
            selected.setdefault(getattr(item, "cls", None), set()).add(check_id)
    if selected:
        session.config.stash[SELECTED] = selected


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Wind down the targets' event loops (only if a target was checked)."""
    runner = sys.modules.get("pytest_llm_compliance.faces.pytest.runner")
    if runner is not None:
        runner.close_observations(session.config)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    """Show the targets and effective settings when targets are configured."""
    targets = config.stash.get(_targets_key, [])
    if not targets:
        return None
    from pytest_llm_compliance.faces.pytest.runner import settings_for

    labels = ", ".join(target.label for target in targets)
    return [f"llm-compliance: {labels}; {settings_for(config, None).describe()}"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Attach the item's check record (if it has one) to its reports."""
    report = yield
    if RECORD in item.stash:
        setattr(report, REPORT_ATTRIBUTE, item.stash[RECORD])
    return report


class ComplianceReporter:
    """Collects check records from reports and prints one summary per session.

    It is registered on the controller only (not on xdist workers), and the
    records reach it as an attribute of the reports. A check run again
    (``--reruns``) is shown as its last run judged it, with the model calls of
    all its runs.
    """

    def __init__(self) -> None:
        self.records: dict[tuple[str, str, str], dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep each check's record, as pytest finally judged it.

        One report per run carries the verdict: the call's, or the setup's when
        the setup did not pass (a harness error, a skip).
        """
        import json

        text = getattr(report, REPORT_ATTRIBUTE, None)
        verdict = report.when == "call" or (report.when == "setup" and not report.passed)
        if not isinstance(text, str) or not verdict:
            return
        data = json.loads(text)
        key = (data["worker"], data["group"], data["id"])
        if hasattr(report, "wasxfail") and data["outcome"] == "failed":
            data["outcome"] = "xfailed"  # overridden with @pytest.mark.xfail
        earlier = self.records.get(key)
        if earlier is not None and earlier["run"] != data["run"]:
            # run again (--reruns) with calls of its own: the calls of every run count (a
            # rerun that reuses the child's records made no new call)
            data["model_calls"] += earlier["model_calls"]
        self.records[key] = data

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Print, per target, every check with its outcome, then the counts."""
        if not self.records:
            return
        from pytest_llm_compliance.faces.pytest.summary import summary_lines

        terminalreporter.section("llm-compliance")
        for line in summary_lines(list(self.records.values())):
            terminalreporter.write_line(line)
        runner = sys.modules.get("pytest_llm_compliance.faces.pytest.runner")
        in_process = terminalreporter.config.stash.get(runner.IN_PROCESS, {}) if runner else {}
        for label, why in in_process.items():
            terminalreporter.write_line(f"note: {label} ran in the pytest process: {why}")


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``pytest -n``, keep each target's checks on one worker, whatever ``--dist``.

    A target's checks share its observations, so spreading them over workers
    would repeat model calls. ``loadscope`` and ``loadfile`` already keep them
    together; for ``load``, ``worksteal`` and ``loadgroup`` the checks of one
    target (or test class) become one unit, scheduled as ``loadscope`` does,
    while every other test stays a unit of its own (``loadgroup``: or of its
    ``xdist_group``). ``each`` runs every test on every worker, by definition.
    """
    dist = config.getvalue("dist")
    if dist not in ("load", "worksteal", "loadgroup"):
        return None
    from xdist.scheduler import (  # type: ignore[import-untyped]
        LoadGroupScheduling,
        LoadScopeScheduling,
    )

    from pytest_llm_compliance.checks._api import catalog

    names = {name for check in catalog().values() for name in (check.id, check.test_name)}
    base = LoadGroupScheduling if dist == "loadgroup" else LoadScopeScheduling

    class TargetScheduling(base):  # type: ignore[misc,valid-type]
        def _split_scope(self, nodeid: str) -> str:
            scope, _, name = nodeid.rpartition("::")
            if scope and name in names and "@" not in name:
                return scope
            return super()._split_scope(nodeid) if dist == "loadgroup" else nodeid

    return TargetScheduling(config, log)
