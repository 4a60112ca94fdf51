"""What the CLI's commands share. It imports nothing of ours, so no command imports another."""

from __future__ import annotations

import time

_started = [time.perf_counter()]
"""When the command started: this module's import, then each ``main()`` call."""


def start_clock() -> None:
    """Start counting the command's time (``main()`` calls it first)."""
    _started[0] = time.perf_counter()


def elapsed_s() -> float:
    """Seconds since the command started, imports included, as a user waits for it."""
    return time.perf_counter() - _started[0]


class UsageProblem(Exception):
    """Bad input: reported on one line, exit code 2."""
