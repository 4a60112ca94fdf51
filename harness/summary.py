"""The pytest terminal summary: per target, every check with its outcome."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from harness.outcomes import CheckRecord, Outcome
from harness.registry import catalog
from harness.terminal import target_lines


def record_from(data: dict[str, Any]) -> CheckRecord:
    """A record rebuilt from its user property (it crossed xdist as plain data)."""
    fields = {k: v for k, v in data.items() if k in CheckRecord.__dataclass_fields__}
    return CheckRecord(**{**fields, "outcome": Outcome(data["outcome"])})


def summary_lines(records: Sequence[dict[str, Any]]) -> list[str]:
    """Lines for each target, in the catalog's order within the guide's sections.

    A target checked on several xdist workers (``--dist each``) gets one block
    per worker, each with that worker's own model calls.
    """
    order = {check_id: i for i, check_id in enumerate(catalog())}
    runs = sorted({(data["target"], data.get("worker", "")) for data in records})
    workers = Counter(target for target, _ in runs)
    lines: list[str] = []
    for target, worker in runs:
        mine = [d for d in records if (d["target"], d.get("worker", "")) == (target, worker)]
        label = f"{target} on {worker}" if workers[target] > 1 else target
        mine.sort(key=lambda d: order.get(d["id"], len(order)))
        lines += target_lines(label, mine[0]["stop_policy"], [record_from(d) for d in mine])
    return lines
