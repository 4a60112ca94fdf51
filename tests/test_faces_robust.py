"""Every face as robust as the CLI (issue 20): construction, lost reports, settings.

Each case runs through the face it names: pytester for pytest, the installed CLI in
a subprocess. Each asserts the exit code, the one line, and no secret in any form.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_llm_compliance import check_llm
from pytest_llm_compliance.core.targets import TargetError

from tests import hostile_construction as hostile
from tests.paths import SOURCE_PATH

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from pytest_llm_compliance.faces.cli.main import run; run()"]
MODULE = "tests.hostile_construction"


@pytest.fixture(autouse=True)
def _quiet_inner_sessions(monkeypatch):
    monkeypatch.setenv(
        "PYTEST_ADDOPTS", "-W ignore::pytest.PytestDeprecationWarning -p no:randomly"
    )


def assert_no_token(*texts: str) -> None:
    token = hostile.TOKEN
    for text in texts:
        assert token not in text
        assert token[:12] not in text, "a cut token survived"
        assert token[-12:] not in text, "a cut token survived"
        assert repr(token)[1:-1] not in text


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(("ERROR:", "llm-compliance:"))]


def cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": SOURCE_PATH, **(env or {})},
        timeout=120,
        check=False,
    )


# --- construction, under pytest --------------------------------------------------------


def test_pytest_bounds_a_constructor_that_hangs(pytester):
    started = time.monotonic()
    result = pytester.runpytest_subprocess(
        "--llm", f"{MODULE}:HangsWhileBuilt", "--llm-timeout", "3", timeout=120
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert time.monotonic() - started < 60
    (line,) = error_lines(result.stderr.str())
    assert "did not finish building within 3 s" in line


@pytest.mark.parametrize(
    ("target", "said"),
    [
        (f"{MODULE}:InterruptsWhileBuilt", "building the model raised KeyboardInterrupt"),
        ("sys:exit", "building the model raised SystemExit"),
    ],
)
def test_pytest_turns_an_interrupt_or_exit_while_built_into_a_usage_error(pytester, target, said):
    result = pytester.runpytest_subprocess("--llm", target, timeout=120)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (line,) = error_lines(result.stderr.str())
    assert said in line
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_pytest_masks_a_key_a_constructor_quotes(pytester, monkeypatch):
    monkeypatch.setenv(hostile.TOKEN_VAR, hostile.TOKEN)
    result = pytester.runpytest_subprocess("--llm", f"{MODULE}:QuotesTheKeyWhileBuilt", timeout=120)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (line,) = error_lines(result.stderr.str())
    assert "Incorrect API key provided: ***" in line
    assert_no_token(result.stdout.str(), result.stderr.str())


def test_the_test_class_bounds_a_constructor_that_hangs(pytester):
    pytester.makepyfile(
        f"""
        from pytest_llm_compliance import LLMComplianceTests
        from {MODULE} import HangsWhileBuilt

        class TestHangs(LLMComplianceTests):
            model_class = HangsWhileBuilt
            llm_timeout = 2
            llm_isolation = "none"
        """
    )
    started = time.monotonic()
    result = pytester.runpytest_subprocess("-k", "methods_invoke", timeout=120)
    assert time.monotonic() - started < 60
    assert "did not finish building within 2 s" in result.stdout.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_check_llm_bounds_a_constructor_that_hangs():
    started = time.monotonic()
    with pytest.raises(TargetError, match="did not finish building within 1 s"):
        check_llm(hostile.HangsWhileBuilt, timeout=1, select_ids=["methods.invoke"])
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("isolation", ["process", "none"])
def test_the_cli_bounds_a_constructor_that_hangs(tmp_path, isolation):
    started = time.monotonic()
    result = cli(
        tmp_path,
        "check",
        f"{MODULE}:HangsWhileBuilt",
        "--timeout",
        "2",
        "--isolation",
        isolation,
        "--select",
        "methods.invoke",
    )
    assert time.monotonic() - started < 60
    assert result.returncode != 0
    assert "within 2 s" in result.stderr + result.stdout


# --- reports that cannot be written -------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="no /dev/full here")
@pytest.mark.parametrize("command", ["check", "scan"])
@pytest.mark.parametrize("option", ["--report-json", "--report-md", "--report-html", "--junitxml"])
def test_a_report_that_cannot_be_written_is_an_error(tmp_path, command, option):
    target = "reference_llm" if command == "scan" else "reference_llm:EchoLLM"
    args = [command, target, option, "/dev/full"]
    if command == "check":
        args += ["--params", '{"n": 8}', "--select", "interface"]
    result = cli(tmp_path, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = error_lines(result.stderr)
    assert line == "llm-compliance: error: cannot write /dev/full: No space left on device"
    assert Path("/dev/full").is_char_device(), "the device itself is left alone"


@pytest.mark.parametrize("command", ["check", "scan"])
def test_a_report_path_under_a_file_is_refused_before_the_run(tmp_path, command):
    (tmp_path / "file").write_text("")
    target = "reference_llm" if command == "scan" else "reference_llm:EchoLLM"
    result = cli(tmp_path, command, target, "--report-json", "file/r.json")
    assert result.returncode == 2
    (line,) = error_lines(result.stderr)
    assert line.startswith("llm-compliance: error: --report-json file/r.json: cannot write it")


def test_the_scan_writes_its_reports_whole(tmp_path):
    result = cli(
        tmp_path, "scan", "reference_llm", "--report-json", "r.json", "--report-md", "r.md"
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r.json").read_text().endswith("}\n")
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"


# --- settings, from every source ----------------------------------------------------------


def test_a_bad_isolation_from_the_environment_is_a_usage_error_in_the_cli(tmp_path):
    result = cli(tmp_path, "check", env={"LLM_COMPLIANCE_ISOLATION": "bogus"})
    assert result.returncode == 2
    assert error_lines(result.stderr) == [
        "llm-compliance: error: environment variable LLM_COMPLIANCE_ISOLATION: isolation must "
        "be 'process' or 'none', not 'bogus'"
    ]


def test_a_bad_isolation_in_pyproject_is_a_usage_error_in_the_cli(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.llm-compliance]\nisolation = "bogus"\n'
        '[[tool.llm-compliance.targets]]\ntarget = "reference_llm:EchoLLM"\nparams = { n = 8 }\n'
    )
    result = cli(tmp_path, "check")
    assert result.returncode == 2
    (line,) = error_lines(result.stderr)
    assert "isolation must be 'process' or 'none', not 'bogus'" in line
    assert "pyproject.toml" in line


@pytest.mark.parametrize(
    ("how", "source"),
    [
        ("env", "environment variable LLM_COMPLIANCE_ISOLATION"),
        ("ini", "ini option llm_compliance_isolation"),
    ],
)
def test_a_bad_isolation_is_a_usage_error_under_pytest(pytester, monkeypatch, how, source):
    if how == "env":
        monkeypatch.setenv("LLM_COMPLIANCE_ISOLATION", "bogus")
    else:
        pytester.makeini("[pytest]\nllm_compliance_isolation = bogus\n")
    result = pytester.runpytest_subprocess(
        "--llm", "reference_llm:EchoLLM", "--llm-params", '{"n": 8}', timeout=120
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (line,) = error_lines(result.stderr.str())
    assert line.startswith(f"ERROR: {source}")
    assert "isolation must be 'process' or 'none', not 'bogus'" in line


def test_a_bad_isolation_on_a_test_class_names_the_class(pytester):
    pytester.makepyfile(
        """
        from pytest_llm_compliance import LLMComplianceTests
        from reference_llm import EchoLLM

        class TestEcho(LLMComplianceTests):
            model_class = EchoLLM
            model_params = {"n": 8}
            llm_isolation = "bogus"
        """
    )
    result = pytester.runpytest_subprocess("-k", "methods_invoke", timeout=120)
    assert "test class TestEcho: isolation must be 'process' or 'none', not 'bogus'" in (
        result.stdout.str() + result.stderr.str()
    )
    assert result.ret != pytest.ExitCode.OK
