"""Observations: each distinct model call the checks need, made once and cached.

Checks never call the model. They read the attributes of ``Observations``;
the first read makes the call, fully instrumented (one ordered trace of
callbacks and receipts, logs, the model-call count, a time limit), and every
later read gets the same record.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast
from uuid import UUID

from langchain_core.runnables import RunnableBinding, RunnableConfig
from pydantic import SecretStr

from pytest_llm_compliance.core.redact import MIN_SECRET_LENGTH, Redactor
from pytest_llm_compliance.core.settings import Settings
from pytest_llm_compliance.core.targets import (
    GoesElsewhere,
    Rebuilt,
    Target,
    TargetError,
    holds_secret,
    one_line,
)
from pytest_llm_compliance.kinds import Kind, kind_of_class
from pytest_llm_compliance.kinds.base import PROMPT, Model
from pytest_llm_compliance.kinds.chat import message_text
from pytest_llm_compliance.observe.canary import make_canaries, static_surfaces
from pytest_llm_compliance.observe.cancellation import (
    GRACE_S,
    cancel_after_first_chunk,
    thread_starts_recorded,
)
from pytest_llm_compliance.observe.destinations import destinations
from pytest_llm_compliance.observe.host_guard import POLICY, Guard, Recording
from pytest_llm_compliance.observe.host_guard import install as install_host_guard
from pytest_llm_compliance.observe.introspect import Facts, is_secretstr, read_facts
from pytest_llm_compliance.observe.loop_monitor import blame_scope, watch
from pytest_llm_compliance.observe.recorders import (
    AMBIENT,
    CURRENT,
    AsyncTraceRecorder,
    CallCounter,
    CallInstruments,
    CallTimeout,
    Event,
    Returned,
    TraceRecorder,
    run_bounded,
)
from pytest_llm_compliance.observe.stop_plan import StopPlan, plan_stops
from pytest_llm_compliance.observe.target_loop import TargetLoop
from pytest_llm_compliance.transport import open_transport

if TYPE_CHECKING:
    from pytest_llm_compliance.observe.config_variants import Change


class UsesObservations(Protocol):
    """What ``prefetch`` reads of a check (``checks._api.Check``): its area and its ``uses``."""

    @property
    def area(self) -> str: ...  # noqa: D102

    @property
    def uses(self) -> tuple[str, ...]: ...  # noqa: D102


HUNG_TIMEOUT_S = 2.0
"""The time limit of every call after one call of the same target has hung."""
T = TypeVar("T")
CANCEL_DEADLINE_S = 5.0
"""How long a cancelled stream may take to end (capped by the call timeout)."""

Body = Callable[[Model, TraceRecorder, RunnableConfig], Any]
AsyncBody = Callable[[Model, TraceRecorder, RunnableConfig], Awaitable[Any]]


@dataclass(frozen=True)
class Call:
    """One instrumented call: what it returned or raised, and what it fired."""

    label: str
    output: Any
    error: BaseException | None
    error_text: str
    events: Sequence[Event]
    payloads: Sequence[str]
    logs: Sequence[str]
    printed: str
    """What the model wrote to stdout or stderr during the call."""
    model_calls: int
    duration_s: float
    connected: tuple[str, ...] = ()
    """``host:port`` of each connection the call made (seen by ``host_guard``)."""
    refused_hosts: tuple[str, ...] = ()
    """``host:port`` of each connection refused: the user's instance does not call there."""
    provoked: bool = False
    """Made to fail on purpose (the failure probe): a refused connection is what it asked for."""

    @property
    def ok(self) -> bool:
        """True when the call returned."""
        return self.error is None

    @property
    def hung(self) -> bool:
        """True when the call did not finish within its time limit."""
        return isinstance(self.error, CallTimeout)

    @property
    def raised(self) -> str:
        """What went wrong, as one line: the exception, or that the call hung."""
        if self.hung:
            return f"it hung: {self.error}"
        return one_line(self.error) if self.error else ""

    def runs(self) -> dict[UUID | None, list[Event]]:
        """The callback events of each LLM run, by run id, in order."""
        runs: dict[UUID | None, list[Event]] = {}
        for event in self.events:
            if event.kind != "received":
                runs.setdefault(event.run_id, []).append(event)
        return runs


def _invoker(value: Any) -> Body:
    return lambda llm, _, config: llm.invoke(value, config=config)


def _ainvoker(value: Any) -> AsyncBody:
    return lambda llm, _, config: llm.ainvoke(value, config=config)


READS: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "llm_compliance_reads", default=None
)
"""While a check runs: the names of the observations it has read (``reading``)."""


@contextlib.contextmanager
def reading(names: set[str]) -> Iterator[None]:
    """Note in ``names`` each observation read until the block ends (in this thread)."""
    token = READS.set(names)
    try:
        yield
    finally:
        READS.reset(token)


class Observations:
    """Everything the checks learn about one target, each call made once."""

    if not TYPE_CHECKING:  # typed attributes for mypy; this only notes reads

        def __getattribute__(self, name: str) -> Any:
            if name in OBSERVATION_NAMES or name in DRAWN_FROM:
                reads = READS.get()
                if reads is not None:
                    reads.update(DRAWN_FROM.get(name, (name,)))
            return object.__getattribute__(self, name)

    def __init__(self, target: Target, settings: Settings) -> None:
        self.target = target
        self.settings = settings
        self.counter = CallCounter()
        self.redact = Redactor.from_environment()
        self.transport = open_transport(target.label, settings, self.redact)
        """Live, or record/replay with cassettes: every call goes through it."""
        self.hung = False
        """True once a call has hung; later calls then get ``HUNG_TIMEOUT_S``."""
        self.prefetched: set[str] = set()
        self.charged: set[str] = set()
        self._loop: TargetLoop | None = None
        self._loop_lock = threading.Lock()
        self.user_hosts = Recording()
        """Where the user's instance's calls connected (``observe.host_guard``)."""
        self.user_called = False

    @property
    def event_loop(self) -> TargetLoop:
        """The one event loop every async call of this target runs on.

        Made under a lock: overlapping observations ask for it from several
        threads at once, and ``cached_property`` has no lock since Python 3.12
        (two loops would split a target's async clients between them).
        """
        with self._loop_lock:
            if self._loop is None:
                self._loop = TargetLoop()
            return self._loop

    def close(self) -> None:
        """Wind down the target's event loop (idempotent)."""
        with self._loop_lock:
            loop, self._loop = self._loop, None
        if loop is not None:
            loop.close()

    def read(self, label: str, read: Callable[[], T]) -> T:
        """A direct read of the model (a property, ``repr``), bounded like a call.

        Raises ``CallTimeout`` if it does not return within the time limit, and
        whatever the read raised.
        """
        returned = run_bounded(read, self.timeout_s)
        if isinstance(returned.error, CallTimeout):
            self.hung = True
            raise CallTimeout(f"{label} did not return within {self.timeout_s:g} s")
        if returned.error is not None:
            raise returned.error
        return cast("T", returned.value)

    @cached_property
    def llm(self) -> Model:
        """The model built with the user's params (``TargetError`` if it cannot be).

        Construction is bounded like a call: a constructor that waits for a dead
        server is a target error after the time limit, not a hang.
        """
        from pytest_llm_compliance.core.construction import build_bounded

        llm: Model = build_bounded(self.target, self.settings.timeout_s)
        facts = self.__dict__["facts"] = read_facts(llm)
        self.redact.add_model_secrets(llm, facts.credential_fields)
        return llm

    @cached_property
    def kind(self) -> Kind:
        """The model's kind: its inputs, how its results read, which checks apply."""
        kind = kind_of_class(self.facts.cls)
        if kind is None:  # Target.build lets only models of a known kind through
            raise TargetError(f"{self.target.label}: not a LangChain LLM or chat model")
        return kind

    @cached_property
    def facts(self) -> Facts:
        """Static facts about the model's class (read when the model is built)."""
        _ = self.llm
        facts: Facts = vars(self)["facts"]
        return facts

    @property
    def model_calls(self) -> int:
        """Calls into the model methods so far, across all observations."""
        return self.counter.total

    @property
    def timeout_s(self) -> float:
        """The time limit of the next call.

        It is shorter once a call has hung, so that a hanging model costs one
        full time limit, not one per observation.
        """
        return (
            min(self.settings.timeout_s, HUNG_TIMEOUT_S) if self.hung else self.settings.timeout_s
        )

    def record(self, label: str, body: Body, llm: Model | None = None) -> Call:
        """Make one instrumented sync call (on ``llm``: another instance, or a binding)."""
        return self._record(label, body, is_async=False, llm=llm)

    def record_async(
        self,
        label: str,
        body: AsyncBody,
        llm: Model | None = None,
        timeout_s: float | None = None,
    ) -> Call:
        """Make one instrumented async call on the target's event loop."""
        return self._record(label, body, is_async=True, llm=llm, timeout_s=timeout_s)

    def _record(
        self,
        label: str,
        body: Any,
        *,
        is_async: bool,
        llm: Model | None = None,
        timeout_s: float | None = None,
        guard: Guard | None = None,
    ) -> Call:
        llm, limit = llm or self.llm, timeout_s or self.timeout_s
        run = self.event_loop.run if is_async else run_bounded
        recorder, instruments = TraceRecorder(), CallInstruments()
        handler = AsyncTraceRecorder(recorder) if is_async else recorder
        config: RunnableConfig = {"callbacks": [handler]}
        context = contextvars.copy_context()  # the call's own: counts, logs, prints
        context.run(CURRENT.set, instruments)
        model = llm.bound if isinstance(llm, RunnableBinding) else llm  # bind_tools' binding
        own = model is self.llm
        policy = self.user_hosts if own else guard or self.guard()
        context.run(POLICY.set, policy)
        install_host_guard()
        started = time.perf_counter()
        with (
            AMBIENT.installed(),
            self.counter.counting(type(model)),
            self.transport.cassette(label),
        ):
            returned = run(lambda: body(llm, recorder, config), limit, context)
        if guard is None:  # the failure probe's limit is its own
            self.hung = self.hung or isinstance(returned.error, CallTimeout)
        self.user_called = self.user_called or own
        return Call(
            label=label,
            output=returned.value,
            error=returned.error,
            error_text=returned.error_text,
            events=list(recorder.events),
            payloads=list(recorder.payloads),
            logs=list(instruments.logs),
            printed=instruments.printed.getvalue(),
            model_calls=instruments.model_calls,
            duration_s=time.perf_counter() - started,
            connected=tuple(policy.connected) if isinstance(policy, Guard) else (),
            refused_hosts=tuple(policy.refused) if isinstance(policy, Guard) else (),
        )

    def guard(self) -> Guard:
        """The guard of a rebuilt instance's call: only where the user's instance goes.

        Where the user's instance goes: the addresses its calls connected to, and
        those its fields and clients point at (``observe.destinations``). When
        neither is known yet (it was not called and holds no address), nothing
        is refused, and the guard only notes the connections.
        """
        names = destinations(self.llm)
        if not self.user_called and not names:
            return Guard(frozenset(), frozenset(), allow_all=True)
        return Guard(self.user_hosts.snapshot(), names)

    # --- the public methods, on each kind of input --------------------------

    def _concurrently(self, jobs: Mapping[str, Callable[[], T]]) -> dict[str, T]:
        """Run independent jobs, at most ``settings.parallel`` at a time.

        Each call has its own recorder, context, counts, logs and prints, so
        overlapping calls cannot see each other; with ``parallel`` 1 they run
        in sequence.
        """
        if self.settings.parallel <= 1 or len(jobs) <= 1:
            return {name: job() for name, job in jobs.items()}
        workers = min(self.settings.parallel, len(jobs))
        with ThreadPoolExecutor(workers, thread_name_prefix="llm-compliance-wave") as pool:
            futures = {name: pool.submit(job) for name, job in jobs.items()}
            return {name: future.result() for name, future in futures.items()}

    WAVES = (
        (
            "invoke",
            "ainvoke",
            "batch",
            "abatch",
            "stream",
            "astream",
            "events",
            "tool_calls",
        ),
        ("stop_calls", "bound_stop", "canary", "variants"),
    )
    """Observations that can overlap: calls on their own, judged on their own.
    The loop monitor and the cancellation scenario always run alone. The
    rebuilt instances (``bound_stop``, ``canary``) come after the user's own
    calls, which show where the user's instance connects (``observe.host_guard``)."""

    def prefetch(self, checks: Iterable[UsesObservations]) -> None:
        """Make the observations the checks use, each wave together, once per target.

        Checks whose area is not for the model's kind (``chat.*`` on an LLM)
        are skipped by the engine, so their observations are not made.
        """
        _ = self.llm, self.facts  # built once, before any overlap
        wanted = {
            name
            for check in checks
            if not self.kind.not_applicable(check.area)
            for name in check.uses
        }
        for wave in self.WAVES:
            names = [name for name in wave if name in wanted and name not in vars(self)]
            self._concurrently({name: functools.partial(getattr, self, name) for name in names})
            self.prefetched.update(names)

    def calls_of(self, name: str) -> list[Call]:
        """The calls an observation made (none if it was not made)."""
        value = vars(self).get(name)
        if isinstance(value, CanaryRun):
            value = {str(at): call for at, call in enumerate(value.calls)}
        if isinstance(value, (BoundStop, ToolCalls, Variants)):
            value = value.calls
        calls = value.values() if isinstance(value, dict) else [value]
        return [call for call in calls if isinstance(call, Call)]

    def cost_of(self, name: str) -> int:
        """Model calls an observation made (0 if it was not made)."""
        return sum(call.model_calls for call in self.calls_of(name))

    def charge(self, uses: Iterable[str]) -> int:
        """The calls of prefetched observations in ``uses`` not charged to a check yet."""
        names = [name for name in uses if name in self.prefetched and name not in self.charged]
        self.charged.update(names)
        return sum(self.cost_of(name) for name in names)

    @cached_property
    def invoke(self) -> dict[str, Call]:
        """``invoke`` on a str, a PromptValue and a list of messages."""
        return self._concurrently(
            {
                kind: functools.partial(self.record, f"invoke({kind})", _invoker(value))
                for kind, value in self.kind.inputs.items()
            }
        )

    @cached_property
    def ainvoke(self) -> dict[str, Call]:
        """``ainvoke`` on the same three inputs."""
        return self._concurrently(
            {
                kind: functools.partial(self.record_async, f"ainvoke({kind})", _ainvoker(value))
                for kind, value in self.kind.inputs.items()
            }
        )

    @cached_property
    def batch(self) -> Call:
        """``batch`` of the three inputs, in the order of ``kind.inputs``."""
        inputs = list(self.kind.inputs.values())
        return self.record("batch", lambda llm, _, cfg: llm.batch(inputs, cfg))

    @cached_property
    def abatch(self) -> Call:
        """``abatch`` of the three inputs."""
        inputs = list(self.kind.inputs.values())
        return self.record_async("abatch", lambda llm, _, cfg: llm.abatch(inputs, cfg))

    @cached_property
    def stream(self) -> Call:
        """``stream`` of the str prompt, every chunk's receipt in the trace."""
        return self.record("stream", _consumer(self.kind))

    @cached_property
    def astream(self) -> Call:
        """``astream`` of the str prompt, every chunk's receipt in the trace."""
        return self.record_async("astream", _aconsumer(self.kind))

    @property
    def deterministic(self) -> bool | None:
        """Whether identical calls gave identical text (None: unknown).

        ``batch`` runs the model on the same three inputs as the three
        ``invoke`` calls, so if the model is deterministic its results are
        the invoke results, in some order; no extra call is spent on it.
        """
        singles = self.kind.texts([call.output for call in self.invoke.values()])
        batch = self.batch.output
        batched = self.kind.texts(batch) if isinstance(batch, list) else None
        if singles is None or batched is None:
            return None
        return sorted(singles) == sorted(batched)

    def text_of(self, path: str) -> str | None:
        """The text a public path gave for ``PROMPT``, if it was valid.

        ``invoke``/``ainvoke`` must return the kind's result type (a str, an
        ``AIMessage``), ``stream``/``astream`` yield its chunks. Other areas
        only judge valid paths, so that a broken path fails its own
        ``methods.*`` check and nothing else.
        """
        calls: dict[str, Callable[[], Call]] = {
            "invoke": lambda: self.invoke["str"],
            "ainvoke": lambda: self.ainvoke["str"],
            "stream": lambda: self.stream,
            "astream": lambda: self.astream,
        }
        call = calls[path]()  # only the path asked for: each call costs money
        if not call.ok:
            return None
        if not path.endswith("stream"):
            return self.kind.text(call.output)
        joined = self.kind.joined(call.output)
        if joined is not None and self.deterministic and joined != self.text_of("invoke"):
            return None
        return joined

    def chunk_texts(self, path: str) -> list[str] | None:
        """The text of each chunk ``stream`` or ``astream`` yielded (None if not valid)."""
        if self.text_of(path) is None:
            return None
        return [str(self.kind.chunk_text(chunk)) for chunk in getattr(self, path).output]

    # --- stop sequences -------------------------------------------------------

    @cached_property
    def stop_plan(self) -> StopPlan | None:
        """Stop lists chosen from ``invoke``'s answer and the streams' chunks (None if unusable)."""
        output = self.text_of("invoke")
        if output is None:
            return None
        chunks = {
            path: self.chunk_texts(path) if self.text_of(path) == output else None
            for path in ("stream", "astream")
        }
        return plan_stops(output, chunks, deterministic=self.deterministic is not False)

    @cached_property
    def stop_calls(self) -> dict[str, Call]:
        """Each public path with its own stop list from the plan, and ``never``.

        ``never`` is ``invoke`` with a stop sequence that does not occur. The
        mapping is empty when there is no plan.
        """
        plan = self.stop_plan
        if plan is None:
            return {}
        stops = {path: case.stop for path, case in plan.cases.items()}
        return self._concurrently(
            {
                "invoke": lambda: self.record(
                    "invoke(stop)",
                    lambda llm, _, cfg: llm.invoke(PROMPT, cfg, stop=stops["invoke"]),
                ),
                "ainvoke": lambda: self.record_async(
                    "ainvoke(stop)",
                    lambda llm, _, cfg: llm.ainvoke(PROMPT, cfg, stop=stops["ainvoke"]),
                ),
                "stream": lambda: self.record(
                    "stream(stop)", _consumer(self.kind, stops["stream"])
                ),
                "astream": lambda: self.record_async(
                    "astream(stop)", _aconsumer(self.kind, stops["astream"])
                ),
                "never": lambda: self.record(
                    "invoke(stop never found)",
                    lambda llm, _, cfg: llm.invoke(PROMPT, cfg, stop=[plan.never]),
                ),
            }
        )

    @cached_property
    def bound_stop(self) -> BoundStop | None:
        """The model built with a stop list in its stop init field, then called.

        ``invoke`` and ``stream`` of ``PROMPT`` without a call-time stop, each
        on an instance built with the very stop list that path got at call
        time in ``stop_calls``, so that the two answers can be compared; and
        ``invoke`` with ``ainvoke``'s stop list given at call time on top
        (``both``). None when the class has no stop field or there is no plan.
        """
        field_name, plan = self.facts.stop_field, self.stop_plan
        if field_name is None or plan is None:
            return None
        key = self.facts.fields[field_name].alias or field_name
        instances: dict[str, Model] = {}
        for path in ("invoke", "stream"):
            stop = plan.cases[path].stop
            built = self._built_with_stop(key, stop)
            if isinstance(built, GoesElsewhere):
                return BoundStop(field_name, {}, {}, elsewhere=str(built))
            if isinstance(built, str):
                return BoundStop(field_name, {}, {}, refused=built)
            instances[path] = built
        on_top = plan.cases["ainvoke"].stop
        calls = self._concurrently(
            {
                "invoke": lambda: self.record(
                    "invoke (stop bound)",
                    lambda llm, _, cfg: llm.invoke(PROMPT, cfg),
                    instances["invoke"],
                ),
                "stream": lambda: self.record(
                    "stream (stop bound)", _consumer(self.kind), instances["stream"]
                ),
                "both": lambda: self.record(
                    "invoke (stop bound, and a call-time stop)",
                    lambda llm, _, cfg: llm.invoke(PROMPT, cfg, stop=on_top),
                    instances["invoke"],
                ),
            }
        )
        stops = {path: plan.cases[path].stop for path in ("invoke", "stream")}
        return BoundStop(field_name, stops, calls, on_top=on_top)

    def _built_with_stop(self, key: str, stop: list[str]) -> Model | GoesElsewhere | str:
        """The model built with ``stop`` in its stop field (a list, else the first as text).

        Returns why not, as one line, when the class refuses both, and the
        ``GoesElsewhere`` error when the only instances it builds would call
        another address than the user's instance.
        """
        errors = []
        for value in (stop, stop[0]):
            built = run_bounded(
                functools.partial(self.target.build_with, self.llm, {key: value}),
                self.settings.timeout_s,
            )
            if built.error is None:
                return cast("Model", built.value)
            if isinstance(built.error, GoesElsewhere):
                return built.error
            errors.append(one_line(built.error))
        return "; ".join(errors)

    # --- configurations told apart (interface.identifying_params) -------------

    makes_calls = True
    """False where no model call may be made (a scan judges the class alone)."""

    @cached_property
    def variants(self) -> Variants:
        """The model rebuilt with one init field changed at a time, each invoked once.

        Only on a deterministic model whose ``invoke`` answered, for the fields
        ``config_variants.candidates`` picks (at most ``MAX_FIELDS`` calls). A field
        whose instance cannot be built, or would call elsewhere, is not called.
        """
        from pytest_llm_compliance.observe.config_variants import candidates

        if not self.makes_calls:
            return Variants(why_not="no model call is made here (a scan judges the class alone)")
        call = self.invoke["str"]
        baseline = self.kind.text(call.output) if call.ok else None
        if baseline is None:
            return Variants(why_not="invoke on a str gave no answer to compare with")
        if not self.deterministic:
            return Variants(
                why_not="the model is not deterministic, so a changed answer shows "
                "nothing about the field changed"
            )
        params = self.read(
            "_identifying_params", lambda: dict(cast("Any", self.llm)._identifying_params)
        )
        changes = candidates(self.facts, self.llm, params)
        if not changes:
            return Variants(
                baseline,
                why_not="no init field outside the params has a plain value "
                "the harness can safely change",
            )
        tried = []
        for change in changes:
            built = run_bounded(
                functools.partial(self.target.build_with, self.llm, {change.key: change.new}),
                self.settings.timeout_s,
            )
            if built.error is not None:
                tried.append(Variant(change, None, None, one_line(built.error)))
                continue
            variant = self.record(
                f"invoke ({change.field}={change.new!r})",
                _invoker(self.kind.inputs["str"]),
                cast("Model", built.value),
            )
            tried.append(Variant(change, built.value, variant))
        return Variants(baseline, tried)

    # --- tool calls (chat models) ---------------------------------------------

    @cached_property
    def tool_calls(self) -> ToolCalls | None:
        """``invoke``, ``stream`` and ``astream`` with two tools bound and a prompt naming both.

        None when the class does not override ``bind_tools``.
        """
        if not self.facts.defines("bind_tools"):
            return None
        from pytest_llm_compliance.observe.tools import TOOL_PROMPT, tools

        try:
            bound = self.read("bind_tools", lambda: cast("Any", self.llm).bind_tools(tools()))
        except Exception as exc:
            return ToolCalls({}, refused=one_line(exc))
        calls = self._concurrently(
            {
                "invoke": lambda: self.record(
                    "invoke (tools bound)", lambda llm, _, cfg: llm.invoke(TOOL_PROMPT, cfg), bound
                ),
                "stream": lambda: self.record(
                    "stream (tools bound)", _consumer(self.kind, prompt=TOOL_PROMPT), bound
                ),
                "astream": lambda: self.record_async(
                    "astream (tools bound)", _aconsumer(self.kind, prompt=TOOL_PROMPT), bound
                ),
            }
        )
        return ToolCalls(calls)

    # --- streaming events ---------------------------------------------------

    @cached_property
    def events(self) -> Call:
        """``astream_events(version="v2")`` over ``ChatPromptTemplate | model``.

        The output is a list of ``(event, name, text)``: the chunk's text for
        stream events, the output's text for end events.
        """
        return self.record_async("astream_events", _stream_events)

    # --- async behaviour ----------------------------------------------------

    @cached_property
    def watched(self) -> dict[str, Call]:
        """``ainvoke`` and ``astream`` under the blocking detector and heartbeat.

        Each output is ``(result, Watched)``.
        """
        scope = blame_scope(type(self.llm))

        def watched(method: str) -> AsyncBody:
            async def run(llm: Model, recorder: TraceRecorder, cfg: RunnableConfig) -> Any:
                if method == "ainvoke":
                    return await watch(lambda: llm.ainvoke(PROMPT, cfg), scope)
                return await watch(lambda: _aconsumer(self.kind)(llm, recorder, cfg), scope)

            return run

        return {
            m: self.record_async(f"{m} (loop watched)", watched(m)) for m in ("ainvoke", "astream")
        }

    @cached_property
    def cancellation(self) -> Call:
        """``astream`` cancelled after its first chunk, then ``ainvoke``."""
        generators = self.counter.generators
        call_limit = self.timeout_s
        deadline = min(call_limit, CANCEL_DEADLINE_S)

        async def run(llm: Model, recorder: TraceRecorder, cfg: RunnableConfig) -> Any:
            with thread_starts_recorded():  # who starts each thread, while the scenario runs
                return await cancel_after_first_chunk(
                    llm, recorder, cfg, PROMPT, generators, len(generators), deadline, call_limit
                )

        budget = 2 * call_limit + deadline + GRACE_S  # first chunk, end, grace, next call
        return self.record_async("astream cancelled", run, timeout_s=budget)

    # --- secrets ------------------------------------------------------------

    @cached_property
    def canary(self) -> CanaryRun | None:
        """The model rebuilt with a canary in each credential field it uses, and its surfaces.

        None when the class has no credential field. Canaries go only into the
        credential fields the user's instance has set (not None), the others are
        left as the user has them, so that the class builds and calls as
        configured (an access key id and an API key at once may take another
        auth path); when none is set, every credential field gets one. A
        factory's instance is rebuilt through its class (``Target.rebuild``),
        and must call where the user's instance calls; when no canary instance
        can be built, ``refused`` says why and no surface was looked at, except
        the construction error's own message. A canary instance that shares the
        user's SDK clients is not called: its requests would carry the user's
        key, not the canary. Then the failure probe (``_failure_probe``).
        """
        fields = self.facts.credential_fields
        if not fields:
            return None
        in_use = tuple(name for name in fields if getattr(self.llm, name, None) is not None)
        canaries = make_canaries(in_use or fields)
        for canary in canaries.values():
            self.redact.add(canary)
        overrides = self._credential_overrides(canaries)
        built, printed, logs = self._captured(lambda: self.target.rebuild(self.llm, overrides))
        construction = {"construction output": printed, "construction log records": logs}
        if built.error is not None:
            return self._refused(canaries, built.error, construction)
        rebuilt = cast("Rebuilt", built.value)
        llm = rebuilt.instance
        surfaces = static_surfaces(llm) | construction
        left = tuple(name for name in fields if name not in canaries)
        keys = self._user_keys()
        carrying = [name for name, obj in rebuilt.shared.items() if holds_secret(obj, keys)]
        if carrying:
            reason = (
                f"the canary instance shares the model's own {', '.join(carrying)} (live "
                "objects given to the constructor, which hold the model's key), so its "
                "requests would carry that key, not the canary; it was not called"
            )
            return CanaryRun(
                canaries, surfaces, None, unobserved={CALL_SURFACES: reason}, left=left
            )
        mark = AMBIENT.mark()
        call = self.record_async("astream_events (canary)", _traced_stream_events, llm)
        events, runs = call.output if call.ok else ([], [])
        surfaces |= {
            "callback payloads": "\n".join(call.payloads),
            "astream_events": repr(events),
            "tracer runs": repr(runs),
            "log records": "\n".join(call.logs),
            "stdout and stderr": call.printed,
            "output of the model's own threads": AMBIENT.stray_since(mark),
            "exception": call.error_text + _exception_reprs(call.error),
        }
        unobserved = {}
        if not call.ok and (reason := self._not_observed(call)):
            unobserved[CALL_SURFACES] = reason
        probe_surfaces, probe_call, why_not = self._failure_probe(overrides, keys)
        surfaces |= probe_surfaces
        if why_not:
            unobserved[PROBE_SURFACES] = why_not
        return CanaryRun(
            canaries, surfaces, call, unobserved=unobserved, left=left, probe=probe_call
        )

    def _not_observed(self, call: Call) -> str:
        """Why a canary call that raised shows less than one that returned (empty: it did not).

        A call that connected where the user's instance calls, or whose error
        carries an HTTP status (the service answered: a pooled connection opens
        no socket), was refused by the service: the request, with the canary,
        was made. With cassettes no socket is opened (recording or replaying): a
        call that raised counts as made, so that recorded and replayed verdicts
        agree.
        """
        if call.refused_hosts:
            return (
                f"the canary instance tried to call {', '.join(call.refused_hosts)}, where the "
                "model does not call; the harness refused it"
            )
        if call.connected or _answered(call.error) or self.settings.cassettes is not None:
            return ""
        return f"the canary call raised before any request was made ({call.raised})"

    def _user_keys(self) -> set[str]:
        """The values of the user's instance's credential fields (to tell an object holding one)."""
        keys = set()
        for name in self.facts.credential_fields:
            value = getattr(self.llm, name, None)
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            if isinstance(text, str) and len(text) >= MIN_SECRET_LENGTH:
                keys.add(text)
        return keys

    def _failure_probe(
        self, overrides: dict[str, Any], keys: set[str]
    ) -> tuple[dict[str, str], Call | None, str]:
        """One call of the canary instance pointed at a closed loopback port: its error and logs.

        A class that puts its request headers in its error messages leaks the
        key only when a call fails. The canary instance, with its URL/endpoint
        field set to a port just bound and closed on 127.0.0.1 (the user's path
        kept), makes one sync ``invoke`` that fails at once with a refused
        connection: no other address is allowed (``observe.host_guard``), and
        the call is bounded by ``PROBE_TIMEOUT_S``. Returns the surfaces, the
        call, and why no probe was made (empty when it was).
        """
        field_name = self._endpoint_field()
        if field_name is None:
            return {}, None, "the class has no URL/endpoint field to point at a closed port"
        if self.settings.cassettes is not None:
            return {}, None, "calls are recorded or replayed from cassettes"
        port = _closed_port()
        address = f"http://127.0.0.1:{port}"
        url = _with_address(getattr(self.llm, field_name, None), address)
        info, fields = self.facts.fields[field_name], self.facts.fields
        probe = {**overrides, (info.alias or field_name): url}
        if "max_retries" in fields:  # fail once, not after an SDK's retries and backoff
            probe[fields["max_retries"].alias or "max_retries"] = 0
        try:
            rebuilt = self.target.rebuild(self.llm, probe, goes_to=frozenset({address}))
        except Exception as exc:
            return {}, None, f"no canary instance calls {address} ({one_line(exc)})"
        carrying = [name for name, obj in rebuilt.shared.items() if holds_secret(obj, keys)]
        if carrying:
            return {}, None, f"the canary instance shares the model's {', '.join(carrying)}"
        guard = Guard(frozenset({("127.0.0.1", port)}), frozenset({address}))
        call = self._record(
            "invoke (failure probe: closed port)",
            _invoker(PROMPT),
            is_async=False,
            llm=rebuilt.instance,
            timeout_s=min(self.settings.timeout_s, PROBE_TIMEOUT_S),
            guard=guard,
        )
        call = dataclasses.replace(call, provoked=True)
        if call.ok:
            return {}, call, f"the call with {field_name}={url} did not fail"
        if call.hung:
            return {}, call, f"the call with {field_name}={url} did not fail within the limit"
        surfaces = {
            "exception of a failing call": call.error_text + _exception_reprs(call.error),
            "log records of a failing call": "\n".join(call.logs),
            "stdout and stderr of a failing call": call.printed,
        }
        return surfaces, call, ""

    def _endpoint_field(self) -> str | None:
        """The URL/endpoint field to point at a closed port: one set on the model first."""
        fields = self.facts.url_fields
        set_ones = [name for name in fields if getattr(self.llm, name, None)]
        return next(iter(set_ones or fields), None)

    def _refused(
        self, canaries: dict[str, str], error: BaseException, construction: dict[str, str]
    ) -> CanaryRun:
        """No instance with the canaries: what can still be read without one."""
        if isinstance(error, CallTimeout):
            reason = f"{self.target.label}: building it with canaries hung"
        else:
            reason = str(error) if isinstance(error, TargetError) else one_line(error)
        cause = error.__cause__ or error.__context__
        surfaces = {"constructor error": f"{reason} {one_line(cause) if cause else ''}"}
        surfaces |= construction
        unvalidated = self.target.construct_unvalidated(
            self.llm, self._credential_overrides(canaries, typed=True)
        )
        if unvalidated is not None:  # the static surfaces can still be read
            surfaces |= {
                f"{name} (built without validation)": text
                for name, text in static_surfaces(unvalidated).items()
            }
        return CanaryRun(canaries, surfaces, None, refused=reason)

    def _captured(self, build: Callable[[], Any]) -> tuple[Returned, str, str]:
        """Run ``build`` bounded, with what it prints and logs captured (not shown)."""
        instruments = CallInstruments()
        context = contextvars.copy_context()
        context.run(CURRENT.set, instruments)
        with AMBIENT.installed():
            returned = run_bounded(build, self.settings.timeout_s, context)
        return returned, instruments.printed.getvalue(), "\n".join(instruments.logs)

    def _credential_overrides(
        self, canaries: dict[str, str], *, typed: bool = False
    ) -> dict[str, Any]:
        """Init arguments that put each canary in its field (by alias if any).

        ``typed``: as validation would leave them (``SecretStr`` where the field is
        one), for ``model_construct``, which validates nothing.
        """
        fields = self.facts.fields

        def value(name: str, canary: str) -> Any:
            return SecretStr(canary) if typed and is_secretstr(fields[name].annotation) else canary

        return {(fields[name].alias or name): value(name, c) for name, c in canaries.items()}


OBSERVATION_NAMES = frozenset(
    name for name, value in vars(Observations).items() if isinstance(value, cached_property)
) - {"llm", "kind", "facts", "stop_plan"}
"""The observations that make model calls (``calls_of`` lists their calls)."""
DRAWN_FROM = {"stop_plan": ("invoke", "batch", "stream", "astream")}
"""Cached values drawn from observations: reading one reads those."""


@dataclass(frozen=True)
class BoundStop:
    """The model built with stop lists at construction, and its calls."""

    field_name: str
    """The stop init field."""
    stops: dict[str, list[str]]
    """The stop list each path's instance was built with (that path's call-time list)."""
    calls: dict[str, Call]
    """``invoke``, ``stream`` and ``both`` (invoke with ``on_top`` at call time too)."""
    on_top: list[str] = field(default_factory=list)
    """The call-time stop list given on top of the construction one in ``both``."""
    refused: str = ""
    """Why the model could not be built with a stop list (empty when it was)."""
    elsewhere: str = ""
    """Why no instance with a stop list was built: it would call elsewhere (empty if not)."""


@dataclass(frozen=True)
class Variant:
    """The model rebuilt with one field changed, and its ``invoke``."""

    change: Change
    instance: Any
    """The rebuilt model (None when it could not be built)."""
    call: Call | None
    refused: str = ""
    """Why it could not be built (empty when it was)."""


@dataclass(frozen=True)
class Variants:
    """``invoke``'s answer, and each field changed (``Observations.variants``)."""

    baseline: str | None = None
    tried: list[Variant] = field(default_factory=list)
    why_not: str = ""
    """Why no field was tried (empty when some were)."""

    @property
    def calls(self) -> dict[str, Call]:
        """The calls made, by field."""
        return {v.change.field: v.call for v in self.tried if v.call is not None}


@dataclass(frozen=True)
class ToolCalls:
    """``invoke``, ``stream`` and ``astream`` with tools bound."""

    calls: dict[str, Call]
    refused: str = ""
    """Why ``bind_tools`` raised (empty when it did not)."""


CALL_SURFACES = "the canary call's callbacks, events, tracer runs, logs and errors"
PROBE_SURFACES = "the error and logs of a failing call"
PROBE_TIMEOUT_S = 5.0
"""The time limit of the failure probe's call (a refused connection fails at once)."""


@dataclass(frozen=True)
class CanaryRun:
    """Where the canaries were looked for: each surface as text."""

    canaries: dict[str, str]
    surfaces: dict[str, str]
    call: Call | None
    refused: str = ""
    """Why no instance could be built with the canaries (empty when one was)."""
    unobserved: dict[str, str] = field(default_factory=dict)
    """Surfaces that could not be looked at (``CALL_SURFACES``, ``PROBE_SURFACES``), and why."""
    left: tuple[str, ...] = ()
    """Credential fields left as the user has them (None on the user's instance)."""
    probe: Call | None = None
    """The failure probe's call (None when it was not made)."""

    @property
    def calls(self) -> list[Call]:
        """The canary's calls: the canary call and the failure probe."""
        return [call for call in (self.call, self.probe) if call is not None]


def _closed_port() -> int:
    """A 127.0.0.1 port that was just free: bound, then closed (nothing listens on it)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _with_address(value: Any, address: str) -> str:
    """``value`` (a URL) with its scheme, host and port replaced by ``address``; path kept."""
    from urllib.parse import urlsplit

    try:
        path = urlsplit(str(value)).path if value else ""
    except ValueError:
        path = ""
    return address + path


def _attribute(obj: Any, name: str) -> Any:
    """``getattr`` that gives None whatever the attribute raises."""
    try:
        return getattr(obj, name, None)
    except Exception:
        return None


def _answered(error: BaseException | None) -> bool:
    """True when an exception, or one in its chain, carries an HTTP status: a service answered."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        for holder in (error, _attribute(error, "response")):
            for name in ("status_code", "status"):
                status = _attribute(holder, name)
                if isinstance(status, int) and not isinstance(status, bool) and status >= 100:
                    return True
        error = error.__cause__ or error.__context__
    return False


def _exception_reprs(error: BaseException | None) -> str:
    """The repr of an exception and of each one in its chain (args a message may not show)."""
    parts, seen = [], set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        try:
            parts.append(repr(error))
        except Exception:
            parts.append(f"<{type(error).__name__} whose repr raises>")
        error = error.__cause__ or error.__context__
    return "\n" + "\n".join(parts) if parts else ""


def _receipt(kind: Kind, chunk: Any) -> str:
    """The text of a chunk as the caller got it (its repr if it is not this kind's chunk)."""
    text = kind.chunk_text(chunk)
    return text if text is not None else repr(chunk)


def _consumer(kind: Kind, stop: list[str] | None = None, prompt: str = PROMPT) -> Body:
    """Read ``stream`` of ``prompt``, putting the receipt of each chunk in the trace."""

    def consume(llm: Model, recorder: TraceRecorder, config: RunnableConfig) -> list[Any]:
        chunks = []
        for chunk in llm.stream(prompt, config=config, stop=stop):
            recorder.received(_receipt(kind, chunk))
            chunks.append(chunk)
        return chunks

    return consume


def _aconsumer(kind: Kind, stop: list[str] | None = None, prompt: str = PROMPT) -> AsyncBody:
    """Read ``astream`` of ``prompt``, putting the receipt of each chunk in the trace."""

    async def consume(llm: Model, recorder: TraceRecorder, config: RunnableConfig) -> list[Any]:
        chunks = []
        async for chunk in llm.astream(prompt, config=config, stop=stop):
            recorder.received(_receipt(kind, chunk))
            chunks.append(chunk)
        return chunks

    return consume


def _chain(llm: Model) -> Any:
    from langchain_core.prompts import ChatPromptTemplate

    return ChatPromptTemplate.from_messages([("human", "{input}")]) | llm


def _event_text(event: Mapping[str, Any]) -> str | None:
    """The text of a stream event's chunk, or of an end event's output."""
    data = event.get("data", {})
    if "chunk" in data:
        chunk = data["chunk"]
        return chunk if isinstance(chunk, str) else message_text(chunk)
    output = data.get("output")
    if event["event"] == "on_llm_end" and isinstance(output, Mapping):
        return "".join(g.get("text", "") for gens in output.get("generations", []) for g in gens)
    if event["event"].endswith("_end"):
        return output if isinstance(output, str) else message_text(output)
    return None


async def _stream_events(
    llm: Model, recorder: TraceRecorder, config: RunnableConfig
) -> list[tuple[str, str, str | None]]:
    return [
        (event["event"], event.get("name", ""), _event_text(event))
        async for event in _chain(llm).astream_events({"input": PROMPT}, config, version="v2")
    ]


async def _traced_stream_events(
    llm: Model, recorder: TraceRecorder, config: RunnableConfig
) -> tuple[list[Any], list[Any]]:
    from langchain_core.tracers.run_collector import RunCollectorCallbackHandler

    tracer = RunCollectorCallbackHandler()
    handlers = config.get("callbacks")
    traced: RunnableConfig = {
        "callbacks": [*(handlers if isinstance(handlers, list) else []), tracer]
    }
    events = [e async for e in _chain(llm).astream_events({"input": PROMPT}, traced, version="v2")]
    return events, [run.model_dump() for run in tracer.traced_runs]
