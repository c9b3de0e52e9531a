"""The accountant's CSV: the reconciled (matched) lines of a period, one row per line, streamed in
batches so a year of lines never sits in memory: date, description, category, gross, fee, net,
invoice, payout (and the currency, since amounts are in it)."""
import csv
import io
from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import Response, stream_with_context

from light.banking.models import BankAccount, BankTransaction
from light.extensions import db
from light.invoices.models import Invoice
from light.money import to_decimal_string
from light.reconciliation.models import ReconciliationLink
from light.reconciliation.values import CATEGORIES

HEADER = ("date", "description", "category", "gross", "fee", "net", "invoice", "payout", "currency")
BATCH = 500
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str | None) -> str:
    """A spreadsheet runs a cell that starts like a formula: such text gets a leading quote."""
    value = value or ""
    return "'" + value if value.startswith(_FORMULA) else value


def _batches(bank_account: BankAccount, date_from: date | None, date_to: date | None):
    T = BankTransaction
    query = T.query.filter(T.bank_account_id == bank_account.id, T.match_state == "matched")
    if date_from:
        query = query.filter(T.created >= datetime.combine(date_from, datetime.min.time()))
    if date_to and date_to < date.max:
        query = query.filter(T.created < datetime.combine(date_to + timedelta(days=1), datetime.min.time()))
    after = None
    while True:
        page = query
        if after:
            page = page.filter((T.created > after[0]) | ((T.created == after[0]) & (T.id > after[1])))
        rows = page.order_by(T.created, T.id).limit(BATCH).all()
        if not rows:
            return
        yield rows
        after = (rows[-1].created, rows[-1].id)


def _links(rows) -> dict[int, list[tuple[ReconciliationLink, str | None]]]:
    found = defaultdict(list)
    for link, number in (db.session.query(ReconciliationLink, Invoice.number)
                         .outerjoin(Invoice, Invoice.id == ReconciliationLink.invoice_id)
                         .filter(ReconciliationLink.bank_transaction_id.in_([r.id for r in rows]))
                         .order_by(ReconciliationLink.id)):
        found[link.bank_transaction_id].append((link, number))
    return found


def rows_of(bank_account: BankAccount, date_from=None, date_to=None):
    """The CSV's rows, header first, as lists of strings."""
    yield list(HEADER)
    for rows in _batches(bank_account, date_from, date_to):
        links = _links(rows)
        for line in rows:
            mine = links.get(line.id, [])
            categories = dict.fromkeys(CATEGORIES.get(link.category, "Other") for link, _ in mine)
            numbers = dict.fromkeys(number for _, number in mine if number)
            payout = line.source_id if line.type == "payout" else line.payout_id
            money = [to_decimal_string(value, line.currency) for value in (line.amount, line.fee, line.net)]
            yield [line.created.date().isoformat(), text_cell(line.description), "; ".join(categories), *money,
                   "; ".join(numbers), payout or "", line.currency]
            db.session.expunge(line)  # what was written is not kept


def response(bank_account: BankAccount, date_from=None, date_to=None) -> Response:
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows_of(bank_account, date_from, date_to):
            writer.writerow(row)
            if buffer.tell() > 32_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    period = "-".join(d.isoformat() for d in (date_from, date_to) if d) or "all"
    name = f"bank-reconciliation-{bank_account.currency.lower()}-{period}.csv"
    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
