"""A scan's worker process: ``python -m pytest_llm_compliance.scan.worker FD``.

It reads the import path and the ``ScanJob`` from the socket ``FD``, then
module names until ``None``, and answers each with ``STARTED``, then its
``ModuleResult``.
What the imported code prints (from Python or C) goes to ``/dev/null``, and
the network is blocked for the worker's whole life, threads included.
"""

from __future__ import annotations

import os
import sys
from multiprocessing.connection import Connection

from pytest_llm_compliance.scan.no_network import no_network

STARTED = "started"
"""Sent when a module is taken up, before it is imported."""


def main(argv: list[str]) -> int:
    """Serve one scan; the exit code is 0 when told to stop, 1 when the parent went away."""
    conn = Connection(int(argv[1]))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        sys.path[:] = conn.recv()  # the parent's: the user's modules import as there
        job = conn.recv()
    except (EOFError, OSError):
        return 1
    from pytest_llm_compliance.scan.modules import scan_module

    with no_network():
        while True:
            try:
                name = conn.recv()
            except (EOFError, OSError):
                return 1
            if name is None:
                return 0
            conn.send(STARTED)  # the module's time limit runs from here, not from start-up
            conn.send(scan_module(name, job))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
