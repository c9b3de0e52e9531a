"""An owner in a real browser sets up payment collection: adds Stripe with a sandbox key, then
publishes Invoice-to-Cash."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_app_config(live_app_config, stripe_sandbox):
    live_app_config.update(STRIPE_API_BASE=stripe_sandbox.url, STRIPE_CONNECT_BASE=stripe_sandbox.url,
                           STRIPE_MAX_ATTEMPTS=1, STRIPE_SANDBOX=True, LIGHT_PUBLIC_URL=None)
    return live_app_config


def test_an_owner_adds_stripe_and_publishes_invoice_to_cash(live_server, page, sandbox_key):
    from light.auth import services as accounts

    with live_server.app.app_context():
        accounts.sign_up(organization_name="Acme Ltd", name="Ada Lovelace", email="ada@example.com",
                         password="a-long-passphrase")
    page.goto(live_server.url + "/login")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Integrations")).to_be_visible()
    expect(page.locator("#integration-salesforce")).to_contain_text("Not connected")
    page.get_by_role("button", name="Add New Integration").click()  # links styled as buttons
    page.get_by_role("button", name="Stripe", exact=True).click()

    page.get_by_label("Stripe secret key").fill("pk_test_51HxPublishableKey")
    page.get_by_role("button", name="Check and save").click()
    expect(page.locator("#e-secret_key")).to_contain_text("publishable key")
    expect(page.get_by_role("navigation", name="Settings")).to_have_count(1)

    page.get_by_label("Stripe secret key").fill(sandbox_key)
    page.get_by_role("button", name="Check and save").click()
    expect(page.get_by_text("Stripe is connected: Sandbox platform (Test mode).")).to_be_visible()
    details = page.locator("#stripe-details")
    expect(details).to_contain_text("Sandbox platform")
    expect(details).to_contain_text("Test")
    expect(details).to_contain_text(f"sk_test_…{sandbox_key[-4:]}")
    expect(page.get_by_label("Endpoint URL")).to_have_value(re.compile(r"/webhooks/stripe/integrations/\d+$"))

    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Workflows").click()
    page.get_by_role("link", name="Invoice-to-Cash").click()
    expect(page.locator("#publish-status")).to_contain_text("Not published")
    page.get_by_label("Days before the due date").fill("5")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Invoice-to-Cash version 1 is published.")).to_be_visible()
    expect(page.locator("#publish-status")).to_contain_text(
        re.compile(r"Version 1, published .* by Ada Lovelace"))

    page.get_by_role("link", name="Versions").click()
    page.get_by_role("link", name="Version 1").click()
    expect(page.get_by_label("Days before the due date")).to_have_value("5")
    expect(page.get_by_label("Days before the due date")).to_be_disabled()
    expect(page.get_by_role("navigation", name="Settings")).to_have_count(1)  # whole pages, not nested ones
