"""Background work for invoices: what follows Issue, and the periodic overdue/reminder pass."""
from datetime import timedelta

from light.auth.models import utcnow
from light.extensions import db
from light.invoices import collect, notify, services
from light.invoices.models import OPEN_STATUSES, Invoice
from light.jobs import enqueue
from light.jobs.clock import periodic

periodic("invoice_reminders", "light.invoices.jobs.remind_and_mark_overdue", "INVOICE_REMINDER_INTERVAL_MINUTES",
         "Charge invoices falling due, mark overdue ones and send reminders")


def start_delivery(invoice: Invoice, base_url: str | None = None):
    return enqueue("light.invoices.collect.deliver", invoice.id, base_url, kind="invoice_delivery",
                   description=f"Sending invoice {invoice.number}", organization_id=invoice.organization_id,
                   active_key=f"invoice-deliver:{invoice.id}")


def start_charge(invoice: Invoice, base_url: str | None = None, *, manual: bool = False):
    return enqueue("light.invoices.jobs.charge", invoice.id, base_url, manual, kind="invoice_charge",
                   description=f"Charging the saved card for invoice {invoice.number}",
                   organization_id=invoice.organization_id, active_key=f"invoice-charge:{invoice.id}")


def charge(invoice_id: int, base_url: str | None = None, manual: bool = False) -> str:
    return collect.charge_saved_card(invoice_id, base_url, manual=manual)


def remind_and_mark_overdue() -> str:
    """Idempotent: each reminder is a timeline event with a fixed ref, sent at most once."""
    today = utcnow().date()
    charged = collect.charge_due_invoices(today)
    overdue = services.mark_overdue(today)
    sent = 0
    for invoice in Invoice.query.filter(Invoice.status.in_(OPEN_STATUSES)).order_by(Invoice.id).all():
        flow = collect.workflow(invoice.organization_id)
        if not collect.step_on(flow, "reminders"):
            continue
        before = int(flow.setting("reminders", "days_before", 3) or 0)
        after = int(flow.setting("reminders", "days_after", 3) or 0)
        reminder_day = invoice.due_date - timedelta(days=before)
        issued_before = invoice.issued_at is not None and invoice.issued_at.date() < reminder_day
        if issued_before and reminder_day <= today < invoice.due_date:
            sent += _remind(invoice, "reminder-before", "Reminder", "Reminder e-mailed before the due date.")
        elif after > 0 and today >= invoice.due_date + timedelta(days=after):  # 0 days: none
            sent += _remind(invoice, "reminder-after", "Overdue", "Overdue reminder e-mailed.")
    return f"{charged} charged, {overdue} overdue, {sent} reminders sent"


def _remind(invoice: Invoice, ref: str, subject: str, message: str) -> int:
    if not services.add_event(invoice, "reminder", message, ref=ref):
        db.session.rollback()
        return 0
    if invoice.payment_method == "stripe":
        notify.send_pay_link(invoice, reminder=subject)
    else:
        notify.send_bank_transfer_invoice(invoice, reminder=subject)
    return 1
