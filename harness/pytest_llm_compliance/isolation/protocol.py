"""What crosses between the parent and the child: a job in, messages out, one JSON per line."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from pytest_llm_compliance.core.settings import Settings

CHANNEL_ENV = "LLM_COMPLIANCE_CHANNEL_FD"
"""The environment variable that gives the child the descriptor of its message pipe."""


@dataclass(frozen=True)
class Job:
    """What the child is asked to do: one target, its settings, the checks to run."""

    target: str
    params: Mapping[str, Any]
    settings: Settings
    checks: Sequence[str]
    careful: bool = False
    """Run check by check without overlapping observations, each announced first: after a
    child died, so that the next one tells which check's call ended it."""
    secrets: Sequence[str] = field(default_factory=list)
    """Values the parent knows to mask (the environment's credentials)."""
    source: str = "target"
    """Where the target was given (``command line``, ...), for the messages of a bad one."""
    sockets: Mapping[str, Any] | None = None
    """pytest-socket's guard for the model's sockets (``sockets``); None: none."""

    def encode(self) -> bytes:
        """The job as JSON."""
        data = asdict(self)
        data["settings"] = {**asdict(self.settings), "xfail": dict(self.settings.xfail)}
        return json.dumps(data).encode()

    @classmethod
    def decode(cls, raw: bytes) -> Job:
        """The job from its JSON."""
        data = json.loads(raw)
        data["settings"] = Settings(**data["settings"])
        return cls(**data)


def message(kind: str, **fields: Any) -> bytes:
    """One message line: ``{"kind": ..., ...}``."""
    return json.dumps({"kind": kind, **fields}).encode() + b"\n"
