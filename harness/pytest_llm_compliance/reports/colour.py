"""Whether to colour the terminal output, as pytest and the ecosystem decide it.

``--color always|never`` wins; under ``auto``, ``PY_COLORS`` (``1`` or ``0``)
decides, then ``NO_COLOR`` (set and not empty: no colour), then
``FORCE_COLOR`` (set and not empty: colour), then whether the stream is a
terminal (not ``TERM=dumb``). The progress line follows the same decision for
stderr: it is drawn with terminal control sequences.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO


def use_colour(choice: str, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """True if output to ``stream`` should carry colours and control sequences."""
    if choice in ("always", "never"):
        return choice == "always"
    if environ.get("PY_COLORS") in ("0", "1"):
        return environ["PY_COLORS"] == "1"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and environ.get("TERM") != "dumb"
