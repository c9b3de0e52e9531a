"""The /v1 collecting endpoints: customers, payment methods, payment intents, Checkout, refunds,
webhook endpoints. Registered on the same blueprint as api.py."""
from flask import g, request

from . import checkout, payments, versions
from .api import bp, get_or_404, render, render_list, store
from .events import emit
from .money import check_charge_amount
from .payments import public
from .state import random_token
from .wire import StripeError, as_bool, as_int, as_list, as_metadata, missing, required

SETUP_USAGES = ("off_session", "on_session")


def _currency(params, name="currency"):
    currency = (params.get(name) or "").lower()
    if len(currency) != 3 or not currency.isalpha():
        raise (required(name) if not currency else
               StripeError(400, f"Invalid currency: {currency}.", param=name))
    return currency


# -- customers --------------------------------------------------------------------------------
@bp.post("/customers")
def create_customer():
    p = g.params
    customer = payments.new_customer(store(), g.account, name=p.get("name") or None,
                                     email=p.get("email") or None,
                                     description=p.get("description") or None,
                                     metadata=as_metadata(p))
    g.account["customers"].add(customer, store().next_seq())
    _update_invoice_settings(customer, p)
    emit(store(), g.account, "customer.created", customer)
    return render(customer)


def _update_invoice_settings(customer, p):
    settings = p.get("invoice_settings") or {}
    if isinstance(settings, dict) and "default_payment_method" in settings:
        pm_id = settings["default_payment_method"] or None
        if pm_id:
            pm = g.account["payment_methods"].get(pm_id)
            if pm is None or pm["customer"] != customer["id"]:
                raise StripeError(400, f"No such PaymentMethod: '{pm_id}'",
                                  code="resource_missing",
                                  param="invoice_settings[default_payment_method]")
        customer["invoice_settings"]["default_payment_method"] = pm_id


@bp.get("/customers/<id>")
def retrieve_customer(id):
    customer = get_or_404("customers", id)
    if customer.get("deleted"):
        return render({"id": id, "object": "customer", "deleted": True})
    return render(customer)


@bp.post("/customers/<id>")
def update_customer(id):
    customer = payments.get_customer(g.account, id, "id")
    p = g.params
    for field in ("name", "email", "description", "phone"):
        if field in p:
            customer[field] = p[field] or None
    if "metadata" in p:
        customer["metadata"].update(as_metadata(p))
        for key, value in (p["metadata"] or {}).items():
            if value == "":
                customer["metadata"].pop(key, None)
    _update_invoice_settings(customer, p)
    emit(store(), g.account, "customer.updated", customer)
    return render(customer)


@bp.delete("/customers/<id>")
def delete_customer(id):
    customer = payments.get_customer(g.account, id, "id")
    customer["deleted"] = True
    emit(store(), g.account, "customer.deleted", customer)
    return render({"id": id, "object": "customer", "deleted": True})


@bp.get("/customers")
def list_customers():
    email = g.params.get("email")
    match = (lambda c: c["email"] == email and not c.get("deleted")) if email else \
        (lambda c: not c.get("deleted"))
    return render_list("customers", match=match)


@bp.get("/customers/<id>/payment_methods")
def customer_payment_methods(id):
    payments.get_customer(g.account, id, "customer")
    kind = g.params.get("type")
    return render_list("payment_methods", allow_created=False, match=lambda pm: (
        pm["customer"] == id and (not kind or pm["type"] == kind)))


# -- payment methods --------------------------------------------------------------------------
@bp.post("/payment_methods")
def create_payment_method():
    p = g.params
    if p.get("type") != "card":
        raise StripeError(400, "Only card payment methods are supported by the sandbox.",
                          param="type")
    card = p.get("card") or {}
    if isinstance(card, dict) and card.get("token"):
        number = payments.TEST_METHODS.get(card["token"])
        if number is None:
            raise missing("token", card["token"], "card[token]")
        card = {"number": number}
    if not isinstance(card, dict) or not card.get("number"):
        raise required("card[number]")
    billing = p.get("billing_details") or {}
    pm = payments.create_payment_method(
        store(), g.account, card["number"], exp_month=as_int(card, "exp_month", default=12),
        exp_year=as_int(card, "exp_year", default=2034), name=billing.get("name"),
        email=billing.get("email"), metadata=as_metadata(p))
    return render(pm)


@bp.get("/payment_methods/<id>")
def retrieve_payment_method(id):
    return render(get_or_404("payment_methods", id))


@bp.get("/payment_methods")
def list_payment_methods():
    customer = g.params.get("customer")
    if not customer:
        raise required("customer")
    return customer_payment_methods(customer)


@bp.post("/payment_methods/<id>/attach")
def attach_payment_method(id):
    customer_id = g.params.get("customer")
    if not customer_id:
        raise required("customer")
    pm = payments.resolve_payment_method(store(), g.account, id, "payment_method")
    customer = payments.get_customer(g.account, customer_id)
    return render(payments.attach(store(), g.account, pm, customer))


@bp.post("/payment_methods/<id>/detach")
def detach_payment_method(id):
    pm = get_or_404("payment_methods", id)
    if not pm["customer"]:
        raise StripeError(400, "The payment method you provided is not attached to a customer "
                          "so detachment is impossible.", param="payment_method")
    customer = g.account["customers"].get(pm["customer"])
    if customer and customer["invoice_settings"]["default_payment_method"] == id:
        customer["invoice_settings"]["default_payment_method"] = None
    pm["customer"] = None
    pm["_off_session_ready"] = False
    emit(store(), g.account, "payment_method.detached", public(pm))
    return render(pm)


# -- payment intents --------------------------------------------------------------------------
@bp.post("/payment_intents")
def create_payment_intent():
    p = g.params
    amount = as_int(p, "amount", minimum=1)
    if amount is None:
        raise required("amount")
    currency = _currency(p)
    check_charge_amount(amount, currency)
    customer_id = p.get("customer") or None
    if customer_id:
        payments.get_customer(g.account, customer_id)
    pm = None
    if p.get("payment_method"):
        pm = payments.resolve_payment_method(store(), g.account, p["payment_method"])
        if pm["customer"] and pm["customer"] != customer_id:
            raise StripeError(400, f"The provided PaymentMethod {pm['id']} belongs to a "
                              "different Customer.", param="payment_method")
    usage = p.get("setup_future_usage") or None
    if usage and usage not in SETUP_USAGES:
        raise StripeError(400, f"Invalid setup_future_usage: {usage}", param="setup_future_usage")
    pi = payments.new_payment_intent(store(), g.account, amount=amount, currency=currency,
                                     customer=customer_id, payment_method=pm and pm["id"],
                                     metadata=as_metadata(p),
                                     description=p.get("description") or None,
                                     setup_future_usage=usage,
                                     automatic_payment_methods=versions.automatic_payment_methods(
                                         g.api_version, p))
    g.account["payment_intents"].add(pi, store().next_seq())
    emit(store(), g.account, "payment_intent.created", pi)
    if as_bool(p, "confirm"):
        if pm is None:
            raise StripeError(400, "You cannot confirm this PaymentIntent because it's missing a "
                              "payment method.", code="payment_intent_unexpected_state")
        off_session = p.get("off_session") in ("true", "1", "one_off", "recurring")
        if pm["customer"] is None and customer_id and p["payment_method"] in payments.TEST_METHODS:
            pm["customer"] = customer_id  # Stripe lets test ids like pm_card_visa go with a customer
        if off_session and pm["customer"] != customer_id:
            raise StripeError(400, "The PaymentMethod must be attached to the customer to be used "
                              "off_session.", param="payment_method")
        payments.confirm(store(), g.account, pi, off_session=off_session)
    return render(pi)


@bp.get("/payment_intents/<id>")
def retrieve_payment_intent(id):
    return render(get_or_404("payment_intents", id))


@bp.get("/payment_intents")
def list_payment_intents():
    customer = g.params.get("customer")
    return render_list("payment_intents",
                       match=(lambda pi: pi["customer"] == customer) if customer else None)


@bp.post("/payment_intents/<id>/confirm")
def confirm_payment_intent(id):
    pi = get_or_404("payment_intents", id)
    p = g.params
    if pi["status"] not in ("requires_payment_method", "requires_confirmation", "requires_action"):
        raise StripeError(400, f"This PaymentIntent's status is {pi['status']} and cannot be "
                          "confirmed.", code="payment_intent_unexpected_state")
    if p.get("payment_method"):
        pi["payment_method"] = payments.resolve_payment_method(store(), g.account,
                                                               p["payment_method"])["id"]
    if not pi["payment_method"]:
        raise required("payment_method")
    payments.confirm(store(), g.account, pi, off_session=as_bool(p, "off_session"))
    return render(pi)


# -- Checkout ---------------------------------------------------------------------------------
@bp.post("/checkout/sessions")
def create_checkout_session():
    session = checkout.create_session(store(), g.account, g.params, request.host_url)
    return render(session)


@bp.get("/checkout/sessions/<id>")
def retrieve_checkout_session(id):
    session = get_or_404("checkout_sessions", id)
    checkout.refresh(store(), g.account, session)
    return render(session)


@bp.get("/checkout/sessions")
def list_checkout_sessions():
    return render_list("checkout_sessions", match=_by(("customer", "payment_intent", "status")))


def _by(fields):
    wanted = {f: g.params[f] for f in fields if g.params.get(f)}
    return (lambda obj: all(obj.get(f) == v for f, v in wanted.items())) if wanted else None


@bp.post("/checkout/sessions/<id>/expire")
def expire_checkout_session(id):
    session = get_or_404("checkout_sessions", id)
    checkout.refresh(store(), g.account, session)
    if session["status"] != "open":
        raise StripeError(400, f"Only Checkout Sessions with a status in [\"open\"] can be "
                          f"expired. This Checkout Session has a status of {session['status']}.",
                          code="checkout_session_not_open")
    checkout.expire(store(), g.account, session)
    return render(session)


# -- refunds ----------------------------------------------------------------------------------
@bp.post("/refunds")
def create_refund():
    p = g.params
    if p.get("payment_intent"):
        pi = get_or_404("payment_intents", p["payment_intent"])
        if not pi["latest_charge"] or pi["status"] != "succeeded":
            raise StripeError(400, "This PaymentIntent does not have a successful charge to "
                              "refund.", code="charge_not_refundable", param="payment_intent")
        charge = g.account["charges"].get(pi["latest_charge"])
    elif p.get("charge"):
        charge = g.account["charges"].get(p["charge"])
        if charge is None:
            raise missing("charge", p["charge"], "charge")
    else:
        raise StripeError(400, "One of the following params should be provided for this "
                          "request: payment_intent or charge.", code="parameter_missing")
    refund = payments.refund(store(), g.account, charge, as_int(p, "amount", minimum=1),
                             reason=p.get("reason") or None, metadata=as_metadata(p))
    return render(refund)


# -- webhook endpoints ------------------------------------------------------------------------
@bp.post("/webhook_endpoints")
def create_webhook_endpoint():
    p = g.params
    url = p.get("url")
    if not url:
        raise required("url")
    events = as_list(p, "enabled_events")
    if not events:
        raise required("enabled_events")
    api_version = p.get("api_version") or None
    if api_version is not None and api_version not in versions.KNOWN:
        # Stripe refuses a version outside the Literal list; its message is not sourced here.
        raise StripeError(400, f"Invalid api_version: {api_version}", code="parameter_invalid",
                          param="api_version")
    endpoint = {
        "id": store().new_id("we"), "object": "webhook_endpoint", "api_version": api_version,
        "application": None, "created": store().now(), "description": p.get("description") or None,
        "enabled_events": events, "livemode": g.account.livemode, "metadata": as_metadata(p),
        "status": "enabled", "url": url, "_secret": f"whsec_{random_token(32)}",
        "_connect": as_bool(p, "connect"),
    }
    g.account["webhook_endpoints"].add(endpoint, store().next_seq())
    return render({**endpoint, "secret": endpoint["_secret"]})  # the only time it is shown


@bp.get("/webhook_endpoints/<id>")
def retrieve_webhook_endpoint(id):
    return render(get_or_404("webhook_endpoints", id))


@bp.post("/webhook_endpoints/<id>")
def update_webhook_endpoint(id):
    endpoint = get_or_404("webhook_endpoints", id)
    p = g.params
    if "url" in p:
        endpoint["url"] = p["url"]
    if "enabled_events" in p:
        endpoint["enabled_events"] = as_list(p, "enabled_events")
    if "disabled" in p:
        endpoint["status"] = "disabled" if as_bool(p, "disabled") else "enabled"
    return render(endpoint)


@bp.get("/webhook_endpoints")
def list_webhook_endpoints():
    return render_list("webhook_endpoints", allow_created=False)


@bp.delete("/webhook_endpoints/<id>")
def delete_webhook_endpoint(id):
    get_or_404("webhook_endpoints", id)
    g.account["webhook_endpoints"].remove(id)
    return render({"id": id, "object": "webhook_endpoint", "deleted": True})
