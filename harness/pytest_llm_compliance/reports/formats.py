"""Reports of a run: JSON (versioned, with a schema), Markdown, JUnit XML, GitHub.

A ``Report`` is the records of one or more targets with the settings they ran
under. Each writer is a pure function of it; none of them sees a secret the
records do not already mask.
"""

from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_llm_compliance import __version__
from pytest_llm_compliance.core.outcomes import BAD, CheckRecord, Outcome
from pytest_llm_compliance.core.registry import SECTIONS, catalog_info
from pytest_llm_compliance.core.settings import Settings

SCHEMA_VERSION = "1.4"
SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


@dataclass(frozen=True)
class TargetReport:
    """The records of one target, with the settings they ran under."""

    target: str
    settings: Settings
    records: Sequence[CheckRecord]
    isolation: str = "none"
    """``process`` when the target ran in a child process, else ``none``."""
    kind: str = ""
    """The model's kind: ``llm`` (``BaseLLM``) or ``chat`` (``BaseChatModel``); empty if unknown."""
    captured_output: str = ""
    """What the model's process printed outside its calls (redacted)."""


@dataclass(frozen=True)
class Report:
    """Everything one run found."""

    targets: Sequence[TargetReport]
    duration_s: float = 0.0
    created: float = field(default_factory=time.time)

    @property
    def records(self) -> list[CheckRecord]:
        """All records of all targets."""
        return [record for target in self.targets for record in target.records]

    @property
    def verdict(self) -> str:
        """What the run says, the worst first.

        ``error`` if the harness failed (a bug), ``failed`` if a check did,
        ``could_not_check`` if the environment refused calls some checks needed
        (and nothing failed), else ``passed``.
        """
        records = self.records
        if any(r.outcome is Outcome.ERROR and not r.could_not_check for r in records):
            return "error"
        if any(r.outcome is Outcome.FAILED for r in records):
            return "failed"
        return "could_not_check" if any(r.could_not_check for r in records) else "passed"


def counts(records: Sequence[CheckRecord]) -> dict[str, int]:
    """How many records have each outcome, and their model calls."""
    tally = Counter(record.outcome.value for record in records)
    result = {outcome.value: tally[outcome.value] for outcome in Outcome}
    result["could_not_check"] = sum(record.could_not_check for record in records)
    result["model_calls"] = sum(record.model_calls for record in records)
    result["checks_run"] = len(records)
    result["catalog_size"] = len(catalog_info())
    return result


# --- JSON ----------------------------------------------------------------


def _record_json(record: CheckRecord) -> dict[str, Any]:
    location = {"file": record.file, "line": record.line} if record.file else None
    return {
        "id": record.id,
        "area": record.area,
        "outcome": record.outcome.value,
        "message": record.message,
        "duration_s": round(record.duration_s, 6),
        "model_calls": record.model_calls,
        "location": location,
        **({"error_source": record.error_source} if record.error_source else {}),
    }


def _transport_json(settings: Settings) -> dict[str, Any]:
    if settings.cassettes is None:
        return {"mode": "live"}
    return {
        "mode": "cassettes",
        "record_mode": settings.record_mode,
        "cassettes": settings.cassettes,
    }


def to_json(report: Report) -> dict[str, Any]:
    """The report as a JSON document that validates against ``report.schema.json``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "pytest-llm-compliance", "version": __version__},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(report.created)),
        "duration_s": round(report.duration_s, 3),
        "targets": [
            {
                "target": target.target,
                **({"kind": target.kind} if target.kind else {}),
                "settings": {
                    "stop_policy": target.settings.stop_policy,
                    "timeout_s": target.settings.timeout_s,
                    "stall_ms": target.settings.stall_ms,
                    "xfail": dict(target.settings.xfail),
                },
                "checks": [_record_json(record) for record in target.records],
                "summary": counts(target.records),
                "isolation": target.isolation,
                "transport": _transport_json(target.settings),
                **({"captured_output": target.captured_output} if target.captured_output else {}),
            }
            for target in report.targets
        ],
        "summary": {**counts(report.records), "verdict": report.verdict},
    }


# --- Markdown --------------------------------------------------------------

BOXES = {
    Outcome.PASSED: "- [x] ",
    Outcome.XFAILED: "- [ ] ",
    Outcome.FAILED: "- [ ] ",
    Outcome.ERROR: "- [ ] ",
    Outcome.SKIPPED: "- ",
}
"""GitHub task-list items: ticked when passed, open when not; a skipped check is a plain
list item (no box: nothing to tick), struck through."""


def _kind_words(kind: str) -> str:
    """``Kind: **chat model** · `` for a known kind, else nothing."""
    from pytest_llm_compliance.reports.terminal import KIND_NAMES

    return f"Kind: **{KIND_NAMES[kind]}** · " if kind in KIND_NAMES else ""


def _note(record: CheckRecord) -> str:
    """What an unticked or struck item is, after its rule."""
    if record.outcome is Outcome.SKIPPED:
        return f" (skipped: {record.headline})"
    if record.outcome is Outcome.XFAILED:
        return " (expected failure)"
    if record.could_not_check:
        return " (could not check: the environment refused the model's calls)"
    if record.outcome is Outcome.ERROR:
        return " (harness error)"
    return ""


def to_markdown(report: Report) -> str:
    """The guide's contribution checklist as a GitHub task list, then the failures.

    A passed check is a ticked box, a failed one (or one that could not be run)
    an open box, a skipped one a plain item struck through, with its reason. The
    rules are in the model kind's words (``kinds``).
    """
    from pytest_llm_compliance.kinds import KINDS

    checks = catalog_info()
    lines = ["# LangChain LLM contribution checklist", ""]
    for target in report.targets:
        tally = counts(target.records)
        kind = next((k for k in KINDS if k.name == target.kind), None)
        lines += [
            f"## `{target.target}`",
            "",
            f"{_kind_words(target.kind)}Stop policy: **{target.settings.stop_policy}** · "
            f"{tally['passed']} passed, "
            f"{tally['failed']} failed, {tally['skipped']} skipped, {tally['xfailed']} "
            f"expected failures, {tally['could_not_check']} could not be checked, "
            f"{tally['error'] - tally['could_not_check']} harness errors · "
            f"{tally['checks_run']} of "
            f"{tally['catalog_size']} checks · {tally['model_calls']} model calls",
            "",
            f"Transport: **{target.settings.transport}**",
            "",
        ]
        for section, areas in SECTIONS.items():
            mine = [r for r in target.records if r.area in areas]
            if not mine:
                continue
            lines += [f"### {section}", ""]
            for record in mine:
                rule = checks[record.id].rule if record.id in checks else ""
                rule = kind.rule(record.id, rule) if kind else rule
                skip = record.outcome is Outcome.SKIPPED
                name = f"~~`{record.id}`~~" if skip else f"`{record.id}`"
                lines.append(f"{BOXES[record.outcome]}{name}: {rule}{_note(record)}")
            lines.append("")
        failures = [r for r in target.records if r.outcome in BAD]
        if failures:
            lines += ["### Details", ""]
            for record in failures:
                lines += [f"#### `{record.id}` ({record.outcome.value})", "", "```text"]
                lines += [record.message, "```", ""]
    return "\n".join(lines).rstrip() + "\n"


# --- JUnit XML ---------------------------------------------------------------


def to_junit(report: Report) -> str:
    """JUnit XML: one test suite per target, one test case per check."""
    suites = ET.Element("testsuites", name="llm-compliance")
    for target in report.targets:
        tally = counts(target.records)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=target.target,
            tests=str(tally["checks_run"]),
            failures=str(tally["failed"]),
            errors=str(tally["error"]),
            skipped=str(tally["skipped"] + tally["xfailed"]),
            time=f"{sum(r.duration_s for r in target.records):.3f}",
        )
        if target.kind:  # JUnit's schema puts a suite's properties before its test cases
            properties = ET.SubElement(suite, "properties")
            ET.SubElement(properties, "property", name="kind", value=target.kind)
        for record in target.records:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=target.target,
                name=record.id,
                time=f"{record.duration_s:.3f}",
            )
            tag = {
                Outcome.FAILED: "failure",
                Outcome.ERROR: "error",
                Outcome.SKIPPED: "skipped",
                Outcome.XFAILED: "skipped",
            }.get(record.outcome)
            if tag:
                element = ET.SubElement(case, tag, message=record.headline)
                element.text = record.message
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


# --- GitHub Actions ----------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_error(title: str, message: str) -> str:
    """One ``::error`` workflow command with no location (a usage error)."""
    return f"::error title={_escape_property(title)}::{_escape_data(message)}"


def github_annotations(report: Report, workspace: str | None = None) -> list[str]:
    """One ``::error`` workflow command per failure, at the offending method."""
    root = Path(workspace or os.getcwd()).resolve()
    commands = []
    for record in report.records:
        if record.outcome not in BAD:
            continue
        props = [f"title={_escape_property(f'{record.id} ({record.target})')}"]
        if record.file:
            path = Path(record.file).resolve()
            shown = path.relative_to(root) if path.is_relative_to(root) else path
            props.insert(0, f"file={_escape_property(str(shown))}")
            if record.line:
                props.insert(1, f"line={record.line}")
        commands.append(f"::error {','.join(props)}::{_escape_data(record.message)}")
    return commands
