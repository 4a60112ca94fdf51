"""A published class in the gallery: how to build it, and the verdict its source shows per id."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from tests.real_classes.fake_vendor import VendorHandler


@dataclass(frozen=True)
class Expect:
    """The true verdict of one check on one class, with the evidence in its source."""

    outcome: str
    """``passed``, ``failed`` or ``skipped``: what the class's source shows."""
    evidence: str
    """``path/in/package.py:LINE: what that line does``."""
    harness_gives: str | None = None
    """Set only for a known miss or false alarm not fixed yet: what the harness says today."""
    why: str = ""
    """Why the harness still gets it wrong (with ``harness_gives``)."""
    race: bool = False
    """The violation is a race in the class's code: a run where it did not happen passes."""

    @property
    def asserted(self) -> str:
        """The outcome the gallery test asserts: today's, where a known gap is declared."""
        return self.harness_gives or self.outcome

    def accepts(self, outcome: str) -> bool:
        """True for the asserted outcome, and for ``passed`` on a race that did not happen."""
        return outcome == self.asserted or (self.race and outcome == "passed")

    def but_harness_gives(self, outcome: str, why: str) -> Expect:
        """Declare a known gap: the harness says ``outcome`` for the reason ``why``."""
        return Expect(self.outcome, self.evidence, outcome, why)

    def racy(self) -> Expect:
        """Declare the violation a race: it happens on most runs, not on all."""
        return replace(self, race=True)


def passed(evidence: str) -> Expect:
    """The class follows the rule."""
    return Expect("passed", evidence)


def failed(evidence: str) -> Expect:
    """The class breaks the rule: a real violation."""
    return Expect("failed", evidence)


def skipped(evidence: str) -> Expect:
    """The rule does not apply to the class."""
    return Expect("skipped", evidence)


PLAIN_STR_KEY = (
    "one defect, one verdict: secrets.secretstr fails the plain str credential field, and "
    "every leak is that field's own value where pydantic or LangChain render the fields"
)
"""``secrets.no_leak``'s evidence for a class whose only leaks its plain-str key field causes."""


CHAT_ONLY_IDS = ("chat.usage_metadata", "chat.response_metadata", "chat.tool_calls")
"""The ids of release 0.2 that apply to chat models only."""


def text_llm(class_line: str, stop_bound: Expect) -> dict[str, Expect]:
    """A text LLM's verdicts on the ids added in release 0.2.

    ``class_line`` is ``path:LINE`` of its ``class X(BaseLLM-or-LLM)`` statement;
    ``stop_bound`` the verdict its stop init field (or its lack of one) shows.
    """
    not_chat = skipped(f"{class_line}: a text LLM, not a chat model")
    return {"stop.bound": stop_bound} | dict.fromkeys(CHAT_ONLY_IDS, not_chat)


def no_stop_field(fields: str) -> Expect:
    """``stop.bound`` for a class whose init fields (at ``fields``) hold no stop list."""
    return skipped(f"{fields}: no stop init field (stop, stop_sequences, stop_words or an alias)")


Build = Callable[[str], tuple[Any, Mapping[str, Any]]]
"""Given the fake server's base URL (``""`` without one): the target and its params."""


@dataclass(frozen=True)
class RealCase:
    """One published class, pointed at its fake vendor server."""

    name: str
    """``module:Class`` as users import it."""
    distribution: str
    """The PyPI distribution that ships it."""
    build: Build
    expected: Mapping[str, Expect]
    server: type[VendorHandler] | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    """Environment variables the class reads (set while it is checked)."""
    how_built: str = ""
    """One line: SDK or raw HTTP, native async or not, streaming or not, credentials."""
    kind: str = "text"
    """``text`` (a ``BaseLLM``) or ``chat`` (a ``BaseChatModel``)."""

    @property
    def importable(self) -> bool:
        """True when the class's distribution is installed."""
        return importlib.util.find_spec(self.name.partition(":")[0].split(".")[0]) is not None
