from functools import wraps

from flask import abort, redirect, url_for
from flask_login import current_user, login_required

from light.plumbing.mail.models import OutboxMessage
from light.settings import bp
from light.web import get_scoped_or_404, render, scoped


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
