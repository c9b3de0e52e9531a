from flask import redirect, url_for
from flask_login import login_required

from light.plumbing.mail.models import OutboxMessage
from light.settings import bp
from light.web import get_scoped_or_404, owner_required, render, scoped


@bp.route("/")
@login_required
def index():
    return redirect(url_for("integrations.index"))


# Owners only: mail bodies carry links that act on their own (an invitation to join as an owner,
# a customer's pay link), and a member who could read them could use them.
@bp.route("/outbox")
@owner_required
def outbox():
    messages = scoped(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(200).all()
    return render("settings/outbox.html", messages=messages)


@bp.route("/outbox/<int:message_id>")
@owner_required
def outbox_message(message_id):
    message = get_scoped_or_404(OutboxMessage, message_id)
    return render("settings/outbox_message.html", message=message)
