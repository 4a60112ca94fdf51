"""A scan for a person: the terminal summary and the Markdown class x check table."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_llm_compliance import __version__
from pytest_llm_compliance.checks._api import catalog
from pytest_llm_compliance.core.outcomes import BAD, CheckRecord, Outcome
from pytest_llm_compliance.reports.terminal import SYMBOLS, mark
from pytest_llm_compliance.scan.scanner import ScanResult, outcome_counts


def needs_lines(result: ScanResult) -> list[str]:
    """Which checks ran from the class alone, and which needed a built instance."""
    checks = catalog()
    by_class = [i for i in result.check_ids if checks[i].needs == "class"]
    by_instance = [i for i in result.check_ids if checks[i].needs == "instance"]
    classes = result.classes
    built = sum(cls.built for cls in classes)
    lines = []
    if by_class:
        lines.append(f"from the class alone (no instance, no call): {', '.join(by_class)}")
    if by_instance:
        lines.append(
            f"on an instance built with no arguments and no network: {', '.join(by_instance)} "
            f"({built} of {_n(len(classes), 'class')} build so; elsewhere skipped)"
        )
    return lines


def headline(result: ScanResult) -> str:
    """``102 modules (1 did not import), 109 classes (109 LLMs, 0 chat models), 7 checks each``."""
    classes = result.classes
    chats = sum(cls.kind == "chat" for cls in classes)
    return (
        f"{_n(len(result.modules), 'module')} ({len(result.failed_imports)} did not import), "
        f"{_n(len(classes), 'class')} ({_n(len(classes) - chats, 'LLM')}, "
        f"{_n(chats, 'chat model')}), {_n(len(result.check_ids), 'check')} each"
    )


def tally(result: ScanResult) -> str:
    """``763 checks on 109 classes: 400 passed, 120 failed, ...; 30 classes pass every check``."""
    counts = outcome_counts(result.records)
    parts = ", ".join(f"{counts[o]} {o.value}" for o in Outcome if counts[o]) or "nothing ran"
    clean = sum(not _bad(cls.records) for cls in result.classes)
    return (
        f"{_n(len(result.records), 'check')} on {_n(len(result.classes), 'class')}: {parts}; "
        f"{_n(clean, 'class')} {'passes' if clean == 1 else 'pass'} every check; 0 model calls"
    )


def _n(count: int, word: str) -> str:
    """``1 class``, ``2 classes``."""
    if count == 1:
        return f"1 {word}"
    return f"{count} {word}es" if word.endswith("s") else f"{count} {word}s"


def _bad(records: Sequence[CheckRecord]) -> list[CheckRecord]:
    return [record for record in records if record.outcome in BAD]


def terminal_lines(result: ScanResult, *, colour: bool = False) -> list[str]:
    """The scan on a terminal: what ran, counts per check, each failing class, import errors."""
    lines = [
        f"llm-compliance {__version__} scan of {', '.join(result.targets)}",
        headline(result),
        *(f"  {line}" for line in needs_lines(result)),
        "",
    ]
    width = max((len(i) for i in result.check_ids), default=5)
    lines.append(f"{'check':<{width}}  " + " ".join(f"{o.value:>7}" for o in Outcome))
    for check_id in result.check_ids:
        counts = outcome_counts(r for r in result.records if r.id == check_id)
        lines.append(f"{check_id:<{width}}  " + " ".join(f"{counts[o]:>7}" for o in Outcome))
    failing = [cls for cls in result.classes if _bad(cls.records)]
    if failing:
        lines += ["", f"Classes with failures ({len(failing)} of {len(result.classes)})"]
        for cls in failing:
            lines.append(f"  {cls.label}")
            for record in _bad(cls.records):
                lines.append(
                    f"    {mark(record.outcome, colour)} {record.id:<{width}}  {record.headline}"
                )
    if result.failed_imports:
        lines += ["", f"Modules that did not import ({len(result.failed_imports)})"]
        lines += [f"  {module.name}: {module.error}" for module in result.failed_imports]
    noisy = [module for module in result.modules if module.printed_lines]
    if noisy:
        total = sum(module.printed_lines for module in noisy)
        lines += [
            "",
            f"{_n(len(noisy), 'module')} printed or warned {_n(total, 'line')} at import "
            "(kept out of this output)",
        ]
    for name in result.unknown_xfail_classes():
        lines.append(f"note: --xfail names {name}, which this scan did not find")
    lines += ["", tally(result)]
    return lines


def to_markdown(result: ScanResult) -> str:
    """The class x check table, then each failure, then the modules that did not import."""
    ids = result.check_ids
    lines = [
        f"# llm-compliance scan: {', '.join(f'`{t}`' for t in result.targets)}",
        "",
        f"{headline(result)} · verdict **{result.verdict}**",
        "",
        *(f"- {line}" for line in needs_lines(result)),
        "",
        "| class | " + " | ".join(f"`{i}`" for i in ids) + " | failed |",
        "|---|" + "---|" * (len(ids) + 1),
    ]
    for cls in result.classes:
        by_id = {record.id: record for record in cls.records}
        cells = [SYMBOLS[by_id[i].outcome] if i in by_id else " " for i in ids]
        lines.append(f"| `{cls.label}` | " + " | ".join(cells) + f" | {len(_bad(cls.records))} |")
    per_check = [str(sum(r.id == i and r.outcome in BAD for r in result.records)) for i in ids]
    lines += [
        "| **failed** | " + " | ".join(per_check) + f" | {len(_bad(result.records))} |",
        "",
        "Legend: " + " · ".join(f"{symbol} {outcome.value}" for outcome, symbol in SYMBOLS.items()),
        "",
        tally(result),
        "",
    ]
    failing = [cls for cls in result.classes if _bad(cls.records)]
    if failing:
        lines += ["## Failures", ""]
        for cls in failing:
            lines += [f"### `{cls.label}`", ""]
            lines += [_failure_line(record) for record in _bad(cls.records)]
            lines.append("")
    if result.failed_imports:
        lines += ["## Modules that did not import", ""]
        lines += [f"- `{module.name}`: {module.error}" for module in result.failed_imports]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _failure_line(record: CheckRecord) -> str:
    where = f" ({record.file}:{record.line})" if record.file else ""
    return f"- `{record.id}` ({record.outcome.value}): {record.headline}{where}"
