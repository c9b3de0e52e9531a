from functools import wraps

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from light.errors import InvalidInput
from light.notifications import KINDS
from light.notifications import preferences as notification_preferences
from light.plumbing.mail.models import OutboxMessage
from light.settings import bp, organization
from light.web import get_scoped_or_404, redirect_to, render, scoped


@bp.route("/")
@login_required
def index():
    return redirect(url_for("integrations.index"))


OUTBOX_OWNERS_ONLY = ("Only owners can see the Outbox: its e-mails carry links that act on their own "
                      "(invitations, customers' pay links). Ask an owner of your organization.")


def owners_see_outbox(view):
    """Owners only: mail bodies carry links that act on their own (an invitation to join as an
    owner, a customer's pay link), and a member who could read them could use them."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_owner:
            abort(403, OUTBOX_OWNERS_ONLY)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/outbox")
@owners_see_outbox
def outbox():
    messages = scoped(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(200).all()
    return render("settings/outbox.html", messages=messages)


@bp.route("/outbox/<int:message_id>")
@owners_see_outbox
def outbox_message(message_id):
    message = get_scoped_or_404(OutboxMessage, message_id)
    return render("settings/outbox_message.html", message=message)


@bp.route("/organization", methods=["GET", "POST"])
@login_required
def organization_page():
    org, errors, form = current_user.organization, {}, request.form
    if request.method == "POST":
        if not current_user.is_owner:
            abort(403, "Only owners can change the organization's details.")
        upload = request.files.get("logo")
        try:
            organization.update(org, form, upload.read() if upload and upload.filename else None,
                                remove_logo=bool(form.get("remove_logo")))
        except InvalidInput as failed:
            errors = failed.errors
        else:
            flash("Organization details saved: new invoices, pay pages and e-mails use them.", "success")
            return redirect_to(url_for("settings.organization_page"))
    return render("settings/organization.html", org=org, form=form if errors else _values(org), errors=errors,
                  date_formats=organization.date_format_choices(), time_zones=organization.time_zones(),
                  status=422 if errors else 200)


def _values(org) -> dict:
    fields = ("name", "legal_name", "address", "tax_id", "bank_details", "invoice_prefix", "credit_note_prefix",
              "time_zone", "date_format")
    return {field: getattr(org, field) or "" for field in fields}


@bp.route("/organization/logo")
@login_required
def organization_logo():
    org = current_user.organization
    if not org.logo_type:
        abort(404)
    return Response(org.logo, mimetype=org.logo_type, headers={"Cache-Control": "private, max-age=60"})


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications_page():
    """Each owner chooses what they are e-mailed about; members are not e-mailed."""
    if request.method == "POST":
        if not current_user.is_owner:
            abort(403, "Notifications go to owners only.")
        notification_preferences.save(current_user, request.form.getlist("kind"))
        flash("Notification settings saved.", "success")
        return redirect_to(url_for("settings.notifications_page"))
    on = notification_preferences.switched_on(current_user) if current_user.is_owner else {}
    return render("settings/notifications.html", kinds=KINDS, on=on)
