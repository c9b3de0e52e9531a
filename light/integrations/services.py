"""Use cases for Settings > Integrations: plain values in, commit, domain errors out.

Stripe is reached only through light.plumbing.stripe_gateway. A key is checked against Stripe before it is
saved; the webhook endpoint is registered in the same step, so a saved integration always works."""
import logging

from flask import current_app

from light.ids import is_id
from light.errors import InvalidInput
from light.extensions import db
from light.integrations.forms import clean_secret_key, clean_signing_secret, is_live, is_restricted
from light.integrations.models import Integration
from light.urls import external_url
from light.plumbing.stripe_gateway import (AuthenticationFailed, GatewayError, InvalidRequest, PermissionDenied,
                                  RateLimited, StripeGateway, Unreachable)

log = logging.getLogger(__name__)

WEBHOOK_EVENTS = ("checkout.session.completed", "checkout.session.expired", "payment_intent.succeeded",
                  "payment_intent.payment_failed", "charge.refunded", "charge.dispute.created")

# What a restricted key must allow, as Stripe's key editor names it, and a harmless read that
# proves it: reading an object that does not exist answers 404 when allowed, 403 when not.
# (Customers (Write) is needed too; the gateway has no harmless customer read to probe it with yet.)
PROBES = (
    ("Customers (Write)", lambda g: g.customer("cus_light_permission_check")),
    ("PaymentMethods (Read)", lambda g: g.payment_methods("cus_light_permission_check")),
    ("Checkout Sessions (Write)", lambda g: g.checkout_session("cs_light_permission_check")),
    ("PaymentIntents (Write)", lambda g: g.payment_intent("pi_light_permission_check")),
)


class IntegrationMissing(GatewayError):
    """No active Stripe integration: Stripe can't be used to collect for this organization."""


class IntegrationNotFound(Exception):
    pass


# -- what other areas ask ------------------------------------------------------------------------
def active_stripe_integration(organization_id: int) -> Integration | None:
    return (db.session.query(Integration)
            .filter_by(organization_id=organization_id, kind="stripe", status="active")
            .order_by(Integration.id.desc()).first())


def stripe_gateway_for(organization_id: int) -> StripeGateway:
    integration = active_stripe_integration(organization_id)
    if integration is None:
        raise IntegrationMissing("Stripe isn't connected: add it in Settings > Integrations.")
    return gateway_for(integration)


def gateway_for(integration: Integration) -> StripeGateway:
    return StripeGateway.from_config(current_app.config, api_key=integration.secret_key)


def webhook_secrets_for(integration_id: int) -> tuple[int, list[str]] | None:
    """For the webhook endpoint: (organization id, signing secrets), or None for an unknown or
    removed integration."""
    if not is_id(integration_id):
        return None
    integration = db.session.get(Integration, integration_id)
    if integration is None or not integration.is_active:
        return None
    return integration.organization_id, [integration.webhook_secret] if integration.webhook_secret else []


def integrations_of(organization_id: int) -> list[Integration]:
    return (db.session.query(Integration).filter_by(organization_id=organization_id, status="active")
            .order_by(Integration.created_at).all())


def webhook_url(integration: Integration) -> str:
    """Where Stripe must send this integration's events."""
    return external_url("webhooks.stripe_integration", integration_id=integration.id)


# -- adding, replacing, removing -----------------------------------------------------------------
def connect_stripe(*, organization_id: int, user_id: int | None, secret_key: str) -> Integration:
    """Check the key against Stripe, register Light's webhook endpoint when Light has a public
    URL, and save. Raises InvalidInput (nothing saved) with a message for the key field."""
    key, problem = clean_secret_key(secret_key)
    if problem:
        raise InvalidInput({"secret_key": problem})
    if active_stripe_integration(organization_id):
        raise InvalidInput({"secret_key": "Stripe is already connected. Replace its key on its page instead."})
    gateway, account = _check_key(key)
    integration = Integration(organization_id=organization_id, kind="stripe", status="active",
                              secret_key=key, account_id=account.id, account_name=account.name or account.id,
                              livemode=is_live(key), created_by_id=user_id, webhook_mode="manual")
    db.session.add(integration)
    db.session.flush()  # the endpoint's URL and idempotency key need the id
    try:
        _register_webhook(gateway, integration)
    except GatewayError as exc:
        db.session.rollback()
        raise InvalidInput({"secret_key": _webhook_problem(exc)}) from exc
    db.session.commit()
    log.info("organization %s connected Stripe account %s", organization_id, account.id)
    return integration


def replace_stripe_key(*, organization_id: int, integration_id: int, secret_key: str) -> Integration:
    integration = _active(organization_id, integration_id)
    key, problem = clean_secret_key(secret_key)
    if problem:
        raise InvalidInput({"secret_key": problem})
    gateway, account = _check_key(key)
    moved = account.id != integration.account_id or is_live(key) != integration.livemode
    old_key, old_endpoint = integration.secret_key, integration.webhook_endpoint_id
    integration.secret_key = key
    integration.account_name = account.name or account.id
    if moved:
        # The old endpoint and its secret belong to the other account or mode.
        integration.account_id, integration.livemode = account.id, is_live(key)
        integration.webhook_endpoint_id = integration.webhook_secret = None
        integration.webhook_mode = "manual"
    try:
        if moved or (integration.webhook_mode == "manual" and not integration.webhook_secret):
            _register_webhook(gateway, integration)
    except GatewayError as exc:
        db.session.rollback()
        raise InvalidInput({"secret_key": _webhook_problem(exc)}) from exc
    db.session.commit()
    if moved and old_endpoint:
        _delete_endpoint(old_key, old_endpoint)
    return integration


def save_webhook_secret(*, organization_id: int, integration_id: int, signing_secret: str) -> Integration:
    integration = _active(organization_id, integration_id)
    secret, problem = clean_signing_secret(signing_secret)
    if problem:
        raise InvalidInput({"signing_secret": problem})
    integration.webhook_secret = secret
    integration.webhook_mode = "manual"
    integration.webhook_endpoint_id = None
    db.session.commit()
    return integration


def remove(*, organization_id: int, integration_id: int) -> Integration:
    """Stop using the integration and forget its secrets; Light's endpoint at Stripe is deleted
    when Light registered it (best effort: the removal stands even if Stripe can't be reached)."""
    integration = _active(organization_id, integration_id)
    key, endpoint = integration.secret_key, integration.webhook_endpoint_id
    registered = integration.webhook_mode == "registered"
    integration.status = "removed"
    integration.secret_key = integration.webhook_secret = None
    db.session.commit()
    if registered and endpoint:
        _delete_endpoint(key, endpoint)
    return integration


# -- helpers -------------------------------------------------------------------------------------
def _active(organization_id, integration_id) -> Integration:
    integration = (db.session.query(Integration)
                   .filter_by(organization_id=organization_id, id=integration_id, status="active").one_or_none())
    if integration is None:
        raise IntegrationNotFound(integration_id)
    return integration


def _check_key(key: str):
    gateway = StripeGateway.from_config(current_app.config, api_key=key)
    try:
        account = _require("Account (Read)", gateway.account)
        _require("Balance (Read)", gateway.balance)
        if is_restricted(key):
            for label, probe in PROBES:
                _require(label, lambda: probe(gateway), missing_is_fine=True)
    except AuthenticationFailed as exc:
        raise InvalidInput({"secret_key": "Stripe rejected this key: it is wrong or has been revoked. "
                                          "Copy it again from Stripe's Developers > API keys."}) from exc
    except (Unreachable, RateLimited) as exc:
        raise InvalidInput({"secret_key": "Light couldn't reach Stripe to check this key, so nothing was "
                                          "saved. Try again in a minute."}) from exc
    except GatewayError as exc:
        raise InvalidInput({"secret_key": exc.message}) from exc
    return gateway, account


class _MissingPermission(GatewayError):
    pass


def _require(label, call, missing_is_fine=False):
    try:
        return call()
    except PermissionDenied as exc:
        raise _MissingPermission(f"This restricted key lacks a permission Light needs: {label}. Edit the key "
                                 "in Stripe to allow it, or use the secret key.") from exc
    except InvalidRequest:
        if missing_is_fine:  # the probe's object doesn't exist, and the key was allowed to look
            return None
        raise


def _register_webhook(gateway: StripeGateway, integration: Integration) -> None:
    """With a public URL, Light registers its own endpoint; without one the owner adds it in
    Stripe and pastes the signing secret."""
    if not current_app.config.get("LIGHT_PUBLIC_URL"):
        integration.webhook_mode = "manual"
        return
    mode = "live" if integration.livemode else "test"
    endpoint = gateway.create_webhook_endpoint(
        url=webhook_url(integration), events=WEBHOOK_EVENTS,
        idempotency_key=f"light-integration-{integration.id}-webhook-{integration.account_id}-{mode}")
    integration.webhook_endpoint_id = endpoint.id
    integration.webhook_secret = endpoint.secret
    integration.webhook_mode = "registered"


def _webhook_problem(exc: GatewayError) -> str:
    if isinstance(exc, PermissionDenied):
        return ("This restricted key lacks a permission Light needs: Webhook Endpoints (Write), to register "
                "Light's webhook endpoint. Edit the key in Stripe to allow it, or use the secret key.")
    if isinstance(exc, (Unreachable, RateLimited)):
        return "Light couldn't reach Stripe to register its webhook endpoint, so nothing was saved. Try again."
    return f"Stripe refused to register Light's webhook endpoint: {exc.message}"


def _delete_endpoint(key, endpoint_id) -> None:
    try:
        StripeGateway.from_config(current_app.config, api_key=key).delete_webhook_endpoint(endpoint_id)
    except GatewayError as exc:
        log.warning("could not delete webhook endpoint %s at Stripe: %s", endpoint_id, type(exc).__name__)
