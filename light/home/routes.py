import logging

from flask import current_app, redirect, url_for
from flask_login import current_user
from sqlalchemy import text

from light.extensions import db
from light.home import bp, services
from light.web import render

log = logging.getLogger(__name__)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render("home/index.html", board=services.dashboard_of(current_user.organization))


@bp.route("/healthz")
def healthz():
    """For a load balancer or an orchestrator: 200 when the database (and Redis, when Light uses
    it) answer, else 503 naming what failed. Details stay in the log."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    failed = [name for name, state in checks.items() if state == "failed"]
    body = {"status": "unavailable" if failed else "ok", "checks": checks}
    if failed:
        body["failed"] = failed
    return body, 503 if failed else 200


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means "not healthy"; the log says which
        log.warning("healthz: the database did not answer", exc_info=True)
        return "failed"
    finally:
        db.session.rollback()


def _check_redis() -> str:
    try:
        answered = current_app.extensions["light_jobs"].ping()
    except Exception:  # noqa: BLE001
        log.warning("healthz: Redis did not answer", exc_info=True)
        return "failed"
    return "not configured" if answered is None else "ok"
