"""The terminal summary: per target, every check with its outcome and message."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from harness.registry import catalog

MARKS = {
    "passed": "PASS",
    "failed": "FAIL",
    "skipped": "SKIP",
    "xfailed": "XFAIL",
    "error": "ERROR",
}


def summary_lines(records: Sequence[dict[str, Any]]) -> list[str]:
    """Lines for each target: its checks, then counts, model calls and policy."""
    total = len(catalog())
    lines: list[str] = []
    targets = sorted({record["target"] for record in records})
    for target in targets:
        mine = [r for r in records if r["target"] == target]
        mine.sort(key=lambda r: list(catalog()).index(r["id"]) if r["id"] in catalog() else total)
        lines.append(f"{target} (stop policy: {mine[0]['stop_policy']})")
        width = max(len(r["id"]) for r in mine)
        for record in mine:
            headline = (record["message"].splitlines() or [""])[0]
            lines.append(f"  {MARKS[record['outcome']]:<5} {record['id']:<{width}}  {headline}")
        counts = Counter(record["outcome"] for record in mine)
        tally = ", ".join(f"{counts[o]} {o}" for o in MARKS if counts[o])
        calls = sum(record["model_calls"] for record in mine)
        lines.append(
            f"  {tally}; {len(mine)} of {total} checks in the catalog ran; {calls} model calls"
        )
    return lines
