from flask import Blueprint

bp = Blueprint("banking", __name__, url_prefix="/bank-reconciliation")

from light.banking import routes  # noqa: E402,F401
