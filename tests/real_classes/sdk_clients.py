"""A published class given as a factory whose instance holds SDK clients the user built.

langchain-openai's ``BaseChatOpenAI`` takes ready-made ``openai`` clients
(``client``, ``async_client``, ``root_client``, ``root_async_client``, fields marked
``exclude=True``, langchain_openai/chat_models/base.py:797-803) and builds its own only
when they are not given (base.py:1504-1545). A user who points the SDK at their own
endpoint this way (a proxy, a gateway, an OpenAI-compatible server) hands the
checker a factory. The checker rebuilds the factory's instance for ``stop.bound`` and
for its canary: rebuilt from plain values only, the instance gets new clients
with no base URL, i.e. ``https://api.openai.com/v1`` (openai/_client.py), not the
user's endpoint (issue 19, 4.1). The fake server is the one of ``chat_openai``.
"""

from __future__ import annotations

from typing import Any

from tests.real_classes.case import RealCase, passed
from tests.real_classes.chat_openai import (
    BO,
    CHAT_OPENAI_EXPECTED,
    NO_TRACING,
    OPENAI_KEY,
    OPENAI_MODEL,
    ChatCompletionsHandler,
    openai_style,
)


def build_chat_openai_on_sdk_clients(url: str) -> tuple[Any, dict[str, Any]]:
    """A factory: ``ChatOpenAI`` given ``openai.OpenAI``/``AsyncOpenAI`` clients on the server."""
    import openai
    from langchain_openai import ChatOpenAI

    def chat_openai_on_its_own_sdk_clients() -> Any:
        """The user's own SDK clients (their base URL, timeout and retries) handed to ChatOpenAI."""
        sync = openai.OpenAI(api_key=OPENAI_KEY, base_url=f"{url}/v1", timeout=5, max_retries=0)
        async_ = openai.AsyncOpenAI(
            api_key=OPENAI_KEY, base_url=f"{url}/v1", timeout=5, max_retries=0
        )
        return ChatOpenAI(
            model=OPENAI_MODEL,
            api_key=OPENAI_KEY,
            temperature=0,
            client=sync.chat.completions,
            async_client=async_.chat.completions,
            root_client=sync,
            root_async_client=async_,
        )

    return chat_openai_on_its_own_sdk_clients, {}


EXPECTED = (
    CHAT_OPENAI_EXPECTED
    | openai_style(
        f"{BO}:3865-3869: ChatOpenAI._stream passes *args, **kwargs to BaseChatOpenAI._stream",
        f"{BO}:1435-1454: validate_environment turns stream_usage on only when no client, "
        "root_client, async_client or root_async_client is given: these are",
    )
    | {
        "stop.bound": passed(
            f"{BO}:1147: stop (alias stop_sequences) goes into _default_params (1574) and so "
            f"into every request the given clients send ({BO}:1504,1528: given clients are "
            "kept); a call-time stop replaces it in the payload (2043-2046)"
        ),
        "secrets.no_leak": passed(
            f"{BO}:797-803: the clients, which hold the key, are excluded from dumps; params "
            "hold no key (2322-2325)"
        ).but_harness_gives(
            "skipped",
            "the key travels inside the user's own SDK clients: an instance with a canary in "
            "openai_api_key and those clients sends the user's key, not the canary, and one "
            "with new clients calls api.openai.com; the harness makes neither call and names "
            "the call surfaces as not looked at",
        ),
    }
)

CASES: list[RealCase] = [
    RealCase(
        name="langchain_openai:ChatOpenAI (factory, the user's SDK clients)",
        distribution="langchain-openai",
        build=build_chat_openai_on_sdk_clients,
        expected=EXPECTED,
        server=ChatCompletionsHandler,
        env=NO_TRACING,
        kind="chat",
        how_built="a factory: ChatOpenAI(client=..., async_client=..., root_client=..., "
        "root_async_client=...) from openai.OpenAI/AsyncOpenAI(base_url=the fake server); "
        "the excluded client fields carry the endpoint",
    ),
]
