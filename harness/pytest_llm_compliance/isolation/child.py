"""The child: build one target, observe it, judge it, and report each record as it is made.

Run as ``python -m pytest_llm_compliance.isolation.child`` by the parent, with the job on stdin and
the message pipe's descriptor in ``LLM_COMPLIANCE_CHANNEL_FD``. What the model
prints goes to this process's stdout and stderr, which the parent captures;
the messages go over the pipe only.
"""

from __future__ import annotations

import os
import sys
from typing import BinaryIO

from pytest_llm_compliance.core.exc_text import one_line
from pytest_llm_compliance.isolation.protocol import CHANNEL_ENV, Job, message


class Channel:
    """The message pipe to the parent; a model that closed it just ends the run."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def send(self, kind: str, **fields: object) -> None:
        """Write one message (and never raise: the parent notices a silent child)."""
        try:
            self.stream.write(message(kind, **fields))
            self.stream.flush()
        except (OSError, ValueError):
            os._exit(70)


def run(job: Job, channel: Channel) -> None:
    """Build, observe and judge the job's target, sending each step."""
    from pytest_llm_compliance.checks._api import catalog
    from pytest_llm_compliance.core.targets import TargetError, load_target
    from pytest_llm_compliance.engine import run_checks
    from pytest_llm_compliance.isolation.sockets import apply_socket_policy
    from pytest_llm_compliance.observe.core import Observations

    channel.send("ready")  # the harness and LangChain are imported: the model's time starts
    apply_socket_policy(dict(job.sockets) if job.sockets else None)  # as pytest-socket would
    try:
        target = load_target(job.target, job.params, source=job.source)
    except TargetError as exc:
        channel.send("target_error", message=str(exc), missing=getattr(exc, "missing", ""))
        return
    obs = Observations(target, job.settings)
    obs.redact.listener = lambda secret: channel.send("secret", value=secret)
    for secret in job.secrets:
        obs.redact.add(secret)
    try:
        try:
            _ = obs.llm
        except TargetError as exc:
            channel.send("target_error", message=obs.redact(str(exc)))
            return
        channel.send("built", model_kind=obs.kind.name)
        run_checks(
            obs,
            [catalog()[check_id] for check_id in job.checks],
            prefetch=() if job.careful else None,  # careful: each check's calls on their own
            on_start=lambda check: channel.send("started", check=check.id),
            on_record=lambda record: channel.send("record", record=record.to_dict()),
        )
        channel.send("done")
    finally:
        obs.close()


def main() -> None:
    """Read the job, run it, and leave at once (never waiting for the model's threads)."""
    channel = Channel(os.fdopen(int(os.environ[CHANNEL_ENV]), "wb"))
    job = Job.decode(sys.stdin.buffer.read())
    try:
        run(job, channel)
    except BaseException as exc:  # a harness bug, or the model raising SystemExit and such
        channel.send("crashed", error=one_line(exc))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
