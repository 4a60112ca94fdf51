"""Model kinds: what differs between a text LLM and a chat model, in one adapter each.

Observations and checks ask the target's ``Kind`` (``kind_of``) what its inputs
are, how to read the text of a result or a chunk, which callback opens a run
and which checks apply; nothing else branches on the kind. A third kind
(embeddings, say) is one more adapter in ``KINDS``.
"""

from __future__ import annotations

from pytest_llm_compliance.kinds.base import Kind
from pytest_llm_compliance.kinds.chat import ChatKind
from pytest_llm_compliance.kinds.text import TextKind

KINDS: tuple[Kind, ...] = (TextKind(), ChatKind())
"""Every kind the harness checks, most specific first."""


def kind_of_class(cls: type) -> Kind | None:
    """The kind of a model class (None: not a model the harness checks)."""
    return next((kind for kind in KINDS if kind.is_kind(cls)), None)


def kind_of(model: object) -> Kind | None:
    """The kind of a built model (None: not a model the harness checks)."""
    return kind_of_class(type(model))


def kind_named(name: str) -> Kind:
    """The kind whose ``name`` is ``name`` (``llm`` or ``chat``)."""
    return next(kind for kind in KINDS if kind.name == name)


__all__ = ["KINDS", "Kind", "kind_named", "kind_of", "kind_of_class"]
