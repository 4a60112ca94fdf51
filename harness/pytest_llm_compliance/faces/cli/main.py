"""``llm-compliance``: the checklist from the terminal, pre-commit and CI.

Exit codes: 0 every applicable check passed (or was an expected failure),
1 a check failed, 2 a usage or target error, 3 an error inside the harness,
5 could not check: nothing failed, but the environment refused calls some checks
needed (a blocked network, a service that cannot be reached, a cassette that
cannot serve the call).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from pytest_llm_compliance import __version__
from pytest_llm_compliance.core.settings import SETTINGS
from pytest_llm_compliance.faces.cli.common import UsageProblem, elapsed_s, start_clock
from pytest_llm_compliance.reports.files import add_report_options

if TYPE_CHECKING:
    from pytest_llm_compliance.core.project import ProjectConfig
    from pytest_llm_compliance.reports.formats import Report

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_HARNESS = 0, 1, 2, 3
EXIT_COULD_NOT_CHECK = 5
"""Nothing failed, but the environment refused calls some checks needed."""
EXIT_CODES = (
    "Exit codes: 0 passed, 1 a check failed, 2 usage or target error, 3 an error inside "
    "the harness (a bug to report), 5 could not check: nothing failed, but the environment "
    "refused calls some checks needed (a blocked network, a service that cannot be "
    "reached, a cassette that cannot serve the call); 1 and 3 win over 5."
)


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors also annotated under GitHub Actions."""

    def error(self, message: str) -> NoReturn:
        github_usage_error(f"{self.prog}: {message}")
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``check``, ``list`` and ``explain``."""
    parser = _Parser(
        prog="llm-compliance",
        description="Check a LangChain LLM class against the custom-LLM contribution checklist.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="run the checklist",
        description="Run the checklist against TARGET, or the targets of pyproject.toml "
        "[tool.llm-compliance]. Outside a project (no pyproject.toml, setup.py, setup.cfg "
        "or .git here) it checks the built-in reference EchoLLM; in a project without "
        "targets it is a usage error.",
        epilog=EXIT_CODES,
    )
    check.add_argument(
        "target", nargs="?", help="package.module:Name, an LLM class or a zero-argument factory"
    )
    check.add_argument("--params", metavar="JSON", help="the class's params as a JSON object")
    check.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="ID|AREA",
        help="run only these checks or areas (repeatable; default: all)",
    )
    check.add_argument(
        "--deselect",
        action="append",
        default=[],
        metavar="ID|AREA",
        help="leave out these checks or areas (repeatable)",
    )
    for setting in SETTINGS:
        check.add_argument(
            setting.cli_flag,
            action="append" if setting.repeatable else "store",
            default=[] if setting.repeatable else None,
            choices=list(setting.choices) or None,
            metavar=None if setting.choices else setting.metavar,
            dest=setting.key,
            help=f"{setting.help} ({'repeatable; ' if setting.repeatable else ''}"
            f"default {setting.default}; environment {setting.env_var})",
        )
    add_report_options(check)
    check.add_argument(
        "--color",
        choices=["auto", "always", "never"],
        default="auto",
        help="colour and the progress line; auto (default) follows PY_COLORS, NO_COLOR, "
        "FORCE_COLOR and whether the output is a terminal",
    )

    from pytest_llm_compliance.faces.cli.scan import add_arguments

    add_arguments(
        commands.add_parser(
            "scan",
            help="check every LLM and chat class of a package, without a call",
            description="Import every module of each package, find the BaseLLM and "
            "BaseChatModel subclasses defined there, and run the checks that need no model "
            "call on each.",
        )
    )
    commands.add_parser(
        "list",
        help="print the catalog of checks",
        description="Print id, area and rule of every check.",
    )
    explain = commands.add_parser(
        "explain",
        help="explain a check, or every check of an area, and how to fix it",
        description="Print the rule, why it matters, the fix as code and the link.",
    )
    explain.add_argument(
        "name", metavar="ID|AREA|TEST", help="a check id, an area or a test method name"
    )
    return parser


def github_usage_error(message: str) -> None:
    """Under GitHub Actions, annotate a usage error and put it in the step summary."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from pytest_llm_compliance.reports.formats import github_error

    print(github_error("llm-compliance: usage error", message), flush=True)
    if summary := os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(
                f"# LangChain LLM contribution checklist\n\n**Usage error** (exit code "
                f"{EXIT_USAGE}): nothing was checked.\n\n```text\n{message}\n```\n"
            )


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; return the exit code."""
    start_clock()
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    sys.path.insert(0, os.getcwd())  # the user's modules, as `python -m` would find them
    try:
        if args.command == "list":
            return list_checks(out)
        if args.command == "explain":
            return explain(args.name, out)
        if args.command == "scan":
            from pytest_llm_compliance.faces.cli.scan import run as scan

            return scan(args, out)
        return check(args, out)
    except UsageProblem as exc:
        print(f"llm-compliance: error: {exc}", file=sys.stderr)
        github_usage_error(str(exc))
        return EXIT_USAGE


def list_checks(out: TextIO) -> int:
    """Print id, area and rule of every check."""
    from pytest_llm_compliance.checks._api import catalog

    checks = catalog().values()
    width = max(len(check.id) for check in checks)
    for check in checks:
        print(f"{check.id:<{width}}  {check.area:<10} {check.rule}", file=out)
    return EXIT_OK


def explain(name: str, out: TextIO) -> int:
    """Explain a check (by id or test name), or every check of an area."""
    from pytest_llm_compliance.checks._api import catalog
    from pytest_llm_compliance.core.registry import AREAS

    checks = catalog()
    by_test = {check.test_name: check for check in checks.values()}
    if name in checks or name in by_test:
        chosen = [checks.get(name) or by_test[name]]
    elif name in AREAS:
        chosen = [check for check in checks.values() if check.area == name]
    else:
        raise UsageProblem(
            f"unknown check id, area or test name {name!r}"
            f"{did_you_mean(name, [*by_test] if name.startswith('test_') else [*checks, *AREAS])}"
            "; `llm-compliance list` shows them"
        )
    for i, check in enumerate(chosen):
        if i:
            print("\n" + "-" * 72 + "\n", file=out)
        why = (check.function.__doc__ or "").strip()
        print(f"{check.id}  ({check.section}; checklist: {check.source})\n", file=out)
        print(f"Rule: {check.rule}\n", file=out)
        if why:
            print(
                f"Why and how it is checked:\n  {why.replace(chr(10), chr(10) + '  ')}\n", file=out
            )
        print(f"Fix:\n{check.fix}\n", file=out)
        print(f"More: {check.link}", file=out)
    return EXIT_OK


def did_you_mean(name: str, known: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known names, or nothing."""
    import difflib

    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""


def _settings_layers(args: argparse.Namespace, project: dict[str, Any]) -> list[tuple[str, Any]]:
    from pytest_llm_compliance.core.project import SOURCE
    from pytest_llm_compliance.core.settings import environment_layers

    layers: list[tuple[str, Any]] = [(SOURCE, project), *environment_layers()]
    for setting in SETTINGS:
        value = getattr(args, setting.key)
        if value is not None and value != []:
            layers.append((f"command-line option {setting.cli_flag}", {setting.key: value}))
    return layers


def _report_paths(args: argparse.Namespace) -> dict[str, Path | None]:
    """The report paths, writable and all different (a bad path is a usage error)."""
    from pytest_llm_compliance.reports.files import ReportFileError, report_paths

    try:
        return report_paths(args)
    except ReportFileError as exc:
        raise UsageProblem(str(exc)) from None


def check(args: argparse.Namespace, out: TextIO) -> int:
    """Resolve targets and settings, run, print, write the reports.

    With isolation (the default) this process imports neither the user's code
    nor LangChain: the child does.
    """
    from pytest_llm_compliance.core.project import load_project_config
    from pytest_llm_compliance.core.registry import AREAS, catalog_info, select_info
    from pytest_llm_compliance.core.settings import SettingsError, merge
    from pytest_llm_compliance.core.targets import MissingModule, TargetError, parse_params
    from pytest_llm_compliance.reports.colour import use_colour
    from pytest_llm_compliance.reports.formats import github_annotations, to_markdown
    from pytest_llm_compliance.session import TargetSpec, run_targets

    try:
        project = load_project_config(Path.cwd())
        settings = merge(_settings_layers(args, project.settings), catalog_info())
        checks = select_info(args.select, args.deselect)
        if not checks:
            raise UsageProblem("--select/--deselect leave no check to run: nothing was checked")
        specs = [
            TargetSpec(spec, parse_params(params, source), source)
            for spec, params, source in _target_specs(args, project)
        ]
    except MissingModule as exc:
        raise UsageProblem(str(exc) + _hook_hint(exc.missing)) from None
    except (TargetError, SettingsError) as exc:
        raise UsageProblem(str(exc)) from None
    except KeyError as exc:
        name = exc.args[0]
        raise UsageProblem(
            f"unknown check id or area {name!r} in --select/--deselect"
            f"{did_you_mean(name, [*catalog_info(), *AREAS])}"
        ) from None
    paths = _report_paths(args)
    colour = use_colour(args.color, out, os.environ)
    progress = _progress(len(checks), use_colour(args.color, sys.stderr, os.environ))
    session = run_targets(specs, settings, checks, on_check=progress)
    report = session.report
    problems = [problem.message + _hook_hint(problem.missing) for problem in session.problems]
    try:
        _write(report, paths)  # before printing: a closed stdout loses no report
    except UsageProblem as exc:  # the results are still printed; then a usage error
        problems.append(str(exc))
    if report.targets:
        try:
            _print(report, out, colour)
        except BrokenPipeError:  # `| head`: the reports are written; the verdict stands
            _silence(out)
    if problems:  # the other targets' results are printed and written first
        raise UsageProblem("; ".join(problems))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for command in github_annotations(report, os.environ.get("GITHUB_WORKSPACE")):
            print(command, file=out)
        if summary := os.environ.get("GITHUB_STEP_SUMMARY"):
            try:
                with open(summary, "a", encoding="utf-8") as handle:
                    handle.write(to_markdown(report) + "\n")
            except OSError as exc:
                print(
                    f"llm-compliance: warning: GITHUB_STEP_SUMMARY {summary}: cannot write it: "
                    f"{exc.strerror or exc}",
                    file=sys.stderr,
                )
    return {
        "passed": EXIT_OK,
        "failed": EXIT_FAILED,
        "error": EXIT_HARNESS,
        "could_not_check": EXIT_COULD_NOT_CHECK,
    }[report.verdict]


def _target_specs(args: argparse.Namespace, project: ProjectConfig) -> list[tuple[Any, ...]]:
    """(spec, params, source) of each target: TARGET, pyproject.toml's, or the reference.

    The reference stands in only outside a project: in a project, checking the
    reference instead of the project's classes would pass without looking.
    """
    from pytest_llm_compliance.core.project import SOURCE, is_project
    from pytest_llm_compliance.core.targets import REFERENCE_PARAMS, REFERENCE_SPEC

    if args.target:
        return [(args.target, args.params, "command line")]
    if project.targets:
        if args.params:
            raise UsageProblem("--params needs a TARGET")
        return [(spec, params, SOURCE) for spec, params in project.targets]
    if is_project(Path.cwd()) or os.environ.get("PRE_COMMIT") == "1":
        raise UsageProblem(
            "no target to check in this project: add [[tool.llm-compliance.targets]] with "
            'target = "package.module:MyLLM" (and params = {...}) to pyproject.toml, or '
            "pass TARGET (in a pre-commit hook: args: [package.module:MyLLM])"
        )
    return [(REFERENCE_SPEC, args.params or REFERENCE_PARAMS, "built-in reference")]


def _hook_hint(missing: str) -> str:
    """Inside a pre-commit hook, where a missing module is to be installed."""
    if not missing or os.environ.get("PRE_COMMIT") != "1":
        return ""
    return (
        f"; pre-commit runs the hook in an environment of its own: list the package that "
        f"provides {missing!r} (and your project, if it is a package) under the hook's "
        "additional_dependencies in .pre-commit-config.yaml"
    )


def _progress(total: int, shown: bool) -> Callable[[str, Any], None]:
    """A one-line progress display on a terminal's stderr (with colour on); silent otherwise."""
    done: dict[str, int] = {}

    def update(label: str, check: Any) -> None:
        if not shown:
            return
        if check is None:
            sys.stderr.write("\r\033[K")
        else:
            done[label] = done.get(label, 0) + 1
            sys.stderr.write(f"\r\033[K[{done[label]}/{total}] {label}: {check.id}")
        sys.stderr.flush()

    return update


def _print(report: Report, out: TextIO, colour: bool) -> None:
    from pytest_llm_compliance.reports.terminal import target_lines

    print(f"llm-compliance {__version__}", file=out)
    for transport in dict.fromkeys(target.settings.transport for target in report.targets):
        print(f"transport: {transport}", file=out)
    for target in report.targets:
        print(file=out)
        lines = target_lines(
            target.target,
            target.settings.stop_policy,
            target.records,
            colour=colour,
            details=True,
            kind=target.kind,
        )
        print("\n".join(lines), file=out)
    verdict = report.verdict.replace("_", " ").upper()
    print(f"\n{verdict} in {elapsed_s():.1f} s", file=out)


def _write(report: Report, paths: dict[str, Path | None]) -> None:
    """Write each report asked for; a report that cannot be written is a usage error."""
    from pytest_llm_compliance.reports.files import ReportFileError, write_reports

    try:
        write_reports(report, paths, {"html": lambda: _html(report)})
    except ReportFileError as exc:
        raise UsageProblem(str(exc)) from None


def _html(report: Report) -> str:
    from pytest_llm_compliance.reports.html import to_html
    from pytest_llm_compliance.reports.terminal import tally

    notes = [f"{t.target}: {tally(t.records)}" for t in report.targets]
    return to_html(report, title="llm-compliance check", notes=notes)


def _silence(out: TextIO) -> None:
    """After a broken pipe, send what is left to /dev/null so that exit does not raise."""
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())


def run() -> None:
    """The console script: exit with ``main``'s code, even past a model's threads.

    A model may leave a non-daemon thread running; Python would then wait for
    it forever at exit, and hang the user's CI. The output is flushed first.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if any(thread.is_alive() and not thread.daemon for thread in others):
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
