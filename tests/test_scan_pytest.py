"""``pytest --llm-scan PACKAGE``: one item per class and check, also under xdist."""

from __future__ import annotations

import pytest
import pytest_llm_compliance.checks  # noqa: F401  (here, not first in an inner run that pytester unloads)

from tests.test_scan import EXPECTED, IDS


@pytest.fixture(autouse=True)
def _quiet_inner_sessions(pytester, monkeypatch):
    monkeypatch.setenv("PYTEST_ADDOPTS", "-W ignore::pytest.PytestDeprecationWarning")


COUNTS = {
    outcome: sum(row.count(outcome) for row in EXPECTED.values())
    for outcome in ("passed", "failed", "skipped")
}


def test_one_item_per_class_and_check_and_one_per_module_that_does_not_import(pytester):
    result = pytester.runpytest("--llm-scan", "tests.scan_fixture", "-rs")
    result.assert_outcomes(
        passed=COUNTS["passed"], failed=COUNTS["failed"], skipped=COUNTS["skipped"] + 1
    )
    result.stdout.fnmatch_lines(
        [
            f"collected {len(EXPECTED) * len(IDS) + 1} items",
            "*= FAILURES =*",
            "*_ secrets.secretstr on tests.scan_fixture.broken:PlainKey _*",
            "credential field(s) not typed SecretStr: api_token: str",
            "*= llm-compliance scan =*",
            "secrets.secretstr * 5 * 2 * 8 * 0 * 0",
            "9 of 15 classes have a failure; 0 model calls",
            "SKIPPED * the module did not import, so its classes were not checked: "
            "ImportError: this module needs the package some_missing_sdk",
        ]
    )


def test_items_are_named_by_class_and_check_and_select_with_k(pytester):
    result = pytester.runpytest(
        "--llm-scan", "tests.scan_fixture.broken", "-k", "PlainKey and secretstr", "-v"
    )
    result.assert_outcomes(failed=2)  # PlainKey and ChatPlainKey
    result.stdout.fnmatch_lines(["tests.scan_fixture.broken:PlainKey::secrets.secretstr FAILED*"])


def test_xdist_spreads_the_classes_and_gives_the_same_verdicts(pytester):
    result = pytester.runpytest_subprocess("--llm-scan", "tests.scan_fixture", "-n", "2")
    result.assert_outcomes(
        passed=COUNTS["passed"], failed=COUNTS["failed"], skipped=COUNTS["skipped"] + 1
    )
    result.stdout.fnmatch_lines(["*= llm-compliance scan =*", "9 of 15 classes have a failure*"])


def test_an_unknown_package_is_a_usage_error(pytester):
    result = pytester.runpytest("--llm-scan", "tests.nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--llm-scan: no module or package named 'tests.nope'*"])


def test_the_ini_option_names_packages(pytester):
    pytester.makeini("[pytest]\nllm_compliance_scan =\n    tests.scan_fixture.compliant\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=14)  # CompliantChat too: chat params read via the cache key
