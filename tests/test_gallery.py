"""Each broken model fails exactly the check it was built to fail; both
references pass every check of the catalog."""

from __future__ import annotations

import pytest
from pytest_llm_compliance import check_llm
from pytest_llm_compliance.core.outcomes import Outcome

from reference_llm import EchoServiceChatModel, EchoServiceLLM
from tests.conftest import SERVICE_KEY
from tests.gallery import BROKEN, PARAMS
from tests.gallery_chat import CHAT_BROKEN, STOP_FIELD_BROKEN, HonoursStopField

BAD = {Outcome.FAILED, Outcome.ERROR}
ALL_BROKEN: dict[type, str] = {**BROKEN, **CHAT_BROKEN, **STOP_FIELD_BROKEN}
CHAT_ONLY = {"chat.usage_metadata", "chat.response_metadata", "chat.tool_calls"}


@pytest.mark.parametrize(
    ("model", "check_id"), list(ALL_BROKEN.items()), ids=[m.__name__ for m in ALL_BROKEN]
)
def test_broken_model_fails_exactly_its_check(model, check_id):
    records = check_llm(model, PARAMS)
    failing = {r.id: r.message for r in records if r.outcome in BAD}
    assert set(failing) == {check_id}, failing
    message = failing[check_id]
    assert "expected:" in message
    assert "observed:" in message
    assert f"llm-compliance explain {check_id}" in message


def test_every_check_of_the_catalog_has_a_broken_model():
    from pytest_llm_compliance.checks._api import catalog

    assert set(catalog()) == set(ALL_BROKEN.values())


def test_chat_models_fail_existing_ids_too():
    """The chat gallery breaks ids of 0.1 as well as the chat ones: the same ids hold."""
    assert set(CHAT_BROKEN.values()) - CHAT_ONLY - {"stop.bound"}


def test_echo_reference_passes_every_check():
    records = check_llm("reference_llm:EchoLLM", PARAMS)
    assert {r.outcome for r in records} <= {Outcome.PASSED, Outcome.SKIPPED}
    skipped = {r.id for r in records if r.outcome is Outcome.SKIPPED}
    # it has no credential, calls no service, takes no stop at construction, is no chat model
    assert skipped == {"docs.api_link", "secrets.secretstr", "secrets.no_leak", "stop.bound"} | (
        CHAT_ONLY
    )


def test_echo_chat_reference_passes_every_check():
    records = check_llm("reference_llm:EchoChatModel", PARAMS)
    assert {r.outcome for r in records} <= {Outcome.PASSED, Outcome.SKIPPED}
    skipped = {r.id for r in records if r.outcome is Outcome.SKIPPED}
    assert skipped == {"docs.api_link", "secrets.secretstr", "secrets.no_leak"}
    assert sum(r.model_calls for r in records) <= 30  # issue 13's cost bound


def test_a_stop_field_that_is_honoured_passes_stop_bound():
    records = {r.id: r for r in check_llm(HonoursStopField, PARAMS)}
    assert records["stop.bound"].outcome is Outcome.PASSED, records["stop.bound"].message
    assert "the call's stop won" in records["stop.bound"].message


def test_service_reference_passes_every_check(echo_server):
    params = {"n": 64, "base_url": echo_server.url, "api_key": SERVICE_KEY}
    records = check_llm(EchoServiceLLM, params)
    not_passed = {r.id: r.message for r in records if r.outcome is not Outcome.PASSED}
    assert set(not_passed) == {"stop.bound", *CHAT_ONLY}, not_passed  # not applicable
    assert all("skipped" in r.outcome.value for r in records if r.id in not_passed)


def test_service_chat_reference_passes_every_check(echo_server):
    params = {"n": 64, "base_url": echo_server.url, "api_key": SERVICE_KEY}
    records = check_llm(EchoServiceChatModel, params)
    not_passed = {r.id: r.message for r in records if r.outcome is not Outcome.PASSED}
    assert not not_passed


def test_a_chat_model_that_does_not_stream_gets_no_false_alarm():
    """LangChain's fallback ``stream`` yields invoke's ``AIMessage`` as its one chunk."""
    from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
    from langchain_core.messages import AIMessage

    answer = AIMessage(content="The quick brown fox. Does it jump?")
    records = {r.id: r for r in check_llm(FakeMessagesListChatModel, {"responses": [answer]})}
    for check_id in ("methods.stream", "methods.astream", "async.parity"):
        assert records[check_id].outcome is Outcome.PASSED, records[check_id].message
    assert records["streaming.new_token"].outcome is Outcome.SKIPPED


def test_a_pass_through_stream_dispatcher_is_accepted():
    """ChatOpenAI's ``_stream(*args, **kwargs)`` returns the routed method's generator."""
    from collections.abc import Iterator
    from typing import Any

    from reference_llm import EchoChatModel

    class Dispatching(EchoChatModel):
        def _stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
            return super()._stream(*args, **kwargs)

    records = {r.id: r for r in check_llm(Dispatching, PARAMS, select_ids=["interface"])}
    assert records["interface.signatures"].outcome is Outcome.PASSED, records[
        "interface.signatures"
    ].message


def test_a_stop_field_that_refuses_a_stop_list_fails_on_a_class_and_is_skipped_on_a_factory():
    from pydantic import Field

    from reference_llm import EchoLLM

    class StopIsANumber(EchoLLM):
        stop: int | None = Field(default=None)
        """A field named like a stop list that holds something else."""

    def factory() -> StopIsANumber:
        return StopIsANumber(n=64)

    on_class = {r.id: r for r in check_llm(StopIsANumber, PARAMS, select_ids=["stop.bound"])}
    assert on_class["stop.bound"].outcome is Outcome.FAILED
    assert "cannot be built with a stop list" in on_class["stop.bound"].message
    on_factory = {r.id: r for r in check_llm(factory, select_ids=["stop.bound"])}
    assert on_factory["stop.bound"].outcome is Outcome.SKIPPED
    assert "cannot be rebuilt with a stop list" in on_factory["stop.bound"].message
