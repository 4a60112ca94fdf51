"""Server-sent events framed every way the standard allows reach both service references intact.

The references used to read events with a hand-written ``data: `` line parser,
which breaks on an event spread over several ``data:`` lines, on comment lines
and on a ``data:`` field without the optional space; they now use httpx-sse.
"""

from __future__ import annotations

import httpx
import pytest

from reference_llm import EchoServiceChatModel, EchoServiceLLM
from reference_llm.server import CHAT_COMPLETIONS, COMPLETIONS, EchoServer, encode_event
from tests.conftest import SERVICE_KEY

HEADERS = {"Authorization": f"Bearer {SERVICE_KEY}"}


@pytest.fixture(scope="module")
def split_server():
    with EchoServer(api_key=SERVICE_KEY, sse_style="split") as server:
        yield server


def test_split_framing_uses_every_allowed_form():
    raw = encode_event({"text": "h"}, "split")
    assert raw.startswith(b": echo-n event\r\n"), "a comment line first"
    lines = raw.decode().split("\r\n")
    data_lines = [line for line in lines if line.startswith("data:")]
    assert len(data_lines) >= 3, "one event over several data: lines"
    assert data_lines[0] == "data:{", "a data: field without the optional space"
    assert raw.endswith(b"\r\n\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert encode_event(None, "split") == b": echo-n event\r\ndata:[DONE]\r\n\r\n"


def test_simple_framing_is_one_data_line():
    assert encode_event({"text": "h"}) == b'data: {"text": "h"}\n\n'
    assert encode_event(None) == b"data: [DONE]\n\n"


def test_split_stream_on_the_wire(split_server):
    with httpx.stream(
        "POST",
        f"{split_server.url}{COMPLETIONS}",
        json={"prompt": "hey", "n": 3, "stream": True},
        headers=HEADERS,
    ) as response:
        body = response.read()
    assert body.count(b": echo-n event\r\n") == 4  # three characters, then [DONE]
    assert b'data:  "text": "h"\r\n' in body


def test_unknown_sse_style_is_refused():
    with pytest.raises(ValueError, match="sse_style must be one of"):
        EchoServer(api_key=SERVICE_KEY, sse_style="fancy")  # type: ignore[arg-type]


async def test_completion_reference_reads_split_events(split_server):
    llm = EchoServiceLLM(n=11, base_url=split_server.url, api_key=SERVICE_KEY)
    assert list(llm.stream("hello world", stop=["o w"])) == list("hello w")
    assert [c async for c in llm.astream("hello world")] == list("hello world")


async def test_chat_reference_reads_split_events(split_server):
    model = EchoServiceChatModel(n=11, base_url=split_server.url, api_key=SERVICE_KEY)
    chunks = list(model.stream("hello world", stop=["o w"]))
    assert [c.content for c in chunks] == [*"hello w", ""]
    assert chunks[-1].usage_metadata == {
        "input_tokens": 11,
        "output_tokens": 7,
        "total_tokens": 18,
    }
    achunks = [c async for c in model.astream("hello world")]
    assert "".join(str(c.content) for c in achunks) == "hello world"


def test_chat_endpoint_streams_split_events(split_server):
    with httpx.stream(
        "POST",
        f"{split_server.url}{CHAT_COMPLETIONS}",
        json={"messages": [{"role": "user", "content": "hi"}], "n": 2, "stream": True},
        headers=HEADERS,
    ) as response:
        body = response.read()
    assert body.count(b": echo-n event\r\n") == 4  # two characters, the usage, [DONE]
