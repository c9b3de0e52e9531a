"""The home dashboard and the Sales Invoices search in a real browser: what needs action is one
click away, typing narrows the list without a reload and the address bar keeps the search, a
column header sorts, and Back goes to the previous search."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from light.auth import services as accounts
from light.customers.models import Customer
from light.extensions import db
from light.invoices.models import Invoice
from light.invoices.services import new_token

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-passphrase"


@pytest.fixture
def books(live_server):
    with live_server.app.app_context():
        user = accounts.sign_up(organization_name="Acme Ltd", name="Ada Lovelace", email="ada@example.com",
                                password=PASSWORD)
        org = user.organization_id
        made = {}
        for name in ("Globex", "Initech", "Umbrella"):
            customer = Customer(organization_id=org, name=name, email=f"ap@{name.lower()}.example", currency="USD",
                                address="")
            db.session.add(customer)
            db.session.flush()
            made[name] = customer
        rows = [("Globex", "INV-0001", 12000, "issued"), ("Initech", "INV-0002", 50000, "issued"),
                ("Globex", "INV-0003", 30000, "paid"), ("Umbrella", "INV-0004", 42000, "action_required")]
        ids = {}
        for name, number, total, status in rows:
            invoice = Invoice(organization_id=org, customer_id=made[name].id, number=number, status=status,
                              currency="USD", issue_date=date(2026, 3, 1), due_date=date(2099, 3, 15),
                              payment_method="stripe", pay_token=new_token(), subtotal=total, total=total,
                              amount_paid=total if status == "paid" else 0)
            db.session.add(invoice)
            db.session.flush()
            ids[number] = invoice.id
        db.session.commit()
        return ids


def log_in(page, base):
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()


def listed(page) -> list[str]:
    return page.locator("#invoice-list tbody tr td:first-child a").all_inner_texts()


def test_the_dashboard_leads_to_what_needs_action_and_the_search_keeps_the_url(live_server, books, page):
    base = live_server.url
    log_in(page, base)
    needs = page.locator("section", has=page.get_by_role("heading", name=re.compile("Needs action")))
    expect(needs.get_by_text("Action required")).to_be_visible()
    expect(page.get_by_text("$1,040.00")).to_be_visible()  # receivables: 120 + 500 + 420
    needs.get_by_role("link", name="INV-0004").click()
    expect(page).to_have_url(f"{base}/invoices/{books['INV-0004']}")

    page.goto(base + "/invoices/")
    assert listed(page) == ["INV-0004", "INV-0003", "INV-0002", "INV-0001"]
    box = page.get_by_label("Search", exact=True)
    box.click()
    page.keyboard.type("globex")
    expect(page).to_have_url(f"{base}/invoices/?q=globex")
    expect(page.locator("#invoice-list tbody tr")).to_have_count(2)
    assert listed(page) == ["INV-0003", "INV-0001"]
    expect(box).to_be_focused()  # the list swapped, not the box being typed in
    expect(box).to_have_value("globex")

    page.get_by_role("link", name="Total").click()  # largest first
    expect(page).to_have_url(f"{base}/invoices/?q=globex&sort=-total")
    expect(page.locator('th[aria-sort="descending"]')).to_have_text(re.compile("Total"))
    assert listed(page) == ["INV-0003", "INV-0001"]
    expect(page.get_by_label("Sort")).to_have_value("-total")  # the form follows the header's sort

    # Keyboard only: the Sort select and Enter in the box search the same way.
    page.get_by_label("Sort").select_option("total")
    expect(page).to_have_url(f"{base}/invoices/?q=globex&sort=total")
    assert listed(page) == ["INV-0001", "INV-0003"]

    page.go_back()
    expect(page).to_have_url(f"{base}/invoices/?q=globex&sort=-total")
    expect(page.locator("#invoice-list tbody tr").first).to_contain_text("INV-0003")

    page.goto(base + "/invoices/?min=1,000")  # a typed-in URL with a bad amount: the message beside it
    expect(page.locator("#invoice-min-error")).to_contain_text("Leave out the comma")
    expect(page.get_by_label("Amount from")).to_be_focused()
