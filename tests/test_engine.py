"""The engine: records, expected failures, harness errors, bad input, call counts."""

from __future__ import annotations

import pytest
from pytest_llm_compliance import SettingsError, TargetError, check_llm
from pytest_llm_compliance.checks._api import Check, catalog, select
from pytest_llm_compliance.core.outcomes import Outcome, Verdict
from pytest_llm_compliance.core.settings import Settings
from pytest_llm_compliance.core.targets import load_target
from pytest_llm_compliance.engine import apply_expectation, run_check
from pytest_llm_compliance.observe.core import Observations

from tests.gallery import PARAMS, BatchOutOfOrder

ECHO = "reference_llm:EchoLLM"


def test_records_carry_id_area_outcome_message_duration_and_calls():
    records = check_llm(ECHO, PARAMS, select_ids=["methods.invoke"])
    (record,) = records
    assert (record.id, record.area, record.outcome) == (
        "methods.invoke",
        "methods",
        "passed",
    )
    assert record.target == ECHO
    assert record.model_calls == 3  # str, PromptValue and messages
    assert record.duration_s >= 0


def test_each_observation_is_made_once_and_counted():
    records = {r.id: r for r in check_llm(ECHO, PARAMS)}
    # stream and astream cost one call each; lifecycle reuses everything.
    assert records["methods.stream"].model_calls == 1
    assert records["callbacks.lifecycle"].model_calls == 0
    # the whole catalog stays within the cost goal of 25 calls
    assert sum(r.model_calls for r in records.values()) == 24


def test_selection_by_area_and_id():
    ids = [c.id for c in select(["docs", "methods.invoke"], ["docs.api_link"])]
    assert ids == ["methods.invoke", "docs.class_docstring", "docs.init_args"]
    with pytest.raises(KeyError):
        select(["nonsense"])


def test_expected_failure_that_fails_is_xfailed():
    records = check_llm(BatchOutOfOrder, PARAMS, xfail={"methods.batch": "known, #12"})
    record = {r.id: r for r in records}["methods.batch"]
    assert record.outcome is Outcome.XFAILED
    assert "known, #12" in record.message


def test_expected_failure_that_passes_is_a_failure():
    records = check_llm(ECHO, PARAMS, xfail={"methods.batch": "stale"}, select_ids=["methods"])
    record = {r.id: r for r in records}["methods.batch"]
    assert record.outcome is Outcome.FAILED
    assert "but it passed" in record.message


def test_expectation_leaves_skips_alone():
    verdict = Verdict(Outcome.SKIPPED, "n/a")
    assert apply_expectation(verdict, "reason") == verdict


def test_a_bug_in_a_check_is_an_error_not_a_verdict():
    def broken_check(obs):
        raise ZeroDivisionError("oops")

    check = Check("methods.invoke", "rule", "source", "fix", broken_check)
    obs = Observations(load_target(ECHO, PARAMS), Settings())
    record = run_check(check, obs)
    assert record.outcome is Outcome.ERROR
    assert "bug of pytest-llm-compliance" in record.message
    assert "ZeroDivisionError: oops" in record.message
    assert record.error_source == "harness"
    assert not record.could_not_check


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"xfail": {"methods.batch": ""}}, "needs a non-empty reason"),
        ({"xfail": {"no.such": "x"}}, "unknown check id 'no.such'"),
        ({"stop_policy": "strip"}, "stop policy must be 'include' or 'exclude'"),
        ({"timeout": -1}, "timeout must be a positive number"),
        ({"select_ids": ["nope"]}, "unknown check id or area 'nope'"),
    ],
)
def test_invalid_settings_name_their_source(kwargs, message):
    with pytest.raises(SettingsError, match="check_llm\\(\\)") as caught:
        check_llm(ECHO, PARAMS, **kwargs)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("target", "params", "message"),
    [
        ("reference_llm.EchoLLM", None, "not of the form package.module:Name"),
        ("no_such_module_x:Model", None, "cannot import module 'no_such_module_x'"),
        ("reference_llm:Nope", None, "has no attribute 'Nope'"),
        ("reference_llm.stop:STOP", None, "has no attribute"),
        (
            "reference_llm.server:EchoServer",
            None,
            "is a class but neither a LangChain LLM nor a chat model",
        ),
        (
            "reference_llm.server:MAX_BODY_BYTES",
            None,
            "neither an LLM or chat model class nor a factory",
        ),
        (ECHO, "{not json", "params are not JSON"),
        (ECHO, "[1]", "params must be a JSON object"),
        (ECHO, {"n": -3}, "params fail the class's validation"),
        ("reference_llm.stop:truncate_at_stop", None, "factory raised"),
    ],
)
def test_bad_targets_are_one_line_target_errors(target, params, message):
    with pytest.raises(TargetError) as caught:
        check_llm(target, params)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_factory_target_is_called_for_each_instance():
    from reference_llm import EchoLLM

    built = []

    def factory():
        built.append(1)
        return EchoLLM(n=64)

    records = check_llm(factory, select_ids=["interface.identifying_params"])
    assert records[0].outcome is Outcome.PASSED
    assert len(built) == 2  # the model and its identically configured twin


def test_catalog_ids_have_fix_text_and_link():
    for check in catalog().values():
        assert check.fix.strip(), check.id
        assert check.link.endswith(check.id.replace(".", ""))
        assert check.rule


def test_readme_gives_the_two_fresh_machine_commands_that_ci_runs():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme, ci = (root / "README.md").read_text(), (root / ".ci/run").read_text()
    for command in ("pip install . && llm-compliance check", "pip install -e '.[test]' && pytest"):
        assert f"```bash\n{command}\n```" in readme
    assert "llm-compliance check" in ci
    assert "install_leg tests python3 -e '.[test]'" in ci
    assert 'run_pytest "tests (newest)"\n' in ci  # the whole suite


def test_ci_runs_the_compatibility_matrix():
    from pathlib import Path

    ci = (Path(__file__).resolve().parent.parent / ".ci/run").read_text()
    assert "install_leg oldest python3 -c ci/oldest.txt -e ." in ci
    assert "pip install --quiet -c ci/oldest-extra.txt langchain-tests" in ci
    assert "for version in 3.10 3.13; do" in ci
    assert 'run_pytest "Python $version" "${CORE[@]}"' in ci
    assert "tests/test_ecosystem.py" in ci  # the sample project, on every leg


def test_overlap_changes_neither_verdicts_nor_the_attribution_of_calls():
    serial = [(r.id, r.outcome, r.model_calls) for r in check_llm(ECHO, PARAMS, parallel=1)]
    overlapped = [(r.id, r.outcome, r.model_calls) for r in check_llm(ECHO, PARAMS, parallel=4)]
    assert overlapped == serial


@pytest.mark.parametrize(("value", "message"), [(0, "positive"), (1.5, "whole number")])
def test_parallel_must_be_a_positive_whole_number(value, message):
    with pytest.raises(SettingsError, match=message):
        check_llm(ECHO, PARAMS, parallel=value)


def test_one_event_loop_per_target_even_when_asked_from_many_threads():
    """``cached_property`` has no lock since Python 3.12: the loop is made under one."""
    import threading

    from pytest_llm_compliance.core.settings import Settings
    from pytest_llm_compliance.core.targets import load_target

    obs = Observations(load_target("reference_llm:EchoLLM", {"n": 8}), Settings())
    barrier, loops = threading.Barrier(8), []

    def ask() -> None:
        barrier.wait()
        loops.append(obs.event_loop)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    try:
        assert len(loops) == 8
        assert len({id(loop) for loop in loops}) == 1
    finally:
        obs.close()
