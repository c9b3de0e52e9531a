"""A customer disputing a paid invoice with their bank: the invoice shows it and the owners hear."""
import pytest

from light.utc import from_unix
from tests.fixtures.invoices import on_the_sandbox, paid_once_through_checkout, reload


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    return on_the_sandbox(app_config, stripe_sandbox)


def test_a_dispute_shows_on_the_invoice_and_the_owners_are_told_once(client, org, stripe_sandbox, run_jobs,
                                                                     smtp_server):
    invoice = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    stripe_sandbox.dispute(org.key, payment_intent=invoice.stripe_payment_intent_id, amount=10000)
    org.relay.deliver(run_jobs, types={"charge.dispute.created"}, duplicate=True)
    invoice = reload(invoice)
    disputes = [e for e in invoice.events if e.kind == "disputed"]
    assert len(disputes) == 1 and disputes[0].amount == 10000
    assert "$100.00" in disputes[0].message
    [remote] = stripe_sandbox.api("GET", "/v1/disputes", org.key).json()["data"]
    deadline = from_unix(remote["evidence_details"]["due_by"]).strftime("%d %b %Y")
    assert disputes[0].message.endswith(f"Answer it in Stripe by {deadline}.")
    told = [m for m in smtp_server.messages if m["Subject"].startswith("Disputed: invoice")]
    assert len(told) == 1 and org.person.email in told[0]["To"]
    assert f"before its deadline ({deadline}, UTC)" in smtp_server.text(told[0])
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "disputed $100.00" in page
