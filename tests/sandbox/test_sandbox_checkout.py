"""Checkout Sessions and the hosted payment page, driven over plain HTTP."""
import re

import pytest
import requests
import stripe


def client(stripe_sandbox, key):
    return stripe.StripeClient(key, base_addresses={"api": stripe_sandbox.url},
                               max_network_retries=0)


def session(sandbox, customer, currency="usd", lines=(("Invoice INV-7", 12345, 1),), save=True, **extra):
    params = {
        "mode": "payment", "customer": customer.id, "client_reference_id": "invoice-7",
        "line_items": [{"price_data": {"currency": currency, "unit_amount": unit,
                                       "product_data": {"name": name}}, "quantity": qty}
                       for name, unit, qty in lines],
        "metadata": {"invoice": "7"}, "payment_intent_data": {"metadata": {"invoice": "7"}},
        "success_url": "http://light.example/paid?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://light.example/invoices/7", **extra}
    if save:
        params["payment_intent_data"]["setup_future_usage"] = "off_session"
    return sandbox.v1.checkout.sessions.create(params=params)


@pytest.fixture
def sandbox(stripe_sandbox, sandbox_key):
    return client(stripe_sandbox, sandbox_key)


@pytest.fixture
def customer(sandbox):
    return sandbox.v1.customers.create(params={"name": "Ada", "email": "ada@example.com"})


def test_a_session_points_at_the_sandboxs_hosted_page(stripe_sandbox, sandbox, customer):
    created = session(sandbox, customer)
    assert created.id.startswith("cs_test_")
    assert created.url == f"{stripe_sandbox.url}/checkout/pay/{created.id}"
    assert (created.status, created.payment_status, created.payment_intent) == ("open", "unpaid", None)
    assert (created.amount_total, created.currency, created.customer) == (12345, "usd", customer.id)
    assert created.metadata.to_dict() == {"invoice": "7"}


@pytest.mark.parametrize("currency, lines, total", [
    ("usd", [("A", 12345, 1)], "123.45 USD"), ("jpy", [("A", 1500, 2)], "3,000 JPY"),
    ("kwd", [("A", 12340, 1), ("B", 10, 3)], "12.370 KWD")])
def test_the_hosted_page_shows_lines_and_total_in_the_currencys_decimals(stripe_sandbox, sandbox, customer, currency, lines, total):
    html = requests.get(session(sandbox, customer, currency, lines).url).text
    for label in ("Card number", "Expiry (MM / YY)", "CVC", "Name on card"):
        assert re.search(rf'<label for="\w+">{re.escape(label)}</label>', html)
    assert f"Pay {total}</button>" in html
    assert f'<td class="amount" id="total">{total}</td>' in html
    assert 'href="http://light.example/invoices/7"' in html


def test_paying_completes_the_session_and_saves_the_card_for_off_session(stripe_sandbox, sandbox, customer):
    created = session(sandbox, customer)
    answer = stripe_sandbox.pay_checkout(created.url)
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"http://light.example/paid?session={created.id}"
    done = sandbox.v1.checkout.sessions.retrieve(created.id)
    assert (done.status, done.payment_status) == ("complete", "paid")
    pi = sandbox.v1.payment_intents.retrieve(done.payment_intent)
    assert pi.status == "succeeded" and pi.metadata.to_dict() == {"invoice": "7"}
    assert pi.latest_charge.startswith("ch_")
    [pm] = sandbox.v1.customers.payment_methods.list(customer.id).data
    assert (pm.card.brand, pm.card.last4, pm.card.exp_month, pm.card.exp_year) == ("visa", "4242", 12, 2034)
    again = sandbox.v1.payment_intents.create(params={
        "amount": 500, "currency": "usd", "customer": customer.id, "payment_method": pm.id,
        "off_session": True, "confirm": True})
    assert again.status == "succeeded"


def test_a_declined_card_attaches_but_leaves_the_session_open(stripe_sandbox, sandbox, customer):
    created = session(sandbox, customer)
    answer = stripe_sandbox.pay_checkout(created.url, "4000 0000 0000 0341")
    assert answer.status_code == 402
    assert "Your card was declined." in answer.text
    assert sandbox.v1.checkout.sessions.retrieve(created.id).status == "open"
    [pm] = sandbox.v1.customers.payment_methods.list(customer.id).data
    assert pm.card.last4 == "0341"


@pytest.mark.parametrize("card", ["4000002760003184", "4000002500003155"])
def test_3ds_cards_ask_for_authentication_on_the_page(stripe_sandbox, sandbox, customer, card):
    created = session(sandbox, customer)
    first = requests.post(created.url, data={"card_number": card, "expiry": "12 / 34", "cvc": "123"},
                          allow_redirects=False)
    assert first.status_code == 303 and first.headers["Location"].endswith("/authenticate")
    challenge = requests.get(stripe_sandbox.url + first.headers["Location"]).text
    assert "Authenticate this payment" in challenge
    assert ">Complete authentication</button>" in challenge and ">Fail authentication</button>" in challenge
    answer = requests.post(stripe_sandbox.url + first.headers["Location"],
                           data={"outcome": "complete"}, allow_redirects=False)
    assert answer.status_code == 303
    assert sandbox.v1.checkout.sessions.retrieve(created.id).status == "complete"


def test_failing_authentication_keeps_the_session_open(stripe_sandbox, sandbox, customer):
    created = session(sandbox, customer)
    answer = stripe_sandbox.pay_checkout(created.url, "4000002760003184", authenticate="fail")
    assert answer.status_code == 303
    page = requests.get(stripe_sandbox.url + answer.headers["Location"]).text
    assert "unable to authenticate" in page
    assert sandbox.v1.checkout.sessions.retrieve(created.id).status == "open"


def test_3155_saved_through_checkout_charges_off_session_but_3184_needs_the_customer(stripe_sandbox, sandbox, customer):
    stripe_sandbox.pay_checkout(session(sandbox, customer).url, "4000002500003155")
    stripe_sandbox.pay_checkout(session(sandbox, customer).url, "4000002760003184")
    methods = {pm.card.last4: pm.id for pm in sandbox.v1.customers.payment_methods.list(customer.id).data}
    ok = sandbox.v1.payment_intents.create(params={
        "amount": 700, "currency": "usd", "customer": customer.id,
        "payment_method": methods["3155"], "off_session": True, "confirm": True})
    assert ok.status == "succeeded"
    with pytest.raises(stripe.CardError) as caught:
        sandbox.v1.payment_intents.create(params={
            "amount": 700, "currency": "usd", "customer": customer.id,
            "payment_method": methods["3184"], "off_session": True, "confirm": True})
    assert caught.value.code == "authentication_required"
    assert caught.value.error.payment_intent.status == "requires_payment_method"


def test_expiring_a_session_closes_the_page(stripe_sandbox, sandbox, customer):
    created = session(sandbox, customer)
    expired = sandbox.v1.checkout.sessions.expire(created.id)
    assert expired.status == "expired"
    assert requests.get(created.url).status_code == 410
    with pytest.raises(stripe.InvalidRequestError):
        sandbox.v1.checkout.sessions.expire(created.id)


def test_sessions_expire_on_their_own_at_expires_at(stripe_sandbox, sandbox, customer):
    created = session(sandbox, customer, expires_at=stripe_sandbox.state()["now"] + 1800)
    stripe_sandbox.advance_clock(seconds=1801)
    assert sandbox.v1.checkout.sessions.retrieve(created.id).status == "expired"


@pytest.mark.parametrize("offset", [60, 25 * 3600])
def test_expires_at_must_be_between_30_minutes_and_24_hours(stripe_sandbox, sandbox, customer, offset):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        session(sandbox, customer, expires_at=stripe_sandbox.state()["now"] + offset)
    assert caught.value.param == "expires_at"
