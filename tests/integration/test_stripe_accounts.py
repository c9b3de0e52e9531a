"""Stripe customers and the cards saved on them live in one Stripe account. A key of the same
account (Stripe removed and added again) keeps them; another account's key starts afresh, so a
pay link never points at a customer that account doesn't have."""
from datetime import timedelta

import pytest

from light.customers.models import Customer
from light.extensions import db
from light.integrations import services as integrations
from light.invoices.models import InvoiceEvent
from light.utc import utcnow
from tests.fixtures.invoices import (
    SIGNING_SECRET,
    checkout,
    create_invoice,
    issue,
    on_the_sandbox,
    paid_once_through_checkout,
    reload,
)
from tests.fixtures.stripe_sandbox import new_key

TODAY = utcnow().date()


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    return on_the_sandbox(app_config, stripe_sandbox)


def kinds(invoice):
    return [e.kind for e in InvoiceEvent.query.filter_by(invoice_id=invoice.id).order_by(InvoiceEvent.id)]


def next_invoice(client, run_jobs, customer_id):
    return issue(client, run_jobs, create_invoice(client, customer_id=customer_id, issue=str(TODAY),
                                                  due=str(TODAY + timedelta(days=7)),
                                                  lines=(("Support", "1", "99.00", "0"),)))


def test_stripe_removed_and_added_again_with_the_same_account_keeps_the_saved_card(
        client, org, stripe_sandbox, run_jobs):
    first = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    customer = db.session.get(Customer, first.customer_id)
    stripe_id, card = customer.stripe_customer_id, customer.payment_method_id
    assert client.post(f"/settings/integrations/{org.integration_id}/remove", data={"confirm": "remove"}).status_code == 303
    assert client.post("/settings/integrations/stripe/new", data={"secret_key": org.key}).status_code == 303

    second = next_invoice(client, run_jobs, customer.id)
    assert second.status == "paid" and "charge_attempt" in kinds(second)  # charged, not e-mailed a link
    db.session.expire_all()
    customer = db.session.get(Customer, customer.id)
    assert (customer.stripe_customer_id, customer.payment_method_id) == (stripe_id, card)


def test_another_accounts_key_starts_afresh_and_every_pay_link_still_works(client, org, stripe_sandbox, run_jobs):
    first = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    old_stripe_id = db.session.get(Customer, first.customer_id).stripe_customer_id
    waiting = next_invoice(client, run_jobs, first.customer_id)  # charged with the card of the old account
    other = new_key()
    response = client.post(f"/settings/integrations/{org.integration_id}/key", data={"replace_secret_key": other})
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    integrations.save_webhook_secret(organization_id=org.person.organization_id, integration_id=org.integration_id,
                                     signing_secret=SIGNING_SECRET)

    third = next_invoice(client, run_jobs, first.customer_id)
    customer = db.session.get(Customer, first.customer_id)
    assert customer.stripe_customer_id != old_stripe_id and customer.payment_method_id is None
    assert third.status == "issued" and "sent" in kinds(third)  # a pay link: the card isn't in that account
    assert "charge_attempt" not in kinds(third)
    session_url = checkout(client, reload(third))  # not a 409 "No such customer"
    assert "/checkout/pay/cs_" in session_url
    assert waiting.status == "paid"
