"""How Light groups Stripe balance transactions in the reconciliation view. Pure: plain values only.

Grouping follows Stripe's `reporting_category` (what Stripe recommends for accounting). A `type`
Light does not know is still stored, and shown as "Other", so a new Stripe type never breaks a sync.
"""

KNOWN_TYPES = frozenset("""
adjustment advance advance_funding anticipation_repayment application_fee application_fee_refund
charge climate_order_purchase climate_order_refund connect_collection_transfer contribution
fee_credit_funding inbound_transfer inbound_transfer_reversal issuing_authorization_hold
issuing_authorization_release issuing_dispute issuing_dispute_provisional_credit
issuing_dispute_provisional_credit_reversal issuing_transaction obligation_outbound
obligation_reversal_inbound payment payment_failure_refund payment_network_reserve_hold
payment_network_reserve_release payment_refund payment_reversal payment_unreconciled payout
payout_cancel payout_failure payout_minimum_balance_hold payout_minimum_balance_release refund
refund_failure reserve_hold reserve_release reserve_transaction reserved_funds
stripe_balance_payment_debit stripe_balance_payment_debit_reversal stripe_fee stripe_fx_fee
tax_fee tax_fund topup topup_reversal transfer transfer_cancel transfer_failure transfer_refund
""".split())

# Category key -> label, in the order the filter offers them.
CATEGORIES = {
    "charge": "Charges",
    "refund": "Refunds",
    "dispute": "Disputes",
    "fee": "Fees",
    "payout": "Payouts",
    "transfer": "Transfers",
    "topup": "Top-ups",
    "reserve": "Reserves",
    "adjustment": "Adjustments",
    "other": "Other",
}

# Stripe reporting_category -> Light's category.
_BY_REPORTING_CATEGORY = {
    "charge": "charge", "charge_failure": "charge", "payment": "charge",
    "refund": "refund", "refund_failure": "refund", "partial_capture_reversal": "refund",
    "dispute": "dispute", "dispute_reversal": "dispute",
    "fee": "fee", "platform_earning": "fee", "platform_earning_refund": "fee",
    "tax": "fee", "network_cost": "fee",
    "payout": "payout", "payout_reversal": "payout",
    "transfer": "transfer", "transfer_reversal": "transfer", "connect_collection_transfer": "transfer",
    "topup": "topup", "topup_reversal": "topup",
    "risk_reserved_funds": "reserve", "risk_reserved_funds_release": "reserve",
    "reserve": "reserve", "reserve_release": "reserve", "payout_minimum_balance_hold": "reserve",
    "payout_minimum_balance_release": "reserve",
    "other_adjustment": "adjustment", "adjustment": "adjustment",
}

# When Stripe sends no reporting_category, the type alone decides.
_BY_TYPE = {
    "charge": "charge", "payment": "charge", "refund": "refund", "payment_refund": "refund",
    "payout": "payout", "payout_cancel": "payout", "payout_failure": "payout",
    "stripe_fee": "fee", "stripe_fx_fee": "fee", "tax_fee": "fee", "application_fee": "fee",
    "transfer": "transfer", "topup": "topup", "adjustment": "adjustment",
}


def category_for(type: str | None, reporting_category: str | None) -> str:
    """Light's category key for a balance transaction: "other" for anything it does not know."""
    if type not in KNOWN_TYPES:
        return "other"
    if reporting_category in _BY_REPORTING_CATEGORY:
        return _BY_REPORTING_CATEGORY[reporting_category]
    return _BY_TYPE.get(type, "other")


def label(category: str) -> str:
    return CATEGORIES.get(category, "Other")
