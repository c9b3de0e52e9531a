"""Use cases for accounts and teams: plain values in, commit, domain errors out."""

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from light.auth import throttle
from light.auth.forms import check_password_strength, clean_email, clean_name
from light.auth.models import Organization, User
from light.auth.throttle import TooManyAttempts  # noqa: F401 - what log_in raises
from light.errors import InvalidInput
from light.extensions import db

INVITATION_DAYS = 7


def sign_up(*, organization_name: str, name: str, email: str, password: str) -> User:
    errors: dict = {}
    organization_name = clean_name(organization_name, errors, "organization", "your company's name")
    name = clean_name(name, errors, "name", "your name")
    email = clean_email(email, errors)
    check_password_strength(password, errors, email)
    if "email" not in errors and User.query.filter_by(email=email).first():
        errors["email"] = "An account with this e-mail already exists. Log in instead."
    if errors:
        raise InvalidInput(errors)
    organization = Organization(name=organization_name)
    user = User(email=email, name=name, role="owner", organization=organization)
    user.set_password(password)
    db.session.add_all([organization, user])
    db.session.commit()
    return user


def log_in(*, email: str, password: str, client: str | None = None) -> User | None:
    """Returns the user, or None for any wrong e-mail/password pair (the caller can't tell which).
    Raises TooManyAttempts before checking anything once the e-mail or the client has guessed
    too often."""
    email = (email or "").strip().lower()[:254]
    config = current_app.config
    window = config["LOGIN_LOCK_SECONDS"]
    client_key = f"client:{client}"[:300] if client else None
    if client_key:
        throttle.claim_attempt(client_key, limit=config["LOGIN_MAX_FAILURES_PER_CLIENT"], window_seconds=window)
    if email:
        throttle.claim_attempt(f"email:{email}", limit=config["LOGIN_MAX_FAILURES"], window_seconds=window)
    user = User.query.filter_by(email=email).first() if email else None
    # Hash even when there is no such user, so the response time doesn't reveal it either.
    ok = user.check_password(password or "") if user else _burn_hash(password)
    if ok and user.is_active:
        throttle.forget(f"email:{email}")
        if client_key:
            throttle.uncount(client_key)
        return user
    return None


_DUMMY_HASHES: dict[str, str] = {}  # one per hash method, so a miss costs what a real check costs


def _burn_hash(password: str | None) -> bool:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not-a-real-password", method=method)
    check_password_hash(_DUMMY_HASHES[method], password or "")
    return False
