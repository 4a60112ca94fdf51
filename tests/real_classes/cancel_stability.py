"""``async.cancellation`` on a real SDK-backed class, run again and again under CPU load.

Run ``python -m tests.real_classes.cancel_stability --runs 100 --load 2``: it checks
``langchain_openai:ChatOpenAI`` against the gallery's fake server ``--runs`` times with
only ``async.cancellation`` selected, while ``--load`` busy processes keep the cores
busy (each bounded: it stops after ``--load-s`` seconds, and when the script ends).

A false alarm is a verdict the class's code does not support. Before Python 3.12
the class has a real race (``CANCELLATION`` in ``chat_openai``: ``asyncio.wait_for``
loses a cancel that lands as the chunk is ready, so the stream goes on); a failure
that names it (chunks after the cancel, the cancel never reaching the caller) is the
class's, and counted apart. Every other failure, and every ``error``, is a false
alarm. Exit 1 on any false alarm.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections import Counter

from pytest_llm_compliance import check_llm

from tests.real_classes import running
from tests.real_classes.chat_openai import CANCEL_SWALLOWED, CASES

RACE_SIGNS = ("chunk(s) still came after the cancel", "never reached the caller")
"""What the class's own race (wait_for before 3.12) shows in the message."""


def burn(seconds: float) -> None:
    """Keep one core busy for ``seconds`` (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pass


def classify(outcome: str, message: str) -> str:
    """``passed``, ``skipped``, ``race`` (the class's own bug) or ``false alarm``."""
    if outcome in ("passed", "skipped"):
        return outcome
    if outcome == "failed" and CANCEL_SWALLOWED and any(s in message for s in RACE_SIGNS):
        return "race"
    return "false alarm"


def fresh_process_state() -> None:
    """Forget the httpx clients ``langchain_openai`` caches per process (``_client_utils``).

    Each ``check_llm`` runs the target on a loop of its own; a cached ``AsyncClient``
    keeps connections bound to the last run's closed loop, as no second process would.
    """
    from langchain_openai.chat_models import _client_utils

    _client_utils._cached_async_httpx_client.cache_clear()
    _client_utils._cached_sync_httpx_client.cache_clear()


def main(argv: list[str] | None = None) -> int:
    """Print each run's verdict and time, then the totals; exit 1 on a false alarm."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--load", type=int, default=2, help="busy processes (0: none)")
    parser.add_argument("--load-s", type=float, default=600.0, help="each burner's limit")
    parser.add_argument("--quiet", action="store_true", help="print only the totals")
    args = parser.parse_args(argv)
    case = next(case for case in CASES if case.name == "langchain_openai:ChatOpenAI")
    context = multiprocessing.get_context("spawn")
    burners = [
        context.Process(target=burn, args=(args.load_s,), daemon=True) for _ in range(args.load)
    ]
    for process in burners:
        process.start()
    counts: Counter[str] = Counter()
    times: list[float] = []
    try:
        with running(case) as url:
            target, params = case.build(url)
            for run in range(1, args.runs + 1):
                fresh_process_state()
                started = time.perf_counter()
                (record,) = check_llm(target, params, timeout=10, select_ids=["async.cancellation"])
                times.append(time.perf_counter() - started)
                verdict = classify(str(record.outcome), record.message)
                counts[verdict] += 1
                if not args.quiet or verdict == "false alarm":
                    headline = record.message.splitlines()[0] if record.message else ""
                    print(f"run {run}: {verdict} in {times[-1]:.2f} s: {headline[:160]}")
                    if verdict != "passed":
                        print(record.message)
                sys.stdout.flush()
    finally:
        for process in burners:
            process.terminate()
            process.join(timeout=5)
    mean = sum(times) / len(times) if times else 0.0
    print(
        f"\n{len(times)} runs under {args.load} busy process(es): "
        f"{counts['false alarm']} false alarms, {counts['passed']} passed, "
        f"{counts['race']} failed on the class's own race (Python < 3.12), "
        f"{counts['skipped']} skipped; {mean:.2f} s per run (max {max(times, default=0):.2f} s)"
    )
    return 1 if counts["false alarm"] else 0


if __name__ == "__main__":
    sys.exit(main())
