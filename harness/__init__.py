"""pytest-llm-compliance: LangChain's custom-LLM checklist as executable checks.

The public face: ``check_llm`` runs the checklist from Python and returns one
record per check; ``LLMComplianceTests`` runs it in a pytest suite. Both are
imported lazily, so that importing ``harness`` (as the pytest plugin does in
every session) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from harness.engine import check_llm
    from harness.outcomes import CheckRecord, Outcome
    from harness.registry import catalog
    from harness.settings import SettingsError
    from harness.targets import TargetError
    from harness.testclass import LLMComplianceTests

_LAZY = {
    "check_llm": "harness.engine",
    "CheckRecord": "harness.outcomes",
    "Outcome": "harness.outcomes",
    "catalog": "harness.registry",
    "SettingsError": "harness.settings",
    "TargetError": "harness.targets",
    "LLMComplianceTests": "harness.testclass",
}
__all__ = [
    "CheckRecord",
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
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
