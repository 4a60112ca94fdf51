"""Stop sequences chosen from the model's own output, and what each path must give.

The model may be any model, so the harness reads its unconstrained answer to
``PROMPT`` first and picks the stop sequences from it:

- an *early* one: the first regex metacharacter (``.``, ``?``, ``(``, ...) that
  has text after it, so that a model matching stop sequences as patterns
  (langchain#13397) is caught; failing that, two characters a third in;
- a *late* one: a multi-character sequence occurring only after the early one,
  listed *first*, so that "the earliest occurrence wins" is tested;
- one that never occurs, which must change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

METACHARACTERS = ".?()[]{}*+^$|\\"
NEVER = "ZQXJ-stop-never-occurs"
MIN_OUTPUT = 4


@dataclass(frozen=True)
class StopPlan:
    """The stop sequences to pass and the answers they must produce."""

    output: str
    """The model's unconstrained answer to ``PROMPT``."""
    stop: list[str]
    """``[late, early]`` or ``[early]``: listed so that the last one occurs first."""
    early_at: int
    """Where the early sequence starts in ``output``."""
    notes: tuple[str, ...]
    """What this output did not allow to test."""

    @property
    def early(self) -> str:
        """The sequence that occurs first."""
        return self.stop[-1]

    @property
    def kept(self) -> str:
        """The answer with the stop sequence included (policy ``include``)."""
        return self.output[: self.early_at + len(self.early)]

    @property
    def cut(self) -> str:
        """The answer with the stop sequence left out (policy ``exclude``)."""
        return self.output[: self.early_at]

    def expected(self, policy: str) -> str:
        """The exact answer a deterministic model must give under ``policy``."""
        return self.kept if policy == "include" else self.cut

    @property
    def never(self) -> str:
        """A stop sequence that does not occur in the output."""
        candidate = NEVER
        while candidate in self.output:
            candidate += "!"
        return candidate


def plan_stops(output: str) -> StopPlan | None:
    """Choose stop sequences from ``output``; None if it is too short."""
    if len(output) < MIN_OUTPUT:
        return None
    notes: list[str] = []
    early_at = next(
        (
            i
            for i, char in enumerate(output[:-1])
            if i > 0 and char in METACHARACTERS and output.find(char) == i
        ),
        None,
    )
    if early_at is not None:
        early = output[early_at]
    else:
        notes.append("the output holds no regex metacharacter, so literal matching was not tested")
        early_at = len(output) // 3
        early = output[early_at : early_at + 2]
        early_at = output.find(early)
    late = _late_sequence(output, early_at + len(early))
    if late is None:
        notes.append("the output is too short for a second stop sequence after the first")
        return StopPlan(output, [early], early_at, tuple(notes))
    return StopPlan(output, [late, early], early_at, tuple(notes))


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
