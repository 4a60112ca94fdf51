"""The checks, one module per area of CHECKLIST.md; importing registers them."""

from pytest_llm_compliance.checks import (
    async_,
    callbacks,
    chat,
    docs,
    interface,
    methods,
    secrets,
    stop,
    streaming,
)

__all__ = [
    "async_",
    "callbacks",
    "chat",
    "docs",
    "interface",
    "methods",
    "secrets",
    "stop",
    "streaming",
]
