"""``llm-compliance scan PACKAGE_OR_MODULE [...]``: its options and its run.

Exit codes as ``check``: 0 every check passed (or failed as declared), 1 a
check failed, 2 usage error (a bad option or report path, a package that
cannot be found, no LLM or chat class found), 3 an error inside the harness.
A module that does not import is reported and changes no exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pytest_llm_compliance.faces.cli.common import elapsed_s
from pytest_llm_compliance.reports.files import add_report_options

if TYPE_CHECKING:
    from pytest_llm_compliance.scan.scanner import ScanProgress, ScanResult

EXIT_CODES = {"passed": 0, "failed": 1, "error": 3, "could_not_check": 5}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``scan`` subcommand's options."""
    parser.add_argument(
        "targets", nargs="+", metavar="PACKAGE_OR_MODULE", help="such as langchain_community.llms"
    )
    parser.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="ID|AREA",
        help="run only these call-free checks or areas (repeatable; default: all of them)",
    )
    parser.add_argument(
        "--deselect",
        action="append",
        default=[],
        metavar="ID|AREA",
        help="leave out these checks or areas (repeatable)",
    )
    parser.add_argument(
        "--xfail",
        action="append",
        default=[],
        metavar="[CLASS::]ID=REASON",
        help="an expected failure, of one class (its name or module:Name) or of every class",
    )
    parser.add_argument("--workers", metavar="N", help="worker processes (default: the CPUs)")
    parser.add_argument(
        "--module-timeout", metavar="S", help="seconds one module may take (default 60)"
    )
    add_report_options(parser)
    parser.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour; auto (default) follows PY_COLORS, NO_COLOR, FORCE_COLOR and whether "
        "the output is a terminal",
    )


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Scan, print, write the reports; return the exit code."""
    from pytest_llm_compliance.checks._api import catalog
    from pytest_llm_compliance.core.settings import (
        SettingsError,
        environment_layers,
        merge,
        parse_positive,
    )
    from pytest_llm_compliance.faces.cli.common import UsageProblem
    from pytest_llm_compliance.reports.colour import use_colour
    from pytest_llm_compliance.reports.files import ReportFileError, report_paths
    from pytest_llm_compliance.scan.modules import ScanError, ScanJob
    from pytest_llm_compliance.scan.pool import DEFAULT_MODULE_TIMEOUT_S, default_workers
    from pytest_llm_compliance.scan.scanner import parse_class_xfail, scan, scan_checks

    try:
        checks = scan_checks(args.select, args.deselect)
        plain, by_class = parse_class_xfail(args.xfail)
        layers = environment_layers()
        if plain:
            layers.append(("command-line option --xfail", {"xfail": plain}))
        settings = merge(layers, catalog())
        workers = default_workers()
        if args.workers is not None:
            workers = int(parse_positive(args.workers, "--workers", "workers"))
        timeout = DEFAULT_MODULE_TIMEOUT_S
        if args.module_timeout is not None:
            timeout = parse_positive(args.module_timeout, "--module-timeout", "module timeout")
    except (ScanError, SettingsError) as exc:
        raise UsageProblem(str(exc)) from None
    try:
        paths = report_paths(args)
    except ReportFileError as exc:
        raise UsageProblem(str(exc)) from None
    job = ScanJob(tuple(check.id for check in checks), settings, by_class)
    colour = use_colour(args.color, out, os.environ)
    progress = _Progress(sys.stderr)
    progress.shown = progress.shown and use_colour(args.color, sys.stderr, os.environ)
    try:
        result = scan(
            args.targets, job, workers=workers, module_timeout_s=timeout, progress=progress
        )
    except ScanError as exc:
        raise UsageProblem(str(exc)) from None
    finally:
        progress.clear()
    if not result.classes:
        why = "; ".join(f"{m.name}: {m.error}" for m in result.failed_imports[:3])
        raise UsageProblem(
            f"found no BaseLLM or BaseChatModel subclass in {', '.join(args.targets)} "
            f"({len(result.modules)} modules, {len(result.failed_imports)} did not import"
            + (f": {why}" if why else "")
            + ")"
        )
    unwritten = ""
    try:
        _write(result, paths)  # before printing: a closed stdout loses no report
    except ReportFileError as exc:
        unwritten = str(exc)
    _print(result, out, colour)
    if unwritten:  # the results are printed, then the usage error
        raise UsageProblem(unwritten)
    return EXIT_CODES[result.verdict]


class _Progress:
    """``[37/102 modules] 40 classes checked, 25 with failures`` on a terminal; silent otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = stream.isatty()
        self.drawn = False

    def __call__(self, progress: ScanProgress) -> None:
        if not self.shown:
            return
        self.stream.write(
            f"\r\033[K[{progress.modules_done}/{progress.modules_total} modules] "
            f"{progress.classes} classes checked, {progress.failing_classes} with failures"
        )
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _print(result: ScanResult, out: TextIO, colour: bool) -> None:
    from pytest_llm_compliance.reports.scan import terminal_lines

    print("\n".join(terminal_lines(result, colour=colour)), file=out)
    print(f"\n{result.verdict.upper()} in {elapsed_s():.1f} s", file=out)


def _write(result: ScanResult, paths: Mapping[str, Path | None]) -> None:
    """Write each report asked for: the scan's own Markdown table and HTML page."""
    from pytest_llm_compliance.reports.files import write_reports
    from pytest_llm_compliance.reports.html import to_html
    from pytest_llm_compliance.reports.scan import to_markdown

    report = result.report()
    page = {
        "md": lambda: to_markdown(result),
        "html": lambda: to_html(
            report,
            title=f"llm-compliance scan: {', '.join(result.targets)}",
            check_ids=result.check_ids,
            modules=[(m.name, m.error) for m in result.failed_imports],
            notes=_notes(result),
            noun="classes",
        ),
    }
    write_reports(report, paths, page)


def _notes(result: ScanResult) -> list[str]:
    from pytest_llm_compliance.reports.scan import headline, needs_lines, tally

    return [
        headline(result),
        *needs_lines(result),
        f"{tally(result)}; {result.duration_s:.1f} s",
    ]
