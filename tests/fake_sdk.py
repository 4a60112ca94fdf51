"""A stand-in vendor SDK whose async client refreshes a token with a sync ``open()``.

The refresh runs in a task of its own, as SDKs run their auth hooks, so the
model's frames are not on the stack of the blocking call: only a detector
that blames the SDK's module, not just the model's, sees it.
"""

from __future__ import annotations

import asyncio
import os
import tempfile

TOKEN_FILE = os.path.join(tempfile.gettempdir(), "llm-compliance-fake-sdk-token")


def _read_token() -> str:
    if not os.path.exists(TOKEN_FILE):
        with open(TOKEN_FILE, "w") as handle:
            handle.write("token")
    with open(TOKEN_FILE) as handle:  # the bug: sync file I/O on the event loop
        return handle.read()


async def _refresh() -> str:
    return _read_token()


async def acomplete(text: str, stop: list[str] | None) -> str:
    """Complete ``text`` (an echo), refreshing the token first."""
    await asyncio.get_running_loop().create_task(_refresh())
    ends = [text.find(s) + len(s) for s in stop or [] if s in text]
    return text[: min(ends)] if ends else text
