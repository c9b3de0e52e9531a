"""Bank Reconciliation's actions on lines: Accept, Decline, Match (manual), Unmatch, Exclude,
Include, bulk Accept, Re-match, and the CSV export. Each line action answers with the line's row
(htmx swaps it in place) or, without htmx, goes back to the account."""
from flask import abort, flash, request, url_for
from flask_login import current_user, login_required

from light.banking import bp, links, payouts, queries
from light.banking.categories import label
from light.banking.models import BankAccount, BankTransaction
from light.errors import InvalidInput, Refused
from light.extensions import db
from light.ids import parse_id
from light.money import to_decimal_string
from light.reconciliation import export, finder, matching, services
from light.reconciliation.models import ReconciliationLink
from light.reconciliation.values import CATEGORIES
from light.web import get_scoped_or_404, redirect_to, render, scoped, wants_fragment

ID = f"int(max={queries.MAX_ID})"
MAX_BULK = 200


def _actor() -> services.Actor:
    return services.Actor.of(current_user)


def _row(line: BankTransaction, *, status: int = 200, message: str | None = None):
    db.session.refresh(line)
    return render("banking/line.html", "banking/_line.html", status=status, t=line, message=message,
                  recon=queries.reconciliation_of([line]), payouts=payouts.for_page([line]), label=label,
                  bank_account=db.session.get(BankAccount, line.bank_account_id))


def _done(line: BankTransaction, message: str | None = None, *, status: int = 200):
    if wants_fragment():
        return _row(line, status=status, message=message)
    if message:
        flash(message, "error" if status >= 400 else "success")
    return redirect_to(url_for("banking.account", account_id=line.bank_account_id))


def _act(line_id: int, action):
    line = get_scoped_or_404(BankTransaction, line_id)
    try:
        action(current_user.organization_id, line.id, _actor())
    except Refused as exc:
        return _done(line, exc.message, status=409)
    except InvalidInput as exc:
        return _done(line, " ".join(exc.errors.values()), status=422)
    return _done(line)


@bp.route(f"/lines/<{ID}:line_id>")
@login_required
def line(line_id):
    return _row(get_scoped_or_404(BankTransaction, line_id))


@bp.route(f"/lines/<{ID}:line_id>/accept", methods=["POST"])
@login_required
def accept(line_id):
    return _act(line_id, services.accept)


@bp.route(f"/lines/<{ID}:line_id>/decline", methods=["POST"])
@login_required
def decline(line_id):
    return _act(line_id, services.decline)


@bp.route(f"/lines/<{ID}:line_id>/unmatch", methods=["POST"])
@login_required
def unmatch(line_id):
    return _act(line_id, services.unmatch)


@bp.route(f"/lines/<{ID}:line_id>/exclude", methods=["POST"])
@login_required
def exclude(line_id):
    return _act(line_id, services.exclude)


@bp.route(f"/lines/<{ID}:line_id>/include", methods=["POST"])
@login_required
def include(line_id):
    return _act(line_id, services.include)


def _match_form(line: BankTransaction, *, fragment="banking/_match.html", errors=None, status=200, form=None):
    """The Match page with the invoices its search finds; htmx gets `fragment`: the whole form, or
    only the invoices as the search is typed."""
    form = form or request.args
    text = (form.get("q") or "").strip()[:finder.MAX_QUERY]
    return render("banking/match.html", fragment, status=status, t=line, q=text,
                  invoices=finder.find_invoices(line, text), errors=errors or {}, form=form,
                  refund=services.refunds_an_invoice(line), categories=CATEGORIES,
                  bank_account=db.session.get(BankAccount, line.bank_account_id))


@bp.route(f"/lines/<{ID}:line_id>/match", methods=["GET", "POST"])
@login_required
def match_form(line_id):
    line = get_scoped_or_404(BankTransaction, line_id)
    if request.method == "GET":
        return _match_form(line)
    try:
        allocations, category = finder.read_match_form(line, request.form)
        services.match(current_user.organization_id, line.id, _actor(), allocations=allocations, category=category)
    except InvalidInput as exc:
        return _match_form(line, errors=exc.errors, status=422, form=request.form)
    except Refused as exc:
        return _match_form(line, errors={"invoices": exc.message}, status=409, form=request.form)
    return _done(line)


@bp.route(f"/lines/<{ID}:line_id>/match/invoices")
@login_required
def match_search(line_id):
    return _match_form(get_scoped_or_404(BankTransaction, line_id), fragment="banking/_match_invoices.html")


@bp.route(f"/accounts/<{ID}:account_id>/accept", methods=["POST"])
@login_required
def bulk_accept(account_id):
    bank_account = get_scoped_or_404(BankAccount, account_id)
    ids = [i for i in (parse_id(v) for v in request.form.getlist("line")[:MAX_BULK]) if i is not None]
    mine = [i for (i,) in scoped(BankTransaction).with_entities(BankTransaction.id).filter(
        BankTransaction.bank_account_id == bank_account.id, BankTransaction.id.in_(ids or [-1]))]
    if not mine:
        flash("Choose the suggestions to accept.", "error")
        return redirect_to(url_for("banking.account", account_id=bank_account.id, state="suggested"))
    accepted, problems = services.bulk_accept(current_user.organization_id, mine, _actor())
    flash(f"Accepted {accepted} suggestion{'s' if accepted != 1 else ''}."
          + (f" {len(problems)} could not be: {problems[0]}" if problems else ""), "error" if problems else "success")
    return redirect_to(url_for("banking.account", account_id=bank_account.id, state="suggested"))


@bp.route(f"/accounts/<{ID}:account_id>/rematch", methods=["POST"])
@login_required
def rematch(account_id):
    bank_account = get_scoped_or_404(BankAccount, account_id)
    matching.start_rematch(bank_account)
    return redirect_to(url_for("banking.account", account_id=bank_account.id))


@bp.route(f"/accounts/<{ID}:account_id>/export.csv")
@login_required
def export_csv(account_id):
    bank_account = get_scoped_or_404(BankAccount, account_id)
    filters = queries.parse_filters(request.args)
    if filters.errors:
        abort(422)
    return export.response(bank_account, filters.date_from, filters.date_to)


@bp.app_template_global()
def bank_lines_paying(invoice):
    """The invoice page's "Paid by bank lines": the links of this organization's lines to it."""
    if not current_user.is_authenticated or invoice.organization_id != current_user.organization_id:
        return []
    return (scoped(ReconciliationLink).filter(ReconciliationLink.invoice_id == invoice.id)
            .join(BankTransaction, BankTransaction.id == ReconciliationLink.bank_transaction_id)
            .with_entities(ReconciliationLink, BankTransaction).order_by(BankTransaction.created).all())


@bp.app_template_filter("decimal_amount")
def decimal_amount(minor: int, currency: str) -> str:
    """An amount as typed in a field: '120.00', '1200' (JPY), '1.234' (KWD)."""
    return to_decimal_string(minor, currency)


@bp.app_template_global()
def booked_category(key: str) -> str:
    return CATEGORIES.get(key, "Other")


bp.add_app_template_global(links.line_urls, "line_urls")
