"""What a scan leaves out: abstract bases, mixins, classes imported from elsewhere."""

from __future__ import annotations

from langchain_core.language_models.fake import FakeListLLM  # defined in langchain-core
from langchain_core.language_models.llms import BaseLLM


class AbstractBase(BaseLLM):
    """Defines no ``_generate``: abstract, not reported."""

    @property
    def _llm_type(self) -> str:
        return "abstract"


class Mixin:
    """Not a model class."""

    timeout: float = 3.0


__all__ = ["AbstractBase", "FakeListLLM", "Mixin"]
