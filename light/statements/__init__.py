"""Bank Reconciliation > Import statement: a real bank account beside Stripe, its statements, and
the deposits that are Stripe payouts reaching the bank."""
from flask import Blueprint

bp = Blueprint("statements", __name__, url_prefix="/bank-reconciliation/statements")
