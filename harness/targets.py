"""Targets: what to check, from ``"package.module:Name"``, a class or a factory."""

from __future__ import annotations

import importlib
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.language_models.llms import BaseLLM

REFERENCE_SPEC = "reference_llm:EchoLLM"
REFERENCE_PARAMS: dict[str, Any] = {"n": 64}


class TargetError(ValueError):
    """The target cannot be loaded or built; the message is one line."""


@dataclass(frozen=True)
class Target:
    """A model to check: how to build it, and under which name to report it."""

    label: str
    factory: Callable[..., Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    is_class: bool = True

    def build(self, **overrides: Any) -> BaseLLM:
        """Make a fresh instance; ``overrides`` replace params (classes only)."""
        from langchain_core.language_models.llms import BaseLLM

        kwargs = {**self.params, **overrides}
        try:
            instance = self.factory(**kwargs)
        except Exception as exc:
            what = "params fail the class's validation" if self.is_class else "factory raised"
            raise TargetError(f"{self.label}: {what}: {one_line(exc)}") from exc
        if not isinstance(instance, BaseLLM):
            raise TargetError(
                f"{self.label}: the factory returned {type(instance).__name__}, not a LangChain LLM"
            )
        return instance


def one_line(exc: BaseException) -> str:
    """``Type: message`` on one line, for error messages."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def parse_params(params: Mapping[str, Any] | str | None, source: str) -> dict[str, Any]:
    """Params as a dict, from a mapping or JSON text."""
    if params is None:
        return {}
    if isinstance(params, str):
        try:
            params = json.loads(params)
        except json.JSONDecodeError as exc:
            raise TargetError(f"{source}: params are not JSON: {exc}") from None
    if not isinstance(params, Mapping):
        raise TargetError(f"{source}: params must be a JSON object, not {type(params).__name__}")
    return dict(params)


def load_target(
    spec: str | type | Callable[..., Any],
    params: Mapping[str, Any] | str | None = None,
    source: str = "target",
) -> Target:
    """Resolve a spec to a ``Target``; raise ``TargetError`` with one line."""
    from langchain_core.language_models.llms import BaseLLM

    param_dict = parse_params(params, source)
    if isinstance(spec, str):
        label, obj = spec, import_object(spec, source)
    else:
        label, obj = f"{spec.__module__}:{spec.__qualname__}", spec
    if inspect.isclass(obj):
        if not issubclass(obj, BaseLLM):
            raise TargetError(f"{source}: {label} is a class but not a LangChain LLM")
        if inspect.isabstract(obj):
            missing = ", ".join(sorted(obj.__abstractmethods__))
            raise TargetError(f"{source}: {label} is abstract (missing: {missing})")
        return Target(label, obj, param_dict, is_class=True)
    if callable(obj):
        if param_dict:
            raise TargetError(f"{source}: {label} is a factory; it takes no params")
        return Target(label, obj, {}, is_class=False)
    raise TargetError(
        f"{source}: {label} is a {type(obj).__name__}, "
        "neither an LLM class nor a factory returning an LLM"
    )


def import_object(spec: str, source: str) -> Any:
    """Import ``"package.module:Name"`` (a dotted name after the colon)."""
    module_name, sep, attr_path = spec.partition(":")
    if not sep or not module_name or not attr_path:
        raise TargetError(f"{source}: target {spec!r} is not of the form package.module:Name")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as exc:
        raise TargetError(
            f"{source}: cannot import module {module_name!r}: {one_line(exc)}"
        ) from None
    for part in attr_path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TargetError(
                f"{source}: module {module_name!r} has no attribute {attr_path!r}"
            ) from None
    return obj
