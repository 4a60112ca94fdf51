"""Stop sequences as the checklist wants them: respected and included.

Generation halts the moment any stop sequence has been produced, and that stop
sequence stays in the output. So the result is the shortest prefix of the text
that ends with a stop sequence: with several stop sequences, the one whose
occurrence is completed first wins (for sequences that do not overlap, that is
simply the earliest occurrence). Stop sequences are literal text, never
patterns, and empty stop sequences are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence


def stop_end(text: str, stop: Sequence[str] | None) -> int | None:
    """Return the index just past the first completed stop sequence, or None."""
    ends = [
        found + len(sequence)
        for sequence in stop or ()
        if sequence and (found := text.find(sequence)) != -1
    ]
    return min(ends, default=None)


def truncate_at_stop(text: str, stop: Sequence[str] | None) -> str:
    """Cut ``text`` right after its first completed stop sequence, keeping it.

    >>> truncate_at_stop("hello. world? (yes)", ["?", "."])
    'hello.'
    >>> truncate_at_stop("hello", ["xyz"])
    'hello'
    """
    end = stop_end(text, stop)
    return text if end is None else text[:end]
