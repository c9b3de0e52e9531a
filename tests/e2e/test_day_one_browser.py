"""Issue 13's day-one defects as a new owner meets them in a real browser: irreversible actions ask
first, a late invoice is Overdue at once, Create Invoice opens "New customer…" and keeps a
running total, the keyboard lands where it should, and the team's invitations can be revoked."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from werkzeug.datastructures import MultiDict

from light.auth import services as accounts
from light.contracts import services as contracts
from light.contracts.models import Contract
from light.customers import services as customers
from light.extensions import db
from light.invoices import services as invoices
from light.invoices.models import Invoice
from light.utc import utcnow

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-passphrase"


def lines(*rows):
    return {"line_description": [r[0] for r in rows], "line_quantity": [r[1] for r in rows],
            "line_unit_price": [r[2] for r in rows], "line_tax_rate": [r[3] for r in rows]}


def invoice_form(customer_id, *, issue, due, method="bank_transfer"):
    return MultiDict({"customer_id": str(customer_id), "currency": "USD", "issue_date": str(issue),
                      "due_date": str(due), "payment_method": method,
                      **lines(("Consulting", "2", "150.00", "20"))})


@pytest.fixture
def owner(live_server):
    """An owner with one customer, signed up through the service, and the ids the tests act on."""
    with live_server.app.app_context():
        user = accounts.sign_up(organization_name="Acme Ltd", name="Ada Lovelace", email="ada@example.com",
                                password=PASSWORD)
        customer = customers.create_customer(user.organization_id, {
            "name": "Grace Customer", "email": "grace@example.com", "currency": "USD", "address": ""})
        return user.organization_id, customer.id


def log_in(page, base):
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()


def answer_dialogs(page, accept: bool) -> list[str]:
    """Answer every confirm() from now on; returns the list their messages are collected in."""
    seen: list[str] = []
    page.remove_listener("dialog", getattr(page, "_day_one_handler", lambda dialog: None))

    def handler(dialog):
        seen.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page._day_one_handler = handler
    page.on("dialog", handler)
    return seen


def status_of(app, invoice_id):
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        return invoice.status if invoice else None


def test_void_delete_cancel_and_charge_ask_first_and_a_late_invoice_is_overdue_at_once(live_server, owner, page):
    organization_id, customer_id = owner
    app, base, today = live_server.app, live_server.url, utcnow().date()
    with app.app_context():
        draft = invoices.create_invoice(organization_id, invoice_form(customer_id, issue=today, due=today)).id
        late = invoices.create_invoice(organization_id, invoice_form(
            customer_id, issue=today - timedelta(days=20), due=today - timedelta(days=5))).id
        to_charge = invoices.create_invoice(organization_id, invoice_form(
            customer_id, issue=today, due=today + timedelta(days=14))).id
        invoices.issue(to_charge, organization_id)
        charged = db.session.get(Invoice, to_charge)
        charged.payment_method = "stripe"  # as if Stripe had been set up and the card saved
        charged.customer.payment_method_id, charged.customer.card_brand = "pm_saved", "visa"
        charged.customer.card_last4 = "4242"
        db.session.commit()
        contract = contracts.create_contract(organization_id, MultiDict({
            "customer_id": str(customer_id), "currency": "USD", "frequency": "monthly",
            "start_date": str(today + timedelta(days=30)), "days_until_due": "0",
            "payment_method": "bank_transfer", **lines(("Support", "1", "49.00", "0"))})).id
    log_in(page, base)

    # 6: issued already past its due date, the heading says Overdue at once.
    page.goto(f"{base}/invoices/{late}")
    page.get_by_role("button", name="Issue").click()
    expect(page.locator("#invoice-status")).to_have_text("Overdue")

    # 5: Void, asked first; dismissed, nothing happens; accepted, it is void.
    seen = answer_dialogs(page, accept=False)
    page.get_by_role("button", name="Void").click()
    expect(page.get_by_role("button", name="Void")).to_be_visible()
    page.wait_for_timeout(300)
    assert seen and re.match(r"Void invoice INV-\d+\?", seen[0]), seen
    assert status_of(app, late) == "overdue"
    answer_dialogs(page, accept=True)
    page.get_by_role("button", name="Void").click()
    expect(page.locator("#invoice-status")).to_have_text("Void")

    page.goto(f"{base}/invoices/{draft}")
    seen = answer_dialogs(page, accept=False)
    page.get_by_role("button", name="Delete draft").click()
    page.wait_for_timeout(300)
    assert seen and seen[0].startswith("Delete this draft?"), seen
    assert status_of(app, draft) == "draft"
    answer_dialogs(page, accept=True)
    page.get_by_role("button", name="Delete draft").click()
    expect(page.get_by_text("Draft deleted.")).to_be_visible()
    assert status_of(app, draft) is None

    page.goto(f"{base}/invoices/{to_charge}")
    seen = answer_dialogs(page, accept=False)
    page.get_by_role("button", name="Charge saved card").click()
    page.wait_for_timeout(300)
    assert seen and seen[0] == "Charge $360.00 to Grace Customer's saved Visa ending 4242 now?", seen
    expect(page.get_by_text("Charging the saved card")).to_have_count(0)
    with app.app_context():
        assert db.session.get(Invoice, to_charge).charge_attempts == 0

    page.goto(f"{base}/contracts/{contract}")
    seen = answer_dialogs(page, accept=False)
    page.get_by_role("button", name="Cancel now").click()
    page.wait_for_timeout(300)
    assert seen and seen[0].startswith("Cancel "), seen
    with app.app_context():
        assert db.session.get(Contract, contract).status == "active"
    answer_dialogs(page, accept=True)
    page.get_by_role("button", name="Cancel now").click()
    expect(page.get_by_text("Contract cancelled")).to_be_visible()


def test_create_invoice_opens_new_customer_keeps_a_running_total_and_guides_the_keyboard(live_server, owner, page):
    base = live_server.url
    log_in(page, base)
    page.goto(base + "/invoices/new")
    expect(page.get_by_label("Customer name")).to_be_hidden()  # a customer exists: the fields start closed
    page.locator("#f-customer_id").select_option(label="New customer…")
    expect(page.get_by_label("Customer name")).to_be_visible()

    page.get_by_label("Description (line 1)").fill("Consulting")
    page.get_by_label("Quantity (line 1)").fill("2")
    page.get_by_label("Unit price (line 1)").fill("150.00")
    page.get_by_label("Tax rate (%) (line 1)").fill("20")
    expect(page.locator("#running-subtotal")).to_have_text("$300.00")
    expect(page.locator("#running-total")).to_have_text("$360.00")

    page.get_by_role("button", name="Add line").click()
    expect(page.get_by_label("Description (line 2)")).to_be_focused()  # 11: focus moves into the new row
    page.keyboard.type("Setup")
    page.get_by_label("Unit price (line 2)").fill("10.05")
    expect(page.locator("#running-total")).to_have_text("$370.05")
    page.get_by_role("button", name="Remove line 2").click()
    expect(page.locator("#running-total")).to_have_text("$360.00")

    page.get_by_label("Customer name").fill("New Customer Ltd")
    page.get_by_role("button", name="Create Invoice").click()
    expect(page.locator("#e-new_customer_email")).to_be_visible()
    expect(page.get_by_label("Customer e-mail")).to_be_focused()  # 11: the first invalid field
    expect(page.locator("#e-currency")).to_have_count(0)  # 10: no wrong "Choose a currency"
    expect(page.locator("#running-total")).to_have_text("$360.00")

    page.get_by_label("Customer e-mail").fill("new@example.com")
    page.get_by_role("button", name="Create Invoice").click()
    expect(page.get_by_role("heading", name="Draft invoice")).to_be_visible()
    expect(page.locator("#invoice-total")).to_have_text("$360.00")


def test_skip_link_favicon_and_the_receipt_steps_name(live_server, owner, page):
    base = live_server.url
    missing = []
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    log_in(page, base)
    page.goto(base + "/invoices/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert page.request.get(base + icon).status == 200
    assert missing == [], missing

    page.goto(base + "/settings/workflows/invoice-to-cash")
    expect(page.locator("#step-mark_paid_and_receipt")).to_contain_text("E-mail a receipt")
    expect(page.get_by_text("Mark paid and send a receipt")).to_have_count(0)


def test_an_owner_revokes_an_invitation_after_confirming(live_server, owner, page):
    base = live_server.url
    log_in(page, base)
    page.goto(base + "/settings/team")
    page.get_by_label("E-mail").fill("max@example.com")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_label("Invitation link")).to_be_visible()
    page.get_by_label("E-mail").fill("max@example.com")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator("#e-email")).to_contain_text("already pending")

    seen = answer_dialogs(page, accept=False)
    page.get_by_role("button", name="Revoke the invitation to max@example.com").click()
    page.wait_for_timeout(300)
    assert seen == ["Revoke the invitation to max@example.com? Its link stops working at once."]
    expect(page.locator("#pending-invitations")).to_contain_text("max@example.com")
    answer_dialogs(page, accept=True)
    page.get_by_role("button", name="Revoke the invitation to max@example.com").click()
    expect(page.get_by_text("Invitation to max@example.com revoked")).to_be_visible()
    expect(page.locator("#pending-invitations")).to_have_count(0)
