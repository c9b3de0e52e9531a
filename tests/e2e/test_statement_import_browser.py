"""A person imports their bank's OFX statement in a real browser, and the deposit that is a Stripe
payout is matched to it: the payout then says it reached the bank; Unmatch, Accept and Decline, each
in the reconciliation log."""
import time

import pytest
from playwright.sync_api import expect

from light.banking.models import BankPayout
from light.money import to_decimal_string
from tests.fixtures.owned.banking import CLIENT_ID
from tests.fixtures.statements import ofx_sgml

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_app_config(live_app_config, stripe_sandbox, sandbox_key):
    live_app_config.update(STRIPE_API_BASE=stripe_sandbox.url, STRIPE_CONNECT_BASE=stripe_sandbox.url,
                           STRIPE_SECRET_KEY=sandbox_key, STRIPE_CLIENT_ID=CLIENT_ID,
                           STRIPE_CONNECT_WEBHOOK_SECRET="whsec_browser0002")
    return live_app_config


def a_paid_usd_payout(app) -> BankPayout:
    """A USD payout of the connected account that Light knows the arrival date of (the sync fetches it)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with app.app_context():
            found = (BankPayout.query.filter(BankPayout.currency == "USD", BankPayout.arrival_date.isnot(None),
                                             BankPayout.amount > 0, BankPayout.status == "paid")
                     .order_by(BankPayout.arrival_date.desc()).first())
            if found:
                return found
        time.sleep(0.5)
    raise AssertionError("the sync brought no paid USD payout")


def test_an_ofx_statement_whose_deposit_is_a_stripe_payout_matches_it(live_server, page):
    page.goto(live_server.url + "/signup")
    page.get_by_label("Company name").fill("Acme Ltd")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Work e-mail").fill("ada-statements@example.com")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Bank Reconciliation").click()
    page.get_by_role("button", name="Connect Bank").first.click()
    page.get_by_role("button", name="Stripe Account").click()
    page.get_by_label("Create a new sandbox account").check()
    page.get_by_label("Business name").fill("Statement Bakery")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("link", name="Stripe (USD)")).to_be_visible(timeout=30000)

    payout = a_paid_usd_payout(live_server.app)
    statement = ofx_sgml([(payout.arrival_date.strftime("%Y%m%d"), to_decimal_string(payout.amount, "USD"), "FIT-1",
                           "STRIPE TRANSFER ST-Q1W2E3"),
                          (payout.arrival_date.strftime("%Y%m%d"), "-120.00", "FIT-2", "Office rent")])

    page.get_by_role("button", name="Import statement").click()
    expect(page.get_by_role("heading", name="Import statement")).to_be_visible()
    page.get_by_label("Bank account").select_option("new")
    page.get_by_label("Account name").fill("Business checking")
    page.get_by_label("Currency").select_option("USD")
    page.get_by_label("Statement file").set_input_files(
        {"name": "checking-january.ofx", "mimeType": "application/x-ofx", "buffer": statement})
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.get_by_role("heading", name="Statement imported")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="lines added")).to_have_text(
        "2 lines added, 0 already imported.")
    expect(page.get_by_text("1 deposit matched to a Stripe payout")).to_be_visible()

    page.get_by_role("button", name="See Business checking").click()
    deposit = page.locator("tr.statement-line").filter(has_text="STRIPE TRANSFER")
    expect(deposit).to_contain_text("Matched")
    deposit.get_by_role("link", name=payout.stripe_id).click()
    expect(page.get_by_text("Reached the bank on")).to_be_visible()
    expect(page.locator(".payout-deposit")).to_contain_text("Business checking")

    # Unmatch from the statement (the row swaps itself), then Accept the suggestion it leaves.
    page.go_back()
    deposit = page.locator("tr.statement-line").filter(has_text="STRIPE TRANSFER")
    deposit.get_by_role("button", name="Unmatch").click()
    expect(deposit.get_by_role("button", name=f"Accept {payout.stripe_id}")).to_be_visible()
    deposit.get_by_role("button", name=f"Accept {payout.stripe_id}").click()
    expect(deposit).to_contain_text("Matched")

    # Unmatch again and Decline: the suggestion goes away, and the log says who did each thing.
    deposit.get_by_role("button", name="Unmatch").click()
    deposit.get_by_role("button", name="Decline").click()
    expect(deposit).to_contain_text("No payout")
    expect(deposit.get_by_role("button", name=f"Accept {payout.stripe_id}")).to_have_count(0)
    page.reload()
    log = page.locator("table.reconciliation-log")
    for action in ("Linked", "Unmatched", "Accepted", "Declined"):
        expect(log).to_contain_text(action)
    expect(log).to_contain_text("Ada Lovelace")
