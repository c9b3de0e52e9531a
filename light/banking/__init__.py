from flask import Blueprint

bp = Blueprint("banking", __name__, url_prefix="/bank-reconciliation")
