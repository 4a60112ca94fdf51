"""The catalog without the checks' code: ids, areas, rules and fixes, read from ``catalog.json``.

What the faces that never import a model need (the CLI's parent process, reports),
without importing LangChain. The checks themselves register in ``checks._api``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

GUIDE_URL = "https://python.langchain.com/docs/how_to/custom_llm/"
DOCS_URL = "https://pytest-llm-compliance.github.io/pytest-llm-compliance/checks/#"
"""The docs site's check catalog: each check's section is the id without its dots."""

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

Need = Literal["class", "instance", "calls"]
"""What a check needs to judge a model: the class alone (its ``Facts``, and plain
properties read off an instance made without validation), a built instance but
no model call, or model calls."""


class Described:
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
class CheckInfo(Described):
    """A check without its code, read from ``catalog.json`` without importing LangChain.

    What faces that never import a model need: the CLI's parent process, reports.
    """

    id: str
    rule: str
    source: str
    fix: str


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

CATALOG_FILE = Path(__file__).with_name("catalog.json")


@functools.cache
def catalog_info() -> dict[str, CheckInfo]:
    """Every check's id, rule, source and fix, without importing the checks (or LangChain).

    ``catalog.json`` is written by ``python -m pytest_llm_compliance.checks._api`` from
    ``catalog()``; a test keeps the two equal.
    """
    entries = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    return {entry["id"]: CheckInfo(**entry) for entry in entries}


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
