"""Installing the plugin adds nothing to a session that checks no LLM, beyond its options.

A fresh venv gets the plugin's own requirements first (LangChain's
langchain-core brings the anyio and langsmith plugins with it: every project
with a LangChain model has them), then the plugin; pytest's help, fixtures,
markers and header are compared before and after.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_llm_compliance

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
OUR_INI = re.compile(r"^  llm_compliance_\w+ \(")
HEADER = f"llm-compliance-{pytest_llm_compliance.__version__}, "
"""How the plugin shows in the header's plugin list."""


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(Path.home())}
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def views(python: Path, suite: Path) -> dict[str, str]:
    """What a user of the suite sees of pytest, with timings blanked."""
    seen = {}
    for name, args in {
        "help": ["--help"],
        "fixtures": ["--fixtures"],
        "markers": ["--markers"],
        "run": ["-W", "error"],
    }.items():
        result = run([str(python), "-m", "pytest", "-p", "no:cacheprovider", *args], suite)
        assert result.returncode == 0, result.stdout + result.stderr
        seen[name] = re.sub(r"in \d+\.\d+s", "in Ns", result.stdout + result.stderr)
    return seen


OUR_GROUPS = ("LangChain LLM compliance checks:", "scan packages: the checks that need no call:")


def without_our_options(help_text: str) -> str:
    """``--help`` without this plugin's option groups and ini options."""
    lines, kept, skipping = help_text.splitlines(), [], False
    for line in lines:
        if line in OUR_GROUPS:
            skipping = True
        elif skipping is True and not line.strip():  # a group ends at a blank line
            skipping = False
            continue
        elif OUR_INI.match(line):
            skipping = "ini"
            continue
        elif skipping == "ini" and not line.startswith(" " * 8):
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


@pytest.fixture(scope="module")
def footprint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("footprint")
    subprocess.run([sys.executable, "-m", "venv", str(folder / "venv")], check=True, timeout=300)
    python = folder / "venv" / "bin" / "python"
    suite = folder / "suite"
    suite.mkdir()
    (suite / "test_unrelated.py").write_text("def test_plain():\n    assert 1 + 1 == 2\n")
    requirements = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    assert run([*pip, *requirements], folder).returncode == 0
    freeze_before = run([str(python), "-m", "pip", "freeze"], folder).stdout
    before = views(python, suite)
    installed = run([*pip, str(ROOT)], folder)
    assert installed.returncode == 0, installed.stderr
    freeze_after = run([str(python), "-m", "pip", "freeze"], folder).stdout
    return {
        "before": before,
        "after": views(python, suite),
        "new packages": set(freeze_after.splitlines()) - set(freeze_before.splitlines()),
        "python": python,
        "suite": suite,
    }


def test_installing_brings_no_other_package(footprint):
    assert [p.split("=")[0].split(" @ ")[0] for p in footprint["new packages"]] == [
        "pytest-llm-compliance"
    ]


def test_help_gains_only_the_plugins_own_options(footprint):
    before, after = footprint["before"]["help"], footprint["after"]["help"]
    assert "--llm=MODULE:NAME" in after
    assert "llm_compliance_targets (linelist)" in after
    assert without_our_options(after) == without_our_options(before) == before.rstrip("\n")


@pytest.mark.parametrize("view", ["fixtures", "markers"])
def test_fixtures_and_markers_are_unchanged(footprint, view):
    after = footprint["after"][view].replace(HEADER, "")  # the header's plugin list
    assert after == footprint["before"][view]


def test_an_unrelated_suite_passes_under_warnings_as_errors(footprint):
    before, after = footprint["before"]["run"], footprint["after"]["run"]
    assert "1 passed" in after
    assert after.replace(HEADER, "") == before  # the header's plugin list


def test_checking_a_class_under_warnings_as_errors(footprint):
    command = [str(footprint["python"]), "-m", "pytest", "-W", "error", "-p", "no:cacheprovider"]
    command += ["--llm", "reference_llm:EchoLLM", "--llm-params", '{"n": 64}']
    result = run(command, footprint["suite"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "21 passed, 7 skipped" in result.stdout  # 20 checks and the unrelated test
