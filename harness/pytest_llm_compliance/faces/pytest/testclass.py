"""``LLMComplianceTests``: subclass it, set ``model_class`` and ``model_params``, done.

``model_class`` is an LLM or a chat model class (or a factory); the names
``llm_class`` and ``llm_params`` of release 0.1 still work.

Example:
    .. code-block:: python

        from pytest_llm_compliance import LLMComplianceTests
        from my_package import MyLLM


        class TestMyLLM(LLMComplianceTests):
            model_class = MyLLM
            model_params = {"model_name": "my-model"}
            llm_stop_policy = "exclude"  # only if the provider strips stop sequences
            llm_xfail = {"docs.api_link": "the docs site is not public yet"}

It needs no langchain-tests: ``pytest_llm_compliance.faces.pytest.mixin.LLMComplianceMixin`` adds
the same checks to an existing langchain-tests subclass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import pytest

from pytest_llm_compliance.checks._api import Check, catalog
from pytest_llm_compliance.core.outcomes import CheckRecord, Outcome
from pytest_llm_compliance.core.settings import SETTINGS, Settings
from pytest_llm_compliance.core.targets import TargetError, load_target, one_line
from pytest_llm_compliance.faces.pytest.runner import (
    keep_record,
    record_check,
    settings_for,
    settle,
    within_session_limit,
)


class ComplianceChecks:
    """The checklist as test methods, one per check id; what both faces share."""

    model_class: ClassVar[type | Callable[..., Any] | None] = None
    """The model to check: an LLM or chat model class, or a zero-argument factory."""
    model_params: ClassVar[Mapping[str, Any]] = {}
    """Keyword arguments for ``model_class``; a property may compute them."""
    llm_class: ClassVar[type | Callable[..., Any] | None] = None
    """The name ``model_class`` had before chat models: still read when it is unset."""
    llm_params: ClassVar[Mapping[str, Any]] = {}
    """The name ``model_params`` had before chat models: still read when it is unset."""
    llm_xfail: ClassVar[Mapping[str, str]] = {}
    """Expected failures: check id -> reason."""
    llm_stop_policy: ClassVar[str | None] = None
    """``"include"`` (the checklist, default) or ``"exclude"``."""
    llm_timeout: ClassVar[float | None] = None
    """Seconds one model call may take."""
    llm_stall_ms: ClassVar[float | None] = None
    """The longest event-loop stall ``async.non_blocking`` tolerates."""
    llm_parallel: ClassVar[int | None] = None
    """Independent observations run at once; 1 for a model that is not thread-safe."""
    llm_cassettes: ClassVar[str | None] = None
    """A folder of cassettes: record the class's HTTP traffic once, replay it in CI."""
    llm_record_mode: ClassVar[str | None] = None
    """With cassettes: ``"none"`` (replay only), ``"once"`` or ``"all"``."""
    llm_isolation: ClassVar[str | None] = None
    """``"process"`` (build and call the model in a child process) or ``"none"``."""

    @classmethod
    def compliance_settings(cls, config: pytest.Config) -> Settings:
        """The class's settings over the session's; ``pytest.UsageError`` if invalid."""
        source = f"test class {cls.__name__}"
        for name in ("model_class", "llm_class"):
            value = getattr(cls, name)
            if value is not None and not callable(value):
                raise pytest.UsageError(f"{source}: {name} is not a class or a factory")
        class_settings = {
            setting.key: getattr(cls, setting.class_attribute) for setting in SETTINGS
        }
        return settings_for(config, (source, class_settings))

    @classmethod
    def declared_target(cls) -> Any:
        """``model_class``, else ``llm_class`` (None when neither is set)."""
        return cls.model_class if cls.model_class is not None else cls.llm_class

    def declared_params(self) -> Mapping[str, Any]:
        """``model_params``, else ``llm_params``."""
        return self.model_params or self.llm_params

    def compliance_target(self) -> tuple[Any, Mapping[str, Any]]:
        """The class or factory to check and its params."""
        return self.declared_target(), self.declared_params()

    @pytest.fixture
    def llm_compliance_record(self, request: pytest.FixtureRequest) -> CheckRecord:
        """The test's check, run in its setup: one that could not be run is a pytest error.

        An ``error`` (the environment refused the model's calls, or a bug of the
        harness) is no verdict on the model, so it is reported as pytest reports
        a setup that could not be made, not as a failed test.
        """
        record = self.compliance_record(request, request.function.check_id)
        if record.outcome is Outcome.ERROR:
            pytest.fail(record.message, pytrace=False)
        return record

    def run_compliance_check(self, request: pytest.FixtureRequest, check_id: str) -> None:
        """Run one check against the target and end the test as it says."""
        settle(self.compliance_record(request, check_id))

    def compliance_record(self, request: pytest.FixtureRequest, check_id: str) -> CheckRecord:
        """Run one check against the target, and keep its record on the test item.

        Params may be computed at test time (a property or a fixture sets
        them), so a target that cannot be built fails the test with one line.
        """
        settings = within_session_limit(self.compliance_settings(request.config), request.node)
        source = f"test class {type(self).__name__}"
        try:
            spec, raw_params = self.compliance_target()
            params = dict(raw_params)
        except Exception as exc:  # a property or fixture computing them raised
            pytest.fail(f"{source}: the params raised {one_line(exc)}", pytrace=False)
        try:
            target = load_target(spec, params, source=source)
        except TargetError as exc:
            problem = str(exc)
        else:
            problem = ""
        if problem:
            pytest.fail(problem, pytrace=False)
        record = record_check(request.config, target, settings, check_id, type(self), request.node)
        keep_record(request.node, record, settings.stop_policy)
        return record

    def overridden_without_xfail(self) -> list[str]:
        """Check methods the user's class replaced without ``xfail(reason=...)``."""
        overridden = [
            name
            for name in dir(ComplianceChecks)
            if name.startswith("test_")
            and getattr(type(self), name) is not getattr(ComplianceChecks, name)
        ]
        return [
            name
            for name in overridden
            if not any(
                mark.name == "xfail" and mark.kwargs.get("reason")
                for mark in getattr(getattr(type(self), name), "pytestmark", [])
            )
        ]


NO_OVERRIDES = (
    "Compliance checks overridden without @pytest.mark.xfail(reason=...): {names}. "
    "Declare expected failures in llm_xfail instead."
)


class LLMComplianceTests(ComplianceChecks):
    """The checklist as test methods, one per check id, for one LLM or chat model class.

    Like LangChain's standard tests, a check method may only be overridden
    with ``@pytest.mark.xfail(reason=...)``; ``llm_xfail`` is the shorter way.
    """

    @classmethod
    def compliance_settings(cls, config: pytest.Config) -> Settings:
        """As for every face, and ``model_class`` (or ``llm_class``) must be set."""
        if cls.declared_target() is None:
            raise pytest.UsageError(
                f"test class {cls.__name__}: set model_class to the LLM or chat model class, "
                "or a factory"
            )
        return super().compliance_settings(config)

    def test_no_overrides_DO_NOT_OVERRIDE(self) -> None:
        """A check may only be overridden as an expected failure with a reason."""
        not_xfail = self.overridden_without_xfail()
        assert not not_xfail, NO_OVERRIDES.format(names=not_xfail)


def _make_test(
    check: Check,
) -> Callable[[ComplianceChecks, pytest.FixtureRequest, CheckRecord], None]:
    def test(
        self: ComplianceChecks, request: pytest.FixtureRequest, llm_compliance_record: CheckRecord
    ) -> None:
        settle(llm_compliance_record)

    test.__name__ = test.__qualname__ = check.test_name
    test.check_id = check.id  # type: ignore[attr-defined]
    test.__doc__ = f"{check.id}: {check.rule}.\n\nTroubleshooting:\n\n{check.fix}\n"
    return test


for _check in catalog().values():
    setattr(ComplianceChecks, _check.test_name, _make_test(_check))
