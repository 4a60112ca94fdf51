"""Check records rendered for a person: grouped by the guide's sections."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pytest_llm_compliance.core.outcomes import CheckRecord, Outcome
from pytest_llm_compliance.core.registry import SECTIONS, catalog_info

MARKS = {
    Outcome.PASSED: "PASS",
    Outcome.FAILED: "FAIL",
    Outcome.SKIPPED: "SKIP",
    Outcome.XFAILED: "XFAIL",
    Outcome.ERROR: "ERROR",
}
SYMBOLS = {
    Outcome.PASSED: "\N{CHECK MARK}",
    Outcome.FAILED: "\N{BALLOT X}",
    Outcome.SKIPPED: "\N{EN DASH}",
    Outcome.XFAILED: "!",
    Outcome.ERROR: "\N{WARNING SIGN}",
}
"""One glyph per outcome, for grids and tables (the HTML page, the scan's Markdown)."""
COLOURS = {
    Outcome.PASSED: "32",
    Outcome.FAILED: "31",
    Outcome.ERROR: "31;1",
    Outcome.SKIPPED: "33",
    Outcome.XFAILED: "33",
}


KIND_NAMES = {"llm": "text LLM", "chat": "chat model"}
"""How each model kind is named in headers."""


def mark(outcome: Outcome, colour: bool) -> str:
    """The outcome's mark, padded, coloured on a terminal."""
    text = f"{MARKS[outcome]:<5}"
    return f"\033[{COLOURS[outcome]}m{text}\033[0m" if colour else text


def tally(records: Sequence[CheckRecord]) -> str:
    """``20 passed, 3 skipped; 23 of 23 checks in the catalog ran; 24 model calls``.

    Errors the environment caused are counted apart from the harness's own:
    ``6 could not be checked (the environment refused the model's calls: ...)``.
    """
    unchecked = [record for record in records if record.could_not_check]
    counts = Counter(record.outcome for record in records if not record.could_not_check)
    parts = ", ".join(f"{counts[o]} {o.value}" for o in Outcome if counts[o])
    if unchecked:
        parts += ", " if parts else ""
        parts += f"{len(unchecked)} could not be checked ({refused(unchecked[0])})"
    parts = parts or "nothing ran"
    calls = sum(record.model_calls for record in records)
    ran = f"{len(records)} of {len(catalog_info())} checks in the catalog ran"
    return f"{parts}; {ran}; {calls} model calls"


def refused(record: CheckRecord) -> str:
    """What the environment refused (or why a cassette could not serve), from the headline."""
    return record.headline.removeprefix("could not check: ")


def target_lines(
    target: str,
    stop_policy: str,
    records: Sequence[CheckRecord],
    *,
    colour: bool = False,
    details: bool = False,
    kind: str = "",
) -> list[str]:
    """One target: its checks by section, failures' messages if ``details``, the tally."""
    what = f"{KIND_NAMES.get(kind, kind)}, " if kind else ""
    lines = [f"{target} ({what}stop policy: {stop_policy})"]
    width = max((len(record.id) for record in records), default=0)
    for section, areas in SECTIONS.items():
        mine = [record for record in records if record.area in areas]
        if not mine:
            continue
        if details:
            lines.append(f"  {section}")
        for record in mine:
            indent = "    " if details else "  "
            lines.append(
                f"{indent}{mark(record.outcome, colour)} {record.id:<{width}}  {record.headline}"
            )
    failures = [r for r in records if r.outcome in (Outcome.FAILED, Outcome.ERROR)]
    if details and failures:
        lines.append("  Failures")
        for record in failures:
            lines.append(f"    {mark(record.outcome, colour)} {record.id}")
            lines += [f"        {line}" for line in record.message.splitlines()]
    lines.append(f"  {tally(records)}")
    return lines
