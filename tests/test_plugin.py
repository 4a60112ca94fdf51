"""The pytest plugin, driven the way users drive it (pytester)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest


@pytest.fixture(autouse=True)
def _quiet_inner_sessions(pytester, monkeypatch):
    """pytest-asyncio advises every inner session to set its loop scope; order is fixed."""
    monkeypatch.setenv(
        "PYTEST_ADDOPTS", "-W ignore::pytest.PytestDeprecationWarning -p no:randomly"
    )


ECHO = ("--llm", "reference_llm:EchoLLM", "--llm-params", '{"n": 64}')
N_CHECKS = len(__import__("pytest_llm_compliance").catalog())
SKIPS = 7  # EchoLLM: no credential, no service, no stop field, not chat: secrets.*, docs.api_link,
# stop.bound and chat.*
RUNS = N_CHECKS - SKIPS
TEST_CLASS = """
from pytest_llm_compliance import LLMComplianceTests
from {module} import {name}


class TestModel(LLMComplianceTests):
    llm_class = {name}
    llm_params = {{"n": 64}}
{extra}
"""


def class_source(name: str = "EchoLLM", module: str = "reference_llm", extra: str = "") -> str:
    return TEST_CLASS.format(name=name, module=module, extra=extra)


def test_llm_option_collects_the_checklist_with_no_test_file(pytester):
    result = pytester.runpytest(*ECHO)
    result.assert_outcomes(passed=RUNS, skipped=SKIPS)
    result.stdout.fnmatch_lines(
        [
            f"collected {N_CHECKS} items",
            "*= llm-compliance =*",
            "reference_llm:EchoLLM (text LLM, stop policy: include)",
            "  PASS  interface.llm_type *",
            "  SKIP  docs.api_link *not service-backed*",
            f"  {RUNS} passed, {SKIPS} skipped; {N_CHECKS} of {N_CHECKS} checks in the "
            "catalog ran; * model calls",
        ]
    )


def test_report_header_shows_targets_and_settings(pytester):
    result = pytester.runpytest(*ECHO, "--llm-timeout", "12")
    result.stdout.fnmatch_lines(
        ["llm-compliance: reference_llm:EchoLLM; stop policy include, timeout 12 s*"]
    )


def test_items_are_named_by_check_id_for_k_and_deselect(pytester):
    result = pytester.runpytest(
        *ECHO, "-k", "docs", "--deselect", "reference_llm:EchoLLM::docs.api_link", "-v"
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["reference_llm:EchoLLM::docs.class_docstring PASSED*"])
    result.stdout.fnmatch_lines(["*2 of * checks in the catalog ran*"])


def test_ini_option_lists_targets(pytester):
    pytester.makeini(
        """
        [pytest]
        llm_compliance_targets =
            reference_llm:EchoLLM {"n": 64}
            tests.gallery:BatchOutOfOrder {"n": 64}
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2 * RUNS - 1, skipped=2 * SKIPS, failed=1)
    result.stdout.fnmatch_lines(["*FAIL  methods.batch*batch results are not in input order*"])


def test_test_class_runs_every_check(pytester):
    pytester.makepyfile(class_source())
    result = pytester.runpytest("-v", "-p", "no:randomly")  # the lines below are in order
    result.assert_outcomes(passed=RUNS + 1, skipped=SKIPS)  # + test_no_overrides
    result.stdout.fnmatch_lines(["*TestModel::test_no_overrides*PASSED*"])
    result.stdout.fnmatch_lines(["*TestModel::test_methods_batch PASSED*"])


def test_model_class_takes_a_chat_model(pytester):
    """``model_class``/``model_params`` fit both kinds; the summary names the kind."""
    pytester.makepyfile(
        "from pytest_llm_compliance import LLMComplianceTests\n"
        "from reference_llm import EchoChatModel\n\n\n"
        "class TestChat(LLMComplianceTests):\n"
        "    model_class = EchoChatModel\n"
        "    model_params = {'n': 64}\n"
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=N_CHECKS - 3 + 1, skipped=3)  # secrets.* and docs.api_link
    result.stdout.fnmatch_lines(["*EchoChatModel*(chat model, stop policy: include)"])


def test_k_matches_check_ids_on_test_classes(pytester):
    pytester.makepyfile(class_source())
    result = pytester.runpytest("-k", "methods.batch")
    result.assert_outcomes(passed=1)


def test_failure_message_says_what_and_where(pytester):
    pytester.makepyfile(class_source("BatchOutOfOrder", "tests.gallery"))
    result = pytester.runpytest()
    result.assert_outcomes(passed=RUNS, skipped=SKIPS, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*batch results are not in input order",
            "*expected: *",
            "*observed: *",
            "*fix: see `llm-compliance explain methods.batch`*",
            "*at: *gallery.py:* (BatchOutOfOrder.batch)",
        ]
    )


def test_declared_expected_failure_is_xfailed(pytester):
    extra = '    llm_xfail = {"methods.batch": "provider batches out of order, #7"}'
    pytester.makepyfile(class_source("BatchOutOfOrder", "tests.gallery", extra))
    result = pytester.runpytest("-rx")
    result.assert_outcomes(passed=RUNS, skipped=SKIPS, xfailed=1)
    result.stdout.fnmatch_lines(["  XFAIL methods.batch*provider batches out of order, #7*"])


def test_expected_failure_that_passes_fails_strictly(pytester):
    result = pytester.runpytest(*ECHO, "--llm-xfail", "methods.batch=stale declaration")
    result.assert_outcomes(passed=RUNS - 1, skipped=SKIPS, failed=1)
    result.stdout.fnmatch_lines(
        ["*declared as an expected failure (stale declaration) but it passed*"]
    )


def test_overriding_a_check_without_xfail_fails(pytester):
    extra = "    def test_methods_batch(self, request):\n        pass\n"
    pytester.makepyfile(class_source(extra=extra))
    result = pytester.runpytest()
    result.assert_outcomes(passed=RUNS, skipped=SKIPS, failed=1)
    result.stdout.fnmatch_lines(["*overridden without @pytest.mark.xfail*test_methods_batch*"])


def test_overriding_a_check_with_xfail_and_reason_is_allowed(pytester):
    extra = (
        "    import pytest\n"
        "    @pytest.mark.xfail(reason='batch API pending')\n"
        "    def test_methods_batch(self, request):\n"
        "        raise NotImplementedError\n"
    )
    pytester.makepyfile(class_source(extra=extra))
    result = pytester.runpytest()
    result.assert_outcomes(passed=RUNS, skipped=SKIPS, xfailed=1)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ("--llm", "nonsense"),
            {},
            "command-line option --llm: target 'nonsense' is not of the form*",
        ),
        (("--llm", "no_such_mod_q:X"), {}, "*cannot import module 'no_such_mod_q'*"),
        (
            ("--llm", "reference_llm:EchoLLM", "--llm-params", "{bad"),
            {},
            "*params are not JSON*",
        ),
        (
            ("--llm", "reference_llm:EchoLLM", "--llm-params", '{"n": -1}'),
            {},
            "*fail the class's validation*",
        ),
        ((*ECHO, "--llm-params", "{}"), {}, "*2 --llm-params for 1 --llm*"),
        (
            (*ECHO, "--llm-xfail", "methods.batch"),
            {},
            "*command-line option --llm-xfail: *has no reason*",
        ),
        ((*ECHO, "--llm-xfail", "no.such=x"), {}, "*unknown check id 'no.such'*"),
        (
            (*ECHO, "--llm-timeout", "0"),
            {},
            "*--llm-timeout: timeout must be a positive number*",
        ),
        (
            ECHO,
            {"LLM_COMPLIANCE_TIMEOUT": "soon"},
            "*environment variable LLM_COMPLIANCE_TIMEOUT: *",
        ),
        (
            ECHO,
            {"LLM_COMPLIANCE_STOP_POLICY": "strip"},
            "*LLM_COMPLIANCE_STOP_POLICY: stop policy*",
        ),
    ],
)
def test_bad_input_is_a_usage_error_naming_its_source(pytester, monkeypatch, args, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])
    assert "Traceback" not in result.stderr.str()


def test_invalid_ini_setting_names_the_ini_option(pytester):
    pytester.makeini("[pytest]\nllm_compliance_stop_policy = sometimes\n")
    pytester.makepyfile(class_source())
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: ini option llm_compliance_stop_policy in *: stop policy must be*"]
    )


def test_test_class_settings_take_precedence(pytester, monkeypatch):
    monkeypatch.setenv("LLM_COMPLIANCE_STOP_POLICY", "exclude")
    pytester.makepyfile(class_source(extra='    llm_stop_policy = "include"'))
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*(text LLM, stop policy: include)"])


def test_sessions_without_targets_see_nothing_of_the_plugin(pytester):
    pytester.makepyfile("def test_plain():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    output = result.stdout.str() + result.stderr.str()
    assert "llm-compliance:" not in output  # no report header
    assert "= llm-compliance =" not in output  # no summary section


@pytest.mark.parametrize(
    "args",
    [("-p", "no:asyncio"), ("-o", "asyncio_mode=auto"), ("-o", "asyncio_mode=strict")],
)
def test_checks_do_not_depend_on_the_users_async_setup(pytester, args):
    pytester.makepyfile(class_source())
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=RUNS + 1, skipped=SKIPS)


def test_summary_is_printed_once_under_xdist(pytester):
    pytester.makepyfile(class_source())
    result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=RUNS + 1, skipped=SKIPS)
    assert result.stdout.str().count("= llm-compliance =") == 1
    result.stdout.fnmatch_lines(
        [f"*{RUNS} passed, {SKIPS} skipped; {N_CHECKS} of {N_CHECKS} checks*"]
    )


def test_importing_the_plugin_imports_no_langchain():
    code = (
        "import sys, pytest_llm_compliance.faces.pytest.plugin\n"
        "heavy = ('langchain', 'pydantic', 'httpx')\n"
        "heavy = sorted(m for m in sys.modules if m.startswith(heavy))\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_xdist_keeps_each_target_on_one_worker(pytester):
    targets = []
    for n in (64, 48, 32):
        targets += ["--llm", "reference_llm:EchoLLM", "--llm-params", f'{{"n": {n}}}']
    serial = pytester.runpytest_subprocess(*targets, "-p", "no:cacheprovider")
    parallel = pytester.runpytest_subprocess(*targets, "-n", "2", "-p", "no:cacheprovider")
    for result in (serial, parallel):
        result.assert_outcomes(passed=3 * RUNS, skipped=3 * SKIPS)

    def calls(result):
        return re.findall(r"checks in the catalog ran; (\d+) model calls", result.stdout.str())

    assert calls(serial) == ["24", "24", "24"]
    assert calls(parallel) == calls(serial)  # no observation was repeated on another worker
    assert parallel.stdout.str().count("= llm-compliance =") == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '    llm_xfail = {"methods.batch": ""}',
            "*test class TestModel: expected failure*reason*",
        ),
        ('    llm_stop_policy = "strip"', "*test class TestModel: stop policy must be*"),
        ("    llm_timeout = -1", "*test class TestModel: timeout must be a positive number*"),
        ('    llm_xfail = {"no.such": "x"}', "*test class TestModel: unknown check id 'no.such'*"),
    ],
)
def test_bad_test_class_settings_are_usage_errors(pytester, extra, message):
    pytester.makepyfile(class_source(extra=extra))
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_a_test_class_without_llm_class_is_a_usage_error(pytester):
    pytester.makepyfile(
        "from pytest_llm_compliance import LLMComplianceTests\n\n"
        "class TestModel(LLMComplianceTests):\n    pass\n"
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: test class TestModel: set model_class*"])


def test_params_that_fail_validation_error_each_test_in_one_line(pytester):
    """No check could be run: each test's setup errors (as since 0.3 every ``error`` does)."""
    pytester.makepyfile(class_source().replace('{"n": 64}', '{"n": -5}'))
    result = pytester.runpytest("-k", "methods")
    result.assert_outcomes(errors=6)
    result.stdout.fnmatch_lines(
        ["*reference_llm.echo:EchoLLM: params fail the class's validation*"]
    )
    output = result.stdout.str()
    assert "Traceback" not in output
    assert "During handling" not in output


def test_prefetching_follows_the_selection(pytester):
    result = pytester.runpytest(*ECHO, "-k", "docs or interface")
    result.assert_outcomes(passed=5, skipped=1)
    result.stdout.fnmatch_lines(["*6 of * checks in the catalog ran; 0 model calls"])
    result = pytester.runpytest(*ECHO, "-k", "stop", "--llm-parallel", "1")
    # invoke 3 + ainvoke 3 + batch 3 (determinism) + stream 1 + astream 1 + stop calls 5
    result.stdout.fnmatch_lines(["*3 of * checks in the catalog ran; 16 model calls"])
