"""pytest-llm-compliance: LangChain's custom-LLM checklist as executable checks.

The public face: ``check_llm`` runs the checklist from Python and returns one
record per check; ``LLMComplianceTests`` runs it in a pytest suite. Both are
imported lazily, so that importing ``pytest_llm_compliance`` (as the pytest plugin does in
every session) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.3.0"

if TYPE_CHECKING:
    from pytest_llm_compliance.checks._api import catalog
    from pytest_llm_compliance.core.outcomes import CheckRecord, Outcome
    from pytest_llm_compliance.core.settings import SettingsError
    from pytest_llm_compliance.core.targets import TargetError
    from pytest_llm_compliance.faces.api import check_llm
    from pytest_llm_compliance.faces.pytest.mixin import LLMComplianceMixin
    from pytest_llm_compliance.faces.pytest.testclass import LLMComplianceTests

_LAZY = {
    "check_llm": "pytest_llm_compliance.faces.api",
    "CheckRecord": "pytest_llm_compliance.core.outcomes",
    "Outcome": "pytest_llm_compliance.core.outcomes",
    "catalog": "pytest_llm_compliance.checks._api",
    "SettingsError": "pytest_llm_compliance.core.settings",
    "TargetError": "pytest_llm_compliance.core.targets",
    "LLMComplianceTests": "pytest_llm_compliance.faces.pytest.testclass",
    "LLMComplianceMixin": "pytest_llm_compliance.faces.pytest.mixin",  # langchain-tests extra
}
__all__ = [
    "CheckRecord",
    "LLMComplianceMixin",
    "LLMComplianceTests",
    "Outcome",
    "SettingsError",
    "TargetError",
    "__version__",
    "catalog",
    "check_llm",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pytest_llm_compliance' has no attribute {name!r}")
