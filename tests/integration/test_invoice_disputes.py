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


def closed(org, outcome, *, event_id):
    """Stripe's charge.dispute.closed for the sandbox's dispute (the sandbox has no way to decide
    one): its charge.dispute.created event with the dispute's final status, signed like Stripe's."""
    import copy

    [opened] = org.relay.events({"charge.dispute.created"})
    event = copy.deepcopy(opened)
    event.update(id=event_id, type="charge.dispute.closed")
    event["data"]["object"]["status"] = outcome
    return opened, event


def status_of(invoice):
    return reload(invoice).status


def kinds(invoice):
    return [e.kind for e in reload(invoice).events if e.kind.startswith("dispute")]


def test_a_disputed_invoice_is_disputed_until_won_and_duplicates_change_nothing(client, org, stripe_sandbox,
                                                                                run_jobs):
    from html import unescape

    invoice = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    stripe_sandbox.dispute(org.key, payment_intent=invoice.stripe_payment_intent_id)
    org.relay.deliver(run_jobs, types={"charge.dispute.created"}, duplicate=True)
    assert (status_of(invoice), reload(invoice).status_label) == ("disputed", "Disputed")
    page = unescape(client.get(f"/invoices/{invoice.id}").get_data(as_text=True))
    assert 'class="badge badge-disputed" id="invoice-status">Disputed<' in page
    assert 'id="refund"' not in page  # Stripe refunds no disputed charge
    listed = unescape(client.get("/invoices/?status=disputed").get_data(as_text=True))
    assert invoice.number in listed and "Disputed" in listed
    assert invoice.number not in unescape(client.get("/invoices/?status=paid").get_data(as_text=True))

    opened, won = closed(org, "won", event_id="evt_dispute_closed_won")
    assert org.relay.post(won).status_code == 200
    assert org.relay.post(won).status_code == 200
    run_jobs()
    assert status_of(invoice) == "paid" and kinds(invoice) == ["disputed", "dispute_won"]
    # The opening delivered again after the closing: still Paid, nothing added.
    assert org.relay.post(opened).status_code == 200
    run_jobs()
    assert status_of(invoice) == "paid" and kinds(invoice) == ["disputed", "dispute_won"]


def test_a_lost_dispute_marks_the_invoice_and_a_closing_first_is_not_undone_by_the_opening(
        client, org, stripe_sandbox, run_jobs):
    invoice = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    stripe_sandbox.dispute(org.key, payment_intent=invoice.stripe_payment_intent_id)
    opened, lost = closed(org, "lost", event_id="evt_dispute_closed_lost")
    assert org.relay.post(lost).status_code == 200  # the closing arrives first
    run_jobs()
    assert (status_of(invoice), reload(invoice).status_label) == ("dispute_lost", "Dispute lost")
    org.relay.deliver(run_jobs, types={"charge.dispute.created"}, duplicate=True)
    assert status_of(invoice) == "dispute_lost" and kinds(invoice) == ["dispute_lost", "disputed"]
    assert org.relay.post(lost).status_code == 200
    run_jobs()
    assert status_of(invoice) == "dispute_lost" and kinds(invoice) == ["dispute_lost", "disputed"]
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert "badge-dispute_lost" in page and "for the customer" in page


def test_a_dispute_won_before_its_opening_arrived_leaves_the_invoice_paid(client, org, stripe_sandbox, run_jobs):
    invoice = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    stripe_sandbox.dispute(org.key, payment_intent=invoice.stripe_payment_intent_id)
    _, won = closed(org, "won", event_id="evt_dispute_closed_first")
    assert org.relay.post(won).status_code == 200
    run_jobs()
    org.relay.deliver(run_jobs, types={"charge.dispute.created"})
    assert status_of(invoice) == "paid" and kinds(invoice) == ["dispute_won", "disputed"]
