"""Stop policy, stop planning, nondeterministic models and canaries."""

from __future__ import annotations

import pytest
from pytest_llm_compliance import check_llm
from pytest_llm_compliance.core.outcomes import Outcome
from pytest_llm_compliance.observe.stop_plan import plan_stops

from tests.gallery import BROKEN, PARAMS, RandomWords, StripsStop

ECHO = "reference_llm:EchoLLM"


def by_id(records):
    return {record.id: record for record in records}


def test_a_class_declared_exclude_that_strips_passes():
    records = by_id(check_llm(StripsStop, PARAMS, stop_policy="exclude", select_ids=["stop"]))
    assert records["stop.included"].outcome is Outcome.PASSED
    assert "policy exclude" in records["stop.included"].message


def test_a_class_declared_exclude_that_keeps_the_stop_fails():
    records = by_id(check_llm(ECHO, PARAMS, stop_policy="exclude", select_ids=["stop"]))
    assert records["stop.respected"].outcome is Outcome.PASSED
    included = records["stop.included"]
    assert included.outcome is Outcome.FAILED
    assert "declared with stop policy 'exclude' but keeps it" in included.message


def test_stripping_without_declaring_explains_both_options():
    message = by_id(check_llm(StripsStop, PARAMS, select_ids=["stop"]))["stop.included"].message
    assert "either keep it, or declare stop policy 'exclude'" in message


@pytest.mark.parametrize(
    ("output", "stop", "kept"),
    [
        ("The quick brown fox. Does it jump?", ["oes", "."], "The quick brown fox."),
        ("(a) b? c", ["? c", ")"], "(a)"),  # a metacharacter at 0 has no text before it
        ("hello world again", [" ag", " w"], "hello w"),  # no metacharacter: a pair
    ],
)
def test_invoke_gets_a_late_sequence_listed_before_an_early_metacharacter(output, stop, kept):
    plan = plan_stops(output, {})
    assert plan is not None
    case = plan.cases["invoke"]
    assert case.stop == stop
    assert case.kept == kept
    assert case.cut == kept[: -len(stop[-1])]
    assert plan.never not in output
    late_at, early_at = output.find(stop[0]), output.find(stop[1])
    assert late_at > early_at + len(stop[1]) - 1  # the one listed first occurs last


def test_ainvoke_gets_a_plain_word_that_no_regex_can_mangle():
    case = plan_stops("The quick brown fox. Does it jump?", {}).cases["ainvoke"]
    assert case.stop == ["quick"]
    assert (case.kept, case.cut) == ("The quick", "The ")


def test_the_streams_get_a_stop_split_across_their_own_chunks():
    output = "The quick brown fox. Does it jump?"
    chunks = ["The qu", "ick br", "own fox. Does it jump?"]
    plan = plan_stops(output, {"stream": chunks, "astream": None})
    split = plan.cases["stream"]
    assert split.stop == ["uic"]
    boundary = len(chunks[0])
    assert split.at < boundary < split.at + len(split.first)  # it straddles the boundary
    assert plan.cases["astream"].stop == ["quick"]  # no chunks: the plain word
    assert any("astream gave no chunk boundary" in note for note in plan.notes)


def test_no_plan_for_a_tiny_answer():
    assert plan_stops("hi!", {}) is None


def test_a_tiny_answer_skips_the_stop_checks_and_says_why():
    records = by_id(check_llm(ECHO, {"n": 3}, select_ids=["stop"]))
    for check_id in ("stop.respected", "stop.included"):
        assert records[check_id].outcome is Outcome.SKIPPED
        assert "too short" in records[check_id].message


def test_a_nondeterministic_compliant_model_passes_and_says_how():
    records = check_llm(RandomWords, PARAMS)
    failing = {r.id: r.message for r in records if r.outcome in (Outcome.FAILED, Outcome.ERROR)}
    assert not failing
    messages = by_id(records)
    for check_id in ("methods.batch", "methods.stream", "stop.respected", "async.parity"):
        assert "not deterministic" in messages[check_id].message, check_id


def test_no_canary_ever_reaches_a_record():
    leaky = [model for model, check_id in BROKEN.items() if check_id.startswith("secrets.")]
    for model in leaky:
        for record in check_llm(model, PARAMS, select_ids=["secrets"]):
            assert "lcc-canary" not in record.message, (model.__name__, record.id)
    message = by_id(check_llm(BROKEN_LEAK, PARAMS, select_ids=["secrets"]))["secrets.no_leak"]
    assert "'<raw api_token>'" in message.message
    assert "'***'" not in message.message
    assert "_identifying_params shows api_token" in message.message


BROKEN_LEAK = next(m for m, i in BROKEN.items() if m.__name__ == "KeyInIdentifyingParams")


def test_a_key_from_the_environment_is_masked(monkeypatch):
    monkeypatch.setenv("MY_PROVIDER_API_KEY", "sk-env-secret-7f9a")
    records = check_llm(BROKEN_LEAK, {**PARAMS, "api_token": "sk-env-secret-7f9a"})
    assert all("sk-env-secret-7f9a" not in r.message for r in records)
