"""Customers: thin routes over light.customers.services."""
from flask import flash, request, url_for
from flask_login import current_user, login_required

from light.contracts.models import Contract
from light.customers import bp, search, services
from light.customers.models import Customer
from light.errors import InvalidInput
from light.invoices.models import Invoice
from light.money import CURRENCIES
from light.utc import utcnow
from light.web import csv_download, get_scoped_or_404, list_page, redirect_to, render


@bp.route("/")
@login_required
def index():
    criteria = search.read(request.args)
    found = search.page_of(current_user.organization_id, criteria)
    return list_page("customers/index.html", "customers/_list.html", "customers.index", criteria,
                     customers=found.customers, has_next=found.has_next, sorts=search.SORT_CHOICES)


@bp.route("/export.csv")
@login_required
def export():
    """The customers of the current search, streamed: owners and members alike."""
    criteria = search.read(request.args)
    rows = search.csv_rows(current_user.organization_id, criteria)
    return csv_download(f"customers-{utcnow():%Y-%m-%d}.csv", search.CSV_HEADER, rows)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form, errors = request.form, {}
    if request.method == "POST":
        try:
            customer = services.create_customer(current_user.organization_id, form)
        except InvalidInput as failed:
            errors = failed.errors
        else:
            flash(f"Customer {customer.name} added.", "success")
            warning = services.duplicate_email_warning(customer)
            if warning:
                flash(warning, "warning")
            return redirect_to(url_for("customers.show", customer_id=customer.id))
    return render("customers/new.html", form=form or {"currency": "USD"}, errors=errors,
                  currencies=CURRENCIES, status=422 if errors else 200)


@bp.route("/<int:customer_id>")
@login_required
def show(customer_id):
    customer = get_scoped_or_404(Customer, customer_id)
    invoices = customer.invoices.order_by(Invoice.created_at.desc(), Invoice.id.desc()).all()
    contracts = Contract.query.filter_by(organization_id=customer.organization_id, customer_id=customer.id) \
        .order_by(Contract.start_date.desc()).all()
    return render("customers/show.html", customer=customer, invoices=invoices, contracts=contracts)


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@login_required
def edit(customer_id):
    customer = get_scoped_or_404(Customer, customer_id)
    errors = {}
    if request.method == "POST":
        try:
            services.update_customer(customer, request.form)
        except InvalidInput as failed:
            errors = failed.errors
        else:
            flash("Customer saved.", "success")
            return redirect_to(url_for("customers.show", customer_id=customer.id))
    form = request.form if request.method == "POST" else {
        "name": customer.name, "email": customer.email, "currency": customer.currency, "address": customer.address}
    return render("customers/edit.html", customer=customer, form=form, errors=errors, currencies=CURRENCIES,
                  status=422 if errors else 200)
