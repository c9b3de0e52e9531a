"""Settings > Workflows. Everyone may look; only owners save drafts and Publish."""
from flask import abort, flash, request, url_for
from flask_login import current_user, login_required

from light.errors import InvalidInput, Refused
from light.web import owner_required, redirect_to, render
from light.workflows import bp, services
from light.workflows.steps import DEFINITIONS, Problem, Step, default_steps, differences


@bp.route("/")
@login_required
def index():
    organization_id = current_user.organization_id
    return render("workflows/index.html", latest=services.latest_published(organization_id),
                  has_draft=services.has_unpublished_changes(organization_id))


@bp.route("/invoice-to-cash")
@login_required
def invoice_to_cash():
    return _editor()


def _editor(*, steps=None, errors=None, problems=None, status=200):
    organization_id = current_user.organization_id
    return render("workflows/invoice_to_cash.html", "workflows/_editor.html",
                  definitions=DEFINITIONS, steps=steps or services.editing_steps(organization_id),
                  errors=errors or {}, problems=[(p, *services.problem_link(p)) for p in problems or ()],
                  latest=services.latest_published(organization_id),
                  has_draft=services.has_unpublished_changes(organization_id), status=status)


@bp.route("/invoice-to-cash/draft", methods=["POST"])
@owner_required
def save_draft():
    try:
        services.save_draft(organization_id=current_user.organization_id, user_id=current_user.id,
                            form=request.form)
    except InvalidInput as invalid:
        return _editor(steps=_posted_steps(), errors=invalid.errors, status=422)
    except Refused as refused:
        return _editor(problems=[Problem(refused.message, "editor")], status=409)
    flash("Draft saved. Publish it to make it run.", "success")
    return redirect_to(url_for("workflows.invoice_to_cash"))


@bp.route("/invoice-to-cash/draft/discard", methods=["POST"])
@owner_required
def discard_draft():
    services.discard_draft(organization_id=current_user.organization_id)
    flash("Draft discarded.", "info")
    return redirect_to(url_for("workflows.invoice_to_cash"))


@bp.route("/invoice-to-cash/publish", methods=["POST"])
@owner_required
def publish():
    """Publish takes the editor's fields along (hx-include), so what is on screen is what gets
    published: they are saved as the draft first."""
    organization_id = current_user.organization_id
    if "steps_submitted" in request.form:
        try:
            services.save_draft(organization_id=organization_id, user_id=current_user.id, form=request.form)
        except InvalidInput as invalid:
            return _editor(steps=_posted_steps(), errors=invalid.errors, status=422)
        except Refused as refused:
            return _editor(problems=[Problem(refused.message, "editor")], status=409)
    try:
        published = services.publish(organization_id=organization_id, user_id=current_user.id)
    except services.PublishBlocked as blocked:
        return _editor(problems=blocked.problems, status=422)
    flash(f"Invoice-to-Cash version {published.version} is published. It runs for invoices from now on.", "success")
    return redirect_to(url_for("workflows.invoice_to_cash"))


@bp.route("/invoice-to-cash/versions")
@login_required
def versions():
    organization_id = current_user.organization_id
    published = services.versions(organization_id)  # newest first
    changes = {record.id: differences(services.steps_of(earlier) if earlier else None, services.steps_of(record))
               for record, earlier in zip(published, [*published[1:], None], strict=True)}
    return render("workflows/versions.html", versions=published, changes=changes,
                  has_draft=services.has_unpublished_changes(organization_id))


@bp.route("/invoice-to-cash/versions/<int:number>")
@login_required
def version(number):
    record = services.version(current_user.organization_id, number)
    if record is None:
        abort(404)
    latest = services.latest_published(current_user.organization_id)
    return render("workflows/version.html", record=record, steps=services.steps_of(record),
                  definitions=DEFINITIONS, is_current=latest is not None and latest.id == record.id,
                  changes=services.changes_in(current_user.organization_id, record))


@bp.route("/invoice-to-cash/versions/<int:number>/restore", methods=["POST"])
@owner_required
def restore(number):
    if services.version(current_user.organization_id, number) is None:
        abort(404)
    try:
        services.restore(organization_id=current_user.organization_id, user_id=current_user.id, number=number)
    except (Refused, InvalidInput) as refused:
        flash(getattr(refused, "message", None) or "That version can't be restored as it is.", "error")
        return redirect_to(url_for("workflows.version", number=number))
    flash(f"Version {number} is now the draft. Publish it to make it run again.", "success")
    return redirect_to(url_for("workflows.invoice_to_cash"))


def _posted_steps():
    """Re-show what was typed, even the invalid parts, beside the messages."""
    steps = {}
    for key, step in default_steps().items():
        settings = {name: request.form.get(f"{key}-{name}", value) for name, value in step.settings.items()}
        steps[key] = Step(key, request.form.get(f"{key}-enabled") == "on", settings)
    return steps
