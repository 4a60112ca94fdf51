"""Reference models that meet every item of LangChain's contribution checklist.

``EchoLLM`` is the guide's echo-n model done right; ``EchoServiceLLM`` is the
same model behind an HTTP API with a key, served by ``reference_llm.server``.
``EchoChatModel`` and ``EchoServiceChatModel`` are their chat-model twins.
Everything but ``EchoLLM`` is imported only when it is asked for.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from reference_llm.echo import EchoLLM

if TYPE_CHECKING:
    from reference_llm.echo_chat import EchoChatModel
    from reference_llm.service import EchoServiceError, EchoServiceLLM
    from reference_llm.service_chat import EchoServiceChatModel

__all__ = [
    "EchoChatModel",
    "EchoLLM",
    "EchoServiceChatModel",
    "EchoServiceError",
    "EchoServiceLLM",
]

_LAZY = {
    "EchoChatModel": "reference_llm.echo_chat",
    "EchoServiceChatModel": "reference_llm.service_chat",
    "EchoServiceError": "reference_llm.service",
    "EchoServiceLLM": "reference_llm.service",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'reference_llm' has no attribute {name!r}")
