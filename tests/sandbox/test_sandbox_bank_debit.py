"""Checkout paid by US bank account: complete but unpaid at once, then the async events."""
import pytest

from tests.sandbox.test_sandbox_checkout import client, session


@pytest.fixture
def sandbox(stripe_sandbox, sandbox_key):
    return client(stripe_sandbox, sandbox_key)


@pytest.fixture
def customer(sandbox):
    return sandbox.v1.customers.create(params={"name": "Ada", "email": "ada@example.com"})


def events_of(sandbox, session_id):
    listed = sandbox.v1.events.list(params={"limit": 100})
    return [e.type for e in reversed(listed.data)
            if e.type.startswith("checkout.session") and e.data.object["id"] == session_id]


def test_without_named_types_a_session_offers_dynamic_methods_and_the_page_a_bank_account(
        stripe_sandbox, sandbox, customer):
    created = session(sandbox, customer)
    assert created.payment_method_types == ["card", "link", "us_bank_account"]
    page = stripe_sandbox.http.get(created.url).text
    assert "Pay by bank account" in page


def test_cards_only_is_what_allowed_payment_method_types_asks(stripe_sandbox, sandbox, customer):
    created = session(sandbox, customer, allowed_payment_method_types=["card"])
    assert created.payment_method_types == ["card"]
    assert "Pay by bank account" not in stripe_sandbox.http.get(created.url).text
    assert stripe_sandbox.pay_by_bank(created.url).status_code == 422
    assert sandbox.v1.checkout.sessions.retrieve(created.id).status == "open"


def test_a_bank_debit_completes_unpaid_then_settles_with_the_async_event(stripe_sandbox, sandbox, customer):
    created = session(sandbox, customer)
    assert stripe_sandbox.pay_by_bank(created.url).status_code == 303
    done = sandbox.v1.checkout.sessions.retrieve(created.id)
    assert (done.status, done.payment_status) == ("complete", "unpaid")
    intent = sandbox.v1.payment_intents.retrieve(done.payment_intent)
    assert intent.status == "processing" and intent.latest_charge is None
    method = sandbox.v1.payment_methods.retrieve(intent.payment_method)
    assert method.type == "us_bank_account" and method.us_bank_account.last4 == "6789"
    assert method.customer == customer.id  # setup_future_usage saves it
    stripe_sandbox.settle_bank_debit(created.id)
    assert sandbox.v1.checkout.sessions.retrieve(created.id).payment_status == "paid"
    assert sandbox.v1.payment_intents.retrieve(intent.id).status == "succeeded"
    assert events_of(sandbox, created.id) == ["checkout.session.completed",
                                              "checkout.session.async_payment_succeeded"]


def test_a_closed_account_bounces_with_the_async_failure(stripe_sandbox, sandbox, customer):
    created = session(sandbox, customer)
    stripe_sandbox.pay_by_bank(created.url, account_number="000111111113")
    stripe_sandbox.settle_bank_debit(created.id)
    done = sandbox.v1.checkout.sessions.retrieve(created.id)
    assert done.payment_status == "unpaid"
    intent = sandbox.v1.payment_intents.retrieve(done.payment_intent)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.code == "account_closed"
    assert events_of(sandbox, created.id)[-1] == "checkout.session.async_payment_failed"
