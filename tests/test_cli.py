"""The command line: exit codes, output, reports and the GitHub Actions outputs."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from harness.cli import main
from harness.report import SCHEMA_PATH

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


def test_no_target_checks_the_reference_and_passes():
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
        (["explain", "no.such"], "unknown check id 'no.such'"),
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
