from flask import Blueprint

bp = Blueprint("invoices", __name__, url_prefix="/invoices")

from light.invoices import routes  # noqa: E402,F401
