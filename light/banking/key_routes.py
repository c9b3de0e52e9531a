"""Connect Bank > Stripe Account > "Use a restricted key": for a self-hoster without a Stripe App."""
from flask import flash, request, url_for
from flask_login import current_user

from light.banking import bp, restricted_key, services
from light.errors import InvalidInput
from light.web import owner_required, redirect_to, render


@bp.route("/connect/stripe/key", methods=["GET", "POST"])
@owner_required
def connect_with_key():
    if request.method == "GET":
        return render("banking/connect_key.html", errors={})
    try:
        connection = restricted_key.connect_with_key(current_user.organization_id, request.form.get("secret_key", ""))
    except InvalidInput as invalid:
        return render("banking/connect_key.html", errors=invalid.errors, status=422)
    services.start_sync(connection, "connect")
    flash(f"Connected {connection.name}. Light is importing its history; you can leave this page.", "success")
    return redirect_to(url_for("banking.index"))
