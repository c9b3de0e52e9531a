"""The customer's pay page. No login: the unguessable token in the URL is the only key, so an
unknown token is a plain 404 and nothing else of the organization is reachable from here."""
from flask import Response, abort, redirect, request

from light.auth.models import Organization
from light.extensions import db
from light.invoices import checkout as stripe_checkout
from light.invoices import services
from light.invoices.collection import PAYABLE, CannotCollect
from light.invoices.models import Invoice
from light.invoices.notify import pdf_response
from light.pay import bp
from light.templating import show_as
from light.utc import utcnow
from light.web import render


def _invoice(token: str) -> Invoice:
    invoice = Invoice.query.filter_by(pay_token=token).one_or_none() if 20 <= len(token) <= 64 else None
    if invoice is None or invoice.status == "draft":
        abort(404)
    return invoice


@bp.route("/<token>")
def show(token):
    invoice = _invoice(token)
    session_id = request.args.get("session_id", "")
    if session_id.startswith("cs_") and not invoice.is_settled:
        stripe_checkout.confirm_return(invoice, session_id)
        db.session.refresh(invoice)
    elif not session_id:
        # Once a day is enough to tell the story (and reloads don't flood the timeline).
        services.add_event(invoice, "link_opened", "The customer opened the pay link.",
                           ref=f"opened-{utcnow().date().isoformat()}")
        db.session.commit()
    payable = invoice.payment_method == "stripe" and invoice.status in PAYABLE and invoice.amount_due > 0
    return _page(invoice, payable=payable, returned=bool(session_id))


def _page(invoice, *, payable, returned=False, error=None, status=200):
    organization = db.session.get(Organization, invoice.organization_id)
    show_as(organization)
    response = render("pay/show.html", invoice=invoice, organization=organization, payable=payable,
                      returned=returned, error=error, status=status)
    # The token is the key: keep it out of caches and out of Referer headers to other sites.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/<token>/checkout", methods=["POST"])
def checkout(token):
    """Pay with Stripe: a fresh Checkout Session every time (sessions expire; this link doesn't)."""
    invoice = _invoice(token)
    if invoice.is_settled:
        return redirect(f"/pay/{token}", code=303)
    try:
        url = stripe_checkout.start_checkout(invoice)
    except CannotCollect as refused:
        return _page(invoice, payable=False, error=f"Online payment isn't available right now: {refused.message}",
                     status=409)
    return redirect(url, code=303)


@bp.route("/<token>/pdf")
def pdf(token):
    """The invoice as a PDF for the customer, by the same key as the page."""
    response = pdf_response(_invoice(token))
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/<token>/logo")
def logo(token):
    """Who is billing, on the customer's pay page: the organization's logo, by the same key."""
    invoice = _invoice(token)
    organization = db.session.get(Organization, invoice.organization_id)
    if not organization.logo_type:
        abort(404)
    return Response(organization.logo, mimetype=organization.logo_type,
                    headers={"Cache-Control": "private, max-age=3600", "Referrer-Policy": "no-referrer"})
