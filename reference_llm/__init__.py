"""Reference LLMs that meet every item of LangChain's custom-LLM checklist.

``EchoLLM`` is the guide's echo-n model done right; ``EchoServiceLLM`` is the
same model behind an HTTP API with a key, served by ``reference_llm.server``.
"""

from reference_llm.echo import EchoLLM
from reference_llm.service import EchoServiceError, EchoServiceLLM

__all__ = ["EchoLLM", "EchoServiceError", "EchoServiceLLM"]
