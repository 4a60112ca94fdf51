"""The guide's echo-n model as a chat model, written to meet every item of the checklist."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
from pydantic import ConfigDict, Field

from reference_llm.chat_support import (
    ToolLike,
    choice_name,
    input_characters,
    last_human_text,
    ls_params,
    model_override,
    tool_binding,
    tools_answered,
    usage,
)
from reference_llm.stop import truncate_at_stop
from reference_llm.tool_calls import PlannedCall, output_characters, plan_calls

MODEL_NAME = "echo-n"
ARGS_PIECE = 8
"""Characters of a tool call's JSON arguments per streamed chunk."""


@dataclass(frozen=True)
class _Answer:
    """One answer: its text or tool calls, with its usage and response metadata."""

    text: str
    calls: list[PlannedCall]
    usage: UsageMetadata
    metadata: dict[str, Any]


class EchoChatModel(BaseChatModel):
    """Echo the first ``n`` characters of the last human message.

    The custom model of LangChain's guide ("echo-n") as a chat model, with the
    contribution checklist applied: native async and streaming, stop sequences
    respected and kept in the output, usage metadata counted once, the model's
    name in ``response_metadata``, and tool calling. It calls no service, so it
    has no credentials and no API documentation to link to.

    Example:
        .. code-block:: python

            from reference_llm import EchoChatModel

            model = EchoChatModel(n=5)
            model.invoke("This is a foobar thing").content  # 'This '
            model.invoke("hello", stop=["l"]).content  # 'hel': the stop is kept
            for chunk in model.stream("hello"):
                print(chunk.content, end="|")  # h|e|l|l|o|
            await model.ainvoke("hello")  # native async, the same answer

            from pydantic import BaseModel


            class GetWeather(BaseModel):
                '''Get the weather in a city.'''

                city: str


            with_tools = EchoChatModel(n=64).bind_tools([GetWeather])
            with_tools.invoke("Use GetWeather").tool_calls
            # [{'name': 'GetWeather', 'args': {'city': 'Use GetWeather'}, 'id': 'call_...', ...}]

    Stop sequences: the answer ends right after the first stop sequence that is
    completed, which is kept (literal text; the earliest wins). A stop list given
    at construction (``stop=`` or ``stop_sequences=``) applies to every call; a
    ``stop`` given to the call replaces it for that call (as ChatOpenAI and
    ChatAnthropic do), so ``stop=[]`` turns it off.

    Usage: counted in characters (``input_tokens``: the text of every input
    message; ``output_tokens``: the answer's text, or each tool call's name and
    JSON arguments). A stream carries it once, on its last chunk, with
    ``response_metadata`` (``model_name``, ``finish_reason``) and
    ``chunk_position="last"``, so the joined stream equals ``invoke``.

    Tools: see ``bind_tools``. A call's string arguments are the echoed text,
    other arguments are placeholders from the tool's schema (``reference_llm.
    tool_calls``). A stream sends each call as ``tool_call_chunks``: first the
    name, id and index, then the JSON arguments in pieces.

    Token callbacks: ``_stream``/``_astream`` fire ``on_llm_new_token`` for each
    chunk only when they are given a ``run_manager``. In langchain-core 1.8,
    ``BaseChatModel.stream``, ``astream`` and the streaming branch of
    ``invoke``/``ainvoke`` (``streaming=True``, and ``astream_events``) call
    ``_stream``/``_astream`` *without* one and fire the callback themselves
    (``langchain_core/language_models/chat_models.py``: stream 837 and 854,
    astream 970 and 991, ``_generate_with_cache`` 2024 and 2042,
    ``_agenerate_with_cache`` 2179 and 2197), so firing there too would count
    every token twice. Only the event-protocol path (``stream_events(version=
    "v3")``, and ``invoke`` under a v2 streaming handler) passes a
    ``run_manager`` (728, 760) and fires no token callback itself (only
    ``on_stream_event``, 734, 766): there the model's own call is the only one.
    So every path sees exactly one ``on_llm_new_token`` per chunk.
    ``tests/test_langchain_core_behaviour.py`` pins these lines' behaviour.
    """

    model_config = ConfigDict(populate_by_name=True)

    n: int = Field(ge=0)
    """How many characters of the last human message to echo back (0 or more)."""

    model_name: str = Field(default=MODEL_NAME, alias="model")
    """The model's name, reported in ``response_metadata`` and to tracing tools.

    A ``model=`` given to a call overrides it for that call."""

    stop_sequences: list[str] | None = Field(default=None, alias="stop")
    """Stop sequences for every call (``stop=`` works too); a call's own ``stop`` replaces them."""

    streaming: bool = False
    """Whether ``invoke`` streams internally, so that callbacks see each token."""

    @property
    def _llm_type(self) -> str:
        """Name of this kind of model, used for logging and serialisation."""
        return "echo-n-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        """The settings that change what this model returns.

        The stop list is keyed ``stop_sequences``: LangChain overwrites a ``stop``
        key with the call's own stop when it builds the invocation params.
        """
        return {"model_name": self.model_name, "n": self.n, "stop_sequences": self.stop_sequences}

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
        """Bind tools; the model calls those the last human message names.

        Args:
            tools: Tools as ``convert_to_openai_tool`` accepts them: ``BaseTool``,
                functions, pydantic classes, ``TypedDict`` or OpenAI tool dicts.
            tool_choice: ``None``/``"auto"`` (call the tools the message names),
                ``"none"`` (never call), ``"any"``/``"required"``/``True`` (always
                call: the named tools, else the first one), or a tool's name (or
                ``{"type": "function", "function": {"name": ...}}``): always call it.
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

    def _answer(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> _Answer:
        question = last_human_text(messages)
        text = truncate_at_stop(question[: self.n], self._stop(stop))
        calls = plan_calls(
            question,
            text,
            kwargs.get("tools") or [],
            choice_name(kwargs.get("tool_choice")),
            answered=tools_answered(messages),
        )
        text = "" if calls else text
        return _Answer(
            text=text,
            calls=calls,
            usage=usage(input_characters(messages), output_characters(text, calls)),
            metadata={
                "model_name": model_override(kwargs, self.model_name),
                "finish_reason": "tool_calls" if calls else "stop",
            },
        )

    def _result(self, answer: _Answer) -> ChatResult:
        message = AIMessage(
            content=answer.text,
            tool_calls=[tool_call(name=c.name, args=c.args, id=c.id) for c in answer.calls],
            usage_metadata=answer.usage,
            response_metadata=answer.metadata,
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Answer with the first ``n`` characters of the last human message, or tool calls.

        Args:
            messages: The conversation.
            stop: Stop sequences for this call; they replace the instance's.
            run_manager: Callback manager for the run.
            **kwargs: ``tools`` and ``tool_choice`` (bound by ``bind_tools``),
                ``model`` (the name to report); others are ignored.

        Returns:
            One generation whose ``AIMessage`` carries usage and response metadata.
        """
        return self._result(self._answer(messages, stop, kwargs))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Async twin of ``_generate``; same arguments, same result."""
        return self._result(self._answer(messages, stop, kwargs))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Stream the answer: one character per chunk, or the tool calls in pieces.

        ``on_llm_new_token`` fires before each chunk is yielded when a
        ``run_manager`` is given (see the class docstring for why only then).

        Args:
            messages: The conversation.
            stop: Stop sequences, as for ``_generate``.
            run_manager: Callback manager for the run.
            **kwargs: As for ``_generate``.

        Yields:
            ``ChatGenerationChunk``s; the last carries usage, response metadata
            and ``chunk_position="last"``.
        """
        for chunk in _chunks(self._answer(messages, stop, kwargs)):
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        """Async twin of ``_stream``; same arguments, same chunks."""
        for chunk in _chunks(self._answer(messages, stop, kwargs)):
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


def _chunks(answer: _Answer) -> list[ChatGenerationChunk]:
    """The stream of one answer; usage and metadata ride on the last chunk only."""
    pieces: list[dict[str, Any]] = [{"content": char} for char in answer.text]
    for call in answer.calls:
        head = tool_call_chunk(name=call.name, args="", id=call.id, index=call.index)
        pieces.append({"content": "", "tool_call_chunks": [head]})
        arguments = call.arguments
        pieces.extend(
            {
                "content": "",
                "tool_call_chunks": [
                    tool_call_chunk(args=arguments[i : i + ARGS_PIECE], index=call.index)
                ],
            }
            for i in range(0, len(arguments), ARGS_PIECE)
        )
    if not pieces:
        pieces.append({"content": ""})
    pieces[-1].update(
        usage_metadata=answer.usage, response_metadata=answer.metadata, chunk_position="last"
    )
    return [ChatGenerationChunk(message=AIMessageChunk(**piece)) for piece in pieces]
