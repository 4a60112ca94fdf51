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

from tests.real_classes.case import RealCase
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


CASES: list[RealCase] = [
    RealCase(
        name="langchain_ollama:ChatOllama",
        distribution="langchain-ollama",
        build=build_chat_ollama,
        expected={},
        server=OllamaChatHandler,
        env=NO_KEY_ENV,
    ),
]
