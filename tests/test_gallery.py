"""Each broken model fails exactly the check it was built to fail; both
references pass every check of the catalog."""

from __future__ import annotations

import pytest

from harness import check_llm
from harness.outcomes import Outcome
from reference_llm import EchoServiceLLM
from tests.conftest import SERVICE_KEY
from tests.gallery import BROKEN, PARAMS

BAD = {Outcome.FAILED, Outcome.ERROR}


@pytest.mark.parametrize(
    ("model", "check_id"), list(BROKEN.items()), ids=[m.__name__ for m in BROKEN]
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
    from harness.registry import catalog

    assert set(catalog()) == set(BROKEN.values())


def test_echo_reference_passes_every_check():
    records = check_llm("reference_llm:EchoLLM", PARAMS)
    assert {r.outcome for r in records} <= {Outcome.PASSED, Outcome.SKIPPED}
    skipped = {r.id for r in records if r.outcome is Outcome.SKIPPED}
    # it has no credential and calls no service
    assert skipped == {"docs.api_link", "secrets.secretstr", "secrets.no_leak"}


def test_service_reference_passes_every_check(echo_server):
    params = {"n": 64, "base_url": echo_server.url, "api_key": SERVICE_KEY}
    records = check_llm(EchoServiceLLM, params)
    not_passed = {r.id: r.message for r in records if r.outcome is not Outcome.PASSED}
    assert not not_passed
