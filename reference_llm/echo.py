"""The guide's echo-n model, written so that it meets every item of the checklist."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models.llms import LLM
from langchain_core.outputs import GenerationChunk
from pydantic import Field

from reference_llm.stop import truncate_at_stop


class EchoLLM(LLM):
    """Echo the first ``n`` characters of the prompt.

    The custom LLM of LangChain's guide "How to create a custom LLM class", with
    the contribution checklist applied: stop sequences are respected and kept in
    the output, streaming fires ``on_llm_new_token`` before each chunk is
    yielded, and the async methods are native. It calls no service, so it has
    no credentials and no API documentation to link to.

    Example:
        .. code-block:: python

            from reference_llm import EchoLLM

            llm = EchoLLM(n=5)
            llm.invoke("This is a foobar thing")  # 'This '
            llm.invoke("hello", stop=["l"])  # 'hel': the stop sequence is kept
            llm.batch(["woof woof woof", "meow meow meow"])  # ['woof ', 'meow ']
            for token in llm.stream("hello"):
                print(token, end="|")  # h|e|l|l|o|
    """

    n: int = Field(ge=0)
    """How many characters of the prompt to echo back (0 or more)."""

    model_name: str = "echo-n"
    """The name reported to tracing and cost tools, such as LangSmith."""

    @property
    def _llm_type(self) -> str:
        """Name of this kind of model, used for logging and serialisation."""
        return "echo-n"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        """The settings that change what this model returns."""
        return {"model_name": self.model_name, "n": self.n}

    def _echo(self, prompt: str, stop: list[str] | None) -> str:
        return truncate_at_stop(prompt[: self.n], stop)

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        """Return the first ``n`` characters of ``prompt``.

        Args:
            prompt: The prompt to echo.
            stop: Stop sequences; the output ends right after the first one that
                occurs, which is included.
            run_manager: Callback manager for the run.
            **kwargs: Ignored; accepted so that callers may pass provider options.

        Returns:
            The echoed text.
        """
        return self._echo(prompt, stop)

    async def _acall(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        """Async twin of ``_call``; same arguments, same result."""
        return self._echo(prompt, stop)

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        """Stream the echoed text one character at a time.

        ``on_llm_new_token`` fires before each chunk is yielded, so that
        ``astream_events`` and streaming handlers see every token as it comes.

        Args:
            prompt: The prompt to echo.
            stop: Stop sequences, as for ``_call``.
            run_manager: Callback manager for the run.
            **kwargs: Ignored, as for ``_call``.

        Yields:
            One ``GenerationChunk`` per character.
        """
        for char in self._echo(prompt, stop):
            chunk = GenerationChunk(text=char)
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
        """Async twin of ``_stream``; same arguments, same chunks."""
        for char in self._echo(prompt, stop):
            chunk = GenerationChunk(text=char)
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
