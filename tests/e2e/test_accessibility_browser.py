"""axe-core over Light's main pages, at desktop and phone sizes: no serious or critical violation.

axe-core is the minified file of the npm package, vendored beside this test (tests/e2e/vendor/,
MPL-2.0, its licence beside it): no download at test time. It runs inside the page, after htmx and
light.js have done their work, as a screen reader would meet it."""
import pathlib
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from werkzeug.datastructures import MultiDict

from light.auth import services as accounts
from light.banking.models import BankAccount, BankTransaction, StripeConnection
from light.contracts import services as contracts
from light.customers import services as customers
from light.extensions import db
from light.invoices import services as invoices
from light.utc import utcnow

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-passphrase"
AXE = pathlib.Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
SERIOUS = ("serious", "critical")


def _form(customer_id, today, **extra):
    return MultiDict({"customer_id": str(customer_id), "currency": "USD", "issue_date": str(today),
                      "due_date": str(today + timedelta(days=14)), "payment_method": "bank_transfer",
                      "line_description": ["Consulting"], "line_quantity": ["2"], "line_unit_price": ["150.00"],
                      "line_tax_rate": ["20"], **extra})


@pytest.fixture
def world(live_server):
    today = utcnow().date()
    with live_server.app.app_context():
        user = accounts.sign_up(organization_name="Acme Ltd", name="Ada Lovelace", email="ada@example.com",
                                password=PASSWORD)
        org = user.organization_id
        customer = customers.create_customer(org, {"name": "Grace Customer", "email": "grace@example.com",
                                                   "currency": "USD", "address": "1 High Street\nLondon"})
        invoice = invoices.create_invoice(org, _form(customer.id, today))
        invoices.issue(invoice.id, org)
        contract = contracts.create_contract(org, _form(customer.id, today, frequency="monthly",
                                                        start_date=str(today), end_date="", days_until_due="14"))
        connection = StripeConnection(organization_id=org, stripe_user_id="acct_axe00001", display_name="Axe Shop",
                                      status="active", last_synced_at=utcnow())
        db.session.add(connection)
        db.session.flush()
        account = BankAccount(organization_id=org, connection_id=connection.id, name="Stripe (USD)", currency="USD",
                              available=120000, pending=500)
        db.session.add(account)
        db.session.flush()
        for i in range(3):
            db.session.add(BankTransaction(organization_id=org, bank_account_id=account.id, stripe_id=f"txn_axe{i}",
                                           amount=1000, fee=59, net=941, currency="USD", type="charge",
                                           category="charge", status="available",
                                           created=utcnow() - timedelta(days=i), description=f"Order {i}"))
        db.session.commit()
        return {"invoice": invoice.id, "pay_token": invoice.pay_token, "customer": customer.id,
                "contract": contract.id, "account": account.id}


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [f"{v['impact']} {v['id']}: {v['help']} at {v['where']}" for v in found if v["impact"] in SERIOUS]


def _log_in(page, base):
    page.goto(base + "/login")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_the_main_pages_have_no_serious_accessibility_violation(live_server, world, page, viewport):
    base = live_server.url
    page.set_viewport_size(viewport)
    problems = {}
    for path in ("/login", "/signup", "/login/forgot", f"/pay/{world['pay_token']}"):
        page.goto(base + path)
        problems[path] = serious_violations(page)
    _log_in(page, base)
    for path in ("/", "/invoices/", "/invoices/?q=grace&sort=-total", "/invoices/?min=1,000", "/invoices/new",
                 f"/invoices/{world['invoice']}", "/customers/", f"/customers/{world['customer']}", "/customers/new",
                 "/contracts/", "/contracts/new", f"/contracts/{world['contract']}", "/bank-reconciliation/",
                 f"/bank-reconciliation/accounts/{world['account']}", "/bank-reconciliation/connect",
                 "/settings/", "/settings/integrations/", "/settings/integrations/new",
                 "/settings/workflows/invoice-to-cash", "/settings/team", "/settings/organization",
                 "/settings/outbox"):
        page.goto(base + path)
        problems[path] = serious_violations(page)
    assert {path: found for path, found in problems.items() if found} == {}
