"""Contracts: thin routes over services; the clock bills them (jobs.py)."""
from flask import flash, request, url_for
from flask_login import current_user, login_required

from light.contracts import bp, jobs, periods, search, services  # noqa: F401 - jobs registers the clock task
from light.contracts.models import Contract
from light.customers.services import customers_of
from light.errors import InvalidInput, Refused
from light.invoices.forms import line_rows, rows_from_lines
from light.invoices.models import Invoice
from light.money import CURRENCIES
from light.utc import utcnow
from light.web import get_scoped_or_404, list_page, redirect_to, render, scoped
from light.workflows.services import stripe_gate


def _gate():
    return stripe_gate(current_user.organization_id)


@bp.route("/")
@login_required
def index():
    criteria = search.read(request.args)
    found = search.page_of(current_user.organization_id, criteria)
    return list_page("contracts/index.html", "contracts/_list.html", "contracts.index", criteria,
                     contracts=found.contracts, has_next=found.has_next, statuses=search.STATUS_LABELS,
                     sorts=search.SORT_CHOICES)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    gate = _gate()
    if request.method == "POST":
        try:
            contract = services.create_contract(current_user.organization_id, request.form)
        except InvalidInput as failed:
            return _form(request.form, failed.errors, gate, status=422)
        if contract.start_date <= utcnow().date():
            jobs.start_billing(contract)
        flash("Contract created. Light invoices each period on its first day.", "success")
        return redirect_to(url_for("contracts.show", contract_id=contract.id))
    form = {"start_date": utcnow().date().isoformat(), "frequency": "monthly", "days_until_due": "0",
            "payment_method": "stripe" if gate.ok else "bank_transfer",
            "customer_id": request.args.get("customer_id", "")}
    return _form(form, {}, gate)


def _form(form, errors, gate, status=200):
    rows = line_rows(form) if hasattr(form, "getlist") else []
    return render("contracts/new.html", "contracts/_form.html", form=form, errors=errors, gate=gate,
                  customers=customers_of(current_user.organization_id), currencies=CURRENCIES,
                  frequencies=periods.FREQUENCY_LABELS, rows=rows or [{}], status=status)


@bp.route("/<int:contract_id>")
@login_required
def show(contract_id):
    contract = get_scoped_or_404(Contract, contract_id)
    today = utcnow().date()
    invoices = {i.period_start: i for i in scoped(Invoice).filter(Invoice.contract_id == contract.id)}
    past = periods.due_periods(contract.start_date, contract.frequency, today, contract.end_date)
    upcoming = ([] if contract.status != "active" else
                periods.upcoming(contract.start_date, contract.frequency, today, contract.end_date))
    rows = [(p, invoices.get(p.start)) for p in reversed(past)]
    current_period = periods.current(contract.start_date, contract.frequency, today, contract.end_date)
    return render("contracts/show.html", contract=contract, rows=rows, upcoming=upcoming,
                  current_period=current_period)


@bp.route("/<int:contract_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contract_id):
    contract = get_scoped_or_404(Contract, contract_id)
    if contract.status in ("ended", "cancelled"):
        flash("This contract has ended: create a new one instead.", "error")
        return redirect_to(url_for("contracts.show", contract_id=contract.id))
    if request.method == "POST":
        try:
            services.update_contract(contract, request.form)
        except InvalidInput as failed:
            return _edit_form(contract, request.form, failed.errors, status=422)
        except Refused as refused:
            flash(refused.message, "error")
        else:
            flash("Contract saved: the next periods are invoiced with these terms.", "success")
        return redirect_to(url_for("contracts.show", contract_id=contract.id))
    form = {"end_date": contract.end_date.isoformat() if contract.end_date else "",
            "days_until_due": str(contract.days_until_due), "payment_method": contract.payment_method}
    rows = rows_from_lines(contract.lines, contract.currency)
    return _edit_form(contract, form, {}, rows=rows)


def _edit_form(contract, form, errors, rows=None, status=200):
    rows = rows or (line_rows(form) if hasattr(form, "getlist") else []) or [{}]
    return render("contracts/edit.html", "contracts/_form.html", contract=contract, form=form, errors=errors,
                  gate=_gate(), rows=rows, action=url_for("contracts.edit", contract_id=contract.id), status=status)


@bp.route("/<int:contract_id>/cancel", methods=["POST"])
@login_required
def cancel(contract_id):
    contract = get_scoped_or_404(Contract, contract_id)
    at_period_end = request.form.get("when") == "period_end"

    def said() -> str:
        if contract.status == "active":
            return (f"Contract cancelled: it ends with the period under way, on {contract.end_date:%d %b %Y}; "
                    "nothing after that is invoiced.")
        return "Contract cancelled: no further periods will be invoiced."

    return _act(contract, lambda: services.cancel(contract, at_period_end=at_period_end), said)


@bp.route("/<int:contract_id>/pause", methods=["POST"])
@login_required
def pause(contract_id):
    contract = get_scoped_or_404(Contract, contract_id)
    return _act(contract, lambda: services.pause(contract),
                lambda: "Contract paused: no period is invoiced until you resume it, nor for the paused time after.")


@bp.route("/<int:contract_id>/resume", methods=["POST"])
@login_required
def resume(contract_id):
    contract = get_scoped_or_404(Contract, contract_id)

    def resume_and_bill():
        services.resume(contract)
        jobs.start_billing(contract)

    return _act(contract, resume_and_bill,
                lambda: "Contract resumed: the next period is invoiced on its first day; paused periods are skipped.")


def _act(contract, action, success):
    try:
        action()
    except Refused as refused:
        flash(refused.message, "error")
    else:
        flash(success(), "success")
    return redirect_to(url_for("contracts.show", contract_id=contract.id))
