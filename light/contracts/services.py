"""Contracts: plain values in, commit, domain errors out. Billing each period happens in jobs.py."""
from datetime import timedelta

from light.contracts.models import Contract, ContractLine
from light.contracts.periods import MONTHS
from light.errors import InvalidInput, Refused
from light.extensions import db
from light.invoices.forms import (
    clean_currency_for,
    clean_lines,
    clean_payment_method,
    line_rows,
    new_customer_currency,
    parse_date,
)
from light.invoices.services import resolve_customer
from light.invoices.totals import compute, stripe_charge_problem
from light.utc import utcnow
from light.workflows.services import stripe_gate

MAX_DAYS_UNTIL_DUE = 365
# A contract may start in the past (to catch up a few periods), but not so far back that the
# first clock tick would issue years of invoices at once.
MAX_BACKDATE_DAYS = 366


def create_contract(organization_id: int, form) -> Contract:
    errors: dict = {}
    customer = resolve_customer(organization_id, form, errors)
    currency = clean_currency_for(form, errors, customer.currency if customer else new_customer_currency(form))
    frequency = (form.get("frequency") or "").strip()
    if frequency not in MONTHS:
        errors["frequency"] = "Choose how often to bill: monthly, quarterly or yearly."
    start_date = parse_date(form.get("start_date"), errors, "start_date", "start date")
    if start_date and start_date < utcnow().date() - timedelta(days=MAX_BACKDATE_DAYS):
        errors["start_date"] = "A contract can start at most a year ago: every period since would be invoiced at once."
    end_date = None
    if (form.get("end_date") or "").strip():
        end_date = parse_date(form.get("end_date"), errors, "end_date", "end date")
        if start_date and end_date and end_date < start_date:
            errors["end_date"] = "The end date can't be before the start date."
    days = (form.get("days_until_due") or "0").strip()
    # ASCII digits, and few of them: "²".isdigit() is True yet int("²") raises.
    if not (days.isascii() and days.isdigit() and len(days) <= 3) or int(days) > MAX_DAYS_UNTIL_DUE:
        errors["days_until_due"] = f"Enter a whole number of days from 0 to {MAX_DAYS_UNTIL_DUE}."
        days = "0"
    payment_method = clean_payment_method(form, errors)
    lines = clean_lines(line_rows(form), currency, errors) if currency and "currency" not in errors else []
    totals = compute([line.as_line() for line in lines])
    if payment_method == "stripe":
        if not stripe_gate(organization_id).ok:
            errors["payment_method"] = "Stripe isn't ready to collect payments yet: see the note below."
        elif lines:
            problem = stripe_charge_problem(totals.total, currency)
            if problem:
                errors["lines"] = problem
    if errors:
        db.session.rollback()
        raise InvalidInput(errors)
    contract = Contract(organization_id=organization_id, customer=customer, currency=currency, frequency=frequency,
                        start_date=start_date, end_date=end_date, payment_method=payment_method,
                        days_until_due=int(days), subtotal=totals.subtotal, tax_total=totals.tax, total=totals.total,
                        lines=[ContractLine(position=i, description=line.description,
                                            quantity_milli=line.quantity_milli, unit_price=line.unit_price,
                                            tax_rate=line.tax_rate) for i, line in enumerate(lines)])
    db.session.add(contract)
    db.session.commit()
    return contract


def cancel(contract: Contract) -> None:
    """No further periods are billed; invoices already issued stay as they are."""
    if contract.status != "active":
        raise Refused("This contract is no longer active.")
    contract.status = "cancelled"
    db.session.commit()
