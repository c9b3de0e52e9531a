"""Checkout Sessions and the hosted payment page (with a stand-in 3-D Secure challenge)."""
from flask import Blueprint, current_app, redirect, request
from markupsafe import escape

from . import payments
from .events import emit
from .money import check_charge_amount, format_amount
from .pages import error_paragraph, page
from .wire import StripeError, as_int, as_list, as_metadata, missing, required

bp = Blueprint("checkout", __name__, url_prefix="/checkout")
MAX_LINE_ITEMS = 100  # in payment mode
MIN_LIFETIME, MAX_LIFETIME, LEEWAY = 30 * 60, 24 * 3600, 60
# What a session offers when Light names no payment method types: dynamic payment methods, as
# the account's Dashboard settings would (the sandbox's choice of a typical US account's).
DYNAMIC_METHODS = ("card", "link", "us_bank_account")
AUTH_FAILED = ("We are unable to authenticate your payment method. Please choose a different "
               "payment method and try again.")


def _line(item, index):
    if not isinstance(item, dict):
        raise StripeError(400, "Invalid line_items.", param="line_items")
    if item.get("price"):
        raise StripeError(400, "The sandbox only supports line_items with price_data.",
                          param=f"line_items[{index}][price]")
    price = item.get("price_data") or {}
    product = price.get("product_data") or {}
    if not product.get("name"):
        raise required(f"line_items[{index}][price_data][product_data][name]")
    unit = as_int(price, "unit_amount", minimum=0)
    if unit is None:
        raise required(f"line_items[{index}][price_data][unit_amount]")
    currency = (price.get("currency") or "").lower()
    if len(currency) != 3:
        raise required(f"line_items[{index}][price_data][currency]")
    quantity = as_int(item, "quantity", minimum=1)
    if quantity is None:
        raise required(f"line_items[{index}][quantity]")
    return {"name": product["name"], "unit_amount": unit, "quantity": quantity,
            "currency": currency, "amount": unit * quantity}


def create_session(store, account, p, host_url):
    if p.get("mode") != "payment":
        raise StripeError(400, "The sandbox supports mode=payment only.", param="mode")
    if not p.get("success_url"):
        raise required("success_url")
    lines = [_line(item, i) for i, item in enumerate(as_list(p, "line_items"))]
    if not lines:
        raise required("line_items")
    if len(lines) > MAX_LINE_ITEMS:
        raise StripeError(400, f"You may only specify up to {MAX_LINE_ITEMS} line items in payment mode.",
                          param="line_items")
    currencies = {line["currency"] for line in lines}
    if len(currencies) != 1:
        raise StripeError(400, "All line_items must share one currency.", param="line_items")
    customer = p.get("customer") or None
    if customer:
        payments.get_customer(account, customer)
    intent_data = p.get("payment_intent_data") or {}
    usage = intent_data.get("setup_future_usage") or None
    if usage not in (None, "off_session", "on_session"):
        raise StripeError(400, f"Invalid setup_future_usage: {usage}",
                          param="payment_intent_data[setup_future_usage]")
    methods = as_list(p, "allowed_payment_method_types") or as_list(p, "payment_method_types")
    now = store.now()
    expires_at = as_int(p, "expires_at", default=now + MAX_LIFETIME)
    if not now + MIN_LIFETIME - LEEWAY <= expires_at <= now + MAX_LIFETIME + LEEWAY:
        raise StripeError(400, "The `expires_at` timestamp must be between 30 minutes and 24 hours"
                          " from Checkout Session creation.", param="expires_at")
    mode = "live" if account.livemode else "test"
    session_id = f"cs_{mode}_{store.new_id('a1')[3:]}"
    total = sum(line["amount"] for line in lines)
    check_charge_amount(total, lines[0]["currency"], param="line_items")
    session = {
        "id": session_id, "object": "checkout.session", "adaptive_pricing": {"enabled": False},
        "after_expiration": None, "allow_promotion_codes": None, "amount_subtotal": total,
        "amount_total": total,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": None, "cancel_url": p.get("cancel_url") or None,
        "collected_information": None, "currency_conversion": None, "customer_account": None,
        "discounts": [], "integration_identifier": None, "managed_payments": {"enabled": False},
        "origin_context": None, "payment_method_configuration_details": None,
        "permissions": None, "saved_payment_method_options": None, "wallet_options": None,
        "client_reference_id": p.get("client_reference_id") or None, "client_secret": None,
        "consent": None, "consent_collection": None, "created": now,
        "currency": currencies.pop(), "custom_fields": [],
        "custom_text": {"after_submit": None, "shipping_address": None, "submit": None,
                        "terms_of_service_acceptance": None},
        "customer": customer, "customer_creation": None if customer else "if_required",
        "customer_details": None, "customer_email": p.get("customer_email") or None,
        "expires_at": expires_at, "invoice": None, "invoice_creation": None,
        "livemode": account.livemode, "locale": None, "metadata": as_metadata(p),
        "mode": "payment", "payment_intent": None, "payment_link": None,
        "payment_method_collection": "if_required", "payment_method_options": {},
        "payment_method_types": list(methods or DYNAMIC_METHODS), "payment_status": "unpaid",
        "phone_number_collection": {"enabled": False}, "recovered_from": None,
        "setup_intent": None, "shipping_address_collection": None, "shipping_cost": None,
        "shipping_options": [], "status": "open", "submit_type": None, "subscription": None,
        "success_url": p["success_url"],
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted_page",  # versions.shape shows "hosted" before 2026-03-25.dahlia
        "url": f"{host_url.rstrip('/')}/checkout/pay/{session_id}",
        "_lines": lines, "_usage": usage, "_intent_metadata": as_metadata(intent_data),
        "_description": intent_data.get("description") or None, "_attempt": None,
    }
    account["checkout_sessions"].add(session, store.next_seq())
    store.global_ids[session_id] = account.id
    return session


def refresh(store, account, session):
    if session["status"] == "open" and session["expires_at"] <= store.now():
        expire(store, account, session)


def expire(store, account, session):
    session.update(status="expired", url=None)
    emit(store, account, "checkout.session.expired", payments.public(session))


def _complete(store, account, session, pi):
    pm = account["payment_methods"].get(pi["payment_method"])
    session.update(status="complete", payment_status="paid", payment_intent=pi["id"], url=None,
                   customer_details={"address": None, "business_name": None, "individual_name": None, "email": pm["billing_details"]["email"],
                                     "name": pm["billing_details"]["name"], "phone": None,
                                     "tax_exempt": "none", "tax_ids": []})
    emit(store, account, "checkout.session.completed", payments.public(session))
    return redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]), 303)


def pay(store, account, session, pm):
    """Run the session's payment with a card typed on the hosted page."""
    pi = payments.new_payment_intent(store, account, amount=session["amount_total"],
                                     currency=session["currency"], customer=session["customer"],
                                     payment_method=pm["id"],
                                     metadata=dict(session["_intent_metadata"]),
                                     description=session["_description"],
                                     setup_future_usage=session["_usage"])
    account["payment_intents"].add(pi, store.next_seq())
    session["_attempt"] = pi["id"]
    emit(store, account, "payment_intent.created", pi)
    if session["_usage"] and session["customer"]:
        payments.attach(store, account, pm, account["customers"].get(session["customer"]))
    payments.confirm(store, account, pi, off_session=False)
    if pi["status"] == "requires_action":
        return redirect(f"/checkout/pay/{session['id']}/authenticate", 303)
    return _complete(store, account, session, pi)


# -- the hosted pages ---------------------------------------------------------------------------
def find_session(session_id):
    store = current_app.config["SANDBOX_STORE"]
    account = store.accounts.get(store.global_ids.get(session_id, ""))
    session = account and account["checkout_sessions"].get(session_id)
    if session is None:
        return store, None, None
    refresh(store, account, session)
    return store, account, session


def closed_page(session):
    if session is None:
        return page("Checkout session not found", "<p>This payment link is not valid.</p>", 404)
    if session["status"] == "complete":
        return page("Payment complete", "<p>This payment has already been made. Thank you!</p>")
    return page("Checkout session expired", "<p>This payment page has expired.</p>", 410)


def payment_form(session, error=None, status=200):
    from .bank_debit import bank_form
    currency = session["currency"]
    rows = "".join(
        f"<tr><td>{escape(line['name'])}</td><td>{line['quantity']}</td>"
        f"<td class=\"amount\">{format_amount(line['amount'], currency)}</td></tr>"
        for line in session["_lines"])
    total = format_amount(session["amount_total"], currency)
    cancel = (f'<p><a href="{escape(session["cancel_url"])}">Cancel and return</a></p>'
              if session["cancel_url"] else "")
    saving = ("<p>Your card will be saved for future payments.</p>"
              if session["_usage"] == "off_session" else "")
    body = f"""
<table><caption>Order summary</caption>
<thead><tr><th scope="col">Item</th><th scope="col">Qty</th><th scope="col" class="amount">Amount</th></tr></thead>
<tbody>{rows}</tbody>
<tfoot><tr><th scope="row" colspan="2">Total</th><td class="amount" id="total">{total}</td></tr></tfoot></table>
{error_paragraph(error)}
<form method="post" action="/checkout/pay/{escape(session['id'])}">
<label for="card_number">Card number</label>
<input type="text" id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required>
<label for="expiry">Expiry (MM / YY)</label>
<input type="text" id="expiry" name="expiry" autocomplete="cc-exp" placeholder="MM / YY" required>
<label for="cvc">CVC</label>
<input type="text" id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required>
<label for="name">Name on card</label>
<input type="text" id="name" name="name" autocomplete="cc-name">
{saving}<button type="submit">Pay {total}</button>
</form>{bank_form(session)}{cancel}"""
    return page(f"Pay {total}", body, status)


def _expiry(text):
    parts = [part.strip() for part in (text or "").replace("-", "/").split("/")]
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        return None
    month, year = int(parts[0]), int(parts[1])
    year = year + 2000 if year < 100 else year
    return (month, year) if 1 <= month <= 12 else None


@bp.get("/pay/<session_id>")
def payment_page(session_id):
    _, _, session = find_session(session_id)
    if session is None or session["status"] != "open":
        return closed_page(session)
    error = AUTH_FAILED if request.args.get("error") == "authentication_failed" else None
    return payment_form(session, error)


@bp.post("/pay/<session_id>")
def submit_payment(session_id):
    store, account, session = find_session(session_id)
    if session is None or session["status"] != "open":
        return closed_page(session)
    if "card" not in session["payment_method_types"]:
        return payment_form(session, "This payment can't be made by card.", 422)
    expiry = _expiry(request.form.get("expiry"))
    if expiry is None:
        return payment_form(session, "Your card's expiration date is incomplete.", 422)
    if not (request.form.get("cvc") or "").strip().isdigit():
        return payment_form(session, "Your card's security code is incomplete.", 422)
    try:
        pm = payments.create_payment_method(
            store, account, request.form.get("card_number", ""), exp_month=expiry[0],
            exp_year=expiry[1], name=request.form.get("name") or None,
            email=session["customer_email"])
        return pay(store, account, session, pm)
    except StripeError as error:
        return payment_form(session, error.message, 402)


@bp.get("/pay/<session_id>/authenticate")
def challenge_page(session_id):
    _, account, session = find_session(session_id)
    if session is None or session["status"] != "open" or not session["_attempt"]:
        return closed_page(session)
    total = format_amount(session["amount_total"], session["currency"])
    body = f"""<p>Your bank asks you to confirm this payment of {total}.</p>
<form method="post"><button type="submit" name="outcome" value="complete">Complete authentication</button>
<button type="submit" name="outcome" value="fail">Fail authentication</button></form>"""
    return page("Authenticate this payment", body)


@bp.post("/pay/<session_id>/authenticate")
def challenge_answer(session_id):
    store, account, session = find_session(session_id)
    if session is None or session["status"] != "open" or not session["_attempt"]:
        return closed_page(session)
    pi = account["payment_intents"].get(session["_attempt"])
    if pi["status"] != "requires_action":
        raise missing("payment_intent", pi["id"])
    if request.form.get("outcome") == "complete":
        try:
            payments.confirm(store, account, pi, off_session=False, authenticated=True)
        except StripeError as error:
            return payment_form(session, error.message, 402)
        return _complete(store, account, session, pi)
    pi.update(status="requires_payment_method", next_action=None, last_payment_error={
        "type": "invalid_request_error", "code": "payment_intent_authentication_failure",
        "message": AUTH_FAILED})
    emit(store, account, "payment_intent.payment_failed", pi)
    return redirect(f"/checkout/pay/{session_id}?error=authentication_failed", 303)
