"""Issue 13 item 12: Light on a phone (390 × 844). No page scrolls sideways (a table scrolls inside
its own box), the main navigation folds into a Menu button, and invoice line inputs are usable."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from werkzeug.datastructures import MultiDict

from light.auth import services as accounts
from light.contracts import services as contracts
from light.customers import services as customers
from light.invoices import services as invoices
from light.utc import utcnow

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-passphrase"
PHONE = {"width": 390, "height": 844}


def _form(customer_id, today, **extra):
    return MultiDict({"customer_id": str(customer_id), "currency": "USD", "issue_date": str(today),
                      "due_date": str(today + timedelta(days=14)), "payment_method": "bank_transfer",
                      "line_description": ["Consulting with a long description that could push a table wide",
                                           "Support"], "line_quantity": ["12.5", "1"],
                      "line_unit_price": ["1234567.89", "99.00"], "line_tax_rate": ["20", "0"], **extra})


@pytest.fixture
def world(live_server):
    today = utcnow().date()
    with live_server.app.app_context():
        user = accounts.sign_up(organization_name="Acme Ltd", name="Ada Lovelace", email="ada@example.com",
                                password=PASSWORD)
        customer = customers.create_customer(user.organization_id, {
            "name": "Grace Customer With A Rather Long Name", "email": "grace.long.address@example.com",
            "currency": "USD", "address": "1 High Street\nLondon"})
        invoice = invoices.create_invoice(user.organization_id, _form(customer.id, today))
        invoices.issue(invoice.id, user.organization_id)
        contract = contracts.create_contract(user.organization_id, _form(
            customer.id, today, frequency="monthly", start_date=str(today), end_date="", days_until_due="14"))
        return {"invoice": invoice.id, "pay_token": invoice.pay_token, "customer": customer.id,
                "contract": contract.id}


def _log_in(page, base):
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()


def _too_wide(page) -> list[str]:
    """What sticks out of the viewport, besides what sits inside a box that scrolls on its own."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth, found = [];
        const scrollsItself = el => { for (let p = el; p; p = p.parentElement) {
            const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
        for (const el of document.body.querySelectorAll('*')) {
            const box = el.getBoundingClientRect();
            if (box.width && box.right > width + 1 && !scrollsItself(el.parentElement))
                found.push(el.tagName + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : ''));
        }
        if (document.documentElement.scrollWidth > width + 1) found.unshift('page ' + document.documentElement.scrollWidth);
        return found.slice(0, 8);
    }""")


def test_no_page_is_wider_than_a_phone(live_server, world, page):
    base = live_server.url
    page.set_viewport_size(PHONE)
    for path in ("/login", "/signup", "/login/forgot", f"/pay/{world['pay_token']}"):
        page.goto(base + path)
        assert _too_wide(page) == [], path
    _log_in(page, base)
    paths = ["/", "/bank-reconciliation/", "/bank-reconciliation/connect", "/bank-reconciliation/connect/stripe",
             "/invoices/", "/invoices/new", f"/invoices/{world['invoice']}", "/customers/",
             f"/customers/{world['customer']}", "/customers/new", "/contracts/", "/contracts/new",
             f"/contracts/{world['contract']}", "/settings/integrations/", "/settings/integrations/new",
             "/settings/workflows/", "/settings/workflows/invoice-to-cash", "/settings/team",
             "/settings/organization", "/settings/outbox", "/settings/notifications", "/settings/two-factor"]
    for path in paths:
        page.goto(base + path)
        assert _too_wide(page) == [], path


def test_the_main_navigation_folds_into_a_menu_button(live_server, world, page):
    base = live_server.url
    page.set_viewport_size(PHONE)
    _log_in(page, base)
    menu = page.get_by_role("button", name="Menu")
    nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Sales Invoices")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav_link).to_be_hidden()
    brand, button = page.locator("a.brand").bounding_box(), menu.bounding_box()
    assert abs((brand["y"] + brand["height"] / 2) - (button["y"] + button["height"] / 2)) < 12  # one row
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav_link).to_be_visible()
    nav_link.click()
    expect(page).to_have_url(base + "/invoices/")
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")


def test_on_a_desktop_the_navigation_shows_without_a_menu_button(live_server, world, page):
    page.set_viewport_size({"width": 1280, "height": 800})
    _log_in(page, live_server.url)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sales Invoices")).to_be_visible()


def test_invoice_line_inputs_are_wide_enough_to_type_in(live_server, world, page):
    page.set_viewport_size(PHONE)
    _log_in(page, live_server.url)
    page.goto(live_server.url + "/invoices/new")
    for name in ("line_description", "line_quantity", "line_unit_price", "line_tax_rate"):
        box = page.locator(f"[name={name}]").first.bounding_box()
        assert box["width"] >= 80, (name, box["width"])


def test_an_invoices_amounts_are_in_view_on_a_phone(live_server, world, page):
    # The lines table used to scroll inside its own box, leaving the totals' amounts off to the side.
    page.set_viewport_size(PHONE)
    _log_in(page, live_server.url)
    page.goto(f"{live_server.url}/invoices/{world['invoice']}")
    expect(page.locator("#invoice-total")).to_have_text(re.compile(r"^\$[\d,]+\.\d\d$"))
    for cell in (page.locator("#invoice-total"), page.locator("table.lines-view tbody td").last):
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    amount = page.locator("table.lines-view tbody tr").first.locator("td").last
    # Each number is labelled once the header row is hidden.
    assert amount.evaluate("el => getComputedStyle(el, '::before').content") == '"Amount"'


# px: the search box, one "Filters and sort" row and Search (188 measured). Unfolded, the invoices' form is
# 524 px on a phone (five rows of filters), the contracts' 440.
FOLDED_FORM_MAX = 200


@pytest.mark.parametrize(("path", "prefix", "inside"), [
    ("/invoices/", "invoice", "#invoice-issued_from"), ("/customers/", "customer", "#customer-sort"),
    ("/contracts/", "contract", "#contract-starts_from"),
])
def test_a_lists_filters_fold_on_a_phone_and_open_on_a_tap(live_server, world, page, path, prefix, inside):
    page.set_viewport_size(PHONE)
    _log_in(page, live_server.url)
    page.goto(live_server.url + path)
    form = page.locator(f"#{prefix}-search")
    fold = page.locator(f"#{prefix}-filters-fold")
    expect(fold).not_to_have_attribute("open", "")
    expect(page.locator(inside)).to_be_hidden()
    expect(form.get_by_label("Search", exact=True)).to_be_visible()
    height = form.bounding_box()["height"]
    assert height <= FOLDED_FORM_MAX, height
    form.get_by_text("Filters and sort").click()
    expect(page.locator(inside)).to_be_visible()
    assert form.bounding_box()["height"] > height + 60  # the filters were folded, not missing
    assert _too_wide(page) == [], path


def test_a_filter_in_use_keeps_the_fold_open_on_a_phone_and_a_desktop_shows_the_filters(live_server, world, page):
    page.set_viewport_size(PHONE)
    _log_in(page, live_server.url)
    page.goto(live_server.url + "/invoices/?min=10")
    expect(page.locator("#invoice-filters-fold")).to_have_attribute("open", "")
    expect(page.get_by_label("Amount from")).to_have_value("10")
    page.goto(live_server.url + "/invoices/?issued_from=yesterday")  # unreadable: its message must show
    expect(page.locator("#invoice-search .field-error")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/contracts/")
    expect(page.get_by_text("Filters and sort")).to_be_hidden()
    expect(page.get_by_label("Starts from")).to_be_visible()
    form = page.locator("#contract-search").bounding_box()
    assert form["height"] < 240, form  # the search box, then the filters beside Search: two rows
