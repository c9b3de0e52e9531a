"""Syncing a Stripe connection: balance transactions, balances and payout breakdowns.

Crash safety rests on the high-water mark (`StripeConnection.newest_transaction_id`):
- a backfill pages newest first and sets the mark only after its last page has committed. Each page
  commits with a resume cursor (`backfill_cursor`, the oldest transaction stored so far), so a
  backfill that dies carries on from there when run again (`starting_after`), and rows are
  upserted by Stripe id: nothing doubles, nothing is read twice but the page that was in flight;
- a later sync pages oldest first from the mark and advances it after each committed page, so a
  sync that dies resumes where it stopped.
When nothing is new, a sync costs one API call: pending transactions are re-read only once their
`available_on` has passed, and payouts are checked only once they are due to arrive.
"""
import logging
from datetime import UTC

from flask import current_app
from sqlalchemy import and_, func, or_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from light.banking import payouts, stripe_app
from light.banking.categories import category_for
from light.banking.connections import end_connection
from light.banking.models import BankAccount, BankPayout, BankTransaction, StripeConnection, SyncRun
from light.errors import Refused
from light.extensions import db
from light.notifications import events as notifications
from light.plumbing.jobs.runner import report_progress
from light.plumbing.stripe_gateway import AuthenticationFailed, GatewayError, ReconnectNeeded, StripeGateway
from light.reconciliation import matching
from light.reconciliation.models import ReconciliationLink
from light.statements import matching as deposit_matching
from light.utc import from_unix as when
from light.utc import utcnow

log = logging.getLogger(__name__)
UPDATABLE = ("amount", "fee", "net", "type", "reporting_category", "category", "status", "available_on",
             "description", "source_id", "payment_intent_id", "charge_id", "stripe_customer_id", "customer_email",
             "stripe_metadata", "exchange_rate")


STOPPED = "Stopped when its worker stopped; the next sync carried on from there."


class SyncFailed(Refused):
    MESSAGE = "Light hit an unexpected problem while syncing. It will try again at the next sync."


def gateway_for(connection: StripeConnection, **options) -> StripeGateway:
    """The connection's own key, the Stripe App's access token (renewed before it expires, and once
    more if Stripe answers 401 to it), or the platform's acting on the connected account (Stripe-Account)."""
    if connection.uses_stripe_app:
        connection_id = connection.id
        return StripeGateway.from_config(current_app.config, api_key=stripe_app.access_token(connection),
                                         on_expired=lambda stale: stripe_app.refresh(connection_id, stale),
                                         **options)
    if connection.uses_own_key:
        return StripeGateway.from_config(current_app.config, api_key=connection.access_token, **options)
    return StripeGateway.from_config(current_app.config, stripe_account=connection.stripe_user_id, **options)


def account_name(currency: str) -> str:
    return f"Stripe ({currency.upper()})"


class Feed:
    """One sync of one connection: its bank accounts by currency and what was done so far."""

    def __init__(self, connection: StripeConnection, gateway, run: SyncRun):
        self.connection, self.gateway, self.run = connection, gateway, run
        self.accounts = {a.currency: a for a in BankAccount.query.filter_by(connection_id=connection.id)}

    def account(self, currency: str) -> BankAccount:
        currency = currency.upper()
        found = self.accounts.get(currency)
        if found is None:
            found = BankAccount(organization_id=self.connection.organization_id, connection_id=self.connection.id,
                                name=account_name(currency), currency=currency)
            db.session.add(found)
            db.session.flush()
            self.accounts[currency] = found
        return found

    def store_page(self, txns) -> None:
        """Upsert one page: one read of the existing ids, one write for the whole page."""
        if not txns:
            return
        org = self.connection.organization_id
        rows = [{"organization_id": org, "bank_account_id": self.account(t.currency).id, "stripe_id": t.id,
                 "amount": t.amount, "fee": t.fee, "net": t.net, "currency": t.currency.upper(), "type": t.type,
                 "reporting_category": t.reporting_category, "category": category_for(t.type, t.reporting_category),
                 "status": t.status, "created": when(t.created), "available_on": when(t.available_on),
                 "description": (t.description or "")[:500] or None, "source_id": t.source_id,
                 "match_state": "unmatched", "payment_intent_id": t.payment_intent_id, "charge_id": t.charge_id,
                 "stripe_customer_id": t.customer_id, "customer_email": (t.customer_email or "")[:254] or None,
                 "stripe_metadata": t.metadata or None, "exchange_rate": t.exchange_rate} for t in txns]
        ids = [t.id for t in txns]
        existing = dict(db.session.query(BankTransaction.stripe_id, BankTransaction.status).filter(
            BankTransaction.organization_id == org, BankTransaction.stripe_id.in_(ids)))
        db.session.execute(_upsert(), rows)  # executemany of one cached statement
        self.run.fetched_count += len(txns)
        self.run.created_count += sum(1 for t in txns if t.id not in existing)
        self.run.updated_count += sum(1 for t in txns if t.id in existing and existing[t.id] != t.status)
        payouts.note_new(self, [t for t in txns if t.id not in existing])
        self.match_new([t.id for t in txns if t.id not in existing])

    def match_new(self, stripe_ids) -> None:
        """Bank Reconciliation matches the page's new lines as they arrive: one read of their ids,
        then a fixed number of queries for the page (light/reconciliation/matching.py)."""
        if not stripe_ids:
            return
        db.session.flush()
        org = self.connection.organization_id
        ids = [i for (i,) in db.session.query(BankTransaction.id).filter(
            BankTransaction.organization_id == org, BankTransaction.stripe_id.in_(stripe_ids))]
        matching.match_new(org, ids)


def _upsert():
    table = BankTransaction.__table__
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table)
    return statement.on_conflict_do_update(index_elements=["organization_id", "stripe_id"],
                                           set_={c: statement.excluded[c] for c in UPDATABLE})


def sync_connection(connection_id: int, trigger: str = "manual", *, gateway=None,
                    reconcile_payouts: bool = True) -> SyncRun | None:
    """The use case behind the first sync, "Sync now", the clock and webhooks. Returns the
    SyncRun (None when the connection is gone or no longer active)."""
    connection = db.session.get(StripeConnection, connection_id)
    if connection is None or not connection.is_active:
        return None
    try:
        gateway = gateway or gateway_for(connection)
    except ReconnectNeeded:
        return None  # the Stripe App's grant is gone; the connection now says "Reconnect needed"
    run = _start_run(connection, trigger)
    feed = Feed(connection, gateway, run)
    try:
        changed = _backfill(feed) if run.kind == "backfill" else _since(feed)
        changed = _refresh_matured(feed) or changed
        if changed:
            _refresh_balances(feed)
        if reconcile_payouts:
            payouts.reconcile(feed, force=trigger == "webhook")
            _match_reconciled_payouts(feed)
            # A payout that arrived may be a deposit on a bank statement imported before it synced.
            deposit_matching.match_organization(connection.organization_id)
    except AuthenticationFailed as exc:
        db.session.rollback()
        _access_lost(connection)
        _finish(run, exc.message)
        return run
    except GatewayError as exc:
        db.session.rollback()
        _finish(run, exc.message)
        raise
    except Exception as exc:
        db.session.rollback()
        # The exception's text may quote SQL or data: it stays chained (for the log), pages get plain words.
        _finish(run, SyncFailed.MESSAGE)
        raise SyncFailed(SyncFailed.MESSAGE) from exc
    connection.last_synced_at = utcnow()
    _finish(run, None)
    return run


def _access_lost(connection: StripeConnection) -> None:
    """Stripe refused the connection's key. A pasted key that stops working was revoked; through
    Connect, it may be Light's own key; a Stripe App's token refused even once renewed (or not
    renewable) needs the app installed again."""
    if connection.uses_stripe_app:
        stripe_app.mark_reconnect_needed(connection.id)
    elif connection.uses_own_key or _platform_key_works():
        end_connection(connection, "revoked")


def _start_run(connection: StripeConnection, trigger: str) -> SyncRun:
    # One sync of a connection runs at a time (the job's active key): an unfinished run found now
    # died with its worker, and this one carries on from where it stopped.
    SyncRun.query.filter_by(connection_id=connection.id, finished_at=None).update(
        {"finished_at": utcnow(), "error": STOPPED}, synchronize_session=False)
    run = SyncRun(organization_id=connection.organization_id, connection_id=connection.id, trigger=trigger,
                  kind="incremental" if connection.newest_transaction_id else "backfill")
    db.session.add(run)
    db.session.commit()
    return run


def _finish(run: SyncRun, error: str | None) -> None:
    run = db.session.merge(run)
    run.finished_at, run.error = utcnow(), error
    db.session.commit()
    if error:
        notifications.sync_failed(run.id)


def _platform_key_works() -> bool:
    try:
        StripeGateway.from_config(current_app.config).account()
    except GatewayError:
        return False
    return True


def _backfill(feed: Feed) -> bool:
    connection, pages = feed.connection, 0
    for page in _pages_after(feed.gateway, connection.backfill_cursor):
        connection.backfill_newest_id = connection.backfill_newest_id or page[0].id
        feed.store_page(page)
        connection.backfill_cursor = page[-1].id  # committed with the page it follows
        db.session.commit()
        pages += 1
        if pages % 5 == 1:
            # The total is unknown until the end: the bar creeps towards 95%.
            report_progress(95 - 95 * 0.97 ** pages, f"{feed.run.fetched_count:,} transactions so far")
    connection.newest_transaction_id = connection.backfill_newest_id
    connection.backfill_newest_id = connection.backfill_cursor = None
    connection.backfilled_at = utcnow()
    db.session.commit()
    return True


def _pages_after(gateway, cursor: str | None):
    """Balance transactions newest first, from the top or after `cursor` (a resumed backfill)."""
    if cursor is None:
        yield from gateway.balance_transaction_pages()
        return
    # StripeGateway.balance_transaction_pages has no starting_after of its own (yet): page with the
    # same request it makes, from the cursor.
    params = {"limit": 100, "starting_after": cursor}
    while True:
        txns, has_more = gateway._txn_page(dict(params))
        if txns:
            yield txns
        if not has_more or not txns:
            return
        params["starting_after"] = txns[-1].id


def _since(feed: Feed) -> bool:
    changed = False
    for page in feed.gateway.balance_transactions_since(feed.connection.newest_transaction_id):
        feed.store_page(page)
        feed.connection.newest_transaction_id = page[-1].id
        db.session.commit()
        changed = True
        report_progress(50, f"{feed.run.fetched_count:,} new transactions")
    return changed


def _refresh_matured(feed: Feed) -> bool:
    """Pending transactions whose available_on has passed: re-read that window once."""
    oldest = db.session.query(func.min(BankTransaction.created)).filter(
        BankTransaction.bank_account_id.in_([a.id for a in feed.accounts.values()] or [-1]),
        BankTransaction.status == "pending", BankTransaction.available_on <= utcnow()).scalar()
    if oldest is None:
        return False
    since = int(oldest.replace(tzinfo=UTC).timestamp())
    for page in feed.gateway.balance_transaction_pages(created_gte=since):
        feed.store_page(page)
        db.session.commit()
    return True


def _match_reconciled_payouts(feed: Feed) -> None:
    """Lines that became decidable during the sync are decided again: a payout line once Stripe
    lists what it paid out (T0), and a refund or dispute once the charge it follows is linked (a
    backfill reads newest first, so it meets the refund before its charge)."""
    T, L = BankTransaction, ReconciliationLink
    accounts = [a.id for a in feed.accounts.values()] or [-1]
    fetched = db.session.query(BankPayout.stripe_id).filter(BankPayout.bank_account_id.in_(accounts),
                                                           BankPayout.breakdown_fetched_at.isnot(None))
    linked_charges = (db.session.query(T.charge_id).join(L, L.bank_transaction_id == T.id)
                      .filter(T.bank_account_id.in_(accounts), T.category == "charge", L.invoice_id.isnot(None)))
    ids = [i for (i,) in db.session.query(T.id).filter(
        T.bank_account_id.in_(accounts), T.match_state == "unmatched",
        or_(and_(T.category == "payout", T.type == "payout", T.source_id.in_(fetched)),
            and_(T.category.in_(("refund", "dispute")), T.charge_id.in_(linked_charges))))]
    for start in range(0, len(ids), matching.BATCH):
        matching.match_new(feed.connection.organization_id, ids[start:start + matching.BATCH])


def _refresh_balances(feed: Feed) -> None:
    now = utcnow()
    for amount in feed.gateway.balance():
        account = feed.account(amount.currency)
        account.available, account.pending, account.balance_updated_at = amount.available, amount.pending, now
    db.session.commit()


def sync_job(connection_id: int, trigger: str = "manual") -> str:
    """The background job behind Sync now, the clock and webhooks: a message for the progress bar."""
    run = sync_connection(connection_id, trigger)
    if run is None:
        return "connection not active"
    if run.error:
        return run.error
    return f"{run.created_count:,} new, {run.updated_count:,} updated"
