"""The dashboard's queries: a fixed handful whatever the organization's size, each summed by the
database and handed to light.home.dashboard as plain rows."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, select

from light.auth.models import Organization
from light.banking.models import BankAccount, BankTransaction, StripeConnection
from light.customers.models import Customer
from light.extensions import db
from light.home import dashboard
from light.integrations.models import Integration
from light.invoices.models import OPEN_STATUSES, Invoice, InvoiceEvent
from light.utc import utcnow

NEEDS_ACTION = ("action_required", "payment_failed")
NEEDS_ACTION_SHOWN = 8
MONTHS = 6


@dataclass(frozen=True)
class Balance:
    currency: str
    available: int
    pending: int


@dataclass(frozen=True)
class Setup:
    """What a new organization has done yet: the dashboard's empty states guide to the rest."""
    has_stripe: bool
    has_invoice: bool
    has_bank: bool
    revoked_banks: int

    @property
    def is_new(self) -> bool:
        return not (self.has_stripe or self.has_invoice or self.has_bank)


@dataclass(frozen=True)
class Dashboard:
    today: object
    setup: Setup
    receivables: list
    counts: dict
    needs_action: list
    unmatched_lines: int
    months: list
    received: list
    charts: list
    balances: list

    @property
    def action_count(self) -> int:
        return sum(self.counts.get(status, 0) for status in NEEDS_ACTION) + self.unmatched_lines \
            + self.setup.revoked_banks


def dashboard_of(organization: Organization, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    today = dashboard.local_today(now, organization.time_zone)
    months = dashboard.month_starts(today, organization.time_zone, MONTHS)
    rows = _open_invoices(organization.id, today)
    until = dashboard.next_month_starts_at(today, organization.time_zone)
    received = dashboard.received(_payments(organization.id, months, until), months)
    return Dashboard(
        today=today, setup=_setup(organization.id), receivables=dashboard.receivables(rows),
        counts=dashboard.status_counts(rows), needs_action=_needs_action(organization.id),
        unmatched_lines=_unmatched_lines(organization.id), months=months, received=received,
        charts=[dashboard.bar_chart(series, months) for series in received], balances=_balances(organization.id))


def _open_invoices(organization_id: int, today) -> list[dashboard.OpenInvoiceRow]:
    late = case((Invoice.due_date < today, 1), else_=0)
    query = (select(Invoice.status, Invoice.currency, late, func.count(), func.sum(Invoice.total),
                    func.sum(Invoice.amount_paid))
             .where(Invoice.organization_id == organization_id, Invoice.status.in_(OPEN_STATUSES))
             .group_by(Invoice.status, Invoice.currency, late))
    return [dashboard.OpenInvoiceRow(status, currency, bool(is_late), count, int(total or 0), int(paid or 0))
            for status, currency, is_late, count, total, paid in db.session.execute(query)]


def _needs_action(organization_id: int) -> list:
    query = (select(Invoice.id, Invoice.number, Invoice.status, Invoice.currency, Invoice.total,
                    Invoice.amount_paid, Invoice.due_date, Customer.name)
             .join(Customer, Customer.id == Invoice.customer_id)
             .where(Invoice.organization_id == organization_id, Invoice.status.in_(NEEDS_ACTION))
             .order_by(Invoice.due_date, Invoice.id).limit(NEEDS_ACTION_SHOWN))
    return db.session.execute(query).mappings().all()


def _payments(organization_id: int, months: list[dashboard.Month], until: datetime) -> list[tuple[str, int, int]]:
    """Payments recorded on the timeline, summed per currency and local month. Refunds are not
    taken off: this is the cash that came in, as the month's receipts would show it."""
    bucket = case(*[(InvoiceEvent.created_at >= month.starts_at, index)
                    for index, month in reversed(list(enumerate(months)))], else_=-1)
    query = (select(Invoice.currency, bucket, func.sum(InvoiceEvent.amount))
             .join(Invoice, Invoice.id == InvoiceEvent.invoice_id)
             .where(InvoiceEvent.organization_id == organization_id, InvoiceEvent.kind == "payment",
                    InvoiceEvent.created_at >= months[0].starts_at, InvoiceEvent.created_at < until)
             .group_by(Invoice.currency, bucket))
    return [(currency, index, int(amount or 0)) for currency, index, amount in db.session.execute(query)]


def _unmatched_lines(organization_id: int) -> int:
    return db.session.execute(
        select(func.count()).select_from(BankTransaction)
        .where(BankTransaction.organization_id == organization_id,
               BankTransaction.match_state == "unmatched")).scalar_one()


def _balances(organization_id: int) -> list[Balance]:
    """Stripe balances of the connected Stripe Accounts, summed per currency only."""
    query = (select(BankAccount.currency, func.sum(BankAccount.available), func.sum(BankAccount.pending))
             .join(StripeConnection, StripeConnection.id == BankAccount.connection_id)
             .where(BankAccount.organization_id == organization_id, StripeConnection.status == "active")
             .group_by(BankAccount.currency).order_by(BankAccount.currency))
    return [Balance(currency, int(available or 0), int(pending or 0))
            for currency, available, pending in db.session.execute(query)]


def _setup(organization_id: int) -> Setup:
    """One query of four sub-queries."""
    connections = StripeConnection.organization_id == organization_id
    query = select(
        exists().where(Integration.organization_id == organization_id, Integration.kind == "stripe",
                       Integration.status == "active"),
        exists().where(Invoice.organization_id == organization_id),
        exists().where(and_(connections, StripeConnection.status == "active")),
        select(func.count()).select_from(StripeConnection)
        .where(connections, StripeConnection.status == "revoked").scalar_subquery(),
    )
    has_stripe, has_invoice, has_bank, revoked = db.session.execute(query).one()
    return Setup(bool(has_stripe), bool(has_invoice), bool(has_bank), int(revoked or 0))
