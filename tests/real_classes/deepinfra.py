"""langchain-community's ``DeepInfra`` against a fake DeepInfra inference API.

The class talks raw HTTP (``requests`` sync, ``aiohttp`` async, through
``langchain_community.utilities.requests.Requests``) to a URL it builds from a
literal (``_url()``, deepinfra.py:67-68), with no base-URL field: the case
checks a subclass that only moves ``_url()`` to the fake server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.real_classes.case import (
    PLAIN_STR_KEY,
    RealCase,
    failed,
    no_stop_field,
    passed,
    skipped,
    text_llm,
)
from tests.real_classes.fake_vendor import VendorHandler, apply_stop, echo_text

DEEPINFRA_API_TOKEN = "deepinfra-gallery-token-0123456789"
MODEL_ID = "meta-llama/Meta-Llama-3-70B-Instruct"
"""The class's DEFAULT_MODEL_ID (deepinfra.py:16)."""
PIECE_SIZES = (4, 3, 5, 6)
ROUTE = "/v1/inference/"


def pieces(text: str) -> list[str]:
    """The streamed tokens: 3-6 characters each, across word boundaries."""
    out: list[str] = []
    at = 0
    while at < len(text):
        size = PIECE_SIZES[len(out) % len(PIECE_SIZES)]
        out.append(text[at : at + size])
        at += size
    return out


class DeepInfraHandler(VendorHandler):
    """``POST /v1/inference/{model_id}``: DeepInfra's native inference API."""

    def do_POST(self) -> None:
        """JSON ``{"input": ..., **model_kwargs}``; ``"stream": true`` for SSE."""
        body = self.read_json()
        # The class sends "Authorization: bearer <token>" (deepinfra.py:70-74). DeepInfra
        # answers FastAPI-style bodies ({"detail": {"error": "Not authenticated"}}, 403 when the
        # header is missing); the 401 text for a wrong key is assumed. The class only reads
        # the status (deepinfra.py:85-91) and whether the body holds "error" (:196).
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if not token:
            self.send_json(403, {"detail": {"error": "Not authenticated"}})
            return
        if scheme.lower() != "bearer" or token != DEEPINFRA_API_TOKEN:
            self.send_json(401, {"detail": {"error": "Invalid token"}})
            return
        model_id = self.route.removeprefix(ROUTE)
        if not self.route.startswith(ROUTE) or model_id != MODEL_ID:
            self.send_json(404, {"detail": {"error": f"Model not found: {model_id}"}})
            return
        prompt = str(body.get("input", ""))
        # The class never sends `stop` (its body is input + model_kwargs + kwargs,
        # deepinfra.py:76-83), so no client code shows how DeepInfra treats it; like most
        # vendors it is assumed to cut the text before the stop sequence.
        text = apply_stop(echo_text(prompt), body.get("stop"), include=False)
        tokens = pieces(text)
        usage = {"num_input_tokens": len(prompt.split()), "num_tokens": len(tokens)}
        if body.get("stream"):
            self.send_sse(self._events(tokens, text, usage["num_input_tokens"]))
            return
        # The class reads data["results"][0]["generated_text"] (deepinfra.py:131, :146).
        self.send_json(
            200,
            {
                "results": [{"generated_text": text}],
                **usage,
                "inference_status": {"status": "succeeded", "runtime_ms": 1, "cost": 0.0},
            },
        )

    @staticmethod
    def _events(tokens: list[str], text: str, input_tokens: int) -> Iterator[dict[str, Any]]:
        """TGI-style token events, the last with ``generated_text``; then ``data: [DONE]``.

        The class reads obj["token"]["text"] of each ``data:`` line (deepinfra.py:239-244) and
        stops at ``[DONE]`` (:230).
        """
        for index, token in enumerate(tokens, start=1):
            last = index == len(tokens)
            yield {
                "token": {"id": index, "text": token, "logprob": -0.25, "special": False},
                "generated_text": text if last else None,
                "details": {"finish_reason": "length"} if last else None,
                "num_output_tokens": index,
                "num_input_tokens": input_tokens,
            }


def build_deepinfra(url: str) -> tuple[Any, dict[str, Any]]:
    """``DeepInfra`` with ``_url()`` moved to the fake server, nothing else changed.

    Unavoidable: the address is a literal in ``_url()`` (deepinfra.py:67-68) and there is no
    URL field. A subclass, not a factory, so that the harness still builds the class itself
    with its canary token (a factory's instance would be rebuilt through the published class,
    whose ``_url()`` points at api.deepinfra.com). It keeps the published name and docstring.
    """
    from langchain_community.llms import DeepInfra as Published

    class DeepInfra(Published):
        __doc__ = Published.__doc__

        def _url(self) -> str:
            """The fake server instead of https://api.deepinfra.com."""
            return f"{url}{ROUTE}{self.model_id}"

    return DeepInfra, {"deepinfra_api_token": DEEPINFRA_API_TOKEN}


DI = "langchain_community/llms/deepinfra.py"

EXPECTED = {
    "interface.llm_type": passed(f"{DI}:62: _llm_type is a property returning 'deepinfra'"),
    "interface.identifying_params": passed(
        f"{DI}:54: a property of model_id and model_kwargs, plain values"
    ),
    "interface.signatures": passed(
        f"{DI}:103: _call, _acall (:133), _stream (:148), _astream (:169) take prompt, stop, "
        "run_manager, **kwargs"
    ),
    "methods.invoke": passed(f"{DI}:131: returns results[0].generated_text, a str"),
    "methods.ainvoke": passed(f"{DI}:146: the same over aiohttp"),
    "methods.batch": passed(f"{DI}:103: batch is LangChain's, one _call per input"),
    "methods.abatch": passed(f"{DI}:133: abatch is LangChain's, one _acall per input"),
    "methods.stream": passed(
        f"{DI}:159: reads the whole SSE body, then yields one chunk per data: line (:162)"
    ),
    "methods.astream": failed(
        f"{DI}:180: `await response.text()` drains the body, so iterating response.content "
        "(:183) yields nothing and LangChain raises 'No generation chunks were returned'"
    ),
    "streaming.new_token": failed(
        f"{DI}:166: run_manager.on_llm_new_token(chunk.text) without chunk= (async: :187)"
    ),
    "streaming.token_before_yield": passed(
        f"{DI}:165: on_llm_new_token fires before `yield chunk` (async: :186-188)"
    ),
    "streaming.events": skipped(
        f"{DI}:180: _astream yields no chunk (the body is drained first): methods.astream "
        "fails it, and a path that fails its methods.* check is left out of the others "
        "(one defect, one verdict; README, decisions)"
    ),
    "stop.respected": failed(
        f"{DI}:126: the body is _body(prompt, kwargs): `stop` is never sent, nor applied to "
        "the answer (:131; the same on every path, :142, :157, :178)"
    ),
    "stop.included": skipped(
        f"{DI}:126: stop is ignored, generation never stops at it, so there is no stop "
        "sequence to include or leave out (stop.respected fails the class)"
    ),
    "secrets.secretstr": failed(f"{DI}:39: deepinfra_api_token: Optional[str]"),
    "secrets.no_leak": skipped(
        f"{PLAIN_STR_KEY}: "
        f"{DI}:39: a plain str field: repr(), str(), model_dump and dumps show the raw token"
    ),
    "async.parity": passed(
        f"{DI}:130-141: ainvoke and abatch match invoke and batch; astream, which raises "
        "(:180), fails methods.astream and is left out of the comparison, as the message says "
        "(one defect, one verdict)"
    ),
    "async.non_blocking": passed(
        f"{DI}:141: aiohttp through Requests.apost (langchain_community/utilities/"
        "requests.py:77-86), no sync I/O on the loop"
    ),
    "async.cancellation": skipped(
        f"{DI}:180: astream never yields a first chunk (it raises), so there is no stream to "
        "cancel after its first chunk"
    ),
    "callbacks.lifecycle": passed(
        f"{DI}:19: overrides only _call/_acall/_stream/_astream; LangChain opens each run and "
        "closes it with on_llm_end or on_llm_error"
    ),
    "docs.class_docstring": failed(
        f"{DI}:32: the example builds DeepInfra(...) but never calls it (no .invoke()/.stream())"
    ),
    "docs.init_args": failed(
        f"{DI}:36: model_id, model_kwargs (:37) and deepinfra_api_token (:39) have no docstring"
    ),
    "docs.api_link": failed(
        f"{DI}:20: the class docstring (to :34) has no link; the API URL is only in _url() (:68)"
    ),
}

CASES: list[RealCase] = [
    RealCase(
        name="langchain_community.llms:DeepInfra",
        distribution="langchain-community",
        build=build_deepinfra,
        server=DeepInfraHandler,
        how_built="raw HTTP: requests (sync) and aiohttp (async) via Requests, native async, "
        "streams SSE (sync reads the whole body first), deepinfra_api_token: Optional[str]",
        expected=EXPECTED | text_llm(f"{DI}:19", no_stop_field(f"{DI}:19-206")),
    ),
]
