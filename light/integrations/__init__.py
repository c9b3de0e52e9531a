from flask import Blueprint

bp = Blueprint("integrations", __name__, url_prefix="/settings/integrations")
