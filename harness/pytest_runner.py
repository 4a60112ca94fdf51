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

from harness.engine import run_check
from harness.observe import Observations
from harness.outcomes import CheckRecord, Outcome
from harness.plugin import RECORD, SELECTED
from harness.registry import catalog
from harness.settings import KEYS, Settings, SettingsError, environment_layers, merge
from harness.targets import Target, TargetError

INI_NAMES = {key: f"llm_compliance_{key}" for key in KEYS}
OPTION_DESTS = {key: f"llm_{key}" for key in KEYS}
SESSION_SHARE = 0.2
"""The share of pytest-timeout's limit one model call may take at most."""
_cache_key = pytest.StashKey[dict[str, Observations]]()


def session_layers(config: pytest.Config) -> list[tuple[str, dict[str, Any]]]:
    """Settings from the ini file, the environment and the command line.

    One layer per place, least specific first, each naming where it came from.
    """
    layers: list[tuple[str, dict[str, Any]]] = []
    for key, name in INI_NAMES.items():
        if value := config.getini(name):
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


def record_check(
    config: pytest.Config, target: Target, settings: Settings, check_id: str, group: object
) -> CheckRecord:
    """Run one check for pytest; a target that cannot be built fails clearly.

    The first check of a target (``group``: its label or test class) makes the
    observations of all its selected checks together, overlapped.
    """
    obs = observations_for(config, target, settings)
    checks = catalog()
    selected = config.stash.get(SELECTED, {}).get(group, {check_id})
    try:
        obs.prefetch(name for i in selected if i in checks for name in checks[i].uses)
        return run_check(checks[check_id], obs)
    except TargetError as exc:
        problem = str(exc)
    pytest.fail(problem, pytrace=False)  # outside the except: no chained traceback


def keep_record(node: pytest.Item, record: CheckRecord, stop_policy: str) -> None:
    """Keep the record on the item, as JSON: it travels with its reports, also over xdist.

    Each run gets its own id, so that a rerun's model calls add to the first run's.
    """
    data = dataclasses.asdict(record)
    data["outcome"] = record.outcome.value
    data["stop_policy"] = stop_policy
    data["worker"] = os.environ.get("PYTEST_XDIST_WORKER", "")
    data["group"] = node.parent.nodeid if node.parent else record.target
    data["run"] = uuid.uuid4().hex
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
