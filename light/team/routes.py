"""Settings > Team, and the page an invitation's link opens."""
from flask import flash, request, url_for
from flask_login import current_user, login_required

from light.auth.login import start_session
from light.auth.models import Invitation, User
from light.errors import InvalidInput
from light.team import bp, notify, services
from light.web import owner_required, redirect_to, render, scoped


@bp.route("/settings/team")
@login_required
def index():
    return _team_page()


def _team_page(form=None, errors=None, invitation=None, status=200):
    members = scoped(User).order_by(User.created_at).all()
    pending = scoped(Invitation).filter(Invitation.accepted_at.is_(None)).order_by(Invitation.created_at.desc()).all()
    return render("team/index.html", "team/_body.html", members=members,
                  invitations=[i for i in pending if i.is_usable], form=form or {},
                  errors=errors or {}, new_invitation=invitation, status=status)


@bp.route("/settings/team/invitations", methods=["POST"])
@owner_required
def create_invitation():
    try:
        invitation = services.invite(owner=current_user, email=request.form.get("email", ""),
                                     role=request.form.get("role", "member"))
    except InvalidInput as failed:
        return _team_page(form=request.form, errors=failed.errors, status=422)
    notify.send_invitation(invitation, inviter=current_user)
    return _team_page(invitation=invitation)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token):
    invitation = services.find_invitation(token)
    if invitation is None:
        return render("team/invite_invalid.html", status=404)
    form, errors = request.form, {}
    if request.method == "POST":
        try:
            user = services.accept_invitation(invitation, name=form.get("name", ""),
                                              password=form.get("password", ""))
        except InvalidInput as failed:
            errors = failed.errors
        else:
            start_session(user)
            flash(f"Welcome to {user.organization.name}.", "success")
            return redirect_to(url_for("home.index"))
    return render("team/accept.html", invitation=invitation, form=form, errors=errors,
                  status=422 if errors else 200)
