from flask import Blueprint

bp = Blueprint("integrations", __name__, url_prefix="/settings/integrations")

from light.integrations import routes  # noqa: E402,F401
