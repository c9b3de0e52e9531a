"""Settings > Notifications in a real browser, at desktop and phone sizes: an owner switches a kind
off, and it stays off; the tab and the two-factor set-up fit a 390 px screen."""
import pytest
from playwright.sync_api import expect

from light.auth import services as accounts

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-passphrase"


@pytest.fixture
def owner(live_server):
    with live_server.app.app_context():
        accounts.sign_up(organization_name="Acme Ltd", name="Ada Lovelace", email="ada@example.com",
                         password=PASSWORD)


@pytest.mark.parametrize("width", [1280, 390])
def test_an_owner_switches_a_notification_off_and_it_stays_off(page, live_server, owner, width):
    page.set_viewport_size({"width": width, "height": 844})
    base = live_server.url
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()

    page.goto(base + "/settings/notifications")
    paid = page.get_by_role("checkbox", name="Invoice paid")
    expect(paid).to_be_checked()
    paid.uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Notification settings saved")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Invoice paid")).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="Disputed")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.goto(base + "/settings/two-factor")
    page.get_by_role("button", name="Set up two-factor log-in").click()
    page.locator("summary", has_text="The set-up link").click()
    expect(page.locator("#two-factor-uri")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
