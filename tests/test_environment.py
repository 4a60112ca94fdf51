"""A call the environment refused is no verdict on the model: `error`, could not check."""

from __future__ import annotations

import asyncio
import io
import json
import re
import socket
from pathlib import Path

import aiohttp
import httpx
import jsonschema
import pytest
import requests
from pytest_llm_compliance import check_llm
from pytest_llm_compliance.checks._api import catalog
from pytest_llm_compliance.core.environment import refusal
from pytest_llm_compliance.core.outcomes import CheckRecord, Outcome
from pytest_llm_compliance.core.settings import merge
from pytest_llm_compliance.faces.cli.main import EXIT_COULD_NOT_CHECK, EXIT_FAILED, main
from pytest_llm_compliance.reports.formats import SCHEMA_PATH, Report, TargetReport
from pytest_llm_compliance.scan.no_network import no_network

from reference_llm import EchoServiceLLM
from tests.conftest import SERVICE_KEY
from tests.paths import SOURCE_PATH

ROOT = Path(__file__).resolve().parent.parent
METHODS = [f"methods.{name}" for name in ("invoke", "ainvoke", "batch", "abatch", "stream")]


@pytest.fixture
def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raised(call) -> BaseException:
    try:
        call()
    except BaseException as exc:
        return exc
    raise AssertionError("it did not raise")


# --- recognising a refusal: by exception type, through the chain -------------------------


def test_httpx_connect_error_wrapping_a_refused_connection(closed_port):
    exc = raised(lambda: httpx.get(f"http://127.0.0.1:{closed_port}/", timeout=5))
    assert isinstance(exc, httpx.ConnectError)
    found = refusal(exc)
    assert found is not None
    assert "refused the connection" in found.diagnosis


def test_requests_connection_error(closed_port):
    exc = raised(lambda: requests.get(f"http://127.0.0.1:{closed_port}/", timeout=5))
    assert isinstance(exc, requests.ConnectionError)
    assert refusal(exc) is not None


def test_aiohttp_client_connector_error(closed_port):
    async def get() -> None:
        async with aiohttp.ClientSession() as session:
            await session.get(f"http://127.0.0.1:{closed_port}/")

    exc = raised(lambda: asyncio.run(get()))
    assert isinstance(exc, aiohttp.ClientConnectorError)
    assert refusal(exc) is not None


def test_openai_api_connection_error(closed_port):
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(
        api_key="sk-x", base_url=f"http://127.0.0.1:{closed_port}", max_retries=0
    )
    exc = raised(lambda: client.models.list())
    assert isinstance(exc, openai.APIConnectionError)
    assert refusal(exc) is not None


def test_https_to_a_closed_loopback_port(closed_port):
    exc = raised(lambda: httpx.get(f"https://127.0.0.1:{closed_port}/", timeout=5))
    assert refusal(exc) is not None


def test_a_name_that_does_not_resolve():
    exc = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    wrapped = raised(lambda: _reraise(RuntimeError("lookup failed"), exc))
    found = refusal(wrapped)
    assert found is not None
    assert "could not be resolved" in found.diagnosis


def test_pytest_sockets_error_by_class_name_and_the_harness_guard():
    pytest_socket = pytest.importorskip("pytest_socket")
    with pytest.warns(UserWarning, match="tried to use socket"):  # pytest-socket's own
        blocked = pytest_socket.SocketBlockedError()
    assert "pytest-socket" in refusal(blocked).diagnosis
    with no_network():
        exc = raised(lambda: socket.create_connection(("127.0.0.1", 80)))
    assert "harness's own guard" in refusal(exc).diagnosis


def test_text_that_reads_like_a_refusal_is_not_one():
    assert refusal(ValueError("connection refused: [Errno 111] Connection refused")) is None
    assert refusal(RuntimeError("SocketBlockedError: name resolution failed")) is None
    assert refusal(FileNotFoundError(2, "No such file or directory")) is None
    assert refusal(None) is None


def test_a_cyclic_chain_ends():
    first, second = RuntimeError("a"), RuntimeError("b")
    first.__context__, second.__context__ = second, first
    assert refusal(first) is None


def _reraise(outer: BaseException, inner: BaseException) -> None:
    try:
        raise inner
    except type(inner) as exc:
        raise outer from exc


# --- a stopped server: error on every check that needed a call, never failed ----------------


def test_a_stopped_server_gives_could_not_check_on_each_call_check(closed_port):
    params = {"n": 64, "base_url": f"http://127.0.0.1:{closed_port}", "api_key": SERVICE_KEY}
    records = {r.id: r for r in check_llm(EchoServiceLLM, params, timeout=10)}
    assert not [i for i, r in records.items() if r.outcome is Outcome.FAILED]
    for check_id in [*METHODS, "methods.astream", "stop.respected", "callbacks.lifecycle"]:
        record = records[check_id]
        assert record.outcome is Outcome.ERROR, (check_id, record.message)
        assert record.error_source == "environment"
        assert record.headline.startswith("could not check: the environment refused")
        assert "refused the connection" in record.headline
        assert "likely cause" not in record.message
        assert "bug of pytest-llm-compliance" not in record.message
        assert "start the service" in record.message
    # what needs no call is still judged; a skip unrelated to calls stands
    assert records["interface.llm_type"].outcome is Outcome.PASSED
    assert records["docs.class_docstring"].outcome is Outcome.PASSED
    assert records["stop.bound"].outcome is Outcome.SKIPPED
    assert "no stop init field" in records["stop.bound"].message


def test_the_cli_says_could_not_check_and_exits_5(closed_port, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    params = {"n": 64, "base_url": f"http://127.0.0.1:{closed_port}", "api_key": SERVICE_KEY}
    report_json, report_md = tmp_path / "r.json", tmp_path / "r.md"
    args = ["check", "reference_llm.service:EchoServiceLLM", "--params", json.dumps(params)]
    args += ["--select", "methods", "--select", "docs", "--timeout", "10"]
    out = io.StringIO()
    code = main([*args, "--report-json", str(report_json), "--report-md", str(report_md)], out)
    text = out.getvalue()
    assert code == EXIT_COULD_NOT_CHECK == 5, text
    assert "6 could not be checked (the environment refused the model's call" in text
    assert "3 passed, 6 could not be checked" in text
    assert "COULD NOT CHECK in" in text
    assert "FAIL " not in text
    data = json.loads(report_json.read_text())
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text()))
    assert data["summary"]["verdict"] == "could_not_check"
    assert data["summary"]["could_not_check"] == data["summary"]["error"] == 6
    invoke = next(c for c in data["targets"][0]["checks"] if c["id"] == "methods.invoke")
    assert invoke["error_source"] == "environment"
    markdown = report_md.read_text()
    assert "- [ ] `methods.invoke`: " in markdown
    assert "(could not check: the environment refused the model's calls)" in markdown
    assert "6 could not be checked, 0 harness errors" in markdown
    # a failure beside it still fails the run: exit 1
    declared = ["--xfail", "docs.init_args=stale declaration: it passes"]
    assert main([*args, *declared], io.StringIO()) == EXIT_FAILED


# --- the model's own errors still fail, whatever their text -------------------------------


@pytest.mark.parametrize(
    ("model", "shown"),
    [
        ("SaysConnectionRefused", "ValueError: connection refused"),
        ("RaisesAnUnrelatedOSError", "FileNotFoundError"),
    ],
)
def test_a_models_own_error_still_fails(model, shown):
    records = check_llm(f"tests.environment_models:{model}", {"n": 64}, select_ids=["methods"])
    invoke = next(r for r in records if r.id == "methods.invoke")
    assert invoke.outcome is Outcome.FAILED, invoke.message
    assert shown in invoke.message
    assert "could not check" not in invoke.message
    assert invoke.error_source == ""


# --- pytest-socket, as partner packages run unit tests --------------------------------------

MIXIN_UNIT_TESTS = """
from langchain_tests.unit_tests import ChatModelUnitTests

from pytest_llm_compliance.faces.pytest.mixin import LLMComplianceMixin
from reference_llm import EchoServiceChatModel


class TestUnit(LLMComplianceMixin, ChatModelUnitTests):
    @property
    def chat_model_class(self):
        return EchoServiceChatModel

    @property
    def chat_model_params(self):
        return {{"n": 64, "base_url": {url!r}, "api_key": {key!r}}}
"""


def test_the_mixin_on_unit_tests_under_disable_socket_reports_errors_not_failures(
    pytester, echo_server, monkeypatch
):
    monkeypatch.setenv("PYTHONPATH", SOURCE_PATH)
    monkeypatch.setenv(
        "PYTEST_ADDOPTS", "-W ignore::pytest.PytestDeprecationWarning -p no:randomly"
    )
    pytester.makepyfile(MIXIN_UNIT_TESTS.format(url=echo_server.url, key=SERVICE_KEY))
    names = " or ".join(check.test_name for check in catalog().values())
    result = pytester.runpytest_subprocess(
        "-v", "-o", "asyncio_mode=auto", "-k", names, "--disable-socket", "--allow-unix-socket"
    )
    text = result.stdout.str()
    outcomes = dict(re.findall(r"::TestUnit::(\w+) (PASSED|FAILED|SKIPPED|ERROR)", text))
    assert len(outcomes) == len(catalog()), text
    assert "FAILED" not in outcomes.values(), text
    for name in ("test_methods_invoke", "test_methods_stream", "test_stop_respected"):
        assert outcomes[name] == "ERROR", text
    assert outcomes["test_interface_llm_type"] == "PASSED"
    result.stdout.fnmatch_lines(
        [
            "*could not check: the environment refused the model's call *: the network is "
            "blocked by pytest-socket*SocketBlockedError*",
            "*could not be checked (the environment refused*",
        ]
    )
    assert "ChatModelIntegrationTests" in text  # where to run them instead
    assert "likely cause" not in text


# --- the run's verdict: a harness bug, then a failure, then could not check ----------------


def _record(outcome: Outcome, source: str = "") -> CheckRecord:
    return CheckRecord("methods.invoke", "methods", "t", outcome, "m", 0.0, 0, error_source=source)


@pytest.mark.parametrize(
    ("outcomes", "verdict"),
    [
        ([(Outcome.PASSED, ""), (Outcome.ERROR, "environment")], "could_not_check"),
        ([(Outcome.FAILED, ""), (Outcome.ERROR, "environment")], "failed"),
        ([(Outcome.ERROR, "harness"), (Outcome.ERROR, "environment")], "error"),
        ([(Outcome.PASSED, ""), (Outcome.SKIPPED, "")], "passed"),
    ],
)
def test_the_runs_verdict_puts_a_harness_bug_and_a_failure_before_could_not_check(
    outcomes, verdict
):
    records = [_record(outcome, source) for outcome, source in outcomes]
    assert Report([TargetReport("t", merge([], catalog()), records)]).verdict == verdict
