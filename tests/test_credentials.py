"""The one credential-name rule, for fields, headers, query parameters and environment variables."""

from __future__ import annotations

import pytest
from pytest_llm_compliance.core.credentials import is_credential_name
from pytest_llm_compliance.core.redact import Redactor


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("authorization", True),
        ("X-Api-Key", True),
        ("x-goog-api-key", True),
        ("x-auth-token", True),
        ("ocp-apim-subscription-key", True),
        ("key", True),  # ?key= of Google's APIs
        ("apikey", True),
        ("set-cookie", True),
        ("content-type", False),
        ("x-ratelimit-remaining-tokens", False),
        ("max_tokens", False),
        ("anthropic-version", False),
    ],
)
def test_headers_and_query_parameters(name, credential):
    assert is_credential_name(name) is credential


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("OPENAI_API_KEY", True),
        ("OPENAI_API_KEY_PROD", True),
        ("AWS_ACCESS_KEY_ID", True),
        ("HF_TOKEN", True),
        ("DB_PASSWORD", True),
        ("AUTHOR", False),
        ("TOKENIZERS_PARALLELISM", False),
        ("KEYRING_BACKEND", False),
    ],
)
def test_environment_variables(name, masked, monkeypatch):
    assert is_credential_name(name, anywhere=True) is masked
    monkeypatch.setenv(name, "value-of-" + name.lower())
    shown = Redactor.from_environment()("it is value-of-" + name.lower())
    assert ("value-of-" not in shown) is masked
