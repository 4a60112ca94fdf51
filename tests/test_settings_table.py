"""One settings table: every face's options are made from ``core.settings.SETTINGS``."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import pytest
import yaml
from pytest_llm_compliance.core.settings import KEYS, SETTINGS
from pytest_llm_compliance.faces.api import check_llm
from pytest_llm_compliance.faces.pytest.testclass import ComplianceChecks

from tests.paths import ROOT, SOURCE_PATH

ACTION = ROOT / ".github/actions/llm-compliance/action.yml"
ACTION_OWN_INPUTS = {
    "target",
    "params",
    "packages",
    "select",
    "deselect",
    "report-json",
    "report-md",
    "report-html",
    "junitxml",
    "working-directory",
}
"""The Action's inputs that are not settings: what to check, what to install, where to write."""
BAD_VALUES = {
    "xfail": "no.such_check=why",
    "stop_policy": "bogus",
    "timeout": "-1",
    "stall_ms": "abc",
    "parallel": "1.5",
    "cassettes": str(ROOT / "pyproject.toml"),  # a file, not a folder
    "record_mode": "bogus",
    "isolation": "bogus",
}


def _env(**extra: str) -> dict[str, str]:
    """This environment without any LLM_COMPLIANCE_* variable, importing this checkout."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LLM_COMPLIANCE_")}
    return {**clean, "PYTHONPATH": SOURCE_PATH, "COLUMNS": "200", **extra}


def _action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def test_the_actions_inputs_are_the_settings_table_and_its_own():
    inputs = set(_action()["inputs"])
    assert inputs - ACTION_OWN_INPUTS == {setting.action_input for setting in SETTINGS}


def test_the_action_passes_each_setting_as_its_environment_variable():
    run_step = next(step for step in _action()["runs"]["steps"] if step.get("id") == "check")
    env = run_step["env"]
    for setting in SETTINGS:
        assert env[setting.env_var] == f"${{{{ inputs.{setting.action_input} }}}}"
        assert _action()["inputs"][setting.action_input]["default"] == ""  # pyproject's wins


def test_the_test_class_has_an_attribute_per_setting():
    attributes = {name for name in vars(ComplianceChecks) if name.startswith("llm_")}
    settings = {setting.class_attribute for setting in SETTINGS}
    assert settings <= attributes
    assert attributes - settings == {"llm_class", "llm_params", "llm_compliance_record"}


def test_check_llm_takes_every_setting_but_isolation():
    parameters = set(inspect.signature(check_llm).parameters)
    assert {*KEYS} - parameters == {"isolation"}  # check_llm runs in this process, by design


def test_the_cli_and_the_plugin_have_an_option_per_setting():
    cli = subprocess.run(
        [sys.executable, "-m", "pytest_llm_compliance.faces.cli.main", "check", "--help"],
        capture_output=True,
        text=True,
        env=_env(),
        check=True,
    ).stdout
    plugin = subprocess.run(
        [sys.executable, "-m", "pytest", "--help", "-p", "no:randomly"],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT / "tests",
        check=True,
    ).stdout
    for setting in SETTINGS:
        assert setting.cli_flag in cli
        assert setting.env_var in cli
        assert setting.pytest_flag in plugin
        assert setting.ini_key in plugin


@pytest.mark.parametrize("setting", SETTINGS, ids=KEYS)
def test_a_bad_value_from_the_environment_is_one_line_and_exit_2(setting, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pytest_llm_compliance.faces.cli.main", "check"],
        capture_output=True,
        text=True,
        env=_env(**{setting.env_var: BAD_VALUES[setting.key]}),
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"environment variable {setting.env_var}" in lines[0]


@pytest.mark.parametrize("setting", SETTINGS, ids=KEYS)
def test_a_bad_value_on_the_command_line_is_one_line_and_exit_2(setting, tmp_path):
    flag, value = setting.cli_flag, BAD_VALUES[setting.key]
    result = subprocess.run(
        [sys.executable, "-m", "pytest_llm_compliance.faces.cli.main", "check", f"{flag}={value}"],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    error = result.stderr.strip().splitlines()[-1]  # argparse's usage lines come first
    assert error.startswith("llm-compliance"), result.stderr
    assert flag in error or setting.key.replace("_", " ") in error
