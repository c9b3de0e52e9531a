"""Every StripeGateway operation against the sandbox, through the real stripe-python SDK."""
import dataclasses
import time

import pytest

from light.plumbing import stripe_gateway as sg
from light.plumbing.stripe_gateway import StripeGateway
from tests.fixtures.stripe_sandbox import SleepRecorder, new_key


def gateway_for(stripe_sandbox, key, **options):
    options.setdefault("sleep", SleepRecorder())
    return StripeGateway(key, api_base=stripe_sandbox.url, connect_base=stripe_sandbox.url, **options)


@pytest.fixture
def customer(gateway):
    return gateway.create_customer(name="Ada Lovelace", email="ada@example.com",
                                   metadata={"light_contact": "42"}, idempotency_key="contact-42")


def saved_card(stripe_sandbox, gateway, customer, card="4242424242424242"):
    """Save a card the way Light does: a Checkout Session with save_payment_method, paid on
    the hosted page."""
    session = gateway.create_checkout_session(
        customer_id=customer.id, currency="usd", lines=[("Invoice INV-1", 1000, 1)],
        success_url="http://light.example/ok", cancel_url="http://light.example/no",
        metadata={"invoice": "1"}, save_payment_method=True,
        idempotency_key=f"invoice-1-session-{card}")
    stripe_sandbox.pay_checkout(session.url, card)
    return next(pm for pm in gateway.payment_methods(customer.id) if pm.last4 == card[-4:])


def test_results_are_lights_frozen_dataclasses(gateway, customer):
    assert type(customer) is sg.Customer
    with pytest.raises(dataclasses.FrozenInstanceError):
        customer.name = "x"


def test_account(gateway):
    account = gateway.account()
    assert account.id.startswith("acct_")
    assert account.name and account.country == "US" and account.default_currency == "usd"


def test_from_config_reads_lights_settings(stripe_sandbox, sandbox_key):
    gateway = StripeGateway.from_config({"STRIPE_API_BASE": stripe_sandbox.url,
                                         "STRIPE_CONNECT_BASE": stripe_sandbox.url,
                                         "STRIPE_SECRET_KEY": sandbox_key,
                                         "STRIPE_MAX_ATTEMPTS": "2"})
    assert gateway.max_attempts == 2
    assert gateway.account().id.startswith("acct_")
    assert sandbox_key not in repr(gateway)


def test_balance_per_currency(stripe_sandbox, sandbox_key, gateway):
    stripe_sandbox.seed(sandbox_key, balance_transactions=200, months=2, currencies=["usd", "jpy"])
    amounts = {b.currency: b for b in gateway.balance()}
    assert set(amounts) == {"usd", "jpy"}
    assert all(isinstance(b.available, int) and isinstance(b.pending, int) for b in amounts.values())
    state = stripe_sandbox.store.accounts[stripe_sandbox.store.keys[sandbox_key].account_id].balance
    assert amounts["jpy"].pending == state["jpy"]["pending"]


def test_balance_transaction_pages_cover_everything_newest_first(stripe_sandbox, sandbox_key, gateway):
    stripe_sandbox.seed(sandbox_key, balance_transactions=450, months=3, currencies=["usd", "eur"])
    pages = list(gateway.balance_transaction_pages(page_size=100))
    assert [len(p) for p in pages] == [100, 100, 100, 100, 50]
    txns = [t for page in pages for t in page]
    assert len({t.id for t in txns}) == 450
    assert gateway.balance_transaction(txns[7].id) == txns[7]
    assert [t.created for t in txns] == sorted((t.created for t in txns), reverse=True)
    assert all(isinstance(f, sg.FeeDetail) for t in txns for f in t.fee_details)
    charge = next(t for t in txns if t.type == "charge")
    assert charge.source_id.startswith("ch_") and charge.fee_details[0].type == "stripe_fee"


def test_created_gte_narrows_the_pages(stripe_sandbox, sandbox_key, gateway):
    stripe_sandbox.seed(sandbox_key, balance_transactions=300, months=3)
    everything = [t for page in gateway.balance_transaction_pages() for t in page]
    cutoff = everything[120].created
    recent = [t for page in gateway.balance_transaction_pages(created_gte=cutoff) for t in page]
    assert recent == [t for t in everything if t.created >= cutoff]


def test_a_sync_with_nothing_new_costs_one_call(stripe_sandbox, sandbox_key, gateway):
    assert list(gateway.balance_transaction_pages()) == []
    stripe_sandbox.seed(sandbox_key, balance_transactions=120, months=1)
    newest = next(gateway.balance_transaction_pages())[0].id
    assert list(gateway.balance_transactions_since(newest)) == []


def test_balance_transactions_since_returns_only_newer_ones_oldest_first(stripe_sandbox, sandbox_key, gateway):
    stripe_sandbox.seed(sandbox_key, balance_transactions=250, months=2, seed=3)
    everything = [t for page in gateway.balance_transaction_pages() for t in page]
    known = everything[230]  # 230 newer ones exist
    pages = list(gateway.balance_transactions_since(known.id, page_size=100))
    assert [len(p) for p in pages] == [100, 100, 30]
    newer = [t for page in pages for t in page]
    assert newer == list(reversed(everything[:230]))


def test_payouts_and_their_breakdown(stripe_sandbox, sandbox_key, gateway):
    stripe_sandbox.seed(sandbox_key, balance_transactions=600, months=3, currencies=["usd", "eur"])
    txns = [t for page in gateway.balance_transaction_pages() for t in page]
    payouts = [gateway.payout(t.source_id) for t in txns if t.type == "payout"]
    assert payouts and all(type(p) is sg.Payout and p.automatic for p in payouts)
    paid = next(p for p in payouts if p.status == "paid")
    assert paid.reconciliation_status == "completed"
    members = [t for page in gateway.balance_transaction_pages(payout=paid.id) for t in page]
    assert sum(t.net for t in members) == 0
    assert paid.balance_transaction_id in {t.id for t in members}


def test_a_connected_account_through_stripe_account(stripe_sandbox, sandbox_key):
    token = stripe_sandbox.connect_account(sandbox_key, "Connected Bakery")
    connected = gateway_for(stripe_sandbox, sandbox_key, stripe_account=token["stripe_user_id"])
    account = connected.account()
    assert (account.id, account.name) == (token["stripe_user_id"], "Connected Bakery")
    assert sum(len(p) for p in connected.balance_transaction_pages()) > 10
    assert gateway_for(stripe_sandbox, token["access_token"]).account().id == account.id


def test_deauthorize_then_the_connection_fails_authentication(stripe_sandbox, sandbox_key, gateway):
    token = stripe_sandbox.connect_account(sandbox_key, demo=False)
    gateway.deauthorize("ca_light1234567", token["stripe_user_id"])
    with pytest.raises(sg.AuthenticationFailed):
        gateway_for(stripe_sandbox, token["access_token"]).balance()
    with pytest.raises(sg.AuthenticationFailed):
        gateway_for(stripe_sandbox, sandbox_key, stripe_account=token["stripe_user_id"]).balance()
    with pytest.raises(sg.OAuthError) as caught:
        gateway.deauthorize("ca_light1234567", token["stripe_user_id"])
    assert caught.value.error == "invalid_client"


def test_create_customer_is_idempotent_on_lights_key(gateway, customer):
    again = gateway.create_customer(name="Ada Lovelace", email="ada@example.com",
                                    metadata={"light_contact": "42"}, idempotency_key="contact-42")
    assert again == customer
    with pytest.raises(sg.IdempotencyConflict):
        gateway.create_customer(name="Someone else", email="x@example.com", metadata={},
                                idempotency_key="contact-42")


def test_a_customer_can_be_read_back_and_an_unknown_one_is_invalid(gateway, customer):
    assert gateway.customer(customer.id) == customer
    with pytest.raises(sg.InvalidRequest):
        gateway.customer("cus_doesnotexist")


def test_checkout_session_round_trip(stripe_sandbox, gateway, customer):
    session = gateway.create_checkout_session(
        customer_id=customer.id, currency="eur", lines=[("Invoice INV-9", 4500, 2), ("Fee", 50, 1)],
        success_url="http://light.example/paid/{CHECKOUT_SESSION_ID}",
        cancel_url="http://light.example/invoices/9", metadata={"invoice": "9"},
        save_payment_method=False, idempotency_key="invoice-9-session-1",
        expires_at=int(time.time()) + 3600)
    assert (session.status, session.payment_status, session.customer_id) == ("open", "unpaid", customer.id)
    assert session.url.startswith(stripe_sandbox.url) and session.metadata == {"invoice": "9"}
    stripe_sandbox.pay_checkout(session.url)
    paid = gateway.checkout_session(session.id)
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    intent = gateway.payment_intent(paid.payment_intent_id)
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 9050, "eur")
    assert intent.metadata == {"invoice": "9"} and intent.latest_charge_id.startswith("ch_")
    assert gateway.payment_methods(customer.id) == []  # not saved without save_payment_method


def test_charging_a_saved_card(stripe_sandbox, gateway, customer):
    card = saved_card(stripe_sandbox, gateway, customer)
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2034)
    intent = gateway.charge_saved_payment_method(
        customer_id=customer.id, payment_method_id=card.id, amount=2500, currency="usd",
        metadata={"invoice": "2"}, idempotency_key="invoice-2-charge-1")
    assert (intent.status, intent.customer_id, intent.payment_method_id) == ("succeeded", customer.id, card.id)
    replay = gateway.charge_saved_payment_method(
        customer_id=customer.id, payment_method_id=card.id, amount=2500, currency="usd",
        metadata={"invoice": "2"}, idempotency_key="invoice-2-charge-1")
    assert replay == intent
    assert gateway.payment_intent(intent.id) == intent


def test_a_declined_saved_card(stripe_sandbox, gateway, customer):
    card = saved_card(stripe_sandbox, gateway, customer, "4000000000000341")
    with pytest.raises(sg.CardDeclined) as caught:
        gateway.charge_saved_payment_method(
            customer_id=customer.id, payment_method_id=card.id, amount=2500, currency="usd",
            metadata={}, idempotency_key="invoice-3-charge-1")
    assert (caught.value.code, caught.value.decline_code) == ("card_declined", "generic_decline")
    intent = gateway.payment_intent(caught.value.payment_intent_id)
    assert (intent.status, intent.last_error_code) == ("requires_payment_method", "card_declined")


def test_a_card_that_always_needs_authentication(stripe_sandbox, gateway, customer):
    card = saved_card(stripe_sandbox, gateway, customer, "4000002760003184")
    with pytest.raises(sg.AuthenticationRequired) as caught:
        gateway.charge_saved_payment_method(
            customer_id=customer.id, payment_method_id=card.id, amount=2500, currency="usd",
            metadata={}, idempotency_key="invoice-4-charge-1")
    assert gateway.payment_intent(caught.value.payment_intent_id).status == "requires_payment_method"


def test_an_issuer_decline_asking_for_authentication_is_sca_not_a_failure(stripe_sandbox, gateway, customer):
    card = saved_card(stripe_sandbox, gateway, customer, "4000000000009887")
    with pytest.raises(sg.AuthenticationRequired) as caught:  # card_declined + decline_code=authentication_required
        gateway.charge_saved_payment_method(
            customer_id=customer.id, payment_method_id=card.id, amount=2500, currency="usd",
            metadata={}, idempotency_key="invoice-5-charge-1")
    assert gateway.payment_intent(caught.value.payment_intent_id).last_error_code == "card_declined"


def test_refund_all_or_part(stripe_sandbox, gateway, customer):
    card = saved_card(stripe_sandbox, gateway, customer)
    intent = gateway.charge_saved_payment_method(
        customer_id=customer.id, payment_method_id=card.id, amount=3000, currency="usd",
        metadata={}, idempotency_key="invoice-5-charge-1")
    part = gateway.refund(payment_intent_id=intent.id, amount=1000, idempotency_key="refund-5-1")
    assert (part.amount, part.currency, part.status) == (1000, "usd", "succeeded")
    assert (part.charge_id, part.payment_intent_id) == (intent.latest_charge_id, intent.id)
    rest = gateway.refund(payment_intent_id=intent.id, idempotency_key="refund-5-2")
    assert rest.amount == 2000
    with pytest.raises(sg.InvalidRequest):
        gateway.refund(payment_intent_id=intent.id, amount=1, idempotency_key="refund-5-3")
    assert gateway.refunds_of_charge(intent.latest_charge_id) == [rest, part]  # newest first, as Stripe lists


def test_webhook_endpoints(gateway, webhook_receiver):
    endpoint = gateway.create_webhook_endpoint(url=webhook_receiver.url,
                                               events=["customer.created"],
                                               idempotency_key="light-webhooks-1")
    assert endpoint.secret.startswith("whsec_") and endpoint.url == webhook_receiver.url
    created = gateway.create_customer(name="Hook", email=None, metadata={}, idempotency_key="c-hook")
    [delivery] = webhook_receiver.wait_for(1)
    event = StripeGateway.parse_event(delivery["body"], delivery["headers"]["Stripe-Signature"],
                                      endpoint.secret)
    assert (event.type, event.object["id"]) == ("customer.created", created.id)
    gateway.delete_webhook_endpoint(endpoint.id)
    with pytest.raises(sg.InvalidRequest):
        gateway.delete_webhook_endpoint(endpoint.id)


def test_parse_event_rejects_forgeries_stale_and_garbage(gateway, webhook_receiver):
    from stripe_sandbox.events import sign
    body = b'{"id": "evt_1", "type": "payout.paid", "created": 1, "livemode": false, "data": {"object": {}}}'
    now = int(time.time())
    good = sign(body, "whsec_right", now)
    assert StripeGateway.parse_event(body, good, "whsec_right").id == "evt_1"
    with pytest.raises(sg.SignatureInvalid):
        StripeGateway.parse_event(body, good, "whsec_wrong")
    with pytest.raises(sg.SignatureInvalid):
        StripeGateway.parse_event(body, sign(body, "whsec_right", now - 301), "whsec_right")
    with pytest.raises(sg.SignatureInvalid):
        StripeGateway.parse_event(b"not json", sign(b"not json", "whsec_right", now), "whsec_right")
    with pytest.raises(sg.SignatureInvalid):
        StripeGateway.parse_event(body, "", "whsec_right")


# -- failures -----------------------------------------------------------------------------------
def test_a_bad_key_is_authentication_failed(stripe_sandbox):
    with pytest.raises(sg.AuthenticationFailed):
        gateway_for(stripe_sandbox, "sk_test_bad").account()


def test_a_revoked_key_is_authentication_failed(stripe_sandbox, sandbox_key, gateway):
    gateway.account()
    stripe_sandbox.revoke(sandbox_key)
    with pytest.raises(sg.AuthenticationFailed):
        gateway.account()


def test_a_restricted_key_without_the_permission(stripe_sandbox):
    key = new_key("rk_test_")
    gateway = gateway_for(stripe_sandbox, key)
    gateway.balance()
    stripe_sandbox.restrict(key, ["balance_transactions"])
    with pytest.raises(sg.PermissionDenied) as caught:
        list(gateway.balance_transaction_pages())
    assert caught.value.resource == "balance_transactions"
    assert gateway.balance() is not None


def test_429s_are_retried_with_growing_jittered_backoff(stripe_sandbox, gateway):
    stripe_sandbox.faults(429, count=3)
    assert gateway.account().id
    delays = gateway.sleep.calls
    assert len(delays) == 3
    assert all(0 <= d <= cap for d, cap in zip(delays, (0.5, 1.0, 2.0), strict=True))


def test_5xx_on_a_read_are_retried(stripe_sandbox, gateway):
    stripe_sandbox.faults(500, count=2, path_prefix="/v1/balance")
    assert gateway.balance() is not None and len(gateway.sleep.calls) == 2


def test_a_5xx_on_a_write_with_a_key_is_not_retried_for_stripe_saved_it_under_the_key(stripe_sandbox, gateway):
    # Stripe replays a saved 5xx to every retry with the same key for 24 h: retrying only waits.
    stripe_sandbox.faults(500, count=1, path_prefix="/v1/customers")
    with pytest.raises(sg.Unreachable):
        gateway.create_customer(name="Retry", email=None, metadata={}, idempotency_key="c-retry")
    assert gateway.sleep.calls == []
    created = gateway.create_customer(name="Retry", email=None, metadata={}, idempotency_key="c-retry-2")
    assert created.name == "Retry"


def test_rate_limited_when_429s_outlast_the_attempts(stripe_sandbox, sandbox_key):
    gateway = gateway_for(stripe_sandbox, sandbox_key, max_attempts=3)
    stripe_sandbox.faults(429, count=3)
    with pytest.raises(sg.RateLimited):
        gateway.balance()
    assert len(gateway.sleep.calls) == 2


def test_unreachable_when_5xx_outlast_the_attempts(stripe_sandbox, sandbox_key):
    gateway = gateway_for(stripe_sandbox, sandbox_key, max_attempts=2)
    stripe_sandbox.faults(503, count=2)
    with pytest.raises(sg.Unreachable):
        gateway.balance()


def test_unreachable_when_nothing_listens(sandbox_key):
    gateway = StripeGateway(sandbox_key, api_base="http://127.0.0.1:9", max_attempts=2,
                            sleep=SleepRecorder())
    with pytest.raises(sg.Unreachable):
        gateway.account()
    assert len(gateway.sleep.calls) == 1


def test_an_unknown_object_is_invalid_request_with_its_param(gateway):
    with pytest.raises(sg.InvalidRequest) as caught:
        gateway.payout("po_missing")
    assert caught.value.param == "id"
    with pytest.raises(sg.InvalidRequest) as caught:
        gateway.create_checkout_session(customer_id="cus_missing", currency="usd",
                                        lines=[("x", 100, 1)], success_url="http://x/ok",
                                        cancel_url="http://x/no", metadata={},
                                        save_payment_method=True, idempotency_key="cs-missing")
    assert caught.value.param == "customer"


def test_retries_are_logged_without_the_secret_key(stripe_sandbox, gateway, sandbox_key, caplog):
    stripe_sandbox.faults(503, count=1)
    with caplog.at_level("DEBUG"):
        gateway.account()
    assert "retrying" in caplog.text
    assert sandbox_key not in caplog.text and sandbox_key[-12:] not in caplog.text
