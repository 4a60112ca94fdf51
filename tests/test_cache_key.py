"""Issue 19, part 3 (the 0.3 cache-key rule of interface.identifying_params), 4.4 and 4.7.

Each test failed before its fix: the guide's example passed, a ``_stream`` set back to
LangChain's own failed three checks, and an unprintable exception was a harness error.
"""

from __future__ import annotations

from pytest_llm_compliance import check_llm
from pytest_llm_compliance.checks._api import select
from pytest_llm_compliance.core.outcomes import Outcome
from pytest_llm_compliance.core.settings import Settings
from pytest_llm_compliance.scan.classes import check_class

from tests import cache_key_models as models

ID = "interface.identifying_params"


def judge(cls, ids=(ID,), n=8):
    return {r.id: r for r in check_llm(cls, {"n": n}, select_ids=ids, timeout=10)}


def test_the_guides_example_fails_naming_n():
    record = judge(models.GuideLLM)[ID]
    assert record.outcome is Outcome.FAILED, record.message
    assert record.headline.startswith("`n` changes the answer but not the params")
    assert "n=8 answered 'The quic'" in record.message
    assert "n=4 answered 'The '" in record.message
    assert "`_identifying_params` leaves out `n`" in record.message
    assert record.model_calls == 1, "one call for the one field tried"


def test_a_chat_model_whose_params_leave_out_n_fails_too():
    record = judge(models.GuideChatModel)[ID]
    assert record.outcome is Outcome.FAILED, record.message
    assert "`n`" in record.headline


def test_params_naming_n_pass_and_no_field_is_tried():
    record = judge(models.GuideLLMWithN)[ID]
    assert record.outcome is Outcome.PASSED, record.message
    assert "not checked (no init field outside the params" in record.message
    assert record.model_calls == 0


def test_a_field_that_does_not_change_the_answer_shows_nothing():
    record = judge(models.UnusedTemperature)[ID]
    assert record.outcome is Outcome.PASSED, record.message
    assert "temperature=0.35 gave the same answer" in record.message


def test_a_non_deterministic_model_is_not_judged_on_it_and_says_so():
    record = judge(models.RandomAnswers)[ID]
    assert record.outcome is Outcome.PASSED, record.message
    assert "not checked (the model is not deterministic" in record.message
    assert record.model_calls == 0


def test_a_scan_makes_no_call_for_it():
    result = check_class(models.GuideLLMDefaultN, select([ID]), Settings())
    (record,) = result.records
    assert record.outcome is Outcome.PASSED, record.message
    assert record.model_calls == 0
    assert "no model call is made here" in record.message, record.message


def test_a_stream_set_back_to_langchains_own_is_not_an_override():
    ids = ("interface.signatures", "methods.stream", "methods.astream", "chat.tool_calls")
    records = judge(models.StreamResetToBase, ids)
    assert {i: r.outcome for i, r in records.items()} == dict.fromkeys(ids, Outcome.PASSED), {
        i: r.message for i, r in records.items()
    }
    assert "_stream" not in records["interface.signatures"].message


def test_params_raising_an_unprintable_exception_is_a_verdict():
    record = judge(models.ParamsRaiseUnprintable)[ID]
    assert record.outcome is Outcome.FAILED, record.message
    assert "UnprintableError: (its message cannot be printed: str() raises)" in record.message
