"""Settings > Integrations > Salesforce. Everyone in the organization may look; only owners
connect, reconnect, poll and disconnect."""
from flask import abort, flash, redirect, request, session, url_for
from flask_login import current_user, login_required

from light.errors import InvalidInput, Refused
from light.plumbing.salesforce_gateway import SalesforceError
from light.salesforce import bp, polling, services
from light.salesforce.models import ENVIRONMENTS, SalesforceConnection, SalesforceDeal
from light.urls import external_url
from light.web import get_scoped_or_404, owner_required, redirect_to, render

PENDING_KEY = "salesforce_oauth"
DEALS_SHOWN = 200


@bp.app_template_global()
def salesforce_connection_of(organization_id: int):
    return services.current_connection(organization_id)


@bp.app_template_global()
def salesforce_origin(invoice):
    """For an invoice's page: the deal it came from, if any."""
    return services.deal_for_invoice(invoice)


@bp.route("/new", methods=["GET", "POST"])
@owner_required
def new():
    form, errors = request.form if request.method == "POST" else {"environment": "production"}, {}
    if request.method == "POST":
        try:
            pending = services.start_connect(request.form.get("environment", ""), request.form.get("my_domain"),
                                             request.form.get("invoice_since"))
        except InvalidInput as invalid:
            errors = invalid.errors
        except Refused as refused:
            errors = {"environment": refused.message}
        else:
            session[PENDING_KEY] = {**{k: v for k, v in pending.items() if k != "url"}, "user": current_user.id}
            return redirect(pending["url"], code=303)
    return render("salesforce/new.html", form=form, errors=errors, environments=ENVIRONMENTS,
                  current=services.current_connection(current_user.organization_id), status=422 if errors else 200)


@bp.route("/callback")
@owner_required
def callback():
    pending = session.pop(PENDING_KEY, None)
    if pending and pending.get("user") != current_user.id:
        pending = None
    try:
        connection = services.finish_connect(organization_id=current_user.organization_id, user_id=current_user.id,
                                             args=request.args, pending=pending)
    except Refused as refused:
        return render("salesforce/new.html", form={"environment": (pending or {}).get("environment", "production")},
                      errors={}, problem=refused.message, environments=ENVIRONMENTS,
                      current=services.current_connection(current_user.organization_id), status=400)
    existing = connection.deals.filter_by(status="existing").count()
    flash(f"Salesforce is connected (org {connection.sf_org_id}). {existing} deals already won were recorded and "
          "won't be invoiced; deals marked Closed/Won from now on will be.", "success")
    return redirect(url_for("salesforce.show", connection_id=connection.id), code=303)


@bp.route("/<int:connection_id>")
@login_required
def show(connection_id):
    connection = get_scoped_or_404(SalesforceConnection, connection_id)
    deals = (connection.deals.filter(SalesforceDeal.status != "existing")
             .order_by((SalesforceDeal.status == "needs_attention").desc(), SalesforceDeal.id.desc())
             .limit(DEALS_SHOWN).all())
    existing = connection.deals.filter_by(status="existing").count()
    return render("salesforce/show.html", connection=connection, deals=deals, existing=existing,
                  outbound_url=external_url("salesforce_outbound.receive", connection_id=connection.id))


@bp.route("/<int:connection_id>/poll", methods=["POST"])
@owner_required
def poll_now(connection_id):
    connection = get_scoped_or_404(SalesforceConnection, connection_id)
    if connection.status != "active":
        flash("Only an active connection can be polled: reconnect it first.", "error")
    else:
        polling.start_poll(connection.id)
        flash("Light is looking for newly won deals.", "success")
    return redirect_to(url_for("salesforce.show", connection_id=connection.id))


@bp.route("/<int:connection_id>/disconnect", methods=["POST"])
@owner_required
def disconnect(connection_id):
    connection = get_scoped_or_404(SalesforceConnection, connection_id)
    if request.form.get("confirm") != "disconnect":
        flash("Tick the box to confirm disconnecting Salesforce.", "error")
        return redirect_to(url_for("salesforce.show", connection_id=connection.id))
    try:
        services.disconnect(organization_id=current_user.organization_id, connection_id=connection.id)
    except Refused as refused:
        flash(refused.message, "error")
    else:
        flash("Salesforce is disconnected: Light's access was revoked. Its deals stay listed here.", "success")
    return redirect_to(url_for("salesforce.show", connection_id=connection.id))


@bp.route("/<int:connection_id>/deals/<int:deal_id>/retry", methods=["POST"])
@owner_required
def retry(connection_id, deal_id):
    connection = get_scoped_or_404(SalesforceConnection, connection_id)
    deal = get_scoped_or_404(SalesforceDeal, deal_id)
    if deal.connection_id != connection.id:
        abort(404)
    try:
        outcome = polling.retry_deal(connection.id, deal.id)
    except SalesforceError as failed:
        flash(f"Salesforce could not be asked: {failed.message}", "error")
    else:
        flash(RETRIED.get(outcome, "Tried again."), "success" if outcome == "invoiced" else "warning")
    return redirect_to(url_for("salesforce.show", connection_id=connection.id) + "#salesforce-deals")


RETRIED = {"invoiced": "The deal was invoiced.", "needs attention": "The deal still needs attention: see why.",
           "no longer won": "The opportunity is no longer Closed/Won in Salesforce.",
           "nothing to retry": "This deal doesn't need attention any more.",
           "reconnect needed": "Salesforce needs reconnecting first.", "not connected": "Salesforce isn't connected."}
