"""What a scan over real code meets and must not flag: each class passes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.llms import LLM
from langchain_core.outputs import GenerationChunk
from pydantic import SecretStr


class NotCredentials(LLM):
    """Fields named like credentials that are none, as in langchain-community.

    API reference: https://docs.example-provider.com/api

    Example:
        .. code-block:: python

            llm = NotCredentials(api_key="...")
            llm.invoke("hello")
    """

    api_key: SecretStr | None = None
    """The only credential."""

    prompt_key: str = "prompt"
    """The key the prompt is sent under (Replicate's ``prompt_key``)."""

    prompt_cache_key: str | None = None
    """The key of the provider's prompt cache."""

    app_id: str = "my-app"
    """The application's id, listed in ``lc_secrets`` (iFlytek's ``spark_app_id``)."""

    base_url: str = "https://api.example-provider.com"
    """The endpoint, listed in ``lc_secrets`` (watsonx's ``url``)."""

    deployment_key: str = "main"
    """The id of the deployment to call."""

    credentials: Any = None
    """The default google.auth.credentials.Credentials to use."""

    eos_token: str = "</s>"
    """Tokenizer vocabulary, not a credential."""

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "MY_API_KEY", "app_id": "MY_APP_ID", "base_url": "MY_URL"}

    @property
    def _llm_type(self) -> str:
        return "not-credentials"

    def _call(self, prompt, stop=None, run_manager=None, **kwargs):
        return prompt


class PassThrough(LLM):
    """Model methods that pass everything on, as dispatchers do.

    API reference: https://docs.example-provider.com/api

    Example:
        .. code-block:: python

            llm = PassThrough()
            llm.invoke("hello")
    """

    @property
    def _llm_type(self) -> str:
        return "pass-through"

    def _call(self, *args: Any, **kwargs: Any) -> str:
        return str(args[0])

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[GenerationChunk]:
        yield GenerationChunk(text=str(args[0]))

    async def _acall(self, *args: Any, **kwargs: Any) -> str:
        return str(args[0])
