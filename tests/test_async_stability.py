"""Timing-based async checks give the same verdicts on a busy 2-core machine."""

from __future__ import annotations

import multiprocessing
import time

import pytest
from pytest_llm_compliance import check_llm
from pytest_llm_compliance.core.outcomes import Outcome

from tests.gallery import PARAMS, BusyAstream, OrphanedProducer, SleepsInAcall

REPEATS = 10
EXPECTED = {
    "reference_llm:EchoLLM": {
        "async.parity": Outcome.PASSED,
        "async.non_blocking": Outcome.PASSED,
        "async.cancellation": Outcome.PASSED,
    },
    SleepsInAcall: {"async.non_blocking": Outcome.FAILED},
    BusyAstream: {"async.non_blocking": Outcome.FAILED},
    OrphanedProducer: {"async.cancellation": Outcome.FAILED, "async.non_blocking": Outcome.PASSED},
}


def burn(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


@pytest.fixture
def cpu_load():
    """Keep both cores busy for the duration of the test (bounded)."""
    context = multiprocessing.get_context("spawn")
    burners = [context.Process(target=burn, args=(120.0,), daemon=True) for _ in range(2)]
    for process in burners:
        process.start()
    yield
    for process in burners:
        process.terminate()
        process.join(timeout=5)


@pytest.mark.slow
def test_async_verdicts_are_stable_under_cpu_load(cpu_load):
    seen: dict[tuple[str, str], set[Outcome]] = {}
    for _ in range(REPEATS):
        for target, expected in EXPECTED.items():
            records = check_llm(target, PARAMS, select_ids=["async"])
            for record in records:
                if record.id in expected:
                    seen.setdefault((str(target), record.id), set()).add(record.outcome)
    unstable = {key: outcomes for key, outcomes in seen.items() if len(outcomes) > 1}
    assert not unstable
    for target, expected in EXPECTED.items():
        for check_id, outcome in expected.items():
            assert seen[(str(target), check_id)] == {outcome}


@pytest.mark.slow
def test_service_reference_is_never_blamed_for_the_machines_load(cpu_load, echo_server):
    """The loop stalls a busy machine causes are the scheduler's: 50 runs, one verdict."""
    from reference_llm import EchoServiceLLM
    from tests.conftest import SERVICE_KEY

    params = {"n": 64, "base_url": echo_server.url, "api_key": SERVICE_KEY}
    outcomes = [
        check_llm(EchoServiceLLM, params, select_ids=["async.non_blocking"])[0] for _ in range(50)
    ]
    assert {record.outcome for record in outcomes} == {Outcome.PASSED}, [
        record.message for record in outcomes if record.outcome is not Outcome.PASSED
    ]
