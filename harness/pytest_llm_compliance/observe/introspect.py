"""What can be learned about a model class without calling it."""

from __future__ import annotations

import ast
import collections.abc
import fnmatch
import functools
import inspect
import re
import textwrap
import types
import typing
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from pytest_llm_compliance.core.credentials import is_credential_name
from pytest_llm_compliance.observe.sources import class_source

MODEL_METHODS = ("_call", "_acall", "_stream", "_astream", "_generate", "_agenerate")
"""The methods that talk to the model: a class derived from ``LLM`` defines ``_call``, one
derived from ``BaseLLM`` directly defines ``_generate`` (and both may stream)."""
STOP_FIELDS = ("stop", "stop_sequences", "stop_words", "stop_sequence")
"""Names (or aliases) of an init field holding stop sequences for every call."""
MODEL_NAME_FIELDS = ("model", "model_name", "model_id", "deployment_name", "repo_id")
"""Names (or aliases) of an init field naming the model a service runs."""
URL_PATTERNS = ("*url*", "*uri*", "*endpoint*", "*api_base*", "host", "*_host")
SECRET_WORDS = ("secret", "key", "token", "passw", "credential", "auth", "apikey")
"""Words that make a name a credential's, whatever else it says."""
IDENTIFIER_DOC = re.compile(r"^\W*(the\s+)?(id|identifier|tag|slug|name)\b", re.IGNORECASE)
"""A field documented as what identifies something ("The id or tag of the pipeline")."""
SECRET_DOC = re.compile(r"secret|passw|token|credential|api[ _-]?key|private", re.IGNORECASE)
OBJECT_DOC = re.compile(r"\b[a-z_]\w*(\.[a-z_]\w*)+\.[A-Z]\w+\b|\b(object|instance) of\b")
"""A field documented as holding an object: a dotted class name, "an instance of"."""
NOT_SECRET_PATTERNS = (*URL_PATTERNS, "*domain*", "*region*", "id", "*_id", "*_ids", "*user*")
"""Names that ``lc_secrets`` may list but that hold no secret: addresses, app and
instance ids, user names (a name with a word of ``SECRET_WORDS`` is still one)."""


@functools.cache
def framework_classes() -> frozenset[type]:
    """The classes LangChain's model interface is made of.

    ``LLM``, ``BaseChatModel``, and everything above them (``BaseLanguageModel``,
    ``Runnable``, pydantic's ``BaseModel``...).

    Every other class in a model's MRO is the model's own code, wherever it is
    defined: a class of langchain-core itself (``FakeStreamingListLLM``) or a
    mixin listed after the base (``class X(BaseLLM, _XCommon)``).
    """
    from langchain_core.language_models.chat_models import BaseChatModel, SimpleChatModel
    from langchain_core.language_models.llms import LLM

    return frozenset((*LLM.__mro__, *BaseChatModel.__mro__, *SimpleChatModel.__mro__))


def is_framework(klass: type) -> bool:
    """True for LangChain's interface classes (and their parametrised aliases)."""
    module = klass.__module__
    return (
        klass in framework_classes()
        or module in ("typing", "abc", "builtins")
        or module.startswith("pydantic.")
    )


def own_classes(cls: type) -> list[type]:
    """The model's own classes in ``cls``'s MRO, in MRO order (framework classes left out)."""
    return [klass for klass in cls.__mro__ if not is_framework(klass)]


def defining_class(cls: type, name: str) -> type | None:
    """The class of ``cls``'s MRO whose body defines ``name`` (None if none does)."""
    return next((klass for klass in cls.__mro__ if name in vars(klass)), None)


def defined_by_user(cls: type, name: str) -> bool:
    """True when ``name`` comes from the model's own code, not from LangChain's interface.

    A class body that sets a method back to LangChain's own (``_stream =
    BaseChatModel._stream``, so that LangChain falls back to ``invoke``) does not
    define it: the function is compared with the framework's, not the class dict.
    """
    klass = defining_class(cls, name)
    if klass is None or is_framework(klass):
        return False
    own = _plain_function(vars(klass)[name])
    return not any(
        _plain_function(vars(base)[name]) is own
        for base in cls.__mro__
        if is_framework(base) and name in vars(base)
    )


def type_name(annotation: Any) -> str:
    """An annotation as written in code: ``str | None``, ``Optional[str]`` in full."""
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__qualname__
    text = repr(annotation)
    return re.sub(r"\b(typing|pydantic\.types|collections\.abc)\.", "", text)


def _names_no_secret(name: str) -> bool:
    """True for an address or id name (see ``NOT_SECRET_PATTERNS``) without a secret's word."""
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, p) for p in NOT_SECRET_PATTERNS) and not any(
        word in lowered for word in SECRET_WORDS
    )


def _holds_text(annotation: Any) -> bool:
    """True for ``str``, ``SecretStr``, ``Any`` and unions holding one of them."""
    if annotation in (str, SecretStr, Any):
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_holds_text(arg) for arg in typing.get_args(annotation))
    if origin is typing.Annotated:
        return _holds_text(typing.get_args(annotation)[0])
    return False


def _is_key_provider(annotation: Any) -> bool:
    """True for key providers such as ``Callable[[], str]``: a callable holds no text."""
    return typing.get_origin(annotation) is collections.abc.Callable or annotation in (
        collections.abc.Callable,
        typing.Callable,
    )


def is_secretstr(annotation: Any) -> bool:
    """True for ``SecretStr``, optionally ``| None`` and key providers (``| Callable[[], str]``).

    langchain-openai types its key ``SecretStr | None | Callable[[], str] |
    Callable[[], Awaitable[str]]``: the callables hold no text to print, so
    they are accepted beside ``SecretStr``; a plain ``str`` never is.
    """
    if annotation is SecretStr:
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        return is_secretstr(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        return SecretStr in args and all(
            arg in (SecretStr, type(None)) or _is_key_provider(arg) for arg in args
        )
    return False


@dataclass(frozen=True)
class Facts:
    """Static facts about the model's class, read once per target."""

    cls: type
    lc_secrets: tuple[str, ...]
    """Field names the instance lists in ``lc_secrets``."""

    @property
    def name(self) -> str:
        """The class's name."""
        return self.cls.__name__

    @cached_property
    def overrides(self) -> frozenset[str]:
        """Model and streaming methods the user's code defines."""
        names = (*MODEL_METHODS, "stream", "astream", "invoke", "ainvoke")
        return frozenset(n for n in names if defined_by_user(self.cls, n))

    @property
    def streams_sync(self) -> bool:
        """True when ``stream`` streams natively (``_stream`` or ``stream`` defined)."""
        return bool(self.overrides & {"_stream", "stream"})

    @property
    def streams_async(self) -> bool:
        """True when ``astream`` streams natively.

        LangChain's ``_astream`` runs ``_stream`` when only that is defined.
        """
        return self.streams_sync or bool(self.overrides & {"_astream", "astream"})

    @property
    def streams(self) -> bool:
        """True when the class implements streaming itself, on either path."""
        return self.streams_async

    @cached_property
    def fields(self) -> dict[str, Any]:
        """The user's own init fields (not LangChain's), by name."""
        base_fields: set[str] = set()
        for klass in self.cls.__mro__:
            if is_framework(klass):
                base_fields |= set(getattr(klass, "model_fields", {}))
        model_fields: dict[str, Any] = getattr(self.cls, "model_fields", {})
        return {
            name: info
            for name, info in model_fields.items()
            if name not in base_fields and not name.startswith("_")
        }

    @cached_property
    def credential_fields(self) -> tuple[str, ...]:
        """Init fields that carry a credential (CHECKLIST.md, secrets.secretstr).

        Only fields that can hold text count. An ``lc_secrets`` entry named as
        an address or an id (``url``, ``spark_app_id``) holds no secret; a
        ``*_key`` named as a key into data (``prompt_key``) is no credential.
        """
        found = []
        for name, info in self.fields.items():
            if not _holds_text(info.annotation):
                continue  # a number, flag or list of configs is no SecretStr field
            listed = name in self.lc_secrets and not _names_no_secret(name)
            named = is_credential_name(name) and not self._documented_as_no_secret(name, info)
            if listed or named:
                found.append(name)
        return tuple(found)

    def _documented_as_no_secret(self, name: str, info: Any) -> bool:
        """True when a field's own docs say it holds an id, or an object rather than text.

        ``pipeline_key: str`` documented "The id or tag of the target
        pipeline"; ``credentials: Any`` documented as a
        ``google.auth.credentials.Credentials``.
        """
        doc = (info.description or "") + " " + self.attribute_docstrings.get(name, "")
        if IDENTIFIER_DOC.search(doc) and not SECRET_DOC.search(doc):
            return True
        return info.annotation is Any and bool(OBJECT_DOC.search(doc))

    def _field_named(self, names: tuple[str, ...]) -> str | None:
        """The first init field whose name or alias is one of ``names``."""
        return next(
            (name for name, info in self.fields.items() if {name, info.alias} & set(names)),
            None,
        )

    @property
    def stop_field(self) -> str | None:
        """The init field holding stop sequences for every call (``stop``, ``stop_sequences``)."""
        return self._field_named(STOP_FIELDS)

    @property
    def model_name_field(self) -> str | None:
        """The init field naming the model (``model``, ``model_name``...), if any."""
        return self._field_named(MODEL_NAME_FIELDS)

    @cached_property
    def url_fields(self) -> tuple[str, ...]:
        """Init fields that hold the address of a service."""
        return tuple(
            name
            for name, info in self.fields.items()
            if name not in self.credential_fields
            and _holds_text(info.annotation)
            and any(fnmatch.fnmatchcase(name, pattern) for pattern in URL_PATTERNS)
        )

    @property
    def service_backed(self) -> bool:
        """True when the class talks to a service (a credential or URL field)."""
        return bool(self.credential_fields or self.url_fields)

    @cached_property
    def attribute_docstrings(self) -> dict[str, str]:
        """Docstrings written under field annotations, across the model's own classes."""
        docs: dict[str, str] = {}
        for klass in reversed(own_classes(self.cls)):
            block = class_source(klass)
            if block is None:
                continue
            body = _parse(textwrap.dedent("".join(block[0]))).body[0]
            if not isinstance(body, ast.ClassDef):
                continue
            for node, after in zip(body.body, body.body[1:], strict=False):
                if (
                    isinstance(node, ast.AnnAssign)
                    and isinstance(node.target, ast.Name)
                    and isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)
                ):
                    docs[node.target.id] = after.value.value
        return docs

    @cached_property
    def has_source(self) -> bool:
        """True when the class's source can be read (needed for field docs)."""
        return class_source(self.cls) is not None

    def defines(self, method: str) -> bool:
        """True when the model's own code defines ``method``."""
        return bool(method) and defined_by_user(self.cls, method)

    def method_for(self, path: str) -> str:
        """The model's method that a public path runs, as the class defines it.

        ``astream`` of a class that defines only ``_stream`` runs ``_stream``;
        one that streams not at all runs ``_acall`` or ``_call`` (LangChain's
        fallbacks). A failure's location is that method, never one the class
        does not define.
        """
        candidates = {
            "invoke": ("invoke", "_call", "_generate"),
            "ainvoke": ("ainvoke", "_acall", "_agenerate", "_call", "_generate"),
            "batch": ("batch", "_generate", "_call"),
            "abatch": ("abatch", "_agenerate", "_acall", "_generate", "_call"),
            "stream": ("stream", "_stream", "_call", "_generate"),
            "astream": ("astream", "_astream", "_stream", "_acall", "_agenerate", "_call"),
        }
        name = path.split("(")[0].split()[0] if path.strip() else path
        return self.first_defined(*candidates.get(name, (name,)))

    def first_defined(self, *methods: str) -> str:
        """The first of ``methods`` the model's own code defines, else the first one."""
        return next((m for m in methods if self.defines(m)), methods[0])

    def position(self, method: str) -> tuple[str, int] | None:
        """File and line of ``method`` where the model's code defines it, else of the class."""
        obj: Any = self.cls
        if self.defines(method):
            owner = defining_class(self.cls, method)
            obj = inspect.unwrap(_plain_function(vars(owner)[method]))
        try:
            if obj is self.cls:
                block = class_source(obj)
                return (inspect.getsourcefile(obj) or "?", block[1]) if block else None
            return inspect.getsourcefile(obj) or "?", inspect.getsourcelines(obj)[1]
        except (OSError, TypeError):
            return None

    def location(self, method: str) -> str:
        """``path:line (Owner.method)`` of a method the model defines, else of the class.

        A method the class does not define is never named as the place to look:
        the location is then the class, with what runs instead.
        """
        position = self.position(method)
        if self.defines(method):
            owner = defining_class(self.cls, method)
            where = f"{owner.__name__ if owner else self.name}.{method}"
        elif method:
            where = f"{self.name}, which does not define {method}: LangChain's default runs"
        else:
            where = self.name
        return f"{shown_path(position[0])}:{position[1]} ({where})" if position else where


def shown_path(path: str) -> str:
    """``path`` relative to the current directory when below it, as ruff and pytest print it.

    Elsewhere (an installed package) the path stays absolute.
    """
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return path


def _parse(source: str) -> ast.Module:
    """``ast.parse``, tried twice.

    CPython 3.11's parser can raise a spurious ``SystemError`` ("AST
    constructor recursion depth mismatch") when threads race.
    """
    try:
        return ast.parse(source)
    except SystemError:
        return ast.parse(source)


def _plain_function(member: Any) -> Any:
    """The function behind a property, staticmethod or classmethod."""
    if isinstance(member, property):
        return member.fget
    return getattr(member, "__func__", member)


def _secret_names(instance: Any) -> tuple[str, ...]:
    """The field names an instance lists in ``lc_secrets`` (none if reading it fails)."""
    try:
        secrets = dict(instance.lc_secrets)
    except Exception:
        secrets = {}
    return tuple(str(name) for name in secrets)


def read_facts(llm: Any) -> Facts:
    """Read the facts of a built model."""
    return Facts(type(llm), _secret_names(llm))


def unvalidated(cls: type) -> Any:
    """An instance of ``cls`` made without running any validator, or None.

    ``model_construct()`` sets the defaults and runs no validator, so it builds
    no client and opens no connection. A class whose defaults cannot be made
    (a default factory that raises) gets a bare ``cls.__new__(cls)``, on which
    properties that return a constant (``_llm_type``, ``lc_secrets``) still read.
    """
    construct = getattr(cls, "model_construct", None)
    if construct is not None:
        try:
            return construct()
        except Exception:
            pass
    try:
        return object.__new__(cls)
    except Exception:
        return None


def class_facts(cls: type) -> Facts:
    """The facts of a class without building it: ``lc_secrets`` of an unvalidated instance."""
    probe = unvalidated(cls)
    return Facts(cls, _secret_names(probe) if probe is not None else ())
