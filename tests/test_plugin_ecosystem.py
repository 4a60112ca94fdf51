"""The plugin beside pytest-socket, pytest-timeout, pytest's JUnit XML and langchain-tests."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import xmlschema

from tests.conftest import SERVICE_KEY
from tests.paths import SOURCE_PATH

ROOT = Path(__file__).resolve().parent.parent
ECHO = ("--llm", "reference_llm:EchoLLM", "--llm-params", '{"n": 64}')
N_CHECKS = len(__import__("pytest_llm_compliance").catalog())
SKIPS = 7  # EchoLLM: secrets.*, docs.api_link, stop.bound and chat.* do not apply
XUNIT2 = Path(__file__).with_name("junit_xunit2.xsd")


@pytest.fixture(autouse=True)
def _inner_sessions(pytester, monkeypatch):
    """Inner sessions find this repository's modules, in a fixed order, quietly."""
    monkeypatch.setenv("PYTHONPATH", SOURCE_PATH)
    monkeypatch.setenv(
        "PYTEST_ADDOPTS", "-W ignore::pytest.PytestDeprecationWarning -p no:randomly"
    )


ECHO_CLASS = """
from pytest_llm_compliance import LLMComplianceTests
from reference_llm import EchoLLM


class TestEcho(LLMComplianceTests):
    llm_class = EchoLLM
    llm_params = {"n": 64}
"""


# --- pytest-socket -----------------------------------------------------------------


def test_disable_socket_blocks_the_models_sockets_on_llm_items(pytester, echo_server):
    params = json.dumps({"n": 64, "base_url": echo_server.url, "api_key": SERVICE_KEY})
    service = ("--llm", "reference_llm:EchoServiceLLM", "--llm-params", params, "-k", "invoke")
    blocked = pytester.runpytest_subprocess(*service, "--disable-socket", "--allow-unix-socket")
    blocked.assert_outcomes(errors=2)  # methods.invoke and methods.ainvoke: could not check
    blocked.stdout.fnmatch_lines(["*blocked by pytest-socket*SocketBlockedError*"])
    allowed = pytester.runpytest_subprocess(*service, "--allow-hosts", "127.0.0.1")
    allowed.assert_outcomes(passed=2)


SERVICE_CLASS = """
import pytest
from pytest_llm_compliance import LLMComplianceTests
from reference_llm import EchoServiceLLM
from tests.paths import SOURCE_PATH

{marker}
class TestService(LLMComplianceTests):
    llm_class = EchoServiceLLM
    llm_params = {params}
"""


def test_a_test_class_in_its_child_is_guarded_as_pytest_socket_guards_it(pytester, echo_server):
    params = {"n": 64, "base_url": echo_server.url, "api_key": SERVICE_KEY}
    args = ("-k", "invoke", "--disable-socket", "--allow-unix-socket")
    pytester.makepyfile(SERVICE_CLASS.format(marker="", params=params))
    blocked = pytester.runpytest_subprocess(*args)
    blocked.assert_outcomes(errors=2)  # the model's socket, in the isolation child
    blocked.stdout.fnmatch_lines(["*blocked by pytest-socket*SocketBlockedError*"])
    marker = '@pytest.mark.allow_hosts(["127.0.0.1"])'
    pytester.makepyfile(SERVICE_CLASS.format(marker=marker, params=params))
    allowed = pytester.runpytest_subprocess(*args)
    allowed.assert_outcomes(passed=2)  # the class's marker reaches the child too


@pytest.mark.parametrize("face", ["option", "class"])
def test_the_harness_loop_is_not_blamed_under_disable_socket(pytester, face):
    if face == "class":
        pytester.makepyfile(ECHO_CLASS)
    args = ECHO if face == "option" else ()
    result = pytester.runpytest_subprocess(*args, "--disable-socket")  # no unix sockets either
    extra = 1 if face == "class" else 0  # test_no_overrides_DO_NOT_OVERRIDE
    result.assert_outcomes(passed=N_CHECKS - SKIPS + extra, skipped=SKIPS)


# --- pytest-timeout ----------------------------------------------------------------


@pytest.mark.parametrize("where", ["option", "marker"])
def test_a_hanging_model_is_reported_hung_within_pytest_timeouts_limit(pytester, where):
    hang = ("--llm", "tests.hostile:HangsInCall", "--llm-params", '{"n": 64}')
    if where == "option":
        result = pytester.runpytest_subprocess(*hang, "--timeout", "20", "-k", "methods")
    else:
        pytester.makepyfile(
            "import pytest\nfrom pytest_llm_compliance import LLMComplianceTests\n"
            "from tests.hostile import HangsInCall\n\n\n"
            "@pytest.mark.timeout(20)\nclass TestHangs(LLMComplianceTests):\n"
            "    llm_class = HangsInCall\n    llm_params = {'n': 64}\n"
        )
        result = pytester.runpytest_subprocess("-k", "methods")
    output = result.stdout.str() + result.stderr.str()
    result.assert_outcomes(failed=2, passed=4)  # invoke and batch hang; the rest is native
    # a fifth of pytest-timeout's 20 s (the rest: the isolation child's start-up, which a
    # busy machine makes long, and the other calls)
    assert "did not finish within 4 s" in output
    assert "Timeout" not in output  # pytest-timeout never fired: no stack dump
    assert len(output.splitlines()) < 200


# --- pytest's JUnit XML ------------------------------------------------------------------


@pytest.mark.parametrize("family", ["xunit2", "xunit1"])
def test_pytests_junitxml_is_valid_with_the_plugin(pytester, family):
    pytester.makepyfile(ECHO_CLASS)
    pytester.makepyfile(test_plain="def test_plain(record_property):\n    pass\n")
    report = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        *ECHO, "--junitxml", str(report), "-o", f"junit_family={family}", "-p", "no:warnings"
    )
    assert result.ret == 0, result.stdout.str()
    text = report.read_text()
    assert 'name="llm_compliance"' not in text  # the record travels with the report, not in it
    assert "<properties>" not in text
    assert text.count("<testcase ") == 2 * N_CHECKS + 2
    if family == "xunit2":
        xmlschema.XMLSchema(XUNIT2).validate(str(report))


def test_the_xunit2_schema_rejects_properties_in_a_test_case(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<testsuites><testsuite name="s" tests="1" failures="0" errors="0">'
        '<testcase name="t"><properties><property name="k" value="{}"/></properties>'
        "</testcase></testsuite></testsuites>"
    )
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        xmlschema.XMLSchema(XUNIT2).validate(str(bad))


# --- langchain-tests: the mixin, and the test class without it -------------------------

MIXIN_CLASS = """
import pytest
from langchain_tests.unit_tests import ChatModelUnitTests

from bench.models import EchoChatModel
from pytest_llm_compliance.faces.pytest.mixin import LLMComplianceMixin
from reference_llm import EchoLLM


class TestBoth(LLMComplianceMixin, ChatModelUnitTests):
    @property
    def chat_model_class(self):
        return EchoChatModel

    @property
    def chat_model_params(self):
        return {{"n": 64}}
{extra}
"""


def langchain_tests_outcomes(result) -> dict[str, str]:
    found = re.findall(r"::TestBoth::(\w+) (PASSED|FAILED|SKIPPED|ERROR)", result.stdout.str())
    return dict(found)


def test_the_mixin_runs_both_suites_in_one_class(pytester):
    pytester.makepyfile(MIXIN_CLASS.format(extra="    llm_class = EchoLLM\n"))
    result = pytester.runpytest_subprocess("-v", "-o", "asyncio_mode=auto")
    outcomes = langchain_tests_outcomes(result)
    assert outcomes["test_no_overrides_DO_NOT_OVERRIDE"] == "PASSED"  # langchain-tests' own
    assert outcomes["test_llm_compliance_no_overrides_DO_NOT_OVERRIDE"] == "PASSED"
    assert outcomes["test_init"] == "PASSED"  # one of langchain-tests' unit tests
    assert outcomes["test_stop_included"] == "PASSED"  # one of the checks, on llm_class
    assert outcomes["test_secrets_no_leak"] == "SKIPPED"
    result.stdout.fnmatch_lines(["reference_llm.echo:EchoLLM (text LLM, stop policy: include)"])
    result.stdout.fnmatch_lines([f"  {N_CHECKS - SKIPS} passed, {SKIPS} skipped; *"])


def test_the_mixin_checks_langchain_tests_chat_model_class(pytester):
    """Without model_class, the checks look at the chat model both suites share."""
    pytester.makepyfile(MIXIN_CLASS.format(extra=""))
    result = pytester.runpytest_subprocess(
        "-v", "-o", "asyncio_mode=auto", "-k", "test_stop_ or test_chat_ or test_docs_"
    )
    result.stdout.fnmatch_lines(["bench.models:EchoChatModel (chat model, stop policy: include)"])
    outcomes = langchain_tests_outcomes(result)
    assert outcomes["test_chat_tool_calls"] == "PASSED"
    assert outcomes["test_stop_bound"] == "PASSED"
    assert outcomes["test_docs_api_link"] == "SKIPPED"


def test_the_mixin_enforces_no_overrides_beside_langchain_tests(pytester):
    extra = "    llm_class = EchoLLM\n\n    def test_methods_batch(self, request):\n        pass\n"
    pytester.makepyfile(MIXIN_CLASS.format(extra=extra))
    result = pytester.runpytest_subprocess("-v", "-o", "asyncio_mode=auto", "-k", "DO_NOT_OVERRIDE")
    outcomes = langchain_tests_outcomes(result)
    assert outcomes["test_llm_compliance_no_overrides_DO_NOT_OVERRIDE"] == "FAILED"
    assert outcomes["test_no_overrides_DO_NOT_OVERRIDE"] == "PASSED"
    result.stdout.fnmatch_lines(["*overridden without @pytest.mark.xfail*test_methods_batch*"])


def test_the_test_class_needs_no_langchain_tests():
    code = (
        "import sys\n"
        "import pytest_llm_compliance.faces.pytest.testclass\n"
        "import pytest_llm_compliance.faces.pytest.mixin\n"
        "print(sorted(m for m in sys.modules if m.startswith('langchain_tests')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
