"""The transport under the observations: live, or recorded and replayed with cassettes.

``Observations`` makes every model call inside ``transport.cassette(label)``. Live,
that does nothing. With cassettes (``Settings.cassettes``), the HTTP clients under
the class are recorded to or replayed from one cassette per target and call
(``transport.cassettes``); the checks neither know nor care. What went wrong
with a cassette is kept in ``problems``, by call label, for the checks' records
(``transport.verdicts``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_llm_compliance.core.outcomes import Outcome

if TYPE_CHECKING:
    from pytest_llm_compliance.core.redact import Redactor
    from pytest_llm_compliance.core.settings import Settings


@dataclass(frozen=True)
class Problem:
    """A cassette that could not serve a call: the outcome it gives the checks, and why."""

    outcome: Outcome
    message: str
    error_source: str = ""
    """``environment`` (the cassettes cannot serve the call: could not check) or ``harness``."""


class Transport:
    """Live: every call goes to the network as the class makes it."""

    replaying = False
    """True when calls go through cassettes (timing is then not measured)."""

    def __init__(self) -> None:
        self.problems: dict[str, Problem] = {}

    @contextlib.contextmanager
    def cassette(self, label: str) -> Iterator[None]:
        """Around one call: nothing to do live."""
        yield


def open_transport(target_label: str, settings: Settings, redact: Redactor) -> Transport:
    """The transport the settings ask for (vcrpy is imported only with cassettes)."""
    if settings.cassettes is None:
        return Transport()
    from pytest_llm_compliance.transport.cassettes import CassetteTransport

    return CassetteTransport(target_label, settings.cassettes, settings.record_mode, redact)
