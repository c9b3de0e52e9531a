from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required, logout_user

from light.auth import bp, reset, services, two_factor
from light.auth.login import clear_session, continue_log_in, pending_log_in, start_session
from light.errors import InvalidInput, Refused
from light.web import redirect_to, render, safe_next


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
            start_session(user)
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
                return continue_log_in(user, remember=bool(form.get("remember")),
                                              next_url=safe_next(request.args.get("next"), url_for("home.index")))
            error, status = "That e-mail and password don't match an account.", 422
    return render("auth/login.html", form=form, error=error, status=status)


@bp.route("/logout", methods=["POST"])
def logout():
    clear_session()  # before logout_user, which leaves a note to forget the remember-me cookie
    logout_user()
    flash("You have logged out.", "info")
    return redirect_to(url_for("auth.login"))


@bp.route("/login/forgot", methods=["GET", "POST"])
def forgot_password():
    form, errors, sent = request.form, {}, False
    if request.method == "POST":
        try:
            reset.request_link(form.get("email", ""), client=request.remote_addr)
        except InvalidInput as failed:
            errors = failed.errors
        else:
            sent = True
    return render("auth/forgot.html", form=form, errors=errors, sent=sent, status=422 if errors else 200)


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = reset.user_for(token)
    if user is None:
        return render("auth/reset_invalid.html", status=404)
    errors = {}
    if request.method == "POST":
        try:
            reset.reset_password(user, request.form.get("password", ""))
        except InvalidInput as failed:
            errors = failed.errors
        else:
            if user.has_two_factor:  # the link proves the inbox, not the phone: the code is still asked
                flash("Your password is changed. Enter the code from your authenticator app to log in.", "success")
                return continue_log_in(user, remember=False, next_url=url_for("home.index"))
            start_session(user)
            flash("Your password is changed, and you are logged in.", "success")
            return redirect_to(url_for("home.index"))
    return render("auth/reset.html", user=user, errors=errors, status=422 if errors else 200)


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step for a user with two-factor log-in: not logged in until the code is right."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    pending = pending_log_in()
    if pending is None:
        flash("Log in again: the time to enter your code ran out.", "info")
        return redirect_to(url_for("auth.login"))
    user, asked = pending
    error, status = None, 200
    if request.method == "POST":
        try:
            used = two_factor.log_in(user, request.form.get("code", ""), client=request.remote_addr)
        except services.TooManyAttempts as wait:
            error, status = f"Too many attempts. Try again in {wait.retry_after} seconds.", 429
        else:
            if used:
                start_session(user, remember=bool(asked.get("remember")))
                if used == "recovery":
                    left = two_factor.recovery_codes_left(user)
                    flash(f"You used a recovery code; {left} left. Set up two-factor log-in again on a "
                          "new phone in Settings.", "info")
                return redirect_to(safe_next(asked.get("next"), url_for("home.index")))
            error, status = two_factor.WRONG_CODE, 422
    return render("auth/login_code.html", error=error, status=status)


# -- Settings > Two-factor log-in: each person's own -------------------------------------------
@bp.route("/settings/two-factor")
@login_required
def two_factor_page():
    return _two_factor_page()


def _two_factor_page(errors=None, status=200):
    user, setup = current_user, None
    if user.totp_secret and not user.has_two_factor:  # set up but not confirmed: shown until it is
        uri = two_factor.setup_uri(user)
        setup = {"secret": user.totp_secret, "uri": uri, "qr": two_factor.qr_code(uri)}
    response = render("auth/two_factor.html", setup=setup, errors=errors or {}, status=status,
                      codes_left=two_factor.recovery_codes_left(user) if user.has_two_factor else 0)
    response.headers["Cache-Control"] = "no-store"  # the secret, while set-up lasts
    return response


@bp.route("/settings/two-factor/setup", methods=["POST"])
@login_required
def two_factor_setup():
    try:
        two_factor.begin_setup(current_user)
    except Refused as refused:
        flash(refused.message, "error")
    return redirect_to(url_for("auth.two_factor_page"))


@bp.route("/settings/two-factor/confirm", methods=["POST"])
@login_required
def two_factor_confirm():
    try:
        codes = two_factor.confirm_setup(current_user, request.form.get("code", ""))
    except InvalidInput as failed:
        return _two_factor_page(failed.errors, 422)
    except Refused as refused:
        flash(refused.message, "error")
        return redirect_to(url_for("auth.two_factor_page"))
    return _recovery_codes(codes, "Two-factor log-in is on.")


@bp.route("/settings/two-factor/recovery-codes", methods=["POST"])
@login_required
def two_factor_recovery_codes():
    try:
        codes = two_factor.renew_recovery_codes(current_user, request.form.get("renew_password", ""))
    except InvalidInput as failed:
        return _two_factor_page({"renew_password": failed.errors["password"]}, 422)
    except Refused as refused:
        flash(refused.message, "error")
        return redirect_to(url_for("auth.two_factor_page"))
    return _recovery_codes(codes, "New recovery codes: the old ones no longer work.")


@bp.route("/settings/two-factor/disable", methods=["POST"])
@login_required
def two_factor_disable():
    try:
        two_factor.disable(current_user, request.form.get("password", ""))
    except InvalidInput as failed:
        return _two_factor_page(failed.errors, 422)
    flash("Two-factor log-in is off: your password alone logs you in.", "success")
    return redirect_to(url_for("auth.two_factor_page"))


def _recovery_codes(codes: list[str], headline: str):
    # Shown once, from this response: never stored in plain, never in a redirect's flash.
    response = render("auth/recovery_codes.html", codes=codes, headline=headline)
    response.headers["Cache-Control"] = "no-store"
    return response
