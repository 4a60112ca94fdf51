"""A user's project with the usual plugins: the plugin changes nothing it should not.

The sample project (``tests/sample_project``) has its own tests, an ini target
and a test class; its model counts the calls it receives, so the summary's
model-call counts are compared with the calls really made, under every
configuration a maintainer's CI uses.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import SOURCE_PATH

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).resolve().parent / "sample_project"
TARGETS = ("counting_llm:CountingLLM", "test_counting_class.py::TestCountingLLM")
CHECKS = len(__import__("pytest_llm_compliance").catalog())


def run_sample(
    tmp_path: Path, *args: str, **env: str
) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run pytest in a copy of the sample project; return the result and the calls made."""
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project)
    calls = tmp_path / "calls.txt"
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([SOURCE_PATH, str(project)]),
        "CALLS_FILE": str(calls),
        "NO_COLOR": "1",
        **env,
    }
    environment.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", *args],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    made = (
        sum(int(line.split()[1]) for line in calls.read_text().splitlines())
        if calls.exists()
        else 0
    )
    return result, made


def reported(result: subprocess.CompletedProcess[str]) -> list[int]:
    """The model calls of each target's block in the summary."""
    return [
        int(n) for n in re.findall(r"checks in the catalog ran; (\d+) model calls", result.stdout)
    ]


def workers_of(result: subprocess.CompletedProcess[str]) -> dict[str, set[str]]:
    """For each target, the xdist workers its checks ran on (from ``-v`` lines)."""
    found: dict[str, set[str]] = {}
    for worker, nodeid in re.findall(r"^\[(gw\d+)\] \[ *\d+%\] \w+ (\S+)", result.stdout, re.M):
        for target in TARGETS:
            if nodeid.startswith(target + "::") and "no_overrides" not in nodeid:
                found.setdefault(target, set()).add(worker)
    return found


def assert_verdicts(result: subprocess.CompletedProcess[str]) -> None:
    """Both targets fail exactly their two defects; the project's own tests pass."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "INTERNALERROR" not in output
    for test in ("test_plain", "test_async"):
        passed = rf"(PASSED test_unrelated.py::{test}\b|test_unrelated.py::{test} PASSED)"
        assert re.search(passed, output), output
    failed = sorted(set(re.findall(r"^FAILED (\S+)", output, re.M)))
    assert failed == sorted(
        [
            "counting_llm:CountingLLM::methods.batch",
            "counting_llm:CountingLLM::stop.included",
            "test_counting_class.py::TestCountingLLM::test_methods_batch",
            "test_counting_class.py::TestCountingLLM::test_stop_included",
        ]
    ), output


CONFIGURATIONS = {
    "asyncio-strict": ("-p", "asyncio", "-o", "asyncio_mode=strict"),
    "asyncio-auto": ("-p", "asyncio", "-o", "asyncio_mode=auto"),
    "no-socket": ("--disable-socket", "--allow-unix-socket"),
    "no-randomly": ("-p", "no:randomly"),
    "randomly": ("-p", "randomly", "-p", "randomly", "--randomly-seed", "20261202"),
    "reruns": ("--reruns", "2"),
    "warnings-are-errors": ("-W", "error"),
    **{
        f"xdist-{dist}": ("-n", "2", "--dist", dist)
        for dist in ("load", "loadscope", "loadfile", "loadgroup", "worksteal")
    },
    "all-at-once": (
        "-W",
        "error",
        "-n",
        "2",
        "--dist",
        "worksteal",
        "--reruns",
        "1",
        "--disable-socket",
        "--allow-unix-socket",
        "-p",
        "randomly",
        "-o",
        "asyncio_mode=strict",
    ),
}


@pytest.mark.parametrize("args", CONFIGURATIONS.values(), ids=CONFIGURATIONS.keys())
def test_sample_project_counts_exactly_under(tmp_path, args):
    result, made = run_sample(tmp_path, *args)
    assert_verdicts(result)
    counts = reported(result)
    assert len(counts) == 2, result.stdout  # one block per target, printed once
    assert sum(counts) == made, result.stdout  # every call made is reported, none twice
    if "-n" in args:
        assert {t: len(w) for t, w in workers_of(result).items()} == dict.fromkeys(TARGETS, 1)
    if "--reruns" in args:
        assert "RERUN" in result.stdout


def test_dist_each_reports_every_workers_run(tmp_path):
    result, made = run_sample(tmp_path, "-n", "2", "--dist", "each")
    output = result.stdout
    assert result.returncode == 1, output
    assert "counting_llm:CountingLLM on gw0 (text LLM, stop policy: include)" in output
    assert "counting_llm:CountingLLM on gw1 (text LLM, stop policy: include)" in output
    counts = reported(result)
    assert len(counts) == 4, output  # two targets, each on both workers
    assert sum(counts) == made, output
