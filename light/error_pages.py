"""Friendly error pages; a targeted htmx request gets a small fragment it can swap in."""
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from light.web import render

MESSAGES = {
    400: ("Bad request", "Light couldn't read that request."),
    403: ("Not allowed", "Only an owner of this organization can change this."),
    404: ("Not found", "There is nothing here. It may have been removed, or belong to another organization."),
    405: ("Not allowed", "That action isn't available here."),
    413: ("Too large", "That upload is too large."),
    429: ("Slow down", "Too many requests. Wait a moment and try again."),
    500: ("Something went wrong", "Light hit an unexpected error. It has been logged; try again in a moment."),
}


def _page(status: int, detail: str | None = None):
    title, message = MESSAGES.get(status, MESSAGES[500])
    # A boosted link to a missing page replaces the whole body, so it needs the whole page.
    return render("errors/error.html", "errors/_error.html", status=status, title=title, message=detail or message)


def _own_description(error) -> str | None:
    """The message a view gave `abort(status, "…")`, if any (werkzeug's generic text is not for people)."""
    description = getattr(error, "description", None)
    return description if isinstance(error, HTTPException) and description != type(error).description else None


def register(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _page(400, "This form has expired or was not sent by Light. Reload the page and try again.")

    for status in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(status, lambda error, status=status: _page(status, _own_description(error)))

    @app.errorhandler(500)
    def server_error(error):
        return _page(500)
