"""Building the user's model, bounded by the one construction limit every face uses.

A constructor may wait for a dead server, hang, or raise anything, even
``KeyboardInterrupt`` or ``SystemExit`` (a target such as ``sys:exit``). Every
face builds through ``build_bounded``: the limit is the call time limit
(``Settings.timeout_s``), and whatever goes wrong is a ``TargetError`` with a
one-line message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from pytest_llm_compliance.core.exc_text import one_line
from pytest_llm_compliance.core.targets import TargetError
from pytest_llm_compliance.observe.recorders import CallTimeout, run_bounded

if TYPE_CHECKING:
    from pytest_llm_compliance.core.targets import Target


def build_bounded(target: Target, timeout_s: float) -> Any:
    """``target.build()`` within ``timeout_s``; ``TargetError`` on a hang or any raise."""
    returned = run_bounded(target.build, timeout_s)
    error = returned.error
    if error is None:
        return cast("Any", returned.value)
    if isinstance(error, CallTimeout):
        raise TargetError(
            f"{target.label}: the model did not finish building within {timeout_s:g} s "
            "(the call time limit: --timeout, --llm-timeout)"
        )
    if isinstance(error, TargetError):
        raise error
    raise TargetError(f"{target.label}: building the model raised {one_line(error)}")
