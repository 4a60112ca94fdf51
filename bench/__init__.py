"""Benchmarks of pytest-llm-compliance: run them with ``python -m bench``."""
