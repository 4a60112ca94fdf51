"""Reference LLMs that meet every item of LangChain's custom-LLM checklist.

``EchoLLM`` is the guide's echo-n model done right; ``EchoServiceLLM`` is the
same model behind an HTTP API with a key, served by ``reference_llm.server``.
The service client (and httpx) is imported only when it is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reference_llm.echo import EchoLLM

if TYPE_CHECKING:
    from reference_llm.service import EchoServiceError, EchoServiceLLM

__all__ = ["EchoLLM", "EchoServiceError", "EchoServiceLLM"]


def __getattr__(name: str) -> Any:
    if name in ("EchoServiceLLM", "EchoServiceError"):
        from reference_llm import service

        return getattr(service, name)
    raise AttributeError(f"module 'reference_llm' has no attribute {name!r}")
