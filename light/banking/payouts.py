"""Payouts: what Stripe sent to the bank, and the transactions each one paid out.

A payout's breakdown is fetched once Stripe has reconciled it (automatic payouts only: Stripe
can't say what a manual payout paid out); its members then sum exactly to it."""
from light.banking.models import BankPayout, BankTransaction
from light.extensions import db
from light.utc import from_unix as when
from light.utc import utcnow

CLOSED = ("failed", "canceled")


def note_new(feed, new_txns) -> None:
    """A new payout transaction in the feed: start tracking its payout."""
    new = [t for t in new_txns if t.type == "payout" and t.source_id and t.source_id.startswith("po_")]
    if not new:
        return
    known = {p for (p,) in db.session.query(BankPayout.stripe_id).filter(
        BankPayout.organization_id == feed.connection.organization_id,
        BankPayout.stripe_id.in_([t.source_id for t in new]))}
    for t in new:
        if t.source_id not in known:
            db.session.add(BankPayout(organization_id=feed.connection.organization_id,
                                      bank_account_id=feed.account(t.currency).id, stripe_id=t.source_id,
                                      amount=-t.amount, currency=t.currency.upper()))


def reconcile(feed, *, force: bool = False) -> None:
    """Fetch what each payout paid out, once Stripe has reconciled it."""
    now = utcnow()
    query = BankPayout.query.filter(BankPayout.bank_account_id.in_([a.id for a in feed.accounts.values()] or [-1]),
                                    BankPayout.breakdown_fetched_at.is_(None))
    for payout in query.all():
        if payout.status in CLOSED or not payout.automatic:
            continue
        if not force and payout.arrival_date is not None and payout.arrival_date > now:
            continue
        found = feed.gateway.payout(payout.stripe_id)
        payout.status, payout.reconciliation_status = found.status, found.reconciliation_status
        payout.arrival_date, payout.automatic, payout.checked_at = when(found.arrival_date), found.automatic, now
        payout.trace_id = found.trace_id or payout.trace_id
        if found.reconciliation_status == "completed" and found.automatic:
            members = []
            for page in feed.gateway.balance_transaction_pages(payout=found.id):
                feed.store_page(page)
                members.extend(t.id for t in page)
            for start in range(0, len(members), 500):
                BankTransaction.query.filter(BankTransaction.organization_id == feed.connection.organization_id,
                                             BankTransaction.stripe_id.in_(members[start:start + 500])).update(
                    {"payout_id": found.id}, synchronize_session=False)
            payout.breakdown_fetched_at = now
        db.session.commit()


def for_page(rows: list[BankTransaction]) -> dict[str, BankPayout]:
    """The payouts behind the payout rows of a page, in one query."""
    ids = [r.source_id for r in rows if r.category == "payout" and r.source_id and r.source_id.startswith("po_")]
    if not ids:
        return {}
    return {p.stripe_id: p for p in BankPayout.query.filter(BankPayout.organization_id == rows[0].organization_id,
                                                             BankPayout.stripe_id.in_(ids))}


def breakdown(payout: BankPayout) -> list[BankTransaction]:
    """What the payout paid out (without the payout's own transaction), newest first."""
    T = BankTransaction
    return (T.query.filter(T.bank_account_id == payout.bank_account_id, T.payout_id == payout.stripe_id,
                           T.source_id != payout.stripe_id)
            .order_by(T.created.desc(), T.id.desc()).all())
