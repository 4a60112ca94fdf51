"""Hostile models get verdicts within bounds, and every other check still reports."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pytest_llm_compliance import check_llm
from pytest_llm_compliance.checks._api import catalog
from pytest_llm_compliance.core.outcomes import Outcome

from tests import hostile

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 2.0
# (model, {check id: a fragment of its message}); every other check must not error.
CASES = [
    (hostile.HangsInCall, {"methods.invoke": "hung: did not finish within 2 s"}),
    (hostile.EndlessStream, {"methods.stream": "stream hung"}),
    (hostile.SilentAstream, {"methods.astream": "astream hung"}),
    (hostile.RaisesEverywhere, {"methods.invoke": "RuntimeError: the provider exploded"}),
    (hostile.ReturnsANumber, {"methods.invoke": "invoke(str) raised", "methods.stream": ""}),
    (hostile.YieldsStrings, {"methods.stream": "AttributeError"}),
    (hostile.PrintsItsKey, {"secrets.no_leak": "stdout and stderr shows api_key"}),
    (
        hostile.PrintsKeyFromItsThread,
        {"secrets.no_leak": "output of the model's own threads shows api_key"},
    ),
    (
        hostile.ThreadedStreamLeak,
        {"async.cancellation": "threads still running after the stream ended: sdk-reader"},
    ),
]


@pytest.mark.parametrize(("model", "expected"), CASES, ids=[m.__name__ for m, _ in CASES])
def test_hostile_model_gets_verdicts_in_bounded_time(model, expected):
    started = time.perf_counter()
    records = check_llm(model, {"n": 64}, timeout=TIMEOUT)
    elapsed = time.perf_counter() - started
    assert [r.id for r in records] == list(catalog())  # no check's result is lost
    assert not [r.id for r in records if r.outcome is Outcome.ERROR]
    by_id = {r.id: r for r in records}
    for check_id, fragment in expected.items():
        assert by_id[check_id].outcome is Outcome.FAILED, check_id
        assert fragment in by_id[check_id].message, by_id[check_id].message
    # one full time limit for the first hang, the shortened one after it
    assert elapsed < 30, elapsed


def test_the_model_prints_nothing_through_the_harness(capsys):
    check_llm(hostile.PrintsItsKey, {"n": 64}, select_ids=["methods.invoke"])
    captured = capsys.readouterr()
    assert "DEBUG request key" not in captured.out + captured.err


def test_a_spinning_hung_call_is_stopped():
    """The harness's call threads stop spinning (measured per thread, so that other work
    in this process, a server thread or another test's leftovers, cannot blur it)."""
    check_llm(hostile.EndlessStream, {"n": 64}, timeout=1, select_ids=["methods.stream"])
    time.sleep(0.3)  # the interrupt lands at the worker's next instruction
    workers = [t for t in threading.enumerate() if t.name == "llm-compliance-call" and t.ident]
    clocks = {t.name + str(t.ident): time.pthread_getcpuclockid(t.ident) for t in workers}
    before = {name: time.clock_gettime(clock) for name, clock in clocks.items()}
    time.sleep(1.0)
    spinning = []
    for name, clock in clocks.items():
        try:
            spent = time.clock_gettime(clock) - before[name]
        except OSError:  # the thread ended meanwhile
            continue
        if spent > 0.5:
            spinning.append(f"{name}: {spent:.2f} s of CPU in 1 s")
    assert not spinning, spinning


def test_after_one_hang_later_calls_get_the_short_limit():
    records = {r.id: r for r in check_llm(hostile.HangsInCall, {"n": 64}, timeout=4, parallel=1)}
    assert "within 4 s" in records["methods.invoke"].message
    assert "within 2 s" in records["methods.batch"].message


def test_overlapped_hanging_calls_cost_one_time_limit():
    started = time.perf_counter()
    records = {r.id: r for r in check_llm(hostile.HangsInCall, {"n": 64}, timeout=4)}
    elapsed = time.perf_counter() - started
    assert records["methods.invoke"].outcome is Outcome.FAILED
    assert records["methods.batch"].outcome is Outcome.FAILED
    assert elapsed < 8, elapsed  # the first wave's calls hang together: 4 s, not 4 x 4 s


def test_the_cli_exits_even_when_a_model_leaves_a_thread_running():
    started = time.perf_counter()
    result = subprocess.run(
        [
            Path(sys.executable).with_name("llm-compliance"),
            "check",
            "tests.hostile:LeavesAThread",
            "--params",
            '{"n": 64}',
            "--select",
            "methods.invoke",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS  methods.invoke" in result.stdout
    assert time.perf_counter() - started < 50  # the thread sleeps for 120 s
