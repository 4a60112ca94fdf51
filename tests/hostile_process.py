"""Models that attack the harness's process itself: each is what isolation is for.

``tests/test_isolation.py`` runs each through ``llm-compliance check`` (a child
process per target) and asserts the exit code, a verdict for every check, no
secret in anything printed or written, and no process left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from pydantic import SecretStr, model_validator

from reference_llm import EchoLLM
from tests.gallery import documented

KEY = "sk-hostile-process-6f1e9a2c4b7d"
"""The key these models carry and print: it must be masked everywhere."""
ORPHAN_MARK = "llm-compliance-orphan-sleeper"
"""In the command line of the process ``SpawnsAProcess`` leaves behind, to look for it."""


@documented
class ExitsInCall(EchoLLM):
    """``os._exit(0)`` in ``_call``: the process ends, with a success code."""

    def _call(self, prompt: str, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> str:
        os._exit(0)


@documented
class SysExitInInit(EchoLLM):
    """``sys.exit(0)`` in a validator: construction ends the process."""

    @model_validator(mode="after")
    def _leave(self) -> SysExitInInit:
        sys.exit(0)


@documented
class CrashesInStream(EchoLLM):
    """Dies of a signal (a C extension's segfault) while streaming."""

    def _stream(self, prompt: str, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signal.SIGSEGV)
        yield from ()


@documented
class BlocksInLLMType(EchoLLM):
    """An ``_llm_type`` property that blocks in a C call (a lock, a dead socket)."""

    @property
    def _llm_type(self) -> str:
        time.sleep(3600)
        return "never"


@documented
class PrintsKeyWhenBuilt(EchoLLM):
    """A validator that prints the key, on stdout and straight to fd 2."""

    api_key: SecretStr = SecretStr(KEY)
    """The provider's API key."""

    @model_validator(mode="after")
    def _announce(self) -> PrintsKeyWhenBuilt:
        key = self.api_key.get_secret_value()
        print(f"connecting with key={key}")
        os.write(2, f"raw fd 2: {key!r} {key[:16]}\n".encode())
        return self


@documented
class ClosesStdout(EchoLLM):
    """Closes fd 1 and drops ``sys.stdout`` when called, then changes the directory."""

    def _call(self, prompt: str, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> str:
        os.close(1)
        sys.stdout = None  # type: ignore[assignment]
        os.chdir("/")
        return super()._call(prompt, stop, run_manager, **kwargs)


@documented
class SpawnsAProcess(EchoLLM):
    """Starts a helper process it never stops: killing the group must end it too."""

    def _call(self, prompt: str, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> str:
        subprocess.Popen(
            [sys.executable, "-c", f"import time; time.sleep(600)  # {ORPHAN_MARK}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os._exit(3)


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no message for you")


@documented
class RaisesUnprintable(EchoLLM):
    """Its constructor raises an exception whose ``__str__`` raises."""

    @model_validator(mode="after")
    def _refuse(self) -> RaisesUnprintable:
        raise _Unprintable()


@documented
class StrRaises(EchoLLM):
    """``__str__`` (and so ``str(model)``) raises: a fault of the model, not of the harness."""

    def __str__(self) -> str:
        raise RuntimeError("cannot render")


def _not_a_signature() -> None:
    """Stands in for ``_stream``; its ``__signature__`` is set to a number below."""


@documented
class SignatureIs42(EchoLLM):
    """A model method whose ``__signature__`` is not a signature."""

    def _call(self, prompt: str, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> str:
        return super()._call(prompt, stop, run_manager, **kwargs)


SignatureIs42._call.__signature__ = 42  # type: ignore[attr-defined]


@documented
class WritesKeyToFd2(EchoLLM):
    """A validator that writes its key straight to fd 2, where no redirect of sys.stderr reaches."""

    api_key: SecretStr = SecretStr(KEY)
    """The provider's API key."""

    @model_validator(mode="after")
    def _debug(self) -> WritesKeyToFd2:
        os.write(2, f"auth: {self.api_key.get_secret_value()}\n".encode())
        return self
