"""Bank Reconciliation > Import statement: a real bank account beside Stripe, its statements, and
the deposits that are Stripe payouts reaching the bank."""
from flask import Blueprint

bp = Blueprint("statements", __name__, url_prefix="/bank-reconciliation/statements")


@bp.app_context_processor
def _for_bank_reconciliation():
    # Bank Reconciliation's pages (templates/banking/) show statement accounts and whether a payout
    # reached a bank statement; they call these, so its routes need not know about statements.
    from light.statements.services import accounts_with_last_import, deposit_for_payout

    return {"payout_deposit": deposit_for_payout, "statement_accounts_of": accounts_with_last_import}
