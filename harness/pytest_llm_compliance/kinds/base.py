"""The questions observations and checks ask of a model kind."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from langchain_core.language_models import BaseLanguageModel

    Model = BaseLanguageModel[Any]
else:
    Model = Any
"""A LangChain model of any kind (LangChain is imported only for type checking)."""

PROMPT = "The quick brown fox. Does it jump? (Yes!) Over the lazy dog, twice."
PROMPT_2 = "Another prompt: pack my box with five dozen liquor jugs."
SYSTEM = "You are a helpful bot."
QUESTION = "Say something short."


class Kind(ABC):
    """One kind of LangChain model, as the checks see it."""

    name: ClassVar[str]
    """``llm`` or ``chat``: shown in headers and reports."""
    noun: ClassVar[str]
    """What to call such a model in messages."""
    result_type: ClassVar[str]
    """The type ``invoke`` must return (``str``, ``AIMessage``)."""
    chunk_type: ClassVar[str]
    """The type ``stream`` must yield."""
    token_chunk_type: ClassVar[str]
    """The type of ``chunk=`` in ``on_llm_new_token``."""
    start_callback: ClassVar[str]
    """The callback that opens a run."""
    event_prefix: ClassVar[str]
    """The prefix of the model's ``astream_events`` (``on_llm_``, ``on_chat_model_``)."""
    first_parameter: ClassVar[str]
    """The name LangChain's model methods give their first parameter."""
    areas: ClassVar[tuple[str, ...]] = (
        "interface",
        "methods",
        "streaming",
        "stop",
        "secrets",
        "async",
        "callbacks",
        "docs",
    )
    """The areas of checks that apply to this kind (a new kind names its own)."""
    renders_params: ClassVar[bool] = False
    """True when ``str(model)`` shows the class name and ``Params: {...}`` (``BaseLLM``)."""

    @abstractmethod
    def is_kind(self, cls: type) -> bool:
        """True when ``cls`` is a model of this kind."""

    @property
    @abstractmethod
    def inputs(self) -> Mapping[str, Any]:
        """The inputs of ``invoke`` and friends, by name, each with a distinct prompt."""

    @property
    @abstractmethod
    def formatted(self) -> Mapping[str, str]:
        """What the run-opening callback gets for each input, as text."""

    @abstractmethod
    def text(self, result: Any) -> str | None:
        """The text of an ``invoke`` result (None: not a result of this kind)."""

    @abstractmethod
    def chunk_text(self, chunk: Any) -> str | None:
        """The text of a ``stream`` chunk (None: not a chunk of this kind)."""

    def cache_key(self, model: Any) -> str | None:
        """LangChain's cache key of the model beyond its params (None: the params are the key)."""
        return None

    def joined(self, chunks: Any) -> str | None:
        """The text of a list of chunks (None: not a non-empty list of this kind's chunks)."""
        if not isinstance(chunks, list) or not chunks:
            return None
        texts = [self.chunk_text(chunk) for chunk in chunks]
        return None if any(text is None for text in texts) else "".join(map(str, texts))

    def texts(self, results: Sequence[Any]) -> list[str] | None:
        """The text of each result (None if any is not a result of this kind)."""
        texts = [self.text(result) for result in results]
        return None if any(text is None for text in texts) else [str(text) for text in texts]

    rules: ClassVar[Mapping[str, str]] = {}
    """The rules whose words differ for this kind, by check id (the catalog's words are a
    text LLM's)."""

    def rule(self, check_id: str, catalog_rule: str) -> str:
        """The rule of ``check_id`` in this kind's words (types, callbacks, events)."""
        return self.rules.get(check_id, catalog_rule)

    def not_applicable(self, area: str) -> str:
        """Why checks of ``area`` do not apply to this kind (empty when they do)."""
        from pytest_llm_compliance.kinds import KINDS

        if area in self.areas:
            return ""
        owners = [kind for kind in KINDS if area in kind.areas]
        return f"{area}.* checks apply to {' and '.join(k.noun + 's' for k in owners)} only"
