"""Record and replay a target's HTTP traffic with vcrpy, one cassette per call.

A cassette is ``<folder>/<target>/<call label>.yaml``, stamped with the harness and
check-catalog versions. Record modes are pytest-recording's: ``none`` replays only
(no socket is opened), ``once`` records a call whose cassette does not exist yet and
replays the others, ``all`` records every call again. A request a cassette does not
hold, or a stale cassette, never goes to the network: the call fails and the checks
that use it say to re-record. Secrets are scrubbed before anything is written
(``transport.scrub``), and what would be written is scanned: a hit is an error
and nothing is written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vcr import VCR  # type: ignore[import-untyped]
from vcr.cassette import Cassette, CassetteContextDecorator  # type: ignore[import-untyped]
from vcr.persisters.filesystem import CassetteNotFoundError  # type: ignore[import-untyped]
from vcr.serialize import CASSETTE_FORMAT_VERSION, deserialize  # type: ignore[import-untyped]
from vcr.serializers import yamlserializer  # type: ignore[import-untyped]
from vcr.serializers.compat import convert_to_unicode  # type: ignore[import-untyped]

from pytest_llm_compliance import __version__
from pytest_llm_compliance.core.credentials import is_credential_name
from pytest_llm_compliance.core.outcomes import ENVIRONMENT, HARNESS, Outcome
from pytest_llm_compliance.core.redact import Redactor
from pytest_llm_compliance.scan.no_network import no_network
from pytest_llm_compliance.transport import Problem, Transport
from pytest_llm_compliance.transport.chunks import played_as_events
from pytest_llm_compliance.transport.scrub import Scrubber, secrets_in

STAMP_KEY = "llm_compliance"
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body", "credentials")
RERECORD = (
    "re-record it where the service and its key are at hand: `--record-mode once` records "
    "missing cassettes, `--record-mode all` records every call again"
)


def catalog_version() -> str:
    """A short digest of the check ids and their rules: it changes when a check does."""
    from pytest_llm_compliance.core.registry import catalog_info

    rules = sorted((info.id, info.rule) for info in catalog_info().values())
    return hashlib.sha256(json.dumps(rules).encode()).hexdigest()[:12]


def stamp() -> dict[str, str]:
    """What a cassette is stamped with."""
    return {"harness_version": __version__, "catalog_version": catalog_version()}


def slug(text: str) -> str:
    """A file name for a target or call label."""
    return re.sub(r"[^\w.-]+", "-", text).strip("-") or "call"


def credentials(r1: Any, r2: Any) -> None:
    """Match (a vcrpy matcher) when the credential fingerprints of both requests are the same."""
    first, second = _fingerprints(r1), _fingerprints(r2)
    if first != second:
        raise AssertionError(f"credentials {first} != {second}")


def _fingerprints(request: Any) -> list[tuple[str, str]]:
    return sorted((k.lower(), str(v)) for k, v in request.headers.items() if is_credential_name(k))


class _Cassette(Cassette):  # type: ignore[misc]
    """A vcrpy cassette that notes each request it could not replay."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.misses: list[str] = []

    def can_play_response_for(self, request: Any) -> bool:
        playable = bool(super().can_play_response_for(request))
        if not playable and self.write_protected:
            scrubbed = self._before_record_request(request)
            if scrubbed is not None:
                self.misses.append(f"{scrubbed.method} {scrubbed.uri}")
        return playable


class StampedPersister:
    """vcrpy's file persister, with the stamp, a scan before each write, atomic writes."""

    def __init__(self, redact: Redactor, *, load: bool) -> None:
        self.redact, self.load = redact, load
        self.leaked: list[str] = []
        self.written = False

    def load_cassette(self, cassette_path: str, serializer: Any) -> tuple[list[Any], list[Any]]:
        """The cassette's requests and responses (vcrpy's format; stamp checked before)."""
        path = Path(cassette_path)
        if not self.load or not path.is_file():
            raise CassetteNotFoundError()
        result: tuple[list[Any], list[Any]] = deserialize(
            path.read_text(encoding="utf-8"), serializer
        )
        return result

    def save_cassette(self, cassette_path: str, cassette_dict: Any, serializer: Any) -> None:
        """Write the stamped cassette, unless the scan finds a secret in it."""
        interactions = [
            {
                "request": convert_to_unicode(request._to_dict()),
                "response": convert_to_unicode(response),
            }
            for request, response in zip(
                cassette_dict["requests"], cassette_dict["responses"], strict=True
            )
        ]
        data = {
            STAMP_KEY: stamp(),
            "version": CASSETTE_FORMAT_VERSION,
            "interactions": interactions,
        }
        text = serializer.serialize(data)
        self.leaked = secrets_in(text, data, self.redact)
        path = Path(cassette_path)
        if self.leaked:  # never on disk: an older cassette of this call goes too
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
        self.written = True


def staleness(path: Path) -> str | None:
    """Why a cassette on disk cannot be replayed (None: it can, or there is none)."""
    if not path.is_file():
        return None
    try:
        data = yamlserializer.deserialize(path.read_text(encoding="utf-8"))
    except Exception as exc:  # any parse error: unreadable
        return f"it cannot be read ({type(exc).__name__})"
    recorded = data.get(STAMP_KEY) if isinstance(data, dict) else None
    if not isinstance(recorded, dict):
        return "it carries no pytest-llm-compliance stamp"
    now = stamp()
    if recorded != now:
        return (
            f"it was recorded by harness {recorded.get('harness_version')} with check "
            f"catalog {recorded.get('catalog_version')}; this is harness "
            f"{now['harness_version']} with check catalog {now['catalog_version']}"
        )
    return None


class CassetteTransport(Transport):
    """Every call of one target through its own cassette, one at a time."""

    replaying = True

    def __init__(self, target_label: str, folder: str, mode: str, redact: Redactor) -> None:
        super().__init__()
        self.folder = Path(folder) / slug(target_label)
        self.mode = mode
        self.redact = redact
        self.scrub = Scrubber(redact)
        self.vcr = VCR(decode_compressed_response=True)
        self.vcr.register_matcher("credentials", credentials)

    def path(self, label: str) -> Path:
        """The cassette of one call."""
        return self.folder / f"{slug(label)}.yaml"

    @contextlib.contextmanager
    def cassette(self, label: str) -> Iterator[None]:
        """Record or replay one call; a miss, a stale cassette or a leak is a problem."""
        path = self.path(label)
        stale = staleness(path) if self.mode != "all" else None
        exists = path.is_file()
        mode = "none" if stale or (self.mode == "once" and exists) else self.mode
        persister = StampedPersister(self.redact, load=not stale and self.mode != "all")
        config = self.vcr.get_merged_config(
            path=str(path),
            record_mode=mode,
            match_on=MATCH_ON,
            before_record_request=self.scrub.request,
            before_record_response=self.scrub.response,
            drop_unused_requests=self.mode == "all",
        )
        config["persister"] = persister
        used = CassetteContextDecorator.from_args(_Cassette, **config)
        guard = no_network() if mode == "none" else contextlib.nullcontext()
        with guard, used as cassette, played_as_events():
            yield
        if mode != "none" and not persister.written and not persister.leaked:
            persister.save_cassette(str(path), {"requests": [], "responses": []}, yamlserializer)
        self._judge(label, path, stale, cassette.misses, persister.leaked)

    def _judge(
        self, label: str, path: Path, stale: str | None, misses: list[str], leaked: list[str]
    ) -> None:
        if leaked:
            self.problems[label] = Problem(
                Outcome.ERROR,
                f"the cassette {path} of {label} would have held {' and '.join(leaked)} after "
                "scrubbing, so it was not written: report this at "
                "https://github.com/pytest-llm-compliance/pytest-llm-compliance/issues",
                HARNESS,
            )
        elif stale:
            self.problems[label] = Problem(
                Outcome.ERROR,
                f"could not check: stale cassette {path} for {label}: {stale}; it was not "
                f"replayed and no live call was made; {RERECORD}",
                ENVIRONMENT,
            )
        elif misses:
            state = (
                "has no recorded interaction"
                if path.is_file()
                else "does not exist, so it has no interaction"
            )
            self.problems[label] = Problem(
                Outcome.ERROR,
                f"could not check: replay (record mode {self.mode}): the cassette {path} "
                f"{state} for {self.redact(misses[0])} made by {label}"
                f"{f' (and {len(misses) - 1} more)' if len(misses) > 1 else ''}; this is not "
                f"a verdict on the model; {RERECORD}",
                ENVIRONMENT,
            )
