from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from light.auth import bp, notify, services
from light.auth.models import Invitation, User
from light.errors import InvalidInput
from light.web import owner_required, redirect_to, render, safe_next, scoped


def _clear_session() -> None:
    session.clear()
    # Flask-WTF keeps this request's CSRF token in g; it was derived from the session just cleared.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def _start_session(user, remember: bool = False) -> None:
    # A fresh session at every log-in: nothing planted before it (a CSRF token, say) carries over.
    _clear_session()
    login_user(user, remember=remember)


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form, errors = request.form, {}
    if request.method == "POST":
        try:
            user = services.sign_up(
                organization_name=form.get("organization", ""), name=form.get("name", ""),
                email=form.get("email", ""), password=form.get("password", ""),
            )
        except InvalidInput as failed:
            errors = failed.errors
        else:
            _start_session(user)
            flash(f"Welcome to Light, {user.name}. Start by connecting a bank or adding Stripe.", "success")
            return redirect_to(url_for("home.index"))
    return render("auth/signup.html", form=form, errors=errors, status=422 if errors else 200)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form, error, status = request.form, None, 200
    if request.method == "POST":
        try:
            user = services.log_in(email=form.get("email", ""), password=form.get("password", ""),
                                   client=request.remote_addr)
        except services.TooManyAttempts as wait:
            error, status = f"Too many attempts. Try again in {wait.retry_after} seconds.", 429
        else:
            if user:
                _start_session(user, remember=bool(form.get("remember")))
                return redirect_to(safe_next(request.args.get("next"), url_for("home.index")))
            error, status = "That e-mail and password don't match an account.", 422
    return render("auth/login.html", form=form, error=error, status=status)


@bp.route("/logout", methods=["POST"])
def logout():
    _clear_session()  # before logout_user, which leaves a note to forget the remember-me cookie
    logout_user()
    flash("You have logged out.", "info")
    return redirect_to(url_for("auth.login"))


@bp.route("/settings/team")
@login_required
def team():
    return _team_page()


def _team_page(form=None, errors=None, invitation=None, status=200):
    members = scoped(User).order_by(User.created_at).all()
    pending = scoped(Invitation).filter(Invitation.accepted_at.is_(None)).order_by(Invitation.created_at.desc()).all()
    return render("auth/team.html", "auth/_team_body.html", members=members,
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
        return render("auth/invite_invalid.html", status=404)
    form, errors = request.form, {}
    if request.method == "POST":
        try:
            user = services.accept_invitation(invitation, name=form.get("name", ""),
                                              password=form.get("password", ""))
        except InvalidInput as failed:
            errors = failed.errors
        else:
            _start_session(user)
            flash(f"Welcome to {user.organization.name}.", "success")
            return redirect_to(url_for("home.index"))
    return render("auth/accept.html", invitation=invitation, form=form, errors=errors,
                  status=422 if errors else 200)
