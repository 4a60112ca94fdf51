"""``[tool.llm-compliance]`` in a project's ``pyproject.toml``: what the CLI checks.

.. code-block:: toml

    [tool.llm-compliance]
    stop_policy = "include"
    timeout = 30
    xfail = { "docs.api_link" = "the docs site is not public yet" }

    [[tool.llm-compliance.targets]]
    target = "my_package.llms:MyLLM"
    params = { model_name = "my-model" }
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_llm_compliance.core.settings import KEYS
from pytest_llm_compliance.core.targets import TargetError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

SOURCE = "pyproject.toml [tool.llm-compliance]"


@dataclass(frozen=True)
class ProjectConfig:
    """Targets and settings a project declares for the CLI."""

    targets: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)


PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
"""Files whose presence makes a directory a project (pre-commit runs at the git root)."""


def is_project(directory: Path) -> bool:
    """True if ``directory`` is the root of a project, not just any folder."""
    return any((directory / name).exists() for name in PROJECT_MARKERS)


def load_project_config(directory: Path) -> ProjectConfig:
    """Read ``directory/pyproject.toml``; an absent file or table is empty config."""
    path = directory / "pyproject.toml"
    if not path.is_file():
        return ProjectConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        reason = "it is not UTF-8" if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise TargetError(f"{path}: cannot read it: {reason}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise TargetError(f"{path}: [tool] must be a table, not {type(tool).__name__}")
    table = tool.get("llm-compliance")
    if table is None:
        return ProjectConfig()
    if not isinstance(table, dict):
        raise TargetError(f"{SOURCE}: must be a table")
    targets = []
    for entry in table.get("targets", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("target"), str):
            raise TargetError(f'{SOURCE}: each [[targets]] needs target = "module:Name"')
        params = entry.get("params", {})
        if not isinstance(params, dict):
            raise TargetError(f"{SOURCE}: params of {entry['target']} must be a table")
        targets.append((entry["target"], params))
    unknown = set(table) - {"targets", *KEYS}
    if unknown:
        raise TargetError(f"{SOURCE}: unknown key(s) {sorted(unknown)}")
    settings = {key: value for key, value in table.items() if key != "targets"}
    return ProjectConfig(targets, settings)
