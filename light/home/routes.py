from flask import redirect, url_for
from flask_login import current_user

from light.home import bp
from light.web import render


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render("home/index.html")


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
