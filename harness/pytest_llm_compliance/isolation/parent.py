"""The parent: run one target in a child process, bounded, and collect its records.

Nothing here imports the user's code. The child's records arrive one per
check as they are made; the child's stdout and stderr are captured (never
printed) and redacted. A child that ends early (``os._exit``, ``sys.exit``, a
crash), or that outlives its budget and is killed with its whole process
group, leaves checks without a record: the check whose call ended it fails,
saying how, and the rest run again in a fresh child, check by check.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

from pytest_llm_compliance.core.outcomes import CheckRecord, Outcome
from pytest_llm_compliance.core.redact import Redactor
from pytest_llm_compliance.core.settings import Settings
from pytest_llm_compliance.isolation.protocol import CHANNEL_ENV, Job

CANARY = re.compile(r"lcc-canary-[\w-]+")
OUTPUT_LIMIT = 256 * 1024
"""Bytes of the child's output kept: enough to read, bounded for a model that floods."""
START_S = 120.0
"""Time for the child to start Python and import the harness and LangChain (a busy machine
can take long; nothing of the model's runs yet)."""
BUILD_SLACK_S = 15.0
"""Time to import the model's packages, beyond the per-call limit for its construction."""
REAP_S = 5.0


class TargetProblem(Exception):
    """The child could not build the target: one line, a usage or target error."""

    def __init__(self, message: str, missing: str = "") -> None:
        super().__init__(message)
        self.missing = missing
        """The module the target needs that is not installed, if that is the problem."""


@dataclass
class ChildRun:
    """What one or more children made of a target."""

    records: dict[str, CheckRecord] = field(default_factory=dict)
    output: str = ""
    """What the model printed outside its calls, captured and redacted."""
    restarts: int = 0
    kind: str = ""
    """The model's kind as the child found it (``llm``, ``chat``); empty if never built."""
    canaries: list[str] = field(default_factory=list)
    """The canary keys the child made (it tells them, so that they are masked here too)."""


def budget_s(settings: Settings, checks: int) -> float:
    """The wall-clock budget of one child: construction, then every call bounded."""
    return BUILD_SLACK_S + 4 * settings.timeout_s + 3.0 * checks


def run_target(
    spec: str,
    params: Mapping[str, Any],
    settings: Settings,
    check_ids: Sequence[str],
    label: str,
    redactor: Redactor,
    python_path: Sequence[str] = (),
    on_record: Callable[[CheckRecord], None] | None = None,
    source: str = "target",
    sockets: Mapping[str, Any] | None = None,
) -> ChildRun:
    """All of ``check_ids`` for one target, in as many children as it takes (bounded).

    ``python_path`` is the child's import path (the parent's, so that it finds
    what the parent would); ``on_record`` is told of each record as it comes;
    ``source`` says where the target was given, in the messages of a bad one;
    ``sockets`` is pytest-socket's guard for the test item (``isolation.sockets``).
    Raises ``TargetProblem`` when the target cannot be loaded or built.
    """
    run = ChildRun()
    careful = False
    for _ in range(len(check_ids) + 1):
        left = [check_id for check_id in check_ids if check_id not in run.records]
        if not left:
            break
        job = Job(spec, params, settings, left, careful, secrets=[], source=source, sockets=sockets)
        ended = _one_child(job, label, redactor, run, python_path, on_record)
        if ended is None:
            break
        current, how = ended
        if current is not None:
            run.records[current] = _ended_record(current, label, how)
        careful, run.restarts = True, run.restarts + 1
    _leaked_past_the_calls(run, label)
    run.output = _clean(redactor, run.output)
    return run


def _leaked_past_the_calls(run: ChildRun, label: str) -> None:
    """A canary in the child's own output (fd 1 or 2, outside any call) is a leak too.

    The child cannot see what reached its descriptors directly; the parent can.
    """
    record = run.records.get("secrets.no_leak")
    if record is None or record.outcome is Outcome.FAILED:
        return
    if not any(canary in run.output for canary in run.canaries):
        return
    run.records["secrets.no_leak"] = replace(
        record,
        outcome=Outcome.FAILED,
        message="a credential leaked to the model's process output\n"
        "  expected: the key on no surface (SecretStr shows **********)\n"
        "  observed: the canary key was written to the process's stdout or stderr "
        "(a print, sys.__stdout__ or a raw write to fd 1 or 2, outside the calls)\n"
        "  likely cause: the key is printed or logged at construction or by a thread",
    )


def _one_child(
    job: Job,
    label: str,
    redactor: Redactor,
    run: ChildRun,
    python_path: Sequence[str],
    on_record: Callable[[CheckRecord], None] | None,
) -> tuple[str | None, str] | None:
    """Run one child; None if it finished, else the check it was on and how it ended."""
    child, channel, output, reader = _spawn(job, python_path)
    progress = _Progress(job, label, redactor, run, on_record)
    killed = True  # until the child is followed to its end: a target error stops it too
    try:
        with channel:
            killed = _follow(channel, progress)
    finally:
        if progress.stopped or killed:
            _stop(child)
        code = _reap(child)
        reader.join(REAP_S)
        run.output += output.decode(errors="replace")
    if progress.finished:
        return None
    if progress.crashed is not None:
        return progress.current, f"the model ended the run ({progress.crashed})"
    if not progress.built:
        if killed:
            raise TargetProblem(
                f"{label}: the model did not finish building within {progress.build_limit_s:g} s"
            )
        raise TargetProblem(
            f"{label}: the model ended the process while it was built ({_how(code)})"
        )
    if killed:
        return progress.current, f"it was stopped after its budget of {progress.budget_s:g} s"
    return progress.current, f"the model ended the process ({_how(code)})"


def _spawn(
    job: Job, python_path: Sequence[str]
) -> tuple[subprocess.Popen[bytes], BinaryIO, bytearray, threading.Thread]:
    """Start the child in its own process group, the job on its stdin, its output drained."""
    read_fd, write_fd = os.pipe()
    env = {**os.environ, CHANNEL_ENV: str(write_fd)}
    if python_path:
        env["PYTHONPATH"] = os.pathsep.join(python_path)
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "pytest_llm_compliance.isolation.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(write_fd,),
            env=env,
            start_new_session=True,  # its own process group, killed as one
        )
    finally:
        os.close(write_fd)
    output = bytearray()
    reader = threading.Thread(target=_drain, args=(child, output), daemon=True)
    reader.start()
    assert child.stdin is not None
    with contextlib.suppress(OSError):  # it may have died already: what it did is read below
        child.stdin.write(job.encode())
        child.stdin.close()
    return child, os.fdopen(read_fd, "rb", buffering=0), output, reader


def _follow(channel: BinaryIO, progress: _Progress) -> bool:
    """Read messages until the child is done or gone; True if its time ran out."""
    buffer = b""
    while not progress.stopped:
        wait = progress.limit - time.monotonic()
        if wait <= 0:
            return True
        ready, _, _ = select.select([channel], [], [], min(wait, 1.0))
        if not ready:
            continue
        chunk = channel.read(65536)
        if not chunk:
            return False
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            progress.take(*_parse(line))
    return False


class _Progress:
    """What one child has said so far, and the limits that follow from it."""

    def __init__(
        self,
        job: Job,
        label: str,
        redactor: Redactor,
        run: ChildRun,
        on_record: Callable[[CheckRecord], None] | None,
    ) -> None:
        self.job, self.label, self.redactor, self.run = job, label, redactor, run
        self.on_record = on_record
        self.budget_s = budget_s(job.settings, len(job.checks))
        self.build_limit_s = START_S
        self.build_by = time.monotonic() + START_S
        self.deadline = self.build_by + self.budget_s
        self.built = self.finished = False
        self.current: str | None = None
        self.crashed: str | None = None

    @property
    def limit(self) -> float:
        """When the child must have said its next word: built, then done."""
        return self.deadline if self.built else min(self.deadline, self.build_by)

    @property
    def stopped(self) -> bool:
        """True once the child said it is done, or crashed."""
        return self.finished or self.crashed is not None

    def take(self, kind: str, data: dict[str, Any]) -> None:
        """One message; a target error raises ``TargetProblem``."""
        if kind == "secret":
            value = str(data.get("value", ""))
            self.redactor.add(value)
            if CANARY.fullmatch(value):
                self.run.canaries.append(value)
        elif kind == "ready":  # the model's time starts now
            self.build_limit_s = self.job.settings.timeout_s + BUILD_SLACK_S
            self.build_by = time.monotonic() + self.build_limit_s
            self.deadline = time.monotonic() + self.budget_s
        elif kind == "built":
            self.built = True
            self.run.kind = str(data.get("model_kind", ""))
        elif kind == "started":
            self.current = str(data.get("check"))
        elif kind == "record":
            record = replace(CheckRecord.from_dict(data["record"]), target=self.label)
            self.run.records[record.id] = record
            self.current = None
            if self.on_record is not None:
                self.on_record(record)
        elif kind == "target_error":
            raise TargetProblem(
                _clean(self.redactor, str(data.get("message", ""))), str(data.get("missing") or "")
            )
        elif kind == "crashed":
            raised = _clean(self.redactor, str(data.get("error", "")))
            if not self.built:
                raise TargetProblem(f"{self.label}: building the model ended the run: {raised}")
            self.crashed = raised
        elif kind == "done":
            self.finished = True


def _drain(child: subprocess.Popen[bytes], into: bytearray) -> None:
    """Read the child's output to its end, keeping the first ``OUTPUT_LIMIT`` bytes."""
    stream = child.stdout
    assert stream is not None
    with stream:  # closed here, at its end: no ResourceWarning under -W error
        fd = stream.fileno()
        while chunk := os.read(fd, 65536):
            if len(into) < OUTPUT_LIMIT:
                into.extend(chunk[: OUTPUT_LIMIT - len(into)])


def _parse(line: bytes) -> tuple[str, dict[str, Any]]:
    try:
        data = json.loads(line)
    except ValueError:
        return "", {}
    return (str(data.get("kind", "")), data) if isinstance(data, dict) else ("", {})


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Kill the child's whole process group (the model's own processes too)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    _reap(child)


def _reap(child: subprocess.Popen[bytes]) -> int | None:
    try:
        code = child.wait(REAP_S)
    except subprocess.TimeoutExpired:
        _stop(child)
        return None
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)  # whatever the model left in the group goes too
    return code


def _how(code: int | None) -> str:
    if code is None:
        return "it would not exit"
    if code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    if code == 0:
        return "exit code 0: os._exit or sys.exit in the model's code"
    return f"exit code {code}"


def _ended_record(check_id: str, label: str, how: str) -> CheckRecord:
    return CheckRecord(
        id=check_id,
        area=check_id.partition(".")[0],
        target=label,
        outcome=Outcome.FAILED,
        message=f"{how} while this check ran, so it got no verdict from its calls\n"
        "  expected: the model's calls to return or raise\n"
        f"  observed: {how}\n"
        "  likely cause: os._exit, sys.exit, a crash or a hang outside the calls' time "
        "limits in the model's code",
        duration_s=0.0,
        model_calls=0,
    )


def _clean(redactor: Redactor, text: str) -> str:
    return CANARY.sub("***", redactor(text))
