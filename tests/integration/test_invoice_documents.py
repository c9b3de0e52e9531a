"""Invoices as documents: PO number, payment terms and notes on the invoice; its PDF from the
invoice page, the customer's pay page and attached to the invoice e-mail, printing what the page
shows in any script and currency."""
from email import message_from_bytes
from html import unescape
from io import BytesIO

import pytest
from pypdf import PdfReader

from light.auth.models import Organization
from light.extensions import db
from light.invoices.models import Invoice
from light.plumbing.mail.models import OutboxMessage
from tests.fixtures.invoices import create_invoice, invoice_form, reload


@pytest.fixture
def owner(auth):
    return auth.login(auth.create_owner(name="Olivia Owner"))


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def issued(client, **kwargs):
    kwargs.setdefault("method", "bank_transfer")
    invoice = create_invoice(client, **kwargs)
    assert client.post(f"/invoices/{invoice.id}/issue").status_code == 303
    return reload(invoice)


def set_biller(organization_id, **values):
    organization = db.session.get(Organization, organization_id)
    for key, value in values.items():
        setattr(organization, key, value)
    db.session.commit()


def test_po_number_terms_and_notes_are_kept_and_shown_on_the_invoice_and_pay_page(client, owner):
    invoice = issued(client, po_number="  PO-7781 ", terms="Net 14. Interest of 1% a month after that.",
                     notes="Thank you for your business!\nQuestions? Reply to this e-mail.")
    invoice = reload(invoice)
    assert (invoice.po_number, invoice.terms) == ("PO-7781", "Net 14. Interest of 1% a month after that.")
    page = unescape(client.get(f"/invoices/{invoice.id}").get_data(as_text=True))
    assert 'id="po-number">PO-7781<' in page and "Net 14. Interest" in page
    assert "Thank you for your business!\nQuestions? Reply to this e-mail." in page
    pay = unescape(client.get(f"/pay/{invoice.pay_token}").get_data(as_text=True))
    assert "PO number PO-7781" in pay and "Thank you for your business!" in pay


@pytest.mark.parametrize("field,value,message", [
    ("po_number", "P" * 61, "Keep the PO number to 60 characters (it has 61)."),
    ("terms", "t" * 301, "Keep the payment terms to 300 characters (it has 301)."),
    ("notes", "n" * 2001, "Keep the notes to 2000 characters (it has 2001)."),
    ("notes", "bell\x07", "The notes can only hold printable characters."),
])
def test_bad_extras_are_refused_beside_the_field_and_nothing_is_written(client, owner, field, value, message):
    response = client.post("/invoices/new", data=invoice_form(method="bank_transfer", **{field: value}))
    assert response.status_code == 422
    page = unescape(response.get_data(as_text=True))
    assert f'<small id="e-{field}" class="field-error">{message}</small>' in page
    assert "<details id=\"invoice-extras\" open>" in page  # the message is not hidden in a closed box
    assert db.session.query(Invoice).count() == 0


def test_the_pdf_prints_the_biller_customer_lines_totals_and_how_to_pay(client, owner):
    set_biller(owner.organization_id, legal_name="Acme Trading GmbH", address="Hauptstraße 5\n10115 Berlin",
               tax_id="DE123456789", bank_details="IBAN DE89 3704 0044 0532 0130 00", date_format="iso")
    invoice = issued(client, po_number="PO-7781", terms="Net 14", notes="Danke schön",
                     lines=(("Consulting", "2", "150.00", "20"), ("Travel", "1.5", "10.00", "0")))
    response = client.get(f"/invoices/{invoice.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'
    text = pdf_text(response.data)
    for expected in (f"Invoice {invoice.number}", "Acme Trading GmbH", "Hauptstraße 5", "Tax id DE123456789",
                     "Ada Customer", "1 Analytical Way", "Consulting", "Travel", "1.5", "$360.00", "$15.00",
                     "$375.00", "Amount due", "PO-7781", "Net 14", "Danke schön", "IBAN DE89 3704 0044 0532 0130 00",
                     "2030-01-01", "2030-01-15"):
        assert expected in text, expected


def test_zero_and_three_decimal_currencies_and_any_script_print_exactly(client, owner):
    jpy = issued(client, currency="JPY", lines=(("Обучение в Москве — Ζυρίχη, Zoë", "3", "12000", "10"),))
    text = pdf_text(client.get(f"/invoices/{jpy.id}/pdf").data)
    assert "Обучение в Москве — Ζυρίχη, Zoë" in text and "¥39,600" in text
    kwd = issued(client, currency="KWD", lines=(("Support", "1", "12.345", "0"),))
    assert "KWD 12.345" in pdf_text(client.get(f"/invoices/{kwd.id}/pdf").data)


def test_a_paid_stripe_invoice_says_paid_and_an_open_one_prints_its_pay_link(client, owner):
    invoice = issued(client)
    invoice.payment_method = "stripe"
    db.session.commit()
    assert f"/pay/{invoice.pay_token}" in pdf_text(client.get(f"/invoices/{invoice.id}/pdf").data).replace("\n", "")
    client.post(f"/invoices/{invoice.id}/payments", data={"amount": "360.00", "method": "cash"})
    text = pdf_text(client.get(f"/invoices/{invoice.id}/pdf").data)
    assert "PAID" in text and "Amount due" not in text and "/pay/" not in text


def test_the_customer_downloads_the_pdf_from_the_pay_page_with_its_key_only(client, owner, auth):
    invoice = issued(client)
    auth.logout()
    response = client.get(f"/pay/{invoice.pay_token}/pdf")
    assert response.status_code == 200 and invoice.number in pdf_text(response.data)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/pay/" + "x" * 43 + "/pdf").status_code == 404
    assert client.get(f"/invoices/{invoice.id}/pdf").status_code in (302, 401)


def test_drafts_and_other_organizations_invoices_have_no_pdf(client, owner, auth):
    draft = create_invoice(client, method="bank_transfer")
    assert client.get(f"/invoices/{draft.id}/pdf").status_code == 404
    assert client.get(f"/pay/{draft.pay_token}/pdf").status_code == 404
    mine = issued(client)
    auth.login(auth.create_owner(email="eve@example.test", organization="Other Ltd"))
    assert client.get(f"/invoices/{mine.id}/pdf").status_code == 404


def test_the_invoice_e_mail_carries_the_pdf_and_the_outbox_names_it(client, owner, run_jobs, smtp_server, app):
    app.config["SMTP_URL"] = smtp_server.url
    invoice = create_invoice(client, method="bank_transfer")
    client.post(f"/invoices/{invoice.id}/issue")
    run_jobs()
    [mail] = smtp_server.to("ada.customer@example.com")
    parsed = message_from_bytes(mail.as_bytes()) if hasattr(mail, "as_bytes") else mail
    [attachment] = [part for part in parsed.walk() if part.get_content_disposition() == "attachment"]
    invoice = reload(invoice)
    assert attachment.get_filename() == f"{invoice.number}.pdf"
    assert invoice.number in pdf_text(attachment.get_payload(decode=True))
    kept = db.session.query(OutboxMessage).filter_by(kind="invoice").one()
    assert kept.body.endswith(f"Attached: {invoice.number}.pdf")
