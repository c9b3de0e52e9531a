"""In a real browser against the Stripe sandbox: Create Invoice, Issue, the customer pays on the
hosted page with 4242 and the card is saved (real signed webhooks to a live Light); the next
invoice is then paid with no action from the customer."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from light.auth import services as auth_services
from light.extensions import db
from light.invoices.models import Invoice

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-passphrase"
STEPS = ("send_payment_link", "reminders", "auto_charge", "mark_paid_and_receipt", "notify_on_failure")


@pytest.fixture
def live_app_config(live_app_config, stripe_sandbox):
    live_app_config.update(STRIPE_API_BASE=stripe_sandbox.url, STRIPE_CONNECT_BASE=stripe_sandbox.url)
    return live_app_config


@pytest.fixture
def stripe_ready(live_server, sandbox_key):
    """An owner whose organization has Stripe (with Light's webhook endpoint registered at the
    sandbox, pointing at this live server) and a published Invoice-to-Cash workflow."""
    from light.integrations import services as integrations
    from light.workflows import services as workflows

    live_server.app.config["LIGHT_PUBLIC_URL"] = live_server.url
    with live_server.app.app_context():
        user = auth_services.sign_up(organization_name="Acme Ltd", name="Ada Owner", email="ada@example.com",
                                     password=PASSWORD)
        integration = integrations.connect_stripe(organization_id=user.organization_id, user_id=user.id,
                                                  secret_key=sandbox_key)
        assert integration.webhook_mode == "registered"
        form = {f"{step}-enabled": "on" for step in STEPS}
        form.update({"reminders-days_before": "3", "reminders-days_after": "7"})
        workflows.save_draft(organization_id=user.organization_id, user_id=user.id, form=form)
        workflows.publish(organization_id=user.organization_id, user_id=user.id)
    return live_server


def latest_invoice(app):
    with app.app_context():
        invoice = db.session.query(Invoice).order_by(Invoice.id.desc()).first()
        return invoice.id, invoice.pay_token


def create_and_issue(page, base, *, customer, description, price, due):
    page.goto(base + "/invoices/")
    page.get_by_role("button", name="Create Invoice").first.click()
    expect(page.get_by_role("heading", name="Create Invoice")).to_be_visible()
    if customer != "new":
        page.locator("#f-customer_id").select_option(label=customer)
    else:
        page.get_by_label("Customer name").fill("Grace Customer")
        page.get_by_label("Customer e-mail").fill("grace.customer@example.com")
    page.get_by_label("Due date").fill(due)
    page.get_by_label("Description (line 1)").fill(description)
    page.get_by_label("Unit price (line 1)").fill(price)
    page.get_by_role("button", name="Add line").click()
    expect(page.get_by_label("Description (line 2)")).to_be_visible()
    page.get_by_label("Description (line 2)").fill("Setup")
    page.get_by_label("Unit price (line 2)").fill("10.00")
    page.get_by_label("Stripe").check()
    page.get_by_role("button", name="Create Invoice").click()
    expect(page.get_by_role("heading", name="Draft invoice")).to_be_visible()
    page.get_by_role("button", name="Issue").click()
    expect(page.locator("#invoice-status")).not_to_have_text("Draft")


def test_the_customer_pays_in_the_browser_and_the_next_invoice_is_paid_automatically(stripe_ready, page):
    base = stripe_ready.url
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()

    later = date.today().replace(year=date.today().year + 1).isoformat()
    create_and_issue(page, base, customer="new", description="Consulting", price="100.00", due=later)
    expect(page.get_by_role("heading", name="Invoice INV-0001")).to_be_visible()
    pay_link = page.locator("#pay-link").get_attribute("href")

    # The customer, in their own browser session: the pay page, then Stripe's hosted page.
    customer = page.context.browser.new_context()
    try:
        tab = customer.new_page()
        tab.goto(base + pay_link)
        expect(tab.get_by_role("heading", name="Invoice INV-0001")).to_be_visible()
        tab.get_by_role("button", name=re.compile("Pay with Stripe")).click()
        expect(tab.get_by_label("Card number")).to_be_visible()
        expect(tab.get_by_text("Your card will be saved for future payments.")).to_be_visible()
        tab.get_by_label("Card number").fill("4242 4242 4242 4242")
        tab.get_by_label("Expiry (MM / YY)").fill("12 / 34")
        tab.get_by_label("CVC").fill("123")
        tab.get_by_label("Name on card").fill("Grace Customer")
        tab.get_by_role("button", name=re.compile(r"^Pay ")).click()
        expect(tab).to_have_url(re.compile(re.escape(pay_link)))
        for _ in range(20):  # the webhook may land a moment after the customer is back
            if tab.locator("#pay-state", has_text="Paid.").count():
                break
            tab.wait_for_timeout(250)
            tab.reload()
        expect(tab.locator("#pay-state")).to_contain_text("Paid.")
    finally:
        customer.close()

    page.goto(base + "/customers/")
    expect(page.get_by_role("cell", name="Visa ending 4242")).to_be_visible()

    # The next invoice, due today: charged to the saved card; the customer does nothing.
    create_and_issue(page, base, customer="Grace Customer (USD)", description="Support",
                     price="50.00", due=date.today().isoformat())
    expect(page.get_by_role("heading", name="Invoice INV-0002")).to_be_visible()
    for _ in range(40):
        if page.locator("#invoice-status", has_text="Paid").count():
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(page.locator("#invoice-status")).to_have_text("Paid")
    expect(page.locator("ol.timeline")).to_contain_text("Charging Visa ending 4242")
