"""Bank Reconciliation in a real browser: accept a suggestion, match a line by hand, unmatch it (by keyboard)."""
import pytest
from playwright.sync_api import expect

from light.auth import services as auth_services
from light.extensions import db
from light.invoices.models import Invoice
from light.reconciliation import matching
from tests.fixtures.owned.banking import seed_connection
from tests.fixtures.owned.reconciliation import bank_line, issued_invoice
from tests.fixtures.web import PASSWORD, Person

pytestmark = pytest.mark.e2e


@pytest.fixture
def lines(live_server):
    """An owner's Stripe (USD) account: one line Light suggests (exact amount), one it can't match."""
    with live_server.app.app_context():
        user = auth_services.sign_up(organization_name="Acme Ltd", name="Ada Owner", email="ada-rec@example.com",
                                     password=PASSWORD)
        owner = Person(user.id, user.email, user.organization_id, user.role)
        _, account = seed_connection(owner, "acct_rec_browser1")
        likely = issued_invoice(owner.organization_id, 4321, number="INV-0043")
        other = issued_invoice(owner.organization_id, 2500, number="INV-0077")
        suggested = bank_line(account, 4321, description="Card payment")
        unknown = bank_line(account, 3000, description="Transfer from a customer")
        matching.match_new(owner.organization_id, [suggested.id, unknown.id])
        found = dict(account=account.id, likely=likely.id, other=other.id, suggested=suggested.id,
                     unknown=unknown.id)
        db.session.remove()
    return found


def invoice_paid(app, invoice_id):
    with app.app_context():
        paid = db.session.get(Invoice, invoice_id).amount_paid
        db.session.remove()
        return paid


def test_accept_a_suggestion_match_by_hand_and_unmatch(live_server, page, lines):
    page.goto(live_server.url + "/login")
    page.get_by_label("E-mail").fill("ada-rec@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()
    page.goto(f"{live_server.url}/bank-reconciliation/accounts/{lines['account']}")

    suggested = page.locator(f"#line-{lines['suggested']}")
    expect(suggested).to_contain_text("Suggested")
    expect(suggested).to_contain_text("INV-0043")
    suggested.get_by_role("button", name="Accept").click()
    expect(page.locator(f"#line-{lines['suggested']}")).to_contain_text("Matched")
    expect(page.locator(f"#line-{lines['suggested']}").get_by_role("link", name="INV-0043")).to_be_visible()
    assert invoice_paid(live_server.app, lines["likely"]) == 4321

    unknown = page.locator(f"#line-{lines['unknown']}")
    expect(unknown).to_contain_text("Unmatched")
    unknown.get_by_role("button", name="Match").click()
    form = page.locator(f"#line-{lines['unknown']}")
    form.get_by_label("Find an invoice by number, customer or amount").fill("INV-0077")
    expect(form.get_by_label("Choose INV-0077")).to_be_visible()
    form.get_by_label("Amount for INV-0077").fill("30.00")  # more than is due: refused beside the field
    form.get_by_label("Choose INV-0077").check()
    form.get_by_role("button", name="Match", exact=True).click()
    expect(form.locator(".field-error").first).to_be_visible()
    assert invoice_paid(live_server.app, lines["other"]) == 0
    form.get_by_label("Amount for INV-0077").fill("25.00")
    form.get_by_role("button", name="Match", exact=True).click()
    row = page.locator(f"#line-{lines['unknown']}")
    expect(row).to_contain_text("Matched")
    assert invoice_paid(live_server.app, lines["other"]) == 2500

    # The swapped-in row settles (its Unmatch enabled, the keyboard on it) before the key is pressed.
    expect(row.get_by_role("button", name="Unmatch")).to_be_enabled()
    row.focus()
    expect(row).to_be_focused()
    page.keyboard.press("u")  # keyboard use: u presses the focused line's Unmatch
    expect(page.locator(f"#line-{lines['unknown']}")).to_contain_text("Unmatched")
    assert invoice_paid(live_server.app, lines["other"]) == 0
