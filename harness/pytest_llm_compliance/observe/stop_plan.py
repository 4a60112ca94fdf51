"""Stop sequences chosen from the model's own output, and what each path must give.

The model may be any model, so the harness reads its unconstrained answer to
``PROMPT`` (and how ``stream``/``astream`` chunk it) first, and gives each
public path a stop list that tests something the others do not, so that five
calls tell the usual bugs apart:

- ``invoke``: ``[late, meta]``, where *meta* is the first regex metacharacter
  (``.``, ``?``, ``(``...) with text after it and *late* a sequence occurring
  only after it, listed first: a class matching stops as patterns
  (langchain#13397) or letting the first-listed stop win is caught;
- ``ainvoke``: ``[word]``, a plain word from the middle of the answer: no
  metacharacter can mangle it, so its inclusion is always judged;
- ``stream`` and ``astream``: ``[split]``, a plain multi-character sequence
  that straddles a boundary between two of that path's own chunks: a stream
  that tests each chunk for the stop never sees it;
- one more ``invoke`` with a sequence that never occurs, which must change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

METACHARACTERS = ".?()[]{}*+^$|\\"
NEVER = "ZQXJ-stop-never-occurs"
MIN_OUTPUT = 4
WORD = re.compile(r"[A-Za-z]{3,}")
PATHS = ("invoke", "ainvoke", "stream", "astream")


@dataclass(frozen=True)
class StopCase:
    """One path's stop list and the answers it must produce."""

    output: str
    """The model's unconstrained answer to ``PROMPT``."""
    stop: list[str]
    at: int
    """Where the sequence that occurs first starts in ``output``."""
    first: str
    """The stop sequence that occurs first in ``output``."""
    tests: str
    """What this stop list tells apart, for messages."""

    @property
    def kept(self) -> str:
        """The answer with the stop sequence included (policy ``include``)."""
        return self.output[: self.at + len(self.first)]

    @property
    def cut(self) -> str:
        """The answer with the stop sequence left out (policy ``exclude``)."""
        return self.output[: self.at]

    def expected(self, policy: str) -> str:
        """The exact answer a deterministic model must give under ``policy``."""
        return self.kept if policy == "include" else self.cut

    def handling(self, result: str) -> str | None:
        """``include`` or ``exclude``: how ``result`` ended at the stop (None: it did not).

        Whitespace around the answer does not count: a class that strips its
        answer (``"The "`` -> ``"The"``) has still stopped where it should.
        """
        if result.strip() == self.kept.strip():
            return "include"
        if result.strip() == self.cut.strip():
            return "exclude"
        return None

    def diagnose(self, result: str, *, straddling: bool = False) -> tuple[str, str]:
        """What went wrong, and its likely cause where the observations support one.

        For a deterministic model whose answer is neither kept nor cut. A cause is
        empty when this answer alone does not support one. ``straddling``: the
        caller has seen that the stop spans two chunks of this very stream, that
        ``invoke`` respects its own stop, and that the stream reads ``stop``; only
        then is a stop missed on a split stream put down to per-chunk testing.
        """
        per_chunk = "the stream tests each chunk for the stop instead of the text so far"
        split = straddling and self.tests.startswith("split")
        if result == self.output:
            if split:
                return (
                    f"the stop {self.first!r}, which straddles two chunks of this stream, "
                    "was never seen",
                    per_chunk,
                )
            return "the stop sequences were ignored", ""
        if len(self.stop) > 1:
            late = self.stop[0]
            at = self.output.find(late)
            if result in (self.output[: at + len(late)], self.output[:at]):
                return (
                    "the first stop sequence in the list won, not the earliest in the text",
                    "stop sequences are searched in list order, not by where they occur",
                )
        if len(result) < len(self.cut):
            if self._as_pattern_ends(result):
                return (
                    "it stopped before the first stop sequence, where the stop list read as "
                    "a regular expression matches",
                    "stop sequences are matched as a pattern (regex), not as literal text",
                )
            return "it stopped before the first stop sequence", ""
        if result.startswith(self.kept) and split:
            return (
                f"the stop {self.first!r}, which straddles two chunks of this stream, was "
                "seen only later",
                per_chunk,
            )
        return "text after the first stop sequence was kept", ""

    def _as_pattern_ends(self, result: str) -> bool:
        """True when the stop list, read as one regex, ends the answer where ``result`` ends."""
        try:
            match = re.search("|".join(self.stop), self.output)
        except re.error:
            return False
        return match is not None and result.strip() in (
            self.output[: match.start()].strip(),
            self.output[: match.end()].strip(),
        )


@dataclass(frozen=True)
class StopPlan:
    """The stop list of each path, and one that never occurs."""

    output: str
    cases: Mapping[str, StopCase]
    notes: tuple[str, ...]
    """What this output did not allow to test."""

    @property
    def never(self) -> str:
        """A stop sequence that does not occur in the output."""
        candidate = NEVER
        while candidate in self.output:
            candidate += "!"
        return candidate


def plan_stops(
    output: str, chunks: Mapping[str, Sequence[str] | None], *, deterministic: bool = True
) -> StopPlan | None:
    """Choose each path's stop list from ``output``; None if it is too short.

    ``chunks`` gives the chunks ``stream``/``astream`` yielded for the same
    prompt (None for a path that did not give ``output`` joined). A model that
    is not deterministic answers anew on each path, so a word or a split taken
    from this answer would rarely occur again: every path then gets the
    metacharacter list, whose single character is the likeliest to recur.
    """
    if len(output) < MIN_OUTPUT:
        return None
    notes: list[str] = []
    meta = _metacharacter_case(output, notes)
    if not deterministic:
        notes.append("the model is not deterministic, so every path gets the same stop list")
        return StopPlan(output, dict.fromkeys(PATHS, meta), tuple(notes))
    word = _word_case(output) or meta
    cases = {"invoke": meta, "ainvoke": word}
    for path in ("stream", "astream"):
        split = _split_case(output, chunks.get(path))
        if split is None:
            notes.append(f"{path} gave no chunk boundary to split a stop across")
        cases[path] = split or word
    return StopPlan(output, cases, tuple(dict.fromkeys(notes)))


def _metacharacter_case(output: str, notes: list[str]) -> StopCase:
    at = next(
        (
            i
            for i, char in enumerate(output[:-1])
            if i > 0 and char in METACHARACTERS and output.find(char) == i
        ),
        None,
    )
    if at is not None:
        early, tests = output[at], "earliest wins, and a metacharacter is literal"
    else:
        notes.append("the output holds no regex metacharacter, so literal matching was not tested")
        at = len(output) // 3
        early, tests = output[at : at + 2], "earliest wins"
        at = output.find(early)
    late = _late_sequence(output, at + len(early))
    if late is None:
        notes.append("the output is too short for a second stop sequence after the first")
        return StopCase(output, [early], at, early, tests.replace("earliest wins, and ", ""))
    return StopCase(output, [late, early], at, early, tests)


def _late_sequence(output: str, after: int) -> str | None:
    """A multi-character sequence first occurring after index ``after``."""
    for start in range(max(after + 1, (2 * len(output)) // 3), len(output) - 1):
        candidate = output[start : start + 3]
        if len(candidate) >= 2 and candidate.strip() and output.find(candidate) == start:
            return candidate
    for start in range(after + 1, len(output) - 1):
        candidate = output[start : start + 2]
        if candidate.strip() and output.find(candidate) == start:
            return candidate
    return None


def _word_case(output: str) -> StopCase | None:
    """A plain word (letters only) past the first one, first occurring where it stands."""
    for match in WORD.finditer(output):
        word, at = match.group(), match.start()
        if at > 0 and match.end() < len(output) - 1 and output.find(word) == at:
            return StopCase(output, [word], at, word, "a plain word, kept or cut")
    return None


def _split_case(output: str, chunks: Sequence[str] | None) -> StopCase | None:
    """A plain 3-character sequence straddling a boundary between two chunks."""
    if not chunks or len(chunks) < 2 or "".join(chunks) != output:
        return None
    boundary = 0
    for chunk in chunks[:-1]:
        boundary += len(chunk)
        for start in (boundary - 1, boundary - 2):
            candidate = output[start : start + 3]
            plain = len(candidate) == 3 and not set(candidate) & set(METACHARACTERS)
            if (
                start > 0
                and plain
                and candidate.strip() == candidate
                and start + 3 < len(output)
                and output.find(candidate) == start
            ):
                return StopCase(output, [candidate], start, candidate, "split across two chunks")
    return None
