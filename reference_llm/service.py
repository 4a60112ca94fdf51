"""An API-backed reference: the echo-n model served over HTTP with an API key."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing, closing
from typing import Any

import httpx
from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models.llms import LLM
from langchain_core.outputs import GenerationChunk
from langchain_core.utils import from_env, secret_from_env
from pydantic import Field, PrivateAttr, SecretStr

from reference_llm.server import API_KEY_ENV, COMPLETIONS
from reference_llm.server_chat import MODEL_NAME
from reference_llm.service_http import (
    EchoServiceError,
    asse_payloads,
    client_options,
    default_ssl_context,
    raise_for_status,
    service_errors,
    sse_payloads,
)

__all__ = ["EchoServiceError", "EchoServiceLLM"]

BASE_URL_ENV = "ECHO_SERVICE_BASE_URL"
DEFAULT_BASE_URL = "http://127.0.0.1:8765"
API_DOCS_URL = "https://github.com/pytest-llm-compliance/pytest-llm-compliance#the-echo-service-api"


class EchoServiceLLM(LLM):
    """Echo the first ``n`` characters of the prompt, computed by the echo service.

    A reference for integrations of an HTTP completion API: the API key is a
    ``SecretStr`` read from the environment, sync calls use a sync HTTP client
    and async calls an async one (the event loop never blocks), streaming reads
    the service's server-sent events with ``httpx-sse`` (``connect_sse``,
    ``aconnect_sse``), and errors never show the key.

    API reference: https://github.com/pytest-llm-compliance/pytest-llm-compliance#the-echo-service-api

    Setup:
        Start the service and export its key:

        .. code-block:: bash

            export ECHO_SERVICE_API_KEY="sk-..."
            python -m reference_llm.server --port 8765

    Example:
        .. code-block:: python

            from reference_llm import EchoServiceLLM

            llm = EchoServiceLLM(n=5)  # key from ECHO_SERVICE_API_KEY
            llm.invoke("This is a foobar thing")  # 'This '
            llm.invoke("hello", stop=["l"])  # 'hel'
            for token in llm.stream("hello"):
                print(token, end="|")  # h|e|l|l|o|
    """

    n: int = Field(ge=0)
    """How many characters of the prompt the service echoes back (0 or more)."""

    api_key: SecretStr = Field(
        default_factory=secret_from_env(
            API_KEY_ENV, error_message=f"set {API_KEY_ENV} or pass api_key="
        ),
    )
    """The service's API key; read from ``ECHO_SERVICE_API_KEY`` if not given."""

    base_url: str = Field(default_factory=from_env(BASE_URL_ENV, default=DEFAULT_BASE_URL))
    """The service's address; read from ``ECHO_SERVICE_BASE_URL`` if not given."""

    timeout: float = Field(default=10.0, gt=0)
    """Seconds to wait for the service before giving up on a request."""

    model_name: str = MODEL_NAME
    """The name reported to tracing and cost tools, such as LangSmith."""

    _ssl_context: ssl.SSLContext = PrivateAttr(default_factory=default_ssl_context)

    @property
    def _llm_type(self) -> str:
        """Name of this kind of model, used for logging and serialisation."""
        return "echo-n-service"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        """The settings that change what this model returns (never the key)."""
        return {"model_name": self.model_name, "n": self.n, "base_url": self.base_url}

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Where ``langchain_core.load`` finds the key when it loads the model."""
        return {"api_key": API_KEY_ENV}

    def _client_options(self) -> dict[str, Any]:
        return client_options(self.base_url, self.timeout, self.api_key, self._ssl_context)

    def _payload(self, prompt: str, stop: list[str] | None, stream: bool) -> dict[str, Any]:
        return {"prompt": prompt, "n": self.n, "stop": stop, "stream": stream}

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        """Ask the service for the first ``n`` characters of ``prompt``.

        Args:
            prompt: The prompt to echo.
            stop: Stop sequences; the service ends the output right after the
                first one that occurs, which is included.
            run_manager: Callback manager for the run.
            **kwargs: Ignored; accepted so that callers may pass provider options.

        Returns:
            The echoed text.

        Raises:
            EchoServiceError: The service is unreachable, slow, or refused.
        """
        with (
            service_errors(self.base_url, self.timeout),
            httpx.Client(**self._client_options()) as client,
        ):
            response = client.post(COMPLETIONS, json=self._payload(prompt, stop, False))
            raise_for_status(response, response.read())
            return str(response.json()["text"])

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        """Async twin of ``_call``: same arguments, same result, same errors."""
        with service_errors(self.base_url, self.timeout):
            async with httpx.AsyncClient(**self._client_options()) as client:
                response = await client.post(COMPLETIONS, json=self._payload(prompt, stop, False))
                raise_for_status(response, await response.aread())
                return str(response.json()["text"])

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        """Stream the service's answer, one chunk per server-sent event.

        ``on_llm_new_token`` fires before each chunk is yielded.

        Args:
            prompt: The prompt to echo.
            stop: Stop sequences, as for ``_call``.
            run_manager: Callback manager for the run.
            **kwargs: Ignored, as for ``_call``.

        Yields:
            One ``GenerationChunk`` per event.

        Raises:
            EchoServiceError: The service is unreachable, slow, or refused.
        """
        payload = self._payload(prompt, stop, True)
        with closing(sse_payloads(self._client_options(), COMPLETIONS, payload)) as events:
            for data in events:
                chunk = GenerationChunk(text=str(data["text"]))
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)  # before the yield
                yield chunk

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        """Async twin of ``_stream``: same arguments, same chunks, same errors."""
        payload = self._payload(prompt, stop, True)
        events = asse_payloads(self._client_options(), COMPLETIONS, payload)
        async with aclosing(events):  # closed (and its connection) as soon as the caller leaves
            async for data in events:
                chunk = GenerationChunk(text=str(data["text"]))
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)  # before the yield
                yield chunk
