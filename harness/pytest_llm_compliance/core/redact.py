"""Keep secrets out of everything the harness prints or writes."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from pytest_llm_compliance.core.credentials import is_credential_name

MIN_SECRET_LENGTH = 6
"""Shorter values are too common as text to mask without mangling messages."""
MASK = "***"


class Redactor:
    """Replaces every known secret value by ``***`` in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.listener: Callable[[str], None] | None = None
        self._pattern: re.Pattern[str] | None = None
        self._pattern_for = 0
        """Told of each new secret (the child tells its parent, which masks its output)."""
        for secret in secrets:
            self.add(secret)

    @classmethod
    def from_environment(cls) -> Redactor:
        """Know the value of every environment variable named like a credential."""
        return cls(
            value for name, value in os.environ.items() if is_credential_name(name, anywhere=True)
        )

    def add(self, secret: str) -> None:
        """Know one more secret, and the forms it takes escaped in ``repr`` and JSON."""
        if len(secret) < MIN_SECRET_LENGTH or secret in self._secrets:
            return
        forms = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1]}
        forms |= {form.replace("\\", "\\\\") for form in set(forms)}  # escaped twice
        self._secrets |= {form for form in forms if len(form) >= MIN_SECRET_LENGTH}
        if self.listener is not None:
            self.listener(secret)

    def add_model_secrets(self, llm: Any, credential_fields: Iterable[str] = ()) -> None:
        """Know the values of a model's ``SecretStr`` and plain-``str`` credential fields.

        A key a class keeps in a ``str`` is still a key.
        """
        from pydantic import SecretStr

        credentials = set(credential_fields)
        for name in getattr(type(llm), "model_fields", {}):
            value = getattr(llm, name, None)
            if isinstance(value, SecretStr):
                self.add(value.get_secret_value())
            elif isinstance(value, str) and name in credentials:
                self.add(value)

    @property
    def longest(self) -> int:
        """The length of the longest secret known (0 if none)."""
        return max(map(len, self._secrets), default=0)

    def __call__(self, text: str) -> str:
        """Return ``text`` with every known secret masked, longest first.

        A long secret's cut-off ends count too (``key[:16]``, ``key[-12:]``: what
        a model or a library prints to "hide" a key), down to ``MIN_PART``
        characters.
        """
        if not self._secrets or not text:
            return text
        if self._pattern is None or self._pattern_for != len(self._secrets):
            self._pattern = _pattern(self._secrets)
            self._pattern_for = len(self._secrets)
        return self._pattern.sub(MASK, text)


MIN_PART = 10
"""The shortest end of a long secret that is still masked on its own."""


def _pattern(secrets: Iterable[str]) -> re.Pattern[str]:
    """One pattern for every secret and, for the long ones, their ends, longest first."""
    forms: set[str] = set()
    for secret in secrets:
        forms.add(secret)
        if len(secret) >= 2 * MIN_PART and not set(secret) & set("/ \\\n"):  # a key, not a path
            for size in range(MIN_PART, len(secret)):
                forms |= {secret[:size], secret[-size:]}
    ordered = sorted(forms, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered)))


ACTIVE: ContextVar[Redactor | None] = ContextVar("llm_compliance_redactor", default=None)
"""The redactor of the check being run: excerpts are redacted *before* they are cut, so a
secret is never left half-masked at an excerpt's edge."""


def redact_active(text: str) -> str:
    """``text`` masked by the active redactor, if any."""
    redactor = ACTIVE.get()
    return redactor(text) if redactor is not None else text
