"""New bank lines are matched as the sync stores them, against the sandbox: a payment Light
collected links by its payment intent (T1), a charge carrying Light's metadata records the payment
Light missed, and a page costs the same queries whatever its size."""
from datetime import datetime

import pytest
from sqlalchemy import event

from light.banking import services, sync
from light.banking.models import BankTransaction, SyncRun
from light.extensions import db
from light.invoices.models import Invoice
from light.plumbing.stripe_gateway import BalanceTransaction, ConnectToken
from light.reconciliation.models import ReconciliationLink
from tests.fixtures.owned.banking import sandbox_config
from tests.fixtures.owned.reconciliation import issued_invoice


@pytest.fixture
def app_config(app_config, stripe_sandbox, sandbox_key):
    return sandbox_config(app_config, stripe_sandbox, sandbox_key)


@pytest.fixture
def owner(auth):
    return auth.create_owner()


@pytest.fixture
def connection(owner, stripe_sandbox, sandbox_key):
    token = stripe_sandbox.connect_account(sandbox_key, "Matching Shop", demo=False)
    return services.store_connection(owner.organization_id, ConnectToken(
        token["stripe_user_id"], token["access_token"], token["refresh_token"], token["scope"], token["livemode"]))


def pay(stripe_sandbox, sandbox_key, connection, amount, **params):
    response = stripe_sandbox.api("POST", "/v1/payment_intents", sandbox_key, account=connection.stripe_user_id,
                                  amount=amount, currency="usd", payment_method="pm_card_visa", confirm="true",
                                  **{"automatic_payment_methods[enabled]": "true",
                                     "automatic_payment_methods[allow_redirects]": "never"}, **params)
    assert response.status_code == 200, response.text
    return response.json()


def line_of(intent_id):
    return BankTransaction.query.filter_by(payment_intent_id=intent_id).one()


def test_a_payment_light_collected_is_matched_by_itself_as_the_sync_stores_it(owner, connection, stripe_sandbox,
                                                                              sandbox_key):
    intent = pay(stripe_sandbox, sandbox_key, connection, 5000, description="Invoice INV-0100")
    invoice = issued_invoice(owner.organization_id, 5000, number="INV-0100", status="paid", amount_paid=5000,
                             payment_intent=intent["id"], issued=datetime.utcnow().date())
    assert sync.sync_connection(connection.id).error is None
    line = line_of(intent["id"])
    (link,) = ReconciliationLink.query.filter_by(bank_transaction_id=line.id).all()
    assert (line.match_state, link.invoice_id, link.tier, link.effect) == ("matched", invoice.id, "T1", "recorded")
    assert line.charge_id and line.charge_id.startswith(("ch_", "py_"))
    assert db.session.get(Invoice, invoice.id).amount_paid == 5000  # recorded once, not twice


def test_lights_metadata_names_the_invoice_and_the_missed_payment_is_recorded(owner, connection, stripe_sandbox,
                                                                              sandbox_key):
    invoice = issued_invoice(owner.organization_id, 7000, number="INV-0200", issued=datetime.utcnow().date())
    intent = pay(stripe_sandbox, sandbox_key, connection, 7000, **{
        "metadata[light_invoice_id]": str(invoice.id), "metadata[light_organization_id]": str(owner.organization_id)})
    assert sync.sync_connection(connection.id).error is None
    line = line_of(intent["id"])
    assert line.match_state == "matched" and line.stripe_metadata["light_invoice_id"] == str(invoice.id)
    paid = db.session.get(Invoice, invoice.id, populate_existing=True)
    assert (paid.status, paid.amount_paid) == ("paid", 7000)


def test_another_organizations_metadata_never_links(owner, connection, stripe_sandbox, sandbox_key, auth):
    stranger = auth.create_owner(organization="Other Ltd")
    theirs = issued_invoice(stranger.organization_id, 7000, issued=datetime.utcnow().date())
    intent = pay(stripe_sandbox, sandbox_key, connection, 7001, **{
        "metadata[light_invoice_id]": str(theirs.id), "metadata[light_organization_id]": str(owner.organization_id)})
    sync.sync_connection(connection.id)
    assert line_of(intent["id"]).match_state == "unmatched"
    assert db.session.get(Invoice, theirs.id).amount_paid == 0


def balance_transactions(n, start):
    created = int((datetime(2026, 1, 10) - datetime(1970, 1, 1)).total_seconds())
    kinds = [("charge", "charge", 1000), ("stripe_fee", "fee", -30), ("adjustment", "other_adjustment", -5)]
    out = []
    for i in range(n):
        type_, category, amount = kinds[i % 3]
        out.append(BalanceTransaction(id=f"txn_page_{start + i}", amount=amount + i, fee=0, net=amount + i,
                                      currency="usd", type=type_, reporting_category=category, status="available",
                                      created=created + i, available_on=created + i, description=f"Line {i}",
                                      source_id=f"ch_page_{start + i}", payment_intent_id=f"pi_page_{start + i}",
                                      customer_id="cus_page", customer_email="page@example.com",
                                      metadata={"order": str(i)}))
    return out


def test_a_sync_page_with_matching_costs_the_same_queries_for_ten_lines_or_a_hundred(owner, connection):
    for n in range(5):
        issued_invoice(owner.organization_id, 1000 + n, issued=datetime(2026, 1, 5).date())
    run = SyncRun(organization_id=owner.organization_id, connection_id=connection.id, kind="incremental")
    db.session.add(run)
    db.session.commit()
    feed = sync.Feed(connection, None, run)
    feed.account("usd")
    db.session.commit()

    def statements_for(page):
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            feed.store_page(page)
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    small, large = statements_for(balance_transactions(10, 0)), statements_for(balance_transactions(100, 100))
    assert small == large
    stored = BankTransaction.query.filter(BankTransaction.stripe_id.like("txn_page_%")).count()
    assert stored == 110
    assert BankTransaction.query.filter_by(match_state="unmatched").count() < stored  # the fees were booked


def test_a_refund_stored_before_its_charge_follows_it_by_the_end_of_the_sync(owner, connection):
    invoice = issued_invoice(owner.organization_id, 3000, number="INV-0300", issued=datetime(2026, 1, 5).date())
    run = SyncRun(organization_id=owner.organization_id, connection_id=connection.id, kind="backfill")
    db.session.add(run)
    db.session.commit()
    feed = sync.Feed(connection, None, run)
    created = int((datetime(2026, 1, 10) - datetime(1970, 1, 1)).total_seconds())

    def txn(id, amount, type_, source):
        return BalanceTransaction(id=id, amount=amount, fee=0, net=amount, currency="usd", type=type_,
                                  reporting_category=type_, status="available", created=created, available_on=created,
                                  description="INV-0300" if type_ == "charge" else "REFUND FOR CHARGE",
                                  source_id=source, charge_id="ch_followed")

    feed.store_page([txn("txn_refund", -1000, "refund", "re_1")])  # newest first: the refund comes first
    feed.store_page([txn("txn_charge", 3000, "charge", "ch_followed")])
    db.session.commit()
    refund = BankTransaction.query.filter_by(stripe_id="txn_refund").one()
    assert refund.match_state == "unmatched"
    sync._match_reconciled_payouts(feed)
    (link,) = ReconciliationLink.query.filter_by(bank_transaction_id=refund.id).all()
    assert (link.invoice_id, link.effect) == (invoice.id, "reversal")


def test_an_invoice_collected_through_stripe_is_matched_by_itself_when_its_account_is_connected(
        app, client, auth, stripe_sandbox, sandbox_key, smtp_server, run_jobs):
    """Issue 10's "done when": collect an invoice through Stripe, connect that Stripe Account under
    Bank Reconciliation, and its Stripe line is matched by itself."""
    from light.banking import restricted_key
    from tests.fixtures.invoices import on_the_sandbox, paid_once_through_checkout, stripe_org

    on_the_sandbox(app.config, stripe_sandbox)
    app.config["SMTP_URL"] = smtp_server.url
    org = stripe_org(client, auth, stripe_sandbox, sandbox_key)
    invoice = paid_once_through_checkout(client, org, stripe_sandbox, run_jobs, "4242424242424242")
    connection = restricted_key.connect_with_key(org.person.organization_id, sandbox_key)
    assert sync.sync_connection(connection.id).error is None
    line = line_of(invoice.stripe_payment_intent_id)
    (link,) = ReconciliationLink.query.filter_by(bank_transaction_id=line.id).all()
    assert (line.match_state, link.invoice_id, link.tier) == ("matched", invoice.id, "T1")
    assert db.session.get(Invoice, invoice.id, populate_existing=True).amount_paid == invoice.total
    page = client.get(f"/bank-reconciliation/accounts/{line.bank_account_id}").get_data(as_text=True)
    assert f'href="/invoices/{invoice.id}">{invoice.number}</a>' in page


def test_a_deposit_imported_before_its_payout_synced_is_matched_by_the_next_sync(owner, connection, stripe_sandbox,
                                                                                 sandbox_key):
    from light.banking.models import BankPayout
    from light.statements.matching import match_organization
    from light.statements.models import PayoutDeposit, StatementImport, StatementLine
    from tests.fixtures.owned.statements import statement_account

    stripe_sandbox.seed(account=connection.stripe_user_id, balance_transactions=40, currencies=["usd"],
                        payout_every_days=7)
    assert sync.sync_connection(connection.id).error is None
    payout = BankPayout.query.filter(BankPayout.status == "paid", BankPayout.arrival_date.isnot(None)).first()
    assert payout is not None
    # The statement was imported before that payout was synced: stored as the import stores it, unmatched.
    account = statement_account(owner)
    record = StatementImport(organization_id=owner.organization_id, account_id=account.id, file_name="bank.ofx",
                             format="ofx")
    db.session.add(record)
    db.session.flush()
    line = StatementLine(organization_id=owner.organization_id, account_id=account.id, import_id=record.id,
                         line_key="id:DEP1", date=payout.arrival_date.date(), amount=payout.amount, currency="USD",
                         description="STRIPE PAYOUT", reference="")
    db.session.add(line)
    db.session.commit()
    assert sync.sync_connection(connection.id).error is None
    link = PayoutDeposit.query.one()
    assert (link.statement_line_id, link.payout_id, link.linked_by_id) == (line.id, payout.id, None)
    assert match_organization(owner.organization_id) == {"linked": 0, "suggested": 0}  # twice: nothing more
    assert sync.sync_connection(connection.id).error is None
    assert PayoutDeposit.query.count() == 1
