"""langchain-core's own fake chat models: pure Python, no server.

Four classes of ``langchain_core/language_models/fake_chat_models.py``, each a
different shape: ``FakeListChatModel`` (a ``SimpleChatModel`` with ``_call`` and
native ``_stream``/``_astream``), ``GenericFakeChatModel`` (``_generate`` and a
sync ``_stream`` only), ``FakeMessagesListChatModel`` (``_generate`` only) and
``ParrotFakeChatModel`` (``_generate`` returning the input's last message, a
``HumanMessage``). Each answers the same text on every call, so all are
deterministic.

What langchain-core does for every chat model, read in
``langchain_core/language_models/chat_models.py`` (``CORE`` below), decides several
verdicts: ``stream`` calls ``_stream`` without a run manager (:837) and fires
``on_llm_new_token(..., chunk=chunk)`` itself once per chunk before yielding it
(:854-856; ``astream`` :970-993), so a class's own ``if run_manager:`` callback in
``_stream`` never fires there; a class without ``_stream`` gets invoke's message as
the single chunk (:778-783, ``astream`` :909-914); without ``_agenerate`` or
``_astream`` the sync code runs in an executor (:2271-2292, :2318-2353); ``bind_tools``
raises ``NotImplementedError`` unless overridden (:2409-2426). Paths are relative
to site-packages.
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.real_classes.case import Expect, RealCase, failed, passed, skipped

ANSWER = "The quick brown fox. Does it jump? (Yes!) Over the lazy dog."
"""One fixed answer of about 64 characters, with words and regex metacharacters."""
FAKE = "langchain_core/language_models/fake_chat_models.py"
CORE = "langchain_core/language_models/chat_models.py"
BASE = "langchain_core/language_models/base.py"


def build_fake_list(url: str) -> tuple[Any, dict[str, Any]]:
    """``FakeListChatModel`` with one response."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    return FakeListChatModel, {"responses": [ANSWER]}


def build_generic(url: str) -> tuple[Any, dict[str, Any]]:
    """``GenericFakeChatModel`` answering ``ANSWER`` forever.

    ``messages`` is an iterator, consumed one per call; ``itertools.repeat`` never
    runs out and is the same for every instance built from these params.
    """
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    return GenericFakeChatModel, {"messages": itertools.repeat(ANSWER)}


def build_messages_list(url: str) -> tuple[Any, dict[str, Any]]:
    """``FakeMessagesListChatModel`` with one ``AIMessage``."""
    from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
    from langchain_core.messages import AIMessage

    return FakeMessagesListChatModel, {"responses": [AIMessage(content=ANSWER)]}


def build_parrot(url: str) -> tuple[Any, dict[str, Any]]:
    """``ParrotFakeChatModel``: no fields at all."""
    from langchain_core.language_models.fake_chat_models import ParrotFakeChatModel

    return ParrotFakeChatModel, {}


NO_SERVICE = "hold no credential and no URL"
ONE_VERDICT = (
    "one defect, one verdict: stop.respected fails the ignored stop, and stop.included "
    "judges only answers that stopped (README, decisions)"
)
NO_NAME = (
    "no model to name: the class has no model field (no model, model_name, ...) and its "
    f"messages' response_metadata hold only what LangChain adds ({CORE}:2078-2089)"
)
NO_BIND_TOOLS = (
    f"bind_tools is not overridden: LangChain's raises NotImplementedError ({CORE}:2426)"
)
CORE_TOKENS = (
    f"{CORE}:837,854: stream calls _stream without a run manager and fires on_llm_new_token "
    "itself once per chunk, chunk= the ChatGenerationChunk (astream :970-991)"
)
CORE_ORDER = f"{CORE}:854-856: LangChain fires on_llm_new_token, then yields the chunk (:991-993)"
CORE_EVENTS = f"{CORE}:991: on_llm_new_token per chunk gives on_chat_model_stream events"


def common(fields: str, no_stop: str) -> dict[str, Expect]:
    """What every fake shares: no credential, no service, no stop field, no tools."""
    return {
        "secrets.secretstr": skipped(f"{FAKE}:{fields} {NO_SERVICE}"),
        "secrets.no_leak": skipped(f"{FAKE}:{fields} {NO_SERVICE}"),
        "docs.api_link": skipped(f"{FAKE}:{fields} {NO_SERVICE}; it calls no service"),
        "stop.included": skipped(
            f"{FAKE}:{no_stop}: stop is ignored, so no answer stops: {ONE_VERDICT}"
        ),
        "stop.bound": skipped(f"{FAKE}:{fields}: no stop init field"),
        "chat.tool_calls": skipped(NO_BIND_TOOLS),
        "callbacks.lifecycle": passed(
            f"{CORE}:770-899: LangChain opens one on_chat_model_start run per call with the "
            "formatted messages and closes it with on_llm_end"
        ),
    }


FAKE_LIST_EXPECTED = common("62-68: responses, sleep, i, error_on_chunk_number", "76-121") | {
    "interface.llm_type": passed(
        f"{FAKE}:70-73: @property _llm_type returns 'fake-list-chat-model'"
    ),
    "interface.identifying_params": passed(
        f"{FAKE}:151-154: @property returning {{'responses': [...]}}, a list of str, the same "
        "for identical instances"
    ),
    "interface.signatures": passed(
        f"{FAKE}:95-101 _stream (a generator) and 124-130 _astream (an async generator) take "
        f"messages, stop, run_manager, **kwargs; _generate is SimpleChatModel's ({CORE}:2712)"
    ),
    "methods.invoke": passed(
        f"{CORE}:2712-2723: SimpleChatModel wraps _call's str (87-92) in an AIMessage"
    ),
    "methods.ainvoke": passed(f"{CORE}:2734-2745: SimpleChatModel runs _generate in an executor"),
    "methods.batch": passed(f"{FAKE}:158-171: batch overridden, one invoke per input, in order"),
    "methods.abatch": passed(f"{FAKE}:174-189: abatch awaits one ainvoke per input, in order"),
    "methods.stream": passed(
        f"{FAKE}:107-121: _stream yields the answer one character per AIMessageChunk, the "
        "last marked chunk_position='last'"
    ),
    "methods.astream": passed(f"{FAKE}:136-149: _astream yields the same chunks"),
    "streaming.new_token": passed(f"{FAKE}:95-149: the class fires no callback; {CORE_TOKENS}"),
    "streaming.token_before_yield": passed(CORE_ORDER),
    "streaming.events": passed(f"{FAKE}:124-149: a native _astream; {CORE_EVENTS}"),
    "stop.respected": failed(
        f"{FAKE}:76-121: _call (args unused) and _stream/_astream return the response whole; "
        "stop (98, 127) is never read"
    ),
    "async.parity": passed(f"{FAKE}:124-149: _astream mirrors _stream; abatch mirrors batch"),
    "async.non_blocking": passed(
        f"{FAKE}:137-138: _astream pauses with asyncio.sleep; ainvoke runs _generate in an "
        f"executor ({CORE}:2734-2745)"
    ),
    "async.cancellation": passed(
        f"{FAKE}:136-149: _astream holds nothing open: closing it at a yield ends it"
    ),
    "docs.class_docstring": failed(
        f'{FAKE}:60: the docstring is """Fake chat model for testing purposes."""'
    ),
    "docs.init_args": failed(f"{FAKE}:64: sleep has no docstring"),
    "chat.usage_metadata": skipped(
        f"{CORE}:2719-2722: invoke's AIMessage is built from _call's str, with no usage"
    ),
    "chat.response_metadata": skipped(NO_NAME),
}

GENERIC_EXPECTED = common("238: messages, an iterator,", "254-315") | {
    "interface.llm_type": passed(
        f"{FAKE}:369-371: @property _llm_type returns 'generic-fake-chat-model'"
    ),
    "interface.identifying_params": passed(
        f"{BASE}:430: not overridden; the inherited property returns lc_attributes ({{}}), "
        "stable and JSON-serialisable (the iterator is left out of the cache key)"
    ),
    "interface.signatures": passed(
        f"{FAKE}:254-260 _generate and 266-272 _stream (a generator) take messages, stop, "
        "run_manager, **kwargs"
    ),
    "methods.invoke": passed(f"{FAKE}:261-264: the next message, a str made an AIMessage"),
    "methods.ainvoke": passed(f"{CORE}:2271-2292: LangChain runs _generate in an executor"),
    "methods.batch": passed(f"{FAKE}:261: every call answers the next (identical) message"),
    "methods.abatch": passed(f"{CORE}:2271-2292: the same _generate, in an executor"),
    "methods.stream": passed(
        f"{FAKE}:301-315: _stream splits the content on whitespace, keeping it, one chunk "
        "per piece, the last marked chunk_position='last'"
    ),
    "methods.astream": passed(
        f"{CORE}:2318-2353: no _astream; LangChain steps _stream in an executor"
    ),
    "streaming.new_token": passed(
        f"{FAKE}:313-314: the class fires only when given a run manager, which "
        f"LangChain's stream never passes; {CORE_TOKENS}"
    ),
    "streaming.token_before_yield": passed(CORE_ORDER),
    "streaming.events": passed(
        f"{CORE}:2318-2353: astream streams _stream's chunks; {CORE_EVENTS}"
    ),
    "stop.respected": failed(
        f"{FAKE}:254-264: _generate never reads stop; _stream (273) streams its answer whole"
    ),
    "async.parity": passed(f"{CORE}:2271-2353: the async path runs the sync code in an executor"),
    "async.non_blocking": passed(
        f"{CORE}:2289, 2336-2351: _generate and every step of _stream run in an executor"
    ),
    "async.cancellation": passed(
        f"{CORE}:2344-2353: astream awaits one executor step per chunk; closing it between "
        "steps leaves nothing running"
    ),
    "docs.class_docstring": failed(
        f"{FAKE}:228-236: the docstring lists what the class does, with no example"
    ),
    "docs.init_args": passed(f"{FAKE}:239-251: messages, its only field, has a docstring"),
    "chat.usage_metadata": skipped(f"{FAKE}:262: AIMessage(content=message), with no usage"),
    "chat.response_metadata": skipped(NO_NAME),
}

NOT_STREAMING = f"{FAKE}:%s: neither _stream, _astream, stream nor astream is defined"

MESSAGES_LIST_EXPECTED = common("24-29: responses, sleep, i", "32-47") | {
    "interface.llm_type": passed(
        f"{FAKE}:49-52: @property _llm_type returns 'fake-messages-list-chat-model'"
    ),
    "interface.identifying_params": passed(
        f"{BASE}:430: not overridden; the inherited property returns lc_attributes ({{}})"
    ),
    "interface.signatures": passed(
        f"{FAKE}:32-38: _generate, its only model method, takes messages, stop, run_manager, "
        "**kwargs"
    ),
    "methods.invoke": passed(f"{FAKE}:41-47: returns the listed AIMessage"),
    "methods.ainvoke": passed(f"{CORE}:2271-2292: LangChain runs _generate in an executor"),
    "methods.batch": passed(f"{FAKE}:41-45: one response, so the same AIMessage per input"),
    "methods.abatch": passed(f"{CORE}:2271-2292: the same _generate, in an executor"),
    "methods.stream": passed(
        f"{CORE}:778-783: no _stream, so LangChain's stream yields invoke's AIMessage, cast "
        "as a chunk: the text joins to invoke's, and the type is LangChain's choice"
    ),
    "methods.astream": passed(
        f"{CORE}:909-914: no stream: LangChain's astream yields ainvoke's AIMessage"
    ),
    "streaming.new_token": skipped(NOT_STREAMING % "21-52"),
    "streaming.token_before_yield": skipped(NOT_STREAMING % "21-52"),
    "streaming.events": skipped(NOT_STREAMING % "21-52"),
    "stop.respected": failed(f"{FAKE}:32-47: _generate never reads stop (35)"),
    "async.parity": passed(f"{CORE}:2271-2292: ainvoke runs the same _generate"),
    "async.non_blocking": passed(
        f"{CORE}:2289: _generate (and its time.sleep, {FAKE}:40) runs in an executor"
    ),
    "async.cancellation": skipped(
        f"{CORE}:909-914: astream is LangChain's fallback, one ainvoke-sized chunk after the "
        "run has ended: the class has no stream of its own to cancel"
    ),
    "docs.class_docstring": failed(
        f'{FAKE}:22: the docstring is """Fake chat model for testing purposes."""'
    ),
    "docs.init_args": passed(f"{FAKE}:25,27,29: responses, sleep and i each have a docstring"),
    "chat.usage_metadata": skipped(f"{FAKE}:46: the listed AIMessage, given with no usage"),
    "chat.response_metadata": skipped(NO_NAME),
}

NOT_AI = (
    f"{FAKE}:389-392: _generate returns messages[-1], the caller's last message (a "
    "HumanMessage for a str, a ChatPromptValue or a message list), not an AIMessage"
)

PARROT_EXPECTED = common("374-396: no fields; they", "382-392") | {
    "interface.llm_type": passed(
        f"{FAKE}:394-396: @property _llm_type returns 'parrot-fake-chat-model'"
    ),
    "interface.identifying_params": passed(
        f"{BASE}:430: not overridden; the inherited property returns lc_attributes ({{}})"
    ),
    "interface.signatures": passed(
        f"{FAKE}:382-388: _generate takes messages, stop, run_manager, **kwargs"
    ),
    "methods.invoke": failed(NOT_AI),
    "methods.ainvoke": failed(f"{NOT_AI}; ainvoke runs it in an executor ({CORE}:2289)"),
    "methods.batch": failed(f"{NOT_AI}, for every input"),
    "methods.abatch": failed(f"{NOT_AI}, for every input"),
    "methods.stream": failed(
        f"{CORE}:778-783: no _stream, so stream yields invoke's message: {NOT_AI}, not an "
        "AIMessageChunk"
    ),
    "methods.astream": failed(f"{CORE}:909-914: astream yields ainvoke's HumanMessage"),
    "streaming.new_token": skipped(NOT_STREAMING % "374-396"),
    "streaming.token_before_yield": skipped(NOT_STREAMING % "374-396"),
    "streaming.events": skipped(NOT_STREAMING % "374-396"),
    "stop.respected": skipped(
        f"{NOT_AI}: no AIMessage to take a stop sequence from (stop, 385, is never read "
        "either): one defect, one verdict, methods.invoke fails it"
    ),
    "async.parity": skipped(
        f"{NOT_AI}, on both paths: no sync/async pair gives a valid result to compare "
        "(one defect, one verdict: methods.* fail it)"
    ),
    "async.non_blocking": passed(f"{CORE}:2289: _generate runs in an executor"),
    "async.cancellation": skipped(
        f"{CORE}:909-914: astream is LangChain's fallback: no stream of its own to cancel"
    ),
    "docs.class_docstring": failed(f"{FAKE}:375-379: the docstring has no example"),
    "docs.init_args": skipped(f"{FAKE}:374-396: the class declares no init fields"),
    "chat.usage_metadata": skipped(f"{NOT_AI}: it carries no usage_metadata"),
    "chat.response_metadata": skipped(f"{NOT_AI}; {NO_NAME}"),
}

HOW = "pure Python, no server, no credentials; "

CASES: list[RealCase] = [
    RealCase(
        name="langchain_core.language_models.fake_chat_models:FakeListChatModel",
        distribution="langchain-core",
        build=build_fake_list,
        expected=FAKE_LIST_EXPECTED,
        kind="chat",
        how_built=HOW + "a SimpleChatModel (_call) with native _stream/_astream per character",
    ),
    RealCase(
        name="langchain_core.language_models.fake_chat_models:GenericFakeChatModel",
        distribution="langchain-core",
        build=build_generic,
        expected=GENERIC_EXPECTED,
        kind="chat",
        how_built=HOW + "_generate and a sync _stream per word; async through LangChain's executor",
    ),
    RealCase(
        name="langchain_core.language_models.fake_chat_models:FakeMessagesListChatModel",
        distribution="langchain-core",
        build=build_messages_list,
        expected=MESSAGES_LIST_EXPECTED,
        kind="chat",
        how_built=HOW + "_generate only; streaming and async are LangChain's fallbacks",
    ),
    RealCase(
        name="langchain_core.language_models.fake_chat_models:ParrotFakeChatModel",
        distribution="langchain-core",
        build=build_parrot,
        expected=PARROT_EXPECTED,
        kind="chat",
        how_built=HOW + "_generate echoes the last input message (a HumanMessage) back",
    ),
]
