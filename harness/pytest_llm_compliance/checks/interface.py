"""``interface.*``: the methods the guide's tables require, with their shapes."""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
from typing import Any, cast

from pytest_llm_compliance.checks._api import check
from pytest_llm_compliance.checks._text import excerpt
from pytest_llm_compliance.core.outcomes import Verdict, fail, passed, skipped
from pytest_llm_compliance.core.targets import one_line
from pytest_llm_compliance.observe.core import Observations
from pytest_llm_compliance.observe.introspect import defined_by_user

ANSI = re.compile(r"\x1b\[[0-9;]*m")
OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>|0x[0-9a-f]{6,}")


@check(
    "interface.llm_type",
    needs="class",
    rule="`_llm_type` is a property returning a non-empty `str`",
    source="Implementation: required methods table",
    fix='''
@property
def _llm_type(self) -> str:
    """Name of this kind of model, used for logging."""
    return "my-provider"
''',
)
def llm_type(obs: Observations) -> Verdict:
    """The model's type name is a non-empty string, from a property."""
    member = inspect.getattr_static(obs.facts.cls, "_llm_type")
    if not isinstance(member, property):
        raise fail(
            "_llm_type is not a property",
            expected="`_llm_type` defined with @property",
            observed=f"a {type(member).__name__}",
            cause="@property is missing above `def _llm_type`",
            method="_llm_type",
        )
    try:
        value = obs.read("_llm_type", lambda: cast("Any", obs.llm)._llm_type)
    except Exception as exc:
        raise fail(
            "_llm_type raised",
            expected="a non-empty str",
            observed=one_line(exc),
            method="_llm_type",
        ) from None
    if not isinstance(value, str) or not value.strip():
        raise fail(
            "_llm_type is not a non-empty str",
            expected="a non-empty str",
            observed=excerpt(value),
            method="_llm_type",
        )
    return passed(f"_llm_type is {value!r}")


@check(
    "interface.identifying_params",
    needs="instance",
    uses=("variants",),
    rule=(
        "`_identifying_params` is a property returning JSON-serialisable values; "
        "`str(model)` shows them; identical configurations give identical params, and "
        "configurations that answer differently give different ones"
    ),
    source="Implementation: optional methods table",
    fix='''
@property
def _identifying_params(self) -> dict[str, Any]:
    """The settings that change what this model returns."""
    # plain values only: no clients, no objects, never a secret
    return {"model_name": self.model_name, "temperature": self.temperature}
''',
)
def identifying_params(obs: Observations) -> Verdict:
    """The params identify the model, print well, and make LangChain's cache hit, and only hit.

    A chat model has no ``str(model)`` rendering of its params (that is
    ``BaseLLM``'s); its stability is read through the cache key LangChain
    builds for it (``_get_llm_string``), which also covers a serialisable
    class's ``dumps``.

    Configurations told apart (0.3). Decision: a field is shown to change the
    output by trying it, never by its name. The harness rebuilds the model with
    one init field changed (``observe.config_variants``: at most three of the
    class's own number or choice fields that the params do not name, never a
    credential, an address, the stop list or a transport setting such as a
    timeout), calls ``invoke`` once on each, and compares with the model's own
    answer. It fails when the answer changed while LangChain's cache key did
    not: the params for a ``BaseLLM`` (its cache key is made of them), the
    ``_get_llm_string()`` for a chat model (a serialisable class's key holds
    every field set, so it is told apart even when the params omit one). A
    field whose change does not change the answer shows nothing. This part is
    left out, and the message says why, on a non-deterministic model, when no
    field qualifies, under a scan (no call is made), or when the rebuilt
    instance cannot be built or would call elsewhere.
    """
    cls = obs.facts.cls
    if not isinstance(inspect.getattr_static(cls, "_identifying_params"), property):
        raise fail(
            "_identifying_params is not a property",
            expected="`_identifying_params` defined with @property",
            observed="a plain attribute or method",
            method="_identifying_params",
        )
    params = _params_of(obs, obs.llm)
    try:
        encoded = json.dumps(dict(params), sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise fail(
            "_identifying_params holds values that are not JSON-serialisable",
            expected="str, int, float, bool, None, lists and dicts",
            observed=f"{excerpt(params)}: {exc}",
            cause="a client, model object or other Python object is returned",
            method="_identifying_params",
        ) from None
    if OBJECT_REPR.search(encoded):
        raise fail(
            "_identifying_params holds an object's repr or address",
            expected="values that are the same for identically configured instances",
            observed=excerpt(params),
            cause="an object was converted to text with str() or repr()",
            method="_identifying_params",
        )
    twin_model = obs.read("a second instance", obs.target.build)
    twin = _params_of(obs, twin_model)
    if json.dumps(dict(twin), sort_keys=True, default=repr) != encoded:
        raise fail(
            "two identically configured instances give different params",
            expected=excerpt(params),
            observed=excerpt(twin),
            cause="a per-instance value (id, timestamp, client) is in the params, "
            "so LangChain's LLM cache never hits across instances",
            method="_identifying_params",
        )
    _same_cache_key(obs, twin_model)
    if obs.kind.renders_params:
        _shows_params(obs, params)
    apart = _configurations_apart(obs, encoded)
    origin = "overridden" if defined_by_user(cls, "_identifying_params") else "inherited"
    return passed(f"{origin} _identifying_params {encoded} is stable and printable; {apart}")


def _cache_key(obs: Observations, model: Any) -> str:
    """LangChain's cache key of ``model``: a chat model's ``_get_llm_string``, else its params."""
    key = obs.read("the cache key", lambda: obs.kind.cache_key(model))
    if key is not None:
        return key
    return json.dumps(dict(_params_of(obs, model)), sort_keys=True, default=repr)


def _configurations_apart(obs: Observations, encoded: str) -> str:
    """Fail when a field changes the answer but not the cache key; else say what was seen."""
    variants = obs.variants
    if variants.why_not:
        return f"configurations told apart: not checked ({variants.why_not})"
    key = _cache_key(obs, obs.llm)
    seen = []
    for variant in variants.tried:
        change, call = variant.change, variant.call
        if call is None or not call.ok:
            why = variant.refused or (call.raised if call else "not called")
            seen.append(f"{change.field} not tried ({why})")
            continue
        answer = obs.kind.text(call.output)
        if answer is None or answer == variants.baseline:
            seen.append(f"{change.field}={change.new!r} gave the same answer")
            continue
        if _cache_key(obs, variant.instance) == key:
            raise fail(
                f"`{change.field}` changes the answer but not the params or LangChain's cache "
                "key: the cache serves one configuration's answer to the other",
                expected=f"`{change.field}` in `_identifying_params` (an instance with "
                f"{change.field}={change.new!r} gets its own cache entry)",
                observed=f"{change.field}={change.old!r} answered "
                f"{excerpt(variants.baseline)}, {change.field}={change.new!r} answered "
                f"{excerpt(answer)}, both with params {excerpt(encoded)}",
                cause=f"`_identifying_params` leaves out `{change.field}`",
                method="_identifying_params",
            )
        seen.append(f"{change.field}={change.new!r} changed the answer and the cache key")
    return "configurations told apart: " + "; ".join(seen)


def _same_cache_key(obs: Observations, twin: Any) -> None:
    """Fail unless two identical instances share LangChain's cache key (chat models)."""
    try:
        key = obs.read("the cache key", lambda: obs.kind.cache_key(obs.llm))
        twin_key = obs.read("the cache key", lambda: obs.kind.cache_key(twin))
    except Exception as exc:
        raise fail(
            "LangChain's cache key of the model cannot be built",
            expected="_get_llm_string() to return the model's settings",
            observed=one_line(exc),
            cause="_identifying_params or the class's serialisation raises",
            method="_identifying_params",
        ) from None
    if key != twin_key:
        raise fail(
            "two identically configured instances give different cache keys",
            expected=excerpt(key),
            observed=excerpt(twin_key),
            cause="a per-instance value (id, timestamp, client) is in the params or the "
            "serialised model, so LangChain's cache never hits across instances",
            method="_identifying_params",
        )


def _shows_params(obs: Observations, params: Any) -> None:
    """Fail unless ``str(model)`` renders the class name, then ``Params: {...}`` (LLMs)."""
    cls = obs.facts.cls
    try:
        shown = ANSI.sub("", obs.read("str(model)", lambda: str(obs.llm)))
    except Exception as exc:
        raise fail(
            "str(model) raised",
            expected=f"{cls.__name__} then Params: {{...}}",
            observed=one_line(exc),
            cause="__str__ or __repr__ is overridden and raises",
            method="__str__",
        ) from None
    wanted = f"{cls.__name__}\nParams: {params}"
    if shown != wanted:
        raise fail(
            "str(model) does not show the class name and the params",
            expected=excerpt(wanted),
            observed=excerpt(shown),
            cause="__str__ is overridden",
            method="__str__",
        )


def _params_of(obs: Observations, llm: Any) -> Any:
    try:
        params = obs.read("_identifying_params", lambda: llm._identifying_params)
    except Exception as exc:
        raise fail(
            "_identifying_params raised",
            expected="a dict",
            observed=one_line(exc),
            method="_identifying_params",
        ) from None
    if not isinstance(params, dict):
        raise fail(
            "_identifying_params is not a dict",
            expected="a dict",
            observed=excerpt(params),
            method="_identifying_params",
        )
    return params


SIGNATURE_FIX = """
def _call(
    self,
    prompt: str,
    stop: list[str] | None = None,
    run_manager: CallbackManagerForLLMRun | None = None,
    **kwargs: Any,
) -> str: ...

async def _acall(self, prompt, stop=None, run_manager=None, **kwargs) -> str: ...
def _stream(
    self, prompt, stop=None, run_manager=None, **kwargs
) -> Iterator[GenerationChunk]:
    yield ...
async def _astream(
    self, prompt, stop=None, run_manager=None, **kwargs
) -> AsyncIterator[GenerationChunk]:
    yield ...
"""
KINDS = {
    "_call": ("a plain function", lambda f: not _is_async(f) and not _is_generator(f)),
    "_acall": ("a coroutine function (async def)", inspect.iscoroutinefunction),
    "_generate": ("a plain function", lambda f: not _is_async(f) and not _is_generator(f)),
    "_agenerate": ("a coroutine function (async def)", inspect.iscoroutinefunction),
    "_stream": ("a generator function (def with yield)", inspect.isgeneratorfunction),
    "_astream": (
        "an async generator function (async def with yield)",
        inspect.isasyncgenfunction,
    ),
}
"""The model methods and the kind of function each must be. A class derived from
``BaseLLM`` directly defines ``_generate``/``_agenerate`` (a list of prompts first)."""


def _is_async(function: Any) -> bool:
    return inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)


def _is_generator(function: Any) -> bool:
    return inspect.isgeneratorfunction(function) or inspect.isasyncgenfunction(function)


def _kind_problem(name: str, function: Any) -> str:
    """Why ``function`` is not of the kind ``name`` must be (empty if it is)."""
    kind, is_kind = KINDS[name]
    if is_kind(function):
        return ""
    if name.endswith("stream") and not _is_generator(function):
        what = "an async function" if inspect.iscoroutinefunction(function) else "a plain function"
        returned = _first_return(function)
        return (
            f"it is {what} that returns an iterator{returned}, not {kind}: LangChain runs it "
            "when the stream starts, not lazily, and a generator returned by a helper escapes "
            "the run's callbacks and clean-up"
        )
    return f"it is not {kind}"


def _first_return(function: Any) -> str:
    """`` (`return helper(...)` at line N)``: what the function returns, read from its source."""
    try:
        lines, start = inspect.getsourcelines(function)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError):
        return ""
    body = tree.body[0] if tree.body else None
    if not isinstance(body, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return ""
    for node in _own_nodes(body):
        if isinstance(node, ast.Return) and node.value is not None:
            text = " ".join(ast.unparse(node.value).split())
            text = text if len(text) <= 60 else text[:57] + "..."
            return f" (`return {text}` at line {start + node.lineno - 1})"
    return ""


def _own_nodes(function: ast.AST) -> list[ast.AST]:
    """The nodes of a function's body, not those of functions or classes nested in it."""
    found: list[ast.AST] = []
    pending = list(ast.iter_child_nodes(function))
    while pending:
        node = pending.pop(0)
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            pending.extend(ast.iter_child_nodes(node))
    return found


@check(
    "interface.signatures",
    needs="class",
    rule=(
        "`_call` (or `_generate`) and every overridden `_acall`, `_stream`, `_astream` accept "
        "`prompt`, `stop`, `run_manager`, `**kwargs`, and are of the right kind"
    ),
    source="Implementation: methods tables",
    fix=SIGNATURE_FIX,
)
def signatures(obs: Observations) -> Verdict:
    """LangChain calls ``m(prompt, stop=..., run_manager=..., **kwargs)``.

    The prompt is passed by position, so only its position matters, not its
    name. A pass-through ``(self, *args, **kwargs)`` accepts everything
    LangChain passes, and as a dispatcher its kind is not judged (it may return
    the generator of the method it routes to). Every method that breaks the
    rule is named.
    """
    cls = obs.facts.cls
    checked, problems, methods, causes, short = [], [], [], set(), []
    for name in KINDS:
        if not defined_by_user(cls, name):
            continue
        function = inspect.unwrap(getattr(cls, name))
        kind_problem = "" if _passes_through(function) else _kind_problem(name, function)
        parameter_problems = _signature_problems(function)
        found = [kind_problem] if kind_problem else []
        found += parameter_problems
        if found:
            problems.append(f"{name}{_signature_text(function)}: {'; '.join(found)}")
            methods.append(name)
            causes |= {"parameters"} if parameter_problems else {"kind"}
            short.append(f"{name}: {_short(kind_problem, parameter_problems)}")
        checked.append(name)
    if problems:
        first = obs.kind.first_parameter
        raise fail(
            "; ".join(short),
            expected=f"(self, {first}, stop=None, run_manager=None, **kwargs), of the kind the "
            "guide's tables give (_stream a generator function, _acall async, ...)",
            observed="; ".join(problems),
            cause="LangChain passes stop, run_manager and provider kwargs by name"
            if "parameters" in causes
            else "the method is not written as the kind of function LangChain expects",
            method=methods[0],
        )
    if not checked:
        return skipped(
            "the class defines none of _call, _generate, _acall, _stream, _astream",
            "the class implements a model method",
        )
    return passed(f"signatures of {', '.join(checked)} accept what LangChain passes")


def _short(kind_problem: str, parameter_problems: list[str]) -> str:
    """The headline's words for one method: what is wrong, the kind first."""
    words = []
    if "returns an iterator" in kind_problem:
        words.append("returns an iterator instead of being a generator function")
    elif kind_problem:
        words.append(kind_problem.removeprefix("it "))
    return ", ".join(words + parameter_problems)


def _signature_text(function: Any) -> str:
    try:
        return str(inspect.signature(function))
    except (TypeError, ValueError):
        return "(?)"


def _passes_through(function: Any) -> bool:
    """True for a dispatcher ``(self, *args, **kwargs)``: it hands everything on.

    ChatOpenAI's ``_stream(*args, **kwargs)`` returns ``super()._stream(...)`` or
    the Responses API's stream: the generator it returns is a real one, so its
    kind is not judged (CHECKLIST.md accepts a pass-through dispatcher).
    """
    try:
        parameters = list(inspect.signature(function).parameters.values())[1:]
    except (TypeError, ValueError):
        return False
    kinds = [p.kind for p in parameters]
    return kinds == [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD]


def _signature_problems(function: Any) -> list[str]:
    try:
        parameters = list(inspect.signature(function).parameters.values())[1:]
    except (TypeError, ValueError) as exc:
        return [f"its signature cannot be read: {exc}"]
    kinds = {p.kind for p in parameters}
    if {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD} <= kinds:
        return []  # a pass-through dispatcher accepts everything
    problems = []
    positional = (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )
    if not parameters or parameters[0].kind not in positional:
        problems.append("no positional prompt parameter")
    names = {p.name for p in parameters if p.kind is not inspect.Parameter.POSITIONAL_ONLY}
    has_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
    problems += [f"no {name!r} parameter" for name in ("stop", "run_manager") if name not in names]
    if not has_kwargs:
        problems.append("no **kwargs")
    return problems
