"""Recording a payment received outside Stripe: amount, date received, method and reference on the
timeline, refused beside the field when wrong, and undone exactly."""
from datetime import date, timedelta
from html import unescape

import pytest
from freezegun import freeze_time

from light.auth.models import Organization
from light.extensions import db
from light.invoices.models import InvoiceEvent
from light.utc import utcnow
from tests.fixtures.invoices import create_invoice, reload


@pytest.fixture
def owner(auth):
    return auth.login(auth.create_owner(name="Olivia Owner"))


def issued(client, **kwargs):
    kwargs.setdefault("method", "bank_transfer")
    invoice = create_invoice(client, **kwargs)
    assert client.post(f"/invoices/{invoice.id}/issue").status_code == 303
    return reload(invoice)


def page(client, invoice):
    return unescape(client.get(f"/invoices/{invoice.id}").get_data(as_text=True))


def payment_events(invoice):
    return db.session.query(InvoiceEvent).filter_by(invoice_id=invoice.id).order_by(InvoiceEvent.id).all()


def test_the_timeline_shows_the_amount_date_method_reference_and_who(client, owner):
    invoice = issued(client)  # 360.00 USD
    today = utcnow().date()
    response = client.post(f"/invoices/{invoice.id}/payments",
                           data={"amount": "100.00", "paid_on": today.isoformat(), "method": "cheque",
                                 "reference": "  CHQ   004512 "})
    assert response.status_code == 303
    assert (reload(invoice).amount_paid, reload(invoice).status) == (10000, "partially_paid")
    shown = page(client, invoice)
    assert (f"Payment of $100.00 received on {today:%d %b %Y} (Cheque, reference CHQ 004512), recorded by "
            "Olivia Owner.") in shown
    assert 'name="paid_on" type="date" value="' + today.isoformat() + '"' in shown  # today is offered


@pytest.mark.parametrize("field,value,message", [
    ("paid_on", "2099-01-01", "The date received can't be after today"),
    ("paid_on", "31/12/2025", "Enter the date received as a date, like 2025-01-31."),
    ("method", "bitcoin", "Choose how the payment arrived from the list."),
    ("reference", "x" * 101, "Keep the reference to 100 characters."),
    ("reference", "ab\x1bc", "The reference can only hold printable characters."),
    ("amount", "1,000.50", None),
])
def test_bad_input_is_refused_beside_the_field_and_nothing_is_recorded(client, owner, field, value, message):
    invoice = issued(client)
    before = len(payment_events(invoice))
    data = {"amount": "10.00", "paid_on": utcnow().date().isoformat(), "method": "bank_transfer"} | {field: value}
    response = client.post(f"/invoices/{invoice.id}/payments", data=data)
    assert response.status_code == 422
    shown = unescape(response.get_data(as_text=True))
    assert f'aria-describedby="e-{field}"' in shown and f'<small id="e-{field}" class="field-error">' in shown
    if message:
        assert message in shown
    assert reload(invoice).amount_paid == 0 and len(payment_events(invoice)) == before


def test_the_date_received_is_today_where_the_organization_works(client, owner):
    invoice = issued(client)
    owner_org = db.session.get(Organization, invoice.organization_id)
    owner_org.time_zone = "Pacific/Kiritimati"  # UTC+14: already tomorrow there at 11:00 UTC
    db.session.commit()
    with freeze_time("2030-01-05 11:00:00"):
        ok = client.post(f"/invoices/{invoice.id}/payments",
                         data={"amount": "10.00", "paid_on": "2030-01-06", "method": "cash"})
        assert ok.status_code == 303
        too_late = client.post(f"/invoices/{invoice.id}/payments",
                               data={"amount": "10.00", "paid_on": "2030-01-07", "method": "cash"})
        assert too_late.status_code == 422


def test_undo_takes_back_exactly_that_payment_and_the_status_follows(client, owner):
    invoice = issued(client, issue="2020-01-01", due="2020-01-15")  # due long ago: Overdue
    assert reload(invoice).status == "overdue"
    client.post(f"/invoices/{invoice.id}/payments", data={"amount": "60.00", "method": "bank_transfer"})
    client.post(f"/invoices/{invoice.id}/payments", data={"amount": "300.00", "method": "bank_transfer"})
    assert reload(invoice).status == "paid"
    first, second = [e for e in payment_events(invoice) if e.kind == "payment"]
    assert client.post(f"/invoices/{invoice.id}/payments/{second.id}/undo").status_code == 303
    assert (reload(invoice).amount_paid, reload(invoice).status, reload(invoice).paid_at) == (
        6000, "partially_paid", None)
    client.post(f"/invoices/{invoice.id}/payments/{first.id}/undo")
    assert (reload(invoice).amount_paid, reload(invoice).status) == (0, "overdue")
    shown = page(client, invoice)
    assert "Payment of $300.00 undone by Olivia Owner." in shown and "Payment of $60.00 undone" in shown
    assert "Undo</button>" not in shown  # both taken back: nothing left to undo


def test_a_payment_can_be_undone_once_and_a_stripe_payment_never_here(client, owner):
    invoice = issued(client)
    client.post(f"/invoices/{invoice.id}/payments", data={"amount": "360.00", "method": "bank_transfer"})
    [payment] = [e for e in payment_events(invoice) if e.kind == "payment"]
    client.post(f"/invoices/{invoice.id}/payments/{payment.id}/undo")
    again = client.post(f"/invoices/{invoice.id}/payments/{payment.id}/undo")
    assert again.status_code == 409 and "undone already" in unescape(again.get_data(as_text=True))
    assert reload(invoice).amount_paid == 0
    stripe_payment = InvoiceEvent(organization_id=invoice.organization_id, invoice_id=invoice.id, kind="payment",
                                  message="Paid through Stripe.", ref="pi_123", amount=36000)
    db.session.add(stripe_payment)
    invoice = reload(invoice)
    invoice.amount_paid, invoice.status = 36000, "paid"
    db.session.commit()
    refused = client.post(f"/invoices/{invoice.id}/payments/{stripe_payment.id}/undo")
    assert refused.status_code == 409 and reload(invoice).amount_paid == 36000


def test_undo_on_another_invoice_or_organization_answers_404_or_409_and_changes_nothing(client, auth, owner):
    invoice = issued(client)
    client.post(f"/invoices/{invoice.id}/payments", data={"amount": "10.00", "method": "cash"})
    [payment] = [e for e in payment_events(invoice) if e.kind == "payment"]
    other = issued(client)
    assert client.post(f"/invoices/{other.id}/payments/{payment.id}/undo").status_code == 409
    auth.login(auth.create_owner(email="eve@example.test", organization="Other Ltd"))
    assert client.post(f"/invoices/{invoice.id}/payments/{payment.id}/undo").status_code == 404
    assert reload(invoice).amount_paid == 1000


def test_undo_is_refused_when_a_refund_took_part_of_what_was_paid(client, owner):
    invoice = issued(client)
    client.post(f"/invoices/{invoice.id}/payments", data={"amount": "360.00", "method": "cash"})
    [payment] = [e for e in payment_events(invoice) if e.kind == "payment"]
    invoice = reload(invoice)
    invoice.amount_refunded = 5000
    db.session.commit()
    assert client.post(f"/invoices/{invoice.id}/payments/{payment.id}/undo").status_code == 409
    assert reload(invoice).amount_paid == 36000


def test_the_recorded_day_is_the_date_received_not_today(client, owner):
    invoice = issued(client)
    day = date.today() - timedelta(days=3)
    client.post(f"/invoices/{invoice.id}/payments", data={"amount": "5.00", "paid_on": day.isoformat(),
                                                          "method": "other"})
    assert f"received on {day:%d %b %Y} (Other)" in page(client, invoice)
