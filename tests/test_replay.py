"""Record once, replay in CI: cassettes under the observations (issue 14).

Each scenario records a class's whole checklist against a live loopback server, stops
the server, and replays: the verdicts must be the same, the timing checks skipped, no
secret in any cassette, and what cannot be replayed must say so.
"""

from __future__ import annotations

import io
import json
import logging
import os
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from pytest_llm_compliance import check_llm
from pytest_llm_compliance.core.outcomes import CheckRecord
from pytest_llm_compliance.core.redact import Redactor
from pytest_llm_compliance.core.settings import SettingsError, merge
from pytest_llm_compliance.faces.cli.main import main
from pytest_llm_compliance.reports.formats import SCHEMA_PATH
from pytest_llm_compliance.transport.cassettes import CassetteTransport, StampedPersister, staleness
from pytest_llm_compliance.transport.chunks import pieces
from pytest_llm_compliance.transport.scrub import Scrubber, fingerprint
from pytest_llm_compliance.transport.verdicts import UNMEASURED

from reference_llm import EchoServiceLLM
from reference_llm.server import EchoServer
from tests.conftest import SERVICE_KEY
from tests.real_classes import all_cases, running

CI_KEY = "replay-only-key"
"""What CI builds the class with: not the recorded key."""


def by_id(records: list[CheckRecord]) -> dict[str, CheckRecord]:
    return {record.id: record for record in records}


def cassette_text(folder: Path) -> str:
    files = sorted(folder.rglob("*.yaml"))
    assert files, f"no cassette under {folder}"
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def assert_same_verdicts(recorded: list[CheckRecord], replayed: list[CheckRecord]) -> None:
    """Every check gives the same outcome and message; the timing ones say why they skip."""
    for live, again in zip(recorded, replayed, strict=True):
        assert (again.id, again.outcome, again.message) == (live.id, live.outcome, live.message)
    for check_id in UNMEASURED:
        record = by_id(replayed)[check_id]
        assert str(record.outcome) == "skipped"
        assert "not measured under replay" in record.message


@pytest.fixture(scope="module")
def service_run(tmp_path_factory) -> dict[str, Any]:
    """The service reference: live, recorded (once), then replayed with its server stopped."""
    folder = tmp_path_factory.mktemp("cassettes")
    with EchoServer(api_key=SERVICE_KEY) as server:
        params = {"n": 64, "base_url": server.url, "api_key": SERVICE_KEY}
        live = check_llm(EchoServiceLLM, params, timeout=10)
        recorded = check_llm(
            EchoServiceLLM, params, timeout=10, cassettes=folder, record_mode="once"
        )
    offline = {**params, "api_key": CI_KEY}
    replayed = check_llm(EchoServiceLLM, offline, timeout=10, cassettes=folder, record_mode="none")
    return {
        "folder": folder,
        "params": offline,
        "live": live,
        "recorded": recorded,
        "replayed": replayed,
    }


def test_recording_writes_one_stamped_cassette_per_call(service_run):
    target = service_run["folder"] / "reference_llm.service-EchoServiceLLM"
    names = {path.name for path in target.iterdir()}
    assert {"invoke-str.yaml", "stream.yaml", "astream_events-canary.yaml"} <= names
    data = yaml.safe_load((target / "invoke-str.yaml").read_text())
    assert set(data["llm_compliance"]) == {"harness_version", "catalog_version"}
    assert len(data["interactions"]) == 1


def test_replay_with_the_server_stopped_gives_the_recorded_verdicts(service_run):
    assert_same_verdicts(service_run["recorded"], service_run["replayed"])
    live = by_id(service_run["live"])
    for record in service_run["replayed"]:
        if record.id not in UNMEASURED:
            assert record.outcome == live[record.id].outcome, record.id
    assert all(str(r.outcome) in ("passed", "skipped") for r in service_run["replayed"])


def test_the_canary_call_replays_the_services_rejection(service_run):
    canary = service_run["folder"] / "reference_llm.service-EchoServiceLLM"
    data = yaml.safe_load((canary / "astream_events-canary.yaml").read_text())
    (interaction,) = data["interactions"]
    assert interaction["response"]["status"]["code"] == 401
    assert interaction["request"]["headers"]["authorization"] == ["<credential:canary:api_key>"]
    invoke = yaml.safe_load((canary / "invoke-str.yaml").read_text())
    assert invoke["interactions"][0]["request"]["headers"]["authorization"] == ["<credential:key>"]
    assert str(by_id(service_run["replayed"])["secrets.no_leak"].outcome) == "passed"


def test_no_key_and_no_canary_in_any_cassette(service_run):
    text = cassette_text(service_run["folder"])
    assert SERVICE_KEY not in text
    assert SERVICE_KEY[:10] not in text
    assert SERVICE_KEY[-10:] not in text
    assert "lcc-canary" not in text
    assert "Bearer" not in text


def test_a_missing_cassette_could_not_check_with_the_re_record_message(service_run, tmp_path):
    records = by_id(
        check_llm(
            EchoServiceLLM,
            service_run["params"],
            timeout=10,
            cassettes=tmp_path,
            record_mode="none",
        )
    )
    invoke = records["methods.invoke"]
    assert str(invoke.outcome) == "error"  # no verdict on the model: the environment's
    assert invoke.error_source == "environment"
    assert invoke.message.startswith("could not check: ")
    assert "does not exist" in invoke.message
    assert "re-record" in invoke.message
    assert "--record-mode once" in invoke.message
    assert str(records["interface.llm_type"].outcome) == "passed"  # no call: unaffected
    assert not list(tmp_path.rglob("*.yaml")), "replay only must write nothing"


def test_a_request_the_cassette_lacks_could_not_check_and_is_never_sent(service_run):
    other = {**service_run["params"], "n": 7}  # other bodies than recorded
    records = by_id(
        check_llm(
            EchoServiceLLM,
            other,
            timeout=10,
            cassettes=service_run["folder"],
            record_mode="none",
            select_ids=["methods"],
        )
    )
    message = records["methods.invoke"].message
    assert str(records["methods.invoke"].outcome) == "error"
    assert records["methods.invoke"].could_not_check
    assert "has no recorded interaction for POST http://127.0.0.1:" in message
    assert "re-record" in message


def test_a_stale_cassette_is_an_error_not_a_live_call(tmp_path):
    with EchoServer(api_key=SERVICE_KEY) as server:
        params = {"n": 64, "base_url": server.url, "api_key": SERVICE_KEY}
        check_llm(EchoServiceLLM, params, timeout=10, cassettes=tmp_path, record_mode="once")
        cassette = next(tmp_path.rglob("invoke-str.yaml"))
        data = yaml.safe_load(cassette.read_text())
        data["llm_compliance"]["harness_version"] = "0.0.1"
        cassette.write_text(yaml.safe_dump(data))
        before = cassette.read_text()
        # the server is up and the mode may record: a silent live call would pass
        records = by_id(
            check_llm(EchoServiceLLM, params, timeout=10, cassettes=tmp_path, record_mode="once")
        )
    invoke = records["methods.invoke"]
    assert str(invoke.outcome) == "error"
    assert "stale cassette" in invoke.message
    assert "harness 0.0.1" in invoke.message
    assert "no live call was made" in invoke.message
    assert "re-record" in invoke.message
    assert str(records["methods.ainvoke"].outcome) == "passed"  # its own cassettes are fresh
    assert cassette.read_text() == before
    assert "0.0.1" in (staleness(cassette) or "")


def test_record_mode_all_records_again_over_a_stale_cassette(tmp_path):
    with EchoServer(api_key=SERVICE_KEY) as server:
        params = {"n": 64, "base_url": server.url, "api_key": SERVICE_KEY}
        check_llm(
            EchoServiceLLM,
            params,
            cassettes=tmp_path,
            record_mode="once",
            select_ids=["methods.invoke"],
        )
        cassette = next(tmp_path.rglob("invoke-str.yaml"))
        cassette.write_text(
            cassette.read_text().replace("harness_version: ", "harness_version: old-")
        )
        assert staleness(cassette) is not None
        records = check_llm(
            EchoServiceLLM,
            params,
            cassettes=tmp_path,
            record_mode="all",
            select_ids=["methods.invoke"],
        )
    assert str(records[0].outcome) == "passed"
    assert staleness(cassette) is None


class LeakyServiceLLM(EchoServiceLLM):
    """A service class that logs its key on every call and sends it in the body too."""

    def _payload(self, prompt: str, stop: list[str] | None, stream: bool) -> dict[str, Any]:
        key = self.api_key.get_secret_value()
        logging.getLogger("leaky").warning("calling the echo service with key %s", key)
        return {**super()._payload(prompt, stop, stream), "user": f"key={key}"}


def test_a_leaking_class_is_still_caught_on_replay_and_its_key_never_written(tmp_path):
    with EchoServer(api_key=SERVICE_KEY) as server:
        params = {"n": 64, "base_url": server.url, "api_key": SERVICE_KEY}
        recorded = check_llm(
            LeakyServiceLLM, params, timeout=10, cassettes=tmp_path, record_mode="once"
        )
    replayed = check_llm(
        LeakyServiceLLM,
        {**params, "api_key": CI_KEY},
        timeout=10,
        cassettes=tmp_path,
        record_mode="none",
    )
    for records in (recorded, replayed):
        leak = by_id(records)["secrets.no_leak"]
        assert str(leak.outcome) == "failed"
        assert "log records" in leak.message
    assert_same_verdicts(recorded, replayed)
    text = cassette_text(tmp_path)
    assert SERVICE_KEY not in text
    assert "lcc-canary" not in text
    assert "key=<credential:canary:api_key>" in text  # the body keeps the role, for matching


GALLERY = {case.name: case for case in all_cases()}


@pytest.mark.parametrize(
    "name",
    [
        "langchain_ollama:OllamaLLM",  # NDJSON over httpx
        "langchain_community.llms.cloudflare_workersai:CloudflareWorkersAI",  # SSE over requests
    ],
)
def test_published_streaming_clients_replay_chunk_for_chunk(name, tmp_path, monkeypatch):
    case = GALLERY[name]
    if not case.importable:
        pytest.skip(f"{case.distribution} is not installed")
    with running(case) as url:
        target, params = case.build(url)
        recorded = check_llm(target, params, timeout=10, cassettes=tmp_path, record_mode="once")
    for variable, value in case.env.items():
        monkeypatch.setenv(variable, value)
    replayed = check_llm(target, params, timeout=10, cassettes=tmp_path, record_mode="none")
    assert_same_verdicts(recorded, replayed)  # the chunk counts are in the messages
    for record in replayed:
        if record.id not in UNMEASURED and record.id in case.expected:
            assert str(record.outcome) == case.expected[record.id].asserted, record.id
    assert "chunk(s)" in by_id(replayed)["methods.stream"].message
    text = cassette_text(tmp_path)
    assert "lcc-canary" not in text
    for secret in ("cf-gallery-token-0123456789",):
        assert secret not in text


def test_a_replayed_stream_reaches_the_client_one_event_per_chunk(tmp_path):
    transport = CassetteTransport("sse", str(tmp_path), "once", Redactor([SERVICE_KEY]))
    body = {"prompt": "hello", "n": 5, "stream": True}
    headers = {"Authorization": f"Bearer {SERVICE_KEY}"}

    def chunks(url: str) -> list[bytes]:
        with httpx.stream("POST", f"{url}/v1/completions", json=body, headers=headers) as response:
            return list(response.iter_raw())

    with EchoServer(api_key=SERVICE_KEY) as server, transport.cassette("stream"):
        url = server.url
        live = chunks(url)
    replay = CassetteTransport("sse", str(tmp_path), "none", Redactor([SERVICE_KEY]))
    with replay.cassette("stream"):
        played = chunks(url)
    assert b"".join(played) == b"".join(live)
    events = b"".join(live).count(b"\n\n")
    assert events == 6  # five characters and [DONE]
    assert len(played) == events
    assert not replay.problems


def test_event_pieces_follow_the_content_type():
    sse = b"data: 1\n\ndata: 2\r\n\r\ndata: [DONE]\n\n"
    assert pieces(sse, {"Content-Type": ["text/event-stream"]}) == [
        b"data: 1\n\n",
        b"data: 2\r\n\r\n",
        b"data: [DONE]\n\n",
    ]
    ndjson = b'{"a": 1}\n{"a": 2}\n'
    assert pieces(ndjson, {"content-type": ["application/x-ndjson"]}) == [
        b'{"a": 1}\n',
        b'{"a": 2}\n',
    ]
    assert pieces(ndjson, {"content-type": ["application/json"]}) == [ndjson]


class FakeRequest:
    def __init__(self, uri: str, headers: dict[str, str], body: bytes) -> None:
        self.uri, self.headers, self.body = uri, headers, body


def test_the_scrubber_removes_credentials_everywhere():
    secret = "sk-live-0123456789abcdef"
    canary = "lcc-canary-api_key-0123456789abcdef"
    scrub = Scrubber(Redactor([secret, canary]))
    request = scrub.request(
        FakeRequest(
            f"https://api.example.com/v1/x?key={secret}&max_tokens=5&api_key={canary}",
            {
                "Authorization": f"Bearer {secret}",
                "x-api-key": canary,
                "Cookie": "session=abcdef123456",
                "X-Trace": f"for {secret}",
            },
            json.dumps({"prompt": "hi", "nested": json.dumps({"k": secret})}).encode(),
        )
    )
    text = f"{request.uri} {request.headers} {request.body!r}"
    assert secret not in text
    assert canary not in text
    assert "abcdef123456" not in text
    assert "max_tokens=5" in request.uri
    assert "key=<credential:key>" in request.uri
    assert "api_key=<credential:canary:api_key>" in request.uri
    assert request.headers["x-api-key"] == "<credential:canary:api_key>"
    assert request.headers["X-Trace"] == "for ***"
    response = scrub.response(
        {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Set-Cookie": ["id=1"], "Content-Length": ["99"]},
            "body": {"string": f'{{"echo": "{secret}"}}'.encode()},
        }
    )
    assert response["body"]["string"] == b'{"echo": "***"}'
    assert response["headers"]["Set-Cookie"] == ["<credential:key>"]
    assert response["headers"]["Content-Length"] == [str(len(b'{"echo": "***"}'))]


def test_fingerprints_are_roles_and_stable():
    assert fingerprint("Bearer sk-anything") == fingerprint("Bearer other") == "<credential:key>"
    assert fingerprint("Bearer lcc-canary-token-0123456789abcdef") == "<credential:canary:token>"
    assert fingerprint("<credential:canary:token>") == "<credential:canary:token>"
    assert fingerprint("") == "<credential:empty>"


def test_a_cassette_still_holding_a_secret_is_not_written(tmp_path):
    from vcr.request import Request
    from vcr.serializers import yamlserializer

    secret = "sk-unscrubbed-0123456789"
    persister = StampedPersister(Redactor([secret]), load=True)
    path = tmp_path / "t" / "call.yaml"
    request = Request("POST", "http://127.0.0.1/x", f"k={secret}".encode(), {})
    response = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": b""}}
    persister.save_cassette(
        str(path), {"requests": [request], "responses": [response]}, yamlserializer
    )
    assert not path.exists()
    assert persister.leaked
    assert not any(secret in entry for entry in persister.leaked)


def test_settings_validate_and_run_one_call_at_a_time(tmp_path):
    settings = merge([("test", {"cassettes": str(tmp_path), "parallel": 4})], [])
    assert settings.parallel == 1
    assert settings.record_mode == "none"
    assert "record mode none" in settings.describe()
    with pytest.raises(SettingsError, match="record mode must be 'none', 'once' or 'all'"):
        merge([("environment variable LLM_COMPLIANCE_RECORD_MODE", {"record_mode": "new"})], [])
    assert merge([], []).transport == "live"


def test_the_cli_replays_and_every_report_shows_the_mode(service_run, tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_COMPLIANCE_CASSETTES", str(service_run["folder"]))
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    out = io.StringIO()
    report_json, report_md = tmp_path / "r.json", tmp_path / "r.md"
    code = main(
        [
            "check",
            "reference_llm.service:EchoServiceLLM",  # the target as recorded: its folder
            "--params",
            json.dumps(service_run["params"]),
            "--record-mode",
            "none",
            "--timeout",
            "10",
            "--report-json",
            str(report_json),
            "--report-md",
            str(report_md),
        ],
        out=out,
    )
    text = out.getvalue()
    assert code == 0, text
    assert f"transport: record mode none, cassettes {service_run['folder']}" in text
    assert "SKIP  async.non_blocking" in text
    data = json.loads(report_json.read_text())
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text()))
    assert data["schema_version"] == "1.4"
    assert data["targets"][0]["transport"] == {
        "mode": "cassettes",
        "record_mode": "none",
        "cassettes": str(service_run["folder"]),
    }
    assert "Transport: **record mode none" in report_md.read_text()
    assert os.environ.get(CI_KEY) is None


def test_the_credential_fingerprint_picks_the_answer_not_the_order(tmp_path):
    """Same method, URL and body: only the credential's role tells the 401 from the 200."""
    canary = "lcc-canary-api_key-0123456789abcdef"
    redact = Redactor([SERVICE_KEY, canary])
    with EchoServer(api_key=SERVICE_KEY) as server:
        url = server.url
        recording = CassetteTransport("t", str(tmp_path), "once", redact)
        with recording.cassette("both"):
            good = EchoServiceLLM(n=5, base_url=url, api_key=SERVICE_KEY).invoke("hello")
            with pytest.raises(Exception, match="HTTP 401"):
                EchoServiceLLM(n=5, base_url=url, api_key=canary).invoke("hello")
    replay = CassetteTransport("t", str(tmp_path), "none", redact)
    with replay.cassette("both"):  # the other order: the canary first
        with pytest.raises(Exception, match="HTTP 401"):
            EchoServiceLLM(n=5, base_url=url, api_key=canary).invoke("hello")
        assert EchoServiceLLM(n=5, base_url=url, api_key=CI_KEY).invoke("hello") == good
    assert not replay.problems


@pytest.fixture
def _quiet_inner_sessions(monkeypatch):
    """pytest-asyncio advises every inner session to set its loop scope."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-W ignore::pytest.PytestDeprecationWarning")


SERVICE_SPEC = "reference_llm.service:EchoServiceLLM"


@pytest.mark.usefixtures("_quiet_inner_sessions")
def test_the_plugin_replays_from_its_options(pytester, service_run):
    result = pytester.runpytest(
        "--llm",
        SERVICE_SPEC,
        "--llm-params",
        json.dumps(service_run["params"]),
        "--llm-cassettes",
        str(service_run["folder"]),
        "--llm-record-mode",
        "none",
        "-rs",
    )
    result.stdout.fnmatch_lines(
        [
            f"llm-compliance: {SERVICE_SPEC}; *transport: record mode none, cassettes *",
            "*SKIPPED*not measured under replay*",
        ]
    )
    outcomes = [str(record.outcome) for record in service_run["replayed"]]
    result.assert_outcomes(passed=outcomes.count("passed"), skipped=outcomes.count("skipped"))


@pytest.mark.usefixtures("_quiet_inner_sessions")
def test_the_test_class_attributes_replay_and_a_missing_cassette_says_re_record(
    pytester, service_run
):
    pytester.makepyfile(
        f"""
from pytest_llm_compliance import LLMComplianceTests
from reference_llm.service import EchoServiceLLM


class TestReplayed(LLMComplianceTests):
    llm_class = EchoServiceLLM
    llm_params = {service_run["params"]!r}
    llm_cassettes = "empty-cassettes"
    llm_record_mode = "none"
"""
    )
    result = pytester.runpytest("-k", "methods.invoke")
    result.assert_outcomes(errors=1)  # could not check: a pytest error, not a failure
    result.stdout.fnmatch_lines(["*empty-cassettes*does not exist*re-record it*"])


@pytest.mark.usefixtures("_quiet_inner_sessions")
def test_the_environment_sets_the_record_mode_and_a_bad_one_is_a_usage_error(pytester, monkeypatch):
    pytester.makeini("[pytest]\nllm_compliance_cassettes = recorded\n")
    monkeypatch.setenv("LLM_COMPLIANCE_RECORD_MODE", "sometimes")
    result = pytester.runpytest("--llm", "reference_llm:EchoLLM", "--llm-params", '{"n": 8}')
    result.stderr.fnmatch_lines(
        ["*environment variable LLM_COMPLIANCE_RECORD_MODE: record mode must be*"]
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_the_chat_service_reference_replays_too(tmp_path):
    from reference_llm import EchoServiceChatModel

    with EchoServer(api_key=SERVICE_KEY) as server:
        params = {"n": 64, "base_url": server.url, "api_key": SERVICE_KEY}
        recorded = check_llm(
            EchoServiceChatModel, params, timeout=10, cassettes=tmp_path, record_mode="once"
        )
    offline = {**params, "api_key": CI_KEY}
    replayed = check_llm(
        EchoServiceChatModel, offline, timeout=10, cassettes=tmp_path, record_mode="none"
    )
    assert_same_verdicts(recorded, replayed)
    assert {"chat.tool_calls", "stop.bound"} <= set(by_id(replayed))
    assert all(str(r.outcome) in ("passed", "skipped") for r in replayed)
    text = cassette_text(tmp_path)
    assert SERVICE_KEY not in text
    assert "lcc-canary" not in text
