"""The pytest terminal summary: per target, every check with its outcome."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from pytest_llm_compliance.checks._api import catalog
from pytest_llm_compliance.core.outcomes import CheckRecord
from pytest_llm_compliance.reports.terminal import target_lines


def summary_lines(records: Sequence[dict[str, Any]]) -> list[str]:
    """Lines for each target, in the catalog's order within the guide's sections.

    Records are grouped by where they come from (a ``--llm``/ini target or a
    test class): a class checked by two test classes gets two blocks, named
    after them. A group checked on several xdist workers (``--dist each``) gets
    one block per worker, each with that worker's own model calls.
    """
    order = {check_id: i for i, check_id in enumerate(catalog())}
    runs = sorted(
        {(d["target"], d.get("group", d["target"]), d.get("worker", "")) for d in records}
    )
    groups = Counter((target, group) for target, group, _ in runs)
    labels = Counter(target for target, _ in groups)
    lines: list[str] = []
    for target, group, worker in runs:
        mine = [
            d
            for d in records
            if (d["target"], d.get("group", d["target"]), d.get("worker", ""))
            == (target, group, worker)
        ]
        label = target if labels[target] == 1 or group == target else f"{target} in {group}"
        label += f" on {worker}" if groups[(target, group)] > 1 else ""
        mine.sort(key=lambda d: order.get(d["id"], len(order)))
        lines += target_lines(
            label,
            mine[0]["stop_policy"],
            [CheckRecord.from_dict(d) for d in mine],  # they crossed xdist as JSON
            kind=next((d["kind"] for d in mine if d.get("kind")), ""),
        )
    return lines
