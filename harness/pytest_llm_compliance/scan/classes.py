"""The checks that need no model call, run on a class found by a scan.

A scanned class has no params: it is judged from the class itself. The
checks that need only the class (``Check.needs == "class"``) read its
``Facts`` and plain properties (``_llm_type``, an address field's value) of
an instance: the class built with no arguments and no network when it
builds so, else one made without validation (``model_construct()``). The
checks that need a built instance (``"instance"``) run only where the class
builds with no arguments and no network; elsewhere they are skipped with the
reason.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from pytest_llm_compliance.checks._api import Check
from pytest_llm_compliance.core.outcomes import CheckRecord, Outcome, Verdict
from pytest_llm_compliance.core.settings import Settings
from pytest_llm_compliance.core.targets import Target, TargetError, one_line
from pytest_llm_compliance.engine import apply_expectation, run_check, run_checks
from pytest_llm_compliance.kinds import kind_of_class
from pytest_llm_compliance.observe.core import Observations
from pytest_llm_compliance.observe.introspect import Facts, class_facts, unvalidated
from pytest_llm_compliance.observe.recorders import CallTimeout, run_bounded
from pytest_llm_compliance.scan.no_network import no_network

if TYPE_CHECKING:
    from pytest_llm_compliance.kinds.base import Model


def class_label(cls: type) -> str:
    """``package.module:QualName``, the name a class is reported under."""
    return f"{cls.__module__}:{cls.__qualname__}"


def model_kind(cls: type) -> str | None:
    """``"llm"`` for a ``BaseLLM`` subclass, ``"chat"`` for a ``BaseChatModel`` one, else None."""
    kind = kind_of_class(cls) if inspect.isclass(cls) else None
    return kind.name if kind else None


def classes_defined_in(module: Any) -> list[type]:
    """The concrete LLM and chat classes ``module`` defines (not imports), in definition order."""
    found: list[type] = []
    for value in list(vars(module).values()):
        if (
            model_kind(value)
            and value.__module__ == module.__name__
            and not inspect.isabstract(value)
            and value not in found
        ):
            found.append(value)
    return found


class NoInstance(TargetError):
    """No instance of a scanned class can be made, not even without validation."""


class ClassObservations(Observations):
    """What the checks may read of a class found by a scan: never a model call."""

    makes_calls = False

    def __init__(self, cls: type, settings: Settings) -> None:
        super().__init__(Target(class_label(cls), cls, {}, is_class=True), settings)
        self.cls = cls

    @cached_property
    def facts(self) -> Facts:
        """The class's facts, read without building it."""
        return class_facts(self.cls)

    @cached_property
    def built(self) -> tuple[Any, str]:
        """The class built with no arguments and no network, or None and why not.

        Bounded by the construction limit of every face (the call time limit).
        """
        with no_network(), _quiet():
            returned = run_bounded(self.cls, self.settings.timeout_s)
        if isinstance(returned.error, CallTimeout):
            return None, f"it did not finish building within {self.settings.timeout_s:g} s"
        if returned.error is not None:
            return None, one_line(returned.error)
        instance = returned.value
        self.redact.add_model_secrets(instance, self.facts.credential_fields)
        return instance, ""

    @cached_property
    def llm(self) -> Model:
        """The built instance, else one made without validation (``NoInstance`` if none)."""
        instance, problem = self.built
        if instance is None:
            instance = unvalidated(self.cls)
        if instance is None:
            raise NoInstance(f"no instance can be made, even without validation ({problem})")
        return cast("Model", instance)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep what a constructor prints or warns out of the scan's output."""
    sink = io.StringIO()
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
    ):
        warnings.simplefilter("ignore")
        yield


@dataclass(frozen=True)
class ClassResult:
    """One scanned class: its records, and whether it built with no arguments."""

    label: str
    kind: str
    """``llm`` or ``chat``."""
    built: bool
    why_not_built: str
    records: Sequence[CheckRecord]


def check_class(cls: type, checks: Sequence[Check], settings: Settings) -> ClassResult:
    """Run the ``checks`` that need no call on ``cls``; never builds it with params."""
    obs = ClassObservations(cls, settings)
    try:
        records = run_checks(obs, checks, prefetch=(), judge=scan_check)  # no call to make
        instance, problem = obs.built
    finally:
        obs.close()
    kind = model_kind(cls) or "llm"
    return ClassResult(obs.target.label, kind, instance is not None, problem, records)


def scan_check(check: Check, obs: ClassObservations) -> CheckRecord:
    """Run one check that needs no call, with the network blocked and prints kept out."""
    with no_network(), _quiet():  # also the twin interface.identifying_params builds
        return _run(check, obs)


def _run(check: Check, obs: ClassObservations) -> CheckRecord:
    if check.needs == "calls":
        raise ValueError(f"{check.id} needs model calls; a scan makes none")
    if check.needs == "instance":
        instance, problem = obs.built
        if instance is None:
            return _skip(
                check,
                obs,
                "it needs an instance, and the class does not build with no arguments and no "
                f"network ({problem}) (applies when the class builds so, or under "
                "`llm-compliance check` with params)",
            )
    try:
        return run_check(check, obs)
    except TargetError as exc:
        return _skip(check, obs, f"it needs an instance: {exc}")


def _skip(check: Check, obs: ClassObservations, reason: str) -> CheckRecord:
    verdict = apply_expectation(Verdict(Outcome.SKIPPED, reason), obs.settings.xfail.get(check.id))
    return CheckRecord(
        id=check.id,
        area=check.area,
        target=obs.target.label,
        outcome=verdict.outcome,
        message=obs.redact(verdict.message),
        duration_s=0.0,
        model_calls=0,
        kind=model_kind(obs.cls) or "",
    )
