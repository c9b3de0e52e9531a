"""Contracts: plain values in, commit, domain errors out. Billing each period happens in jobs.py."""
from datetime import timedelta

from light.contracts import periods
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
from light.invoices.models import Invoice
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
    terms = _terms(organization_id, form, errors, start_date=start_date, currency=currency)
    if errors:
        db.session.rollback()
        raise InvalidInput(errors)
    contract = Contract(organization_id=organization_id, customer=customer, currency=currency, frequency=frequency,
                        start_date=start_date)
    _apply(contract, terms)
    db.session.add(contract)
    db.session.commit()
    return contract


def update_contract(contract: Contract, form) -> Contract:
    """Edit what later periods bill: lines, end date, days until due and payment method. Invoices
    already issued keep theirs; the customer, currency, frequency and start stay (they anchor the
    periods)."""
    if contract.status in ("ended", "cancelled"):
        raise Refused("This contract has ended: create a new one instead.")
    errors: dict = {}
    terms = _terms(contract.organization_id, form, errors, start_date=contract.start_date,
                   currency=contract.currency)
    last_billed = (db.session.query(db.func.max(Invoice.period_start)).filter(Invoice.contract_id == contract.id)
                   .scalar())
    if terms["end_date"] and last_billed and terms["end_date"] < last_billed:
        errors["end_date"] = (f"A period starting {last_billed:%d %b %Y} is invoiced already: end the contract "
                              "on or after that day.")
    if errors:
        db.session.rollback()
        raise InvalidInput(errors)
    contract.lines.clear()
    db.session.flush()
    _apply(contract, terms)
    db.session.commit()
    return contract


def _terms(organization_id: int, form, errors: dict, *, start_date, currency) -> dict:
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
    return {"end_date": end_date, "days_until_due": int(days), "payment_method": payment_method, "lines": lines,
            "totals": totals}


def _apply(contract: Contract, terms: dict) -> None:
    totals = terms["totals"]
    contract.end_date, contract.payment_method = terms["end_date"], terms["payment_method"]
    contract.days_until_due = terms["days_until_due"]
    contract.subtotal, contract.tax_total, contract.total = totals.subtotal, totals.tax, totals.total
    contract.lines.extend(ContractLine(position=i, description=line.description, quantity_milli=line.quantity_milli,
                                       unit_price=line.unit_price, tax_rate=line.tax_rate)
                          for i, line in enumerate(terms["lines"]))


def cancel(contract: Contract, *, at_period_end: bool = False) -> None:
    """Now: no further periods are billed. At the end of the period: the period under way is the
    last (the contract ends with it). Invoices already issued stay as they are either way."""
    if contract.status not in ("active", "paused"):
        raise Refused("This contract is no longer active.")
    today = utcnow().date()
    under_way = periods.current(contract.start_date, contract.frequency, today, contract.end_date)
    if at_period_end and under_way is not None and contract.status == "active":
        contract.end_date = under_way.end
    else:
        contract.status = "cancelled"
    contract.cancelled_on, contract.paused_on = today, None
    db.session.commit()


def pause(contract: Contract) -> None:
    """No period is billed while paused, nor afterwards for the time it was paused."""
    if contract.status != "active":
        raise Refused("Only an active contract can be paused.")
    contract.status, contract.paused_on = "paused", utcnow().date()
    db.session.commit()


def resume(contract: Contract) -> None:
    if contract.status != "paused":
        raise Refused("This contract isn't paused.")
    contract.status, contract.paused_on, contract.skip_before = "active", None, utcnow().date()
    db.session.commit()
