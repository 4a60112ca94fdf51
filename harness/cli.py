"""``llm-compliance``: the checklist from the terminal, pre-commit and CI.

Exit codes: 0 every applicable check passed (or was an expected failure),
1 a check failed, 2 a usage or target error, 3 an error inside the harness.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from harness import __version__

if TYPE_CHECKING:
    from harness.report import Report

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_HARNESS = 0, 1, 2, 3


class UsageProblem(Exception):
    """Bad input: reported on one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``check``, ``list`` and ``explain``."""
    parser = argparse.ArgumentParser(
        prog="llm-compliance",
        description="Check a LangChain LLM class against the custom-LLM contribution checklist.",
        epilog="Exit codes: 0 passed, 1 a check failed, 2 usage or target error, "
        "3 an error inside the harness.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser(
        "check",
        help="run the checklist",
        description="Run the checklist against TARGET, the targets of pyproject.toml "
        "[tool.llm-compliance], or else the built-in reference EchoLLM.",
    )
    check.add_argument("target", nargs="?", help="package.module:Name (a class or a factory)")
    check.add_argument("--params", help="the class's params as a JSON object")
    check.add_argument("--stop-policy", choices=["include", "exclude"])
    check.add_argument("--xfail", action="append", default=[], metavar="ID=REASON")
    check.add_argument("--select", action="append", default=[], metavar="ID|AREA")
    check.add_argument("--deselect", action="append", default=[], metavar="ID|AREA")
    check.add_argument("--timeout", metavar="S", help="seconds per model call (default 30)")
    check.add_argument("--stall-ms", metavar="MS", help="tolerated loop stall (default 50)")
    check.add_argument(
        "--parallel", metavar="N", help="observations run at once (default 4; 1: in sequence)"
    )
    check.add_argument(
        "--isolation",
        choices=["process", "none"],
        default=os.environ.get("LLM_COMPLIANCE_ISOLATION", "process"),
        help="process (default): build, call and judge each target in a child process the "
        "harness controls; none: in this process (debugging, speed figures). "
        "Environment: LLM_COMPLIANCE_ISOLATION",
    )
    check.add_argument("--report-json", metavar="PATH")
    check.add_argument("--report-md", metavar="PATH")
    check.add_argument("--report-html", metavar="PATH")
    check.add_argument("--junitxml", metavar="PATH")
    check.add_argument(
        "--color", choices=["auto", "always", "never"], default="auto", help="default: auto"
    )

    from harness.scan_cli import add_arguments

    add_arguments(
        commands.add_parser(
            "scan",
            help="check every LLM and chat class of a package, without a call",
            description="Import every module of each package, find the BaseLLM and "
            "BaseChatModel subclasses defined there, and run the checks that need no model "
            "call on each.",
        )
    )
    commands.add_parser("list", help="print the catalog of checks")
    explain = commands.add_parser("explain", help="explain one check and how to fix it")
    explain.add_argument("id")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; return the exit code."""
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    sys.path.insert(0, os.getcwd())  # the user's modules, as `python -m` would find them
    try:
        if args.command == "list":
            return list_checks(out)
        if args.command == "explain":
            return explain(args.id, out)
        if args.command == "scan":
            from harness.scan_cli import run as scan

            return scan(args, out)
        return check(args, out)
    except UsageProblem as exc:
        print(f"llm-compliance: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def list_checks(out: TextIO) -> int:
    """Print id, area and rule of every check."""
    from harness.registry import catalog

    checks = catalog().values()
    width = max(len(check.id) for check in checks)
    for check in checks:
        print(f"{check.id:<{width}}  {check.area:<10} {check.rule}", file=out)
    return EXIT_OK


def explain(check_id: str, out: TextIO) -> int:
    """Print a check's rule, why it matters, the fix as code, and the link."""
    from harness.registry import catalog

    checks = catalog()
    if check_id not in checks:
        raise UsageProblem(f"unknown check id {check_id!r}; `llm-compliance list` shows them")
    check = checks[check_id]
    why = (check.function.__doc__ or "").strip()
    print(f"{check.id}  ({check.section}; checklist: {check.source})\n", file=out)
    print(f"Rule: {check.rule}\n", file=out)
    if why:
        print(f"Why and how it is checked:\n  {why.replace(chr(10), chr(10) + '  ')}\n", file=out)
    print(f"Fix:\n{check.fix}\n", file=out)
    print(f"More: {check.link}", file=out)
    return EXIT_OK


def _settings_layers(args: argparse.Namespace, project: dict[str, Any]) -> list[tuple[str, Any]]:
    from harness.project_config import SOURCE
    from harness.settings import environment_layers

    layers: list[tuple[str, Any]] = [(SOURCE, project), *environment_layers()]
    cli = {
        "stop_policy": args.stop_policy,
        "timeout": args.timeout,
        "stall_ms": args.stall_ms,
        "parallel": args.parallel,
        "xfail": args.xfail or None,
    }
    for key, value in cli.items():
        if value is not None:
            layers.append((f"command-line option --{key.replace('_', '-')}", {key: value}))
    return layers


def _writable(path: str | None, option: str) -> Path | None:
    """The report path, its folder made; a path that cannot be written is usage."""
    if path is None:
        return None
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise UsageProblem(f"{option} {path}: cannot write it: {exc.strerror or exc}") from None
    return target


def _report_paths(args: argparse.Namespace) -> dict[str, Path | None]:
    """The report paths, writable and all different (two options on one path is usage)."""
    given = {
        "--report-json": args.report_json,
        "--report-md": args.report_md,
        "--report-html": args.report_html,
        "--junitxml": args.junitxml,
    }
    seen: dict[Path, str] = {}
    for option, path in given.items():
        if path is None:
            continue
        resolved = Path(path).resolve()
        if resolved in seen:
            raise UsageProblem(f"{seen[resolved]} and {option} name the same file {path}")
        seen[resolved] = option
    return {
        "json": _writable(args.report_json, "--report-json"),
        "md": _writable(args.report_md, "--report-md"),
        "html": _writable(args.report_html, "--report-html"),
        "junit": _writable(args.junitxml, "--junitxml"),
    }


def check(args: argparse.Namespace, out: TextIO) -> int:
    """Resolve targets and settings, run, print, write the reports.

    With isolation (the default) this process imports neither the user's code
    nor LangChain: the child does.
    """
    from harness.project_config import load_project_config
    from harness.registry import catalog_info, select_info
    from harness.report import Report, TargetReport, github_annotations, to_markdown
    from harness.run.parent import TargetProblem
    from harness.settings import SettingsError, merge
    from harness.targets import (
        REFERENCE_PARAMS,
        REFERENCE_SPEC,
        TargetError,
        load_target,
        parse_params,
    )

    try:
        project = load_project_config(Path.cwd())
        settings = merge(_settings_layers(args, project.settings), catalog_info())
        checks = select_info(args.select, args.deselect)
        if args.target:
            specs = [(args.target, args.params, "command line")]
        elif project.targets:
            if args.params:
                raise UsageProblem("--params needs a TARGET")
            specs = [(t, p, "pyproject.toml [tool.llm-compliance]") for t, p in project.targets]
        else:
            specs = [(REFERENCE_SPEC, args.params or REFERENCE_PARAMS, "built-in reference")]
        jobs = [(spec, parse_params(params, source), source) for spec, params, source in specs]
        if args.isolation == "none":
            targets = [load_target(spec, params, source=source) for spec, params, source in jobs]
            kinds = [_kind_name(target.build()) for target in targets]
    except (TargetError, SettingsError) as exc:
        raise UsageProblem(str(exc)) from None
    except KeyError as exc:
        raise UsageProblem(
            f"unknown check id or area {exc.args[0]!r} in --select/--deselect"
        ) from None
    paths = _report_paths(args)
    colour = args.color == "always" or (
        args.color == "auto" and out.isatty() and not os.environ.get("NO_COLOR")
    )
    started = time.perf_counter()
    reports, problems = [], []
    for index, (spec, params, _source) in enumerate(jobs):
        progress = _progress(spec, len(checks))
        try:
            output = ""
            if args.isolation == "none":
                from harness.engine import run_checks
                from harness.registry import catalog

                code = [catalog()[check.id] for check in checks]
                records = run_checks(targets[index], settings, code, progress)
                label, kind = targets[index].label, kinds[index]
            else:
                records, output, kind = _run_isolated(spec, params, settings, checks, progress)
                label = spec
        except (TargetError, TargetProblem) as exc:
            problems.append(str(exc))
            continue
        finally:
            progress(None)
        reports.append(
            TargetReport(
                label, settings, records, args.isolation, kind=kind, captured_output=output
            )
        )
    report = Report(reports, duration_s=time.perf_counter() - started)
    _write(report, paths)
    if reports:
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
    return {"passed": EXIT_OK, "failed": EXIT_FAILED, "error": EXIT_HARNESS}[report.verdict]


def _run_isolated(
    spec: str,
    params: dict[str, Any],
    settings: Any,
    checks: Sequence[Any],
    progress: Callable[[Any], None],
) -> tuple[list[Any], str, str]:
    """One target's records from a child process (``harness.run``), in catalog order.

    Also what the model's process printed outside its calls (redacted), and its kind.
    """
    from harness.redact import Redactor
    from harness.run.parent import run_target

    by_id = {check.id: check for check in checks}
    run = run_target(
        spec,
        params,
        settings,
        list(by_id),
        spec,
        Redactor.from_environment(),
        python_path=[p for p in sys.path if p],
        on_record=lambda record: progress(by_id[record.id]),
    )
    records = [run.records[check_id] for check_id in by_id if check_id in run.records]
    return records, run.output, run.kind


def _kind_name(model: Any) -> str:
    """``llm`` or ``chat``: the kind of a built model."""
    from harness.kinds import kind_of

    kind = kind_of(model)
    return kind.name if kind else ""


def _progress(label: str, total: int) -> Callable[[Any], None]:
    """A one-line progress display on a terminal's stderr; silent otherwise."""
    done = [0]
    shown = sys.stderr.isatty()

    def update(check: Any) -> None:
        if not shown:
            return
        if check is None:
            sys.stderr.write("\r\033[K")
        else:
            done[0] += 1
            sys.stderr.write(f"\r\033[K[{done[0]}/{total}] {label}: {check.id}")
        sys.stderr.flush()

    return update


def _print(report: Report, out: TextIO, colour: bool) -> None:
    from harness.terminal import target_lines

    print(f"llm-compliance {__version__}", file=out)
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
    print(f"\n{report.verdict.upper()} in {report.duration_s:.1f} s", file=out)


def _write(report: Report, paths: dict[str, Path | None]) -> None:
    """Write each report atomically: a temporary file beside it, then a rename."""
    import json

    from harness.report import to_json, to_junit, to_markdown

    render = {
        "json": lambda: json.dumps(to_json(report), indent=2) + "\n",
        "md": lambda: to_markdown(report),
        "html": lambda: _html(report),
        "junit": lambda: to_junit(report),
    }
    for kind, path in paths.items():
        if path is None:
            continue
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(render[kind](), encoding="utf-8")
            os.replace(temporary, path)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise UsageProblem(f"cannot write {path}: {exc.strerror or exc}") from None


def _html(report: Report) -> str:
    from harness.report_html import to_html
    from harness.terminal import tally

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
