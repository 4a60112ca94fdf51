"""The source of a class, each file parsed once.

``inspect.getsource(cls)`` parses the class's whole module every time it is
asked (CPython 3.11), which a scan of a package with a hundred classes asks
hundreds of times. Here each file is parsed once into an index of its
classes by qualified name; anything the index cannot answer goes to
``inspect``.
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import os

Block = tuple[list[str], int]
"""A class's source lines and the number of its first line (its decorators')."""


def class_source(cls: type) -> Block | None:
    """The lines of ``cls``'s definition and its first line number, None if unreadable."""
    try:
        filename = inspect.getsourcefile(cls)
    except TypeError:
        return None
    if filename:
        try:
            stamp = os.stat(filename).st_mtime_ns
        except OSError:
            stamp = 0
        span = _index(filename, stamp).get(cls.__qualname__)
        lines = linecache.getlines(filename)
        if span and lines:
            return lines[span[0] - 1 : span[1]], span[0]
    try:
        return inspect.getsourcelines(cls)
    except (OSError, TypeError):
        return None


@functools.lru_cache(maxsize=256)
def _index(filename: str, _stamp: int) -> dict[str, tuple[int, int]]:
    """Qualified name -> (first line, last line) of every class in a file, once per version."""
    text = "".join(linecache.getlines(filename))
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, SystemError):
        return {}
    spans: dict[str, tuple[int, int]] = {}
    twice: set[str] = set()
    pending: list[tuple[ast.AST, str]] = [(tree, "")]
    while pending:
        node, prefix = pending.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                name = prefix + child.name
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                if name in spans:
                    twice.add(name)  # defined twice (in an if/else): left to inspect
                spans[name] = (first, child.end_lineno or child.lineno)
                pending.append((child, name + "."))
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                pending.append((child, f"{prefix}{child.name}.<locals>."))
            else:
                pending.append((child, prefix))
    return {name: span for name, span in spans.items() if name not in twice}
