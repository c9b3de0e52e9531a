from flask import Blueprint

bp = Blueprint("workflows", __name__, url_prefix="/settings/workflows")
