"""Slowing down password guessing, atomically. Each log-in attempt first claims a slot with one
conditional UPDATE, so thirty parallel guesses can't all pass a check made before any of them
was counted. Two keys are counted: the e-mail (guessing one account) and the client's address
(spraying one password over many accounts). A sprayer is slowed without the real user, logging
in from elsewhere, being locked out by it."""
from datetime import datetime, timedelta

from sqlalchemy import case
from sqlalchemy.exc import IntegrityError

from light.auth.models import LoginFailure
from light.extensions import db
from light.utc import utcnow


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int):
        super().__init__("too many attempts")
        self.retry_after = retry_after


def claim_attempt(key: str, *, limit: int, window_seconds: int, now: datetime | None = None) -> None:
    """Count one attempt for `key`, or raise TooManyAttempts (counting nothing) when `limit`
    attempts were made within the window that ended with the last one."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=window_seconds)
    _ensure_row(key, now)
    claimed = db.session.query(LoginFailure).filter(
        LoginFailure.key == key, (LoginFailure.count < limit) | (LoginFailure.last_failed_at <= cutoff)
    ).update({"count": case((LoginFailure.last_failed_at <= cutoff, 1), else_=LoginFailure.count + 1),
              "last_failed_at": now}, synchronize_session=False)
    db.session.commit()
    if not claimed:
        last = db.session.query(LoginFailure.last_failed_at).filter(LoginFailure.key == key).scalar() or now
        raise TooManyAttempts(max(1, int((last - cutoff).total_seconds()) + 1))


def forget(key: str) -> None:
    """A successful log-in: that e-mail's count starts again."""
    db.session.query(LoginFailure).filter(LoginFailure.key == key).delete(synchronize_session=False)
    db.session.commit()


def uncount(key: str) -> None:
    """A successful log-in doesn't count against its client (an office behind one address)."""
    db.session.query(LoginFailure).filter(LoginFailure.key == key, LoginFailure.count > 0).update(
        {"count": LoginFailure.count - 1}, synchronize_session=False)
    db.session.commit()


def _ensure_row(key: str, now: datetime) -> None:
    if db.session.query(LoginFailure.id).filter(LoginFailure.key == key).first() is not None:
        return
    try:
        with db.session.begin_nested():
            # Outside the window from the start: the first claim resets it to 1.
            db.session.add(LoginFailure(key=key, count=0, last_failed_at=datetime(2000, 1, 1)))
    except IntegrityError:
        pass  # another attempt made it at the same moment
