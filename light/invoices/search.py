"""Finding Sales Invoices: the search and sort of the list page and of its CSV export, as one
query over the organization's invoices (joined to their customers, loaded with them)."""
from dataclasses import dataclass

from sqlalchemy import case, or_, select
from sqlalchemy.orm import contains_eager

from light import listing
from light.csv_export import Amount
from light.customers.models import Customer
from light.extensions import db
from light.invoices.models import STATUS_LABELS, Invoice
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


def matching(organization_id: int, criteria: listing.Criteria):
    """The invoices the criteria ask for, sorted (a select of Invoice, customers loaded)."""
    query = (select(Invoice).join(Customer, Customer.id == Invoice.customer_id)
             .options(contains_eager(Invoice.customer))
             .where(Invoice.organization_id == organization_id))
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
    column = COLUMNS[sort.key]
    tiebreak = Invoice.id.desc() if sort.descending else Invoice.id.asc()
    if sort.key == "number":  # drafts have no number yet: they come last either way
        return [Invoice.number.is_(None), column.desc() if sort.descending else column.asc(), tiebreak]
    return [column.desc() if sort.descending else column.asc(), tiebreak]


# -- CSV export ---------------------------------------------------------------------------------
CSV_HEADER = ["Number", "Status", "Customer", "Customer e-mail", "Currency", "Issue date", "Due date",
              "Payment method", "Subtotal", "Tax", "Total", "Paid", "Refunded", "Amount due", "Created (UTC)"]


def csv_rows(organization_id: int, criteria: listing.Criteria):
    """Every invoice the search finds (not one page), read from the database in batches."""
    query = matching(organization_id, criteria).execution_options(yield_per=500)
    for invoice in db.session.execute(query).scalars():
        amount = lambda minor, currency=invoice.currency: Amount(to_decimal_string(minor, currency))  # noqa: E731
        yield [invoice.number or "", invoice.status_label, invoice.customer.name, invoice.customer.email,
               invoice.currency, invoice.issue_date.isoformat(), invoice.due_date.isoformat(),
               invoice.payment_method_label, amount(invoice.subtotal), amount(invoice.tax_total),
               amount(invoice.total), amount(invoice.amount_paid), amount(invoice.amount_refunded),
               amount(invoice.amount_due), invoice.created_at.strftime("%Y-%m-%d %H:%M:%S")]
