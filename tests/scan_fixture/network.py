"""A class that reaches for the network when built: a scan refuses the connection."""

from __future__ import annotations

import socket
from typing import Any

from langchain_core.language_models.llms import LLM


class ConnectsWhenBuilt(LLM):
    """Opens a connection in its constructor.

    API reference: https://docs.example-provider.com/api

    Example:
        .. code-block:: python

            llm = ConnectsWhenBuilt()
            llm.invoke("hello")
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        socket.create_connection(("api.example-provider.com", 443), timeout=5).close()

    @property
    def _llm_type(self) -> str:
        return "connects"

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return prompt
