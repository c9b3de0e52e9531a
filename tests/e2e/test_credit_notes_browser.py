"""A credit note issued by hand from the invoice page, in a real browser at desktop and phone
sizes: it asks first, a wrong amount is refused beside the field, and the note opens as a page."""
from datetime import date

import pytest
from playwright.sync_api import expect
from werkzeug.datastructures import MultiDict

from light.auth import services as accounts
from light.customers import services as customers
from light.invoices import services as invoices
from light.utc import utcnow

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-passphrase"


@pytest.fixture
def paid_invoice(live_server):
    """A bank-transfer invoice of $360.00, paid in full by hand."""
    today = utcnow().date()
    with live_server.app.app_context():
        user = accounts.sign_up(organization_name="Acme Ltd", name="Ada Lovelace", email="ada@example.com",
                                password=PASSWORD)
        customer = customers.create_customer(user.organization_id, {
            "name": "Grace Customer", "email": "grace@example.com", "currency": "USD", "address": ""})
        invoice = invoices.create_invoice(user.organization_id, MultiDict({
            "customer_id": str(customer.id), "currency": "USD", "issue_date": str(today), "due_date": str(today),
            "payment_method": "bank_transfer", "line_description": ["Consulting"], "line_quantity": ["2"],
            "line_unit_price": ["150.00"], "line_tax_rate": ["20"]}))
        invoices.issue(invoice.id, user.organization_id)
        assert invoices.record_bank_payment(invoice, 36000, date.fromisoformat(str(today)))
        return invoice.id


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_a_credit_note_by_hand_asks_first_refuses_too_much_and_opens_as_a_page(live_server, paid_invoice, page,
                                                                               viewport):
    base = live_server.url
    page.set_viewport_size(viewport)
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()
    page.goto(f"{base}/invoices/{paid_invoice}")
    expect(page.locator("#invoice-status")).to_have_text("Paid")
    page.get_by_text("Issue a credit note for money given back outside Stripe").click()
    page.get_by_label("Amount (USD)").fill("400.00")
    page.get_by_label("Reason").fill("Returned one licence")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Issue credit note").click()
    expect(page.locator("#e-credit_amount")).to_contain_text("At most $360.00")
    assert asked and asked[0].startswith("Issue a credit note?")
    expect(page.get_by_label("Amount (USD)")).to_be_focused()
    page.get_by_label("Amount (USD)").fill("60.00")
    page.get_by_role("button", name="Issue credit note").click()
    expect(page.get_by_role("heading", name="Credit note CN-0001")).to_be_visible()
    expect(page.locator("#credit-note-amount")).to_have_text("$60.00")
    expect(page.locator("#credit-note-pdf")).to_be_visible()
    page.locator("#credit-note-invoice").click()
    expect(page.locator("#invoice-status")).to_have_text("Partly refunded")
    expect(page.locator("#credit-notes").get_by_role("link", name="CN-0001")).to_be_visible()
    expect(page.locator("#invoice-refunded")).to_have_text("-$60.00")
