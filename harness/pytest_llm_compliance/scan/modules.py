"""A scan's unit of work: the modules of a package, each imported and its classes checked.

``module_names`` lists a package's modules from the file system, without
importing them. ``scan_module`` imports one (whatever it prints, warns or
raises is kept out of the scan's output; an import error is that module's
result, never the scan's end) and runs the checks that need no call on
every LLM and chat class it defines.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import importlib.util
import io
import os
import pkgutil
import re
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from pytest_llm_compliance.core.redact import Redactor
from pytest_llm_compliance.core.settings import Settings
from pytest_llm_compliance.core.targets import one_line
from pytest_llm_compliance.scan.classes import (
    ClassResult,
    check_class,
    class_label,
    classes_defined_in,
    model_kind,
)
from pytest_llm_compliance.scan.no_network import no_network

MODULE_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
MAX_DEPTH = 32
"""Deepest package nesting followed (a symlink loop ends there)."""


class ScanError(ValueError):
    """What to scan cannot be found; the message is one line."""


@contextlib.contextmanager
def quiet_imports() -> Iterator[io.StringIO]:
    """Keep what imported code prints or warns out of the output; no network meanwhile."""
    sink = io.StringIO()
    with (
        warnings.catch_warnings(record=True) as caught,
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
        no_network(),
    ):
        warnings.simplefilter("always")
        yield sink
    sink.write("\n" * len(caught))  # each warning counts as a line of output


def module_names(spec: str) -> list[str]:
    """``spec`` and, for a package, every module under it (``__main__`` aside), sorted.

    Nothing is imported: the modules are found on the file system (only a
    package that an import hook provides, as some editable installs do, has
    its parent packages imported to find it).
    """
    if not MODULE_NAME.match(spec):
        raise ScanError(f"{spec!r} is not a module or package name (such as my_package.llms)")
    found = _on_disk(spec)
    if found is None:  # an import hook's (an editable install's): ask the import system
        try:
            with quiet_imports():
                found = importlib.util.find_spec(spec)
        except (Exception, SystemExit) as exc:
            raise ScanError(f"cannot find {spec!r}: {one_line(exc)}") from None
    if found is None:
        raise ScanError(f"no module or package named {spec!r}")
    names = [spec]
    if found.submodule_search_locations is not None:
        names += _walk(list(found.submodule_search_locations), spec, set(), 0)
    return names


def _on_disk(spec: str) -> importlib.machinery.ModuleSpec | None:
    """Where ``spec`` lives on ``sys.path``, found without importing its parent packages."""
    found = None
    for part in spec.split("."):
        where = None if found is None else found.submodule_search_locations
        if found is not None and where is None:
            return None  # a module, not a package: it has no submodules
        try:
            found = importlib.machinery.PathFinder.find_spec(part, where and list(where))
        except (ImportError, ValueError, OSError):
            return None
        if found is None:
            return None
    return found


def _walk(paths: list[str], package: str, seen: set[str], depth: int) -> list[str]:
    real = {os.path.realpath(path) for path in paths}
    if depth >= MAX_DEPTH or real <= seen:
        return []
    seen |= real
    names: list[str] = []
    for info in sorted(pkgutil.iter_modules(paths, package + "."), key=lambda i: i.name):
        leaf = info.name.rpartition(".")[2]
        if leaf == "__main__":  # importing it would run the package's command line
            continue
        names.append(info.name)
        if info.ispkg:
            below = [os.path.join(path, leaf) for path in paths]
            names += _walk([p for p in below if os.path.isdir(p)], info.name, seen, depth + 1)
    return names


@dataclass(frozen=True)
class ScanJob:
    """What to do with each module: which checks, under which settings."""

    check_ids: tuple[str, ...]
    """The checks to run; none: only list the classes."""
    settings: Settings = field(default_factory=Settings)
    xfail_by_class: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Expected failures of one class, by its label or name."""

    def settings_for(self, label: str) -> Settings:
        """The settings of one class: the common ones and its own expected failures."""
        name = label.rpartition(":")[2]
        own = {**self.xfail_by_class.get(name, {}), **self.xfail_by_class.get(label, {})}
        if not own:
            return self.settings
        return replace(self.settings, xfail={**self.settings.xfail, **own})


@dataclass(frozen=True)
class ModuleResult:
    """One module of a scan: its import error, or its classes and their records."""

    name: str
    error: str = ""
    """Why it did not import (or why its worker died or ran out of time); empty if it did."""
    classes: Sequence[ClassResult] = ()
    printed_lines: int = 0
    """Lines it printed or warned while imported and checked (kept out of the output)."""
    duration_s: float = 0.0


def scan_module(name: str, job: ScanJob) -> ModuleResult:
    """Import ``name`` and check every class it defines; never raises for the module's faults."""
    from pytest_llm_compliance.checks._api import catalog

    started = time.perf_counter()
    checks = [catalog()[check_id] for check_id in job.check_ids]
    error, results = "", []
    with quiet_imports() as sink:
        try:
            module = importlib.import_module(name)
        except (Exception, SystemExit) as exc:
            error = Redactor.from_environment()(one_line(exc))
        else:
            for cls in classes_defined_in(module):
                label = class_label(cls)
                results.append(
                    check_class(cls, checks, job.settings_for(label))
                    if checks
                    else ClassResult(label, model_kind(cls) or "llm", False, "", ())
                )
    return ModuleResult(name, error, results, _lines(sink), time.perf_counter() - started)


def _lines(sink: io.StringIO) -> int:
    text = sink.getvalue()
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)
