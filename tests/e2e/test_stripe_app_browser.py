"""Connect Bank > Stripe Account in a real browser, the two ways that work on real Stripe today:
installing Light's Stripe App ("Log in with Stripe"), and pasting a restricted key that can only read."""
import pytest
from playwright.sync_api import expect

from tests.fixtures.owned.banking import APP_CLIENT_ID, CLIENT_ID
from tests.fixtures.stripe_sandbox import new_key

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_app_config(live_app_config, stripe_sandbox, sandbox_key):
    live_app_config.update(STRIPE_API_BASE=stripe_sandbox.url, STRIPE_CONNECT_BASE=stripe_sandbox.url,
                           STRIPE_SECRET_KEY=sandbox_key, STRIPE_CLIENT_ID=CLIENT_ID,
                           STRIPE_CONNECT_WEBHOOK_SECRET="whsec_browser0001",
                           STRIPE_APP_INSTALL_URL=f"{stripe_sandbox.url}/oauth/v2/authorize",
                           STRIPE_APP_CLIENT_ID=APP_CLIENT_ID)
    stripe_sandbox.control("POST", "apps", client_id=APP_CLIENT_ID, api_key=sandbox_key)
    return live_app_config


def sign_up_and_open_connect_bank(page, live_server, email):
    page.goto(live_server.url + "/signup")
    page.get_by_label("Company name").fill("Acme Ltd")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Work e-mail").fill(email)
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Bank Reconciliation").click()
    page.get_by_role("button", name="Connect Bank").first.click()


def test_installing_lights_stripe_app_connects_the_bank_feed(live_server, page, stripe_sandbox):
    sign_up_and_open_connect_bank(page, live_server, "ada-app@example.com")
    expect(page.get_by_text("install Light's Stripe App")).to_be_visible()
    page.get_by_role("button", name="Stripe Account").click()

    # The sandbox's install link: the app's permissions, an account to pick, Accept and install.
    expect(page.get_by_role("heading", name="Install Light")).to_be_visible()
    expect(page.get_by_text("payout_read")).to_be_visible()
    page.get_by_label("Create a new sandbox account").check()
    page.get_by_label("Business name").fill("App Bakery")
    page.get_by_role("button", name="Accept and install").click()

    account = next(a for a in stripe_sandbox.store.accounts.values() if a.name == "App Bakery")
    expect(page.get_by_text(f"Connected {account.id}")).to_be_visible()
    expect(page.get_by_role("link", name="Stripe (USD)")).to_be_visible(timeout=30000)
    card = page.locator("article.bank-connection").first
    expect(card.get_by_text("Active")).to_be_visible()

    # The app is uninstalled at Stripe: the next sync can't renew the token, and says so.
    stripe_sandbox.control("POST", "apps/uninstall", account=account.id, client_id=APP_CLIENT_ID)
    card.get_by_role("button", name="Sync now").click()
    badge = page.locator("article.bank-connection .badge-reconnect_needed")
    for _ in range(60):  # the sync runs in the background; the connection's card is drawn by the page
        if badge.count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(badge).to_have_text("Reconnect needed")
    expect(page.get_by_text("Stripe no longer accepts Light's sign-in")).to_be_visible()
    expect(page.get_by_role("button", name="Reconnect")).to_be_visible()


def test_pasting_a_restricted_key_connects_the_bank_feed(live_server, page, stripe_sandbox):
    key = new_key("rk_test_")
    stripe_sandbox.seed(key, balance_transactions=40, months=2)
    stripe_sandbox.control("POST", "keys", api_key=key,
                           grant={"balance": "read", "balance_transactions": "read", "payouts": "read"})
    sign_up_and_open_connect_bank(page, live_server, "ada-key@example.com")
    page.get_by_role("link", name="Or use a restricted key").click()
    expect(page.get_by_role("heading", name="Connect Bank: Stripe Account with a restricted key")).to_be_visible()
    page.get_by_label("Restricted key").fill(key)
    page.get_by_role("button", name="Check and connect").click()
    expect(page.get_by_text("Light is importing its history")).to_be_visible()
    expect(page.get_by_role("link", name="Stripe (USD)")).to_be_visible(timeout=30000)
    expect(page.locator("article.bank-connection").first.get_by_text("Active")).to_be_visible()
