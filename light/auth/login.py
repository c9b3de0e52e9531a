"""Flask-Login's wiring: how a session's user id becomes a User, and starting a fresh session."""
from flask import current_app, g, session
from flask_login import login_user

from light.auth.models import User
from light.extensions import db


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
