"""Optional two-factor log-in: a TOTP code from an authenticator app (RFC 6238, through pyotp)
after the password, or one of ten single-use recovery codes. Plain values in, committed;
InvalidInput or Refused out.

Set-up stores a fresh secret (encrypted) that asks for nothing until a correct code confirms
it: a secret scanned wrongly can't lock anyone out. Each accepted code's time step is kept, and
only a later step is accepted, so a code can't be used twice."""
import hashlib
import hmac
import secrets

import pyotp
import segno
from flask import current_app

from light.auth import throttle
from light.auth.models import RecoveryCode, User
from light.errors import InvalidInput, Refused
from light.extensions import db
from light.utc import utcnow

ISSUER = "Light"
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits a person can't misread (no 0/o, 1/l/i).
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
WRONG_CODE = "That code isn't right. Enter the 6 digits your app shows now, or a recovery code."


def begin_setup(user: User) -> str:
    """A new secret for `user`, not yet asked for at log-in. Returns it (to show while setting up)."""
    if user.has_two_factor:
        raise Refused("Two-factor log-in is already on. Turn it off first to set it up again.")
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    db.session.commit()
    return user.totp_secret


def setup_uri(user: User) -> str:
    """The otpauth:// URI an authenticator app reads (from the QR code, or pasted)."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code(uri: str) -> str:
    """The URI as a QR code, an SVG data URI for an <img>: nothing leaves Light to draw it."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def confirm_setup(user: User, code: str) -> list[str]:
    """Turn two-factor log-in on once `code` proves the app has the secret. Returns the recovery
    codes, which are shown this once and stored only as hashes."""
    if user.has_two_factor:
        raise Refused("Two-factor log-in is already on.")
    if not user.totp_secret:
        raise Refused("Start the set-up first: press Set up two-factor log-in.")
    if not _accept_totp(user, code):
        raise InvalidInput({"code": "That code isn't right. Enter the 6 digits your app shows now "
                                    "(check your phone's clock is set automatically)."})
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    db.session.commit()
    return codes


def verify(user: User, code: str) -> str | None:
    """At log-in: "totp" or "recovery" for the code that let them in (a recovery code is used up),
    None for a wrong one. Spaces and dashes are ignored, so a code may be typed as shown."""
    if not user.has_two_factor:
        return None
    code = "".join((code or "").split()).lower()
    if _accept_totp(user, code):
        return "totp"
    if _use_recovery_code(user, code):
        return "recovery"
    return None


def log_in(user: User, code: str, *, client: str | None = None) -> str | None:
    """The second step of log-in, throttled like the first (light/auth/throttle.py): per user, so
    someone who has the password still gets only a few guesses at the code, and per client.
    Raises TooManyAttempts before checking anything."""
    config = current_app.config
    window = config["LOGIN_LOCK_SECONDS"]
    client_key = f"code-client:{client}"[:300] if client else None
    if client_key:
        throttle.claim_attempt(client_key, limit=config["LOGIN_MAX_FAILURES_PER_CLIENT"], window_seconds=window)
    throttle.claim_attempt(f"code:{user.id}", limit=config["LOGIN_MAX_FAILURES"], window_seconds=window)
    used = verify(user, code)
    if used:
        throttle.forget(f"code:{user.id}")
        if client_key:
            throttle.uncount(client_key)
    return used


def disable(user: User, password: str) -> None:
    """Off again, after the password: a session left open must not be enough to turn it off."""
    if not user.check_password(password or ""):
        raise InvalidInput({"password": "That isn't your password."})
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = None, None, None
    RecoveryCode.query.filter_by(user_id=user.id).delete(synchronize_session=False)
    db.session.commit()


def renew_recovery_codes(user: User, password: str) -> list[str]:
    """Ten new codes for the ten old ones (all of which stop working), after the password."""
    if not user.has_two_factor:
        raise Refused("Two-factor log-in is off: there are no recovery codes to renew.")
    if not user.check_password(password or ""):
        raise InvalidInput({"password": "That isn't your password."})
    codes = _new_recovery_codes(user)
    db.session.commit()
    return codes


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.query.filter_by(user_id=user.id, used_at=None).count()


def _accept_totp(user: User, code: str) -> bool:
    """The code of the current 30-second step, or of the one either side (a phone's clock a little
    off), if no code of that step or a later one was accepted before. Claimed with a conditional
    UPDATE, so two log-ins racing with one code can't both pass."""
    code = "".join((code or "").split())
    if not (len(code) == 6 and code.isdigit()) or not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = totp.timecode(utcnow())
    for step in (now - 1, now, now + 1):
        if not hmac.compare_digest(totp.generate_otp(step), code):
            continue
        newer = (User.totp_last_step.is_(None)) | (User.totp_last_step < step)
        claimed = db.session.query(User).filter(User.id == user.id, newer).update(
            {"totp_last_step": step}, synchronize_session=False)
        db.session.commit()
        db.session.refresh(user)
        return bool(claimed)
    return False


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.query.filter_by(user_id=user.id).delete(synchronize_session=False)
    codes = ["-".join("".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(4))
             for _ in range(RECOVERY_CODE_COUNT)]  # 16 characters of 31: about 79 bits each
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    if not code or len(code) > 40:
        return False
    used = db.session.query(RecoveryCode).filter(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None)
    ).update({"used_at": utcnow()}, synchronize_session=False)
    db.session.commit()
    return bool(used)
