"""langchain-community classes on raw ``requests`` with plain-``str`` credentials.

``CloudflareWorkersAI`` (Workers AI REST API, SSE streaming through ``requests``),
``MosaicML`` (a hosted ``/v1/predict`` endpoint) and ``Databricks`` (a cluster
driver proxy app: the serving-endpoint mode needs MLflow, which the class
imports at construction). Each keeps its token in a ``str`` field and sends it
in a header; none has an async path of its own, so LangChain runs the sync
code in a thread. One fake server per vendor, each speaking the wire format
read from the class's source.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

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

CF_ACCOUNT = "0123456789abcdef0123456789abcdef"
CF_TOKEN = "cf-gallery-token-0123456789"
CF_MODEL = "@cf/meta/llama-2-7b-chat-int8"
MOSAIC_TOKEN = "mosaic-gallery-token-0123456789"
MOSAIC_PATH = "/mpt-7b-instruct/v1/predict"
DB_TOKEN = "dapi0123456789abcdef0123456789abcdef"
DB_CLUSTER = "0123-456789-gallery0"
DB_PORT = "7777"
DB_PATH = f"/driver-proxy-api/o/0/{DB_CLUSTER}/{DB_PORT}"
TOKEN_GAP_S = 0.01
"""Between two streamed events: a token's time. A consumer asking for the next chunk then
always waits for it, so a cancel after the first chunk lands in the stream every run (with
2-5 ms, a slow first chunk sometimes let the second arrive first, and verdicts flipped)."""

CF = "langchain_community/llms/cloudflare_workersai.py"
MM = "langchain_community/llms/mosaicml.py"
DB = "langchain_community/llms/databricks.py"
UTILS = "langchain_community/llms/utils.py"
CORE = "langchain_core/language_models/llms.py"
SERIAL = "langchain_core/load/serializable.py"


def pieces(text: str) -> Iterator[str]:
    """``text`` in small pieces of 3 to 6 characters, not aligned to words."""
    sizes, at, i = (3, 5, 4, 6), 0, 0
    while at < len(text):
        yield text[at : at + sizes[i % len(sizes)]]
        at += sizes[i % len(sizes)]
        i += 1


class CloudflareHandler(VendorHandler):
    """Workers AI: ``POST /client/v4/accounts/{account_id}/ai/run/{model}``.

    Read from the class: the URL is ``{base_url}/{account_id}/ai/run/{model}``
    (cloudflare_workersai.py:47) under ``https://api.cloudflare.com/client/v4/accounts``
    (:39), a ``Bearer`` token (:71), ``{"prompt", "stream", **kwargs}`` in (:72);
    the answer is ``{"result": {"response": ...}}`` (:82, with Cloudflare's v4
    envelope ``success``/``errors``/``messages``); a stream is SSE ``data:`` events
    ``{"response": ...}`` ended by ``data: [DONE]`` (:96-110). Workers AI's text
    generation input has no stop field, and the class sends none (:72, :98, :127).
    A bad token gets Cloudflare's 401 ``Authentication error`` (code 10000) envelope.
    """

    def do_POST(self) -> None:
        """Check the route and token, then answer the prompt's echo (streamed or not)."""
        body = self.read_json()
        if self.route != f"/client/v4/accounts/{CF_ACCOUNT}/ai/run/{CF_MODEL}":
            self.send_json(404, self.envelope(None, [{"code": 7003, "message": "No route"}]))
            return
        if self.headers.get("Authorization") != f"Bearer {CF_TOKEN}":
            self.send_json(
                401, self.envelope(None, [{"code": 10000, "message": "Authentication error"}])
            )
            return
        if not isinstance(body.get("prompt"), str):
            self.send_json(400, self.envelope(None, [{"code": 5006, "message": "prompt required"}]))
            return
        text = echo_text(body["prompt"])  # no stop: Workers AI has none, the class sends none
        if body.get("stream"):
            # the client may close a stream it stopped reading (a cancelled astream)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_sse(self.events(text))
            # A stream the client stops reading is never closed by it (cloudflare_workersai.py:98
            # holds the response until it is collected), so the connection ends here, after
            # [DONE]: a remote server's threads are not the model's, and neither is this one.
            self.close_connection = True
        else:
            self.send_json(200, self.envelope({"response": text}, []))

    @staticmethod
    def events(text: str) -> Iterator[dict[str, Any]]:
        """One SSE event per piece, a token's time apart, as a model generates them."""
        for index, piece in enumerate(pieces(text)):
            if index:
                time.sleep(TOKEN_GAP_S)
            yield {"response": piece, "p": "abcdefgh"}

    @staticmethod
    def envelope(result: Any, errors: list[dict[str, Any]]) -> dict[str, Any]:
        """Cloudflare's v4 API envelope."""
        return {"result": result, "success": not errors, "errors": errors, "messages": []}


class MosaicMLHandler(VendorHandler):
    """MosaicML's hosted ``POST .../v1/predict``.

    Read from the class: the default endpoint ``https://models.hosted-on.mosaicml.hosting/
    mpt-7b-instruct/v1/predict`` (mosaicml.py:49-51), the token as the bare
    ``Authorization`` header, no ``Bearer`` (:128-131), ``{"inputs": [prompt],
    **model_kwargs}`` in (:123-125), ``{"outputs": [text]}`` out (one of the keys
    read at :158-171). Stop sequences are not sent: "replace when MosaicML supports
    custom stop tokens natively" (:184); the class cuts the text itself. A bad
    token gets 401 with a message that does not echo it.
    """

    def do_POST(self) -> None:
        """Check the route and token, then answer each input's echo."""
        body = self.read_json()
        if self.route != MOSAIC_PATH:
            self.send_json(404, {"message": f"no such endpoint: {self.route}"})
            return
        if self.headers.get("Authorization") != MOSAIC_TOKEN:
            self.send_json(401, {"message": "Unauthorized: invalid API key"})
            return
        inputs = body.get("inputs")
        if not isinstance(inputs, list) or not all(isinstance(p, str) for p in inputs):
            self.send_json(400, {"message": "inputs must be a list of strings"})
            return
        self.send_json(200, {"outputs": [echo_text(prompt) for prompt in inputs]})


class DatabricksDriverProxyHandler(VendorHandler):
    """A Databricks cluster driver proxy app: ``POST /driver-proxy-api/o/0/{cluster}/{port}``.

    Read from the class: the URL ``https://{host}/driver-proxy-api/o/0/{cluster_id}/{port}``
    (databricks.py:153), a ``Bearer`` token (:29), ``{"prompt", "stop"?, **extra_params}``
    in (:559-565, documented at :306-314), the JSON of a plain string out (:314,
    returned as is at :36 and :161); a non-2xx status becomes ``HTTP {status}
    error: {body}`` (:35). The app behind the proxy is the user's: the one in
    LangChain's Databricks guide stops at the stop sequence and strips the
    matched one (``generated_text.rstrip(check_stop.matched)``), so it is left
    out here. A bad token gets the workspace's 403 ``Invalid access token.``.
    """

    def do_POST(self) -> None:
        """Check the route and token, then answer the prompt's echo cut at ``stop``."""
        body = self.read_json()
        if self.route != DB_PATH:
            self.send_json(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": "Not found"})
            return
        auth = self.headers.get("Authorization")
        if auth is None:
            message = "Credential was not sent or was of an unsupported type for this API."
            self.send_json(401, {"error_code": "401", "message": message})
            return
        if auth != f"Bearer {DB_TOKEN}":
            self.send_json(403, {"error_code": "403", "message": "Invalid access token."})
            return
        if not isinstance(body.get("prompt"), str):
            self.send_json(400, {"error_code": "BAD_REQUEST", "message": "prompt is required"})
            return
        self.send_json(200, apply_stop(echo_text(body["prompt"]), body.get("stop"), include=False))


def _cloudflare(url: str) -> tuple[Any, dict[str, Any]]:
    # not exported by langchain_community.llms: its module, as its docstring imports it (:23)
    from langchain_community.llms.cloudflare_workersai import CloudflareWorkersAI

    # base_url is the class's own field (cloudflare_workersai.py:39); endpoint_url is
    # rebuilt from it in __init__ (:47).
    # streaming=True: with the default False, _stream flips self.streaming to True for as
    # long as it runs (:94-95, put back only at :112), so a concurrent invoke on the same
    # instance (the harness overlaps its calls) sometimes streams and sometimes not (:122),
    # and its callbacks flake. Set, the flag never changes and every path streams the same.
    return CloudflareWorkersAI, {
        "streaming": True,
        "account_id": CF_ACCOUNT,
        "api_token": CF_TOKEN,
        "model": CF_MODEL,
        "base_url": f"{url}/client/v4/accounts",
    }


def _mosaicml(url: str) -> tuple[Any, dict[str, Any]]:
    from langchain_community.llms import MosaicML

    # Prompts shorter than the 64-character echo come back whole, and the class strips an
    # answer that starts with the prompt ("older versions of the API", mosaicml.py:175-177):
    # those answers are "" (a str all the same); the harness's main prompt is longer.
    return MosaicML, {"endpoint_url": f"{url}{MOSAIC_PATH}", "mosaicml_api_token": MOSAIC_TOKEN}


def _databricks(url: str) -> tuple[Any, dict[str, Any]]:
    from langchain_community.llms import Databricks

    def databricks_on_a_loopback_driver() -> Any:
        """Databricks in cluster-driver-proxy mode, its ``https://`` api_url re-pointed.

        The serving-endpoint mode imports MLflow in its constructor (databricks.py:80)
        and MLflow is not installed; the driver-proxy mode is plain ``requests``
        (:28-36) but its URL is built as ``https://{host}/...`` (:153) with no field
        to change it, so the client's ``api_url`` is set to the loopback server.
        """
        llm = Databricks(
            host=urlsplit(url).netloc,
            api_token=DB_TOKEN,
            cluster_id=DB_CLUSTER,
            cluster_driver_port=DB_PORT,
        )
        llm._client.api_url = f"{url}{DB_PATH}"
        return llm

    return databricks_on_a_loopback_driver, {}


OFFLINE = {"NO_PROXY": "127.0.0.1,localhost", "LANGSMITH_TRACING": "false"}
"""requests honours proxy variables: loopback calls bypass any proxy; no LangSmith tracing."""

NOT_STREAMING = "defines _call only: no _stream, _astream, stream or astream"
FALLBACK_CANCEL = (
    f"{CORE}:596: no _stream/_astream, so astream yields ainvoke's one chunk after the run has "
    "ended: there is no stream left to cancel"
)
ONE_VERDICT = (
    "one defect, one verdict: stop.respected fails the ignored stop, and stop.included "
    "judges only answers that stopped (README, decisions)"
)

CLOUDFLARE_EXPECTED = {
    "interface.llm_type": passed(f"{CF}:49-52: @property _llm_type returns 'cloudflare'"),
    "interface.identifying_params": passed(
        f"{CF}:59-67: @property of four plain str fields, stable, printed by {CORE}:1377 "
        "(that api_token is among them is secrets.no_leak's business)"
    ),
    "interface.signatures": passed(
        f"{CF}:114-120: _call(prompt, stop, run_manager, **kwargs); {CF}:86-92: _stream the same, "
        "a generator function"
    ),
    "methods.invoke": passed(f"{CF}:122-125: with streaming=True _call joins _stream's texts"),
    "methods.ainvoke": passed(f"{CORE}:1521: no _acall, LangChain runs _call in a thread"),
    "methods.batch": passed(f"{CORE}:1542: batch runs _call once per prompt, in order"),
    "methods.abatch": passed(f"{CORE}:1521: abatch runs _call in a thread per prompt, in order"),
    "methods.stream": passed(f"{CF}:98-110: one GenerationChunk per SSE event, joining to invoke"),
    "methods.astream": passed(
        f"{CORE}:772-787: no _astream, LangChain iterates _stream in a thread, chunk by chunk"
    ),
    "streaming.new_token": failed(
        f"{CF}:109: on_llm_new_token(data['response']) is fired without chunk=, the GenerationChunk"
    ),
    "streaming.token_before_yield": passed(f"{CF}:109-110: the callback fires, then the yield"),
    "streaming.events": passed(
        f"{CF}:109: one on_llm_new_token per chunk; langchain_core/tracers/event_stream.py:466 "
        "makes each an on_llm_stream event (chunk= missing is filled from the token)"
    ),
    "stop.respected": failed(
        f"{CF}:98: _stream (which _call runs, :122-125) sends only prompt and kwargs (:72): "
        "stop is neither sent nor applied; nor on the non-streaming path (:127)"
    ),
    "stop.included": skipped(f"{CF}:122-128: stop is ignored, so no answer stops: {ONE_VERDICT}"),
    "secrets.secretstr": failed(f"{CF}:37: api_token: str"),
    "secrets.no_leak": failed(
        f"{CF}:64: _identifying_params returns the raw api_token, so str(model) ({CORE}:1377) "
        "and every callback's invocation params show it; repr shows the str field too "
        f"({SERIAL}:221-226)"
    ),
    "async.parity": passed(f"{CORE}:1521, :772: the async twins run the same sync code"),
    "async.non_blocking": passed(
        f"{CORE}:1521, :772-787: _call and _stream (requests) run in executor threads, "
        "never on the loop"
    ),
    "async.cancellation": passed(
        f"{CORE}:772-787: astream (LangChain's thread loop over _stream) ends at the cancel, "
        "leaves no task, and _stream is closed once the cancelled task is let go; the next "
        f"call works ({CF}:112 is not in a finally, but streaming=True is kept anyway)"
    ),
    "callbacks.lifecycle": passed(f"{CF}:86: only _call/_stream overridden; LangChain fires runs"),
    "docs.class_docstring": failed(
        f"{CF}:29-33: the example builds CloudflareWorkersAI(...) but never calls it"
    ),
    "docs.init_args": failed(f"{CF}:36-41: none of the six fields has a docstring or description"),
    "docs.api_link": failed(f"{CF}:14-34: the class docstring holds no link at all"),
}

MOSAICML_EXPECTED = {
    "interface.llm_type": passed(f"{MM}:84-87: @property _llm_type returns 'mosaic'"),
    "interface.identifying_params": passed(
        f"{MM}:75-82: @property of endpoint_url and model_kwargs, stable and printable"
    ),
    "interface.signatures": passed(
        f"{MM}:97-104: _call(prompt, stop, run_manager, is_retry=False, **kwargs)"
    ),
    "methods.invoke": passed(f"{MM}:168-171: _call returns outputs[0], a str"),
    "methods.ainvoke": passed(f"{CORE}:1521: no _acall, LangChain runs _call in a thread"),
    "methods.batch": passed(f"{CORE}:1542: batch runs _call once per prompt, in order"),
    "methods.abatch": passed(f"{CORE}:1521: abatch runs _call in a thread per prompt, in order"),
    "methods.stream": passed(f"{CORE}:524: no _stream, so stream yields invoke's single str"),
    "methods.astream": passed(f"{CORE}:596: no _astream/_stream, so astream yields ainvoke's"),
    "streaming.new_token": skipped(f"{MM}:97: {NOT_STREAMING}"),
    "streaming.token_before_yield": skipped(f"{MM}:97: {NOT_STREAMING}"),
    "streaming.events": skipped(f"{MM}:97: {NOT_STREAMING}"),
    "stop.respected": failed(
        f"{MM}:186: enforce_stop_tokens cuts with re.split('|'.join(stop)) ({UTILS}:9): "
        "stop sequences are regex patterns, '.' matches the first character"
    ),
    "stop.included": failed(
        f"{UTILS}:9: re.split drops the matched stop sequence from the text it keeps"
    ),
    "secrets.secretstr": failed(f"{MM}:60: mosaicml_api_token: Optional[str]"),
    "secrets.no_leak": skipped(
        f"{PLAIN_STR_KEY}: "
        f"{MM}:60: a plain str field, shown by repr ({SERIAL}:221-226 keeps non-default "
        "fields), model_dump and dumps' repr"
    ),
    "async.parity": passed(f"{CORE}:1521: the async twins run the same _call"),
    "async.non_blocking": passed(f"{CORE}:1521: _call (requests) runs in an executor thread"),
    "async.cancellation": skipped(FALLBACK_CANCEL),
    "callbacks.lifecycle": passed(f"{MM}:97: only _call overridden; LangChain fires the runs"),
    "docs.class_docstring": failed(
        f"{MM}:43-46: the example builds MosaicML(...) but never calls it (the call example "
        f"is in _call's docstring, :117)"
    ),
    "docs.init_args": failed(f"{MM}:60: mosaicml_api_token has no docstring (the others do)"),
    "docs.api_link": failed(
        f"{MM}:41: the docstring's only URL is the endpoint's own default (:49-51)"
    ),
}

DATABRICKS_EXPECTED = {
    "interface.llm_type": passed(f"{DB}:543-546: @property _llm_type returns 'databricks'"),
    "interface.identifying_params": passed(
        f"{DB}:539-541: @property returning _default_params (:515-537): plain values, "
        "the token left out (:519)"
    ),
    "interface.signatures": passed(f"{DB}:548-554: _call(prompt, stop, run_manager, **kwargs)"),
    "methods.invoke": passed(f"{DB}:570: _call returns the proxy's JSON string (:161, :36)"),
    "methods.ainvoke": passed(f"{CORE}:1521: no _acall, LangChain runs _call in a thread"),
    "methods.batch": passed(f"{CORE}:1542: batch runs _call once per prompt, in order"),
    "methods.abatch": passed(f"{CORE}:1521: abatch runs _call in a thread per prompt, in order"),
    "methods.stream": passed(f"{CORE}:524: no _stream, so stream yields invoke's single str"),
    "methods.astream": passed(f"{CORE}:596: no _astream/_stream, so astream yields ainvoke's"),
    "streaming.new_token": skipped(f"{DB}:548: {NOT_STREAMING}"),
    "streaming.token_before_yield": skipped(f"{DB}:548: {NOT_STREAMING}"),
    "streaming.events": skipped(f"{DB}:548: {NOT_STREAMING}"),
    "stop.respected": passed(
        f"{DB}:564-565: stop is sent to the app behind the proxy, which stops at the earliest "
        "literal sequence"
    ),
    "stop.included": failed(
        f"{DB}:161: the app's text is returned as is, and the app of LangChain's Databricks "
        "guide strips the matched stop sequence"
    ),
    "secrets.secretstr": failed(f"{DB}:331: api_token: str"),
    "secrets.no_leak": skipped(
        f"{PLAIN_STR_KEY}: "
        f"{DB}:331: a plain str field, shown by repr ({SERIAL}:221-226), model_dump and "
        "dumps' repr (only _default_params leaves it out, :519)"
    ),
    "async.parity": passed(f"{CORE}:1521: the async twins run the same _call"),
    "async.non_blocking": passed(f"{CORE}:1521: _call (requests, :30) runs in an executor thread"),
    "async.cancellation": skipped(FALLBACK_CANCEL),
    "callbacks.lifecycle": passed(
        f"{DB}:557: only _call overridden ('TODO: support callbacks'); LangChain fires the runs"
    ),
    "docs.class_docstring": failed(f"{DB}:272-319: the class docstring has no code example"),
    "docs.init_args": passed(f"{DB}:321-402: a docstring under each of the 16 fields"),
    "docs.api_link": failed(
        f"{DB}:272-319: no link in the class docstring (the docs URL at :126 is a comment)"
    ),
}

CASES: list[RealCase] = [
    RealCase(
        name="langchain_community.llms.cloudflare_workersai:CloudflareWorkersAI",
        distribution="langchain-community",
        build=_cloudflare,
        expected=CLOUDFLARE_EXPECTED | text_llm(f"{CF}:13", no_stop_field(f"{CF}:13-128")),
        server=CloudflareHandler,
        env=OFFLINE,
        how_built="raw HTTP (requests), no native async (LangChain's thread fallback), streams "
        "SSE through requests in _stream (streaming=True, so _call streams too), api_token: str",
    ),
    RealCase(
        name="langchain_community.llms:MosaicML",
        distribution="langchain-community",
        build=_mosaicml,
        expected=MOSAICML_EXPECTED | text_llm(f"{MM}:29", no_stop_field(f"{MM}:29-187")),
        server=MosaicMLHandler,
        env=OFFLINE,
        how_built="raw HTTP (requests), no native async, no streaming, "
        "mosaicml_api_token: Optional[str]",
    ),
    RealCase(
        name="langchain_community.llms:Databricks",
        distribution="langchain-community",
        build=_databricks,
        expected=DATABRICKS_EXPECTED
        | text_llm(
            f"{DB}:271",
            failed(
                f"{DB}:384: stop is an init field, but it is sent only inside _llm_params "
                f"({DB}:416-417), which _call adds only when `self._client.llm` ({DB}:560-561), "
                f"False for the cluster driver proxy client ({DB}:49-51): the constructor stop "
                "is silently dropped (langchain#15921), while a call-time stop is sent (:564-565)"
            ),
        ),
        server=DatabricksDriverProxyHandler,
        env=OFFLINE,
        how_built="raw HTTP (requests), cluster-driver-proxy mode through a factory (https-only "
        "URL), no native async, no streaming, api_token: str",
    ),
]
