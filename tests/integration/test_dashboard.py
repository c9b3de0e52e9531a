"""The home page's dashboard: its figures from real rows, the first steps of a new organization,
another organization's figures never, and the same few queries however much there is."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event

from light.auth.models import Organization
from light.banking.models import BankAccount, BankTransaction, StripeConnection
from light.customers.models import Customer
from light.extensions import db
from light.home import services
from light.integrations.models import Integration
from light.invoices.models import Invoice, InvoiceEvent
from light.invoices.services import new_token
from light.utc import utcnow


def customer_of(organization_id, name="Grace Customer", currency="USD"):
    customer = Customer(organization_id=organization_id, name=name, email="grace@example.com",
                        currency=currency, address="")
    db.session.add(customer)
    db.session.flush()
    return customer


def invoice_of(customer, status, total, *, paid=0, due=None, number=None, currency=None):
    today = utcnow().date()
    invoice = Invoice(organization_id=customer.organization_id, customer_id=customer.id,
                      currency=currency or customer.currency, status=status, number=number,
                      issue_date=today - timedelta(days=30), due_date=due or today + timedelta(days=14),
                      payment_method="stripe", pay_token=new_token(), subtotal=total, total=total, amount_paid=paid)
    db.session.add(invoice)
    db.session.flush()
    return invoice


def payment(invoice, amount, when):
    db.session.add(InvoiceEvent(organization_id=invoice.organization_id, invoice_id=invoice.id, kind="payment",
                                message="Paid.", amount=amount, ref=f"pi_{invoice.id}_{amount}", created_at=when))


def bank(organization_id, balances, *, unmatched=0, status="active", account="acct_dash0001"):
    connection = StripeConnection(organization_id=organization_id, stripe_user_id=account, status=status)
    db.session.add(connection)
    db.session.flush()
    for currency, available, pending in balances:
        account_row = BankAccount(organization_id=organization_id, connection_id=connection.id,
                                  name=f"Stripe ({currency})", currency=currency, available=available, pending=pending)
        db.session.add(account_row)
        db.session.flush()
        for i in range(unmatched):
            db.session.add(BankTransaction(organization_id=organization_id, bank_account_id=account_row.id,
                                           stripe_id=f"txn_{account}_{currency}_{i}", amount=100, net=100, fee=0,
                                           currency=currency, type="charge", category="charge", status="available",
                                           created=utcnow(), match_state="matched" if i == 0 else "unmatched"))
    return connection


@pytest.fixture
def busy_org(auth):
    """An organization with open, late and stuck invoices in two currencies, payments this month
    and last, and a Stripe Account with a balance."""
    owner = auth.login()
    usd, eur = customer_of(owner.organization_id), customer_of(owner.organization_id, "Euro GmbH", "EUR")
    today, now = utcnow().date(), utcnow()
    invoice_of(usd, "issued", 10000, number="INV-0001")
    invoice_of(usd, "partially_paid", 5000, paid=2000, number="INV-0002")
    invoice_of(usd, "overdue", 3000, due=today - timedelta(days=3), number="INV-0003")
    stuck = invoice_of(usd, "action_required", 4200, number="INV-0004")
    invoice_of(eur, "payment_failed", 7000, number="INV-0005")
    invoice_of(eur, "issued", 900, due=today - timedelta(days=1), number="INV-0006")  # late, not yet marked
    paid = invoice_of(usd, "paid", 2500, paid=2500, number="INV-0007")
    invoice_of(usd, "draft", 99999)
    invoice_of(usd, "void", 88888, number="INV-0008")
    payment(paid, 2500, now)
    payment(paid, 1111, now - timedelta(days=40))  # last month (or the one before): not this month's
    bank(owner.organization_id, [("USD", 123456, 789), ("EUR", 5000, 0)], unmatched=4)
    db.session.add(Integration(organization_id=owner.organization_id, kind="stripe", status="active",
                               secret_key="sk_test_x", account_id="acct_dash0001"))
    db.session.commit()
    return owner, stuck


def test_the_figures_are_per_currency_and_count_only_what_is_open(client, busy_org):
    owner, _ = busy_org
    board = services.dashboard_of(db.session.get(Organization, owner.organization_id))
    found = {r.currency: r for r in board.receivables}
    assert (found["USD"].outstanding, found["USD"].open_count) == (10000 + 3000 + 3000 + 4200, 4)
    assert (found["EUR"].outstanding, found["EUR"].open_count) == (7900, 2)
    assert (found["USD"].overdue, found["EUR"].overdue) == (3000, 900)
    assert {r.currency: r.this_month for r in board.received} == {"USD": 2500}
    assert sum(board.received[0].by_month) == 2500 + 1111
    assert [(b.currency, b.available, b.pending) for b in board.balances] == [("EUR", 5000, 0), ("USD", 123456, 789)]
    assert board.unmatched_lines == 6 and board.counts == {
        "issued": 2, "partially_paid": 1, "overdue": 1, "action_required": 1, "payment_failed": 1}


def test_the_home_page_shows_the_figures_and_what_needs_action(client, busy_org):
    _, stuck = busy_org
    html = client.get("/").get_data(as_text=True)
    assert "$202.00" in html and "€79.00" in html  # receivables, never one added-up total
    assert "$30.00" in html and "€9.00" in html  # overdue
    assert "$25.00" in html  # received this month
    assert "$1,234.56" in html and "$7.89 pending" in html and "€50.00" in html  # Stripe balance
    assert f'/invoices/{stuck.id}"' in html and "Action required" in html and "Payment failed" in html
    assert "6 unmatched bank lines" in html
    assert "<svg" in html and "<rect" in html and "Cash received in USD per month" in html
    assert "Get started" not in html and "Next steps" not in html


def test_a_new_organization_is_guided_to_its_first_steps(client, auth):
    auth.login()
    html = client.get("/").get_data(as_text=True)
    assert "Get started" in html
    for step, url in (("Add New Integration &gt; Stripe", "/settings/integrations/stripe/new"),
                      ("Create Invoice", "/invoices/new"), ("Connect Bank", "/bank-reconciliation/connect")):
        assert step in html and f'href="{url}"' in html, step
    assert "No open invoices." in html and "Nothing needs your attention." in html and "<svg" not in html


def test_a_member_is_told_an_owner_adds_stripe(client, auth):
    owner = auth.create_owner()
    auth.login(auth.create_member(owner))
    html = client.get("/").get_data(as_text=True)
    assert "Add New Integration &gt; Stripe" in html and "/settings/integrations/stripe/new" not in html
    assert "An owner of" in html


def test_a_revoked_stripe_account_needs_action(client, auth):
    owner = auth.login()
    bank(owner.organization_id, [("USD", 1, 0)], status="revoked", account="acct_revoked01")
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "1 Stripe Account revoked Light&#39;s access" in html or "1 Stripe Account revoked Light's access" in html


def test_another_organizations_figures_never_appear(client, auth, busy_org):
    auth.login(auth.create_owner(organization="Other Ltd"))
    html = client.get("/").get_data(as_text=True)
    assert "Other Ltd" in html and "Get started" in html
    for figure in ("$202.00", "€79.00", "$1,234.56", "INV-0004", "unmatched bank line"):
        assert figure not in html, figure


def test_cash_this_month_follows_the_organizations_time_zone(client, busy_org):
    owner, stuck = busy_org
    organization = db.session.get(Organization, owner.organization_id)
    organization.time_zone = "Asia/Tokyo"
    # 15:30 UTC on the last day of a month is already the 1st of the next month in Tokyo.
    payment(stuck, 4200, datetime(2026, 3, 31, 15, 30))
    db.session.commit()
    tokyo = services.dashboard_of(organization, now=datetime(2026, 4, 2, 9, 0))
    assert {r.currency: r.this_month for r in tokyo.received} == {"USD": 4200}
    organization.time_zone = "UTC"
    utc = services.dashboard_of(organization, now=datetime(2026, 4, 2, 9, 0))
    assert {r.currency: r.this_month for r in utc.received}.get("USD", 0) == 0
    assert tokyo.months[-1].first_day == date(2026, 4, 1)


def test_the_dashboard_costs_the_same_few_queries_however_much_there_is(client, busy_org):
    owner, _ = busy_org

    def queries():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    before = queries()
    customer = customer_of(owner.organization_id, "More Ltd", "GBP")
    for i in range(40):
        invoice = invoice_of(customer, ("issued", "action_required", "payment_failed", "paid")[i % 4], 100 + i,
                             number=f"INV-1{i:03d}")
        payment(invoice, 50, utcnow() - timedelta(days=i))
    bank(owner.organization_id, [("GBP", 10, 0)], unmatched=20, account="acct_dash0002")
    db.session.commit()
    assert queries() == before <= 10
