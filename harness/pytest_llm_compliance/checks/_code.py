"""What a model method's own code reads, from its bytecode (no call is made)."""

from __future__ import annotations

import dis
import inspect
from collections.abc import Iterator
from types import CodeType
from typing import Any

LOADS = {"LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_DEREF", "LOAD_CLOSURE", "LOAD_FAST_AND_CLEAR"}
"""Instructions that read a local variable (a parameter among them)."""


def _codes(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _codes(const)


def reads_argument(cls: type, method: str, argument: str) -> bool | None:
    """Whether ``cls.method`` ever reads its parameter ``argument`` (None: cannot tell).

    None when the method has no Python code or takes no parameter of that name
    (it may arrive in ``**kwargs``). Nested functions count: a closure reading
    ``argument`` reads it.
    """
    function: Any = inspect.unwrap(getattr(cls, method, None) or (lambda: None))
    code = getattr(function, "__code__", None)
    if not isinstance(code, CodeType):
        return None
    parameters = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    if argument not in parameters:
        return None
    if argument in code.co_cellvars:
        return True
    return any(
        instruction.opname in LOADS and instruction.argval == argument
        for inner in _codes(code)
        for instruction in dis.get_instructions(inner)
    )
