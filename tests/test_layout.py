"""The package's layout: no import cycle among its modules, lazy imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import SOURCE

PACKAGE = SOURCE / "pytest_llm_compliance"


def module_names(root: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    names = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        names[".".join(parts).removesuffix(".__init__")] = path
    return names


def imported(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``module`` imports anywhere in its body.

    Module-level, inside functions, under ``TYPE_CHECKING``, and by name through
    ``importlib.import_module("...")`` alike. Importing one's own package (its
    ``__init__``) is no edge: Python runs it first anyway.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", None) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value]
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                found.add(name)
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    modules = module_names(root)
    return {name: imported(name, path, modules) for name, path in modules.items()}


def test_the_package_has_no_import_cycle():
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" -> ".join(group) for group in found)


def test_the_cycle_finder_finds_a_cycle_through_a_lazy_import(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "b.py").write_text(
        "def later():\n    import importlib\n    importlib.import_module('pkg.c')\n"
    )
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import x\n"
    )
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
    (package / "c.py").write_text("import pkg\n")  # its own package: no edge
    assert cycles(import_graph(package)) == []


def test_the_package_is_imported_as_pytest_llm_compliance_not_harness():
    import pytest_llm_compliance

    assert Path(pytest_llm_compliance.__file__).parent == PACKAGE
    assert not (SOURCE / "__init__.py").exists()  # harness/ is a folder of the repository only


def test_each_area_belongs_to_a_kind_and_chat_to_chat_models_alone():
    from pytest_llm_compliance.core.registry import AREAS
    from pytest_llm_compliance.kinds import KINDS, kind_named

    assert {area for kind in KINDS for area in kind.areas} == set(AREAS)
    assert kind_named("chat").not_applicable("chat") == ""
    assert kind_named("llm").not_applicable("chat") == "chat.* checks apply to chat models only"
    assert kind_named("llm").not_applicable("stop") == ""


def test_a_check_using_an_unknown_observation_is_refused():
    from pytest_llm_compliance.checks import _api

    catalog = _api.catalog()
    assert all(check.uses for check in catalog.values() if check.needs == "calls")
    typo = _api.check("stop.typo", rule="r", source="s", fix="f", uses=("stop_call",))
    refused = r"stop.typo uses unknown observation\(s\) \['stop_call'\]"
    with pytest.raises(ValueError, match=refused):
        typo(lambda obs: None)  # registered as a check module does, at its import
    assert "stop.typo" not in _api.catalog()
