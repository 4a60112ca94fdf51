"""The command line: exit codes, output, reports and the GitHub Actions outputs."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from pytest_llm_compliance.faces.cli.main import main
from pytest_llm_compliance.reports.formats import SCHEMA_PATH

BROKEN = "tests.gallery:BatchOutOfOrder"
PARAMS = '{"n": 64}'


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(args), out=out)
    return code, out.getvalue()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch, tmp_path):
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "LLM_COMPLIANCE_STOP_POLICY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)


def test_this_repositorys_targets_are_the_reference():
    code, out = run("check")
    assert code == 0
    assert "reference_llm:EchoLLM (text LLM, stop policy: include)" in out
    assert "  Stop token\n    PASS  stop.respected" in out
    assert "20 passed, 7 skipped; 27 of 27 checks in the catalog ran; 24 model calls" in out
    assert "\033[" not in out  # no colour when not on a terminal


@pytest.mark.parametrize("isolation", ["process", "none"])
def test_a_chat_model_is_checked_under_its_kind(tmp_path, isolation):
    report = tmp_path / "r.json"
    code, out = run(
        "check",
        "reference_llm:EchoChatModel",
        "--params",
        PARAMS,
        "--isolation",
        isolation,
        "--report-json",
        str(report),
        "--report-md",
        str(tmp_path / "r.md"),
    )
    assert code == 0, out
    assert "reference_llm:EchoChatModel (chat model, stop policy: include)" in out
    assert "PASS  chat.tool_calls" in out
    assert "24 passed, 3 skipped; 27 of 27 checks in the catalog ran; 30 model calls" in out
    document = json.loads(report.read_text())
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text()))
    assert document["targets"][0]["kind"] == "chat"
    assert "Kind: **chat model**" in (tmp_path / "r.md").read_text()


def test_a_failing_check_exits_1_with_its_message():
    code, out = run("check", BROKEN, "--params", PARAMS)
    assert code == 1
    assert "FAIL  methods.batch" in out
    assert "expected: " in out
    assert "FAILED in" in out


def test_expected_failure_exits_0():
    code, out = run("check", BROKEN, "--params", PARAMS, "--xfail", "methods.batch=known bug")
    assert code == 0
    assert "XFAIL methods.batch" in out


def test_selection_by_area_and_id():
    code, out = run("check", "--select", "stop", "--select", "docs.init_args")
    assert code == 0
    assert "3 passed, 1 skipped; 4 of 27 checks in the catalog ran" in out


def test_colour_always():
    _, out = run("check", "--select", "docs.init_args", "--color", "always")
    assert "\033[32mPASS" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "nope.module:X"], "cannot import module 'nope.module'"),
        (["check", "reference_llm:EchoLLM", "--params", "[1]"], "params must be a JSON object"),
        (["check", "reference_llm:EchoLLM", "--params", '{"n": -1}'], "validation"),
        (["check", "--select", "nonsense"], "unknown check id or area 'nonsense'"),
        (["check", "--xfail", "methods.batch"], "has no reason"),
        (["check", "--timeout", "-3"], "--timeout: timeout must be a positive number"),
        (["check", "--report-json", "/proc/forbidden/r.json"], "--report-json /proc/forbidden"),
        (["explain", "no.such"], "unknown check id, area or test name 'no.such'"),
        (["explain", "stop.includd"], "'stop.includd' (did you mean 'stop.included'"),
        (["explain", "test_stop_includd"], "(did you mean 'test_stop_included'"),
        (["check", "--select", "stpo"], "'stpo' in --select/--deselect (did you mean 'stop'?)"),
        (
            ["check", "--deselect", "interface", "--deselect", "methods", "--select", "interface"],
            "leave no check to run",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    code, _ = run(*args)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("llm-compliance: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_an_invalid_stop_policy_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--stop-policy", "strip"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'strip'" in capsys.readouterr().err


def test_list_and_explain():
    _, out = run("list")
    assert len(out.splitlines()) == 27
    assert out.splitlines()[0].startswith("interface.llm_type")
    code, out = run("explain", "stop.included")
    assert code == 0
    assert "Rule: the answer ends with the stop sequence" in out
    assert 'llm_stop_policy = "exclude"' in out
    assert "More: https://" in out


def test_reports_are_written_and_valid(tmp_path):
    paths = {name: tmp_path / "out" / name for name in ("r.json", "r.md", "r.xml")}
    code, _ = run(
        "check",
        BROKEN,
        "--params",
        PARAMS,
        "--report-json",
        str(paths["r.json"]),
        "--report-md",
        str(paths["r.md"]),
        "--junitxml",
        str(paths["r.xml"]),
    )
    assert code == 1
    document = json.loads(paths["r.json"].read_text())
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text()))
    assert document["summary"]["verdict"] == "failed"
    assert document["summary"]["model_calls"] == 24
    assert document["targets"][0]["kind"] == "llm"
    checks = {c["id"]: c for c in document["targets"][0]["checks"]}
    assert checks["methods.batch"]["outcome"] == "failed"
    assert checks["methods.batch"]["location"]["file"].endswith("tests/gallery.py")
    markdown = paths["r.md"].read_text()
    assert "### Stop token" in markdown
    assert "- [x] `stop.included`" in markdown
    assert "- [ ] `methods.batch`" in markdown
    assert "#### `methods.batch` (failed)" in markdown
    suite = ET.parse(paths["r.xml"]).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "27"
    assert suite.get("failures") == "1"


def test_the_schema_rejects_a_wrong_document():
    schema = json.loads(SCHEMA_PATH.read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"schema_version": "1.0", "targets": []}, schema)


def test_under_github_actions_summary_and_annotations(tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(Path.cwd()))
    code, out = run("check", BROKEN, "--params", PARAMS)
    assert code == 1
    annotations = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 1
    assert annotations[0].startswith("::error file=tests/gallery.py,line=")
    assert "title=methods.batch (tests.gallery%3ABatchOutOfOrder)::" in annotations[0]
    assert "%0A  expected: " in annotations[0]
    assert "- [ ] `methods.batch`" in summary.read_text()


def test_project_config_names_the_targets(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.llm-compliance]\n"
        'xfail = { "methods.batch" = "out of order, tracked" }\n'
        "[[tool.llm-compliance.targets]]\n"
        f'target = "{BROKEN}"\n'
        "params = {{ n = 64 }}\n".replace("{{", "{").replace("}}", "}")
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent))
    code, out = run("check")
    assert code == 0
    assert "XFAIL methods.batch" in out


def test_console_script_is_installed():
    result = subprocess.run(
        [Path(sys.executable).with_name("llm-compliance"), "list"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 0
    assert "stop.included" in result.stdout


# --- no silent greens ------------------------------------------------------------


@pytest.mark.parametrize("marker", ["pyproject.toml", "setup.cfg", ".git"])
def test_a_project_without_targets_is_a_usage_error(tmp_path, monkeypatch, capsys, marker):
    (tmp_path / marker).mkdir() if marker == ".git" else (tmp_path / marker).write_text("")
    monkeypatch.chdir(tmp_path)
    code, out = run("check")
    err = capsys.readouterr().err
    assert code == 2
    assert "no target to check in this project: add [[tool.llm-compliance.targets]]" in err
    assert err.count("\n") == 1
    assert "PASSED" not in out


def test_outside_a_project_the_bare_command_checks_the_reference(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent))
    code, out = run("check", "--select", "docs")
    assert code == 0
    assert "reference_llm:EchoLLM (text LLM, stop policy: include)" in out


def test_inside_pre_commit_no_target_is_a_usage_error_even_outside_a_project(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert run("check")[0] == 2
    assert "in a pre-commit hook: args: [package.module:MyLLM]" in capsys.readouterr().err


def test_a_missing_module_in_a_hook_points_to_additional_dependencies(monkeypatch, capsys):
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert run("check", "no_such_provider_sdk_q:MyLLM")[0] == 2
    err = capsys.readouterr().err
    assert "No module named 'no_such_provider_sdk_q'" in err
    assert "additional_dependencies" in err
    monkeypatch.delenv("PRE_COMMIT")
    assert run("check", "no_such_provider_sdk_q:MyLLM")[0] == 2
    assert "additional_dependencies" not in capsys.readouterr().err


# --- conventions -------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(
    ("env", "choice", "coloured"),
    [
        ({}, "auto", True),
        ({"NO_COLOR": "1"}, "auto", False),
        ({"NO_COLOR": ""}, "auto", True),  # set but empty: ignored, as no-color.org says
        ({"PY_COLORS": "0"}, "auto", False),
        ({"PY_COLORS": "1", "NO_COLOR": "1"}, "auto", True),  # pytest's order
        ({"TERM": "dumb"}, "auto", False),
        ({"NO_COLOR": "1"}, "always", True),
        ({"FORCE_COLOR": "1"}, "never", False),
    ],
)
def test_colour_follows_the_environment_on_a_terminal(monkeypatch, env, choice, coloured):
    for name in ("NO_COLOR", "FORCE_COLOR", "PY_COLORS", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = FakeTerminal()
    main(["check", "--select", "docs.init_args", "--color", choice], out=out)
    assert ("\033[32mPASS" in out.getvalue()) is coloured


@pytest.mark.parametrize(
    ("env", "coloured"), [({"FORCE_COLOR": "1"}, True), ({"PY_COLORS": "1"}, True), ({}, False)]
)
def test_colour_can_be_forced_off_a_terminal(monkeypatch, env, coloured):
    for name in ("NO_COLOR", "FORCE_COLOR", "PY_COLORS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    _, out = run("check", "--select", "docs.init_args")
    assert ("\033[32mPASS" in out) is coloured


@pytest.mark.parametrize(
    ("env", "args", "drawn"),
    [
        ({}, [], True),
        ({"NO_COLOR": "1"}, [], False),
        ({}, ["--color", "never"], False),
    ],
)
def test_the_progress_line_follows_the_colour_choice(monkeypatch, env, args, drawn):
    monkeypatch.delenv("NO_COLOR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stderr = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    run("check", "--select", "docs", *args)
    assert ("\033[K" in stderr.getvalue()) is drawn


def test_every_option_has_help_text():
    from pytest_llm_compliance.faces.cli.main import build_parser

    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for name, sub in commands.choices.items():
        for action in sub._actions:
            assert action.help, (name, action.dest)
            assert action.help != argparse.SUPPRESS, (name, action.dest)
    help_text = commands.choices["check"].format_help()
    assert "the class's params as a JSON object" in help_text
    assert "PY_COLORS, NO_COLOR" in help_text


def test_locations_are_relative_to_the_current_directory():
    _, out = run("check", BROKEN, "--params", PARAMS, "--select", "methods.batch")
    assert "at: tests/gallery.py:" in out
    assert str(Path.cwd()) not in out


def test_explain_by_area_and_by_test_name():
    code, out = run("explain", "stop")
    assert code == 0
    assert out.startswith("stop.respected")
    assert "\nstop.included  (Stop token" in out
    code, by_test = run("explain", "test_stop_included")
    assert code == 0
    assert by_test.startswith("stop.included")
    assert by_test == run("explain", "stop.included")[1]


def test_under_github_actions_a_usage_error_is_annotated_and_summarised(
    tmp_path, monkeypatch, capsys
):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert run("check", "nope.module:X")[0] == 2
    out = capsys.readouterr().out
    assert out.startswith(
        "::error title=llm-compliance%3A usage error::command line: cannot import"
    )
    assert "**Usage error** (exit code 2)" in summary.read_text()
    with pytest.raises(SystemExit):
        main(["check", "--stop-policy", "strip"])
    assert "::error title=llm-compliance%3A usage error::llm-compliance check: argument" in (
        capsys.readouterr().out
    )
