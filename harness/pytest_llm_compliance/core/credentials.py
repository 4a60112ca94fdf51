"""The one rule for names that carry a credential: fields, headers, parameters, variables.

A name (a model field, an HTTP header, a query parameter, an environment variable)
is split into words (on ``_``, ``-`` and ``.``, case ignored). It names a
credential when its last word is a credential word (``openai_api_key``,
``x-auth-token``, ``client_secret``) or it mentions a password, unless it is a
tokenizer's vocabulary (``eos_token``) or a key into data (``prompt_key``).
Known credential headers (``authorization``, ``cookie``) count whatever their words.

Where a name decides what is masked rather than what is checked (the user's
environment variables), ``anywhere=True`` takes a credential word in any
position (``OPENAI_API_KEY_PROD``): masking one value too many costs nothing.
"""

from __future__ import annotations

import re

CREDENTIAL_WORDS = frozenset(
    ("key", "apikey", "token", "secret", "signature", "sig", "credential", "credentials", "auth")
)
"""Words that, last in a name, make it a credential's (``api_key``, ``x-goog-api-key``)."""
PASSWORD = re.compile(r"passw(or)?d", re.IGNORECASE)
CREDENTIAL_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "ocp-apim-subscription-key",
        "cookie",
        "set-cookie",
    }
)
"""Headers that carry a credential although their last word is no credential word."""
TOKENIZER_VOCABULARY = frozenset(
    f"{kind}_token" for kind in ("eos", "bos", "pad", "stop", "unk", "sep", "cls", "mask")
)
LOOKUP_WORDS = frozenset(
    (
        "prompt", "cache", "input", "output", "response", "text", "content", "message",
        "result", "metadata", "completion", "context", "document", "query", "field",
        "column", "sort", "partition", "stop", "sequence", "json", "dict",
    )
)  # fmt: skip
"""Words of a ``*_key`` name that make it a key into data (``prompt_key``,
``prompt_cache_key``: the dict key a prompt is sent under), not a credential."""
ACCESS_WORDS = frozenset(("api", "secret", "access", "auth", "private", "session", "token"))
"""Words that keep a ``*_key`` with a data word a credential (``prompt_api_key``)."""


def words_of(name: str) -> list[str]:
    """``X-Goog-Api-Key`` -> ``["x", "goog", "api", "key"]``."""
    return [word for word in re.split(r"[-_.]+", name.lower()) if word]


def is_credential_name(name: str, *, anywhere: bool = False) -> bool:
    """True for a name that carries a credential (see the module's rule)."""
    lowered = name.lower()
    if lowered in CREDENTIAL_HEADERS or PASSWORD.search(lowered):
        return True
    words = words_of(lowered)
    if not words or "_".join(words) in TOKENIZER_VOCABULARY:
        return False
    named = CREDENTIAL_WORDS & set(words) if anywhere else {words[-1]} & CREDENTIAL_WORDS
    if not named:
        return False
    data_key = words[-1] == "key" and LOOKUP_WORDS & set(words)
    return not (data_key and not ACCESS_WORDS & set(words[:-1]))
