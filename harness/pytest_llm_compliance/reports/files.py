"""Report files, for every face alike: the formats, checked before the run, written atomically.

``FORMATS`` is the one registry of report formats (an extension point): a format's
name, its option and how it renders a ``Report``. Every face adds the options,
checks the paths and writes the files through the functions below.

A report path is checked up front (its folder made, the file openable), so that
a typo costs no model call. A regular file is then written to a temporary file
beside it and renamed over it, so that a reader never sees half a report. A
path that is not a regular file (``/dev/stdout``, a FIFO) cannot be renamed
over: it is written in place. Every failure is a ``ReportFileError`` with a
one-line message.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pytest_llm_compliance.reports.formats import Report


class ReportFileError(OSError):
    """A report file cannot be written; the message is one line naming the option and path."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def writable(path: str | None, option: str) -> Path | None:
    """The report path, its folder made; raises ``ReportFileError`` if it cannot be written."""
    if path is None:
        return None
    target = Path(path)
    try:
        if target.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise ReportFileError(f"{option} {path}: cannot write it: {_reason(exc)}") from None
    return target


def distinct(given: Mapping[str, str | None]) -> None:
    """Raise ``ReportFileError`` when two options name the same file (option -> path)."""
    seen: dict[Path, str] = {}
    for option, path in given.items():
        if path is None:
            continue
        resolved = Path(path).resolve()
        if resolved in seen:
            raise ReportFileError(f"{seen[resolved]} and {option} name the same file {path}")
        seen[resolved] = option


def write_report(path: Path, text: str) -> None:
    """Write ``text`` to ``path``: atomically for a regular file, in place for a device or FIFO."""
    special = path.exists() and not path.is_file()
    if special:
        try:
            with path.open("w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise ReportFileError(f"cannot write {path}: {_reason(exc)}") from None
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ReportFileError(f"cannot write {path}: {_reason(exc)}") from None


Render = Callable[["Report"], str]


def _json(report: Report) -> str:
    from pytest_llm_compliance.reports.formats import to_json

    return json.dumps(to_json(report), indent=2) + "\n"


def _markdown(report: Report) -> str:
    from pytest_llm_compliance.reports.formats import to_markdown

    return to_markdown(report)


def _html(report: Report) -> str:
    from pytest_llm_compliance.reports.html import to_html

    return to_html(report)


def _junit(report: Report) -> str:
    from pytest_llm_compliance.reports.formats import to_junit

    return to_junit(report)


@dataclass(frozen=True)
class ReportFormat:
    """One report format: what it is called, its option, and how it renders a report."""

    name: str
    option: str
    help: str
    render: Render

    @property
    def dest(self) -> str:
        """The option's attribute on argparse's namespace."""
        return self.option.removeprefix("--").replace("-", "_")


FORMATS = (
    ReportFormat("json", "--report-json", "the JSON report (with a JSON schema)", _json),
    ReportFormat("md", "--report-md", "the Markdown checklist, boxes ticked", _markdown),
    ReportFormat("html", "--report-html", "a self-contained HTML page", _html),
    ReportFormat("junit", "--junitxml", "a JUnit XML report", _junit),
)
"""Every report format, in the order faces list them."""


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """An option per format: ``--report-json PATH``, ..."""
    for report_format in FORMATS:
        parser.add_argument(
            report_format.option, metavar="PATH", help=f"write {report_format.help} here"
        )


def report_paths(args: argparse.Namespace) -> dict[str, Path | None]:
    """Each format's path, checked up front; raises ``ReportFileError`` for a bad one."""
    given = {f.option: getattr(args, f.dest) for f in FORMATS}
    distinct(given)
    return {f.name: writable(given[f.option], f.option) for f in FORMATS}


def write_reports(
    report: Report,
    paths: Mapping[str, Path | None],
    renderers: Mapping[str, Callable[[], str]] | None = None,
) -> None:
    """Write every report asked for, each atomically; ``renderers`` replace a format's own.

    All are tried; raises one ``ReportFileError`` naming each that could not be written.
    """
    problems = []
    for report_format in FORMATS:
        path = paths.get(report_format.name)
        if path is None:
            continue
        own = (renderers or {}).get(report_format.name)
        try:
            write_report(path, own() if own else report_format.render(report))
        except ReportFileError as exc:
            problems.append(str(exc))
    if problems:
        raise ReportFileError("; ".join(problems))
