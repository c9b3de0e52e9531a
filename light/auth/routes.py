from flask import flash, redirect, request, url_for
from flask_login import current_user, logout_user

from light.auth import bp, reset, services
from light.auth.login import clear_session, start_session
from light.errors import InvalidInput
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
                start_session(user, remember=bool(form.get("remember")))
                return redirect_to(safe_next(request.args.get("next"), url_for("home.index")))
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
            start_session(user)
            flash("Your password is changed, and you are logged in.", "success")
            return redirect_to(url_for("home.index"))
    return render("auth/reset.html", user=user, errors=errors, status=422 if errors else 200)
