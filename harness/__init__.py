"""pytest-llm-compliance: LangChain's custom-LLM checklist as executable checks."""

__version__ = "0.1.0"

__all__ = ["__version__"]
