"""``langchain_ollama:ChatOllama`` against a fake Ollama server that speaks ``/api/chat``.

The text gallery's ``OllamaHandler`` (tests/real_classes/ollama.py) serves
``/api/generate`` with Ollama's stop behaviour (the runner cuts the text before
the stop sequence and drops it, holding back a piece that may begin one).
``OllamaChatHandler`` adds ``POST /api/chat`` as the ``ollama`` SDK calls it
(ollama/_client.py:394 ``chat``, NDJSON parts read line by line): a JSON request
with ``model``, ``messages``, ``tools``, ``stream`` and ``options.stop``, answered
with parts ``{"model", "created_at", "message": {"role": "assistant", "content"},
"done": false}`` and a terminal part with ``"done": true``, ``done_reason``, the
timings and the token counts ``prompt_eval_count``/``eval_count``, or with the
terminal part alone holding the whole message when ``"stream": false``. Tool calls
come whole in one part's ``message.tool_calls`` as ``{"function": {"name",
"arguments": {...}}}`` (ollama/_types.py:333-352: no id, arguments a mapping).
Paths are relative to site-packages.
"""

from __future__ import annotations

from typing import Any

from tests.real_classes.case import RealCase, failed, passed, skipped
from tests.real_classes.chat_wire import called_tools, last_user_text, word_count
from tests.real_classes.ollama import CREATED_AT, MODEL, NO_KEY_ENV, OllamaHandler, generate


class OllamaChatHandler(OllamaHandler):
    """The Ollama API with ``/api/chat`` as well as ``/api/generate``."""

    def do_POST(self) -> None:
        """``/api/chat`` here; every other route as the text gallery's server answers it."""
        if self.route != "/api/chat":
            super().do_POST()
            return
        try:
            body = self.read_json()
        except ValueError:
            self.send_json(400, {"error": "invalid JSON"})
            return
        if self._rejected():
            return
        model = body.get("model")
        if not model:
            self.send_json(400, {"error": "model is required"})
            return
        if not self._model_known(model):
            self.send_json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return
        prompt = last_user_text(body.get("messages") or [])
        tools = [
            (t["function"]["name"], t["function"].get("parameters"))
            for t in body.get("tools") or []
            if isinstance(t, dict) and (t.get("function") or {}).get("name")
        ]
        calls = [
            {"function": {"name": call["name"], "arguments": call["args"]}}
            for call in called_tools(tools, prompt)
        ]
        fragments = [] if calls else generate(prompt, (body.get("options") or {}).get("stop"))
        counts = {
            "prompt_eval_count": word_count(prompt),
            "eval_count": len(fragments) + len(calls),
        }
        if body.get("stream", True) is False:  # Ollama streams unless told not to
            message = {"role": "assistant", "content": "".join(fragments)}
            if calls:
                message["tool_calls"] = calls
            self.send_json(200, _done(model, message, counts))
            return
        parts = [_part(model, {"role": "assistant", "content": text}) for text in fragments]
        if calls:
            parts.append(_part(model, {"role": "assistant", "content": "", "tool_calls": calls}))
        parts.append(_done(model, {"role": "assistant", "content": ""}, counts))
        self.send_ndjson(parts)


def _part(model: str, message: dict[str, Any]) -> dict[str, Any]:
    """One streamed part."""
    return {"model": model, "created_at": CREATED_AT, "message": message, "done": False}


def _done(model: str, message: dict[str, Any], counts: dict[str, int]) -> dict[str, Any]:
    """The terminal part (or the whole answer), with Ollama's timings and token counts."""
    return {
        **_part(model, message),
        "done": True,
        "done_reason": "stop",
        "total_duration": 5_000_000,
        "load_duration": 1_000_000,
        "prompt_eval_duration": 1_000_000,
        "eval_duration": 3_000_000,
        **counts,
    }


def build_chat_ollama(url: str) -> tuple[Any, dict[str, Any]]:
    """``ChatOllama`` on the fake server (validate_model_on_init stays False: no look-up)."""
    from langchain_ollama import ChatOllama

    return ChatOllama, {"model": MODEL, "base_url": url, "temperature": 0}


CO = "langchain_ollama/chat_models.py"
CORE = "langchain_core/language_models/chat_models.py"
STOP_DROPPED = (
    "the Ollama server cuts the text before the stop sequence and drops it "
    "(ollama/ollama runner/common/stop.go TruncateStop)"
)

CHAT_OLLAMA_EXPECTED = {
    "interface.llm_type": passed(f"{CO}:1405-1408: @property _llm_type returns 'chat-ollama'"),
    "interface.identifying_params": passed(
        "langchain_core/language_models/base.py:430: not overridden; the inherited property "
        "returns lc_attributes ({}), stable and JSON-serialisable"
    ),
    "interface.signatures": passed(
        f"{CO}:1193, 1284, 1366, 1381: _generate, _stream (generator), _astream (async "
        "generator) and async _agenerate take messages, stop, run_manager, **kwargs"
    ),
    "methods.invoke": passed(
        f"{CO}:1193-1215: _generate aggregates the /api/chat stream into one AIMessage"
    ),
    "methods.ainvoke": passed(f"{CO}:1381-1404: _agenerate aggregates it over the AsyncClient"),
    "methods.batch": passed(f"{CORE}:770: no batch override; one invoke per input, in order"),
    "methods.abatch": passed(f"{CORE}:901: no abatch override; one ainvoke per input"),
    "methods.stream": passed(f"{CO}:1217-1297: one chunk per NDJSON part's message content"),
    "methods.astream": passed(f"{CO}:1299-1379: the same over the AsyncClient"),
    "streaming.new_token": passed(
        f"{CO}:1292-1296, 1374-1378: the class fires on_llm_new_token (without chunk=) only "
        f"when handed a run manager, which LangChain's stream never passes ({CORE}:837, "
        f"970-974); LangChain fires it once per chunk itself, chunk= included ({CORE}:854, 991)"
    ),
    "streaming.token_before_yield": passed(
        f"{CORE}:854-856: LangChain fires on_llm_new_token, then yields (:991-993)"
    ),
    "streaming.events": passed(f"{CO}:1366-1379: a native _astream; {CORE}:991"),
    "stop.respected": passed(
        f"{CO}:787: stop goes to the server in options.stop, which ends generation at the "
        "first stop sequence to appear (ollama/ollama runner/ollamarunner/runner.go)"
    ),
    "stop.included": failed(
        f"{CO}:787: stop is only forwarded in options.stop and {STOP_DROPPED}; {CO}:1226-1230 "
        "takes the content as is, never adding the stop sequence back"
    ),
    "stop.bound": failed(
        f"{CO}:655: a stop init field, honoured when no call-time stop is given ({CO}:767-768), "
        f"but {CO}:764-766 raise ValueError('`stop` found in both the input and default "
        "params.') when a call-time stop comes on top of it"
    ),
    "secrets.secretstr": skipped(
        f"{CO}:693,715-732: base_url and the client_kwargs dicts are the only ways to pass "
        "auth: no field named as a credential, no lc_secrets"
    ),
    "secrets.no_leak": skipped(
        f"{CO}:693,715-732: no credential field to put a canary in (base_url, client_kwargs)"
    ),
    "async.parity": passed(f"{CO}:1366-1404: _astream and _agenerate mirror _stream and _generate"),
    "async.non_blocking": passed(
        f"{CO}:925-960: the async path uses ollama.AsyncClient (httpx.AsyncClient), awaited at "
        f"{CO}:1087-1105"
    ),
    "async.cancellation": passed(
        f"{CO}:1099-1102: _astream iterates the SDK's async stream; closing the generator "
        "at a yield leaves nothing running"
    ),
    "callbacks.lifecycle": passed(
        f"{CO}:1193-1404: only _generate/_stream and their twins; LangChain opens and closes "
        "each run with on_chat_model_start/on_llm_end"
    ),
    "docs.class_docstring": passed(
        f"{CO}:301: `model = ChatOllama(...)`, {CO}:316: `model.invoke(messages)`"
    ),
    "docs.init_args": passed(
        f"{CO}:525-740: every field, model (525) through sync_client_kwargs (732), has a docstring"
    ),
    "docs.api_link": passed(
        f"{CO}:278: the docstring links Ollama's site (https://ollama.com/search?c=thinking)"
    ),
    "chat.usage_metadata": passed(
        f"{CO}:102-116: usage only from the part that has prompt_eval_count and eval_count "
        f"(the done part), total = input + output; {CO}:1268-1276 puts it on that chunk alone, "
        f"and {CO}:1203-1214 on invoke's message"
    ),
    "chat.response_metadata": passed(
        f"{CO}:1249-1251: model_name = the done part's model, on the streamed chunk and in "
        f"invoke's generation_info ({CO}:1203-1214)"
    ),
    "chat.tool_calls": passed(
        f"{CO}:1410: bind_tools overridden; {CO}:208-226: each message.tool_calls entry becomes "
        "a tool call with its name, dict args and a fresh uuid4 id, on invoke and on the "
        "streamed chunk (whose tool_call_chunks LangChain builds from them)"
    ),
}

CASES: list[RealCase] = [
    RealCase(
        name="langchain_ollama:ChatOllama",
        distribution="langchain-ollama",
        build=build_chat_ollama,
        expected=CHAT_OLLAMA_EXPECTED,
        server=OllamaChatHandler,
        env=NO_KEY_ENV,
        kind="chat",
        how_built="ollama SDK (httpx Client/AsyncClient), /api/chat NDJSON on both paths "
        "(invoke aggregates the stream), native async, tool calls, usage on the done part; "
        "no credential field",
    ),
]
