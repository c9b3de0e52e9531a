"""The periodic pass over open invoices: charge saved details falling due, mark overdue ones and
send the workflow's reminders. Idempotent: each reminder is a timeline event with a fixed ref."""
from datetime import timedelta

from light.extensions import db
from light.invoices import charging, notify, services
from light.invoices.collection import Collections
from light.invoices.models import OPEN_STATUSES, Invoice
from light.utc import utcnow
from light.workflows.steps import REMINDERS


def remind_and_mark_overdue() -> str:
    today = utcnow().date()
    collections = Collections()
    charged = charging.charge_due_invoices(today, collections)
    overdue = services.mark_overdue(today)
    sent = 0
    for invoice in Invoice.query.filter(Invoice.status.in_(OPEN_STATUSES)).order_by(Invoice.id).all():
        collection = collections[invoice.organization_id]
        if not collection.step_on(REMINDERS):
            continue
        before = collection.workflow.setting(REMINDERS, "days_before")
        after = collection.workflow.setting(REMINDERS, "days_after")
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
