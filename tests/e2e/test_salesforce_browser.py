"""In a real browser against the local Salesforce and the Stripe sandbox: connect Salesforce from
Add New Integration, mark a deal Closed Won on the local Salesforce's page, see the invoice issued
and the pay link in the Outbox, pay it as the customer, and see "Paid" written back."""
import re

import pytest
from playwright.sync_api import expect

from light.auth import services as auth_services
from salesforce_sandbox import CONSUMER_KEY, CONSUMER_SECRET

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-passphrase"
STEPS = ("send_payment_link", "reminders", "mark_paid_and_receipt", "notify_on_failure")


@pytest.fixture
def live_app_config(live_app_config, stripe_sandbox, salesforce_sandbox):
    live_app_config.update(STRIPE_API_BASE=stripe_sandbox.url, STRIPE_CONNECT_BASE=stripe_sandbox.url,
                           SALESFORCE_CLIENT_ID=CONSUMER_KEY, SALESFORCE_CLIENT_SECRET=CONSUMER_SECRET,
                           SALESFORCE_PRODUCTION_LOGIN_URL=salesforce_sandbox.url,
                           SALESFORCE_SANDBOX_LOGIN_URL=salesforce_sandbox.url)
    return live_app_config


@pytest.fixture
def ready(live_server, sandbox_key):
    from light.integrations import services as integrations
    from light.workflows import services as workflows

    live_server.app.config["LIGHT_PUBLIC_URL"] = live_server.url
    with live_server.app.app_context():
        user = auth_services.sign_up(organization_name="Deals Ltd", name="Dee Owner", email="dee@example.com",
                                     password=PASSWORD)
        integrations.connect_stripe(organization_id=user.organization_id, user_id=user.id, secret_key=sandbox_key)
        form = {f"{step}-enabled": "on" for step in STEPS}
        form.update({"reminders-days_before": "3", "reminders-days_after": "7"})
        workflows.save_draft(organization_id=user.organization_id, user_id=user.id, form=form)
        workflows.publish(organization_id=user.organization_id, user_id=user.id)
    return live_server


def poll_until(page, text, tries=40):
    for _ in range(tries):
        page.get_by_role("button", name="Poll now").click()
        page.wait_for_timeout(500)
        page.reload()
        if page.locator("#salesforce-deals", has_text=text).count():
            return
    expect(page.locator("#salesforce-deals")).to_contain_text(text)


def test_a_deal_marked_closed_won_reaches_the_customer_who_pays_and_paid_is_written_back(
        ready, page, salesforce_sandbox, sf_org):
    base = ready.url
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("dee@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Deals Ltd")).to_be_visible()
    page.goto(base + "/settings/integrations/")
    page.get_by_role("button", name="Add New Integration").click()
    page.get_by_role("button", name="Salesforce").click()
    expect(page.get_by_role("heading", name="Add New Integration: Salesforce")).to_be_visible()
    page.get_by_label("Production").check()
    page.get_by_role("button", name="Log in to Salesforce").click()
    expect(page.get_by_role("heading", name="Allow Access?")).to_be_visible()
    page.get_by_label(re.compile(re.escape(sf_org.id))).check()
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading", name="Salesforce")).to_be_visible()
    expect(page.locator("#salesforce-details")).to_contain_text("Active")

    # In Salesforce (its own tab): a new deal, marked Closed Won on its page.
    salesforce = page.context.new_page()
    salesforce.goto(salesforce_sandbox.url + "/")
    section = salesforce.locator("section", has_text=sf_org.id)
    section.get_by_label("Name").fill("Browser deal")
    section.get_by_label("Amount").fill("250.00")
    section.get_by_label("Contact e-mail").fill("browser.buyer@example.com")
    section.get_by_role("button", name="Create opportunity").click()
    row = salesforce.locator("section", has_text=sf_org.id).get_by_role("row", name=re.compile("Browser deal"))
    row.get_by_role("button", name="Mark Closed Won").click()
    expect(salesforce.locator("section", has_text=sf_org.id)
           .get_by_role("row", name=re.compile("Browser deal"))).to_contain_text("Closed Won")
    salesforce.close()

    poll_until(page, "Invoiced")
    page.get_by_role("link", name="INV-0001").click()
    expect(page.locator("#salesforce-origin")).to_contain_text("From Salesforce: Browser deal")

    page.goto(base + "/settings/outbox")
    page.get_by_role("row", name=re.compile("browser.buyer@example.com")).get_by_role("link").click()
    expect(page.locator("pre.mail-body")).to_contain_text("/pay/")
    pay_link = re.search(r"https?://\S+/pay/[A-Za-z0-9_\-]+", page.locator("pre.mail-body").inner_text()).group(0)

    customer = page.context.browser.new_context()
    try:
        tab = customer.new_page()
        tab.goto(pay_link)
        tab.get_by_role("button", name=re.compile("Pay with Stripe")).click()
        tab.get_by_label("Card number").fill("4242 4242 4242 4242")
        tab.get_by_label("Expiry (MM / YY)").fill("12 / 34")
        tab.get_by_label("CVC").fill("123")
        tab.get_by_label("Name on card").fill("Browser Buyer")
        tab.get_by_role("button", name=re.compile(r"^Pay ")).click()
        for _ in range(20):
            if tab.locator("#pay-state", has_text="Paid.").count():
                break
            tab.wait_for_timeout(250)
            tab.reload()
        expect(tab.locator("#pay-state")).to_contain_text("Paid.")
    finally:
        customer.close()

    page.goto(base + "/settings/integrations/")
    page.get_by_role("link", name="Salesforce").click()
    poll_until(page, "Written back: Paid")
    deal = next(o for o in sf_org.state()["opportunities"] if o["Name"] == "Browser deal")
    assert deal["Light_Payment_Status__c"] == "Paid" and deal["Light_Invoice_Number__c"] == "INV-0001"
