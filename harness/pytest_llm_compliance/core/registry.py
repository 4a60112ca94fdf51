"""The catalog: every check under its stable id, with what users need to fix it.

Check modules register themselves with ``@check(...)``; ``catalog()`` imports
them on first use, so that importing this module stays cheap.
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pytest_llm_compliance.core.outcomes import Verdict

if TYPE_CHECKING:
    from pytest_llm_compliance.observe.core import Observations

GUIDE_URL = "https://python.langchain.com/docs/how_to/custom_llm/"
DOCS_URL = "https://github.com/pytest-llm-compliance/pytest-llm-compliance#"

AREAS = (
    "interface",
    "methods",
    "streaming",
    "stop",
    "secrets",
    "async",
    "callbacks",
    "docs",
    "chat",
)

CheckFunction = Callable[["Observations"], Verdict]
Need = Literal["class", "instance", "calls"]
"""What a check needs to judge a model: the class alone (its ``Facts``, and plain
properties read off an instance made without validation), a built instance but
no model call, or model calls."""


class _Described:
    """What a check's id tells: its area, link, section and test name."""

    id: str

    @property
    def area(self) -> str:
        """The part of the id before the dot, such as ``stop``."""
        return self.id.partition(".")[0]

    @property
    def link(self) -> str:
        """Where this check is documented, next to the guide's rule."""
        return DOCS_URL + self.id.replace(".", "")

    @property
    def section(self) -> str:
        """The guide's section this check comes from."""
        return next(name for name, areas in SECTIONS.items() if self.area in areas)

    @property
    def test_name(self) -> str:
        """The name of its method on ``LLMComplianceTests``."""
        return "test_" + self.id.replace(".", "_")


@dataclass(frozen=True)
class CheckInfo(_Described):
    """A check without its code, read from ``catalog.json`` without importing LangChain.

    What faces that never import a model need: the CLI's parent process, reports.
    """

    id: str
    rule: str
    source: str
    fix: str


@dataclass(frozen=True)
class Check(_Described):
    """A rule of the checklist as an executable check."""

    id: str
    rule: str
    """The rule in one line."""
    source: str
    """The checklist item it comes from."""
    fix: str
    """Troubleshooting: what to write, as code."""
    function: CheckFunction
    uses: tuple[str, ...] = ()
    """The observations it reads, fetched together (and overlapped) up front.

    Only speed and the attribution of model calls depend on it: a check still
    reads whatever it needs.
    """
    needs: Need = "calls"
    """What it needs (``Need``); ``llm-compliance scan`` runs the checks that need no call."""


SECTIONS = {
    "Implementation": ("interface",),
    "Tests": ("methods", "callbacks"),
    "Streaming": ("streaming",),
    "Stop token": ("stop",),
    "Secret API keys": ("secrets",),
    "Async": ("async",),
    "Documentation": ("docs",),
    "Chat models": ("chat",),
}
"""The guide's sections (and the design card's Async), with their areas, in order."""

_CATALOG: dict[str, Check] = {}


def check(
    check_id: str,
    *,
    rule: str,
    source: str,
    fix: str,
    uses: tuple[str, ...] = (),
    needs: Need = "calls",
) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``function`` as the check ``check_id``."""

    def register(function: CheckFunction) -> CheckFunction:
        if check_id in _CATALOG:
            raise ValueError(f"check id registered twice: {check_id}")
        _CATALOG[check_id] = Check(check_id, rule, source, fix.strip(), function, uses, needs)
        return function

    return register


def catalog() -> dict[str, Check]:
    """Every check by id, in the order of CHECKLIST.md's areas."""
    importlib.import_module("pytest_llm_compliance.checks")
    return {
        check_id: _CATALOG[check_id]
        for area in AREAS
        for check_id in _CATALOG
        if check_id.startswith(area + ".")
    }


CATALOG_FILE = Path(__file__).with_name("catalog.json")


@functools.cache
def catalog_info() -> dict[str, CheckInfo]:
    """Every check's id, rule, source and fix, without importing the checks (or LangChain).

    ``catalog.json`` is written by ``python -m pytest_llm_compliance.core.registry`` from
    ``catalog()``; a test keeps the two equal.
    """
    entries = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    return {entry["id"]: CheckInfo(**entry) for entry in entries}


def select(include: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[Check]:
    """The checks named by ids or areas in ``include`` (all if empty).

    Those named in ``exclude`` are left out; an unknown name raises
    ``KeyError`` naming it.
    """
    checks = catalog()
    return [checks[info.id] for info in select_info(include, exclude)]


def select_info(include: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[CheckInfo]:
    """``select``, on the lightweight catalog: no check is imported."""
    checks = catalog_info()

    def expand(names: Iterable[str]) -> set[str]:
        chosen: set[str] = set()
        for name in names:
            matches = {i for i in checks if i == name or i.startswith(name + ".")}
            if not matches:
                raise KeyError(name)
            chosen |= matches
        return chosen

    wanted = expand(include) if include else set(checks)
    wanted -= expand(exclude)
    return [c for i, c in checks.items() if i in wanted]


def write_catalog_file() -> None:
    """Write ``catalog.json`` from the live catalog.

    Run ``python -m pytest_llm_compliance.core.registry``.
    """
    entries = [
        {"id": c.id, "rule": c.rule, "source": c.source, "fix": c.fix} for c in catalog().values()
    ]
    CATALOG_FILE.write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":  # the checks register into the imported module, not __main__
    importlib.import_module("pytest_llm_compliance.core.registry").write_catalog_file()
