"""Bank Reconciliation > Import statement: upload, the CSV's column mapping, the result, and a bank
account's lines with the Stripe payouts its deposits carry."""
from flask import abort, current_app, flash, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from light.banking.models import BankPayout
from light.errors import InvalidInput, Refused
from light.ids import is_id
from light.money import CURRENCIES
from light.statements import bp, matching, services
from light.statements.formats import MAX_BYTES
from light.statements.formats.csv_file import DATE_FORMATS, DECIMALS, DELIMITERS, ENCODINGS
from light.statements.models import StatementAccount, StatementImport, StatementLine, StatementUpload
from light.web import get_scoped_or_404, redirect_to, render

ID = "int(max=2147483647)"  # a bigger number can't name a row: 404 from routing, not a database error
FORM_ROOM = 64 * 1024  # the other fields and the multipart framing around the file
DATE_EXAMPLES = {key: example for key, (_, example) in DATE_FORMATS.items()}


@bp.app_context_processor
def _for_bank_reconciliation():
    # Bank Reconciliation's pages (templates/banking/) list statement accounts and say whether a payout
    # reached a bank statement through these, so the bank feed's routes need not know about statements.
    return {"payout_deposit": services.deposit_for_payout, "statement_accounts_of": services.accounts_with_last_import}


def _max_bytes() -> int:
    return int(current_app.config.get("STATEMENT_MAX_BYTES", MAX_BYTES))


def _import_page(form, errors, status=200):
    return render("statements/import.html", form=form, errors=errors, status=status, currencies=CURRENCIES,
                  accounts=services.accounts(current_user.organization_id), max_bytes=_max_bytes())


@bp.route("/import")
@login_required
def new_import():
    accounts = services.accounts(current_user.organization_id)
    chosen = request.args.get("account_id") or (str(accounts[0].id) if accounts else "new")
    return _import_page({"account_id": chosen, "currency": "USD"}, {})


def _too_large():
    return _import_page({}, {"statement": f"The file is larger than {_max_bytes() / (1024 * 1024):.0f} MB; export "
                                          f"a shorter date range and import each part."}, 413)


@bp.before_app_request
def _room_for_a_statement():
    """A statement may be larger than any other form of Light's (MAX_CONTENT_LENGTH): the upload alone
    may read more. This runs before the app's own hooks read the form, so the larger limit holds,
    and a body beyond even that is answered beside the field rather than by the bare 413 page."""
    if request.endpoint != "statements.upload" or request.method != "POST":
        return None
    request.max_content_length = _max_bytes() + FORM_ROOM
    if request.content_length is not None and request.content_length > request.max_content_length:
        if not current_user.is_authenticated:
            return None  # login_required answers
        return _too_large()
    return None


@bp.route("/import", methods=["POST"])
@login_required
def upload():
    try:
        form, sent = request.form, request.files.get("statement")
    except RequestEntityTooLarge:  # a body sent without a Content-Length
        return _too_large()
    data = sent.read(_max_bytes() + 1) if sent and sent.filename else None
    try:
        result = services.upload(current_user.organization_id, current_user.id, form, sent.filename if sent else "",
                                 data, max_bytes=_max_bytes())
    except InvalidInput as failed:
        status = 413 if data and len(data) > _max_bytes() else 422
        return _import_page(form, failed.errors, status)
    except Refused as refused:
        return _import_page(form, {"statement": refused.message}, 409)
    if isinstance(result, StatementUpload):
        return redirect_to(url_for("statements.mapping", upload_id=result.id))
    return redirect_to(url_for("statements.result", import_id=result.id))


@bp.route(f"/uploads/<{ID}:upload_id>", methods=["GET", "POST"])
@login_required
def mapping(upload_id):
    staged = get_scoped_or_404(StatementUpload, upload_id)
    if staged.user_id != current_user.id:  # a file someone uploaded is theirs until they import it
        abort(404)
    chosen = services.mapping_from(request.form if request.method == "POST" else None, staged.account)
    errors, status = {}, 200
    if request.method == "POST" and request.form.get("action") == "import":
        try:
            result = services.import_csv(staged, chosen, current_user.id)
        except InvalidInput as failed:
            errors, status = failed.errors, 422
        except Refused as refused:
            errors, status = {"statement": refused.message}, 409
        else:
            return redirect_to(url_for("statements.result", import_id=result.id))
    header, rows, read_errors = services.preview(staged, chosen)
    errors = {**read_errors, **errors}
    if read_errors and status == 200 and request.method == "POST":
        status = 422
    return render("statements/mapping.html", staged=staged, mapping=chosen, header=header, rows=rows, errors=errors,
                  status=status, date_formats=DATE_EXAMPLES, decimals=DECIMALS, delimiters=DELIMITERS,
                  encodings=ENCODINGS)


@bp.route(f"/imports/<{ID}:import_id>")
@login_required
def result(import_id):
    record = get_scoped_or_404(StatementImport, import_id)
    return render("statements/result.html", record=record, account=record.account,
                  format_name=services.FORMAT_NAMES.get(record.format, record.format),
                  matched=services.import_matches(record))


@bp.route(f"/accounts/<{ID}:account_id>")
@login_required
def account(account_id):
    return _account_page(get_scoped_or_404(StatementAccount, account_id))


def _account_page(found, status=200):
    lines = services.lines_page(found)
    links, suggested = services.deposit_states(current_user.organization_id, lines)
    return render("statements/account.html", account=found, lines=lines, links=links, suggested=suggested,
                  imports=services.imports(found), log=services.log_page(found), status=status, refusal=None)


@bp.route(f"/accounts/<{ID}:account_id>/match", methods=["POST"])
@login_required
def match(account_id):
    found = get_scoped_or_404(StatementAccount, account_id)
    counts = matching.match_deposits(found)
    flash(f"Matched {counts['linked']} deposit{'s' if counts['linked'] != 1 else ''} to Stripe payouts; "
          f"{counts['suggested']} suggested.", "success")
    return redirect_to(url_for("statements.account", account_id=found.id))


def _line_answer(line, refusal=None, status=200):
    """The line's row, for htmx (it swaps itself); the account page for a plain post."""
    account = get_scoped_or_404(StatementAccount, line.account_id)
    if request.htmx and not request.htmx.boosted:
        links, suggested = services.deposit_states(current_user.organization_id, [line])
        return render("statements/_line.html", line=line, links=links, suggested=suggested, account=account,
                      refusal=refusal, status=status)
    if refusal:
        flash(refusal, "error")
        return _account_page(account, status)
    return redirect_to(url_for("statements.account", account_id=line.account_id) + f"#line-{line.id}")


def _on_suggestion(line_id, action):
    """Accept or Decline of one of a deposit's suggested payouts (the form names it)."""
    line = get_scoped_or_404(StatementLine, line_id)
    raw = (request.form.get("payout_id") or "").strip()
    payout = None
    if raw.isdigit() and is_id(int(raw)):
        payout = BankPayout.query.filter_by(organization_id=current_user.organization_id, id=int(raw)).one_or_none()
    if payout is None:
        return _line_answer(line, "Choose one of the suggested payouts.", 422)
    try:
        action(line, payout.id, current_user.id)
    except Refused as refused:
        return _line_answer(line, refused.message, 409)
    return _line_answer(line)


@bp.route(f"/lines/<{ID}:line_id>/accept", methods=["POST"])
@login_required
def accept(line_id):
    return _on_suggestion(line_id, matching.accept)


@bp.route(f"/lines/<{ID}:line_id>/decline", methods=["POST"])
@login_required
def decline(line_id):
    return _on_suggestion(line_id, matching.decline)


@bp.route(f"/lines/<{ID}:line_id>/unmatch", methods=["POST"])
@login_required
def unmatch(line_id):
    line = get_scoped_or_404(StatementLine, line_id)
    try:
        matching.unmatch(line, current_user.id)
    except Refused as refused:
        return _line_answer(line, refused.message, 409)
    return _line_answer(line)
