"""The customer's pay page: public, reachable only through an invoice's unguessable token."""
from flask import Blueprint

bp = Blueprint("pay", __name__, url_prefix="/pay")
