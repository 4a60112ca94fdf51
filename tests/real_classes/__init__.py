"""A gallery of real published LangChain classes, each against a fake vendor server.

Every module lists ``CASES``; ``all_cases()`` gathers them. ``python -m
tests.real_classes`` measures the harness's accuracy on them (the README's figures).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from tests.real_classes.case import RealCase
from tests.real_classes.fake_vendor import serve

MODULES = (
    "core_fakes",
    "openai_compat",
    "ollama",
    "huggingface",
    "deepinfra",
    "anthropic",
    "fireworks_together",
    "community_http",
    "chat_core_fakes",
    "chat_openai",
    "chat_anthropic",
    "chat_ollama",
    "sdk_clients",
)
"""The gallery's vendor modules, each with a ``CASES`` list."""


def all_cases() -> list[RealCase]:
    """Every case of every vendor module, in order."""
    return [
        case
        for module in MODULES
        for case in importlib.import_module(f"tests.real_classes.{module}").CASES
    ]


@contextmanager
def running(case: RealCase) -> Iterator[str]:
    """Start the case's fake server and set its environment; yield the base URL."""
    with ExitStack() as stack:
        url = stack.enter_context(serve(case.server)) if case.server else ""
        saved = {name: os.environ.get(name) for name in case.env}
        os.environ.update(case.env)
        try:
            yield url
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
