"""``llm-compliance scan``: each verdict on the purpose-built package, the CLI, its failures.

``tests/scan_fixture`` holds one class per verdict; ``tests/scan_hostile``
holds modules that crash, exit, hang or phone home at import (only ever
imported by worker processes).
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from pytest_llm_compliance.faces.cli.main import main
from pytest_llm_compliance.reports.formats import SCHEMA_PATH
from pytest_llm_compliance.scan.modules import ScanError, ScanJob, module_names
from pytest_llm_compliance.scan.scanner import ScanResult, scan, scan_checks

from tests.paths import SOURCE_PATH

ROOT = Path(__file__).resolve().parent.parent
IDS = (
    "interface.llm_type",
    "interface.identifying_params",
    "interface.signatures",
    "secrets.secretstr",
    "docs.class_docstring",
    "docs.init_args",
    "docs.api_link",
)
P, F, S = "passed", "failed", "skipped"
EXPECTED = {
    # class: outcomes in the order of IDS
    "compliant:CompliantLLM": (P, P, P, P, P, P, P),
    "compliant:CompliantChat": (P, P, P, P, P, P, P),  # chat params: read through the cache key
    "lookalikes:NotCredentials": (P, P, P, P, P, P, P),  # prompt_key, app_id, url: no secrets
    "lookalikes:PassThrough": (P, P, P, S, P, S, S),  # (*args, **kwargs) accepts everything
    "broken:PlainKey": (P, S, P, F, P, P, P),  # needs api_token: does not build
    "broken:StreamReturnsGenerator": (P, P, F, S, P, S, S),
    "broken:MissingStop": (P, P, F, S, P, S, S),
    "broken:TypeNotAProperty": (F, P, P, S, P, S, S),
    "broken:NoDocs": (P, P, P, S, F, F, S),
    "broken:NoApiLink": (P, P, P, P, P, P, F),
    "broken:UnstableParams": (P, F, P, S, P, S, S),  # built with no arguments: judged
    "broken:ChatPlainKey": (P, P, P, F, P, P, P),
    "broken:ChatMissingStop": (P, P, F, S, P, S, S),
    "network:ConnectsWhenBuilt": (P, S, P, S, P, S, S),  # its connection is refused
    "noisy:NoisyLLM": (P, P, P, P, P, P, P),
}


@pytest.fixture(scope="module")
def fixture_scan() -> ScanResult:
    """The purpose-built package, scanned in this process."""
    return scan(["tests.scan_fixture"], ScanJob(IDS), workers=0)


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(args), out=out), out.getvalue()


def outcomes(result: ScanResult) -> dict[str, tuple[str, ...]]:
    return {
        cls.label.removeprefix("tests.scan_fixture."): tuple(r.outcome.value for r in cls.records)
        for cls in result.classes
    }


def test_each_class_gets_its_verdicts(fixture_scan):
    assert outcomes(fixture_scan) == EXPECTED
    assert all(
        cls.records and [r.id for r in cls.records] == list(IDS) for cls in fixture_scan.classes
    )


def test_only_classes_defined_in_a_module_and_not_abstract_are_found(fixture_scan):
    labels = [cls.label for cls in fixture_scan.classes]
    assert labels.count("tests.scan_fixture.compliant:CompliantLLM") == 1  # re-exported twice
    assert not any("AbstractBase" in label or "FakeListLLM" in label for label in labels)
    assert [cls.kind for cls in fixture_scan.classes].count("chat") == 3


def test_an_import_error_is_reported_per_module_and_the_scan_goes_on(fixture_scan):
    assert [(m.name, m.error) for m in fixture_scan.failed_imports] == [
        (
            "tests.scan_fixture.does_not_import",
            "ImportError: this module needs the package some_missing_sdk",
        )
    ]


def test_the_messages_say_what_is_wrong_precisely(fixture_scan):
    records = {
        (cls.label.rpartition(":")[2], r.id): r for cls in fixture_scan.classes for r in cls.records
    }
    stream = records["StreamReturnsGenerator", "interface.signatures"]
    assert stream.headline == "_stream: returns an iterator instead of being a generator function"
    assert "(`return self._chunks(prompt)` at line " in stream.message
    assert records["PlainKey", "secrets.secretstr"].headline.endswith("api_token: str")
    assert records["NotCredentials", "secrets.secretstr"].message == "api_key typed SecretStr"
    chat = records["ChatMissingStop", "interface.signatures"].message
    assert "expected: (self, messages, stop=None, run_manager=None, **kwargs)" in chat
    network = records["ConnectsWhenBuilt", "interface.identifying_params"].message
    assert "does not build with no arguments and no network (NetworkBlocked" in network
    unstable = records["UnstableParams", "interface.identifying_params"].headline
    assert unstable == "_identifying_params holds values that are not JSON-serialisable"
    assert all(r.model_calls == 0 for r in records.values())


def test_which_checks_a_scan_runs():
    assert [c.id for c in scan_checks()] == list(IDS)
    assert [c.id for c in scan_checks(["interface"])] == list(IDS[:3])  # an area: its static checks
    with pytest.raises(ScanError, match=r"methods\.invoke needs model calls"):
        scan_checks(["methods.invoke"])
    with pytest.raises(ScanError, match="leave no check a scan can run"):
        scan_checks(["stop"])


def test_module_names_come_from_the_file_system_without_importing():
    names = module_names("tests.scan_hostile")
    assert "tests.scan_hostile.hangs" in names
    assert "tests.scan_hostile.crashes" in names
    assert "tests.scan_hostile.hangs" not in sys.modules
    assert module_names("tests.scan_hostile.survivor") == ["tests.scan_hostile.survivor"]
    assert "tests.scan_hostile" not in sys.modules  # not even the parent package
    with pytest.raises(ScanError, match=r"no module or package named 'tests\.nope'"):
        module_names("tests.nope")
    with pytest.raises(ScanError, match="is not a module or package name"):
        module_names("tests/scan_fixture")


# --- the command line, with worker processes ------------------------------------


@pytest.fixture(autouse=True)
def _repository_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("LLM_COMPLIANCE_XFAIL", raising=False)


def test_the_cli_scans_in_workers_prints_and_exits_1(tmp_path):
    json_path, md_path = tmp_path / "scan.json", tmp_path / "scan.md"
    code, out = run(
        "scan", "tests.scan_fixture", "--workers", "2", "--report-json", str(json_path),
        "--report-md", str(md_path),
    )  # fmt: skip
    assert code == 1
    assert "8 modules (1 did not import), 15 classes (12 LLMs, 3 chat models), 7 checks each" in out
    assert (
        "on an instance built with no arguments and no network: interface.identifying_params" in out
    )
    assert "secrets.secretstr                   5       2       8       0       0" in out
    assert "  tests.scan_fixture.broken:PlainKey\n    FAIL  secrets.secretstr" in out
    assert "tests.scan_fixture.does_not_import: ImportError: this module needs" in out
    assert "105 checks on 15 classes: 70 passed, 10 failed, 25 skipped" in out
    # noisy.py's print, stderr, log record and warning, kept out and counted (its os.write
    # to file descriptor 1 went to the worker's /dev/null)
    assert "1 module printed or warned 4 lines at import (kept out of this output)" in out
    assert "noisy:" not in out
    document = json.loads(json_path.read_text())
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text()))
    assert len(document["targets"]) == 15  # one target per class
    assert document["summary"]["verdict"] == "failed"
    markdown = md_path.read_text()
    assert "| class | `interface.llm_type` |" in markdown
    row = "| `tests.scan_fixture.broken:PlainKey` | ✓ | \N{EN DASH} | ✓ | ✗ | ✓ | ✓ | ✓ | 1 |"
    assert row in markdown
    assert "| **failed** | 1 | 1 | 3 | 2 | 1 | 1 | 1 | 10 |" in markdown


def test_a_compliant_module_exits_0():
    code, out = run("scan", "tests.scan_fixture.compliant", "tests.scan_fixture.lookalikes")
    assert code == 0, out
    assert "PASSED in" in out


def test_expected_failures_of_one_class_or_of_every_class():
    code, out = run(
        "scan", "tests.scan_fixture.broken", "--select", "secrets",
        "--xfail", "PlainKey::secrets.secretstr=kept for compatibility",
        "--xfail", "tests.scan_fixture.broken:ChatPlainKey::secrets.secretstr=same",
    )  # fmt: skip
    assert code == 0, out
    assert re.search(r"secrets\.secretstr +1 +0 +6 +2 +0\n", out)
    code, out = run("scan", "tests.scan_fixture.compliant", "--xfail", "docs.api_link=old docs")
    assert code == 1  # strict, as in `check`: declared to fail, but it passed
    code, out = run("scan", "tests.scan_fixture.compliant", "--xfail", "Nope::docs.api_link=x")
    assert "note: --xfail names Nope, which this scan did not find" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tests.nope"], "no module or package named 'tests.nope'"),
        (["tests.scan_fixture.bases"], "found no BaseLLM or BaseChatModel subclass in"),
        (["tests.scan_fixture", "--select", "stop.respected"], "stop.respected needs model calls"),
        (["tests.scan_fixture", "--select", "nonsense"], "unknown check id or area 'nonsense'"),
        (["tests.scan_fixture", "--workers", "0"], "--workers: workers must be a positive"),
        (["tests.scan_fixture", "--xfail", "X::docs.nope=r"], "unknown check id 'docs.nope'"),
        (["tests.scan_fixture", "--xfail", "X::docs.api_link"], "give CLASS::ID=REASON"),
        (["tests.scan_fixture", "--report-html", "/proc/no/r.html"], "--report-html /proc/no"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    code, out = run("scan", *args)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out


def test_hostile_modules_cost_their_own_result_and_the_scan_ends():
    started = time.perf_counter()
    code, out = run("scan", "tests.scan_hostile", "--module-timeout", "8", "--workers", "2")
    assert time.perf_counter() - started < 60
    assert code == 0, out  # the survivor passes; modules that do not import change no exit code
    assert "7 modules (5 did not import), 1 class (1 LLM, 0 chat models)" in out
    for line in (
        "tests.scan_hostile.crashes: its worker process died while importing or checking it "
        "(exit code 7)",
        "tests.scan_hostile.segfaults: its worker process died while importing or checking it "
        "(signal SIGSEGV)",
        "tests.scan_hostile.exits: SystemExit: 3",
        "tests.scan_hostile.hangs: it did not finish importing and checking within 8 s",
        "tests.scan_hostile.phones_home: URLError: <urlopen error network access is blocked",
    ):
        assert line in out


def _scan_command(*args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest_llm_compliance.faces.cli.main",
        "scan",
        "tests.scan_fixture",
        *args,
    ]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SOURCE_PATH, "NO_COLOR": "1"}


def test_no_progress_line_in_a_pipe():
    result = subprocess.run(
        _scan_command(), cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert result.stderr == ""
    assert "modules]" not in result.stdout


@pytest.mark.parametrize("no_color", ["", "1"], ids=["colour", "NO_COLOR"])
def test_a_progress_line_on_a_terminal_unless_no_color(no_color):
    leader, follower = pty.openpty()
    env = {**_env(), "NO_COLOR": no_color}  # set and empty counts as unset
    with subprocess.Popen(
        _scan_command(), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=follower
    ) as process:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the scan ended
                break
            if not chunk:
                break
            shown += chunk
        assert process.wait(timeout=120) == 1
    os.close(leader)
    text = shown.decode()
    if no_color:  # the progress line is drawn with control sequences: not under NO_COLOR
        assert text == ""
        return
    assert "[8/8 modules] 15 classes checked, 9 with failures" in text
    assert text.endswith("\r\033[K")  # cleared at the end


def test_the_scan_prints_no_secret_from_the_environment(monkeypatch):
    secret = "sk-scan-canary-4c1d9e"
    monkeypatch.setenv("MY_PROVIDER_API_KEY", secret)
    code, out = run("scan", "tests.scan_fixture", "--workers", "1")
    assert code == 1
    assert secret not in out


def test_an_error_of_the_harness_exits_3(monkeypatch):
    from pytest_llm_compliance.checks import _api as registry
    from pytest_llm_compliance.scan import scanner as scan_module

    def broken(obs):
        raise RuntimeError("a bug of the harness")

    check = registry.catalog()["docs.api_link"]
    monkeypatch.setitem(registry._CATALOG, check.id, dataclasses.replace(check, function=broken))
    real = scan_module.scan  # in this process, where the broken check is
    monkeypatch.setattr(
        scan_module, "scan", lambda targets, job, **_: real(targets, job, workers=0)
    )
    code, out = run("scan", "tests.scan_fixture.compliant")
    assert code == 3
    assert "ERROR docs.api_link" in out
    assert "please report this issue" in out


def test_a_modules_time_limit_runs_from_when_its_worker_takes_it_up():
    from pytest_llm_compliance.scan.pool import STARTUP_S, _Worker

    worker = _Worker(process=None, conn=None, module="m", since=100.0)  # type: ignore[arg-type]
    assert worker.deadline(5.0) == 105.0 + STARTUP_S  # a fresh worker may start up first
    worker.started, worker.since = True, 130.0
    assert worker.deadline(5.0) == 135.0
    worker.started, worker.fresh, worker.since = False, False, 140.0
    assert worker.deadline(5.0) == 145.0  # a worker that scanned a module before: no allowance
