"""An API-backed chat reference: the echo-n chat model served over HTTP with an API key."""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import aclosing, closing
from typing import Any, cast

import httpx
from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, UsageMetadata
from langchain_core.messages.tool import tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils import from_env, secret_from_env
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr

from reference_llm.chat_support import ToolLike, ls_params, model_override, tool_binding
from reference_llm.server import API_KEY_ENV, CHAT_COMPLETIONS
from reference_llm.server_chat import MODEL_NAME
from reference_llm.service import BASE_URL_ENV, DEFAULT_BASE_URL
from reference_llm.service_http import (
    EchoServiceError,
    asse_payloads,
    client_options,
    default_ssl_context,
    raise_for_status,
    service_errors,
    sse_payloads,
)

ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool"}
"""The service's role for each LangChain message type."""


class EchoServiceChatModel(BaseChatModel):
    """Echo the first ``n`` characters of the last human message, computed by the echo service.

    A reference for integrations of an HTTP chat API: the API key is a
    ``SecretStr`` read from the environment, sync calls use a sync HTTP client
    and async calls an async one (the event loop never blocks), streaming reads
    the service's server-sent events with ``httpx-sse`` (``connect_sse``,
    ``aconnect_sse``, as LangChain's partner packages do), every request has a
    timeout, and errors never show the key. Tools bound with ``bind_tools`` are
    sent to the service, which decides the calls as ``EchoChatModel`` does.

    API reference: https://github.com/pytest-llm-compliance/pytest-llm-compliance#the-echo-service-api

    Setup:
        Start the service and export its key:

        .. code-block:: bash

            export ECHO_SERVICE_API_KEY="sk-..."
            python -m reference_llm.server --port 8765

    Example:
        .. code-block:: python

            from reference_llm import EchoServiceChatModel

            model = EchoServiceChatModel(n=5)  # key from ECHO_SERVICE_API_KEY
            model.invoke("This is a foobar thing").content  # 'This '
            model.invoke("hello", stop=["l"]).content  # 'hel'
            for chunk in model.stream("hello"):
                print(chunk.content, end="|")  # h|e|l|l|o||

    The answer, stop sequences (a call's ``stop`` replaces the instance's),
    usage (in characters, once, on the last chunk), ``response_metadata`` and
    tool calls are those of ``EchoChatModel``; its docstring also says why
    ``_stream``/``_astream`` fire ``on_llm_new_token`` only when LangChain hands
    them a ``run_manager``. The stream's last chunk is the service's final
    event: no text, the usage and metadata, ``chunk_position="last"``.
    """

    model_config = ConfigDict(populate_by_name=True)

    n: int = Field(ge=0)
    """How many characters of the last human message the service echoes back (0 or more)."""

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

    model_name: str = Field(default=MODEL_NAME, alias="model")
    """The model's name, sent to the service and reported back in ``response_metadata``.

    A ``model=`` given to a call overrides it for that call."""

    stop_sequences: list[str] | None = Field(default=None, alias="stop")
    """Stop sequences for every call (``stop=`` works too); a call's own ``stop`` replaces them."""

    streaming: bool = False
    """Whether ``invoke`` streams internally, so that callbacks see each token."""

    _ssl_context: ssl.SSLContext = PrivateAttr(default_factory=default_ssl_context)

    @property
    def _llm_type(self) -> str:
        """Name of this kind of model, used for logging and serialisation."""
        return "echo-n-chat-service"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        """The settings that change what this model returns (never the key).

        The stop list is keyed ``stop_sequences``: LangChain overwrites a ``stop``
        key with the call's own stop when it builds the invocation params.
        """
        return {
            "model_name": self.model_name,
            "n": self.n,
            "stop_sequences": self.stop_sequences,
            "base_url": self.base_url,
        }

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Where ``langchain_core.load`` finds the key when it loads the model."""
        return {"api_key": API_KEY_ENV}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        """Tracing params: provider, model (a call's ``model=`` first) and the stop in effect."""
        return ls_params(kwargs, self.model_name, self._stop(stop))

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | Mapping[str, Any] | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools, sent to the service with each request.

        Args:
            tools: Tools as ``convert_to_openai_tool`` accepts them.
            tool_choice: As for ``EchoChatModel.bind_tools``: ``None``/``"auto"``,
                ``"none"``, ``"any"``/``"required"``/``True``, or a tool's name.
            **kwargs: Bound as further call options.

        Returns:
            The model with ``tools`` (and ``tool_choice``) bound.

        Raises:
            ValueError: ``tool_choice`` names no bound tool.
        """
        return super().bind(**tool_binding(tools, tool_choice), **kwargs)

    def _stop(self, stop: list[str] | None) -> list[str] | None:
        """The stop sequences in effect: the call's, else the instance's."""
        return stop if stop is not None else self.stop_sequences

    def _client_options(self) -> dict[str, Any]:
        return client_options(self.base_url, self.timeout, self.api_key, self._ssl_context)

    def _payload(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        stream: bool,
        kwargs: Mapping[str, Any],
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": model_override(kwargs, self.model_name),
            "messages": [_wire_message(message) for message in messages],
            "n": self.n,
            "stop": self._stop(stop),
            "stream": stream,
        }
        for option in ("tools", "tool_choice"):
            if kwargs.get(option) is not None:
                payload[option] = kwargs[option]
        return payload

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Ask the service for the answer to ``messages``.

        Args:
            messages: The conversation (human, ai, system and tool messages).
            stop: Stop sequences for this call; they replace the instance's.
            run_manager: Callback manager for the run.
            **kwargs: ``tools`` and ``tool_choice`` (bound by ``bind_tools``),
                ``model`` (the name to send); others are ignored.

        Returns:
            One generation whose ``AIMessage`` carries usage and response metadata.

        Raises:
            EchoServiceError: The service is unreachable, slow, or refused.
        """
        payload = self._payload(messages, stop, False, kwargs)
        with (
            service_errors(self.base_url, self.timeout),
            httpx.Client(**self._client_options()) as client,
        ):
            response = client.post(CHAT_COMPLETIONS, json=payload)
            raise_for_status(response, response.read())
            return _result(response.json())

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Async twin of ``_generate``: same arguments, same result, same errors."""
        payload = self._payload(messages, stop, False, kwargs)
        with service_errors(self.base_url, self.timeout):
            async with httpx.AsyncClient(**self._client_options()) as client:
                response = await client.post(CHAT_COMPLETIONS, json=payload)
                raise_for_status(response, await response.aread())
                return _result(response.json())

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Stream the service's answer, one chunk per server-sent event.

        ``on_llm_new_token`` fires before each chunk is yielded when a
        ``run_manager`` is given (see ``EchoChatModel`` for why only then).

        Args:
            messages: The conversation.
            stop: Stop sequences, as for ``_generate``.
            run_manager: Callback manager for the run.
            **kwargs: As for ``_generate``.

        Yields:
            One ``ChatGenerationChunk`` per event; the last carries usage,
            response metadata and ``chunk_position="last"``.

        Raises:
            EchoServiceError: The service is unreachable, slow, or refused.
        """
        payload = self._payload(messages, stop, True, kwargs)
        with closing(sse_payloads(self._client_options(), CHAT_COMPLETIONS, payload)) as events:
            for data in events:
                chunk = _chunk(data)
                if run_manager:
                    run_manager.on_llm_new_token(chunk.text, chunk=chunk)  # before the yield
                yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        """Async twin of ``_stream``: same arguments, same chunks, same errors."""
        payload = self._payload(messages, stop, True, kwargs)
        events = asse_payloads(self._client_options(), CHAT_COMPLETIONS, payload)
        async with aclosing(events):  # closed (and its connection) as soon as the caller leaves
            async for data in events:
                chunk = _chunk(data)
                if run_manager:
                    await run_manager.on_llm_new_token(chunk.text, chunk=chunk)  # before the yield
                yield chunk


def _wire_message(message: BaseMessage) -> dict[str, str]:
    """One message as the service takes it: its role and its text."""
    kind = getattr(message, "role", None) if message.type == "chat" else message.type
    role = ROLES.get(str(kind), str(kind))
    if role not in ROLES.values():
        raise ValueError(
            f"the echo service takes human, ai, system and tool messages, not {message.type!r}"
        )
    return {"role": role, "content": str(message.text)}


def _usage(data: Mapping[str, Any]) -> UsageMetadata:
    counts = {
        "input_tokens": int(data["input_tokens"]),
        "output_tokens": int(data["output_tokens"]),
        "total_tokens": int(data["total_tokens"]),
    }
    # a cast: mypy reads langchain-core's ``typing.NotRequired`` keys as required
    # when it checks for Python 3.10, which has no ``typing.NotRequired``
    return cast("UsageMetadata", counts)


def _metadata(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"model_name": str(data["model"]), "finish_reason": str(data["finish_reason"])}


def _result(data: Any) -> ChatResult:
    """The ``ChatResult`` of the service's answer."""
    try:
        answer = data["message"]
        message = AIMessage(
            content=str(answer["content"]),
            tool_calls=[
                tool_call(name=c["name"], args=json.loads(c["arguments"]), id=c["id"])
                for c in answer.get("tool_calls", [])
            ],
            usage_metadata=_usage(data["usage"]),
            response_metadata=_metadata(data),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise EchoServiceError(f"the echo service sent an unexpected answer ({exc!r})") from None
    return ChatResult(generations=[ChatGeneration(message=message)])


def _chunk(data: Mapping[str, Any]) -> ChatGenerationChunk:
    """The chunk of one event: text, a piece of a tool call, or the final usage."""
    try:
        if "content" in data:
            message = AIMessageChunk(content=str(data["content"]))
        elif "tool_call" in data:
            call = data["tool_call"]
            piece = tool_call_chunk(
                name=call.get("name"),
                args=call["arguments"],
                id=call.get("id"),
                index=call["index"],
            )
            message = AIMessageChunk(content="", tool_call_chunks=[piece])
        else:
            message = AIMessageChunk(
                content="",
                usage_metadata=_usage(data["usage"]),
                response_metadata=_metadata(data),
                chunk_position="last",
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise EchoServiceError(f"the echo service sent an unexpected event ({exc!r})") from None
    return ChatGenerationChunk(message=message)
