"""Settings of a run, parsed and validated with the place each value came from.

Every setting can be given in several places. The most specific wins:

1. the test class (``llm_xfail``, ``llm_stop_policy``, ...) or ``check_llm(...)``
   keyword arguments;
2. the command line (``--llm-xfail``, ``--llm-stop-policy``, ...);
3. the environment (``LLM_COMPLIANCE_XFAIL``, ``LLM_COMPLIANCE_STOP_POLICY``, ...);
4. the ini file (``llm_compliance_xfail``, ``llm_compliance_stop_policy``, ...);
5. the defaults below.

Expected failures from all places are merged, the most specific reason
winning for an id named twice.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

StopPolicy = Literal["include", "exclude"]
STOP_POLICIES: tuple[StopPolicy, ...] = ("include", "exclude")
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_STALL_MS = 50.0
DEFAULT_PARALLEL = 4
RecordMode = Literal["none", "once", "all"]
RECORD_MODES: tuple[RecordMode, ...] = ("none", "once", "all")
Isolation = Literal["process", "none"]
ISOLATIONS: tuple[Isolation, ...] = ("process", "none")


@dataclass(frozen=True)
class Setting:
    """One setting, declared once: every face's option for it is made from this entry.

    The names each place uses follow from ``key``: the CLI's ``--stop-policy``, pytest's
    ``--llm-stop-policy`` and ini ``llm_compliance_stop_policy``, the environment's
    ``LLM_COMPLIANCE_STOP_POLICY``, the test class's ``llm_stop_policy``, pyproject's
    ``stop_policy`` and the GitHub Action's ``stop-policy`` input.
    """

    key: str
    """The key of ``merge``'s layers and of ``[tool.llm-compliance]``."""
    help: str
    """What it does, in one phrase, for every face's help."""
    default: str
    """The default, as a person reads it."""
    metavar: str = "VALUE"
    choices: tuple[str, ...] = ()
    repeatable: bool = False
    """Given once per value (``--xfail ID=REASON`` again and again, an ini line list)."""

    @property
    def cli_flag(self) -> str:
        """``llm-compliance check``'s option."""
        return "--" + self.key.replace("_", "-")

    @property
    def pytest_flag(self) -> str:
        """The pytest plugin's option."""
        return "--llm-" + self.key.replace("_", "-")

    @property
    def pytest_dest(self) -> str:
        """Where pytest keeps the option's value (``config.option``)."""
        return "llm_" + self.key

    @property
    def ini_key(self) -> str:
        """The pytest ini option."""
        return "llm_compliance_" + self.key

    @property
    def env_var(self) -> str:
        """The environment variable (every face reads it)."""
        return "LLM_COMPLIANCE_" + self.key.upper()

    @property
    def class_attribute(self) -> str:
        """The ``LLMComplianceTests`` attribute."""
        return "llm_" + self.key

    @property
    def action_input(self) -> str:
        """The GitHub Action's input, passed to the run as ``env_var``."""
        return self.key.replace("_", "-")


SETTINGS = (
    Setting(
        "xfail",
        "an expected failure with its reason; it fails if it passes",
        "none",
        metavar="ID=REASON",
        repeatable=True,
    ),
    Setting(
        "stop_policy",
        "the answer keeps the stop sequence (include, the checklist) or cuts it (exclude)",
        "include",
        choices=STOP_POLICIES,
    ),
    Setting("timeout", "seconds one model call may take", f"{DEFAULT_TIMEOUT_S:g}", "SECONDS"),
    Setting(
        "stall_ms",
        "the event-loop stall async.non_blocking tolerates, in ms",
        f"{DEFAULT_STALL_MS:g}",
        "MS",
    ),
    Setting(
        "parallel",
        "independent observations run at once (1: in sequence)",
        str(DEFAULT_PARALLEL),
        "N",
    ),
    Setting(
        "cassettes",
        "record the model's HTTP traffic to, or replay it from, cassettes in this folder",
        "none: every call is live",
        "DIR",
    ),
    Setting(
        "record_mode",
        "with cassettes: none replays only (a missing interaction: could not check), "
        "once records missing cassettes, all records every call again",
        "none",
        choices=RECORD_MODES,
    ),
    Setting(
        "isolation",
        "process: build, call and judge each target in a child process the harness "
        "controls; none: in this process (debugging, speed figures)",
        "process",
        choices=ISOLATIONS,
    ),
)
"""Every setting, in the order faces list them."""
KEYS = tuple(setting.key for setting in SETTINGS)
"""Every setting, by the key the places that set it use."""
ENV_VARS = {setting.key: setting.env_var for setting in SETTINGS}


class SettingsError(ValueError):
    """A setting's value is invalid; the message names where it came from."""


@dataclass(frozen=True)
class Settings:
    """How to judge a target."""

    xfail: Mapping[str, str] = field(default_factory=dict)
    """Expected failures: check id -> the reason (required)."""
    stop_policy: StopPolicy = "include"
    """Whether the stop sequence ends the output (the checklist) or is cut."""
    timeout_s: float = DEFAULT_TIMEOUT_S
    """Seconds one model call may take before it counts as hung."""
    stall_ms: float = DEFAULT_STALL_MS
    """The longest event-loop stall ``async.non_blocking`` tolerates."""
    parallel: int = DEFAULT_PARALLEL
    """How many independent observations may run at once; 1 runs all in sequence."""
    cassettes: str | None = None
    """The folder of recorded HTTP interactions (absolute); None: every call is live."""
    record_mode: RecordMode = "none"
    """With cassettes: ``none`` replays only, ``once`` records what is missing, ``all``
    records everything again (pytest-recording's modes)."""
    isolation: Isolation = "process"
    """``process``: build, call and judge the target in a child process; ``none``: in this one."""

    @property
    def transport(self) -> str:
        """``live``, or the record mode and the cassettes folder."""
        if self.cassettes is None:
            return "live"
        return f"record mode {self.record_mode}, cassettes {self.cassettes}"

    def describe(self) -> str:
        """One line with the effective settings, for headers and reports."""
        xfail = ", ".join(sorted(self.xfail)) or "none"
        return (
            f"stop policy {self.stop_policy}, timeout {self.timeout_s:g} s, "
            f"stall threshold {self.stall_ms:g} ms, parallel {self.parallel}, "
            f"expected failures: {xfail}, transport: {self.transport}"
        )


def parse_stop_policy(value: object, source: str) -> StopPolicy:
    """Validate a stop policy."""
    for policy in STOP_POLICIES:
        if value == policy:
            return policy
    raise SettingsError(f"{source}: stop policy must be 'include' or 'exclude', not {value!r}")


def parse_record_mode(value: object, source: str) -> RecordMode:
    """Validate a record mode."""
    for mode in RECORD_MODES:
        if value == mode:
            return mode
    raise SettingsError(f"{source}: record mode must be 'none', 'once' or 'all', not {value!r}")


def parse_isolation(value: object, source: str) -> Isolation:
    """Validate an isolation."""
    for isolation in ISOLATIONS:
        if value == isolation:
            return isolation
    raise SettingsError(f"{source}: isolation must be 'process' or 'none', not {value!r}")


def parse_cassettes(value: object, source: str) -> str:
    """Validate a cassettes folder: a path, made absolute (the child may not share a cwd)."""
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise SettingsError(f"{source}: cassettes must be a folder path, not {value!r}")
    path = os.path.abspath(os.fspath(value))
    if os.path.exists(path) and not os.path.isdir(path):
        raise SettingsError(f"{source}: cassettes {value!r} is a file, not a folder")
    return path


MAX_SECONDS = 86_400.0
"""The largest time limit or threshold taken (a day): beyond, a wait cannot be set."""


def parse_positive(value: object, source: str, what: str) -> float:
    """Validate a positive, finite number given as a number or text (at most a day)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or number <= 0:
        raise SettingsError(f"{source}: {what} must be a positive number, not {value!r}")
    if number > MAX_SECONDS:
        raise SettingsError(f"{source}: {what} must be at most {MAX_SECONDS:g}, not {value!r}")
    return number


def parse_xfail(
    value: Mapping[str, object] | Iterable[str] | str, source: str, known: Iterable[str]
) -> dict[str, str]:
    """Validate expected failures: a mapping, or ``ID=REASON`` texts.

    Text may hold several entries separated by ``;`` or new lines.
    """
    if not isinstance(value, (str, Mapping, list, tuple)) or (
        isinstance(value, (list, tuple)) and not all(isinstance(v, str) for v in value)
    ):
        raise SettingsError(
            f"{source}: xfail must map check ids to reasons (ID = REASON), "
            f"not {type(value).__name__}"
        )
    if isinstance(value, str):
        value = [part for line in value.splitlines() for part in line.split(";")]
    pairs: list[tuple[str, object]] = []
    if isinstance(value, Mapping):
        pairs = [(str(k), v) for k, v in value.items()]
    else:
        for entry in value:
            if not entry.strip():
                continue
            check_id, sep, reason = entry.partition("=")
            if not sep:
                raise SettingsError(
                    f"{source}: expected failure {entry.strip()!r} has no reason; write ID=REASON"
                )
            pairs.append((check_id.strip(), reason.strip()))
    known_ids = set(known)
    result: dict[str, str] = {}
    for check_id, why in pairs:
        if check_id not in known_ids:
            raise SettingsError(f"{source}: unknown check id {check_id!r} in xfail")
        if not isinstance(why, str) or not why.strip():
            raise SettingsError(f"{source}: expected failure {check_id!r} needs a non-empty reason")
        result[check_id] = why.strip()
    return result


def merge(layers: Iterable[tuple[str, Mapping[str, Any]]], known: Iterable[str]) -> Settings:
    """Build settings from layers ordered least to most specific.

    Each layer is ``(source, {"xfail": ..., "stop_policy": ..., "timeout": ...,
    "stall_ms": ..., "parallel": ..., "cassettes": ..., "record_mode": ...})`` with only
    the keys that place sets. With cassettes, observations run in sequence (parallel 1).
    """
    known_ids = list(known)
    settings = Settings()
    for source, values in layers:
        unknown = set(values) - set(KEYS)
        if unknown:
            raise SettingsError(f"{source}: unknown setting(s) {sorted(unknown)}")
        if values.get("xfail") is not None:
            xfail = parse_xfail(values["xfail"], source, known_ids)
            settings = replace(settings, xfail={**settings.xfail, **xfail})
        if values.get("stop_policy") is not None:
            policy = parse_stop_policy(values["stop_policy"], source)
            settings = replace(settings, stop_policy=policy)
        if values.get("timeout") is not None:
            timeout = parse_positive(values["timeout"], source, "timeout")
            settings = replace(settings, timeout_s=timeout)
        if values.get("stall_ms") is not None:
            stall = parse_positive(values["stall_ms"], source, "stall threshold")
            settings = replace(settings, stall_ms=stall)
        if values.get("parallel") is not None:
            parallel = parse_positive(values["parallel"], source, "parallel")
            if parallel != int(parallel):
                raise SettingsError(f"{source}: parallel must be a whole number, not {parallel:g}")
            settings = replace(settings, parallel=int(parallel))
        if values.get("cassettes") is not None:
            settings = replace(settings, cassettes=parse_cassettes(values["cassettes"], source))
        if values.get("record_mode") is not None:
            mode = parse_record_mode(values["record_mode"], source)
            settings = replace(settings, record_mode=mode)
        if values.get("isolation") is not None:
            isolation = parse_isolation(values["isolation"], source)
            settings = replace(settings, isolation=isolation)
    if settings.cassettes is not None:  # one cassette at a time: vcrpy patches process-wide
        settings = replace(settings, parallel=1)
    return settings


def environment_layers() -> list[tuple[str, dict[str, Any]]]:
    """One layer per ``LLM_COMPLIANCE_*`` variable that is set, naming it."""
    return [
        (f"environment variable {name}", {key: os.environ[name]})
        for key, name in ENV_VARS.items()
        if os.environ.get(name)
    ]
