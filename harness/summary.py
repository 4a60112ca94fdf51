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
    """Lines for each target (each test class of it, if several), in catalog order."""
    lines: list[str] = []
    groups = sorted({(data["target"], data.get("group", "")) for data in records})
    for target, group in groups:
        mine = [d for d in records if (d["target"], d.get("group", "")) == (target, group)]
        shared = sum(1 for other, _ in groups if other == target) > 1
        title = f"{target} ({group})" if shared else target
        lines += target_lines(title, mine[0]["stop_policy"], [record_from(d) for d in mine])
    return lines
