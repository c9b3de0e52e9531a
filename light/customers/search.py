"""Finding customers: the search and sort of the customers list and of its CSV export."""
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from light import listing
from light.customers.models import Customer
from light.extensions import db

PAGE_SIZE = 100
SPEC = listing.ListSpec(sorts=("name", "email", "currency", "created"), default_sort="name",
                        descending_first=frozenset({"created"}))
SORT_CHOICES = {"name": "Name, A to Z", "-name": "Name, Z to A", "email": "E-mail, A to Z", "-email": "E-mail, Z to A",
                "currency": "Currency, A to Z", "-currency": "Currency, Z to A", "-created": "Newest first",
                "created": "Oldest first"}
COLUMNS = {"name": func.lower(Customer.name), "email": func.lower(Customer.email), "currency": Customer.currency,
           "created": Customer.created_at}
CSV_HEADER = ["Name", "E-mail", "Currency", "Address", "Saved payment details", "Created (UTC)"]


@dataclass
class Page:
    customers: list
    has_next: bool


def read(args) -> listing.Criteria:
    return listing.read(args, SPEC)


def matching(organization_id: int, criteria: listing.Criteria):
    query = select(Customer).where(Customer.organization_id == organization_id)
    if criteria.q:
        query = query.where(or_(Customer.name.icontains(criteria.q, autoescape=True),
                                Customer.email.icontains(criteria.q, autoescape=True)))
    column = COLUMNS[criteria.sort.key]
    if criteria.sort.descending:
        return query.order_by(column.desc(), Customer.id.desc())
    return query.order_by(column.asc(), Customer.id.asc())


def page_of(organization_id: int, criteria: listing.Criteria, size: int = PAGE_SIZE) -> Page:
    query = matching(organization_id, criteria).offset((criteria.page - 1) * size).limit(size + 1)
    found = db.session.execute(query).scalars().all()
    return Page(found[:size], len(found) > size)


def csv_rows(organization_id: int, criteria: listing.Criteria):
    query = matching(organization_id, criteria).execution_options(yield_per=500)
    for customer in db.session.execute(query).scalars():
        yield [customer.name, customer.email, customer.currency, customer.address, customer.card_label,
               customer.created_at.strftime("%Y-%m-%d %H:%M:%S")]
