"""Collecting payments: test cards, payment methods, payment intents, charges and refunds."""
import hashlib

from . import money
from .events import emit
from .wire import StripeError, missing

# number -> (brand, behaviour). Behaviours: ok, decline, insufficient, auth_always,
# auth_unless_setup (3DS unless the card was set up for off-session use).
CARDS = {
    "4242424242424242": ("visa", "ok"),
    "4000056655665556": ("visa", "ok"),
    "5555555555554444": ("mastercard", "ok"),
    "378282246310005": ("amex", "ok"),
    "4000000000000341": ("visa", "decline"),
    "4000000000000002": ("visa", "decline"),
    "4000000000009995": ("visa", "insufficient"),
    "4000002760003184": ("visa", "auth_always"),
    "4000002500003155": ("visa", "auth_unless_setup"),
    # The sandbox's own: an issuer declining with decline_code=authentication_required, as real
    # issuers do (Stripe has no test card for it).
    "4000000000009887": ("visa", "decline_auth"),
}
TEST_METHODS = {
    "pm_card_visa": "4242424242424242", "tok_visa": "4242424242424242",
    "pm_card_mastercard": "5555555555554444", "tok_mastercard": "5555555555554444",
    "pm_card_chargeCustomerFail": "4000000000000341", "tok_chargeCustomerFail": "4000000000000341",
    "pm_card_chargeDeclined": "4000000000000002", "tok_chargeDeclined": "4000000000000002",
    "pm_card_authenticationRequired": "4000002760003184",
    "tok_authenticationRequired": "4000002760003184",
    "pm_card_authenticationRequiredOnSetup": "4000002500003155",
}
DECLINE_MESSAGES = {"card_declined": "Your card was declined.",
                    "authentication_required": "Your card was declined. This transaction requires authentication."}


def card_behaviour(pm):
    return CARDS.get(pm["_number"], ("visa", "ok"))[1]


def create_payment_method(store, account, number, *, exp_month=12, exp_year=2034, name=None,
                          email=None, metadata=None):
    number = "".join(ch for ch in str(number) if ch.isdigit())
    if number not in CARDS:
        raise StripeError(402, "Your card number is incorrect.", type="card_error",
                          code="incorrect_number", param="number")
    brand = CARDS[number][0]
    fingerprint = hashlib.sha256(f"{account.id}:{number}".encode()).hexdigest()[:16]
    pm = {
        "id": store.new_id("pm"), "object": "payment_method", "allow_redisplay": "unspecified",
        "billing_details": {"address": {"city": None, "country": None, "line1": None, "line2": None,
                                        "postal_code": None, "state": None},
                            "email": email, "name": name, "phone": None, "tax_id": None},
        "card": {"brand": brand, "checks": {"address_line1_check": None,
                                            "address_postal_code_check": None, "cvc_check": "pass"},
                 "country": "US", "display_brand": brand, "exp_month": int(exp_month),
                 "exp_year": int(exp_year), "fingerprint": fingerprint, "funding": "credit",
                 "generated_from": None, "last4": number[-4:],
                 "networks": {"available": [brand], "preferred": None},
                 "regulated_status": "unregulated", "three_d_secure_usage": {"supported": True},
                 "wallet": None},
        "created": store.now(), "customer": None, "customer_account": None,
        "livemode": account.livemode,
        "metadata": metadata or {}, "type": "card",
        "_number": number, "_off_session_ready": False,
    }
    account["payment_methods"].add(pm, store.next_seq())
    return pm


def resolve_payment_method(store, account, id, param="payment_method"):
    """A stored payment method, or a fresh one made from a Stripe test id like pm_card_visa."""
    if id in TEST_METHODS:
        return create_payment_method(store, account, TEST_METHODS[id])
    pm = account["payment_methods"].get(id)
    if pm is None:
        raise missing("PaymentMethod", id, param)
    return pm


def public(obj):
    """The object as the API shows it: without the sandbox's private `_` fields."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def get_customer(account, id, param="customer"):
    customer = account["customers"].get(id)
    if customer is None or customer.get("deleted"):
        raise missing("customer", id, param)
    return customer


def attach(store, account, pm, customer):
    if pm["customer"] and pm["customer"] != customer["id"]:
        raise StripeError(400, "The payment method you provided has already been attached to a "
                          "customer.", param="payment_method")
    pm["customer"] = customer["id"]
    emit(store, account, "payment_method.attached", public(pm))
    return pm


def new_payment_intent(store, account, *, amount, currency, customer=None, payment_method=None,
                       metadata=None, description=None, setup_future_usage=None,
                       automatic_payment_methods=None):
    pi_id = store.new_id("pi")
    return {
        "id": pi_id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
        "amount_details": {"tip": {}}, "amount_received": 0, "application": None,
        "application_fee_amount": None, "automatic_payment_methods": automatic_payment_methods,
        "canceled_at": None, "cancellation_reason": None, "capture_method": "automatic",
        "client_secret": f"{pi_id}_secret_{store.salt}", "confirmation_method": "automatic",
        "created": store.now(), "currency": currency, "customer": customer,
        "customer_account": None, "description": description,
        "excluded_payment_method_types": None, "last_payment_error": None, "latest_charge": None,
        "managed_payments": {"enabled": False},
        "livemode": account.livemode, "metadata": metadata or {}, "next_action": None,
        "on_behalf_of": None, "payment_method": payment_method,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"], "processing": None, "receipt_email": None,
        "review": None, "setup_future_usage": setup_future_usage, "shipping": None,
        "source": None, "statement_descriptor": None, "statement_descriptor_suffix": None,
        "status": "requires_payment_method" if payment_method is None else "requires_confirmation",
        "transfer_data": None, "transfer_group": None,
    }


def new_charge(store, account, *, amount, currency, customer, pm, payment_intent, description,
               metadata, status="succeeded", failure_code=None, created=None):
    card = pm.get("card") if pm else {"brand": "visa", "last4": "4242", "exp_month": 12,
                                      "exp_year": 2034, "fingerprint": "sandbox0000000000",
                                      "country": "US", "funding": "credit"}
    charge_id = store.new_id("ch")
    succeeded = status == "succeeded"
    return {
        "id": charge_id, "object": "charge", "amount": amount,
        "amount_captured": amount if succeeded else 0, "amount_refunded": 0, "application": None,
        "application_fee": None, "application_fee_amount": None, "balance_transaction": None,
        "billing_details": pm["billing_details"] if pm else {"address": None, "email": None,
                                                               "name": None, "phone": None,
                                                               "tax_id": None},
        "calculated_statement_descriptor": "LIGHT SANDBOX", "captured": succeeded,
        "created": store.now() if created is None else created, "currency": currency,
        "customer": customer, "description": description, "disputed": False,
        "failure_balance_transaction": None, "failure_code": failure_code,
        "failure_message": DECLINE_MESSAGES.get(failure_code) if failure_code else None,
        "fraud_details": {}, "livemode": account.livemode, "metadata": dict(metadata or {}),
        "on_behalf_of": None,
        "outcome": {"advice_code": None, "network_advice_code": None, "network_decline_code": None,
                    "network_status": "approved_by_network" if succeeded else "declined_by_network",
                    "reason": None if succeeded else "generic_decline", "risk_level": "normal",
                    "seller_message": "Payment complete." if succeeded else "The bank did not return any further details with this decline.",
                    "type": "authorized" if succeeded else "issuer_declined"},
        "paid": succeeded, "payment_intent": payment_intent,
        "payment_method": pm["id"] if pm else None,
        "payment_method_details": _method_details(pm, card),
        "receipt_email": None, "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/sandbox/{charge_id}",
        "refunded": False,
        "refunds": {"object": "list", "data": [], "has_more": False,
                    "url": f"/v1/charges/{charge_id}/refunds"},
        "review": None, "shipping": None, "source": None, "source_transfer": None,
        "statement_descriptor": None, "statement_descriptor_suffix": None, "status": status,
        "transfer_data": None, "transfer_group": None,
    }


# What every card charge's payment_method_details.card says alike. Shared, never mutated: seeding
# makes 100,000 charges.
CARD_DETAILS = {
    "amount_authorized": None, "authorization_code": None,
    "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
    "extended_authorization": {"status": "disabled"},
    "incremental_authorization": {"status": "unavailable"}, "installments": None, "mandate": None,
    "multicapture": {"status": "unavailable"}, "network_token": {"used": False},
    "network_transaction_id": None,
    "overcapture": {"maximum_amount_capturable": 0, "status": "unavailable"},
    "regulated_status": "unregulated", "three_d_secure": None, "transaction_link_id": None,
    "wallet": None}


def _method_details(pm, card):
    if card is None:  # a bank debit (bank_debit.py)
        bank = pm["us_bank_account"]
        return {"type": "us_bank_account", "us_bank_account": {
            "account_holder_type": bank["account_holder_type"], "account_type": bank["account_type"],
            "bank_name": bank["bank_name"], "expected_debit_date": None, "fingerprint": bank["fingerprint"],
            "last4": bank["last4"], "mandate": None, "payment_reference": None,
            "routing_number": bank["routing_number"]}}
    return {"card": {
        **CARD_DETAILS, "brand": card["brand"], "country": card["country"],
        "exp_month": card["exp_month"], "exp_year": card["exp_year"],
        "fingerprint": card["fingerprint"], "funding": card["funding"], "last4": card["last4"],
        "network": card["brand"]}, "type": "card"}


def confirm(store, account, pi, *, off_session, authenticated=False):
    """Try to pay `pi` with its payment method. Raises the 402 Stripe answers on failure."""
    pm = account["payment_methods"].get(pi["payment_method"])
    behaviour = card_behaviour(pm)
    needs_auth = behaviour == "auth_always" or (behaviour == "auth_unless_setup"
                                                and not pm["_off_session_ready"])
    if needs_auth and not authenticated:
        if not off_session:
            pi["status"] = "requires_action"
            pi["next_action"] = {"type": "use_stripe_sdk", "use_stripe_sdk": {
                "type": "three_d_secure_redirect", "stripe_js": ""}}
            emit(store, account, "payment_intent.requires_action", pi)
            return pi
        _fail(store, account, pi, pm, "authentication_required", None, charge=False)
    if behaviour == "decline_auth":
        _fail(store, account, pi, pm, "card_declined", "authentication_required", charge=True)
    if behaviour in ("decline", "insufficient"):
        decline_code = "insufficient_funds" if behaviour == "insufficient" else "generic_decline"
        _fail(store, account, pi, pm, "card_declined", decline_code, charge=True)
    return succeed(store, account, pi, pm)


def _fail(store, account, pi, pm, code, decline_code, *, charge):
    message = DECLINE_MESSAGES[code]
    if decline_code == "insufficient_funds":
        message = "Your card has insufficient funds."
    error = {"type": "card_error", "code": code, "message": message,
             "payment_method": public(pm), "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"}
    if decline_code:
        error["decline_code"] = decline_code
    if charge:
        failed = new_charge(store, account, amount=pi["amount"], currency=pi["currency"],
                            customer=pi["customer"], pm=pm, payment_intent=pi["id"],
                            description=pi["description"], metadata=pi["metadata"],
                            status="failed", failure_code=code)
        account["charges"].add(failed, store.next_seq())
        pi["latest_charge"] = failed["id"]
        error["charge"] = failed["id"]
        emit(store, account, "charge.failed", failed)
    pi["status"] = "requires_payment_method"
    pi["last_payment_error"] = error
    pi["next_action"] = None
    emit(store, account, "payment_intent.payment_failed", pi)
    raise StripeError(402, message, type="card_error", code=code, decline_code=decline_code,
                      payment_intent=dict(pi), param=None)


def succeed(store, account, pi, pm):
    charge = new_charge(store, account, amount=pi["amount"], currency=pi["currency"],
                        customer=pi["customer"], pm=pm, payment_intent=pi["id"],
                        description=pi["description"], metadata=pi["metadata"])
    account["charges"].add(charge, store.next_seq())
    money.charge_transaction(store, account, charge)
    if pi["setup_future_usage"] and pi["customer"]:
        pm["customer"] = pi["customer"]
        if pi["setup_future_usage"] == "off_session":
            pm["_off_session_ready"] = True
    pi.update(status="succeeded", amount_received=pi["amount"], latest_charge=charge["id"],
              last_payment_error=None, next_action=None)
    emit(store, account, "charge.succeeded", charge)
    emit(store, account, "payment_intent.succeeded", pi)
    return pi


def refund(store, account, charge, amount=None, *, reason=None, metadata=None):
    if charge["status"] != "succeeded":
        raise StripeError(400, "Cannot refund a failed payment.", code="charge_not_refundable")
    remaining = charge["amount"] - charge["amount_refunded"]
    amount = remaining if amount is None else amount
    if amount <= 0 or amount > remaining:
        message = (f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                   f"({remaining})") if amount > 0 else "Invalid positive integer"
        code = "charge_already_refunded" if remaining == 0 else "amount_too_large"
        raise StripeError(400, message, code=code, param="amount")
    refund = {
        "id": store.new_id("re"), "object": "refund", "amount": amount,
        "balance_transaction": None, "charge": charge["id"], "created": store.now(),
        "currency": charge["currency"], "customer": charge["customer"], "customer_account": None,
        "destination_details": {"card": {"type": "refund"}, "type": "card"},
        "metadata": metadata or {}, "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": reason, "receipt_number": None, "source_transfer_reversal": None,
        "status": "succeeded", "transfer_reversal": None,
    }
    account["refunds"].add(refund, store.next_seq())
    money.refund_transaction(store, account, refund)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    charge["refunds"]["data"].insert(0, refund)
    emit(store, account, "refund.created", refund)
    emit(store, account, "charge.refunded", charge)
    return refund


def new_customer(store, account, *, name=None, email=None, description=None, metadata=None,
                 created=None):
    return {
        "id": store.new_id("cus"), "object": "customer", "address": None, "balance": 0,
        "created": store.now() if created is None else created, "currency": None,
        "default_source": None, "delinquent": False, "description": description,
        "discount": None, "email": email, "invoice_prefix": store.salt.upper()[:6],
        "invoice_settings": {"custom_fields": None, "default_payment_method": None,
                             "footer": None, "rendering_options": None},
        "livemode": account.livemode, "metadata": metadata or {}, "name": name,
        "next_invoice_sequence": 1, "phone": None, "preferred_locales": [], "shipping": None,
        "tax_exempt": "none", "test_clock": None,
    }
