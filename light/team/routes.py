"""Settings > Team, and the page an invitation's link opens."""
from flask import flash, request, url_for
from flask_login import current_user, login_required

from light.auth.login import continue_log_in
from light.auth.models import Invitation, User
from light.errors import InvalidInput, Refused
from light.team import bp, notify, services
from light.web import get_scoped_or_404, owner_required, redirect_to, render


@bp.route("/settings/team")
@login_required
def index():
    return _team_page()


def _team_page(form=None, errors=None, invitation=None, status=200):
    members = services.active_members(current_user.organization_id)
    return render("team/index.html", "team/_body.html", members=members,
                  invitations=services.pending_invitations(current_user.organization_id), form=form or {},
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


@bp.route("/settings/team/invitations/<int:invitation_id>/revoke", methods=["POST"])
@owner_required
def revoke_invitation(invitation_id):
    invitation = get_scoped_or_404(Invitation, invitation_id)
    email = invitation.email
    if services.revoke(invitation):
        flash(f"Invitation to {email} revoked: its link no longer works.", "success")
    else:
        flash(f"The invitation to {email} was used meanwhile: {email} is on the team now.", "warning")
    return redirect_to(url_for("team.index"))


@bp.route("/settings/team/invitations/<int:invitation_id>/resend", methods=["POST"])
@owner_required
def resend_invitation(invitation_id):
    invitation = get_scoped_or_404(Invitation, invitation_id)
    if invitation not in services.pending_invitations(current_user.organization_id):
        flash("This invitation can't be sent again: it was used or has expired. Invite the person anew.", "error")
        return redirect_to(url_for("team.index"))
    notify.send_invitation(services.renew(invitation), inviter=current_user)
    flash(f"Invitation e-mailed to {invitation.email} again; the link works for another "
          f"{services.INVITATION_DAYS} days.", "success")
    return redirect_to(url_for("team.index"))


@bp.route("/settings/team/members/<int:user_id>/role", methods=["POST"])
@owner_required
def change_role(user_id):
    member = get_scoped_or_404(User, user_id)
    try:
        services.change_role(owner=current_user, member=member, role=request.form.get("role", ""))
    except (InvalidInput, Refused) as refused:
        flash(_message(refused), "error")
    else:
        flash(f"{member.name} is now {'an owner' if member.role == 'owner' else 'a member'}.", "success")
    return redirect_to(url_for("team.index"))


@bp.route("/settings/team/members/<int:user_id>/remove", methods=["POST"])
@owner_required
def remove_member(user_id):
    member = get_scoped_or_404(User, user_id)
    leaving_myself = member.id == current_user.id
    try:
        services.remove(owner=current_user, member=member)
    except Refused as refused:
        flash(str(refused), "error")
        return redirect_to(url_for("team.index"))
    flash(f"{member.name} was removed from the team and can no longer log in.", "success")
    return redirect_to(url_for("auth.login") if leaving_myself else url_for("team.index"))


def _message(refused) -> str:
    return " ".join(refused.errors.values()) if isinstance(refused, InvalidInput) else str(refused)


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
            flash(f"Welcome to {user.organization.name}.", "success")
            return continue_log_in(user, next_url=url_for("home.index"))  # a returning person's code still counts
    return render("team/accept.html", invitation=invitation, form=form, errors=errors,
                  status=422 if errors else 200)
