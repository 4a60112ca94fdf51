"""What the pytest faces share.

Settings from every place, cached observations, and the translation of a
record into a pytest outcome.

Imported only once a target is configured (it imports LangChain).
"""

from __future__ import annotations

import dataclasses
import json
import os
import uuid
from collections.abc import Mapping
from typing import Any

import pytest

from pytest_llm_compliance.checks._api import catalog
from pytest_llm_compliance.core.outcomes import CheckRecord, Outcome
from pytest_llm_compliance.core.settings import (
    SETTINGS,
    Settings,
    SettingsError,
    environment_layers,
    merge,
)
from pytest_llm_compliance.core.targets import Target, TargetError
from pytest_llm_compliance.engine import run_checks
from pytest_llm_compliance.faces.pytest.keys import RECORD, SELECTED
from pytest_llm_compliance.isolation.sockets import socket_policy
from pytest_llm_compliance.observe.core import Observations

INI_NAMES = {setting.key: setting.ini_key for setting in SETTINGS}
OPTION_DESTS = {setting.key: setting.pytest_dest for setting in SETTINGS}
SESSION_SHARE = 0.2
"""The share of pytest-timeout's limit one model call may take at most."""
_cache_key = pytest.StashKey[dict[str, Observations]]()
_runs_key = pytest.StashKey[dict[int, tuple[CheckRecord, str]]]()
_isolated_key = pytest.StashKey[dict[str, dict[str, CheckRecord] | str]]()
IN_PROCESS = pytest.StashKey[dict[str, str]]()
"""Targets that ran in the pytest process, with why (they could not cross a process boundary)."""


def session_layers(config: pytest.Config) -> list[tuple[str, dict[str, Any]]]:
    """Settings from the ini file, the environment and the command line.

    One layer per place, least specific first, each naming where it came from.
    """
    layers: list[tuple[str, dict[str, Any]]] = []
    for key, name in INI_NAMES.items():
        if value := config.getini(name):
            if key == "cassettes" and config.inipath is not None:  # relative to the ini file
                value = str(config.inipath.parent / value)
            layers.append(
                (
                    f"ini option {name} in {config.inipath or 'the ini file'}",
                    {key: value},
                )
            )
    layers += environment_layers()
    for key, dest in OPTION_DESTS.items():
        if value := getattr(config.option, dest, None):
            option = "--" + dest.replace("_", "-")
            layers.append((f"command-line option {option}", {key: value}))
    return layers


def settings_for(config: pytest.Config, extra: tuple[str, Mapping[str, Any]] | None) -> Settings:
    """Merge the session's settings with a test class's; invalid -> UsageError."""
    layers = session_layers(config) + ([extra] if extra else [])
    try:
        return merge(layers, catalog())
    except SettingsError as exc:
        raise pytest.UsageError(str(exc)) from None


def observations_for(config: pytest.Config, target: Target, settings: Settings) -> Observations:
    """The target's shared observations: one set per target and settings."""
    cache = config.stash.setdefault(_cache_key, {})
    key = json.dumps(
        [target.label, id(target.factory), dict(target.params), repr(settings)],
        default=repr,
        sort_keys=True,
    )
    if key not in cache:
        cache[key] = Observations(target, settings)
    return cache[key]


def close_observations(config: pytest.Config) -> None:
    """Wind down every target's event loop at the end of the session."""
    for obs in config.stash.get(_cache_key, {}).values():
        obs.close()


def _crossing(target: Target) -> tuple[str, str]:
    """How the child would import the target (``module:qualname``), or why it cannot."""
    import sys

    factory = target.factory
    module = str(getattr(factory, "__module__", ""))
    qualname = str(getattr(factory, "__qualname__", ""))
    if not module or not qualname or "<locals>" in qualname or "<lambda>" in qualname:
        return "", "it is defined inside a function, so another process cannot import it"
    if module not in sys.modules:
        return "", f"its module {module} cannot be imported by name"
    try:
        json.dumps(dict(target.params))
    except (TypeError, ValueError):
        return "", "its params hold live objects that cannot cross a process boundary"
    return f"{module}:{qualname}", ""


def _isolated(
    config: pytest.Config,
    target: Target,
    settings: Settings,
    spec: str,
    group: object,
    sockets: dict[str, Any] | None,
) -> dict[str, CheckRecord] | str:
    """The records of a group's checks, from one child run (cached); a str is a target error."""
    import sys

    from pytest_llm_compliance.core.redact import Redactor
    from pytest_llm_compliance.isolation.parent import TargetProblem, run_target

    cache = config.stash.setdefault(_isolated_key, {})
    key = json.dumps([spec, str(group), dict(target.params), repr(settings), sockets], default=repr)
    if key not in cache:
        checks = catalog()
        selected = config.stash.get(SELECTED, {}).get(group, set())
        ids = [check_id for check_id in checks if check_id in selected]
        try:
            run = run_target(
                spec,
                target.params,
                settings,
                ids,
                target.label,
                Redactor.from_environment(),
                python_path=[p for p in sys.path if p],
                sockets=sockets,
            )
            cache[key] = run.records
        except TargetProblem as exc:
            cache[key] = str(exc)
    return cache[key]


def record_check(
    config: pytest.Config,
    target: Target,
    settings: Settings,
    check_id: str,
    group: object,
    item: pytest.Item | None = None,
) -> CheckRecord:
    """Run one check for pytest; a target that cannot be built fails clearly.

    The first check of a target (``group``: its label or test class) makes the
    observations of all its selected checks together, overlapped. In a child
    process, the model's sockets are guarded as pytest-socket guards ``item``'s.
    """
    if settings.isolation == "process":
        spec, why = _crossing(target)
        if spec:
            sockets = socket_policy(item) if item is not None else None
            records = _isolated(config, target, settings, spec, group, sockets)
            if isinstance(records, str):
                pytest.fail(records, pytrace=False)
            if check_id in records:
                return records[check_id]
        else:
            config.stash.setdefault(IN_PROCESS, {})[target.label] = why
    obs = observations_for(config, target, settings)
    checks = catalog()
    selected = config.stash.get(SELECTED, {}).get(group, {check_id})
    try:
        together = [checks[i] for i in selected if i in checks]  # the item's group
        return run_checks(obs, [checks[check_id]], prefetch=together)[0]
    except TargetError as exc:
        problem = str(exc)
    pytest.fail(problem, pytrace=False)  # outside the except: no chained traceback


def keep_record(node: pytest.Item, record: CheckRecord, stop_policy: str) -> None:
    """Keep the record on the item, as JSON: it travels with its reports, also over xdist.

    Each record made gets its own run id, so that a rerun's model calls add to the
    first run's; a rerun handed the same record (the child's, cached) made no call.
    """
    data = record.to_dict()
    data["stop_policy"] = stop_policy
    data["worker"] = os.environ.get("PYTEST_XDIST_WORKER", "")
    data["group"] = node.parent.nodeid if node.parent else record.target
    runs = node.config.stash.setdefault(_runs_key, {})
    held = runs.get(id(record))
    if held is None or held[0] is not record:  # held: the id is never reused meanwhile
        held = runs[id(record)] = (record, uuid.uuid4().hex)
    data["run"] = held[1]
    node.stash[RECORD] = json.dumps(data)


def session_limit(node: pytest.Item) -> float | None:
    """pytest-timeout's limit for ``node`` in seconds (its marker, option, env or ini)."""
    plugin: Any = node.config.pluginmanager.get_plugin("timeout")
    if not hasattr(plugin, "get_env_settings"):
        return None
    marker = node.get_closest_marker("timeout")
    value: Any = None
    if marker is not None:
        value = marker.kwargs.get("timeout", marker.args[0] if marker.args else None)
    if value is None:
        value = plugin.get_env_settings(node.config).timeout
    try:
        limit = float(value)
    except (TypeError, ValueError):
        return None
    return limit if limit > 0 else None


def within_session_limit(settings: Settings, node: pytest.Item) -> Settings:
    """Settings whose per-call limit leaves room inside pytest-timeout's limit.

    All of a target's observations are made during one test, so each call gets
    at most a fifth of the session's limit: a hanging model is reported as
    hung, as usual, before pytest-timeout stops the test.
    """
    limit = session_limit(node)
    if limit is None or settings.timeout_s <= limit * SESSION_SHARE:
        return settings
    return dataclasses.replace(settings, timeout_s=limit * SESSION_SHARE)


def settle(record: CheckRecord) -> None:
    """End the test as the record says: pass, fail, skip or xfail."""
    if record.outcome is Outcome.PASSED:
        return
    if record.outcome is Outcome.SKIPPED:
        pytest.skip(record.message)
    if record.outcome is Outcome.XFAILED:
        pytest.xfail(record.message)
    pytest.fail(record.message, pytrace=False)
