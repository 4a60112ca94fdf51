"""``docs.*``: the guide's "Documentation" items, read from the class itself."""

from __future__ import annotations

import re

from pytest_llm_compliance.checks._api import check
from pytest_llm_compliance.core.outcomes import Verdict, fail, passed, skipped
from pytest_llm_compliance.observe.core import Observations

CALL_METHODS = re.compile(r"\.(a?invoke|a?stream|a?batch)\(")
LEGACY_METHODS = re.compile(r"\.(__call__|a?predict|a?predict_messages|a?generate|run|arun)\(")
"""Calls that do not show how to call a model today: removed in langchain-core 1.0
(``__call__``, ``predict``, ``run``) or the batch-of-prompts API (``generate``)."""
URL = re.compile(r"https?://[^\s<>`'\")\]]+")
LOOPBACK = re.compile(r"^https?://(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)([:/]|$)")

CLASS_DOC_FIX = '''
class MyLLM(LLM):
    """One line on what the model is.

    Example:
        .. code-block:: python

            from my_package import MyLLM

            llm = MyLLM(model_name="my-model")
            llm.invoke("Tell me a joke")
    """
'''
INIT_ARGS_FIX = '''
class MyLLM(LLM):
    model_name: str = "my-model"
    """Which model of the provider to call."""              # a docstring under the field

    temperature: float = Field(0.7, description="Sampling temperature.")  # or a description
'''
API_LINK_FIX = '''
class MyLLM(LLM):
    """My provider's completion models.

    API reference: https://docs.my-provider.example/api/completions
    """
'''


def _class_doc(obs: Observations) -> str:
    doc = vars(obs.facts.cls).get("__doc__")
    return doc if isinstance(doc, str) else ""


@check(
    "docs.class_docstring",
    needs="class",
    rule="the class has a docstring with an example of initialising and calling it",
    source="Documentation",
    fix=CLASS_DOC_FIX,
)
def class_docstring(obs: Observations) -> Verdict:
    """An example shows the class constructed (``Name(``) and called.

    Called means one of ``.invoke(``, ``.ainvoke(``, ``.stream(``,
    ``.astream(``, ``.batch(`` or ``.abatch(`` appears.
    """
    name, doc = obs.facts.name, _class_doc(obs)
    if not doc.strip():
        raise fail(
            "the class has no docstring",
            expected="a docstring with an example",
            observed="no docstring on the class itself",
            method="",
        )
    missing = []
    if f"{name}(" not in doc:
        missing.append(f"no `{name}(...)` initialising it" + _constructed_instead(doc, name))
    if not CALL_METHODS.search(doc):
        missing.append("no `.invoke(`/`.stream(`/`.batch(` call" + _legacy_calls(doc, name))
    if missing:
        raise fail(
            "the class docstring has no example of initialising and calling the model",
            expected=f"`{name}(...)` and a call such as `llm.invoke(...)`",
            observed=f"{_found(doc)}; " + "; ".join(missing),
            method="",
        )
    return passed("the class docstring shows the model initialised and called")


CODE_MARKS = re.compile(r"\.\. code-block::|^\s*>>>|```", re.MULTILINE)
CONSTRUCTED = re.compile(r"\b([A-Z]\w*)\(")


def _found(doc: str) -> str:
    """What the docstring holds: its first line, its length, whether it has a code example."""
    lines = [line.strip() for line in doc.strip().splitlines()]
    first = lines[0] if lines else ""
    shown = first if len(first) <= 80 else first[:77] + "..."
    code = (
        "a code example"
        if CODE_MARKS.search(doc)
        else "no code example (no `.. code-block::`, `>>>` or fenced block)"
    )
    return f"the docstring ({len(lines)} lines) begins {shown!r} and has {code}"


def _constructed_instead(doc: str, name: str) -> str:
    """The classes the example builds instead of ``name`` (empty if none)."""
    others = [m.group(1) for m in CONSTRUCTED.finditer(doc) if m.group(1) != name]
    if not others:
        return ""
    return f" (it builds {', '.join(f'`{o}(...)`' for o in dict.fromkeys(others))} instead)"


def _legacy_calls(doc: str, name: str) -> str:
    """What the example calls instead, and why it does not count (empty if nothing)."""
    found = [f"`.{m.group(1)}(`" for m in LEGACY_METHODS.finditer(doc)]
    instances = set(re.findall(rf"\b([A-Za-z_]\w*)\s*=\s*{re.escape(name)}\(", doc))
    found += [f"`{var}(...)`" for var in sorted(instances) if re.search(rf"\b{var}\(", doc)]
    if not found:
        return ""
    return (
        f" (it calls {', '.join(dict.fromkeys(found))}: calling the model like a function, "
        "predict and run were removed in langchain-core 1.0, and generate is the "
        "batch-of-prompts API, not how a user calls a model)"
    )


@check(
    "docs.init_args",
    needs="class",
    rule="every public init field has a docstring or `Field(description=...)`",
    source="Documentation: docstrings for all init args",
    fix=INIT_ARGS_FIX,
)
def init_args(obs: Observations) -> Verdict:
    """Fields the API reference lists need words; LangChain's own fields are not counted."""
    facts = obs.facts
    if not facts.fields:
        return skipped("the class declares no init fields of its own", "it has fields")
    if not facts.has_source:
        return skipped(
            "the class's source cannot be read, so field docstrings cannot be looked at",
            "the class is defined in a Python file",
        )
    undocumented = [
        name
        for name, info in facts.fields.items()
        if not (info.description or "").strip()
        and not facts.attribute_docstrings.get(name, "").strip()
    ]
    if undocumented:
        raise fail(
            f"undocumented init field(s): {', '.join(undocumented)}",
            expected="a docstring under each field, or Field(description=...)",
            observed=f"none for {', '.join(undocumented)}",
            method="",
        )
    return passed(f"all {len(facts.fields)} init field(s) are documented")


@check(
    "docs.api_link",
    needs="class",
    rule="a service-backed class links to the service's API documentation in its docstring",
    source="Documentation: link to the model API",
    fix=API_LINK_FIX,
)
def api_link(obs: Observations) -> Verdict:
    """An ``http(s)://`` link that is neither loopback nor the endpoint's own value."""
    facts = obs.facts
    if not facts.service_backed:
        return skipped(
            "the class has no credential or URL field, so it is not service-backed",
            "the class has an API key, token or base URL field",
        )
    endpoints = {str(getattr(obs.llm, name, "")).rstrip("/") for name in facts.url_fields}
    endpoints |= {
        str(info.default).rstrip("/")
        for name, info in facts.fields.items()
        if name in facts.url_fields and isinstance(info.default, str)
    }
    links = [
        url.rstrip(".,;:")
        for url in URL.findall(_class_doc(obs))
        if not LOOPBACK.match(url) and url.rstrip(".,;:/") not in endpoints
    ]
    if not links:
        fields = ", ".join(facts.credential_fields + facts.url_fields)
        raise fail(
            "no link to the service's API documentation in the class docstring",
            expected="an http(s):// link to the API docs or home page",
            observed="no such link (loopback addresses and the endpoint itself do not count)",
            cause=f"the class is service-backed (fields: {fields})",
            method="",
        )
    shown = ", ".join(dict.fromkeys(links[:3]))
    return passed(f"links to {shown}" + (f" and {len(links) - 3} more" if len(links) > 3 else ""))
