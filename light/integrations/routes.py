"""Settings > Integrations. Everyone in the organization may look; only owners change anything."""
from flask import abort, flash, request, url_for
from flask_login import current_user, login_required

from light.errors import InvalidInput
from light.integrations import bp, services
from light.integrations.models import Integration
from light.invoices.services import count_awaiting_stripe_payment
from light.web import get_scoped_or_404, owner_required, redirect_to, render


@bp.route("/")
@login_required
def index():
    integrations = services.integrations_of(current_user.organization_id)
    stripe = next((i for i in integrations if i.kind == "stripe"), None)
    return render("integrations/index.html", stripe=stripe)


@bp.route("/new")
@owner_required
def new():
    return render("integrations/new.html",
                  stripe=services.active_stripe_integration(current_user.organization_id))


@bp.route("/stripe/new", methods=["GET", "POST"])
@owner_required
def new_stripe():
    existing = services.active_stripe_integration(current_user.organization_id)
    if existing and request.method == "GET":
        return redirect_to(url_for("integrations.show", integration_id=existing.id))
    errors = {}
    if request.method == "POST":
        try:
            integration = services.connect_stripe(organization_id=current_user.organization_id,
                                                  user_id=current_user.id,
                                                  secret_key=request.form.get("secret_key", ""))
        except InvalidInput as invalid:
            errors = invalid.errors
        else:
            flash(f"Stripe is connected: {integration.account_name} ({integration.mode_label} mode).", "success")
            return redirect_to(url_for("integrations.show", integration_id=integration.id))
    return render("integrations/stripe_new.html", errors=errors, status=422 if errors else 200)


@bp.route("/<int:integration_id>")
@login_required
def show(integration_id):
    return _show(get_scoped_or_404(Integration, integration_id))


def _show(integration, errors=None, status=200):
    return render("integrations/show.html", integration=integration, errors=errors or {},
                  webhook_url=services.webhook_url(integration), events=services.WEBHOOK_EVENTS,
                  status=status)


@bp.route("/<int:integration_id>/key", methods=["POST"])
@owner_required
def replace_key(integration_id):
    integration = _active_or_404(integration_id)
    try:
        services.replace_stripe_key(organization_id=current_user.organization_id, integration_id=integration.id,
                                    secret_key=request.form.get("replace_secret_key", ""))
    except InvalidInput as invalid:
        return _show(integration, {("replace_" + k): v for k, v in invalid.errors.items()}, status=422)
    flash("The Stripe key was replaced.", "success")
    return redirect_to(url_for("integrations.show", integration_id=integration.id))


@bp.route("/<int:integration_id>/webhook-secret", methods=["POST"])
@owner_required
def webhook_secret(integration_id):
    integration = _active_or_404(integration_id)
    try:
        services.save_webhook_secret(organization_id=current_user.organization_id, integration_id=integration.id,
                                     signing_secret=request.form.get("signing_secret", ""))
    except InvalidInput as invalid:
        return _show(integration, invalid.errors, status=422)
    flash("The signing secret was saved: Light now accepts Stripe's events for this integration.", "success")
    return redirect_to(url_for("integrations.show", integration_id=integration.id))


@bp.route("/<int:integration_id>/remove", methods=["GET", "POST"])
@owner_required
def remove(integration_id):
    integration = _active_or_404(integration_id)
    pending = count_awaiting_stripe_payment(current_user.organization_id)
    if request.method == "POST" and request.form.get("confirm") == "remove":
        services.remove(organization_id=current_user.organization_id, integration_id=integration.id)
        flash("The Stripe integration was removed.", "success")
        return redirect_to(url_for("integrations.index"))
    # The confirm step: a POST without the confirmation shows it again, changing nothing.
    return render("integrations/remove.html", integration=integration, pending=pending,
                  status=422 if request.method == "POST" else 200)


def _active_or_404(integration_id) -> Integration:
    integration = get_scoped_or_404(Integration, integration_id)
    if not integration.is_active:
        abort(404)
    return integration
