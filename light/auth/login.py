"""Flask-Login's wiring: how a session's user id becomes a User, and starting a fresh session."""
import time

from flask import current_app, g, session, url_for
from flask_login import login_user

from light.auth.models import User
from light.extensions import db
from light.web import redirect_to


def load_user(user_id: str):
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError, OverflowError):
        return None
    # A member removed from the team is logged out everywhere at their next request.
    return user if user is not None and user.is_active else None


def init_login(login_manager) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to continue."
    login_manager.login_message_category = "info"
    # "strong" drops the session when the client changes; remember-me cookies survive restarts.
    login_manager.session_protection = "strong"


def clear_session() -> None:
    session.clear()
    # Flask-WTF keeps this request's CSRF token in g; it was derived from the session just cleared.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def start_session(user, remember: bool = False) -> None:
    # A fresh session at every log-in: nothing planted before it (a CSRF token, say) carries over.
    clear_session()
    login_user(user, remember=remember)


# Between a right password and a right code, the session names the user but isn't logged in.
_PENDING = "two_factor_pending"
PENDING_SECONDS = 300


def ask_for_code(user, *, remember: bool = False, next_url: str | None = None) -> None:
    """The password (or a reset link) was right; the code comes next. A fresh session here too."""
    clear_session()
    session[_PENDING] = {"user": user.id, "at": int(time.time()), "remember": remember, "next": next_url}


def pending_log_in() -> tuple[object, dict] | None:
    """The user waiting to enter their code, and what they asked for, or None once it expired."""
    pending = session.get(_PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    if time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(_PENDING, None)
        return None
    user = load_user(pending["user"])
    return (user, pending) if user is not None and user.has_two_factor else None


def continue_log_in(user, *, remember: bool = False, next_url: str):
    """After a right password, a reset link or an accepted invitation: logged in, or on to the
    code for someone with two-factor log-in (nothing but the code lets them past it)."""
    if not user.has_two_factor:
        start_session(user, remember=remember)
        return redirect_to(next_url)
    ask_for_code(user, remember=remember, next_url=next_url)
    return redirect_to(url_for("auth.login_code"))
