"""An API-backed reference: the echo-n model served over HTTP with an API key."""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
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

from reference_llm.server import API_KEY_ENV, MODEL_NAME

BASE_URL_ENV = "ECHO_SERVICE_BASE_URL"
DEFAULT_BASE_URL = "http://127.0.0.1:8765"
API_DOCS_URL = "https://github.com/pytest-llm-compliance/pytest-llm-compliance#the-echo-service-api"


class EchoServiceError(RuntimeError):
    """The echo service could not be reached or refused a request."""


class EchoServiceLLM(LLM):
    """Echo the first ``n`` characters of the prompt, computed by the echo service.

    A reference for integrations of an HTTP completion API: the API key is a
    ``SecretStr`` read from the environment, sync calls use a sync HTTP client
    and async calls an async one (the event loop never blocks), streaming reads
    the service's server-sent events, and errors never show the key.

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

    _ssl_context: ssl.SSLContext = PrivateAttr(default_factory=ssl.create_default_context)

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
        return {
            "base_url": self.base_url,
            "timeout": self.timeout,
            "verify": self._ssl_context,
            "headers": {"Authorization": f"Bearer {self.api_key.get_secret_value()}"},
        }

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
        with _service_errors(self), httpx.Client(**self._client_options()) as client:
            response = client.post("/v1/completions", json=self._payload(prompt, stop, False))
            _raise_for_status(response, response.read())
            return str(response.json()["text"])

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        """Async twin of ``_call``: same arguments, same result, same errors."""
        with _service_errors(self):
            async with httpx.AsyncClient(**self._client_options()) as client:
                response = await client.post(
                    "/v1/completions", json=self._payload(prompt, stop, False)
                )
                _raise_for_status(response, await response.aread())
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
        with (
            _service_errors(self),
            httpx.Client(**self._client_options()) as client,
            client.stream("POST", "/v1/completions", json=payload) as response,
        ):
            _raise_for_status(response, response.read() if response.is_error else b"")
            for line in response.iter_lines():
                text = _event_text(line)
                if text is None:
                    continue
                chunk = GenerationChunk(text=text)
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)
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
        with _service_errors(self):
            async with (
                httpx.AsyncClient(**self._client_options()) as client,
                client.stream("POST", "/v1/completions", json=payload) as response,
            ):
                _raise_for_status(response, await response.aread() if response.is_error else b"")
                async for line in response.aiter_lines():
                    text = _event_text(line)
                    if text is None:
                        continue
                    chunk = GenerationChunk(text=text)
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk


def _event_text(line: str) -> str | None:
    """Return the text of one server-sent event line, or None for other lines."""
    if not line.startswith("data: ") or line == "data: [DONE]":
        return None
    return str(json.loads(line.removeprefix("data: "))["text"])


def _raise_for_status(response: httpx.Response, body: bytes) -> None:
    """Raise ``EchoServiceError`` with the service's own message on an error."""
    if not response.is_error:
        return
    try:
        message = json.loads(body)["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = body[:200].decode(errors="replace")
    if response.status_code == 401:
        raise EchoServiceError(
            f"the echo service rejected the API key (HTTP 401: {message}); check {API_KEY_ENV}"
        )
    raise EchoServiceError(f"the echo service answered HTTP {response.status_code}: {message}")


@contextmanager
def _service_errors(llm: EchoServiceLLM) -> Iterator[None]:
    """Turn httpx transport errors into ``EchoServiceError`` (never with the key)."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise EchoServiceError(
            f"the echo service at {llm.base_url} did not answer within "
            f"{llm.timeout} s ({type(exc).__name__})"
        ) from exc
    except httpx.TransportError as exc:
        raise EchoServiceError(
            f"cannot reach the echo service at {llm.base_url}: {type(exc).__name__}: {exc}"
        ) from exc
