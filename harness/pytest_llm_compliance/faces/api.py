"""``check_llm()``: the checklist from Python, one record per check, in this process."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pytest_llm_compliance.core.outcomes import CheckRecord
from pytest_llm_compliance.core.registry import catalog_info, select_info
from pytest_llm_compliance.core.settings import SettingsError, merge
from pytest_llm_compliance.core.targets import TargetError, load_target
from pytest_llm_compliance.session import TargetSpec, run_targets


def check_llm(
    target: str | type | Callable[..., Any],
    params: Mapping[str, Any] | str | None = None,
    *,
    xfail: Mapping[str, str] | None = None,
    stop_policy: str | None = None,
    timeout: float | None = None,
    stall_ms: float | None = None,
    parallel: int | None = None,
    cassettes: str | None = None,
    record_mode: str | None = None,
    select_ids: Iterable[str] = (),
    deselect_ids: Iterable[str] = (),
) -> list[CheckRecord]:
    """Run the checklist against ``target`` and return one record per check.

    ``target`` is ``"package.module:Name"``, an LLM or chat model class, or a zero-argument
    factory; ``params`` (a dict or JSON text) build the class. ``cassettes`` (a
    folder) and ``record_mode`` (``none``, ``once``, ``all``) record or replay its
    HTTP traffic instead of calling the service every time. Raises
    ``TargetError`` or ``SettingsError`` with a one-line message on bad input.

    Example:
        .. code-block:: python

            from pytest_llm_compliance import check_llm

            for record in check_llm("reference_llm:EchoLLM", {"n": 64}):
                print(record.id, record.outcome, record.headline)
    """
    values = {
        "xfail": xfail,
        "stop_policy": stop_policy,
        "timeout": timeout,
        "stall_ms": stall_ms,
        "parallel": parallel,
        "cassettes": cassettes,
        "record_mode": record_mode,
    }
    settings = merge([("check_llm()", values)], catalog_info())
    loaded = load_target(target, params, source="check_llm()")
    try:
        checks = select_info(select_ids, deselect_ids)
    except KeyError as exc:
        raise SettingsError(f"check_llm(): unknown check id or area {exc.args[0]!r}") from None
    session = run_targets([TargetSpec(loaded, source="check_llm()")], settings, checks)
    if session.problems:  # the target could not be built
        raise TargetError(session.problems[0].message)
    return list(session.report.targets[0].records)
