"""The pytest terminal summary: per target, every check with its outcome."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.outcomes import CheckRecord, Outcome
from harness.terminal import target_lines


def record_from(data: dict[str, Any]) -> CheckRecord:
    """A record rebuilt from its user property (it crossed xdist as plain data)."""
    fields = {k: v for k, v in data.items() if k in CheckRecord.__dataclass_fields__}
    return CheckRecord(**{**fields, "outcome": Outcome(data["outcome"])})


def summary_lines(records: Sequence[dict[str, Any]]) -> list[str]:
    """Lines for each target, in the catalog's order within the guide's sections."""
    lines: list[str] = []
    for target in sorted({data["target"] for data in records}):
        mine = [data for data in records if data["target"] == target]
        lines += target_lines(target, mine[0]["stop_policy"], [record_from(d) for d in mine])
    return lines
