"""Bank Reconciliation: bank accounts, Connect Bank > Stripe Account, the reconciliation view."""
from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_required

from light.banking import bp, payouts, queries, services, stripe_app
from light.banking.categories import CATEGORIES, label
from light.banking.models import BankAccount, BankPayout, StripeConnection, SyncRun
from light.errors import InvalidInput
from light.plumbing.stripe_gateway import GatewayError, app_oauth
from light.plumbing.stripe_gateway import oauth as connect
from light.reconciliation import matching
from light.reconciliation.models import STATE_LABELS
from light.web import get_scoped_or_404, owner_required, redirect_to, render, safe_next, scoped, wants_fragment

STATE_KEY = "banking_oauth_state"
ID = f"int(max={queries.MAX_ID})"  # a bigger number can't name a row: 404 from routing, not a DB error


def _redirect_uri() -> str:
    base = current_app.config.get("LIGHT_PUBLIC_URL")
    path = url_for("banking.oauth_callback")
    return base.rstrip("/") + path if base else url_for("banking.oauth_callback", _external=True)


@bp.route("/")
@login_required
def index():
    return _index()


def _index(*, rename_errors=None, status=200):
    connections = scoped(StripeConnection).order_by(StripeConnection.id).all()
    syncs = {c.id: services.running_sync(c) for c in connections}
    # While a sync runs, the accounts section polls for itself (banking/_accounts.html), bringing the
    # Stripe Accounts section along out of band.
    return render("banking/index.html", "banking/_accounts.html", oob_connections=wants_fragment(),
                  accounts=services.bank_accounts(current_user.organization_id), connections=connections, syncs=syncs,
                  rename_errors=rename_errors or {}, status=status)


def _connect_page(message=None, status=200):
    return render("banking/connect.html", message=message, status=status,
                  stripe_app=app_oauth.configured(current_app.config))


@bp.route("/connect")
@login_required
def connect_bank():
    return _connect_page()


@bp.route("/connect/stripe")
@owner_required
def connect_stripe():
    """Log in with Stripe: through Light's Stripe App when STRIPE_APP_INSTALL_URL is set, else
    through Connect OAuth (read_write). Either way the callback checks the state kept here."""
    way = "stripe_app" if app_oauth.configured(current_app.config) else "connect"
    try:
        if way == "stripe_app":
            url, state = app_oauth.install_url(current_app.config, _redirect_uri())
        else:
            url, state = connect.authorize_url(current_app.config, _redirect_uri())
    except connect.ConnectError as exc:
        return _connect_page(exc.message, 400)
    session[STATE_KEY] = {"state": state, "user": current_user.id, "way": way}
    return redirect(url, code=303)


@bp.route("/connect/stripe/callback")
@owner_required
def oauth_callback():
    saved = session.pop(STATE_KEY, None) or {}
    expected = saved.get("state") if saved.get("user") == current_user.id else None
    problem = connect.callback_problem(request.args, expected)
    if problem:
        return _connect_page(problem, 200 if problem == connect.DECLINED else 400)
    if saved.get("way") == "stripe_app":
        try:
            connection = stripe_app.connect_with_code(current_user.organization_id, request.args["code"])
        except GatewayError as exc:
            return _connect_page(f"Stripe did not finish installing Light's app: {exc.message} Start again "
                                 "from Connect Bank.", 400)
    else:
        try:
            token = connect.exchange_code(current_app.config, request.args["code"], _redirect_uri())
        except connect.ConnectError as exc:
            return _connect_page(exc.message, 400)
        connection = services.store_connection(current_user.organization_id, token)
    services.ensure_connect_webhook()
    services.start_sync(connection, "connect")
    flash(f"Connected {connection.name}. Light is importing its history; you can leave this page.", "success")
    return redirect(url_for("banking.index"), code=303)


@bp.route(f"/accounts/<{ID}:account_id>")
@login_required
def account(account_id):
    bank_account = get_scoped_or_404(BankAccount, account_id)
    filters = queries.parse_filters(request.args)
    status = 422 if filters.errors else 200
    rows, next_cursor = ([], None) if filters.errors else queries.transactions_page(
        bank_account, filters, request.args.get("after"))
    context = dict(bank_account=bank_account, filters=filters, rows=rows, next_cursor=next_cursor,
                   payouts=payouts.for_page(rows), categories=CATEGORIES, label=label,
                   statuses=queries.STATUSES, after=request.args.get("after"), recon=queries.reconciliation_of(rows),
                   states=STATE_LABELS)
    if not request.args.get("after"):
        context["counts"] = queries.state_counts(bank_account)
    connection = bank_account.connection

    def page_only():  # the sync line, the progress bars and the chart sit outside both fragments
        return dict(last_run=SyncRun.query.filter_by(connection_id=connection.id).order_by(SyncRun.id.desc()).first(),
                    job=services.running_sync(connection), chart=queries.balance_chart(bank_account),
                    rematch_job=matching.running_rematch(bank_account))

    # "Show more" (an `after` cursor) swaps in the next rows; the filters swap the whole transactions section.
    fragment = "banking/_rows.html" if request.args.get("after") else "banking/_transactions.html"
    return render("banking/account.html", fragment, status=status, connection=connection, page_only=page_only,
                  **context)


@bp.route(f"/payouts/<{ID}:payout_id>")
@login_required
def payout(payout_id):
    found = get_scoped_or_404(BankPayout, payout_id)
    members = payouts.breakdown(found)
    return render("banking/payout.html", "banking/_payout_rows.html", payout=found, members=members,
                  total=sum(m.net for m in members), label=label,
                  bank_account=get_scoped_or_404(BankAccount, found.bank_account_id))


@bp.route(f"/connections/<{ID}:connection_id>/sync", methods=["POST"])
@login_required
def sync_now(connection_id):
    connection = get_scoped_or_404(StripeConnection, connection_id)
    job = services.start_sync(connection, "manual")
    if job is None:
        flash("This Stripe Account is not connected any more: reconnect it to sync.", "error")
    index = url_for("banking.index")
    return redirect_to(safe_next(request.form.get("next"), index, within=index))


@bp.route(f"/connections/<{ID}:connection_id>/rename", methods=["POST"])
@owner_required
def rename(connection_id):
    connection = get_scoped_or_404(StripeConnection, connection_id)
    try:
        services.rename_connection(connection, request.form.get("name"))
    except InvalidInput as invalid:
        return _index(rename_errors={connection.id: invalid.errors}, status=422)
    flash(f"Renamed to {connection.name}.", "success")
    return redirect_to(url_for("banking.index"))


@bp.route(f"/connections/<{ID}:connection_id>/disconnect", methods=["POST"])
@owner_required
def disconnect(connection_id):
    connection = get_scoped_or_404(StripeConnection, connection_id)
    try:
        services.disconnect(connection)
    except services.DisconnectError as exc:
        flash(exc.message, "error")
        return redirect_to(url_for("banking.index"))
    uninstall = (" To end Light's access at Stripe too, uninstall Light's app in your Stripe Dashboard "
                 "(Settings > Installed apps).") if connection.uses_stripe_app else ""
    flash(f"Disconnected {connection.name}. Its history stays here, read-only.{uninstall}", "success")
    return redirect_to(url_for("banking.index"))
