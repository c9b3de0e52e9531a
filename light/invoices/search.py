"""Finding Sales Invoices: the search and sort of the list page and of its CSV export, as one
query over the organization's invoices (joined to their customers, loaded with them)."""
from dataclasses import dataclass

from sqlalchemy import case, or_, select
from sqlalchemy.orm import contains_eager

from light import listing
from light.csv_export import Amount
from light.customers.models import Customer
from light.extensions import db
from light.invoices.models import PAYMENT_METHODS, STATUS_LABELS, Invoice
from light.money import THREE_DECIMAL, ZERO_DECIMAL, to_decimal_string

PAGE_SIZE = 100
SPEC = listing.ListSpec(
    sorts=("number", "customer", "total", "status", "issue_date", "due_date", "created"),
    default_sort="-created",
    choices={"status": tuple(STATUS_LABELS)},
    days=("issued_from", "issued_to"),
    amounts=("min", "max"),
    ranges=(("issued_from", "issued_to", "The end date is before the start date."),
            ("min", "max", "The largest amount is below the smallest.")),
    descending_first=frozenset({"total", "issue_date", "due_date", "created"}),
)
# What the Sort select offers; a column header's link may ask for any of them.
SORT_CHOICES = {"-created": "Newest first", "created": "Oldest first", "number": "Number, first to last",
                "-number": "Number, last to first", "customer": "Customer, A to Z", "-customer": "Customer, Z to A",
                "-total": "Amount, largest first", "total": "Amount, smallest first", "status": "Status, A to Z",
                "-status": "Status, Z to A", "-issue_date": "Issue date, newest first",
                "issue_date": "Issue date, oldest first", "due_date": "Due date, soonest first",
                "-due_date": "Due date, latest first"}
COLUMNS = {"number": Invoice.number, "customer": Customer.name, "total": Invoice.total, "status": Invoice.status,
           "issue_date": Invoice.issue_date, "due_date": Invoice.due_date, "created": Invoice.created_at}


@dataclass
class Page:
    invoices: list
    has_next: bool


def read(args) -> listing.Criteria:
    return listing.read(args, SPEC)


def matching(organization_id: int, criteria: listing.Criteria, *columns):
    """The invoices the criteria ask for, sorted: a select of Invoice with its customer loaded,
    or of just the `columns` given (of Invoice and Customer)."""
    query = select(*columns) if columns else select(Invoice).options(contains_eager(Invoice.customer))
    query = (query.select_from(Invoice).join(Customer, Customer.id == Invoice.customer_id)
             # Saying it of both tables lets the database walk customers by name within the organization.
             .where(Invoice.organization_id == organization_id, Customer.organization_id == organization_id))
    if "status" in criteria.choices:
        query = query.where(Invoice.status == criteria.choices["status"])
    if "issued_from" in criteria.days:
        query = query.where(Invoice.issue_date >= criteria.days["issued_from"])
    if "issued_to" in criteria.days:
        query = query.where(Invoice.issue_date <= criteria.days["issued_to"])
    if "min" in criteria.amounts:
        query = query.where(Invoice.total >= _in_minor_units(criteria.amounts["min"], upper=False))
    if "max" in criteria.amounts:
        query = query.where(Invoice.total <= _in_minor_units(criteria.amounts["max"], upper=True))
    if criteria.q:
        query = query.where(_matches_text(organization_id, criteria.q))
    return query.order_by(*_order(criteria.sort))


def page_of(organization_id: int, criteria: listing.Criteria, size: int = PAGE_SIZE) -> Page:
    query = matching(organization_id, criteria).offset((criteria.page - 1) * size).limit(size + 1)
    found = db.session.execute(query).scalars().unique().all()
    return Page(found[:size], len(found) > size)


def _matches_text(organization_id: int, text: str):
    """The number, the customer's name or e-mail, or (for a plain number) the total."""
    customers = select(Customer.id).where(Customer.organization_id == organization_id, or_(
        Customer.name.icontains(text, autoescape=True), Customer.email.icontains(text, autoescape=True)))
    conditions = [Invoice.number.icontains(text, autoescape=True), Invoice.customer_id.in_(customers)]
    try:
        amount = listing.parse_amount(text)
    except ValueError:
        amount = None
    if amount is not None:
        conditions.append(Invoice.total == _exactly(amount))
    return or_(*conditions)


def _exactly(amount):
    """"10.5" is USD 1050 and no JPY total at all (-1 matches nothing: totals are never negative)."""
    def minor(places):
        scaled = amount.scaleb(places)
        return int(scaled) if scaled == scaled.to_integral_value() else -1

    return _per_currency(minor(0), minor(2), minor(3))


def _in_minor_units(amount, *, upper: bool):
    """An amount typed without a currency, in each invoice's own minor units (USD 10.5 is 1050,
    JPY 10.5 is 10 or 11 as a bound): a CASE on the currency, so one filter fits every currency."""
    return _per_currency(*(listing.minor_bound(amount, places, upper=upper) for places in (0, 2, 3)))


def _per_currency(zero: int, two: int, three: int):
    return case((Invoice.currency.in_(sorted(ZERO_DECIMAL)), zero),
                (Invoice.currency.in_(sorted(THREE_DECIMAL)), three), else_=two)


def _order(sort: listing.Sort) -> list:
    def way(column):
        return column.desc() if sort.descending else column.asc()

    if sort.key == "number":  # drafts have no number yet: last either way, as on every database
        return [way(Invoice.number).nulls_last(), way(Invoice.id)]
    if sort.key == "customer":  # by customer, then in each customer's invoices: both read off indexes
        return [way(Customer.name), way(Customer.id), way(Invoice.id)]
    return [way(COLUMNS[sort.key]), way(Invoice.id)]


# -- CSV export ---------------------------------------------------------------------------------
CSV_HEADER = ["Number", "Status", "Customer", "Customer e-mail", "Currency", "Issue date", "Due date",
              "Payment method", "Subtotal", "Tax", "Total", "Paid", "Refunded", "Amount due", "Created (UTC)"]


CSV_COLUMNS = (Invoice.number, Invoice.status, Customer.name, Customer.email, Invoice.currency, Invoice.issue_date,
               Invoice.due_date, Invoice.payment_method, Invoice.subtotal, Invoice.tax_total, Invoice.total,
               Invoice.amount_paid, Invoice.amount_refunded, Invoice.created_at)


def csv_rows(organization_id: int, criteria: listing.Criteria):
    """Every invoice the search finds (not one page), read in batches as plain rows: loading
    100,000 objects would take longer than writing the file."""
    query = matching(organization_id, criteria, *CSV_COLUMNS).execution_options(yield_per=1000)
    for row in db.session.execute(query):
        currency = row.currency
        yield [row.number or "", STATUS_LABELS.get(row.status, row.status), row.name, row.email, currency,
               row.issue_date.isoformat(), row.due_date.isoformat(),
               PAYMENT_METHODS.get(row.payment_method, row.payment_method),
               *(Amount(to_decimal_string(minor, currency)) for minor in (
                   row.subtotal, row.tax_total, row.total, row.amount_paid, row.amount_refunded,
                   max(0, row.total - row.amount_paid))),
               row.created_at.strftime("%Y-%m-%d %H:%M:%S")]
