"""Models whose construction is hostile: it hangs, interrupts, or quotes a key (issue 20).

Importable by name, so that the CLI, pytest's ``--llm`` and a child process can load them.
"""

from __future__ import annotations

import os
import time
from typing import Any

from langchain_core.language_models.llms import LLM
from pydantic import model_validator

TOKEN_VAR = "MY_SERVICE_TOKEN"
TOKEN = "tok-live-9f8e7d6c5b4a39281706"


class _Echo(LLM):
    n: int = 8

    def _call(self, prompt: str, stop: Any = None, run_manager: Any = None, **kw: Any) -> str:
        return prompt[: self.n]

    @property
    def _llm_type(self) -> str:
        return "hostile-construction"


class HangsWhileBuilt(_Echo):
    """Its validator waits forever (a dead server, a lock)."""

    @model_validator(mode="after")
    def _wait(self) -> HangsWhileBuilt:
        time.sleep(3600)
        return self


class InterruptsWhileBuilt(_Echo):
    """Its validator raises ``KeyboardInterrupt``."""

    @model_validator(mode="after")
    def _interrupt(self) -> InterruptsWhileBuilt:
        raise KeyboardInterrupt


class QuotesTheKeyWhileBuilt(_Echo):
    """Its validator rejects the key, quoting it (as several SDKs do)."""

    @model_validator(mode="after")
    def _reject(self) -> QuotesTheKeyWhileBuilt:
        raise ValueError(f"Incorrect API key provided: {os.environ[TOKEN_VAR]}")
