"""``LLMComplianceTests``: subclass it, set ``llm_class`` and ``llm_params``, done.

Example:
    .. code-block:: python

        from harness import LLMComplianceTests
        from my_package import MyLLM


        class TestMyLLM(LLMComplianceTests):
            llm_class = MyLLM
            llm_params = {"model_name": "my-model"}
            llm_stop_policy = "exclude"  # only if the provider strips stop sequences
            llm_xfail = {"docs.api_link": "the docs site is not public yet"}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import pytest
from langchain_tests.base import BaseStandardTests

from harness.pytest_runner import as_property, record_check, settings_for, settle
from harness.registry import Check, catalog
from harness.settings import Settings
from harness.targets import TargetError, load_target, one_line


class LLMComplianceTests(BaseStandardTests):
    """The checklist as test methods, one per check id, for one LLM class.

    Like LangChain's standard tests, a check method may only be overridden
    with ``@pytest.mark.xfail(reason=...)``; ``llm_xfail`` is the shorter way.
    """

    llm_class: ClassVar[type | Callable[..., Any] | None] = None
    """The LLM class to check, or a zero-argument factory returning an instance."""
    llm_params: ClassVar[Mapping[str, Any]] = {}
    """Keyword arguments for ``llm_class``; a property may compute them."""
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

    @classmethod
    def compliance_settings(cls, config: pytest.Config) -> Settings:
        """The class's settings over the session's; ``pytest.UsageError`` if invalid."""
        source = f"test class {cls.__name__}"
        if cls.llm_class is None:
            raise pytest.UsageError(f"{source}: set llm_class to the LLM class or a factory")
        if not callable(cls.llm_class):
            raise pytest.UsageError(f"{source}: llm_class is not a class or a factory")
        class_settings = {
            "xfail": cls.llm_xfail or None,
            "stop_policy": cls.llm_stop_policy,
            "timeout": cls.llm_timeout,
            "stall_ms": cls.llm_stall_ms,
            "parallel": cls.llm_parallel,
            "cassettes": cls.llm_cassettes,
            "record_mode": cls.llm_record_mode,
        }
        return settings_for(config, (source, class_settings))

    def run_compliance_check(self, request: pytest.FixtureRequest, check_id: str) -> None:
        """Run one check against ``llm_class`` and end the test as it says.

        Params may be computed at test time (a property or a fixture sets
        them), so a target that cannot be built fails the test with one line.
        """
        settings = self.compliance_settings(request.config)
        source = f"test class {type(self).__name__}"
        try:
            params = dict(self.llm_params)
        except Exception as exc:  # a property or fixture computing them raised
            pytest.fail(f"{source}: llm_params raised {one_line(exc)}", pytrace=False)
        try:
            target = load_target(self.llm_class, params, source=source)  # type: ignore[arg-type]
        except TargetError as exc:
            problem = str(exc)
        else:
            problem = ""
        if problem:
            pytest.fail(problem, pytrace=False)
        record = record_check(request.config, target, settings, check_id, type(self))
        request.node.user_properties.append(as_property(record, settings.stop_policy))
        settle(record)

    def test_no_overrides_DO_NOT_OVERRIDE(self) -> None:
        """A check may only be overridden as an expected failure with a reason."""
        base = LLMComplianceTests
        overridden = [
            name
            for name in dir(base)
            if name.startswith("test_") and getattr(type(self), name) is not getattr(base, name)
        ]
        not_xfail = [
            name
            for name in overridden
            if not any(
                mark.name == "xfail" and mark.kwargs.get("reason")
                for mark in getattr(getattr(type(self), name), "pytestmark", [])
            )
        ]
        assert not not_xfail, (
            f"Compliance checks overridden without @pytest.mark.xfail(reason=...): "
            f"{not_xfail}. Declare expected failures in llm_xfail instead."
        )


def _make_test(
    check: Check,
) -> Callable[[LLMComplianceTests, pytest.FixtureRequest], None]:
    def test(self: LLMComplianceTests, request: pytest.FixtureRequest) -> None:
        self.run_compliance_check(request, check.id)

    test.__name__ = test.__qualname__ = check.test_name
    test.check_id = check.id  # type: ignore[attr-defined]
    test.__doc__ = f"{check.id}: {check.rule}.\n\nTroubleshooting:\n\n{check.fix}\n"
    return test


for _check in catalog().values():
    setattr(LLMComplianceTests, _check.test_name, _make_test(_check))
