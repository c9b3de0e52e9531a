"""Secrets at rest: an encrypted column type, and the one helper that masks a secret for display."""
import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


class EncryptionKeyMissing(RuntimeError):
    pass


def load_fernet(config: dict, instance_path: str) -> MultiFernet:
    """LIGHT_ENCRYPTION_KEY may list several comma-separated keys: the first encrypts, all decrypt,
    so a key can be rotated without losing what the old one wrote."""
    raw = config.get("LIGHT_ENCRYPTION_KEY")
    if not raw:
        if config.get("LIGHT_ENV") == "production":
            raise EncryptionKeyMissing(
                "LIGHT_ENCRYPTION_KEY is not set. Generate one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
            )
        raw = _development_key(instance_path)
    return MultiFernet([Fernet(k.strip().encode()) for k in raw.split(",") if k.strip()])


def _development_key(instance_path: str) -> str:
    # A self-hoster trying Light locally gets a key kept beside the SQLite database.
    path = os.path.join(instance_path, "encryption.key")
    if os.path.exists(path):
        with open(path) as fh:
            return fh.read().strip()
    os.makedirs(instance_path, exist_ok=True)
    key = Fernet.generate_key().decode()
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
        fh.write(key)
    return key


def derive_key(seed: str) -> str:
    """A deterministic Fernet key from a seed, for tests and benchmarks."""
    return base64.urlsafe_b64encode(hashlib.sha256(seed.encode()).digest()).decode()


class EncryptedText(TypeDecorator):
    """Stores Fernet ciphertext; Python code only ever sees the plain value."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return current_app.extensions["light_fernet"].encrypt(value.encode()).decode()

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        try:
            return current_app.extensions["light_fernet"].decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise EncryptionKeyMissing(
                "A stored secret cannot be decrypted: LIGHT_ENCRYPTION_KEY has changed."
            ) from exc


def mask_secret(secret: str | None) -> str:
    """`sk_test_51Hx…4242` -> `sk_test_…4242`: enough to recognise a key, never enough to use it."""
    if not secret:
        return ""
    prefix = ""
    for candidate in ("sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_", "whsec_", "sk_", "rk_"):
        if secret.startswith(candidate):
            prefix = candidate
            break
    tail = secret[-4:] if len(secret) - len(prefix) > 8 else ""
    return f"{prefix}…{tail}"
