"""Stripe's webhook endpoints. Public (Stripe signs, not the user), so CSRF-exempt; every body
is verified before anything is written."""
from flask import current_app, request

from light.extensions import csrf
from light.plumbing.webhooks import bp, services
from light.plumbing.webhooks.dispatch import signing_secrets

# Stripe's events are a few kilobytes; the largest objects (a charge with expanded lines) stay well
# under this, and a forged 50 MB body must cost nothing to refuse.
MAX_WEBHOOK_BYTES = 256 * 1024


def _answer(status: int, message: str):
    return {"received": status == 200, "message": message}, status


@bp.route("/stripe/connect", methods=["POST"])
@csrf.exempt
def stripe_connect():
    """Events of connected Stripe Accounts (the bank feed), signed with the platform's secret."""
    secrets = [s for s in (current_app.config.get("STRIPE_CONNECT_WEBHOOK_SECRET"),) if s]
    secrets += signing_secrets().connect()
    return _receive(secrets, endpoint="connect", organization_id=None)


def _body() -> bytes | None:
    """The body, read within MAX_WEBHOOK_BYTES whether or not a length was sent; None if larger."""
    if request.content_length is not None and request.content_length > MAX_WEBHOOK_BYTES:
        return None
    body = request.stream.read(MAX_WEBHOOK_BYTES + 1)
    return None if len(body) > MAX_WEBHOOK_BYTES else body


def _receive(secrets, *, endpoint, organization_id):
    if not secrets:
        return _answer(400, "No signing secret is configured for this endpoint.")
    payload = _body()
    if payload is None:
        return _answer(413, "That is larger than any Stripe event.")
    try:
        _, is_new = services.receive(payload=payload, signature=request.headers.get("Stripe-Signature", ""),
                                     secrets=secrets, endpoint=endpoint, organization_id=organization_id)
    except services.BadSignature:
        return _answer(400, "Invalid signature.")
    return _answer(200, "recorded" if is_new else "duplicate")


@bp.route("/stripe/integrations/<int:integration_id>", methods=["POST"])
@csrf.exempt
def stripe_integration(integration_id):
    """Payment events of one organization's Stripe integration, signed with that endpoint's secret."""
    found = signing_secrets().integration(integration_id)  # (organization_id, [secrets]) or None
    if found is None:
        return _answer(404, "No such integration.")
    organization_id, secrets = found
    return _receive(secrets, endpoint=f"integration:{integration_id}", organization_id=organization_id)
