"""The invoices a bank line could settle, indexed so that a decision looks at a handful of them.

Indexes: by recorded payment intent, by invoice number (as a reference key), by customer (Stripe
customer id or e-mail) and currency, and by currency and outstanding amount (sorted by issue date,
so a date window is a bisection). A re-match of N lines builds it once and keeps it current as
links record payments, so the work grows with N, not N x invoices; a Re-match in batches keeps
one for all its batches (`include` adds what a batch needs beyond the open invoices).
"""
import re
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

from light.reconciliation.values import BankLine, OpenInvoice

# A reference is a maximal run of letters and digits, hyphens only between them: "INV-0042" is one
# in "Paid INV-0042." and none in "XINV-00421".
_RUN = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_NOT_KEY = re.compile(r"[^A-Z0-9]")


def reference_key(text: str) -> str | None:
    """'INV-0042' and 'inv0042' -> 'INV0042'. A number without both a letter and a digit is never
    searched for: '42' would be found in every order number and amount."""
    key = _NOT_KEY.sub("", text.upper())
    if len(key) < 4 or key.isdigit() or key.isalpha():
        return None
    return key


def reference_keys(texts) -> set[str]:
    keys = {reference_key(run) for text in texts if text for run in _RUN.findall(str(text))}
    keys.discard(None)
    return keys


def customer_keys(stripe_customer_id: str | None, emails) -> list[str]:
    keys = [f"cus:{stripe_customer_id}"] if stripe_customer_id else []
    return keys + [f"email:{email.strip().casefold()}" for email in emails if email and email.strip()]


def line_customer_keys(line: BankLine) -> list[str]:
    return customer_keys(line.customer, [line.customer_email] if line.customer_email else [])


def _by_due(invoice: OpenInvoice):
    return invoice.due_date, invoice.issue_date, invoice.id


class Candidates:
    """One organization's candidate invoices, current as links record payments on them."""

    def __init__(self, invoices, *, organization_id: int):
        self.organization_id = organization_id
        self.charge_invoices: dict[str, int] = {}  # ch_... -> the invoice its line settled
        self._invoices: dict[int, OpenInvoice] = {}
        self._by_intent: dict[str, list[int]] = defaultdict(list)
        self._by_reference: dict[str, list[int]] = defaultdict(list)
        self._by_customer: dict[tuple[str, str], set[int]] = defaultdict(set)
        self._by_amount: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
        self._longest_term = 0
        for invoice in invoices:
            if invoice.organization_id == organization_id:
                self._add(invoice)

    def include(self, invoices) -> None:
        """Invoices a later batch of a Re-match needs (the ones its payment intents, metadata and
        refunds name): a new one is added; one already here gains only the payment intents now
        known to be recorded on it, and keeps what is outstanding as `settle` has kept it."""
        for invoice in invoices:
            if invoice.organization_id != self.organization_id:
                continue
            if invoice.id not in self._invoices:
                self._add(invoice)
                continue
            for intent in invoice.payment_intent_ids:
                if invoice.id not in self._by_intent[intent]:
                    self._by_intent[intent].append(invoice.id)

    def _add(self, invoice: OpenInvoice) -> None:
        if invoice.id in self._invoices:
            raise ValueError(f"invoice {invoice.id} is a candidate twice")
        self._invoices[invoice.id] = invoice
        for intent in invoice.payment_intent_ids:
            self._by_intent[intent].append(invoice.id)
        if invoice.number and (key := reference_key(invoice.number)):
            self._by_reference[key].append(invoice.id)
        for key in customer_keys(invoice.stripe_customer_id, invoice.customer_emails):
            self._by_customer[(invoice.currency, key)].add(invoice.id)
        self._longest_term = max(self._longest_term, (invoice.due_date - invoice.issue_date).days)
        self._index_amount(invoice)

    def _index_amount(self, invoice: OpenInvoice) -> None:
        if invoice.outstanding > 0:
            bucket = self._by_amount[(invoice.currency, invoice.outstanding)]
            insort(bucket, (invoice.issue_date.toordinal(), invoice.id))

    def _unindex_amount(self, invoice: OpenInvoice) -> None:
        bucket = self._by_amount.get((invoice.currency, invoice.outstanding))
        entry = (invoice.issue_date.toordinal(), invoice.id)
        if bucket:
            at = bisect_left(bucket, entry)
            if at < len(bucket) and bucket[at] == entry:
                bucket.pop(at)

    def __len__(self) -> int:
        return len(self._invoices)

    def get(self, invoice_id) -> OpenInvoice | None:
        return self._invoices.get(invoice_id)

    def invoices(self) -> list[OpenInvoice]:
        return list(self._invoices.values())

    def with_intent(self, intent: str | None) -> list[OpenInvoice]:
        return [self._invoices[i] for i in self._by_intent.get(intent, ())] if intent else []

    def named_in(self, texts) -> list[OpenInvoice]:
        """Every candidate whose number is a whole reference in one of the texts."""
        ids = {i for key in reference_keys(texts) for i in self._by_reference.get(key, ())}
        return sorted((self._invoices[i] for i in ids), key=_by_due)

    def of_customer(self, line: BankLine) -> list[OpenInvoice]:
        """The line's customer's open invoices in its currency, oldest due first."""
        ids = set()
        for key in line_customer_keys(line):
            ids |= self._by_customer.get((line.currency, key), set())
        return sorted((self._invoices[i] for i in ids if self._invoices[i].outstanding > 0), key=_by_due)

    def with_amount(self, currency: str, amount: int, on: date, *, before: int, after: int) -> list[OpenInvoice]:
        """Open invoices with exactly `amount` outstanding, where `on` lies between the issue date
        minus `before` days and the due date plus `after` days; oldest due first."""
        bucket = self._by_amount.get((currency, amount), ())
        upper = bisect_right(bucket, ((on + timedelta(days=before)).toordinal(), float("inf")))
        earliest = on.toordinal() - after - self._longest_term
        found = []
        for at in range(upper - 1, -1, -1):
            issued, invoice_id = bucket[at]
            if issued < earliest:
                break
            invoice = self._invoices[invoice_id]
            if invoice.due_date + timedelta(days=after) >= on:
                found.append(invoice)
        return sorted(found, key=_by_due)

    def settle(self, invoice_id: int, paid: int) -> None:
        """Record `paid` (negative to reverse) against what is outstanding on the invoice."""
        invoice = self._invoices[invoice_id]
        outstanding = invoice.outstanding - paid
        if not 0 <= outstanding <= invoice.total:
            raise ValueError(f"{invoice.label} would have {outstanding} outstanding of {invoice.total}")
        self._unindex_amount(invoice)
        self._invoices[invoice_id] = updated = replace(invoice, outstanding=outstanding)
        self._index_amount(updated)
