"""Finding Contracts: the search and sort of the Contracts list."""
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from light import listing
from light.contracts.models import STATUSES, Contract, ContractLine
from light.customers.models import Customer
from light.extensions import db

PAGE_SIZE = 100
STATUS_LABELS = {status: status.capitalize() for status in STATUSES}
SPEC = listing.ListSpec(
    sorts=("customer", "total", "status", "start_date", "end_date", "created"), default_sort="-created",
    choices={"status": STATUSES}, days=("starts_from", "starts_to"),
    ranges=(("starts_from", "starts_to", "The end date is before the start date."),),
    descending_first=frozenset({"total", "start_date", "end_date", "created"}))
SORT_CHOICES = {"-created": "Newest first", "created": "Oldest first", "customer": "Customer, A to Z",
                "-customer": "Customer, Z to A", "-total": "Amount, largest first", "total": "Amount, smallest first",
                "status": "Status, A to Z", "-status": "Status, Z to A", "-start_date": "Start date, latest first",
                "start_date": "Start date, earliest first", "end_date": "End date, earliest first",
                "-end_date": "End date, latest first"}
COLUMNS = {"customer": func.lower(Customer.name), "total": Contract.total, "status": Contract.status,
           "start_date": Contract.start_date, "end_date": Contract.end_date, "created": Contract.created_at}


@dataclass
class Page:
    contracts: list
    has_next: bool


def read(args) -> listing.Criteria:
    return listing.read(args, SPEC)


def matching(organization_id: int, criteria: listing.Criteria):
    query = (select(Contract).join(Customer, Customer.id == Contract.customer_id)
             .options(contains_eager(Contract.customer), selectinload(Contract.lines))
             .where(Contract.organization_id == organization_id))
    if "status" in criteria.choices:
        query = query.where(Contract.status == criteria.choices["status"])
    if "starts_from" in criteria.days:
        query = query.where(Contract.start_date >= criteria.days["starts_from"])
    if "starts_to" in criteria.days:
        query = query.where(Contract.start_date <= criteria.days["starts_to"])
    if criteria.q:
        described = select(ContractLine.contract_id).where(
            ContractLine.description.icontains(criteria.q, autoescape=True))
        query = query.where(or_(Customer.name.icontains(criteria.q, autoescape=True),
                                Customer.email.icontains(criteria.q, autoescape=True),
                                Contract.id.in_(described)))
    column = COLUMNS[criteria.sort.key]
    if criteria.sort.key == "end_date":  # "until cancelled" has no end: last either way
        return query.order_by(Contract.end_date.is_(None), column.desc() if criteria.sort.descending else column,
                              Contract.id)
    if criteria.sort.descending:
        return query.order_by(column.desc(), Contract.id.desc())
    return query.order_by(column.asc(), Contract.id.asc())


def page_of(organization_id: int, criteria: listing.Criteria, size: int = PAGE_SIZE) -> Page:
    query = matching(organization_id, criteria).offset((criteria.page - 1) * size).limit(size + 1)
    found = db.session.execute(query).scalars().unique().all()
    return Page(found[:size], len(found) > size)
