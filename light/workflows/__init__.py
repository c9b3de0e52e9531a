from flask import Blueprint

bp = Blueprint("workflows", __name__, url_prefix="/settings/workflows")

from light.workflows import routes  # noqa: E402,F401
