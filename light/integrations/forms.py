"""Checks on what an owner pastes, before anything is sent to Stripe. Pure: no Flask, no DB."""
import re

KEY_FORM = re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9_]+$")
SIGNING_SECRET_FORM = re.compile(r"^whsec_[A-Za-z0-9+/=_]+$")
MAX_LENGTH = 255  # Stripe's keys and signing secrets are well under this


def clean_secret_key(raw: str | None) -> tuple[str, str | None]:
    """(the key without stray whitespace, a message if it cannot be a usable secret key)."""
    key = (raw or "").strip()
    if not key:
        return key, "Paste your Stripe secret key."
    if key.startswith("pk_"):
        return key, ("That is a publishable key (pk_…), which can't collect payments. Paste the secret "
                     "key (sk_test_… or sk_live_…) or a restricted key (rk_…) from Stripe's "
                     "Developers > API keys.")
    if key.startswith("whsec_"):
        return key, "That is a webhook signing secret. Paste the secret key (sk_… or rk_…) here."
    if len(key) > MAX_LENGTH:
        return key, f"A Stripe secret key is at most {MAX_LENGTH} characters: copy it again from Stripe."
    if not KEY_FORM.match(key):
        return key, "A Stripe secret key starts with sk_test_, sk_live_, rk_test_ or rk_live_."
    return key, None


def is_restricted(key: str) -> bool:
    return key.startswith("rk_")


def is_live(key: str) -> bool:
    return key.startswith(("sk_live_", "rk_live_"))


def clean_signing_secret(raw: str | None) -> tuple[str, str | None]:
    secret = (raw or "").strip()
    if not secret:
        return secret, "Paste the endpoint's signing secret."
    if len(secret) > MAX_LENGTH:
        return secret, f"A signing secret is at most {MAX_LENGTH} characters: copy it again from Stripe."
    if not SIGNING_SECRET_FORM.match(secret):
        return secret, ("A signing secret starts with whsec_. In Stripe, open the endpoint under "
                        "Developers > Webhooks and reveal its signing secret.")
    return secret, None
