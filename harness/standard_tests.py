"""``LLMComplianceMixin``: the checklist inside an existing langchain-tests subclass.

Install with ``pip install 'pytest-llm-compliance[langchain-tests]'``. One test
class then runs both suites, with langchain-tests' own
``test_no_overrides_DO_NOT_OVERRIDE`` and this mixin's twin of it:

.. code-block:: python

    from langchain_tests.unit_tests import ChatModelUnitTests

    from harness.standard_tests import LLMComplianceMixin
    from my_package import ChatMyModel, MyLLM


    class TestMyModel(LLMComplianceMixin, ChatModelUnitTests):
        @property
        def chat_model_class(self) -> type[ChatMyModel]:
            return ChatMyModel

        @property
        def chat_model_params(self) -> dict:
            return {"model": "my-model"}

        llm_class = MyLLM  # the text-completion class the checks look at
        llm_params = {"model": "my-model"}  # default: chat_model_params

The checks cover LangChain ``LLM`` classes; a chat model (``chat_model_class``
with no ``llm_class``) gets each check skipped with that reason until the
chat-model checks exist. Nothing here imports langchain-tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from harness.testclass import NO_OVERRIDES, ComplianceChecks

CHAT_MODELS_LATER = (
    "{name} is a chat model; the checks cover LangChain LLM (text-completion) "
    "classes for now (applies when llm_class names an LLM class or factory)"
)


class LLMComplianceMixin(ComplianceChecks):
    """The checklist's test methods for a langchain-tests subclass (list it first).

    The target is ``llm_class`` with ``llm_params`` (or, if those are unset,
    ``chat_model_params``); without ``llm_class``, ``chat_model_class``.
    """

    def compliance_target(self) -> tuple[Any, Mapping[str, Any]]:
        """``llm_class``, else langchain-tests' ``chat_model_class``, with their params."""
        params = self.llm_params or getattr(self, "chat_model_params", None) or {}
        if self.llm_class is not None:
            return self.llm_class, params
        chat = getattr(self, "chat_model_class", None)
        if chat is None:
            pytest.fail(
                f"test class {type(self).__name__}: set llm_class (or langchain-tests' "
                "chat_model_class) to the model to check",
                pytrace=False,
            )
        if _is_chat_model(chat):
            pytest.skip(CHAT_MODELS_LATER.format(name=getattr(chat, "__name__", chat)))
        return chat, params

    def test_llm_compliance_no_overrides_DO_NOT_OVERRIDE(self) -> None:
        """A check may only be overridden as an expected failure with a reason."""
        not_xfail = self.overridden_without_xfail()
        assert not not_xfail, NO_OVERRIDES.format(names=not_xfail)


def _is_chat_model(obj: Any) -> bool:
    from langchain_core.language_models.chat_models import BaseChatModel

    return isinstance(obj, type) and issubclass(obj, BaseChatModel)
