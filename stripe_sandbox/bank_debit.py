"""Paying a Checkout Session by US bank account (ACH Direct Debit): a delayed-notification method.

Real Checkout finishes such a session at once with `payment_status=unpaid` (the PaymentIntent is
`processing`), sends `checkout.session.completed`, and days later, when the debit settles or
bounces, `checkout.session.async_payment_succeeded` or `..._failed`
(docs.stripe.com/payments/checkout/fulfill-orders, "delayed notification payment methods").
Here the debit settles when a test (or a developer) asks: POST /_sandbox/checkout/<id>/settle.
Stripe's test account numbers decide the outcome: 000123456789 succeeds, 000111111113 fails
(account closed), 000111111116 fails (no account); routing number 110000000.
"""
import hashlib

from flask import current_app, redirect, request
from markupsafe import escape

from . import payments
from .checkout import bp, closed_page, find_session, payment_form
from .control import bp as control_bp
from .events import emit
from .wire import StripeError, json_response

TEST_ROUTING = "110000000"
ACCOUNTS = {"000123456789": None, "000111111113": "account_closed", "000111111116": "no_account"}
FAILURES = {"account_closed": "The customer's bank account has been closed.",
            "no_account": "The customer's bank account could not be located."}


def offered(session):
    return "us_bank_account" in session["payment_method_types"]


def bank_form(session):
    """The hosted page's second form, shown when the session may be paid by bank account."""
    if not offered(session):
        return ""
    return f"""<h2>Or pay by US bank account</h2>
<form method="post" action="/checkout/pay/{escape(session['id'])}/bank">
<label for="routing_number">Routing number</label>
<input type="text" id="routing_number" name="routing_number" inputmode="numeric" placeholder="{TEST_ROUTING}" required>
<label for="account_number">Account number</label>
<input type="text" id="account_number" name="account_number" inputmode="numeric" placeholder="000123456789" required>
<label for="holder">Account holder</label>
<input type="text" id="holder" name="holder" autocomplete="name">
<button type="submit">Pay by bank account</button>
</form>"""


def new_bank_payment_method(store, account, routing, number, *, name=None, email=None):
    fingerprint = hashlib.sha256(f"{account.id}:{routing}:{number}".encode()).hexdigest()[:16]
    pm = payments.create_payment_method(store, account, "4242424242424242", name=name, email=email)
    pm.pop("card")
    pm.update(type="us_bank_account", _number=number, us_bank_account={
        "account_holder_type": "individual", "account_type": "checking",
        "bank_name": "STRIPE TEST BANK", "financial_connections_account": None,
        "fingerprint": fingerprint, "last4": number[-4:],
        "networks": {"preferred": "ach", "supported": ["ach"]}, "routing_number": routing,
        "status_details": None})
    return pm


@bp.post("/pay/<session_id>/bank")
def pay_by_bank(session_id):
    store, account, session = find_session(session_id)
    if session is None or session["status"] != "open":
        return closed_page(session)
    if not offered(session):
        return payment_form(session, "This payment can't be made by bank account.", 422)
    routing = "".join(ch for ch in request.form.get("routing_number", "") if ch.isdigit())
    number = "".join(ch for ch in request.form.get("account_number", "") if ch.isdigit())
    if routing != TEST_ROUTING or number not in ACCOUNTS:
        return payment_form(session, "Use routing number 110000000 and a Stripe test account "
                                     "number (000123456789).", 422)
    pm = new_bank_payment_method(store, account, routing, number,
                                 name=request.form.get("holder") or None,
                                 email=session["customer_email"])
    pi = payments.new_payment_intent(store, account, amount=session["amount_total"],
                                     currency=session["currency"], customer=session["customer"],
                                     payment_method=pm["id"],
                                     metadata=dict(session["_intent_metadata"]),
                                     description=session["_description"],
                                     setup_future_usage=session["_usage"])
    pi.update(status="processing", payment_method_types=list(session["payment_method_types"]))
    account["payment_intents"].add(pi, store.next_seq())
    if session["_usage"] and session["customer"]:
        payments.attach(store, account, pm, account["customers"].get(session["customer"]))
    session["_attempt"] = pi["id"]
    emit(store, account, "payment_intent.created", pi)
    emit(store, account, "payment_intent.processing", pi)
    session.update(status="complete", payment_status="unpaid", payment_intent=pi["id"], url=None,
                   customer_details={"address": None, "business_name": None,
                                     "email": session["customer_email"], "individual_name": None,
                                     "name": pm["billing_details"]["name"], "phone": None,
                                     "tax_exempt": "none", "tax_ids": []})
    emit(store, account, "checkout.session.completed", payments.public(session))
    return redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]), 303)


@control_bp.post("/checkout/<session_id>/settle")
def settle(session_id):
    """The bank debit of a session paid by bank account settles (or bounces) now."""
    store = current_app.config["SANDBOX_STORE"]
    with store.lock:
        account = store.accounts.get(store.global_ids.get(session_id, ""))
        session = account and account["checkout_sessions"].get(session_id)
        pi = session and account["payment_intents"].get(session.get("payment_intent") or "")
        if pi is None or pi["status"] != "processing":
            raise StripeError(400, "This Checkout Session has no bank debit waiting to settle.")
        pm = account["payment_methods"].get(pi["payment_method"])
        failure = ACCOUNTS.get(pm["_number"])
        if failure is None:
            payments.succeed(store, account, pi, pm)
            session["payment_status"] = "paid"
            emit(store, account, "checkout.session.async_payment_succeeded", payments.public(session))
        else:
            pi.update(status="requires_payment_method", last_payment_error={
                # ACH return codes as Stripe names them on a failed charge (failure_code).
                "type": "invalid_request_error", "code": failure, "message": FAILURES[failure],
                "payment_method": payments.public(pm)})
            emit(store, account, "payment_intent.payment_failed", pi)
            emit(store, account, "checkout.session.async_payment_failed", payments.public(session))
        return json_response(payments.public(session))
