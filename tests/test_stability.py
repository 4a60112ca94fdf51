"""Stable verdicts: both references and a nondeterministic compliant model give
the same verdict for every check in 50 repeated runs."""

from __future__ import annotations

import os

import pytest
from pytest_llm_compliance import check_llm

from reference_llm import EchoServiceLLM
from tests.conftest import SERVICE_KEY
from tests.gallery import PARAMS, RandomWords

REPEATS = int(os.environ.get("LLM_COMPLIANCE_REPEATS", "50"))


@pytest.mark.slow
def test_verdicts_are_the_same_in_every_run(echo_server):
    service = {**PARAMS, "base_url": echo_server.url, "api_key": SERVICE_KEY}
    targets = {
        "EchoLLM": ("reference_llm:EchoLLM", PARAMS),
        "EchoServiceLLM": (EchoServiceLLM, service),
        "RandomWords": (RandomWords, PARAMS),
    }
    verdicts: dict[str, set[tuple[tuple[str, str], ...]]] = {name: set() for name in targets}
    for _ in range(REPEATS):
        for name, (target, params) in targets.items():
            records = check_llm(target, params)
            verdicts[name].add(tuple((r.id, r.outcome.value) for r in records))
    for name, seen in verdicts.items():
        differing = set.union(*map(set, seen)) - set.intersection(*map(set, seen))
        assert len(seen) == 1, f"{name} gave {len(seen)} different sets of verdicts: {differing}"
        (verdict,) = seen
        assert {outcome for _, outcome in verdict} <= {"passed", "skipped"}, (name, verdict)
