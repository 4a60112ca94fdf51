"""Where this checkout's code is, for the subprocesses tests start."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "harness"
"""The folder the package ``pytest_llm_compliance`` is imported from."""
SOURCE_PATH = os.pathsep.join([str(SOURCE), str(ROOT)])
"""A ``PYTHONPATH`` that imports this checkout (the package, ``reference_llm``, ``tests``)."""
