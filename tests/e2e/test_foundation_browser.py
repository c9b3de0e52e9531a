"""A new user in a real browser: sign up, walk the navigation, invite a teammate, log out and in."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_sign_up_walk_the_navigation_and_invite_a_teammate(live_server, page):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Company name").fill("Acme Ltd")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Work e-mail").fill("ada@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#e-password")).to_contain_text("at least 10 characters")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()

    nav = page.get_by_role("navigation", name="Main")
    for link, heading in [("Bank Reconciliation", "Bank Reconciliation"), ("Sales Invoices", "Sales Invoices"),
                          ("Contracts", "Contracts")]:
        nav.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    nav.get_by_role("link", name="Settings").click()
    settings = page.get_by_role("navigation", name="Settings")
    expect(settings.get_by_role("link", name="Integrations")).to_be_visible()
    settings.get_by_role("link", name="Workflows").click()
    expect(page).to_have_url(re.compile(r"/settings/workflows"))
    settings.get_by_role("link", name="Team").click()

    page.get_by_label("E-mail").fill("grace@example.com")
    page.get_by_role("button", name="Send invitation").click()
    link = page.get_by_label("Invitation link")
    expect(link).to_be_visible()
    invite_url = link.input_value()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Outbox").click()
    expect(page.get_by_role("link", name=re.compile("invited you"))).to_be_visible()

    page.locator("summary", has_text="Ada Lovelace").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to Light")).to_be_visible()

    page.goto(invite_url)
    page.get_by_label("Your name").fill("Grace Hopper")
    page.get_by_label("Choose a password").fill("another-long-pass")
    page.get_by_role("button", name="Join the team").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Team").click()
    expect(page.get_by_text("Only owners can invite teammates.")).to_be_visible()
    expect(page.get_by_role("cell", name="grace@example.com")).to_be_visible()

    page.locator("summary", has_text="Grace Hopper").click()
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()
