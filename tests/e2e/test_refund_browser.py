"""The Refund button in a real browser against the Stripe sandbox: part of a paid invoice goes back,
the dialog asks first, and the invoice shows Partly refunded and the refund's credit note, which
Stripe's own charge.refunded webhook (sent by the sandbox to this live Light) doesn't duplicate."""
import time

import pytest
from playwright.sync_api import expect
from werkzeug.datastructures import MultiDict

from light.auth import services as accounts
from light.customers import services as customers
from light.extensions import db
from light.invoices import services as invoices
from light.invoices.models import CreditNote
from light.plumbing.webhooks.models import StripeEvent
from light.utc import utcnow

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-passphrase"


@pytest.fixture
def live_app_config(live_app_config, stripe_sandbox):
    live_app_config.update(STRIPE_API_BASE=stripe_sandbox.url, STRIPE_CONNECT_BASE=stripe_sandbox.url)
    return live_app_config


@pytest.fixture
def paid_invoice(live_server, stripe_sandbox, sandbox_key):
    """A $360.00 Stripe invoice its customer paid by card at the sandbox (the payment recorded as
    the webhook records it), with Light's webhook endpoint registered at the sandbox."""
    from light.integrations import services as integrations
    from light.workflows import services as workflows

    live_server.app.config["LIGHT_PUBLIC_URL"] = live_server.url
    today = utcnow().date()
    with live_server.app.app_context():
        user = accounts.sign_up(organization_name="Acme Ltd", name="Ada Lovelace", email="ada@example.com",
                                password=PASSWORD)
        integration = integrations.connect_stripe(organization_id=user.organization_id, user_id=user.id,
                                                  secret_key=sandbox_key)
        assert integration.webhook_mode == "registered"
        workflows.save_draft(organization_id=user.organization_id, user_id=user.id,
                             form={"mark_paid_and_receipt-enabled": "on", "send_payment_link-enabled": "on", "reminders-days_before": "3",
                                   "reminders-days_after": "7"})
        workflows.publish(organization_id=user.organization_id, user_id=user.id)
        customer = customers.create_customer(user.organization_id, {
            "name": "Grace Customer", "email": "grace@example.com", "currency": "USD", "address": ""})
        invoice = invoices.create_invoice(user.organization_id, MultiDict({
            "customer_id": str(customer.id), "currency": "USD", "issue_date": str(today), "due_date": str(today),
            "payment_method": "stripe", "line_description": ["Consulting"], "line_quantity": ["2"],
            "line_unit_price": ["150.00"], "line_tax_rate": ["20"]}))
        invoices.issue(invoice.id, user.organization_id)
        intent = stripe_sandbox.api("POST", "/v1/payment_intents", sandbox_key, amount=36000, currency="usd",
                                    payment_method="pm_card_visa", confirm="true").json()
        assert intent["status"] == "succeeded", intent
        assert invoices.settle(invoice.id, amount=36000, ref=intent["id"], message="Paid by card.")
        return invoice.id


def test_the_owner_refunds_part_of_a_paid_invoice_after_confirming(live_server, paid_invoice, page):
    base = live_server.url
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()
    page.goto(f"{base}/invoices/{paid_invoice}")
    expect(page.locator("#invoice-status")).to_have_text("Paid")
    page.get_by_text("Refund through Stripe", exact=True).click()
    amount = page.get_by_label("Refund amount (USD)")
    expect(amount).to_have_value("360.00")  # what is still refundable
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    amount.fill("400.00")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.locator("#e-refund_amount")).to_contain_text("At most $360.00")
    amount = page.get_by_label("Refund amount (USD)")
    amount.fill("60.00")
    page.get_by_label("Reason (optional)").fill("Cancelled one seat")
    page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.locator("#invoice-status")).to_have_text("Partly refunded")
    assert asked and asked[0].startswith("Refund this amount to Grace Customer")
    notes = page.locator("#credit-notes")
    expect(notes.get_by_role("link", name="CN-0001")).to_be_visible()
    expect(notes).to_contain_text("Cancelled one seat")
    expect(page.locator("#invoice-refunded")).to_have_text("-$60.00")
    expect(page.get_by_label("Refund amount (USD)")).to_have_value("300.00")

    # Stripe's charge.refunded reaches this Light by itself; once processed it adds no second note.
    deadline = time.monotonic() + 15
    while True:
        with live_server.app.app_context():
            done = db.session.query(StripeEvent).filter(StripeEvent.type == "charge.refunded",
                                                        StripeEvent.processed_at.isnot(None)).count()
            notes = [(n.number, n.amount) for n in db.session.query(CreditNote).all()]
            db.session.remove()
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert done and notes == [("CN-0001", 6000)]
    page.reload()
    expect(page.locator("#credit-notes").get_by_role("link")).to_have_count(1)
