"""Credit notes for refunds: one per Stripe refund (however Stripe's events arrive), one typed by
the team for money given back outside Stripe, each a page and a PDF of its own organization."""
from html import unescape
from io import BytesIO

import pytest
from pypdf import PdfReader

from light.auth.models import Organization
from light.extensions import db
from light.invoices.models import CreditNote, InvoiceEvent
from tests.fixtures.invoices import on_the_sandbox, paid_once_through_checkout, reload


@pytest.fixture
def app_config(app_config, stripe_sandbox):
    return on_the_sandbox(app_config, stripe_sandbox)


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def refund(stripe_sandbox, org, invoice, amount, key):
    response = stripe_sandbox.api("POST", "/v1/refunds", org.key, idempotency_key=key,
                                  payment_intent=invoice.stripe_payment_intent_id, amount=amount)
    assert response.status_code == 200, response.text
    return response.json()


def notes_of(invoice):
    return CreditNote.query.filter_by(invoice_id=invoice.id).order_by(CreditNote.id).all()


def paid(client, org, stripe_sandbox, run_jobs):
    invoice = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    assert invoice.total == 36000  # 2 × 150.00 + 20% tax
    return invoice


def test_each_stripe_refund_makes_one_credit_note_however_often_its_event_arrives(
        client, org, stripe_sandbox, run_jobs):
    invoice = paid(client, org, stripe_sandbox, run_jobs)
    first = refund(stripe_sandbox, org, invoice, 6000, "r1")
    org.relay.deliver(run_jobs, types={"charge.refunded"}, duplicate=True)
    org.relay.deliver(run_jobs, types={"charge.refunded"}, duplicate=True)  # nothing new: nothing changes
    invoice = reload(invoice)
    [note] = notes_of(invoice)
    assert (note.number, note.amount, note.currency, note.stripe_refund_id) == ("CN-0001", 6000, "USD", first["id"])
    assert (invoice.status, invoice.status_label, invoice.amount_credited) == ("partially_refunded",
                                                                               "Partly refunded", 6000)
    page = unescape(client.get(f"/invoices/{invoice.id}").get_data(as_text=True))
    assert "Partly refunded" in page and "CN-0001" in page and f"/invoices/credit-notes/{note.id}" in page

    # The rest, refunded: the events are posted again, newest first and twice each.
    second = refund(stripe_sandbox, org, invoice, 30000, "r2")
    for event in reversed(org.relay.events({"charge.refunded"})):
        assert org.relay.post(event).status_code == 200
        assert org.relay.post(event).status_code == 200
    run_jobs()
    invoice = reload(invoice)
    notes = notes_of(invoice)
    assert [(n.number, n.amount, n.stripe_refund_id) for n in notes] == [
        ("CN-0001", 6000, first["id"]), ("CN-0002", 30000, second["id"])]
    assert (invoice.status, invoice.amount_credited, invoice.amount_refunded) == ("refunded", 36000, 36000)
    assert InvoiceEvent.query.filter_by(invoice_id=invoice.id, kind="credit_note").count() == 2
    listed = unescape(client.get("/invoices/?status=refunded").get_data(as_text=True))
    assert invoice.number in listed and "Refunded" in listed
    assert "Issue a credit note" not in unescape(client.get(f"/invoices/{invoice.id}").get_data(as_text=True))


def test_a_credit_note_by_hand_has_a_page_and_a_pdf_and_counts_against_later_refunds(
        client, org, stripe_sandbox, run_jobs):
    invoice = paid(client, org, stripe_sandbox, run_jobs)
    organization = db.session.get(Organization, invoice.organization_id)
    organization.credit_note_prefix = "ACME-CN"
    db.session.commit()
    response = client.post(f"/invoices/{invoice.id}/credit-notes",
                           data={"credit_amount": "100.00", "credit_reason": "Returned  one licence"})
    assert response.status_code == 303
    [note] = notes_of(invoice)
    assert response.headers["Location"].endswith(f"/invoices/credit-notes/{note.id}")
    assert (note.number, note.amount, note.reason, note.issued_by, note.stripe_refund_id) == (
        "ACME-CN0001", 10000, "Returned one licence", "Olivia Owner", None)
    assert reload(invoice).status == "partially_refunded"
    page = unescape(client.get(f"/invoices/credit-notes/{note.id}").get_data(as_text=True))
    assert "Credit note ACME-CN0001" in page and "$100.00" in page and invoice.number in page
    pdf = client.get(f"/invoices/credit-notes/{note.id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert 'filename="ACME-CN0001.pdf"' in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data)
    assert "Credit note ACME-CN0001" in text and "$100.00" in text and invoice.number in text
    assert "Returned one licence" in text and "Ada Customer" in text and "Acme Ltd" in text

    # A Stripe refund of the whole payment afterwards is credited only for what was left.
    refund(stripe_sandbox, org, invoice, 36000, "all")
    org.relay.deliver(run_jobs, types={"charge.refunded"}, duplicate=True)
    invoice = reload(invoice)
    assert [(n.number, n.amount) for n in notes_of(invoice)] == [("ACME-CN0001", 10000), ("ACME-CN0002", 26000)]
    assert (invoice.status, invoice.amount_credited) == ("refunded", 36000)
    text = pdf_text(client.get(f"/invoices/{invoice.id}/pdf").data)
    assert "REFUNDED" in text and "-$360.00" in text


@pytest.mark.parametrize(("amount", "reason", "field", "message"), [
    ("360.01", "Too much", "credit_amount", "At most $360.00: what was paid, less what is credited already."),
    ("0", "Zero", "credit_amount", "Enter an amount above zero."),
    ("1,5", "Comma", "credit_amount", None),
    ("10.001", "Places", "credit_amount", "USD allows at most 2 decimal places."),
    ("", "Empty", "credit_amount", "Enter an amount."),
    ("10.00", "", "credit_reason", "Say why the money goes back (the customer reads it on the credit note)."),
    ("10.00", "r" * 301, "credit_reason", "Keep the reason to 300 characters."),
    ("10.00", "bell\x07", "credit_reason", "The reason can only hold printable characters."),
    ("99999999999999999999", "Huge", "credit_amount", None),
])
def test_a_bad_credit_note_is_refused_beside_its_field_and_nothing_is_written(
        client, org, stripe_sandbox, run_jobs, amount, reason, field, message):
    invoice = paid(client, org, stripe_sandbox, run_jobs)
    response = client.post(f"/invoices/{invoice.id}/credit-notes",
                           data={"credit_amount": amount, "credit_reason": reason})
    assert response.status_code == 422
    page = unescape(response.get_data(as_text=True))
    assert f'id="f-{field}"' in page and 'aria-invalid="true"' in page
    if message:
        assert message in page
    assert notes_of(invoice) == [] and reload(invoice).amount_credited == 0 and reload(invoice).status == "paid"


def test_an_unpaid_invoice_cant_be_credited(client, org, stripe_sandbox, run_jobs):
    from tests.fixtures.invoices import create_invoice, issue

    invoice = issue(client, run_jobs, create_invoice(client))
    assert "Issue a credit note" not in client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    response = client.post(f"/invoices/{invoice.id}/credit-notes", data={"credit_amount": "1.00",
                                                                        "credit_reason": "Goodwill"})
    assert response.status_code == 422 and notes_of(invoice) == []


def test_another_organizations_credit_note_is_not_found(client, auth, org, stripe_sandbox, run_jobs):
    invoice = paid(client, org, stripe_sandbox, run_jobs)
    assert client.post(f"/invoices/{invoice.id}/credit-notes",
                       data={"credit_amount": "5.00", "credit_reason": "Goodwill"}).status_code == 303
    [note] = notes_of(invoice)
    auth.login(auth.create_owner(organization="Elsewhere Ltd"))
    assert client.get(f"/invoices/credit-notes/{note.id}").status_code == 404
    assert client.get(f"/invoices/credit-notes/{note.id}/pdf").status_code == 404
    assert client.post(f"/invoices/{invoice.id}/credit-notes",
                       data={"credit_amount": "5.00", "credit_reason": "Mine"}).status_code == 404
    assert len(notes_of(invoice)) == 1


def test_the_same_refund_credited_by_two_workers_at_once_is_one_credit_note(app, client, org, stripe_sandbox,
                                                                           run_jobs):
    """Two deliveries of one charge.refunded handled at the same moment, each in its own session."""
    import threading

    from light.invoices import credit_notes
    from light.invoices.models import Invoice
    from light.plumbing.stripe_gateway import Refund

    invoice = paid(client, org, stripe_sandbox, run_jobs)
    remote = refund(stripe_sandbox, org, invoice, 5000, "together")
    refunds = [Refund(id=remote["id"], amount=5000, currency="usd", charge_id=remote["charge"],
                      payment_intent_id=invoice.stripe_payment_intent_id, status="succeeded")]
    barrier, made, failures = threading.Barrier(2), [], []

    def worker():
        try:
            with app.app_context():
                barrier.wait()
                made.extend(note.number for note in credit_notes.for_stripe_refunds(
                    db.session.get(Invoice, invoice.id), refunds))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == [] and made == ["CN-0001"]
    invoice = reload(invoice)
    assert [(n.number, n.amount) for n in notes_of(invoice)] == [("CN-0001", 5000)]
    assert (invoice.amount_credited, invoice.status) == (5000, "partially_refunded")
