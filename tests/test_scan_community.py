"""The issue's "done when": ``llm-compliance scan langchain_community.llms``.

Every class of ``langchain_community.llms.__all__`` that imports is reported,
the known plain-``str`` credentials are flagged, no class that keeps its
credentials in ``SecretStr`` is, no harness error, exit code 1, and all of it
within 3 minutes on 2 worker processes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from pytest_llm_compliance.core.credentials import is_credential_name

from tests.paths import SOURCE_PATH

ROOT = Path(__file__).resolve().parent.parent
KNOWN_PLAIN = {
    "langchain_community.llms.cloudflare_workersai:CloudflareWorkersAI": "api_token: str",
    "langchain_community.llms.mosaicml:MosaicML": "mosaicml_api_token: Optional[str]",
    "langchain_community.llms.databricks:Databricks": "api_token: str",
}


@pytest.fixture(scope="module")
def community():
    return pytest.importorskip("langchain_community.llms")


@pytest.fixture(scope="module")
def scanned(community, tmp_path_factory):
    report = tmp_path_factory.mktemp("community") / "scan.json"
    started = time.perf_counter()
    result = subprocess.run(
        [
            *(
                sys.executable,
                "-m",
                "pytest_llm_compliance.faces.cli.main",
                "scan",
                "langchain_community.llms",
            ),
            *("--workers", "2", "--report-json", str(report)),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": SOURCE_PATH, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    elapsed = time.perf_counter() - started
    document = json.loads(report.read_text()) if report.exists() else {}
    return result, elapsed, document


def _classes_of_all(community) -> dict[str, type]:
    found = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in community.__all__:
            try:
                cls = getattr(community, name)
            except Exception:  # an optional dependency is missing: not "a class that imports"
                continue
            found[f"{cls.__module__}:{cls.__qualname__}"] = cls
    return found


def _outcome(document, label: str, check_id: str) -> tuple[str, str]:
    target = next(t for t in document["targets"] if t["target"] == label)
    check = next(c for c in target["checks"] if c["id"] == check_id)
    return check["outcome"], check["message"]


def test_the_scan_exits_1_within_3_minutes_with_no_harness_error(scanned):
    result, elapsed, document = scanned
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr == ""
    assert elapsed < 180
    assert document["summary"]["error"] == 0
    assert document["summary"]["model_calls"] == 0
    assert "Modules that did not import" not in result.stdout


def test_every_class_of_all_that_imports_is_reported(scanned, community):
    _, _, document = scanned
    reported = {target["target"] for target in document["targets"]}
    expected = _classes_of_all(community)
    assert len(expected) >= 100
    assert set(expected) <= reported


def test_the_known_plain_str_credentials_are_flagged(scanned):
    _, _, document = scanned
    for label, field in KNOWN_PLAIN.items():
        outcome, message = _outcome(document, label, "secrets.secretstr")
        assert outcome == "failed", (label, message)
        assert field in message.splitlines()[0]


def test_no_class_that_keeps_its_credentials_in_secretstr_is_flagged(scanned, community):
    _, _, document = scanned
    secret_classes = []
    for label, cls in _classes_of_all(community).items():
        keys = [  # the annotations of the fields named like keys that hold text
            repr(info.annotation)
            for name, info in cls.model_fields.items()
            if is_credential_name(name) and "str" in repr(info.annotation).lower()
        ]
        if keys and not any(re.search(r"\bstr\b", a.replace("SecretStr", "")) for a in keys):
            secret_classes.append(label)
    assert len(secret_classes) >= 20
    for label in secret_classes:
        outcome, message = _outcome(document, label, "secrets.secretstr")
        assert outcome == "passed", (label, message)
