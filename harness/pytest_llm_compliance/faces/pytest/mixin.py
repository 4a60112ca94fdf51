"""``LLMComplianceMixin``: the checklist inside an existing langchain-tests subclass.

Install with ``pip install 'pytest-llm-compliance[langchain-tests]'``. One test
class then runs both suites, with langchain-tests' own
``test_no_overrides_DO_NOT_OVERRIDE`` and this mixin's twin of it:

.. code-block:: python

    from langchain_tests.unit_tests import ChatModelUnitTests

    from pytest_llm_compliance.faces.pytest.mixin import LLMComplianceMixin
    from my_package import ChatMyModel, MyLLM


    class TestMyModel(LLMComplianceMixin, ChatModelUnitTests):
        @property
        def chat_model_class(self) -> type[ChatMyModel]:
            return ChatMyModel

        @property
        def chat_model_params(self) -> dict:
            return {"model": "my-model"}

The checks look at ``chat_model_class`` with ``chat_model_params``, the
class both suites share. ``model_class`` (or ``llm_class``) and
``model_params`` point them at another model, such as the text-completion
class of the same package. Nothing here imports langchain-tests.

For a model backed by a service, list the mixin in the
``ChatModelIntegrationTests`` subclass (``langchain_tests.integration_tests``):
most checks call the model, and where sockets are disabled (partner packages
run unit tests with ``--disable-socket``) they report *could not check* errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from pytest_llm_compliance.faces.pytest.testclass import NO_OVERRIDES, ComplianceChecks


class LLMComplianceMixin(ComplianceChecks):
    """The checklist's test methods for a langchain-tests subclass (list it first).

    The target is ``model_class`` (or ``llm_class``) with its params (or, if
    those are unset, ``chat_model_params``); without one, ``chat_model_class``.
    """

    def compliance_target(self) -> tuple[Any, Mapping[str, Any]]:
        """``model_class``/``llm_class``, else langchain-tests' ``chat_model_class``."""
        params = self.declared_params() or getattr(self, "chat_model_params", None) or {}
        target = self.declared_target()
        if target is None:
            target = getattr(self, "chat_model_class", None)
        if target is None:
            pytest.fail(
                f"test class {type(self).__name__}: set langchain-tests' chat_model_class "
                "(or model_class) to the model to check",
                pytrace=False,
            )
        return target, params

    def test_llm_compliance_no_overrides_DO_NOT_OVERRIDE(self) -> None:
        """A check may only be overridden as an expected failure with a reason."""
        not_xfail = self.overridden_without_xfail()
        assert not not_xfail, NO_OVERRIDES.format(names=not_xfail)
