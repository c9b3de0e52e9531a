"""Stripe's webhook endpoints. Public (Stripe signs, not the user), so CSRF-exempt; every body
is verified before anything is written."""
from flask import current_app, request

from light.extensions import csrf
from light.plumbing.webhooks import bp, services
from light.plumbing.webhooks.dispatch import signing_secrets


def _answer(status: int, message: str):
    return {"received": status == 200, "message": message}, status


@bp.route("/stripe/connect", methods=["POST"])
@csrf.exempt
def stripe_connect():
    """Events of connected Stripe Accounts (the bank feed), signed with the platform's secret."""
    secrets = [s for s in (current_app.config.get("STRIPE_CONNECT_WEBHOOK_SECRET"),) if s]
    secrets += signing_secrets().connect()
    return _receive(secrets, endpoint="connect", organization_id=None)


def _receive(secrets, *, endpoint, organization_id):
    if not secrets:
        return _answer(400, "No signing secret is configured for this endpoint.")
    try:
        _, is_new = services.receive(payload=request.get_data(), signature=request.headers.get("Stripe-Signature", ""),
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
