"""Helpers every blueprint's routes share: page-or-fragment rendering, redirects, roles, tenancy."""
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from light import csv_export
from light.extensions import db
from light.ids import is_id


def refuse_nul_bytes():
    """Runs before every request. No form, URL or query string of Light's carries a NUL byte, and
    PostgreSQL refuses one in any query: answer 400 here rather than 500 wherever it reaches a query."""
    values = [request.path, *(v for _, v in request.args.items(multi=True))]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += (v for _, v in request.form.items(multi=True))
    if any("\x00" in value for value in values):
        abort(400)


def wants_fragment() -> bool:
    """A targeted htmx request gets only the fragment. Boosted navigation and history restores
    replace the whole body, so they get the full page, as does any normal request."""
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return not (htmx.boosted or htmx.history_restore_request)


def render(page: str, fragment: str | None = None, *, status: int = 200, page_only=None, **context):
    """The ONE place that decides full page vs fragment. `page_only`, a function returning more
    context, is called only for the full page: what only the page shows costs a fragment nothing."""
    template = fragment if fragment and wants_fragment() else page
    if page_only is not None and template == page:
        context.update(page_only())
    response = make_response(render_template(template, **context), status)
    response.headers.add("Vary", "HX-Request")
    return response


def list_page(page: str, fragment: str, endpoint: str, criteria, **context):
    """A searchable list (light/listing.py): 400 when a filter couldn't be read (its message sits
    beside the field), and for htmx the list alone plus the clean URL for the address bar, so a
    search can be bookmarked and Back restores it."""
    response = render(page, fragment, status=400 if criteria.errors else 200, criteria=criteria,
                      list_endpoint=endpoint, **context)
    if wants_fragment():
        response.headers["HX-Push-Url"] = url_for(endpoint, **criteria.params())
    return response


def csv_download(filename: str, header: list[str], rows):
    """A CSV file streamed as it is written (light/csv_export.py), never held whole in memory;
    the request's context (and its database session) lives until the last row is sent."""
    response = Response(stream_with_context(csv_export.lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect_to(url: str):
    """After a successful write: 303 for a normal post, HX-Redirect for htmx."""
    if getattr(request, "htmx", None) and not request.htmx.boosted:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


def safe_next(target: str | None, default: str, *, within: str = "/") -> str:
    """A `next` URL to follow after an action: a path of this Light under `within`, else `default`.
    An open redirect would make a phishing link look like Light; browsers read "/\\evil.example"
    (and "/<tab>/evil.example") as "//evil.example", and a line break would split the header."""
    if (target and target.startswith(within) and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and target.isprintable()
            and not urlsplit(target).netloc):
        return target
    return default


def owner_required(view):
    """Only owners change Settings; members may look."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_owner:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def scoped(model):
    """Every organization-owned query starts here, so nothing leaks across organizations."""
    return db.session.query(model).filter(model.organization_id == current_user.organization_id)


def get_scoped_or_404(model, ident):
    # An integer id beyond the column's range can't name a record; PostgreSQL would refuse the query.
    if isinstance(ident, int) and not is_id(ident):
        abort(404)
    obj = scoped(model).filter(model.id == ident).one_or_none()
    if obj is None:
        abort(404)
    return obj


def security_headers(response):
    """Runs after every request. Light's pages are never framed (owner actions can't be
    clickjacked), nothing is sniffed into another type, and production insists on HTTPS."""
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("LIGHT_ENV") == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
