"""Money movement in Stripe's shapes: fees, balance transactions, balances, payouts, disputes.

Integer minor units only. The card fee is 2.9% + 30 minor units, rounded half up:
`(amount * 29 + 500) // 1000 + 30`, whatever the currency (so 30 JPY, 0.030 KWD); a dispute costs
1500 minor units. Charges become available two days after they are created; refunds, disputes
and payouts hit the available balance at once. Pending funds turn available lazily, whenever an
account is read, against time.time() (plus the control clock offset).
"""
import hashlib
import heapq
from decimal import Decimal

from . import fx
from .accounts import bank_account
from .events import emit
from .wire import StripeError

ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())
AVAILABILITY_DELAY = 2 * 86400
DISPUTE_FEE = 1500


def decimals(currency):
    currency = currency.lower()
    if currency in ZERO_DECIMAL:
        return 0
    return 3 if currency in THREE_DECIMAL else 2


def format_amount(amount, currency):
    """123456 minor units of "usd" -> "1,234.56 USD"; 1500 "jpy" -> "1,500 JPY". Integers only."""
    places = decimals(currency)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10 ** places)
    text = f"{whole:,}" + (f".{fraction:0{places}d}" if places else "")
    return f"{sign}{text} {currency.upper()}"


# Stripe's smallest charge per currency (docs.stripe.com/currencies); others are left unchecked,
# as their minimum is USD 0.50 at the day's rate.
MINIMUM_CHARGE = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50, "czk": 1500, "dkk": 250,
    "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50, "jpy": 50, "mxn": 1000, "myr": 200,
    "nok": 300, "nzd": 50, "pln": 200, "ron": 200, "sek": 300, "sgd": 50, "thb": 1000,
}
MAXIMUM_CHARGE = 99_999_999  # eight digits


def check_charge_amount(amount, currency, param="amount"):
    """Stripe's 400s for a charge it won't make, raised before anything is created."""
    currency = currency.lower()
    minimum = MINIMUM_CHARGE.get(currency)
    if minimum is not None and amount < minimum:
        raise StripeError(400, f"Amount must be at least {format_amount(minimum, currency)}",
                          code="amount_too_small", param=param)
    if amount > MAXIMUM_CHARGE:
        raise StripeError(400, f"Amount must be no more than {format_amount(MAXIMUM_CHARGE, currency)}",
                          code="amount_too_large", param=param)
    if currency in THREE_DECIMAL and amount % 10:
        raise StripeError(400, f"Amounts in {currency.upper()} must be multiples of 10 (end in 0).",
                          code="invalid_amount", param=param)


def card_fee(amount):
    return (amount * 29 + 500) // 1000 + 30


def _fee_details(fee, currency, description="Stripe processing fees"):
    if not fee:
        return []
    return [{"amount": fee, "application": None, "currency": currency,
             "description": description, "type": "stripe_fee"}]


def new_transaction(store, account, *, amount, currency, type, reporting_category, source,
                    description, fee=0, fee_description="Stripe processing fees",
                    available_on=None, created=None, exchange_rate=None):
    """Build, book and return a balance transaction."""
    created = store.now() if created is None else created
    available_on = created if available_on is None else available_on
    txn = {
        "id": store.new_id("txn"), "object": "balance_transaction", "amount": amount,
        "available_on": available_on, "balance_type": "payments", "created": created,
        "currency": currency, "description": description,
        "exchange_rate": fx.as_json(exchange_rate), "fee": fee,
        "fee_details": _fee_details(fee, currency, fee_description), "net": amount - fee,
        "reporting_category": reporting_category, "source": source, "status": "pending",
        "type": type,
    }
    seq = store.next_seq()
    account["balance_transactions"].add(txn, seq)
    book(account, txn, seq, store.now())
    return txn


def book(account, txn, seq, now):
    """Add a transaction to the balance: available now, or pending until available_on."""
    totals = account.balance.setdefault(txn["currency"], {"available": 0, "pending": 0})
    if txn["available_on"] <= now:
        txn["status"] = "available"
        totals["available"] += txn["net"]
        if txn["type"] != "payout":
            account.unswept.setdefault(txn["currency"], []).append(txn["id"])
    else:
        txn["status"] = "pending"
        totals["pending"] += txn["net"]
        heapq.heappush(account.pending_heap, (txn["available_on"], seq, txn["id"]))


def mature(store, account):
    """Move every pending transaction whose available_on has passed to the available balance."""
    now = store.now()
    heap = account.pending_heap
    if not heap or heap[0][0] > now:
        return
    txns = account["balance_transactions"]
    while heap and heap[0][0] <= now:
        _, _, txn_id = heapq.heappop(heap)
        txn = txns.get(txn_id)
        if txn is None or txn["status"] != "pending":
            continue
        txn["status"] = "available"
        totals = account.balance[txn["currency"]]
        totals["pending"] -= txn["net"]
        totals["available"] += txn["net"]
        account.unswept.setdefault(txn["currency"], []).append(txn_id)
    emit(store, account, "balance.available", balance_object(account))


def balance_object(account):
    currencies = sorted(account.balance) or [account.default_currency]

    def entries(kind):
        return [{"amount": account.balance.get(c, {}).get(kind, 0), "currency": c,
                 "source_types": {"card": account.balance.get(c, {}).get(kind, 0)}}
                for c in currencies]

    return {"object": "balance", "available": entries("available"),
            "connect_reserved": [{"amount": 0, "currency": c} for c in currencies],
            "livemode": account.livemode, "pending": entries("pending")}


def charge_transaction(store, account, charge, created=None):
    """Book a charge in the account's settlement currency (converted when it is foreign)."""
    currency, rate = fx.booking(account, charge["currency"])
    amount = fx.convert(charge["amount"], charge["currency"], currency, rate)
    created = store.now() if created is None else created
    txn = new_transaction(store, account, amount=amount, currency=currency, type="charge",
                          reporting_category="charge", source=charge["id"],
                          description=charge["description"], fee=card_fee(amount),
                          available_on=created + AVAILABILITY_DELAY, created=created,
                          exchange_rate=rate)
    charge["balance_transaction"] = txn["id"]
    charge["_exchange_rate"] = None if rate is None else str(rate)
    return txn


def charge_rate(account, charge_id):
    """(settlement currency, rate) a charge was booked at: its refunds and disputes use the same."""
    charge = account["charges"].get(charge_id) or {}
    rate = charge.get("_exchange_rate")
    if rate is None:
        return (charge.get("currency") or account.default_currency), None
    return fx.settlement_currency(account, charge["currency"]), Decimal(rate)


def refund_transaction(store, account, refund, description="REFUND FOR CHARGE"):
    currency, rate = charge_rate(account, refund["charge"])
    txn = new_transaction(store, account, amount=-fx.convert(refund["amount"], refund["currency"], currency, rate),
                          currency=currency, type="refund", reporting_category="refund",
                          source=refund["id"], description=description, created=refund["created"],
                          exchange_rate=rate)
    refund["balance_transaction"] = txn["id"]
    return txn


EVIDENCE_FIELDS = (
    "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure",
    "cancellation_rebuttal", "customer_communication", "customer_email_address", "customer_name",
    "customer_purchase_ip", "customer_signature", "duplicate_charge_documentation",
    "duplicate_charge_explanation", "duplicate_charge_id", "product_description", "receipt",
    "refund_policy", "refund_policy_disclosure", "refund_refusal_explanation", "service_date",
    "service_documentation", "shipping_address", "shipping_carrier", "shipping_date",
    "shipping_documentation", "shipping_tracking_number", "uncategorized_file", "uncategorized_text")
EVIDENCE_DAYS = 7  # the sandbox's choice; Stripe's deadline depends on the card network


def dispute_object(store, account, charge, *, amount, reason, created, status="needs_response"):
    """A dispute as Stripe shows it before the merchant answers: empty evidence, a deadline."""
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    return {
        "id": store.new_id("dp"), "object": "dispute", "amount": amount,
        "balance_transactions": [], "charge": charge["id"], "created": created,
        "currency": charge["currency"], "enhanced_eligibility_types": [],
        "evidence": {**dict.fromkeys(EVIDENCE_FIELDS), "enhanced_evidence": {}},
        "evidence_details": {"due_by": created + EVIDENCE_DAYS * 86400, "enhanced_eligibility": {},
                             "has_evidence": False, "past_due": False, "submission_count": 0,
                             "submission_method": "not_submitted"},
        "intended_submission_method": None, "is_charge_refundable": False,
        "livemode": account.livemode, "metadata": {}, "network_reason_code": "10.4",
        "payment_intent": charge.get("payment_intent"),
        "payment_method_details": {"card": {"brand": card.get("brand") or "visa",
                                            "case_type": "chargeback",
                                            "network_reason_code": "10.4",
                                            "network": card.get("network") or "visa"},
                                   "type": "card"},
        "reason": reason, "status": status,
    }


def create_dispute(store, account, charge, *, amount=None, reason="fraudulent"):
    amount = charge["amount"] - charge["amount_refunded"] if amount is None else amount
    dispute = dispute_object(store, account, charge, amount=amount, reason=reason, created=store.now())
    account["disputes"].add(dispute, store.next_seq())
    currency, rate = charge_rate(account, charge["id"])
    txn = new_transaction(store, account, amount=-fx.convert(amount, charge["currency"], currency, rate),
                          currency=currency, type="adjustment", reporting_category="dispute",
                          source=dispute["id"], description=f"Chargeback withdrawal for {charge['id']}",
                          fee=DISPUTE_FEE, fee_description="Dispute fee", exchange_rate=rate)
    dispute["balance_transactions"] = [dict(txn)]
    charge["disputed"] = True
    emit(store, account, "charge.dispute.created", dispute)
    return dispute


def payout_object(store, account, *, amount, currency, created, automatic=True):
    return {
        "id": store.new_id("po"), "object": "payout", "amount": amount,
        "application_fee": None, "application_fee_amount": None,
        "arrival_date": created + AVAILABILITY_DELAY, "automatic": automatic,
        "balance_transaction": None, "created": created, "currency": currency,
        "description": "STRIPE PAYOUT", "destination": bank_account(account, currency)["id"],
        "failure_balance_transaction": None, "failure_code": None, "failure_message": None,
        "livemode": account.livemode, "metadata": {}, "method": "standard",
        "original_payout": None, "payout_method": None, "reconciliation_status": "in_progress",
        "reversed_by": None,
        "trace_id": {"status": "pending", "value": None},
        "source_type": "card", "statement_descriptor": None, "status": "pending",
        "type": "bank_account",
    }


def sweep_payouts(store, account, currencies=None):
    """Pay out the whole available balance of each currency; returns the new payouts.

    Every swept transaction gets linked to its payout, so the payout's transactions plus its own
    negative `payout` transaction sum to zero.
    """
    mature(store, account)
    payouts = []
    for currency in sorted(account.unswept):
        if currencies and currency not in currencies:
            continue
        txn_ids = account.unswept[currency]
        txns = [account["balance_transactions"].get(i) for i in txn_ids]
        total = sum(txn["net"] for txn in txns)
        if not txns or total <= 0:
            continue
        payout = payout_object(store, account, amount=total, currency=currency, created=store.now())
        account["payouts"].add(payout, store.next_seq())
        payout_txn = new_transaction(store, account, amount=-total, currency=currency,
                                     type="payout", reporting_category="payout",
                                     source=payout["id"], description="STRIPE PAYOUT")
        payout["balance_transaction"] = payout_txn["id"]
        account.payout_txns[payout["id"]] = txn_ids + [payout_txn["id"]]
        account.unswept[currency] = []
        payouts.append(payout)
        emit(store, account, "payout.created", payout)
    return payouts


def trace_id(payout):
    """What a paid payout's trace_id becomes: the number the bank shows on the deposit (an ACH
    trace number, 15 digits), so the deposit can be matched to the payout. Stripe sets it
    "supported" shortly after the payout is paid; here at once."""
    digits = int(hashlib.sha256(payout["id"].encode()).hexdigest(), 16) % 10**7
    return {"status": "supported", "value": f"02100002{digits:07d}"}


PAYOUT_STEPS = {"pending": "in_transit", "in_transit": "paid"}


def advance_payout(store, account, payout, to=None):
    """Move a payout along pending -> in_transit -> paid (or to `failed`), emitting events."""
    target = to or PAYOUT_STEPS.get(payout["status"])
    if target is None or target == payout["status"]:
        return payout
    if target == "paid" and payout["status"] == "pending":
        advance_payout(store, account, payout, "in_transit")
    payout["status"] = target
    emit(store, account, "payout.updated", payout)
    if target == "paid":
        payout["reconciliation_status"] = "completed"
        payout["trace_id"] = trace_id(payout)
        emit(store, account, "payout.paid", payout)
        emit(store, account, "payout.reconciliation_completed", payout)
    elif target == "failed":
        txn = new_transaction(store, account, amount=payout["amount"], currency=payout["currency"],
                              type="payout_failure", reporting_category="payout_reversal",
                              source=payout["id"], description="Payout failure")
        payout["failure_balance_transaction"] = txn["id"]
        payout["failure_code"] = "account_closed"
        payout["failure_message"] = "The bank account has been closed."
        payout["reconciliation_status"] = "not_applicable"
        emit(store, account, "payout.failed", payout)
    return payout
