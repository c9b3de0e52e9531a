"""The Refund button: money back through the organization's Stripe, once however often it is
pressed, recorded the way the charge.refunded webhook records it (so the webhook adds nothing)."""
from html import unescape

import pytest

from light.invoices.models import CreditNote, InvoiceEvent
from light.utc import utcnow
from tests.fixtures.invoices import create_invoice, issue, on_the_sandbox, paid_once_through_checkout, reload


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    return on_the_sandbox(app_config, stripe_sandbox)


def paid(client, org, stripe_sandbox, run_jobs, **invoice):
    return paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242", **invoice)


def refunds_at_stripe(stripe_sandbox, org, invoice):
    intent = stripe_sandbox.api("GET", f"/v1/payment_intents/{invoice.stripe_payment_intent_id}", org.key).json()
    listed = stripe_sandbox.api("GET", "/v1/refunds", org.key, charge=intent["latest_charge"]).json()["data"]
    return [(r["amount"], r["status"]) for r in listed if r["charge"] == intent["latest_charge"]]


def notes_of(invoice):
    return CreditNote.query.filter_by(invoice_id=invoice.id).order_by(CreditNote.id).all()


def form(invoice, amount, reason="", after=None):
    return {"refund_amount": amount, "refund_reason": reason,
            "refund_after": str(invoice.amount_returned if after is None else after)}


def test_the_page_offers_what_is_refundable_and_a_double_submit_refunds_once(client, org, stripe_sandbox,
                                                                             run_jobs):
    invoice = paid(client, org, stripe_sandbox, run_jobs)
    page = unescape(client.get(f"/invoices/{invoice.id}").get_data(as_text=True))
    assert "Refund through Stripe" in page and 'name="refund_amount"' in page and 'value="360.00"' in page
    assert "hx-confirm=\"Refund this amount" in page
    typed = form(invoice, "60.00", "Cancelled one seat")
    first = client.post(f"/invoices/{invoice.id}/refunds", data=typed)
    assert first.status_code == 303, first.get_data(as_text=True)[:2000]
    second = client.post(f"/invoices/{invoice.id}/refunds", data=typed)  # the same page, pressed again
    assert second.status_code == 409
    assert "the invoice was refunded or credited meanwhile" in unescape(second.get_data(as_text=True))
    assert refunds_at_stripe(stripe_sandbox, org, invoice) == [(6000, "succeeded")]
    invoice = reload(invoice)
    [note] = notes_of(invoice)
    assert (note.number, note.amount, note.reason, note.issued_by) == ("CN-0001", 6000, "Cancelled one seat",
                                                                      "Olivia Owner")
    assert (invoice.status, invoice.amount_refunded, invoice.amount_credited) == ("partially_refunded", 6000, 6000)
    [refunded] = InvoiceEvent.query.filter_by(invoice_id=invoice.id, kind="refunded").all()
    assert refunded.amount == 6000 and "by Olivia Owner" in refunded.message
    page = unescape(client.get(f"/invoices/{invoice.id}").get_data(as_text=True))
    assert "Partly refunded" in page and "CN-0001" in page and 'value="300.00"' in page

    # Stripe's own events arrive afterwards, twice: nothing is added.
    org.relay.deliver(run_jobs, types={"charge.refunded", "refund.created"}, duplicate=True)
    invoice = reload(invoice)
    assert len(notes_of(invoice)) == 1 and InvoiceEvent.query.filter_by(invoice_id=invoice.id,
                                                                        kind="refunded").count() == 1
    assert (invoice.amount_refunded, invoice.amount_credited) == (6000, 6000)

    # The rest, refunded from the page as it is now: Refunded, and no Refund button any more.
    assert client.post(f"/invoices/{invoice.id}/refunds", data=form(invoice, "300.00")).status_code == 303
    invoice = reload(invoice)
    assert [n.amount for n in notes_of(invoice)] == [6000, 30000]
    assert notes_of(invoice)[1].reason == "Refund through Stripe"
    assert (invoice.status, invoice.amount_credited) == ("refunded", 36000)
    assert refunds_at_stripe(stripe_sandbox, org, invoice) == [(30000, "succeeded"), (6000, "succeeded")]
    assert 'id="refund"' not in client.get(f"/invoices/{invoice.id}").get_data(as_text=True)


def test_a_retry_after_a_lost_answer_gets_stripes_first_refund_back(client, org, stripe_sandbox, run_jobs):
    """The first click reached Stripe but its answer never came back: the retry sends the same key,
    derived from the invoice as Light has it, so Stripe answers with that refund instead of a new one."""
    invoice = paid(client, org, stripe_sandbox, run_jobs)
    lost = stripe_sandbox.api("POST", "/v1/refunds", org.key, idempotency_key=f"refund:{invoice.id}:after-0:2500",
                              payment_intent=invoice.stripe_payment_intent_id, amount=2500).json()
    assert client.post(f"/invoices/{invoice.id}/refunds", data=form(invoice, "25.00")).status_code == 303
    assert refunds_at_stripe(stripe_sandbox, org, invoice) == [(2500, "succeeded")]
    [note] = notes_of(reload(invoice))
    assert note.stripe_refund_id == lost["id"] and reload(invoice).amount_credited == 2500


def test_a_zero_decimal_currency_refunds_in_its_own_units(client, org, stripe_sandbox, run_jobs):
    invoice = paid(client, org, stripe_sandbox, run_jobs, currency="JPY", lines=(("Consulting", "2", "15000", "0"),))
    assert invoice.total == 30000
    assert 'value="30000"' in client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    bad = client.post(f"/invoices/{invoice.id}/refunds", data=form(invoice, "100.50"))
    assert bad.status_code == 422 and refunds_at_stripe(stripe_sandbox, org, invoice) == []
    assert client.post(f"/invoices/{invoice.id}/refunds", data=form(invoice, "1000")).status_code == 303
    assert refunds_at_stripe(stripe_sandbox, org, invoice) == [(1000, "succeeded")]
    assert reload(invoice).amount_credited == 1000


def test_a_three_decimal_currency_refunds_in_fils(client, org, stripe_sandbox, run_jobs):
    invoice = paid(client, org, stripe_sandbox, run_jobs, currency="KWD", lines=(("Consulting", "1", "10.500", "0"),))
    assert invoice.total == 10500
    assert 'value="10.500"' in client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert client.post(f"/invoices/{invoice.id}/refunds", data=form(invoice, "1.234")).status_code == 303
    assert refunds_at_stripe(stripe_sandbox, org, invoice) == [(1234, "succeeded")]
    assert [n.amount for n in notes_of(reload(invoice))] == [1234]


@pytest.mark.parametrize("amount, reason, after, field, message", [
    ("360.01", "", None, "refund_amount", "At most $360.00: what was paid, less what is refunded or credited"),
    ("0", "", None, "refund_amount", "Enter an amount above zero."),
    ("-5.00", "", None, "refund_amount", "Enter an amount above zero."),
    ("abc", "", None, "refund_amount", None),
    ("1,000.00", "", None, "refund_amount", None),
    ("10.001", "", None, "refund_amount", "USD allows at most 2 decimal places."),
    ("", "", None, "refund_amount", "Enter an amount."),
    ("99999999999999999999", "", None, "refund_amount", None),
    ("10.00", "r" * 301, None, "refund_reason", "Keep the reason to 300 characters."),
    ("10.00", "bell\x07", None, "refund_reason", "The reason can only hold printable characters."),
    ("10.00", "", "garbage", "refund_amount", "Reload the page and try again"),
])
def test_a_bad_refund_is_refused_beside_its_field_and_stripe_is_not_asked(
        client, org, stripe_sandbox, run_jobs, amount, reason, after, field, message):
    invoice = paid(client, org, stripe_sandbox, run_jobs)
    response = client.post(f"/invoices/{invoice.id}/refunds", data=form(invoice, amount, reason, after))
    assert response.status_code == 422
    page = unescape(response.get_data(as_text=True))
    assert f'id="f-{field}"' in page and 'aria-invalid="true"' in page
    if message:
        assert message in page
    invoice = reload(invoice)
    assert refunds_at_stripe(stripe_sandbox, org, invoice) == [] and notes_of(invoice) == []
    assert (invoice.status, invoice.amount_refunded, invoice.amount_credited) == ("paid", 0, 0)


def test_an_unpaid_or_bank_transfer_invoice_has_no_refund(client, org, stripe_sandbox, run_jobs):
    unpaid = issue(client, run_jobs, create_invoice(client))
    assert "Refund through Stripe" not in client.get(f"/invoices/{unpaid.id}").get_data(as_text=True)
    response = client.post(f"/invoices/{unpaid.id}/refunds", data=form(unpaid, "1.00"))
    assert response.status_code == 422 and "Only a paid invoice can be refunded." in response.get_data(as_text=True)

    by_bank = issue(client, run_jobs, create_invoice(client, method="bank_transfer"))
    assert client.post(f"/invoices/{by_bank.id}/payments", data={
        "amount": "360.00", "paid_on": str(utcnow().date()), "method": "bank_transfer"}).status_code == 303
    by_bank = reload(by_bank)
    assert by_bank.status == "paid"
    page = client.get(f"/invoices/{by_bank.id}").get_data(as_text=True)
    assert "Refund through Stripe" not in page
    response = client.post(f"/invoices/{by_bank.id}/refunds", data=form(by_bank, "1.00"))
    assert response.status_code == 422
    assert "Only a payment Stripe collected can be refunded here" in unescape(response.get_data(as_text=True))
    assert notes_of(unpaid) == [] and notes_of(by_bank) == [] and reload(by_bank).status == "paid"


def test_stripe_refusing_shows_its_message_and_records_nothing(client, org, stripe_sandbox, run_jobs):
    invoice = paid(client, org, stripe_sandbox, run_jobs)
    # Refunded at Stripe behind Light's back (its event not delivered yet): Stripe refuses the excess.
    stripe_sandbox.api("POST", "/v1/refunds", org.key, idempotency_key="elsewhere",
                       payment_intent=invoice.stripe_payment_intent_id, amount=35000)
    response = client.post(f"/invoices/{invoice.id}/refunds", data=form(invoice, "100.00"))
    assert response.status_code == 422
    assert "Stripe refused the refund:" in unescape(response.get_data(as_text=True))
    assert notes_of(reload(invoice)) == [] and reload(invoice).status == "paid"

    stripe_sandbox.faults(503, count=5, path_prefix="/v1/refunds", method="POST")
    response = client.post(f"/invoices/{invoice.id}/refunds", data=form(invoice, "5.00"))
    assert response.status_code == 422 and "Stripe had an error" in unescape(response.get_data(as_text=True))
    stripe_sandbox.clear_faults()
    invoice = reload(invoice)
    assert notes_of(invoice) == [] and (invoice.status, invoice.amount_refunded) == ("paid", 0)
    assert refunds_at_stripe(stripe_sandbox, org, invoice) == [(35000, "succeeded")]
    # The same click once Stripe is back: the key was never saved by Stripe (a 503), so it refunds.
    assert client.post(f"/invoices/{invoice.id}/refunds", data=form(invoice, "5.00")).status_code == 303
    invoice = reload(invoice)
    assert sorted(n.amount for n in notes_of(invoice)) == [500, 35000]  # the one behind Light's back too
    assert (invoice.status, invoice.amount_refunded, invoice.amount_credited) == ("partially_refunded", 35500, 35500)


def test_members_and_other_organizations_cant_refund(client, auth, org, stripe_sandbox, run_jobs):
    invoice = paid(client, org, stripe_sandbox, run_jobs)
    member = auth.create_member(org.person)
    auth.login(member)
    assert "Refund through Stripe" not in client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert client.post(f"/invoices/{invoice.id}/refunds", data=form(invoice, "5.00")).status_code == 403
    auth.login(auth.create_owner(organization="Elsewhere Ltd"))
    assert client.post(f"/invoices/{invoice.id}/refunds", data=form(invoice, "5.00")).status_code == 404
    assert refunds_at_stripe(stripe_sandbox, org, invoice) == [] and notes_of(invoice) == []


def test_five_clicks_at_once_refund_once(app, client, org, stripe_sandbox, run_jobs):
    """From five threads with their own sessions: those that pass Light's check together reach
    Stripe with one key, so Stripe makes one refund; none answers 500."""
    from tests.integration.test_concurrent_clicks import click_at_once

    invoice = paid(client, org, stripe_sandbox, run_jobs)
    statuses = click_at_once(app, client, f"/invoices/{invoice.id}/refunds", data=form(invoice, "50.00"), clicks=5)
    assert 500 not in statuses and statuses.count(303) >= 1 and set(statuses) <= {303, 409, 422}, statuses
    assert refunds_at_stripe(stripe_sandbox, org, invoice) == [(5000, "succeeded")]
    invoice = reload(invoice)
    assert [n.amount for n in notes_of(invoice)] == [5000]
    assert (invoice.amount_refunded, invoice.amount_credited, invoice.status) == (5000, 5000, "partially_refunded")
