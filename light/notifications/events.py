"""The events owners hear about, each called with one line by the area that records it, after
that area's own write. What to say is worked out here; the sending is a background job
(light/notifications/delivery.py), so a slow or dead SMTP server never holds up or fails the
payment, the webhook or the sync that recorded the event."""
import logging

from light.banking.models import StripeConnection, SyncRun
from light.extensions import db
from light.money import format_amount
from light.notifications import delivery
from light.notifications.models import OwnerNotification
from light.plumbing.jobs.queue import enqueue
from light.urls import external_url

log = logging.getLogger(__name__)


def invoice_paid(invoice, ref: str) -> None:
    """`ref`: the payment that completed it (a PaymentIntent id, a bank transfer's note)."""
    amount = format_amount(invoice.total, invoice.currency)
    _tell(invoice.organization_id, "paid", f"paid:{invoice.id}:{ref}",
          f"Paid: invoice {invoice.number} ({invoice.customer.name}, {amount})",
          f"Invoice {invoice.number} to {invoice.customer.name} is paid in full: {amount}.\n\n"
          f"See the invoice: {_invoice_link(invoice)}\n")


def action_required(invoice, ref: str) -> None:
    _tell(invoice.organization_id, "action_required", f"action_required:{invoice.id}:{ref}",
          f"Action required: invoice {invoice.number} ({invoice.customer.name})",
          f"{invoice.customer.name}'s bank asked them to confirm the automatic charge for invoice "
          f"{invoice.number} ({format_amount(invoice.amount_due, invoice.currency)}). Light e-mailed them "
          "the pay link; their card stays saved for later invoices.\n\n"
          f"See the invoice: {_invoice_link(invoice)}\n")


def payment_failed(invoice, ref: str, reason: str) -> None:
    _tell(invoice.organization_id, "payment_failed", f"payment_failed:{invoice.id}:{ref}",
          f"Payment failed: invoice {invoice.number} ({invoice.customer.name})",
          f"Light could not collect invoice {invoice.number} from {invoice.customer.name} "
          f"({format_amount(invoice.amount_due, invoice.currency)}): {reason}\n\n"
          "The card was not retried. The customer was told and sent the pay link.\n\n"
          f"See the invoice: {_invoice_link(invoice)}\n")


def disputed(invoice, dispute_id: str, amount: int, reason: str, deadline: str | None = None) -> None:
    _tell(invoice.organization_id, "disputed", f"disputed:{invoice.id}:{dispute_id}",
          f"Disputed: invoice {invoice.number} ({invoice.customer.name})",
          f"{invoice.customer.name} disputed {format_amount(amount, invoice.currency)} of invoice "
          f"{invoice.number} with their bank (reason: {reason}).\n\n"
          "Stripe has taken the disputed amount and a dispute fee from your balance until the dispute "
          "is decided. Answer it with evidence in your Stripe Dashboard before its deadline"
          f"{f' ({deadline}, UTC)' if deadline else ''}.\n\n"
          f"See the invoice: {_invoice_link(invoice)}\n")


def sync_failed(run_id: int) -> None:
    """A bank sync ended with an error. Owners hear when a Stripe Account starts failing, once: the
    clock retries every hour, and an e-mail per failed hour would bury the first. The event is
    "failing since the last sync that worked", so it names that run."""
    run = db.session.get(SyncRun, run_id)
    if run is None or not run.error:
        return
    worked = (db.session.query(SyncRun.id).filter(SyncRun.connection_id == run.connection_id, SyncRun.id < run.id,
                                                  SyncRun.finished_at.isnot(None), SyncRun.error.is_(None))
              .order_by(SyncRun.id.desc()).limit(1).scalar())
    event_key = f"sync_failed:{run.connection_id}:since:{worked or 0}"
    if OwnerNotification.query.filter_by(organization_id=run.organization_id, event_key=event_key).first():
        return  # still failing: the owners were told when it started
    connection = db.session.get(StripeConnection, run.connection_id)
    name = connection.name if connection else "a Stripe Account"
    _tell(run.organization_id, "sync_failed", event_key, f"Bank sync failed: {name}",
          f"Bank Reconciliation could not sync {name}: {run.error}\n\n"
          "Light tries again on its schedule. You won't get this e-mail again until a sync has worked "
          "and then fails.\n\n"
          f"See Bank Reconciliation: {external_url('banking.index')}\n")


def _invoice_link(invoice) -> str:
    return external_url("invoices.show", invoice_id=invoice.id)


def _tell(organization_id: int, kind: str, event_key: str, subject: str, text: str) -> None:
    # The caller's event is committed first: the e-mail must never announce what a rollback undid,
    # and a failure below must never take the event with it.
    db.session.commit()
    try:
        enqueue(delivery.deliver, organization_id, kind, event_key, subject, text, kind="owner_notification",
                description=f"Telling the owners: {subject}"[:200], organization_id=organization_id)
    except Exception:  # noqa: BLE001 - telling the owners must never fail the payment or sync path
        db.session.rollback()
        log.warning("could not queue the %s notification %s", kind, event_key, exc_info=True)
