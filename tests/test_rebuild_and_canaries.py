"""Issue 19, 4.1/4.2/4.6 and part 2: rebuilt instances call where the user's does, canaries
fill only the credentials in use, a key that leaks only on failure is caught, and a plain-str
key field is one defect with one verdict.

The models are built like the patterns found on published classes (each docstring cites
it), on the reference echo service (``reference_llm.server``) on 127.0.0.1.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from pydantic import Field, SecretStr, model_validator
from pytest_llm_compliance import check_llm
from pytest_llm_compliance.core.outcomes import Outcome
from pytest_llm_compliance.core.targets import GoesElsewhere, load_target
from pytest_llm_compliance.observe.canary import canary_pattern, find_leaks
from pytest_llm_compliance.observe.destinations import destinations
from pytest_llm_compliance.observe.host_guard import POLICY as HOST_POLICY
from pytest_llm_compliance.observe.host_guard import Guard, HostRefused, Recording
from pytest_llm_compliance.observe.host_guard import install as install_host_guard

from reference_llm import EchoServiceLLM
from reference_llm.server import COMPLETIONS
from reference_llm.service_http import client_options, raise_for_status
from tests.conftest import SERVICE_KEY

LOG = logging.getLogger("tests.aws_style")


# --- 4.2: alternative credential groups ---------------------------------------------------


class KeyOrSignedRequests(EchoServiceLLM):
    """An AWS-style class: an API key, or an access key pair with a session token; not both.

    Built like botocore-backed classes (langchain-community's Bedrock family): with the
    access key pair the request is signed (``X-Amz-Security-Token`` carries the session
    token) and botocore's DEBUG log prints the prepared request with its headers
    (botocore/endpoint.py, ``logger.debug("Sending http request: %s", request)``). Given
    both groups at once it refuses the call. The echo service plays the vendor: it takes
    the secret access key as its bearer key.
    """

    api_key: SecretStr | None = None  # type: ignore[assignment]
    """An API key (the other auth path)."""
    aws_access_key_id: str | None = None
    """The access key id (an id, not a secret, by the checklist's rule)."""
    aws_secret_access_key: SecretStr | None = None
    """The secret access key."""
    aws_session_token: SecretStr | None = None
    """The session token of temporary credentials."""

    def _client_options(self) -> dict[str, Any]:
        if self.api_key is not None and self.aws_secret_access_key is not None:
            raise ValueError("give an API key or an access key pair, not both")
        if self.aws_secret_access_key is None:
            assert self.api_key is not None
            return client_options(self.base_url, self.timeout, self.api_key, self._ssl_context)
        options = client_options(
            self.base_url, self.timeout, self.aws_secret_access_key, self._ssl_context
        )
        if self.aws_session_token is not None:
            token = self.aws_session_token.get_secret_value()
            options["headers"]["X-Amz-Security-Token"] = token
        LOG.debug("Sending http request: POST %s headers=%s", self.base_url, options["headers"])
        return options


def test_canaries_go_only_into_the_credentials_in_use_so_the_signed_path_is_observed(echo_server):
    params = {
        "n": 64,
        "base_url": echo_server.url,
        "aws_access_key_id": "AKIAEXAMPLE",
        "aws_secret_access_key": SERVICE_KEY,
        "aws_session_token": "session-token-7d1e",
    }
    record = _one(KeyOrSignedRequests, params, "secrets.no_leak")
    assert record.outcome is Outcome.FAILED, record.message
    assert "log records shows aws_session_token" in record.message
    assert "left as the model has them" not in record.message  # failed: no pass note
    assert "a log call writes the raw key" in record.message


def test_the_other_credential_group_is_left_as_the_user_has_it(echo_server):
    """With the API key only, the access key fields stay None and the call goes through."""
    params = {"n": 64, "base_url": echo_server.url, "api_key": SERVICE_KEY}
    record = _one(KeyOrSignedRequests, params, "secrets.no_leak")
    assert record.outcome is Outcome.PASSED, record.message
    assert "canaries in api_key found on none" in record.message
    assert "aws_secret_access_key, aws_session_token" in record.message  # named as left


class RefusesAStrangeKey(EchoServiceLLM):
    """A class that checks the key's shape before calling (as SDKs checking a prefix do)."""

    def _client_options(self) -> dict[str, Any]:
        if not self.api_key.get_secret_value().startswith("sk-"):
            raise ValueError("an API key starts with sk-")
        return super()._client_options()


def test_a_canary_call_refused_before_any_request_is_not_a_pass(echo_server):
    params = {"n": 64, "base_url": echo_server.url, "api_key": SERVICE_KEY}
    record = _one(RefusesAStrangeKey, params, "secrets.no_leak")
    assert record.outcome is Outcome.SKIPPED, record.message
    assert "raised before any request was made" in record.message
    assert "were not looked at" in record.message


# --- 4.6: a key that leaks only on failure ----------------------------------------------


class HeadersInItsErrors(EchoServiceLLM):
    """A class whose transport errors quote the failed request, headers included.

    The pattern: an error built from the HTTP library's request object, as aiohttp's
    ``ClientResponseError.__repr__`` shows ``request_info`` with the request's headers
    (aiohttp/client_exceptions.py:112-113) and as httpx's ``TransportError.request``
    carries them (Authorization included). It leaks the key only when a call fails.
    """

    def _call(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> str:
        try:
            with httpx.Client(**self._client_options()) as client:
                response = client.post(COMPLETIONS, json=self._payload(prompt, stop, False))
                raise_for_status(response, response.read())
                return str(response.json()["text"])
        except httpx.TransportError as exc:
            headers = dict(exc.request.headers)
            raise RuntimeError(
                f"POST {exc.request.url} failed ({exc}); headers: {headers}"
            ) from None


def test_a_key_in_the_error_of_a_failing_call_is_caught(echo_server):
    params = {"n": 64, "base_url": echo_server.url, "api_key": SERVICE_KEY}
    records = {r.id: r for r in check_llm(HeadersInItsErrors, params, select_ids=["secrets"])}
    record = records["secrets.no_leak"]
    assert record.outcome is Outcome.FAILED, record.message
    assert "exception of a failing call shows api_key" in record.message
    assert "<raw api_key>" in record.message
    assert "an error message quotes the raw key" in record.message
    assert record.model_calls <= 3  # the canary call (astream_events) and one probe


def test_the_probe_is_one_call_to_a_closed_loopback_port_and_the_reference_passes(echo_server):
    params = {"n": 64, "base_url": echo_server.url, "api_key": SERVICE_KEY}
    record = _one(EchoServiceLLM, params, "secrets.no_leak")
    assert record.outcome is Outcome.PASSED, record.message
    assert "exception of a failing call" in record.message  # looked at
    assert "not looked at" not in record.message


def test_without_an_endpoint_field_the_probe_is_named_as_not_made():
    from tests.gallery import BROKEN

    model = next(m for m in BROKEN if m.__name__ == "KeyInIdentifyingParams")
    record = _one(model, {"n": 64}, "secrets.no_leak")
    assert "not looked at: the error and logs of a failing call" in record.message
    assert "no URL/endpoint field" in record.message


# --- 4.1: a rebuilt instance calls where the user's instance calls -------------------------


class Connection:
    """A connection object the harness cannot read an address from (no ``base_url``)."""

    def __init__(self, where: str) -> None:
        self.where_to = where


class OnAGivenConnection(EchoServiceLLM):
    """A class that takes a ready-made connection (``exclude=True``), else makes its default.

    As langchain-openai's ``client``/``root_client`` (langchain_openai/chat_models/base.py:
    797-803, 1504-1545): a rebuilt instance that loses the connection calls the vendor's
    default host. Here the default host is a second local listener.
    """

    connection: Any = Field(default=None, exclude=True)
    """The connection to use; a new one to the default host if not given."""

    @model_validator(mode="after")
    def _default_connection(self) -> OnAGivenConnection:
        if self.connection is None:
            self.connection = Connection(DEFAULT_HOST[0])
        return self

    def _client_options(self) -> dict[str, Any]:
        return {**super()._client_options(), "base_url": self.connection.where_to}


DEFAULT_HOST = [""]


@pytest.fixture
def default_host() -> Iterator[socket.socket]:
    """A listener standing for the vendor's default host: nothing may connect to it."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(0.2)
        DEFAULT_HOST[0] = f"http://127.0.0.1:{listener.getsockname()[1]}"
        yield listener
        DEFAULT_HOST[0] = ""


def _nobody_connected(listener: socket.socket) -> bool:
    try:
        connection, _ = listener.accept()
    except TimeoutError:
        return True
    connection.close()
    return False


def test_no_rebuilt_instance_calls_a_host_the_users_instance_does_not_call(
    echo_server, default_host
):
    def factory() -> OnAGivenConnection:
        return OnAGivenConnection(
            n=64,
            api_key=SERVICE_KEY,
            base_url=echo_server.url,
            connection=Connection(echo_server.url),
        )

    records = {r.id: r for r in check_llm(factory, select_ids=["secrets", "methods.invoke"])}
    assert records["methods.invoke"].outcome is Outcome.PASSED, records["methods.invoke"].message
    record = records["secrets.no_leak"]
    assert record.outcome is Outcome.SKIPPED, record.message
    assert f"tried to call 127.0.0.1:{default_host.getsockname()[1]}" in record.message
    assert _nobody_connected(default_host)


class OnAGivenConnectionWithAStop(OnAGivenConnection):
    """The same, with a stop init field honoured on every call."""

    stop: list[str] | None = None
    """Stop sequences for every call; a call's own replace them."""

    def _payload(self, prompt: str, stop: list[str] | None, stream: bool) -> dict[str, Any]:
        return super()._payload(prompt, stop if stop is not None else self.stop, stream)


def test_stop_bound_does_not_call_the_default_host_of_a_rebuilt_instance(echo_server, default_host):
    def factory() -> OnAGivenConnectionWithAStop:
        return OnAGivenConnectionWithAStop(
            n=64,
            api_key=SERVICE_KEY,
            base_url=echo_server.url,
            connection=Connection(echo_server.url),
        )

    record = _one(factory, {}, "stop.bound")
    assert record.outcome is Outcome.SKIPPED, record.message
    assert "where the model does not call; the harness refused it" in record.message
    assert _nobody_connected(default_host)
    on_its_host = _one(
        OnAGivenConnectionWithAStop,
        {
            "n": 64,
            "api_key": SERVICE_KEY,
            "base_url": echo_server.url,
            "connection": Connection(echo_server.url),
        },
        "stop.bound",
    )
    assert on_its_host.outcome is Outcome.PASSED, on_its_host.message  # a class target: params


def test_exclude_fields_are_carried_over_by_value_when_the_plain_rebuild_goes_elsewhere(
    echo_server,
):
    import openai
    from langchain_openai import ChatOpenAI

    sync = openai.OpenAI(api_key=SERVICE_KEY, base_url=f"{echo_server.url}/v1", max_retries=0)
    user = ChatOpenAI(
        model="m", api_key=SERVICE_KEY, client=sync.chat.completions, root_client=sync
    )
    target = load_target(lambda: user)
    rebuilt = target.rebuild(user, {"stop": ["x"]})
    assert rebuilt.instance.root_client is sync  # type: ignore[attr-defined]
    assert set(rebuilt.reused) >= {"client", "root_client"}
    assert destinations(rebuilt.instance) <= destinations(user)
    with pytest.raises(GoesElsewhere, match=r"https://api\.openai\.com:443"):
        target.rebuild(user, {}, goes_to=frozenset({"http://127.0.0.1:9"}))


def test_a_plain_rebuild_that_goes_where_the_user_goes_shares_nothing(echo_server):
    from langchain_openai import ChatOpenAI

    user = ChatOpenAI(model="m", api_key=SERVICE_KEY, base_url=f"{echo_server.url}/v1")
    rebuilt = load_target(lambda: user).rebuild(user, {"api_key": "other-key-123456"})
    assert rebuilt.reused == ()
    assert rebuilt.instance.root_client is not user.root_client  # type: ignore[attr-defined]
    assert destinations(user) == {f"http://127.0.0.1:{echo_server.server_port}"}


def test_the_guard_refuses_other_addresses_and_records_the_users():
    install_host_guard()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(2)
        port = listener.getsockname()[1]
        recording = Recording()
        token = HOST_POLICY.set(recording)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        finally:
            HOST_POLICY.reset(token)
        seen = recording.snapshot()
        assert seen == {("127.0.0.1", port)}
        guard = Guard(frozenset(), frozenset({"http://localhost:1"}))
        token = HOST_POLICY.set(guard)
        try:
            with pytest.raises(HostRefused):
                socket.create_connection(("127.0.0.1", port), timeout=2)
            allowed = Guard(frozenset(seen), frozenset())
            HOST_POLICY.set(allowed)
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        finally:
            HOST_POLICY.reset(token)
        assert guard.refused == [f"127.0.0.1:{port}"]
        assert allowed.connected == [f"127.0.0.1:{port}"]


# --- part 2: the evidence, the cause, one defect one verdict --------------------------------


class PlainStrKey(EchoServiceLLM):
    """A class whose key field is a plain ``str`` (as MosaicML's, DeepInfra's...)."""

    api_key: str  # type: ignore[assignment]

    def _client_options(self) -> dict[str, Any]:
        return client_options(
            self.base_url, self.timeout, SecretStr(self.api_key), self._ssl_context
        )


class PlainStrKeyLogged(PlainStrKey):
    """The same, and it logs the key on each request."""

    def _client_options(self) -> dict[str, Any]:
        LOG.info("calling with key %s", self.api_key)
        return super()._client_options()


def test_a_plain_str_key_is_one_defect_reported_by_secretstr(echo_server):
    params = {"n": 64, "base_url": echo_server.url, "api_key": SERVICE_KEY}
    records = {r.id: r for r in check_llm(PlainStrKey, params, select_ids=["secrets"])}
    assert records["secrets.secretstr"].outcome is Outcome.FAILED
    record = records["secrets.no_leak"]
    assert record.outcome is Outcome.SKIPPED, record.message
    assert "secrets.secretstr reports it (one defect, one verdict)" in record.message
    assert "get_secret_value" not in record.message


def test_a_plain_str_key_that_is_also_logged_fails_on_the_log_only(echo_server):
    params = {"n": 64, "base_url": echo_server.url, "api_key": SERVICE_KEY}
    record = _one(PlainStrKeyLogged, params, "secrets.no_leak")
    assert record.outcome is Outcome.FAILED, record.message
    assert "log records shows api_key: ...style: calling with key <raw api_key>" in record.message
    assert "repr shows" not in record.message  # secrets.secretstr's
    assert "a log call writes the raw key" in record.message
    assert "get_secret_value" not in record.message


def test_a_canary_cut_or_escaped_is_found_and_attributed_to_its_field():
    canaries = {
        "api_key": "lcc-canary-api_key-0123456789abcdef",
        "secret_key": "lcc-canary-secret_key-fedcba9876543210",
    }
    surfaces = {
        "cut": "Bearer lcc-canary-api_key-01234...",
        "end": "key ending 3456789abcdef",
        "prefix of another": "lcc-canary-secret_ (nothing random)",
        "keyed": "{'api_key': 'lcc-canary-api_key-0123456789abcdef'}",
    }
    leaks = find_leaks(canaries, surfaces, names={"api_key": ("api_key",)})
    assert [(leak.surface, leak.field) for leak in leaks] == [
        ("cut", "api_key"),
        ("end", "api_key"),
        ("keyed", "api_key"),
    ]
    assert leaks[-1].as_field_value
    assert not leaks[0].as_field_value
    assert canary_pattern(canaries["api_key"]).search("lcc-canary-api_key-") is None


def _one(model: Any, params: dict[str, Any], check_id: str) -> Any:
    records = check_llm(model, params, select_ids=[check_id])
    return next(r for r in records if r.id == check_id)


def test_a_shared_object_counts_only_when_it_holds_the_users_key():
    from pytest_llm_compliance.core.targets import holds_secret

    with httpx.Client(headers={"Authorization": f"Bearer {SERVICE_KEY}"}) as client:
        assert holds_secret(client, {SERVICE_KEY})
    with httpx.Client(base_url="http://127.0.0.1:9") as client:
        assert not holds_secret(client, {SERVICE_KEY})
    assert holds_secret({"nested": [SecretStr(f"x{SERVICE_KEY}")]}, {SERVICE_KEY})
    assert not holds_secret(Connection("http://127.0.0.1:9"), {SERVICE_KEY})
