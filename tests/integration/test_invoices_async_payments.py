"""Checkout payments that settle later (a bank debit): Light's own sessions are cards only, and a
session paid another way is still recorded through Stripe's async Checkout events."""
from datetime import timedelta

import pytest

from light.invoices.collection import stripe_metadata
from light.invoices.models import InvoiceEvent
from light.utc import utcnow
from tests.fixtures.invoices import checkout, create_invoice, issue, on_the_sandbox, reload

TODAY = utcnow().date()


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    return on_the_sandbox(app_config, stripe_sandbox)


@pytest.fixture
def invoice(client, org, run_jobs):
    return issue(client, run_jobs, create_invoice(client, issue=str(TODAY), due=str(TODAY + timedelta(days=14))))


def kinds(invoice):
    return [e.kind for e in InvoiceEvent.query.filter_by(invoice_id=invoice.id).order_by(InvoiceEvent.id)]


def session_paid_by_bank(stripe_sandbox, org, invoice, account_number):
    """A session Light did not restrict (made before it offered cards only), paid by bank."""
    created = stripe_sandbox.api(
        "POST", "/v1/checkout/sessions", org.key, mode="payment", customer=invoice.customer.stripe_customer_id,
        line_items=[{"price_data": {"currency": "usd", "unit_amount": invoice.amount_due,
                                    "product_data": {"name": f"Invoice {invoice.number}"}}, "quantity": 1}],
        metadata=stripe_metadata(invoice, "checkout"),
        payment_intent_data={"metadata": stripe_metadata(invoice, "checkout")},
        success_url="http://light.test/ok").json()
    assert stripe_sandbox.pay_by_bank(created["url"], account_number=account_number).status_code == 303
    return created["id"]


def test_lights_checkout_offers_cards_only(client, stripe_sandbox, invoice):
    url = checkout(client, invoice)
    session_id = url.rsplit("/", 1)[-1]
    account = next(a for a in stripe_sandbox.store.accounts.values() if a["checkout_sessions"].get(session_id))
    session = account["checkout_sessions"].get(session_id)
    assert session["payment_method_types"] == ["card"]
    assert stripe_sandbox.pay_by_bank(url).status_code == 422


def test_the_registered_endpoint_receives_the_async_checkout_events(app, stripe_sandbox, sandbox_key, auth):
    from light.integrations import services as integrations
    person = auth.create_owner(organization="Async Ltd")
    integration = integrations.connect_stripe(organization_id=person.organization_id, user_id=person.id,
                                              secret_key=sandbox_key)
    account = stripe_sandbox.store.accounts[stripe_sandbox.store.keys[sandbox_key].account_id]
    endpoint = account["webhook_endpoints"].get(integration.webhook_endpoint_id)
    assert {"checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed"} <= \
        set(endpoint["enabled_events"])


def test_a_bank_debit_is_processing_then_paid_when_it_settles(client, org, stripe_sandbox, run_jobs, invoice):
    session_id = session_paid_by_bank(stripe_sandbox, org, invoice, "000123456789")
    org.relay.deliver(run_jobs)
    invoice = reload(invoice)
    assert invoice.status == "issued" and invoice.amount_paid == 0
    assert "payment_processing" in kinds(invoice)
    stripe_sandbox.settle_bank_debit(session_id)
    org.relay.deliver(run_jobs)
    invoice = reload(invoice)
    assert invoice.status == "paid" and invoice.amount_paid == invoice.total
    assert kinds(invoice).count("payment") == 1
    assert invoice.customer.payment_method_id is None  # a bank account is not a card Light reuses


def test_a_bounced_bank_debit_fails_the_invoice(client, org, stripe_sandbox, run_jobs, invoice):
    session_id = session_paid_by_bank(stripe_sandbox, org, invoice, "000111111113")
    org.relay.deliver(run_jobs)
    stripe_sandbox.settle_bank_debit(session_id)
    org.relay.deliver(run_jobs)
    invoice = reload(invoice)
    assert invoice.status == "payment_failed"
    assert "bank debit failed" in InvoiceEvent.query.filter_by(invoice_id=invoice.id, kind="payment_failed").one().message


def test_flask_update_webhook_events_subscribes_an_older_endpoint_to_the_async_events(
        app, stripe_sandbox, sandbox_key, auth):
    from light.integrations import services as integrations
    person = auth.create_owner(organization="Older Ltd")
    integration = integrations.connect_stripe(organization_id=person.organization_id, user_id=person.id,
                                              secret_key=sandbox_key)
    endpoint_id, secret = integration.webhook_endpoint_id, integration.webhook_secret
    before = ["checkout.session.completed", "checkout.session.expired", "payment_intent.succeeded",
              "payment_intent.payment_failed", "charge.refunded", "charge.dispute.created"]
    assert stripe_sandbox.api("POST", f"/v1/webhook_endpoints/{endpoint_id}", sandbox_key,
                              enabled_events=before).status_code == 200  # as Light registered it before
    result = app.test_cli_runner().invoke(args=["update-webhook-events"])
    assert f"Stripe integration {integration.id}: updated" in result.output
    account = stripe_sandbox.store.accounts[stripe_sandbox.store.keys[sandbox_key].account_id]
    endpoint = account["webhook_endpoints"].get(endpoint_id)
    assert set(endpoint["enabled_events"]) == set(integrations.WEBHOOK_EVENTS)
    assert endpoint["_secret"] == secret  # the signing secret Light keeps still signs its events
    again = app.test_cli_runner().invoke(args=["update-webhook-events"])
    assert "updated" in again.output  # replayed under the same key: nothing changes
