"""A person connects their Stripe Account in a real browser and sees it as bank accounts."""
import re

import pytest
from playwright.sync_api import expect

from light.money import format_amount
from tests.fixtures.owned.banking import CLIENT_ID

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_app_config(live_app_config, stripe_sandbox, sandbox_key):
    live_app_config.update(STRIPE_API_BASE=stripe_sandbox.url, STRIPE_CONNECT_BASE=stripe_sandbox.url,
                           STRIPE_SECRET_KEY=sandbox_key, STRIPE_CLIENT_ID=CLIENT_ID,
                           STRIPE_CONNECT_WEBHOOK_SECRET="whsec_browser0001")
    return live_app_config


def test_connect_bank_then_stripe_account_shows_the_balance_and_transactions(live_server, page, stripe_sandbox):
    page.goto(live_server.url + "/signup")
    page.get_by_label("Company name").fill("Acme Ltd")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Work e-mail").fill("ada-bank@example.com")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Bank Reconciliation").click()
    page.get_by_role("button", name="Connect Bank").first.click()
    page.get_by_role("button", name="Stripe Account").click()
    expect(page.get_by_role("heading", name="Authorize Light to read your Stripe account")).to_be_visible()
    page.get_by_label("Create a new sandbox account").check()
    page.get_by_label("Business name").fill("Browser Bakery")
    page.get_by_role("button", name="Accept").click()

    expect(page.get_by_text("Connected Browser Bakery")).to_be_visible()
    usd = page.get_by_role("link", name="Stripe (USD)")
    expect(usd).to_be_visible(timeout=30000)  # the accounts section refreshes itself while the import runs
    expect(page.get_by_role("link", name="Stripe (JPY)")).to_be_visible()
    account = next(a for a in stripe_sandbox.store.accounts.values() if a.name == "Browser Bakery")
    available = account.balance["usd"]["available"]
    expect(page.locator("#bank-accounts")).to_contain_text(format_amount(available, "USD"))  # may be negative

    usd.click()
    expect(page.get_by_role("heading", name="Stripe (USD)")).to_be_visible()
    expect(page.locator("tr.bank-transaction").first).to_be_visible()
    expect(page.locator("svg polyline")).to_have_count(1)
    page.get_by_label("Type").select_option("charge")
    expect(page).to_have_url(re.compile(r"category=charge"))
    expect(page.locator("tr.bank-transaction").first).to_contain_text("Charges")

    # Back on the index: Sync now and Disconnect are compact buttons side by side, and Disconnect asks first.
    page.get_by_role("link", name="Bank Reconciliation").first.click()
    card = page.locator("article.bank-connection").first
    sync_now, disconnect = card.get_by_role("button", name="Sync now"), card.get_by_role("button", name="Disconnect")
    card_box, sync_box, disconnect_box = card.bounding_box(), sync_now.bounding_box(), disconnect.bounding_box()
    assert sync_box["width"] < card_box["width"] / 3 and disconnect_box["width"] < card_box["width"] / 3
    assert abs(sync_box["y"] - disconnect_box["y"]) < 4 and disconnect_box["x"] > sync_box["x"] + sync_box["width"]

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    disconnect.click()
    expect(card.get_by_text("Active")).to_be_visible()
    assert asked and "Disconnect Browser Bakery?" in asked[0]
    page.once("dialog", lambda dialog: dialog.accept())
    disconnect.click()
    expect(page.get_by_text("Disconnected Browser Bakery")).to_be_visible()
    expect(page.get_by_role("button", name="Reconnect")).to_be_visible()
