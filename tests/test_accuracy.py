"""Verdict accuracy: one test per class of bug that once gave a false alarm or a silent pass.

Each test failed on the harness before its fix (issue "Right verdicts on real
published classes"); the numbers in the section titles are the issue's.
"""

from __future__ import annotations

import asyncio
import inspect

import pytest
from pytest_llm_compliance import check_llm
from pytest_llm_compliance.checks._api import catalog
from pytest_llm_compliance.core.outcomes import Outcome
from pytest_llm_compliance.observe.introspect import read_facts

from tests import accuracy_models as models
from tests.gallery import PARAMS


def run(target, params=None, ids=()):
    records = check_llm(target, params, select_ids=ids, timeout=10)
    return {record.id: record for record in records}


# --- 1. no check passes without having looked ------------------------------------------


def test_a_factory_target_gets_canaries_and_its_leak_is_caught():
    record = run(models.leaky_factory, ids=["secrets.no_leak"])["secrets.no_leak"]
    assert record.outcome is Outcome.FAILED, record.message
    assert "_identifying_params shows api_key" in record.message
    assert models.REAL_KEY not in record.message


def test_no_canary_instance_means_skipped_with_the_reason_never_passed():
    record = run(models.rejecting_factory, ids=["secrets.no_leak"])["secrets.no_leak"]
    assert record.outcome is Outcome.SKIPPED
    assert "no instance could be built with canary credentials" in record.message
    assert "the key does not look like a key" in record.message


# --- 2. the model's own classes are found by where they are defined ---------------------


def test_a_class_defined_in_langchain_core_is_seen_to_stream():
    from langchain_core.language_models.fake import FakeStreamingListLLM

    facts = read_facts(FakeStreamingListLLM(responses=["x"]))
    assert {"stream", "astream"} <= facts.overrides
    records = run(
        FakeStreamingListLLM, {"responses": ["The quick brown fox. Jumps?"]}, ["streaming"]
    )
    assert records["streaming.new_token"].outcome is not Outcome.SKIPPED


def test_a_mixin_listed_after_the_base_has_its_field_docstrings_read():
    record = run(models.MixinAfterBase, ids=["docs.init_args"])["docs.init_args"]
    assert record.outcome is Outcome.PASSED, record.message
    assert read_facts(models.MixinAfterBase()).fields.keys() >= {"n", "model_name"}


# --- 3. cancellation --------------------------------------------------------------------


def test_cancellation_is_skipped_when_astream_is_langchains_fallback():
    record = run(models.CallOnly, ids=["async.cancellation"])["async.cancellation"]
    assert record.outcome is Outcome.SKIPPED
    assert "fallback" in record.message


def test_a_stream_that_swallows_the_cancel_while_waiting_fails():
    record = run(models.SwallowsCancelWhileWaiting, PARAMS, ["async.cancellation"])
    verdict = record["async.cancellation"]
    assert verdict.outcome is Outcome.FAILED
    assert "landed in the stream" in verdict.message


def test_a_producer_finishing_after_the_consumer_left_fails():
    record = run(models.ProducerOutlivesConsumer, PARAMS, ["async.cancellation"])
    verdict = record["async.cancellation"]
    assert verdict.outcome is Outcome.FAILED
    assert "tasks still running after the stream ended" in verdict.message
    assert "_astream" in verdict.message.splitlines()[-1]


# --- 4. the stop plan -------------------------------------------------------------------


def test_a_stream_testing_each_chunk_for_a_split_stop_fails():
    record = run(models.PerChunkStopStream, PARAMS, ["stop.respected"])["stop.respected"]
    assert record.outcome is Outcome.FAILED
    assert "straddles two chunks" in record.message
    assert "stream(stop=" in record.message
    assert "invoke(stop=" not in record.message.replace("ainvoke(stop=", "")


def test_a_regex_split_is_caught_on_both_rules():
    records = run(models.RegexSplitStop, PARAMS, ["stop"])
    assert records["stop.respected"].outcome is Outcome.FAILED
    assert "matched as a pattern" in records["stop.respected"].message
    included = records["stop.included"]
    assert included.outcome is Outcome.FAILED  # the plain word is dropped
    assert "ainvoke(stop=['quick']) cut" in included.message


# --- 5. key providers -------------------------------------------------------------------


def test_a_key_provider_beside_secretstr_is_accepted():
    record = run(models.KeyProvider, PARAMS, ["secrets.secretstr"])["secrets.secretstr"]
    assert record.outcome is Outcome.PASSED, record.message


# --- 6. a vendor SDK's blocking call is blamed --------------------------------------------


def test_a_vendor_sdks_sync_open_on_the_loop_fails_non_blocking():
    record = run(models.SdkReadsTokenFile, PARAMS, ["async.non_blocking"])["async.non_blocking"]
    assert record.outcome is Outcome.FAILED, record.message
    assert "Blocking call to" in record.message


def test_langchain_core_and_the_harness_are_never_blamed():
    import langchain_core
    import pytest_llm_compliance
    from pytest_llm_compliance.observe.loop_monitor import blame_scope

    scope = blame_scope(models.CallOnly)
    excluded = " ".join(scope.excluded)
    assert langchain_core.__path__[0] in excluded
    assert pytest_llm_compliance.__path__[0] in excluded


# --- 7. a stall is the model's only when its thread ran -----------------------------------


def test_a_stall_in_which_the_loop_thread_did_not_run_is_not_the_models():
    """The loop thread waits in ``select`` (no blocking detector on): to the heartbeat
    that is the same as a thread the OS did not schedule, and must not count."""
    import select

    from pytest_llm_compliance.observe.loop_monitor import watch

    async def descheduled() -> None:
        select.select([], [], [], 0.12)  # the thread waits, as when the OS does not run it

    async def busy() -> None:
        import time

        deadline = time.thread_time() + 0.12
        while time.thread_time() < deadline:
            pass

    async def measure(body):
        _, watched = await watch(body, None)
        return watched.max_stall_ms

    assert asyncio.run(measure(descheduled)) < 50
    assert asyncio.run(measure(busy)) > 100


# --- 8. messages that point at the right place and name every path -----------------------


def test_the_guides_example_is_told_about_every_path_at_once():
    message = run(models.GuideExample, PARAMS, ["stop.respected"])["stop.respected"].message
    assert "invoke(stop=" in message
    assert "raised" in message
    assert "stream(stop=" in message
    assert "astream(stop=" in message
    assert "GuideExample._call" in message


def test_a_location_never_names_a_method_the_class_does_not_define():
    facts = read_facts(models.CallOnly())
    assert "CallOnly._stream" not in facts.location("_stream")
    assert facts.method_for("astream") == "_call"


def test_an_optional_type_is_shown_with_its_argument():
    record = run(models.OptionalPlainKey, PARAMS, ["secrets.secretstr"])["secrets.secretstr"]
    assert record.outcome is Outcome.FAILED
    assert "api_key: Optional[str]" in record.message


def test_a_removed_call_api_in_the_example_is_named():
    record = run(models.LegacyExampleDocstring, PARAMS, ["docs.class_docstring"])
    message = record["docs.class_docstring"].message
    assert "`llm(...)`" in message
    assert "`.generate(`" in message
    assert "removed in langchain-core 1.0" in message


def test_a_stream_returning_a_generator_is_told_so_not_about_kwargs():
    record = run(models.StreamReturnsGenerator, PARAMS, ["interface.signatures"])
    message = record["interface.signatures"].message
    assert "a plain function that returns an iterator (`return iter([GenerationChunk(" in message
    lines, start = inspect.getsourcelines(models.StreamReturnsGenerator._stream)
    line = start + next(i for i, text in enumerate(lines) if "return iter(" in text)
    assert f"` at line {line}), not a generator function" in message  # what it returns, where
    assert "passes stop, run_manager" not in message


@pytest.mark.parametrize("check_id", sorted(catalog()))
def test_no_check_passes_on_a_model_that_cannot_be_called(check_id):
    """A model whose every call raises: nothing that needs a call may pass."""

    class Raises(models.CallOnly):
        def _call(self, prompt, stop=None, run_manager=None, **kwargs):
            raise RuntimeError("the provider is down")

    record = run(Raises, ids=[check_id])[check_id]
    static = {"interface", "docs", "secrets"}
    if record.area not in static:
        assert record.outcome is not Outcome.PASSED, record.message


def test_a_users_module_named_like_a_stdlib_one_is_still_the_users():
    """``abc_models`` starts like ``abc`` but is the user's code, not LangChain's interface."""
    from pytest_llm_compliance.observe.introspect import is_framework

    cls = type("Probe", (), {"__module__": "abc_models"})
    assert not is_framework(cls)
    import abc

    assert is_framework(abc.ABC)


# --- issue 19, 4.3: streams hidden by methods.stream -----------------------------------


def test_a_stream_failing_methods_stream_is_judged_on_the_stop_checks_streams():
    records = run(models.StreamNeedsStopNoChunk, PARAMS, ["methods.stream", "streaming"])
    assert records["methods.stream"].outcome is Outcome.FAILED
    verdict = records["streaming.new_token"]
    assert verdict.outcome is Outcome.FAILED, verdict.message
    assert "stream(stop): token #1 has chunk= NoneType" in verdict.message
    assert "judged on stream(stop)" in verdict.message
    assert verdict.model_calls > 0  # the stop streams it judged were made and counted


def test_the_reference_stream_is_still_judged_on_its_own_stream():
    verdict = run("reference_llm:EchoLLM", PARAMS, ["streaming.new_token"])["streaming.new_token"]
    assert verdict.outcome is Outcome.PASSED, verdict.message
    assert "judged on" not in verdict.message


# --- issue 19, 4.5: async.cancellation false alarms -------------------------------------


def test_cancellation_is_skipped_on_a_stream_of_one_chunk():
    verdict = run("reference_llm:EchoLLM", {"n": 1}, ["async.cancellation"])["async.cancellation"]
    assert verdict.outcome is Outcome.SKIPPED, verdict.message
    assert "nothing is left to cancel" in verdict.message
    assert verdict.model_calls == 10  # invoke, ainvoke, batch (3 each), astream: no cancel


def test_a_stream_opening_no_run_is_left_to_callbacks_lifecycle():
    records = run(models.PublicAstreamNoRun, PARAMS, ["async.cancellation", "callbacks.lifecycle"])
    assert records["callbacks.lifecycle"].outcome is Outcome.FAILED
    verdict = records["async.cancellation"]
    assert verdict.outcome is Outcome.SKIPPED, verdict.message
    assert "callbacks.lifecycle" in verdict.message
