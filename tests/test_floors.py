"""The floors pyproject.toml declares are the versions the "oldest" CI leg installs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(name: str) -> dict[str, Version]:
    """``name==version`` lines of a constraints file, by package name."""
    found = {}
    for line in (ROOT / "ci" / name).read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.-]+)==([^;\s]+)", line):
            found[match.group(1).lower()] = Version(match.group(2))
    return found


def floors(requirements: list[str]) -> dict[str, Version]:
    """The ``>=`` floor of each requirement, by package name."""
    found = {}
    for text in requirements:
        requirement = Requirement(text)
        for spec in requirement.specifier:
            if spec.operator == ">=":
                found[requirement.name.lower()] = Version(spec.version)
    return found


def test_every_runtime_floor_is_pinned_in_the_oldest_constraints():
    declared = floors(PROJECT["dependencies"])
    assert set(declared) >= {"langchain-core", "pydantic", "pytest", "httpx", "blockbuster"}
    oldest = pins("oldest.txt")
    assert {name: oldest.get(name) for name in declared} == declared


def test_the_focused_subsets_tools_are_pinned_at_the_test_extras_floors():
    declared = floors(PROJECT["optional-dependencies"]["test"])
    oldest = pins("oldest.txt")
    tools = [line.strip() for line in (ROOT / "ci/focused-tools.txt").read_text().splitlines()]
    for tool in (t for t in tools if t and not t.startswith("#") and t in declared):
        assert oldest.get(tool) == declared[tool], tool


def test_the_langchain_tests_extra_floor_is_pinned():
    declared = floors(PROJECT["optional-dependencies"]["langchain-tests"])
    assert pins("oldest-extra.txt")["langchain-tests"] == declared["langchain-tests"]


def test_the_plugin_itself_needs_neither_langchain_tests_nor_pytest_asyncio():
    names = {Requirement(text).name for text in PROJECT["dependencies"]}
    assert not names & {"langchain-tests", "pytest-asyncio", "pytest-socket", "syrupy"}
