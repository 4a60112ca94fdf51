"""What can be learned about a model class without calling it."""

from __future__ import annotations

import ast
import fnmatch
import inspect
import textwrap
import types
import typing
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import SecretStr

MODEL_METHODS = ("_call", "_acall", "_stream", "_astream")
CREDENTIAL_PATTERNS = (
    "api_key",
    "*_api_key",
    "*_key",
    "*_token",
    "*_secret",
    "*password*",
    "credentials",
)
TOKENIZER_VOCABULARY = frozenset(
    f"{kind}_token" for kind in ("eos", "bos", "pad", "stop", "unk", "sep", "cls", "mask")
)
URL_PATTERNS = ("*url*", "*uri*", "*endpoint*", "*api_base*", "host", "*_host")


def defined_by_user(cls: type, name: str) -> bool:
    """True when ``name`` comes from the user's code, not from langchain-core."""
    for klass in cls.__mro__:
        if name in vars(klass):
            return not klass.__module__.startswith("langchain_core.")
    return False


def _user_classes(cls: type) -> list[type]:
    """The classes of the user's code: those before langchain-core's in the MRO."""
    classes = []
    for klass in cls.__mro__:
        if klass.__module__.startswith(("langchain_core.", "pydantic.")):
            break
        classes.append(klass)
    return classes


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


def is_secretstr(annotation: Any) -> bool:
    """True for ``SecretStr`` and ``SecretStr | None``, nothing else."""
    if annotation is SecretStr:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = set(typing.get_args(annotation))
        return SecretStr in args and args <= {SecretStr, type(None)}
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
        for klass in self.cls.__mro__[1:]:
            if klass.__module__.startswith("langchain_core."):
                base_fields |= set(getattr(klass, "model_fields", {}))
                break
        model_fields: dict[str, Any] = getattr(self.cls, "model_fields", {})
        return {
            name: info
            for name, info in model_fields.items()
            if name not in base_fields and not name.startswith("_")
        }

    @cached_property
    def credential_fields(self) -> tuple[str, ...]:
        """Init fields that carry a credential (CHECKLIST.md, secrets.secretstr)."""
        found = []
        for name, info in self.fields.items():
            by_name = name not in TOKENIZER_VOCABULARY and any(
                fnmatch.fnmatchcase(name, pattern) for pattern in CREDENTIAL_PATTERNS
            )
            if name in self.lc_secrets or (by_name and _holds_text(info.annotation)):
                found.append(name)
        return tuple(found)

    @cached_property
    def url_fields(self) -> tuple[str, ...]:
        """Init fields that hold the address of a service."""
        return tuple(
            name
            for name, info in self.fields.items()
            if _holds_text(info.annotation)
            and any(fnmatch.fnmatchcase(name, pattern) for pattern in URL_PATTERNS)
        )

    @property
    def service_backed(self) -> bool:
        """True when the class talks to a service (a credential or URL field)."""
        return bool(self.credential_fields or self.url_fields)

    @cached_property
    def attribute_docstrings(self) -> dict[str, str]:
        """Docstrings written under field annotations, across the user's classes."""
        docs: dict[str, str] = {}
        for klass in reversed(_user_classes(self.cls)):
            try:
                source = textwrap.dedent(inspect.getsource(klass))
            except (OSError, TypeError):
                continue
            body = ast.parse(source).body[0]
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
        try:
            inspect.getsource(self.cls)
        except (OSError, TypeError):
            return False
        return True

    def position(self, method: str) -> tuple[str, int] | None:
        """File and line of a method the user's code defines, or of the class."""
        obj: Any = self.cls
        for klass in _user_classes(self.cls):
            if method and method in vars(klass):
                obj = inspect.unwrap(_plain_function(vars(klass)[method]))
                break
        try:
            return inspect.getsourcefile(obj) or "?", inspect.getsourcelines(obj)[1]
        except (OSError, TypeError):
            return None

    def location(self, method: str) -> str:
        """``path:line (Class.method)`` of a method, or of the class."""
        where = f"{self.name}.{method}" if method else self.name
        position = self.position(method)
        return f"{position[0]}:{position[1]} ({where})" if position else where


def _plain_function(member: Any) -> Any:
    """The function behind a property, staticmethod or classmethod."""
    if isinstance(member, property):
        return member.fget
    return getattr(member, "__func__", member)


def read_facts(llm: Any) -> Facts:
    """Read the facts of a built model."""
    try:
        secrets = dict(llm.lc_secrets)
    except Exception:
        secrets = {}
    return Facts(type(llm), tuple(str(name) for name in secrets))
