"""``secrets.*``: credentials typed ``SecretStr``, and never shown anywhere."""

from __future__ import annotations

from harness.introspect import is_secretstr, type_name
from harness.observe import Observations
from harness.outcomes import Verdict, fail, passed, skipped
from harness.registry import check

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

# Send it in a header, not the URL (errors echo URLs), and do not log headers.
"""
NO_CREDENTIALS = (
    "the class has no credential field",
    "a field is named like a credential (api_key, *_key, *_token, *_secret, "
    "*password*, credentials) or listed in lc_secrets",
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
        "model exposes: repr, str, dumps, params, callbacks, events, tracer runs, logs, errors"
    ),
    source='Secret API keys: "not printed"',
    fix=NO_LEAK_FIX,
)
def no_leak(obs: Observations) -> Verdict:
    """Surfaces are scanned for the raw canaries; the report masks them."""
    run = obs.canary
    if run is None:
        return skipped(*NO_CREDENTIALS)
    from harness.canary import find_leaks

    leaks = find_leaks(run.canaries, run.surfaces, obs.redact, obs.redact.longest)
    if run.refused and not leaks:
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
            observed="; ".join(leaks),
            cause="the raw key is read with get_secret_value() where it is shown, "
            "logged, or put in params, a URL or an error",
            method="_identifying_params" if "_identifying_params" in leaks[0] else "",
        )
    looked = [name for name, text in run.surfaces.items() if text.strip()]
    empty = [name for name, text in run.surfaces.items() if not text.strip()]
    if not looked:
        return skipped(
            "every surface came back empty, so there was nothing to look for the canaries in",
            "the model renders, dumps or is called with the canary keys",
        )
    call = run.call
    how = f"; the canary call {'hung' if call.hung else 'raised'}" if call and not call.ok else ""
    note = f"; empty, nothing to look at: {', '.join(empty)}" if empty else ""
    return passed(
        f"canaries in {', '.join(run.canaries)} found on none of {', '.join(looked)}{how}{note}"
    )
