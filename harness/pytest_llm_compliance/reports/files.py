"""Report files, for every face alike: checked before the run, written atomically after it.

A report path is checked up front (its folder made, the file openable), so that
a typo costs no model call. A regular file is then written to a temporary file
beside it and renamed over it, so that a reader never sees half a report. A
path that is not a regular file (``/dev/stdout``, a FIFO) cannot be renamed
over: it is written in place. Every failure is a ``ReportFileError`` with a
one-line message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


class ReportFileError(OSError):
    """A report file cannot be written; the message is one line naming the option and path."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def writable(path: str | None, option: str) -> Path | None:
    """The report path, its folder made; raises ``ReportFileError`` if it cannot be written."""
    if path is None:
        return None
    target = Path(path)
    try:
        if target.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise ReportFileError(f"{option} {path}: cannot write it: {_reason(exc)}") from None
    return target


def distinct(given: Mapping[str, str | None]) -> None:
    """Raise ``ReportFileError`` when two options name the same file (option -> path)."""
    seen: dict[Path, str] = {}
    for option, path in given.items():
        if path is None:
            continue
        resolved = Path(path).resolve()
        if resolved in seen:
            raise ReportFileError(f"{seen[resolved]} and {option} name the same file {path}")
        seen[resolved] = option


def write_report(path: Path, text: str) -> None:
    """Write ``text`` to ``path``: atomically for a regular file, in place for a device or FIFO."""
    special = path.exists() and not path.is_file()
    if special:
        try:
            with path.open("w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise ReportFileError(f"cannot write {path}: {_reason(exc)}") from None
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ReportFileError(f"cannot write {path}: {_reason(exc)}") from None
