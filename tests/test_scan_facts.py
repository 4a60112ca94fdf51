"""The seam a scan runs through: facts read from a class, checks that declare what they need.

And the credential rule's false positives that a scan over real code met.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from langchain_core.language_models.llms import LLM
from pydantic import Field, SecretStr, model_validator
from pytest_llm_compliance.checks._api import catalog
from pytest_llm_compliance.core.credentials import is_credential_name
from pytest_llm_compliance.observe.introspect import (
    class_facts,
    read_facts,
    unvalidated,
)
from pytest_llm_compliance.observe.sources import class_source


class _Base(LLM):
    @property
    def _llm_type(self) -> str:
        return "t"

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return prompt


class RefusesToBuild(_Base):
    """Its validator wants a key: it cannot be built without one."""

    api_key: str | None = None

    @model_validator(mode="after")
    def _needs_key(self) -> RefusesToBuild:
        raise ValueError("Did not find api_key")

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "MY_API_KEY"}


def _no_host() -> str:
    raise ValueError("host was not set")


class DefaultsRaise(_Base):
    """``model_construct`` runs the default factory, which raises (as Databricks' host does)."""

    host: str = Field(default_factory=_no_host)
    password: str = ""

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"password": "MY_PASSWORD"}


def test_facts_of_a_class_that_does_not_build_read_its_lc_secrets():
    with pytest.raises(ValueError, match="Did not find api_key"):
        RefusesToBuild()
    facts = class_facts(RefusesToBuild)
    assert facts.lc_secrets == ("api_key",)
    assert facts.credential_fields == ("api_key",)


def test_a_class_whose_defaults_raise_is_read_from_a_bare_instance():
    with pytest.raises(ValueError, match="host was not set"):
        DefaultsRaise.model_construct()
    assert isinstance(unvalidated(DefaultsRaise), DefaultsRaise)
    assert class_facts(DefaultsRaise).lc_secrets == ("password",)


def test_class_facts_equal_the_facts_of_a_built_instance():
    class Builds(_Base):
        api_key: SecretStr | None = None
        base_url: str = "https://api.example.com"

    built, static = read_facts(Builds()), class_facts(Builds)
    assert static.credential_fields == built.credential_fields == ("api_key",)
    assert static.url_fields == built.url_fields == ("base_url",)


class LookAlikes(_Base):
    """Names of langchain-community's classes that are no credentials."""

    prompt_key: str | None = None
    """The key the prompt is sent under."""
    prompt_cache_key: str | None = None
    input_key: str = "input"
    spark_app_id: str | None = None
    url: str | None = None
    spark_llm_domain: str | None = None
    username: str | None = None
    mcp_servers: list[dict[str, Any]] | None = None
    pipeline_key: str = ""
    """The id or tag of the target pipeline"""
    credentials: Any = None
    "The default custom credentials (google.auth.credentials.Credentials) to use."
    hunyuan_secret_id: str | None = None
    prompt_api_key: str | None = None
    apikey: str | None = None

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {
            name: name.upper()
            for name in (
                "spark_app_id",
                "url",
                "spark_llm_domain",
                "username",
                "mcp_servers",
                "hunyuan_secret_id",
                "apikey",
            )
        }


def test_lookalikes_are_not_credentials_and_real_ones_stay():
    assert class_facts(LookAlikes).credential_fields == (
        "hunyuan_secret_id",  # listed, and "secret" is in its name
        "prompt_api_key",  # a data word, but an API key
        "apikey",  # listed in lc_secrets
    )


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("api_key", True),
        ("openai_api_key", True),
        ("secret_key", True),
        ("access_token", True),
        ("prompt_key", False),
        ("prompt_cache_key", False),
        ("output_key", False),
        ("stop_sequence_key", False),
        ("cache_api_key", True),
        ("eos_token", False),
        ("max_tokens", False),
    ],
)
def test_credential_names(name, credential):
    assert is_credential_name(name) is credential


def test_what_each_check_needs_is_declared():
    needs = {check.id: check.needs for check in catalog().values()}
    assert {i for i, n in needs.items() if n == "class"} == {
        "interface.llm_type",
        "interface.signatures",
        "secrets.secretstr",
        "docs.class_docstring",
        "docs.init_args",
        "docs.api_link",
    }
    assert {i for i, n in needs.items() if n == "instance"} == {"interface.identifying_params"}
    assert all(n == "calls" for i, n in needs.items() if i.startswith(("methods", "stop")))


class Outer:
    class Inner:
        pass


def _decorate(cls):
    return cls


@_decorate
class Decorated:
    pass


def test_class_source_agrees_with_inspect():
    def make():
        class Local:
            x = 1

        return Local

    for cls in (LookAlikes, Outer.Inner, Decorated, make()):
        lines, start = inspect.getsourcelines(cls)
        assert class_source(cls) == (lines, start), cls
