"""From the database to the engine's plain values, a batch of bank lines at a time, in a fixed
number of queries whatever the batch's size: the lines' payout components (1), the open invoices in
their currencies (1), the invoices their payment intents were recorded on (2), the invoices the
charges of their refunds and disputes settled (1), and any of those not already loaded (1)."""
from collections import defaultdict

from light.banking.models import BankTransaction
from light.customers.models import Customer
from light.extensions import db
from light.invoices.models import OPEN_STATUSES, Invoice, InvoiceEvent
from light.reconciliation.models import ReconciliationLink
from light.reconciliation.values import BankLine, OpenInvoice, PayoutComponent

_KIND_BY_CATEGORY = {"charge": "charge", "refund": "refund", "dispute": "dispute", "fee": "fee"}


def kind_of(row: BankTransaction) -> str:
    if row.category == "payout":
        # A payout's failure or cancellation puts money back: not a transfer to the bank.
        return "payout" if row.type == "payout" else "other"
    return _KIND_BY_CATEGORY.get(row.category, "other")


def bank_lines(rows: list[BankTransaction]) -> list[BankLine]:
    components = _payout_components(rows)
    return [BankLine(id=row.id, kind=kind_of(row), amount=row.amount, currency=row.currency,
                     created=row.created.date(), description=row.description or "",
                     metadata=row.stripe_metadata or {}, payment_intent=row.payment_intent_id,
                     charge=row.charge_id, customer=row.stripe_customer_id, customer_email=row.customer_email,
                     exchange_rate=row.exchange_rate,
                     payout_components=tuple(components.get(row.source_id, ())) if kind_of(row) == "payout" else ())
            for row in rows]


def _payout_components(rows) -> dict[str, list[PayoutComponent]]:
    payouts = {row.source_id: row.bank_account_id for row in rows if kind_of(row) == "payout" and row.source_id}
    if not payouts:
        return {}
    T = BankTransaction
    found = defaultdict(list)
    for payout_id, line_id, net in db.session.query(T.payout_id, T.id, T.net).filter(
            T.bank_account_id.in_(set(payouts.values())), T.payout_id.in_(list(payouts)),
            T.source_id.isnot(None), T.source_id != T.payout_id).order_by(T.id):
        found[payout_id].append(PayoutComponent(line_id, net))
    return found


_COLUMNS = (Invoice.id, Invoice.number, Invoice.customer_id, Invoice.currency, Invoice.total, Invoice.amount_paid,
            Invoice.status, Invoice.issue_date, Invoice.due_date, Invoice.stripe_payment_intent_id, Customer.email,
            Customer.stripe_customer_id)


def _invoices(organization_id: int, *conditions):
    return (db.session.query(*_COLUMNS).join(Customer, Customer.id == Invoice.customer_id)
            .filter(Invoice.organization_id == organization_id, Invoice.status.notin_(("draft", "void")), *conditions))


def candidates(organization_id: int, lines: list[BankLine], *,
               with_open: bool = True) -> tuple[list[OpenInvoice], dict[str, int]]:
    """The invoices the lines could settle, and the invoice each of their refunds' or disputes'
    charges settled (ch_... -> invoice id). `with_open=False`: the caller holds the open invoices
    already (a Re-match's later batch): only the ones the lines name, by payment intent, metadata
    or charge, are read."""
    payments = {line.currency for line in lines if line.kind == "charge" and line.amount > 0} if with_open else ()
    intents = {line.payment_intent for line in lines if line.payment_intent}
    charges = {line.charge for line in lines if line.kind in ("refund", "dispute") and line.charge}
    named = {int(value) for line in lines if (value := str(line.metadata.get("light_invoice_id") or "")).isdigit()}
    rows = {row.id: row for row in _invoices(organization_id, Invoice.status.in_(OPEN_STATUSES),
                                             Invoice.currency.in_(payments))} if payments else {}
    recorded = defaultdict(set)
    if intents:
        for invoice_id, ref in db.session.query(InvoiceEvent.invoice_id, InvoiceEvent.ref).filter(
                InvoiceEvent.organization_id == organization_id, InvoiceEvent.kind == "payment",
                InvoiceEvent.ref.in_(intents)):
            recorded[invoice_id].add(ref)
        for invoice_id, ref in db.session.query(Invoice.id, Invoice.stripe_payment_intent_id).filter(
                Invoice.organization_id == organization_id, Invoice.stripe_payment_intent_id.in_(intents)):
            recorded[invoice_id].add(ref)
    charge_invoices = {}
    if charges:
        T, L = BankTransaction, ReconciliationLink
        settled = db.session.query(T.charge_id, L.invoice_id).join(L, L.bank_transaction_id == T.id)
        charge_invoices = dict(settled.filter(
            T.organization_id == organization_id, T.category == "charge", T.charge_id.in_(charges),
            L.invoice_id.isnot(None)))
    missing = (set(recorded) | named | set(charge_invoices.values())) - set(rows)
    if missing:
        rows.update((row.id, row) for row in _invoices(organization_id, Invoice.id.in_(missing)))
    return [_open_invoice(organization_id, row, recorded.get(row.id, ())) for row in rows.values()], charge_invoices


def open_invoices(organization_id: int, currencies) -> list[OpenInvoice]:
    """Every open invoice of the organization in these currencies (a Re-match's pool, read once)."""
    if not currencies:
        return []
    return [_open_invoice(organization_id, row, ()) for row in _invoices(
        organization_id, Invoice.status.in_(OPEN_STATUSES), Invoice.currency.in_(list(currencies)))]


def _open_invoice(organization_id: int, row, intents) -> OpenInvoice:
    outstanding = max(0, row.total - row.amount_paid) if row.status in OPEN_STATUSES else 0
    return OpenInvoice(id=row.id, number=row.number, customer_id=row.customer_id,
                       customer_emails=(row.email,) if row.email else (), stripe_customer_id=row.stripe_customer_id,
                       currency=row.currency, total=row.total, outstanding=min(outstanding, row.total),
                       issue_date=row.issue_date, due_date=row.due_date, payment_intent_ids=tuple(sorted(intents)),
                       organization_id=organization_id)
