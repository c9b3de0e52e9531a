"""Sales Invoices: thin routes over services (drafting, issuing) and charging (Stripe)."""
from datetime import timedelta

from flask import abort, flash, request, url_for
from flask_login import current_user, login_required

from light.customers.models import Customer
from light.customers.services import customers_of, duplicate_email_warning
from light.errors import InvalidInput, Refused
from light.extensions import db
from light.ids import parse_id
from light.invoices import bp, charging, credit_notes, refunds, search, services
from light.invoices.credit_rules import creditable
from light.invoices.forms import (
    MAX_LINES,
    clean_manual_payment,
    line_rows,
    new_customer_currency,
    rows_from_lines,
    running_totals,
)
from light.invoices.models import STATUS_LABELS, CreditNote, Invoice
from light.invoices.notify import credit_note_pdf_response, pdf_response
from light.money import CURRENCIES, is_currency, to_decimal_string
from light.plumbing.jobs.queue import active_job
from light.utc import today_in, utcnow
from light.web import csv_download, get_scoped_or_404, list_page, owner_required, redirect_to, render, scoped
from light.workflows import services as workflows


def stripe_gate():
    return workflows.stripe_gate(current_user.organization_id)


def _form_page(template, *, form, errors, invoice=None, status=200):
    gate = stripe_gate()
    rows = line_rows(form) if hasattr(form, "getlist") else form.get("rows", [])
    return render(template, "invoices/_form.html", form=form, errors=errors, invoice=invoice, gate=gate,
                  customers=customers_of(current_user.organization_id), currencies=CURRENCIES,
                  rows=rows or [{}], running=_running_totals(form) if hasattr(form, "getlist") else None,
                  status=status)


def _running_totals(form) -> dict:
    """The running subtotal and total of the form as typed: in the form's currency, else the
    chosen customer's, else the one typed for a new customer."""
    currency = (form.get("currency") or "").strip().upper()
    if not is_currency(currency):
        customer_id = parse_id((form.get("customer_id") or "").strip())
        customer = scoped(Customer).filter(Customer.id == customer_id).one_or_none() if customer_id else None
        currency = customer.currency if customer else (new_customer_currency(form) or "")
    if not currency:
        return {"currency": None}
    totals, skipped = running_totals(form, currency)
    return {"currency": currency, "totals": totals, "skipped": skipped}


@bp.route("/totals", methods=["POST"])
@login_required
def totals():
    """htmx, as lines are typed: the running subtotal, tax and total (computed here, in minor units)."""
    return render("invoices/_totals.html", running=_running_totals(request.form))


@bp.route("/")
@login_required
def index():
    """Search and sort live in the query string; a bad date or amount answers 400 with its message
    beside the field, and the list without that filter. htmx gets the list alone, and the clean URL
    to put in the address bar."""
    criteria = search.read(request.args)
    found = search.page_of(current_user.organization_id, criteria)
    return list_page("invoices/index.html", "invoices/_list.html", "invoices.index", criteria,
                     invoices=found.invoices, has_next=found.has_next, statuses=STATUS_LABELS,
                     sorts=search.SORT_CHOICES)


@bp.route("/export.csv")
@login_required
def export():
    """The invoices of the current search (every page), streamed: owners and members alike."""
    criteria = search.read(request.args)
    if criteria.errors:
        return list_page("invoices/index.html", "invoices/_list.html", "invoices.index", criteria,
                         invoices=[], has_next=False, statuses=STATUS_LABELS, sorts=search.SORT_CHOICES)
    rows = search.csv_rows(current_user.organization_id, criteria)
    return csv_download(f"invoices-{utcnow():%Y-%m-%d}.csv", search.CSV_HEADER, rows)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if request.method == "POST":
        try:
            invoice = services.create_invoice(current_user.organization_id, request.form)
        except InvalidInput as failed:
            return _form_page("invoices/new.html", form=request.form, errors=failed.errors, status=422)
        flash(f"Draft invoice for {invoice.customer.name} saved. Check it, then Issue it.", "success")
        warning = duplicate_email_warning(invoice.customer) if request.form.get("customer_id") == "new" else None
        if warning:
            flash(warning, "warning")
        return redirect_to(url_for("invoices.show", invoice_id=invoice.id))
    today = utcnow().date()
    form = {"issue_date": today.isoformat(), "due_date": (today + timedelta(days=14)).isoformat(),
            "payment_method": "stripe" if stripe_gate().ok else "bank_transfer",
            "customer_id": request.args.get("customer_id", "")}
    return _form_page("invoices/new.html", form=form, errors={})


@bp.route("/lines/new")
@login_required
def new_line():
    """htmx "Add line": one blank line row."""
    index = request.args.get("index", "")
    index = int(index) % MAX_LINES if index.isascii() and index.isdigit() and len(index) <= 6 else 0
    return render("shared/_line.html", row={}, index=index, errors={}, autofocus=True)


@bp.route("/<int:invoice_id>")
@login_required
def show(invoice_id):
    return _show(get_scoped_or_404(Invoice, invoice_id))


def _show(invoice, *, form=None, errors=None, status=200):
    job = active_job(f"invoice-deliver:{invoice.id}") or active_job(f"invoice-charge:{invoice.id}")
    left = refunds.refundable(invoice)
    typed = form or {"paid_on": today_in(current_user.organization.time_zone).isoformat(),
                     "refund_amount": to_decimal_string(left, invoice.currency) if left else ""}
    return render("invoices/show.html", invoice=invoice, job=job, today=utcnow().date(), form=typed,
                  errors=errors or {}, undoable=services.undoable_payments(invoice), ways=services.PAYMENT_WAYS,
                  creditable=creditable(invoice.amount_paid, invoice.amount_credited),
                  refundable=left, status=status)


@bp.route("/<int:invoice_id>/edit", methods=["GET", "POST"])
@login_required
def edit(invoice_id):
    invoice = get_scoped_or_404(Invoice, invoice_id)
    if invoice.status != "draft":
        flash("Only drafts can be changed.", "warning")
        return redirect_to(url_for("invoices.show", invoice_id=invoice.id))
    if request.method == "POST":
        try:
            services.update_draft(invoice, request.form)
        except InvalidInput as failed:
            return _form_page("invoices/edit.html", form=request.form, errors=failed.errors, invoice=invoice,
                              status=422)
        flash("Draft saved.", "success")
        return redirect_to(url_for("invoices.show", invoice_id=invoice.id))
    form = {"customer_id": str(invoice.customer_id), "currency": invoice.currency,
            "issue_date": invoice.issue_date.isoformat(), "due_date": invoice.due_date.isoformat(),
            "payment_method": invoice.payment_method, "rows": rows_from_lines(invoice.lines, invoice.currency),
            "po_number": invoice.po_number, "terms": invoice.terms, "notes": invoice.notes}
    return _form_page("invoices/edit.html", form=form, errors={}, invoice=invoice)


@bp.route("/<int:invoice_id>/issue", methods=["POST"])
@login_required
def issue(invoice_id):
    invoice = get_scoped_or_404(Invoice, invoice_id)
    try:
        issued = services.issue(invoice.id, current_user.organization_id)
    except Refused as refused:
        flash(f"Not issued: {refused.message}", "error")
        return redirect_to(url_for("invoices.show", invoice_id=invoice.id))
    if issued:
        invoice = get_scoped_or_404(Invoice, invoice_id)
        charging.start_delivery(invoice)
        flash(f"Invoice {invoice.number} issued.", "success")
    return redirect_to(url_for("invoices.show", invoice_id=invoice.id))


@bp.route("/<int:invoice_id>/void", methods=["POST"])
@login_required
def void(invoice_id):
    return _act(invoice_id, services.void, "Invoice voided.")


@bp.route("/<int:invoice_id>/delete", methods=["POST"])
@login_required
def delete(invoice_id):
    invoice = get_scoped_or_404(Invoice, invoice_id)
    try:
        services.delete_draft(invoice)
    except Refused as refused:
        flash(refused.message, "error")
        return redirect_to(url_for("invoices.show", invoice_id=invoice_id))
    flash("Draft deleted.", "success")
    return redirect_to(url_for("invoices.index"))


@bp.route("/<int:invoice_id>/send", methods=["POST"])
@login_required
def send(invoice_id):
    return _act(invoice_id, charging.resend_pay_link, "Pay link e-mailed to the customer.")


@bp.route("/<int:invoice_id>/charge", methods=["POST"])
@login_required
def charge(invoice_id):
    return _act(invoice_id, charging.request_charge, "Charging the saved card…")


@bp.route("/<int:invoice_id>/pdf")
@login_required
def pdf(invoice_id):
    invoice = get_scoped_or_404(Invoice, invoice_id)
    if invoice.status == "draft":  # a draft has no number yet: it isn't a document
        abort(404)
    return pdf_response(invoice)


@bp.route("/<int:invoice_id>/payments", methods=["POST"])
@login_required
def record_payment(invoice_id):
    invoice = get_scoped_or_404(Invoice, invoice_id)
    payment, errors = clean_manual_payment(request.form, invoice.currency, ways=services.PAYMENT_WAYS,
                                           today=today_in(current_user.organization.time_zone))
    if errors:
        return _show(invoice, form=request.form, errors=errors, status=422)
    try:
        recorded = services.record_bank_payment(invoice, payment.amount, payment.paid_on, method=payment.method,
                                                reference=payment.reference, recorded_by=current_user.name)
    except Refused as error:
        return _show(invoice, form=request.form, errors={"amount": str(error)}, status=422)
    if not recorded:  # the same payment again, or another one took what was due meanwhile
        db.session.expire_all()
        return _show(invoice, form=request.form, status=409, errors={
            "amount": "Nothing recorded: this payment is recorded already, or the invoice changed meanwhile."})
    flash("Payment recorded.", "success")
    return redirect_to(url_for("invoices.show", invoice_id=invoice_id))


@bp.route("/<int:invoice_id>/payments/<int:event_id>/undo", methods=["POST"])
@login_required
def undo_payment(invoice_id, event_id):
    invoice = get_scoped_or_404(Invoice, invoice_id)
    try:
        services.undo_payment(invoice, event_id, undone_by=current_user.name)
    except Refused as refused:
        db.session.rollback()
        return _show(invoice, errors={"undo": refused.message}, status=409)
    flash("Payment undone.", "success")
    return redirect_to(url_for("invoices.show", invoice_id=invoice_id))


@bp.route("/<int:invoice_id>/credit-notes", methods=["POST"])
@login_required
def issue_credit_note(invoice_id):
    """A credit note typed by the team, for money given back outside Stripe (a Stripe refund makes
    its own)."""
    invoice = get_scoped_or_404(Invoice, invoice_id)
    try:
        note = credit_notes.issue_by_hand(invoice, request.form, issued_by=current_user.name)
    except InvalidInput as failed:
        db.session.rollback()
        return _show(invoice, form=request.form, errors=failed.errors, status=422)
    flash(f"Credit note {note.number} issued.", "success")
    return redirect_to(url_for("invoices.credit_note", note_id=note.id))


@bp.route("/<int:invoice_id>/refunds", methods=["POST"])
@owner_required
def refund(invoice_id):
    """The Refund button (owners only): money back through Stripe, which makes its credit note."""
    invoice = get_scoped_or_404(Invoice, invoice_id)
    try:
        note = refunds.refund(invoice, request.form, refunded_by=current_user.name)
    except InvalidInput as failed:
        db.session.rollback()
        status = 409 if isinstance(failed, refunds.RefundChanged) else 422
        return _show(invoice, form=request.form, errors=failed.errors, status=status)
    flash(f"Refunded through Stripe{f'; credit note {note.number} issued' if note else ''}.", "success")
    return redirect_to(url_for("invoices.show", invoice_id=invoice_id))


@bp.route("/credit-notes/<int:note_id>")
@login_required
def credit_note(note_id):
    return render("invoices/credit_note.html", note=get_scoped_or_404(CreditNote, note_id))


@bp.route("/credit-notes/<int:note_id>/pdf")
@login_required
def credit_note_pdf(note_id):
    return credit_note_pdf_response(get_scoped_or_404(CreditNote, note_id))


def _act(invoice_id, action, done_message):
    invoice = get_scoped_or_404(Invoice, invoice_id)
    try:
        action(invoice)
    except Refused as refused:
        flash(refused.message, "error")
    else:
        flash(done_message, "success")
    return redirect_to(url_for("invoices.show", invoice_id=invoice_id))
