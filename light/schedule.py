"""The clock's schedule, in one list: what runs periodically, and how often (minutes, from config).

`flask clock` (or, without Redis, the web process) enqueues each task when it is due; see
light/plumbing/jobs/clock.py for how two clocks never run one task twice in an interval."""
from light.banking.jobs import sync_all
from light.contracts.jobs import bill_due_contracts
from light.invoices.reminders import remind_and_mark_overdue
from light.plumbing.jobs.clock import Periodic
from light.salesforce.polling import poll_all as poll_salesforce

SCHEDULE = (
    Periodic("bank_feed_sync", sync_all, "SYNC_INTERVAL_MINUTES", "Sync Stripe bank feeds"),
    Periodic("contract_billing", bill_due_contracts, "CONTRACT_BILLING_INTERVAL_MINUTES",
             "Invoice contracts whose billing period has started"),
    Periodic("invoice_reminders", remind_and_mark_overdue, "INVOICE_REMINDER_INTERVAL_MINUTES",
             "Charge invoices falling due, mark overdue ones and send reminders"),
    Periodic("salesforce_poll", poll_salesforce, "SALESFORCE_POLL_SECONDS", "Look for deals won in Salesforce",
             in_seconds=True),
)
