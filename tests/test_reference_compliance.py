"""Both references checked through the plugin, exactly as a user would."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from pytest_llm_compliance import LLMComplianceTests

from reference_llm import EchoLLM, EchoServiceLLM
from tests.conftest import SERVICE_KEY


class TestEchoLLM(LLMComplianceTests):
    llm_class = EchoLLM
    llm_params: ClassVar[dict[str, Any]] = {"n": 64}


class TestEchoServiceLLM(LLMComplianceTests):
    llm_class = EchoServiceLLM

    @pytest.fixture(autouse=True)
    def _point_at_the_service(self, request, echo_server):
        request.cls.llm_params = {
            "n": 64,
            "base_url": echo_server.url,
            "api_key": SERVICE_KEY,
        }
