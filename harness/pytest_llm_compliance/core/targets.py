"""Targets: what to check, from ``"package.module:Name"``, a class or a factory."""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from pytest_llm_compliance.core.exc_text import (
    one_line as one_line,  # re-exported: the name callers import
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseLanguageModel

    Model = BaseLanguageModel[Any]

REFERENCE_SPEC = "reference_llm:EchoLLM"
REFERENCE_PARAMS: dict[str, Any] = {"n": 64}


class TargetError(ValueError):
    """The target cannot be loaded or built; the message is one line."""


class GoesElsewhere(TargetError):
    """A rebuilt instance would call an address the user's instance does not call."""


@dataclass(frozen=True)
class Rebuilt:
    """An instance rebuilt like the user's, and what it shares with it."""

    instance: Model
    shared: Mapping[str, Any] = field(default_factory=dict)
    """Init values (by alias) whose live objects (SDK or HTTP clients...) are the user's own:
    one that holds the user's key (``holds_secret``) sends it, not a credential put in a
    field."""

    @property
    def reused(self) -> tuple[str, ...]:
        """The names of the shared live objects."""
        return tuple(self.shared)


class MissingModule(TargetError):
    """The target's module, or a module it imports, is not installed."""

    def __init__(self, message: str, missing: str) -> None:
        super().__init__(message)
        self.missing = missing
        """The name of the module that was not found."""


@dataclass(frozen=True)
class Target:
    """A model to check: how to build it, and under which name to report it."""

    label: str
    factory: Callable[..., Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    is_class: bool = True

    def build(self, **overrides: Any) -> Model:
        """Make a fresh instance; ``overrides`` replace params (classes only)."""
        from pytest_llm_compliance.kinds import kind_of

        kwargs = {**self.params, **overrides}
        try:
            instance = self.factory(**kwargs)
        except Exception as exc:
            what = "params fail the class's validation" if self.is_class else "factory raised"
            raise TargetError(f"{self.label}: {what}: {one_line(exc)}") from exc
        if kind_of(instance) is None:
            raise TargetError(
                f"{self.label}: the factory returned {type(instance).__name__}, "
                "not a LangChain LLM or chat model"
            )
        return cast("Model", instance)

    def build_with(self, instance: Any, overrides: Mapping[str, Any]) -> Model:
        """A fresh instance like ``instance``, with ``overrides``, calling where it calls.

        See ``rebuild``; raises ``TargetError`` (``GoesElsewhere`` when every
        instance the harness could build would call another address).
        """
        return self.rebuild(instance, overrides).instance

    def rebuild(
        self,
        instance: Any,
        overrides: Mapping[str, Any],
        goes_to: frozenset[str] | None = None,
    ) -> Rebuilt:
        """A fresh instance like ``instance`` with ``overrides`` (init values by name or alias).

        A class target is rebuilt from its params. A factory target takes no
        params, so the factory's instance is rebuilt through its class, from every
        init value set on it (``model_fields_set``, fields marked ``exclude=True``
        included): first the plain values only (so that clients built by
        validators are built anew and see the overrides), then every value, live
        objects (SDK clients handed to the constructor) carried over by value.

        The first instance that calls where ``instance`` calls is returned, with
        the fields whose live objects it shares with ``instance``: the same
        addresses (``observe.destinations``; a sync client on the user's endpoint
        and an async one on the vendor's default host are two), else the first
        holding no address the instance does not. With ``goes_to``, the first
        holding no address outside it.
        """
        from pytest_llm_compliance.observe.destinations import destinations

        allowed = destinations(instance) if goes_to is None else goes_to
        if self.is_class:
            attempts = [({**self.params, **overrides}, self.params)]
        else:
            plain = _init_values(instance, plain_only=True)
            every = _init_values(instance, plain_only=False)
            attempts = [({**plain, **overrides}, plain), ({**every, **overrides}, every)]
        error: Exception | None = None
        elsewhere: frozenset[str] = frozenset()
        fitting: list[Rebuilt] = []
        for values, given in attempts:
            try:
                built = self.factory(**values) if self.is_class else type(instance)(**values)
            except Exception as exc:
                error = exc
                continue
            found = destinations(built)
            if found - allowed:
                elsewhere = found - allowed
                continue
            shared = {
                key: value
                for key, value in given.items()
                if key not in overrides and not _is_data(value)
            }
            fitting.append(Rebuilt(cast("Model", built), shared))
            if goes_to is not None or found == allowed:
                return fitting[-1]
        if fitting:  # it holds fewer addresses than the instance, none elsewhere
            return fitting[0]
        cls = type(instance).__name__
        if elsewhere:
            where = ", ".join(sorted(allowed)) or "no address the harness can read"
            raise GoesElsewhere(
                f"{self.label}: {cls} rebuilt from the instance's init values would call "
                f"{', '.join(sorted(elsewhere))}, not where the instance calls ({where})"
            ) from error
        if self.is_class:
            what = "params fail the class's validation"
        else:
            what = f"{cls} cannot be rebuilt from the factory's instance"
        raise TargetError(
            f"{self.label}: {what}: {one_line(error) if error else 'no values'}"
        ) from error

    def construct_unvalidated(self, instance: Any, overrides: Mapping[str, Any]) -> Any:
        """Like ``build_with`` but without running validators (``model_construct``).

        For the static surfaces only (repr, dumps...), when a class refuses a
        stand-in value at validation; ``None`` if even that fails.
        """
        values = dict(self.params) if self.is_class else _init_values(instance, plain_only=False)
        try:
            return type(instance).model_construct(**{**values, **overrides})
        except Exception:
            return None


_PLAIN = (str, int, float, bool, type(None))


def _is_plain(value: Any) -> bool:
    """True for data a user writes as an init value (not a client or other live object)."""
    from pydantic import SecretStr

    if isinstance(value, (*_PLAIN, SecretStr)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _is_data(value: Any) -> bool:
    """True for plain values and pydantic data (messages...), not clients or other live objects."""
    from pydantic import BaseModel

    if _is_plain(value) or isinstance(value, BaseModel):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_data(item) for item in value)
    if isinstance(value, dict):
        return all(_is_data(item) for item in value.values())
    return False


MAX_LOOKS = 5000
"""The most values ``holds_secret`` looks at in one object graph."""


def holds_secret(obj: Any, secrets: set[str], depth: int = 5) -> bool:
    """True when ``obj`` holds one of ``secrets`` (str, bytes or SecretStr) within ``depth``.

    Reads attributes from the objects' ``__dict__`` (no property runs), items of
    lists, tuples, sets and dicts, and header lists of bytes.
    """
    from pydantic import SecretStr

    if not secrets:
        return False
    stack, seen, looks = [(obj, depth)], set(), 0
    while stack and looks < MAX_LOOKS:
        value, left = stack.pop()
        looks += 1
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if isinstance(value, str):
            if any(secret in value for secret in secrets):
                return True
            continue
        if left == 0 or value is None or isinstance(value, (int, float)) or id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            items: list[Any] = [*value.keys(), *value.values()]
        elif isinstance(value, (list, tuple, set, frozenset)):
            items = list(value)
        else:
            try:
                items = list(vars(value).values())
            except TypeError:
                continue
        stack.extend((item, left - 1) for item in items)
    return False


def _init_values(instance: Any, *, plain_only: bool) -> dict[str, Any]:
    """The init values ``instance`` was given (or its validators set), by alias where it has one.

    Fields marked ``exclude=True`` count too: they are left out of dumps, not of
    what the instance calls with (an SDK client, an endpoint).
    """
    fields = getattr(type(instance), "model_fields", {})
    values = {}
    for name in sorted(getattr(instance, "model_fields_set", ())):
        info = fields.get(name)
        if info is None:
            continue
        value = getattr(instance, name, None)
        if plain_only and not _is_plain(value):
            continue
        values[info.alias or name] = value
    return values


def parse_params(params: Mapping[str, Any] | str | None, source: str) -> dict[str, Any]:
    """Params as a dict, from a mapping or JSON text."""
    if params is None:
        return {}
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except json.JSONDecodeError as exc:
            raise TargetError(f"{source}: params are not JSON: {exc}") from None
        except RecursionError:
            raise TargetError(f"{source}: params are nested too deeply to read") from None
    if not isinstance(params, Mapping):
        raise TargetError(f"{source}: params must be a JSON object, not {type(params).__name__}")
    return dict(params)


def load_target(
    spec: str | type | Callable[..., Any],
    params: Mapping[str, Any] | str | None = None,
    source: str = "target",
) -> Target:
    """Resolve a spec to a ``Target``; raise ``TargetError`` with one line."""
    from pytest_llm_compliance.kinds import kind_of_class

    param_dict = parse_params(params, source)
    if isinstance(spec, str):
        label, obj = spec, import_object(spec, source)
    else:
        label, obj = f"{spec.__module__}:{spec.__qualname__}", spec
    if inspect.isclass(obj):
        if kind_of_class(obj) is None:
            raise TargetError(
                f"{source}: {label} is a class but neither a LangChain LLM nor a chat model"
            )
        if inspect.isabstract(obj):
            missing = ", ".join(sorted(getattr(obj, "__abstractmethods__", ())))
            raise TargetError(f"{source}: {label} is abstract (missing: {missing})")
        return Target(label, obj, param_dict, is_class=True)
    if callable(obj):
        if param_dict:
            raise TargetError(f"{source}: {label} is a factory; it takes no params")
        return Target(label, obj, {}, is_class=False)
    raise TargetError(
        f"{source}: {label} is a {type(obj).__name__}, "
        "neither an LLM or chat model class nor a factory returning one"
    )


def import_object(spec: str, source: str) -> Any:
    """Import ``"package.module:Name"`` (a dotted name after the colon)."""
    module_name, sep, attr_path = spec.partition(":")
    if not sep or not module_name or not attr_path:
        raise TargetError(f"{source}: target {spec!r} is not of the form package.module:Name")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:
        message = f"{source}: cannot import module {module_name!r}: {one_line(exc)}"
        if isinstance(exc, ModuleNotFoundError):
            raise MissingModule(message, exc.name or module_name) from None
        raise TargetError(message) from None
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TargetError(
                f"{source}: module {module_name!r} has no attribute {attr_path!r}"
            ) from None
    return obj
