"""The same model through a test class, with other params: a target of its own."""

from counting_llm import CountingLLM
from pytest_llm_compliance import LLMComplianceTests


class TestCountingLLM(LLMComplianceTests):
    llm_class = CountingLLM
    llm_params = {"n": 48}
