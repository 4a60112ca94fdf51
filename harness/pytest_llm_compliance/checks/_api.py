"""Registering checks: ``@check`` (an extension point), and the live catalog of every check.

Check modules register themselves with ``@check(...)``; ``catalog()`` imports the
``checks`` package (every area module) on first use, so importing this stays cheap.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_llm_compliance.core.outcomes import Verdict
from pytest_llm_compliance.core.registry import (
    AREAS,
    CATALOG_FILE,
    Described,
    Need,
    select_info,
)

if TYPE_CHECKING:
    from pytest_llm_compliance.observe.core import Observations

CheckFunction = Callable[["Observations"], Verdict]


@dataclass(frozen=True)
class Check(Described):
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
    """Register ``function`` as the check ``check_id``.

    Raises ``ValueError`` for an id registered twice, or ``uses`` naming no observation.
    """

    def register(function: CheckFunction) -> CheckFunction:
        if check_id in _CATALOG:
            raise ValueError(f"check id registered twice: {check_id}")
        _check_uses(check_id, uses)
        _CATALOG[check_id] = Check(check_id, rule, source, fix.strip(), function, uses, needs)
        return function

    return register


def catalog() -> dict[str, Check]:
    """Every check by id, in the order of CHECKLIST.md's areas."""
    importlib.import_module("pytest_llm_compliance.checks")  # each area module registers
    return {
        check_id: _CATALOG[check_id]
        for area in AREAS
        for check_id in _CATALOG
        if check_id.startswith(area + ".")
    }


def _check_uses(check_id: str, uses: Iterable[str]) -> None:
    """Every name in a check's ``uses`` is an observation's (``observe.core``), at registration."""
    from pytest_llm_compliance.observe.core import DRAWN_FROM, OBSERVATION_NAMES

    known = OBSERVATION_NAMES | set(DRAWN_FROM)
    unknown = sorted(set(uses) - known)
    if unknown:
        raise ValueError(
            f"check {check_id} uses unknown observation(s) {unknown}; "
            f"the observations are {sorted(known)}"
        )


def select(include: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[Check]:
    """The checks named by ids or areas in ``include`` (all if empty).

    Those named in ``exclude`` are left out; an unknown name raises
    ``KeyError`` naming it.
    """
    checks = catalog()
    return [checks[info.id] for info in select_info(include, exclude)]


def write_catalog_file() -> None:
    """Write ``catalog.json`` from the live catalog.

    Run ``python -m pytest_llm_compliance.checks._api``.
    """
    entries = [
        {"id": c.id, "rule": c.rule, "source": c.source, "fix": c.fix} for c in catalog().values()
    ]
    CATALOG_FILE.write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":  # the checks register into the imported module, not __main__
    importlib.import_module("pytest_llm_compliance.checks._api").write_catalog_file()
