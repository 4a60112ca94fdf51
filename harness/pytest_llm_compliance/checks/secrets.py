"""``secrets.*``: credentials typed ``SecretStr``, and never shown anywhere."""

from __future__ import annotations

from pytest_llm_compliance.checks._api import check
from pytest_llm_compliance.core.outcomes import Verdict, fail, passed, skipped
from pytest_llm_compliance.observe.canary import Leak
from pytest_llm_compliance.observe.core import CALL_SURFACES, Observations
from pytest_llm_compliance.observe.introspect import is_secretstr, type_name

SECRETSTR_FIX = """
from langchain_core.utils import secret_from_env
from pydantic import Field, SecretStr

class MyLLM(LLM):
    api_key: SecretStr = Field(default_factory=secret_from_env("MY_PROVIDER_API_KEY"))
    \"\"\"The provider's API key.\"\"\"

    # use it only where the request is made:
    #   headers={"Authorization": f"Bearer {self.api_key.get_secret_value()}"}
"""
NO_LEAK_FIX = """
# Never put the raw key in _identifying_params, default params, log calls,
# URLs or exception messages:
@property
def _identifying_params(self) -> dict[str, Any]:
    return {"model_name": self.model_name}            # not self.api_key.get_secret_value()

# Send it in a header, not the URL (errors echo URLs), and do not log headers
# or quote a failed request's headers in the error you raise:
except httpx.TransportError as exc:
    raise MyProviderError(f"cannot reach {self.base_url}: {exc}") from None
"""
NO_CREDENTIALS = (
    "the class has no credential field",
    "a field is named like a credential (api_key, *_key, *_token, *_secret, *_auth, "
    "*password*, credentials: core.credentials) or listed in lc_secrets",
)


@check(
    "secrets.secretstr",
    needs="class",
    rule="every init field that carries a credential is typed `SecretStr` (optionally `| None`)",
    source='Secret API keys: "use SecretStr"',
    fix=SECRETSTR_FIX,
)
def secretstr(obs: Observations) -> Verdict:
    """A static look at the annotations of the credential fields."""
    facts = obs.facts
    if not facts.credential_fields:
        return skipped(*NO_CREDENTIALS)
    annotations = {name: facts.fields[name].annotation for name in facts.credential_fields}
    plain = [
        f"{name}: {type_name(annotation)}"
        for name, annotation in annotations.items()
        if not is_secretstr(annotation)
    ]
    if plain:
        raise fail(
            f"credential field(s) not typed SecretStr: {', '.join(plain)}",
            expected="SecretStr or SecretStr | None (a key provider Callable[[], str] beside it "
            "is fine)",
            observed="; ".join(plain),
            cause="a plain str is printed by repr(), str(), logs and tracers",
            method="",
        )
    return passed(f"{', '.join(facts.credential_fields)} typed SecretStr")


@check(
    "secrets.no_leak",
    uses=("canary",),
    rule=(
        "with a canary secret in each credential field, the raw value appears nowhere the "
        "model exposes: repr, str, dumps, params, callbacks, events, tracer runs, logs, errors "
        "(a failing call's too)"
    ),
    source='Secret API keys: "not printed"',
    fix=NO_LEAK_FIX,
)
def no_leak(obs: Observations) -> Verdict:
    """Surfaces are scanned for the raw canaries (whole, escaped or cut); the report masks them.

    Decisions (issue 19):

    - Canaries go only into the credential fields the user's instance has set
      (``Observations.canary``); a surface the harness could not look at (the
      canary call refused before any request, a canary instance that shares the
      user's SDK clients, no endpoint field for the failure probe) is named in
      the message, and when none of the canary call's surfaces was looked at the
      check is skipped, not passed.
    - One defect, one verdict: a plain-``str`` credential field is shown by
      pydantic's ``repr`` and dumps, and by LangChain's serialized model and
      invocation params, by its type alone; ``secrets.secretstr`` fails that
      field. Those leaks (the raw value shown as that field's own value on a
      surface that renders the fields) are left to it: when they are the only
      ones, this check is skipped with the reason; other leaks (in
      ``_identifying_params``, logs, printed output, error messages, or under
      another key) are reported. When ``_identifying_params`` shows the field,
      the class put the key there itself, and every leak of it is reported.
    - The likely cause is read from what leaked: a ``SecretStr`` read with
      ``get_secret_value()`` only when the field is one.
    """
    run = obs.canary
    if run is None:
        return skipped(*NO_CREDENTIALS)
    from pytest_llm_compliance.observe.canary import find_leaks

    facts = obs.facts
    names = {name: tuple(n for n in (name, facts.fields[name].alias) if n) for name in run.canaries}
    found = find_leaks(run.canaries, run.surfaces, obs.redact, obs.redact.longest, names)
    plain = {name for name in run.canaries if not is_secretstr(facts.fields[name].annotation)}
    put_in_params = {leak.field for leak in found if leak.surface == "_identifying_params"}
    by_type = [
        leak
        for leak in found
        if leak.field in plain
        and leak.field not in put_in_params
        and leak.field_rendered
        and leak.as_field_value
    ]
    leaks = [leak for leak in found if leak not in by_type]
    unseen = "; ".join(f"not looked at: {what} ({why})" for what, why in run.unobserved.items())
    if run.refused and not leaks and not by_type:
        unvalidated = any("without validation" in surface for surface in run.surfaces)
        return skipped(
            "no instance could be built with canary credentials, so its calls, callbacks and "
            f"logs were not looked at ({run.refused})"
            + (
                "; one built without validation showed no canary in repr, str or dumps"
                if unvalidated
                else ""
            ),
            "the class (or the factory's class) accepts a stand-in key at construction",
        )
    if leaks:
        raise fail(
            f"a credential leaked on {len(leaks)} surface(s)",
            expected="the key on no surface (SecretStr shows **********)",
            observed="; ".join(map(str, leaks)) + (f"; {unseen}" if unseen else ""),
            cause=_cause(leaks, plain),
            method="_identifying_params" if leaks[0].surface == "_identifying_params" else "",
        )
    if by_type:
        shown = sorted({leak.surface for leak in by_type})
        fields = sorted({leak.field for leak in by_type})
        return skipped(
            f"the raw key shows only as the value of the plain-str field(s) {', '.join(fields)} "
            f"on {', '.join(shown)}, which its type alone causes: secrets.secretstr reports it "
            "(one defect, one verdict)" + (f"; {unseen}" if unseen else ""),
            "credential fields typed SecretStr",
        )
    looked = [name for name, text in run.surfaces.items() if text.strip()]
    empty = [name for name, text in run.surfaces.items() if not text.strip()]
    if not looked:
        return skipped(
            "every surface came back empty, so there was nothing to look for the canaries in",
            "the model renders, dumps or is called with the canary keys",
        )
    if CALL_SURFACES in run.unobserved:
        return skipped(
            f"no canary on {', '.join(looked)}, but {CALL_SURFACES} were not looked at: "
            f"{run.unobserved[CALL_SURFACES]}",
            "an instance of the class, built with a canary in its credential fields, calls "
            "where the model calls",
        )
    call = run.call
    how = f"; the canary call {'hung' if call.hung else 'raised'}" if call and not call.ok else ""
    note = f"; empty, nothing to look at: {', '.join(empty)}" if empty else ""
    left = f"; left as the model has them (None): {', '.join(run.left)}" if run.left else ""
    return passed(
        f"canaries in {', '.join(run.canaries)} found on none of {', '.join(looked)}{how}"
        f"{left}{note}" + (f"; {unseen}" if unseen else "")
    )


def _cause(leaks: list[Leak], plain: set[str]) -> str:
    """The likely cause, from where the key was seen and the field's type."""
    surfaces = {leak.surface for leak in leaks}
    causes = []
    if "_identifying_params" in surfaces:
        causes.append("_identifying_params returns the raw key (str(model) and callbacks show it)")
    if surfaces & {"log records", "construction log records", "log records of a failing call"}:
        causes.append("a log call writes the raw key")
    if any(
        surface.startswith("exception") or surface == "constructor error" for surface in surfaces
    ):
        causes.append("an error message quotes the raw key (a request's headers or URL)")
    if surfaces & {"stdout and stderr", "construction output", "output of the model's own threads"}:
        causes.append("the model prints the raw key")
    if not causes:
        causes.append("the raw key is put where it is shown")
    secret = sorted({leak.field for leak in leaks} - plain)
    if secret:
        causes.append(f"{', '.join(secret)} is a SecretStr read with get_secret_value() there")
    return "; ".join(causes)
