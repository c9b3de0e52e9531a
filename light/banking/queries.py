"""Reading the feed for the reconciliation view: filters, keyset pages, payouts, balance history.

Pages are keyset-paginated on (created, id), newest first, so page 1,000 costs what page 1 does;
every query here is one per page, never one per row.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select

from light.banking import view_cache
from light.banking.categories import CATEGORIES
from light.banking.chart import balance_series, chart_points
from light.banking.models import BankAccount, BankTransaction
from light.extensions import db
from light.ids import MAX_ID, is_id  # noqa: F401 - MAX_ID for the routes' converters
from light.invoices.models import Invoice
from light.reconciliation.models import STATES, LineDecision, ReconciliationLink
from light.utc import utcnow

PAGE_SIZE = 50
STATUSES = ("available", "pending")
CHART_DAYS = 90
MAX_TEXT = 100


@dataclass
class Filters:
    category: str = ""
    status: str = ""
    state: str = ""  # Bank Reconciliation's match state: "unmatched", "suggested", ...
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""
    errors: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)

    @property
    def query(self) -> dict:
        return {k: v for k, v in self.raw.items() if v}

    @property
    def period(self) -> dict:
        return {k: v for k, v in self.query.items() if k in ("from", "to")}

    @property
    def active(self) -> bool:
        return bool(self.category or self.status or self.state or self.date_from or self.date_to or self.text)


def _date(value: str, errors: dict, name: str, label: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = f"Enter the {label} as a date, like 2026-01-31."
        return None


def parse_filters(args) -> Filters:
    """Filters from the query string; bad values come back as messages in `errors`."""
    # NUL can't go into a PostgreSQL string; long text is cut so links that carry it stay short.
    raw = {k: (args.get(k) or "").replace("\x00", "").strip()[:MAX_TEXT]
           for k in ("category", "status", "state", "from", "to", "q")}
    errors: dict = {}
    category = raw["category"] if raw["category"] in CATEGORIES else ""
    if raw["category"] and not category:
        errors["category"] = "Choose a type from the list."
    status = raw["status"] if raw["status"] in STATUSES else ""
    if raw["status"] and not status:
        errors["status"] = "Choose a status from the list."
    state = raw["state"] if raw["state"] in STATES else ""
    if raw["state"] and not state:
        errors["state"] = "Choose a match state from the list."
    date_from = _date(raw["from"], errors, "from", "start date")
    date_to = _date(raw["to"], errors, "to", "end date")
    if date_from and date_to and date_from > date_to:
        errors["to"] = "The end date is before the start date."
    return Filters(category, status, state, date_from, date_to, raw["q"], errors, raw)


def parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    """`<unix seconds>-<id>` of the last row shown; None when absent or malformed."""
    try:
        seconds, ident = (value or "").split("-", 1)
        created, ident = datetime(1970, 1, 1) + timedelta(seconds=int(seconds)), int(ident)
    except (ValueError, OverflowError, OSError):
        return None
    return (created, ident) if is_id(ident) else None


def cursor_of(row: BankTransaction) -> str:
    return f"{int((row.created - datetime(1970, 1, 1)).total_seconds())}-{row.id}"


def filtered(bank_account: BankAccount, filters: Filters):
    T = BankTransaction
    query = db.session.query(T).filter(T.bank_account_id == bank_account.id)
    if filters.category:
        query = query.filter(T.category == filters.category)
    if filters.status:
        query = query.filter(T.status == filters.status)
    if filters.state:
        query = query.filter(T.match_state == filters.state)
    if filters.date_from:
        query = query.filter(T.created >= datetime.combine(filters.date_from, datetime.min.time()))
    if filters.date_to and filters.date_to < date.max:  # the last day of the calendar bounds nothing
        query = query.filter(T.created < datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time()))
    if filters.text:
        like = "%" + filters.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.filter(or_(T.description.ilike(like, escape="\\"), T.stripe_id == filters.text,
                                 T.source_id == filters.text))
    return query


def transactions_page(bank_account: BankAccount, filters: Filters, after: str | None = None,
                      limit: int = PAGE_SIZE) -> tuple[list[BankTransaction], str | None]:
    """One page, newest first, and the cursor of the next page (None at the end)."""
    T = BankTransaction
    query = filtered(bank_account, filters)
    cursor = parse_cursor(after)
    if cursor:
        created, ident = cursor
        query = query.filter(or_(T.created < created, and_(T.created == created, T.id < ident)))
    rows = query.order_by(T.created.desc(), T.id.desc()).limit(limit + 1).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (cursor_of(rows[-1]) if more and rows else None)


def balance_chart(bank_account: BankAccount, days: int = CHART_DAYS):
    """The balance over the last `days` days, walked back from today's balance."""
    since = utcnow() - timedelta(days=days)
    # Whole days are kept (from the first day's midnight); a day shows when a line of it falls in
    # the window. The first day's own sum never moves the series (balance_series walks back).
    days_in = view_cache.cached(db.session, ("daily", bank_account.id, since.date()),
                                lambda: _daily_sums(bank_account.id, since.date()))
    daily = [(d, total) for d, total, last in days_in if last >= since]
    return chart_points(balance_series(daily, bank_account.total))


def _daily_sums(bank_account_id: int, first_day: date) -> list[tuple[date, int, datetime]]:
    """(day, net moved that day, its latest line's time) from `first_day` on."""
    T = BankTransaction
    day = func.date(T.created)
    rows = (db.session.query(day, func.sum(T.net), func.max(T.created))
            .filter(T.bank_account_id == bank_account_id,
                    T.created >= datetime.combine(first_day, datetime.min.time()))
            .group_by(day).all())
    return [(d if isinstance(d, date) else date.fromisoformat(str(d)), int(total), last) for d, total, last in rows]


def state_counts(bank_account: BankAccount) -> dict[str, int]:
    """How many of the account's lines are in each match state, in one query."""
    return dict(view_cache.cached(db.session, ("counts", bank_account.id), lambda: _state_counts(bank_account.id)))


def _state_counts(bank_account_id: int) -> dict[str, int]:
    T = BankTransaction
    found = dict(db.session.query(T.match_state, func.count(T.id)).filter(T.bank_account_id == bank_account_id)
                 .group_by(T.match_state).all())
    return {state: int(found.get(state, 0)) for state in STATES}


@dataclass(frozen=True, slots=True)
class Decision:
    """What the view shows of the engine's last word on a line: why."""

    reasons: list


@dataclass(frozen=True, slots=True)
class LinkShown:
    """What the view shows of a link: the invoice it pays (its id and number) or what it books."""

    invoice_id: int | None
    invoice_number: str | None  # the invoice's display number; None without an invoice
    category: str
    amount: int
    tier: str | None


@dataclass
class Reconciled:
    """What the view shows of a line's reconciliation: its decision and its links."""

    decision: Decision | None = None
    links: list = field(default_factory=list)


def reconciliation_of(rows: list[BankTransaction]) -> dict[int, Reconciled]:
    """The decisions and links (with their invoices' numbers) of a page's lines, in two queries.

    Plain rows, not ORM objects: the view only reads them, and building an object for each
    decision, link and invoice (some 50 columns) was a tenth of the page's time."""
    found = {row.id: Reconciled() for row in rows}
    if not rows:
        return found
    D, L = LineDecision, ReconciliationLink
    for line_id, reasons in db.session.execute(
            select(D.bank_transaction_id, D.reasons).where(D.bank_transaction_id.in_(list(found)))):
        found[line_id].decision = Decision(reasons)
    links = db.session.execute(
        select(L.bank_transaction_id, L.invoice_id, Invoice.id, Invoice.number, L.category, L.amount, L.tier)
        .outerjoin(Invoice, Invoice.id == L.invoice_id).where(L.bank_transaction_id.in_(list(found))).order_by(L.id))
    for line_id, invoice_id, invoice_found, number, category, amount, tier in links:
        shown = (number or "Draft") if invoice_found is not None else None  # Invoice.display_number
        found[line_id].links.append(LinkShown(invoice_id, shown, category, amount, tier))
    return found
