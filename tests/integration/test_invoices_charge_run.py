"""The periodic charge run over invoices falling due: one invoice Stripe refuses is recorded on
its own timeline and the run goes on; a Stripe 5xx, which Stripe saves under the attempt's
idempotency key and would replay for 24 h, is tried again by the next run under a new key."""
from datetime import timedelta

import pytest

from light.customers.models import Customer
from light.extensions import db
from light.invoices import charging
from light.invoices.models import InvoiceEvent
from light.utc import utcnow
from tests.fixtures.invoices import checkout, create_invoice, issue, on_the_sandbox, reload

TODAY = utcnow().date()


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    return on_the_sandbox(app_config, stripe_sandbox)


def two_invoices_paying_the_first(client, org, stripe_sandbox, run_jobs, name, email):
    """A customer pays one invoice through Checkout (saving the card); another, issued before,
    falls due today and waits for the charge run."""
    who = {"new_customer_name": name, "new_customer_email": email}
    first = issue(client, run_jobs, create_invoice(client, issue=str(TODAY), due=str(TODAY + timedelta(days=30)),
                                                   **who))
    second = issue(client, run_jobs, create_invoice(client, customer_id=first.customer_id, issue=str(TODAY),
                                                    due=str(TODAY), lines=(("Support", "1", "99.00", "0"),)))
    stripe_sandbox.pay_checkout(checkout(client, first))
    org.relay.deliver(run_jobs)
    assert reload(first).status == "paid" and reload(second).status == "issued"
    assert db.session.get(Customer, first.customer_id).payment_method_id
    return reload(second)


def timeline(invoice):
    return [(e.kind, e.message) for e in InvoiceEvent.query.filter_by(invoice_id=invoice.id).order_by(InvoiceEvent.id)]


def intents_for(stripe_sandbox, org, invoice):
    response = stripe_sandbox.api("GET", "/v1/payment_intents", org.key, customer=invoice.customer.stripe_customer_id,
                                  limit=100).json()
    return [pi for pi in response["data"] if pi["metadata"].get("light_invoice_id") == str(invoice.id)]


def test_an_invoice_stripe_refuses_is_recorded_and_the_run_charges_the_next(client, org, stripe_sandbox, run_jobs):
    refused = two_invoices_paying_the_first(client, org, stripe_sandbox, run_jobs, "Ada Customer", "ada@example.com")
    charged = two_invoices_paying_the_first(client, org, stripe_sandbox, run_jobs, "Bob Customer", "bob@example.com")
    assert refused.id < charged.id
    # Someone detached Ada's card in the Stripe Dashboard: Stripe answers 400, which Light can't foresee.
    card = db.session.get(Customer, refused.customer_id).payment_method_id
    assert stripe_sandbox.api("POST", f"/v1/payment_methods/{card}/detach", org.key).status_code == 200

    assert charging.charge_due_invoices(TODAY) == 1
    refused, charged = reload(refused), reload(charged)
    assert charged.status == "paid"
    assert refused.status == "issued"
    [(kind, message)] = [e for e in timeline(refused) if e[0] == "charge_refused"]
    assert message.startswith("Stripe refused the charge:") and "attached" in message
    assert charging.charge_due_invoices(TODAY) == 0  # Stripe would refuse again: a person decides


def test_a_5xx_is_retried_by_the_next_run_under_a_new_key_and_charges_once(client, org, stripe_sandbox, run_jobs):
    invoice = two_invoices_paying_the_first(client, org, stripe_sandbox, run_jobs, "Ada Customer", "ada@example.com")
    stripe_sandbox.faults(500, count=1, path_prefix="/v1/payment_intents")
    try:
        assert charging.charge_due_invoices(TODAY) == 0
    finally:
        stripe_sandbox.clear_faults()
    invoice = reload(invoice)
    assert invoice.status == "issued" and invoice.charge_attempts == 1
    assert any(kind == "charge_interrupted" for kind, _ in timeline(invoice))
    # The 500 is saved under invoice-<id>-charge-1 and would be replayed: the next run uses charge-2.
    saved = stripe_sandbox.store.accounts[stripe_sandbox.store.keys[org.key].account_id].idempotency
    assert saved[f"invoice-{invoice.id}-charge-1"][1] == 500

    assert charging.charge_due_invoices(TODAY) == 1
    invoice = reload(invoice)
    assert invoice.status == "paid" and invoice.charge_attempts == 2
    assert [pi["status"] for pi in intents_for(stripe_sandbox, org, invoice)] == ["succeeded"]
    assert charging.charge_due_invoices(TODAY) == 0


def test_a_run_stops_retrying_an_invoice_after_three_interrupted_attempts(client, org, stripe_sandbox, run_jobs):
    invoice = two_invoices_paying_the_first(client, org, stripe_sandbox, run_jobs, "Ada Customer", "ada@example.com")
    for _ in range(5):  # Stripe answers each run's charge with a 500
        stripe_sandbox.faults(500, count=1, path_prefix="/v1/payment_intents", method="POST")
        try:
            charging.charge_due_invoices(TODAY)
        finally:
            stripe_sandbox.clear_faults()
    invoice = reload(invoice)
    assert invoice.charge_attempts == charging.MAX_INTERRUPTED_ATTEMPTS and invoice.status == "issued"
    assert intents_for(stripe_sandbox, org, invoice) == []
