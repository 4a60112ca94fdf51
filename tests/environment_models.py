"""Models for the environment-error tests: raises that look like the network but are not.

A model's own exception is its own bug, whatever its text says: only a real
refusal of the environment (an exception of the right type, in the chain)
makes a check ``error`` instead of ``failed``.
"""

from __future__ import annotations

import errno
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun

from reference_llm import EchoLLM
from tests.gallery import documented


@documented
class SaysConnectionRefused(EchoLLM):
    """``_call`` raises a ``ValueError`` whose text reads like a refused connection."""

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        raise ValueError("connection refused: [Errno 111] Connection refused")


@documented
class RaisesAnUnrelatedOSError(EchoLLM):
    """``_call`` raises an ``OSError`` that is no network refusal (a missing file)."""

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/nowhere/prompt.txt")
