"""Create Invoice, drafts, numbering, bank transfer invoices, void — no Stripe needed here."""
from datetime import date
from html import unescape

import pytest

from light.errors import Refused
from light.extensions import db
from light.invoices import services
from light.invoices.models import Invoice, InvoiceCounter
from tests.fixtures.invoices import create_invoice, invoice_form, reload


@pytest.fixture
def owner(auth):
    return auth.login(auth.create_owner())


def bank(**kwargs):
    kwargs.setdefault("method", "bank_transfer")
    return kwargs


def test_create_invoice_form_uses_the_products_words_and_offers_add_line(client, owner):
    page = client.get("/invoices/new").get_data(as_text=True)
    for words in ("Create Invoice", "Payment method", "Add line", "New customer", "Bank transfer", "Tax rate"):
        assert words in page
    # Without Stripe and a published workflow, Stripe isn't offered and the gate says why.
    assert 'value="stripe"' not in page
    assert "Settings &gt; Integrations" in page or "Settings > Integrations" in page


def test_add_line_returns_one_blank_line_for_htmx(client, owner):
    response = client.get("/invoices/lines/new?index=3", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.count('name="line_description"') == 1 and 'id="line-3-description"' in html


def test_a_new_customer_is_created_inline_with_a_draft_that_has_no_number(client, owner):
    invoice = create_invoice(client, **bank())
    assert (invoice.status, invoice.number) == ("draft", None)
    assert invoice.customer.name == "Ada Customer" and invoice.customer.organization_id == owner.organization_id
    assert [(li.description, li.quantity_milli, li.unit_price, li.tax_rate, li.net, li.tax)
            for li in invoice.lines] == \
        [("Consulting", 2000, 15000, 2000, 30000, 6000)]


def test_bad_input_is_refused_beside_each_field_and_writes_nothing(client, owner):
    form = invoice_form(method="bank_transfer", due="2029-12-31", new_customer_email="nope",
                        lines=(("", "two", "1.999", "120"),))
    response = client.post("/invoices/new", data=form)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    for message in ("due date can't be before", "valid e-mail", "Describe what this line", "number written out, like 1 or 2.5",
                    "at most 2 decimal places", "between 0 and 100"):
        assert message in html
    assert 'id="line-0-quantity"' in html and 'aria-invalid="true"' in html
    assert Invoice.query.count() == 0
    from light.customers.models import Customer
    assert Customer.query.count() == 0


def test_htmx_form_errors_swap_in_as_a_fragment(client, owner):
    response = client.post("/invoices/new", data=invoice_form(method="bank_transfer", lines=()),
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Add at least one line" in html


def test_stripe_is_refused_until_the_gate_opens(client, owner):
    response = client.post("/invoices/new", data=invoice_form(method="stripe"))
    assert response.status_code == 422
    assert "Stripe isn't ready" in unescape(response.get_data(as_text=True))


def test_issued_invoices_are_numbered_per_organization_without_gaps(client, auth, owner, run_jobs):
    drafts = [create_invoice(client, **bank()) for _ in range(3)]
    client.post(f"/invoices/{drafts[0].id}/delete")  # a deleted draft leaves no hole
    for draft in (drafts[2], drafts[1]):
        client.post(f"/invoices/{draft.id}/issue")
    numbers = sorted(i.number for i in Invoice.query.filter(Invoice.number.isnot(None)))
    assert numbers == ["INV-0001", "INV-0002"]
    assert reload(drafts[2]).number == "INV-0001"

    auth.login(auth.create_owner(organization="Other Org"))
    other = create_invoice(client, **bank())
    client.post(f"/invoices/{other.id}/issue")
    assert reload(other).number == "INV-0001"
    assert db.session.get(InvoiceCounter, owner.organization_id).last_number == 2


def test_a_refused_issue_does_not_use_a_number(client, owner):
    invoice = create_invoice(client, **bank())
    invoice.payment_method = "stripe"  # e.g. saved before the integration was removed
    invoice.total = 0
    db.session.commit()
    with pytest.raises(Refused):
        services.issue(invoice.id, owner.organization_id)
    assert reload(invoice).number is None
    assert db.session.get(InvoiceCounter, owner.organization_id) is None


def test_a_bank_transfer_invoice_is_e_mailed_and_paid_in_parts(client, owner, run_jobs, smtp_server, app):
    app.config["SMTP_URL"] = smtp_server.url
    invoice = create_invoice(client, **bank())
    client.post(f"/invoices/{invoice.id}/issue")
    run_jobs()
    [mail] = smtp_server.to("ada.customer@example.com")
    assert "INV-0001" in mail["Subject"] and "bank transfer" in smtp_server.text(mail)
    client.post(f"/invoices/{invoice.id}/payments", data={"amount": "100.00"})
    assert (reload(invoice).status, reload(invoice).amount_paid) == ("partially_paid", 10000)
    response = client.post(f"/invoices/{invoice.id}/payments", data={"amount": "1000"}, follow_redirects=True)
    assert "more than the amount due" in response.get_data(as_text=True)
    client.post(f"/invoices/{invoice.id}/payments", data={"amount": "260.00"})
    assert reload(invoice).status == "paid"


def test_void_stops_an_unpaid_invoice_and_its_pay_link(client, owner):
    invoice = create_invoice(client, **bank())
    client.post(f"/invoices/{invoice.id}/issue")
    client.post(f"/invoices/{invoice.id}/void")
    assert reload(invoice).status == "void"
    page = client.get(f"/pay/{invoice.pay_token}").get_data(as_text=True)
    assert "nothing to pay" in page


def test_only_drafts_can_be_edited(client, owner):
    invoice = create_invoice(client, **bank())
    response = client.post(f"/invoices/{invoice.id}/edit", data=invoice_form(
        customer_id=invoice.customer_id, method="bank_transfer", lines=(("Changed", "1", "5", "0"),)))
    assert response.status_code == 303 and reload(invoice).total == 500
    client.post(f"/invoices/{invoice.id}/issue")
    assert client.get(f"/invoices/{invoice.id}/edit").status_code == 303


def test_overdue_invoices_are_marked_by_the_periodic_pass(client, owner):
    invoice = create_invoice(client, issue="2020-01-01", due="2020-01-15", **bank())
    client.post(f"/invoices/{invoice.id}/issue")
    from light.invoices import reminders as jobs
    jobs.remind_and_mark_overdue()
    assert reload(invoice).status == "overdue"


def test_count_awaiting_stripe_payment_counts_only_open_stripe_invoices(client, owner):
    invoice = create_invoice(client, **bank())
    for status, method in (("issued", "stripe"), ("overdue", "stripe"), ("paid", "stripe"), ("draft", "stripe"),
                           ("payment_failed", "stripe"), ("issued", "bank_transfer")):
        db.session.add(Invoice(organization_id=owner.organization_id, customer_id=invoice.customer_id, status=status,
                               payment_method=method, currency="USD", issue_date=date(2030, 1, 1),
                               due_date=date(2030, 1, 2), pay_token=services.new_token()))
    db.session.commit()
    assert services.count_awaiting_stripe_payment(owner.organization_id) == 3


def test_the_invoice_list_filters_by_status(client, owner):
    create_invoice(client, **bank())
    html = client.get("/invoices/?status=paid").get_data(as_text=True)
    assert "No paid invoices" in html
    assert "Ada Customer" in client.get("/invoices/").get_data(as_text=True)
