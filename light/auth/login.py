"""Flask-Login's wiring: how a session's user id becomes a User."""
from light.auth.models import User
from light.extensions import db


def load_user(user_id: str):
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def init_login(login_manager) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in to continue."
    login_manager.login_message_category = "info"
    # "strong" drops the session when the client changes; remember-me cookies survive restarts.
    login_manager.session_protection = "strong"
