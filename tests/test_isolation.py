"""Isolation: a model that attacks the harness's process gets verdicts, never a forged pass.

Each hostile model runs through ``llm-compliance check`` as a user would run
it; the harness builds and calls it in a child process and must come back
with a complete report, the right exit code, no secret in any form, and no
process left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_llm_compliance.checks._api import catalog

from tests import hostile_process as hostile
from tests.paths import SOURCE_PATH

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).with_name("llm-compliance")


def run_cli(tmp_path: Path, target: str, *extra: str, timeout: float = 180):
    report = tmp_path / "report.json"
    env = {**os.environ, "PYTHONPATH": SOURCE_PATH, "LLM_COMPLIANCE_ISOLATION": "process"}
    started = time.monotonic()
    result = subprocess.run(
        [
            CLI,
            "check",
            target,
            "--params",
            '{"n": 64}',
            "--timeout",
            "3",
            "--report-json",
            str(report),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=timeout,
    )
    elapsed = time.monotonic() - started
    data = json.loads(report.read_text()) if report.exists() and report.stat().st_size else None
    return result, data, elapsed


def outcomes(data):
    return {
        check["id"]: check["outcome"] for target in data["targets"] for check in target["checks"]
    }


def assert_no_secret(*texts):
    key = hostile.KEY
    for text in texts:
        assert key not in text
        assert key[:16] not in text, "a truncated key survived"
        assert repr(key)[1:-1] not in text


@pytest.mark.parametrize(
    ("model", "failed_check"),
    [
        (hostile.ExitsInCall, "methods.invoke"),
        (hostile.CrashesInStream, "methods.stream"),
    ],
)
def test_a_model_that_ends_the_process_fails_never_passes(tmp_path, model, failed_check):
    result, data, _ = run_cli(tmp_path, f"tests.hostile_process:{model.__name__}")
    assert result.returncode == 1, result.stderr
    got = outcomes(data)
    assert set(got) == set(catalog()), "every check got a verdict"
    assert got[failed_check] == "failed"
    message = next(
        c["message"] for t in data["targets"] for c in t["checks"] if c["id"] == failed_check
    )
    assert "ended the process" in message


def test_sys_exit_while_building_is_a_target_error_not_a_pass(tmp_path):
    result, _data, _ = run_cli(tmp_path, "tests.hostile_process:SysExitInInit")
    assert result.returncode == 2
    assert "building the model raised SystemExit" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_property_that_blocks_gets_a_verdict_within_the_budget(tmp_path):
    result, data, elapsed = run_cli(tmp_path, "tests.hostile_process:BlocksInLLMType")
    assert result.returncode == 1
    assert outcomes(data)["interface.llm_type"] == "failed"
    assert elapsed < 120, elapsed


def test_what_a_model_prints_when_built_is_captured_and_masked(tmp_path):
    result, data, _ = run_cli(tmp_path, "tests.hostile_process:PrintsKeyWhenBuilt")
    printed = (result.stdout + result.stderr).splitlines()
    assert not [line for line in printed if line.startswith(("connecting", "raw fd 2"))]
    assert_no_secret(result.stdout, result.stderr, json.dumps(data))
    assert set(outcomes(data)) == set(catalog())


def test_a_model_that_closes_stdout_and_moves_away_cannot_lose_the_report(tmp_path):
    result, data, _ = run_cli(tmp_path, "tests.hostile_process:ClosesStdout")
    assert data is not None
    assert set(outcomes(data)) == set(catalog()), result.stderr
    assert "PASSED" in result.stdout or "FAILED" in result.stdout


def test_killing_the_child_ends_the_processes_the_model_started(tmp_path):
    run_cli(tmp_path, "tests.hostile_process:SpawnsAProcess")
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", hostile.ORPHAN_MARK], capture_output=True, text=True)
    assert left.stdout.strip() == "", "a process the model started outlived the run"


def test_a_broken_pipe_loses_no_report(tmp_path):
    report = tmp_path / "r.json"
    env = {**os.environ, "PYTHONPATH": SOURCE_PATH}
    shell = f"'{CLI}' check --report-json '{report}' | head -c 10"
    ran = subprocess.run(
        ["bash", "-c", shell], env=env, cwd=tmp_path, timeout=120, capture_output=True, text=True
    )
    document = json.loads(report.read_text())
    assert len(document["targets"][0]["checks"]) == len(catalog()), ran.stderr


def test_two_report_options_on_one_path_are_a_usage_error(tmp_path):
    result = subprocess.run(
        [CLI, "check", "--report-json", "r.json", "--report-md", "r.json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert "name the same file" in result.stderr
    assert not (tmp_path / "r.json").exists()


def test_a_users_log_handler_sees_no_debug_record_the_harness_let_through(capsys):
    """The harness captures DEBUG with its own handler; the user's handlers keep their level."""
    import logging

    from pytest_llm_compliance import check_llm

    from tests.hostile import PrintsItsKey

    handler = logging.StreamHandler()  # writes to stderr, as basicConfig() does
    root = logging.getLogger()
    root.addHandler(handler)
    try:

        class LogsTheKey(PrintsItsKey):
            def _echo(self, prompt, stop):
                logging.getLogger("vendor.sdk").debug("request key=%s", self.api_key)
                return prompt[: self.n]

        check_llm(LogsTheKey, {"n": 64}, select_ids=["methods.invoke"])
    finally:
        root.removeHandler(handler)
    assert "request key" not in capsys.readouterr().err
    assert handler.level == logging.NOTSET  # restored


BAD_INPUT = [
    (["--params", "[" * 50_000 + "]" * 50_000], "params are nested too deeply"),
    (["--timeout", "1e10"], "timeout must be at most"),
    (["--timeout", "1e400"], "timeout must be a positive number"),
]


@pytest.mark.parametrize(("extra", "says"), BAD_INPUT, ids=["deep-params", "timeout", "inf"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, extra, says):
    result = subprocess.run(
        [CLI, "check", "reference_llm:EchoLLM", *extra],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\xff\xfe[tool]", "it is not UTF-8"),
        (b'tool = "x"\n', "[tool] must be a table"),
        (b"[tool.llm-compliance]\nxfail = 5\n", "xfail must map check ids to reasons"),
    ],
    ids=["not-utf8", "tool-string", "xfail-number"],
)
def test_a_bad_pyproject_is_one_line_and_exit_2(tmp_path, content, says):
    (tmp_path / "pyproject.toml").write_bytes(content)
    result = subprocess.run(
        [CLI, "check"], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_a_step_summary_in_a_missing_folder_is_a_warning(tmp_path):
    env = {**os.environ, "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "no/s.md")}
    result = subprocess.run(
        [CLI, "check", "--select", "docs"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "GITHUB_STEP_SUMMARY" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_exception_that_cannot_be_printed_is_still_one_line(tmp_path):
    result, _, _ = run_cli(tmp_path, "tests.hostile_process:RaisesUnprintable")
    assert result.returncode == 2
    assert "its message cannot be printed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("model", "check_id"),
    [
        (hostile.StrRaises, "interface.identifying_params"),
        (hostile.SignatureIs42, "interface.signatures"),
    ],
)
def test_a_models_fault_is_a_verdict_never_a_harness_error(tmp_path, model, check_id):
    result, data, _ = run_cli(tmp_path, f"tests.hostile_process:{model.__name__}")
    assert result.returncode == 1, result.stdout + result.stderr
    got = outcomes(data)
    assert got[check_id] == "failed"
    assert "error" not in got.values()


@pytest.mark.parametrize("model", [hostile.PrintsKeyWhenBuilt, hostile.WritesKeyToFd2])
def test_a_canary_printed_while_the_model_is_built_fails_no_leak(tmp_path, model):
    result, data, _ = run_cli(
        tmp_path, f"tests.hostile_process:{model.__name__}", "--select", "secrets"
    )
    assert outcomes(data)["secrets.no_leak"] == "failed"
    assert "lcc-canary" not in result.stdout + result.stderr + json.dumps(data)


def test_what_the_model_printed_is_attached_to_the_report_masked(tmp_path):
    import jsonschema

    from tests.test_cli import SCHEMA_PATH

    _result, data, _ = run_cli(
        tmp_path, "tests.hostile_process:PrintsKeyWhenBuilt", "--select", "docs"
    )
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text()))
    target = data["targets"][0]
    assert target["isolation"] == "process"
    assert "connecting with key=***" in target["captured_output"]
    assert_no_secret(target["captured_output"])


IN_PROCESS_HOSTILE = [
    "HangsInCall",
    "EndlessStream",
    "SilentAstream",
    "RaisesEverywhere",
    "ReturnsANumber",
    "YieldsStrings",
    "PrintsItsKey",
    "ThreadedStreamLeak",
    "LeavesAThread",
    "PrintsKeyFromItsThread",
]


@pytest.mark.parametrize("name", IN_PROCESS_HOSTILE)
def test_the_hostile_gallery_gets_a_full_report_through_the_child(tmp_path, name):
    """tests/hostile.py's models, through the default isolated CLI: exit 1, a verdict for
    every check, no key in any form anywhere, and no process of the run left behind."""
    result, data, _elapsed = run_cli(tmp_path, f"tests.hostile:{name}")
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr
    assert set(outcomes(data)) == set(catalog())
    assert "error" not in outcomes(data).values()
    for secret in ("sk-hostile-printed", "sk-hostile-thread"):
        for text in (result.stdout, result.stderr, json.dumps(data)):
            assert secret not in text
            assert secret[:10] not in text
    assert not processes_in(tmp_path), "a process of the run outlived it"


def processes_in(folder: Path) -> list[int]:
    """Processes whose working directory is ``folder`` (the run's own, not other tests')."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")) == folder:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_the_parent_imports_neither_the_model_nor_langchain(tmp_path):
    """With isolation, the CLI's own process never imports the user's code (nor LangChain).

    Not for writing any report either (the HTML page once imported the checks).
    """
    code = (
        "import sys\n"
        "from pytest_llm_compliance.faces.cli.main import main\n"
        "main(['check', 'tests.hostile_process:ExitsInCall', '--params', '{\"n\": 64}',"
        " '--select', 'docs', '--report-html', 'r.html', '--report-json', 'r.json',"
        " '--report-md', 'r.md', '--junitxml', 'r.xml'], out=open('/dev/null', 'w'))\n"
        "heavy = ('langchain', 'pydantic', 'httpx', 'tests', 'reference_llm')\n"
        "print(sorted({m for m in sys.modules if m.startswith(heavy)}))\n"
    )
    env = {**os.environ, "PYTHONPATH": SOURCE_PATH, "LLM_COMPLIANCE_ISOLATION": "process"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert all((tmp_path / name).stat().st_size for name in ("r.html", "r.json", "r.md", "r.xml"))


def test_the_catalog_file_is_the_live_catalog():
    from pytest_llm_compliance.checks._api import catalog
    from pytest_llm_compliance.core.registry import CATALOG_FILE

    written = json.loads(CATALOG_FILE.read_text())
    live = [
        {"id": c.id, "rule": c.rule, "source": c.source, "fix": c.fix} for c in catalog().values()
    ]
    assert written == live, (
        "run `python -m pytest_llm_compliance.checks._api` to rewrite catalog.json"
    )
