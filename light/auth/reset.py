"""Forgotten passwords: a one-time link, e-mailed, that lets its holder choose a new password.

The link carries a signed token (itsdangerous, keyed with SECRET_KEY) naming the user and a
fingerprint of their current password hash. Setting a password changes the hash, so a link works
once, and every older link stops working too; it also expires after PASSWORD_RESET_SECONDS. Nothing
about it is stored, so there is no table of live tokens to steal.
"""
import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from light.auth import throttle
from light.auth.forms import check_password_strength, clean_email
from light.auth.models import User
from light.errors import InvalidInput
from light.extensions import db
from light.plumbing import mail
from light.urls import external_url

_SALT = "light-password-reset"
REQUESTS_PER_EMAIL = 3  # within PASSWORD_RESET_SECONDS: nobody floods an inbox with reset mails
REQUESTS_PER_CLIENT = 20


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def make_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "p": _fingerprint(user)})


def user_for(token: str) -> User | None:
    """The user a still-valid link is for, or None (expired, used, tampered with, or removed)."""
    try:
        data = _serializer().loads(token or "", max_age=current_app.config["PASSWORD_RESET_SECONDS"])
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.is_active or data.get("p") != _fingerprint(user):
        return None
    return user


def request_link(email: str, *, client: str | None = None) -> None:
    """E-mail a link when the address is an account's. Says nothing either way, so the form can't
    be used to find out who has an account; throttled per e-mail and per client, silently."""
    errors: dict = {}
    email = clean_email(email, errors)
    if errors:
        raise InvalidInput(errors)
    window = current_app.config["PASSWORD_RESET_SECONDS"]
    try:
        if client:
            throttle.claim_attempt(f"reset-client:{client}"[:300], limit=REQUESTS_PER_CLIENT, window_seconds=window)
        throttle.claim_attempt(f"reset:{email}", limit=REQUESTS_PER_EMAIL, window_seconds=window)
    except throttle.TooManyAttempts:
        return
    user = User.query.filter_by(email=email).first()
    if user is None or not user.is_active:
        return
    link = external_url("auth.reset_password", token=make_token(user))
    minutes = window // 60
    body = ("Someone asked to reset the password of your Light account. If it was you, choose a new "
            "password here:\n\n{link}\n\nThe link works once, for {minutes} minutes. If it wasn't you, "
            "ignore this e-mail: your password stays as it is.")
    # The link is a key to the account: the copy kept in the database leaves it out.
    mail.send(organization_id=None, to=user.email, subject="Reset your Light password",
              text=body.format(link=link, minutes=minutes), kept_text=body.format(link="(link left out)",
                                                                                  minutes=minutes),
              kind="password_reset")


def reset_password(user: User, password: str) -> User:
    errors: dict = {}
    check_password_strength(password, errors, user.email)
    if errors:
        raise InvalidInput(errors)
    user.set_password(password)
    db.session.commit()
    throttle.forget(f"email:{user.email}")  # a locked-out user who reset may log in at once
    return user
