"""Use cases for Settings > Integrations: plain values in, commit, domain errors out.

Stripe is reached only through light.plumbing.stripe_gateway. A key is checked against Stripe before it is
saved; the webhook endpoint is registered in the same step, so a saved integration always works."""
import hashlib
import logging

from flask import current_app

from light.customers.models import Customer
from light.errors import InvalidInput
from light.extensions import db
from light.ids import is_id
from light.integrations.forms import clean_secret_key, clean_signing_secret, is_live, is_restricted
from light.integrations.models import Integration
from light.plumbing.stripe_gateway import (
    AuthenticationFailed,
    GatewayError,
    InvalidRequest,
    PermissionDenied,
    RateLimited,
    StripeGateway,
    Unreachable,
)
from light.urls import external_url

log = logging.getLogger(__name__)

# The async Checkout events tell a delayed payment (a bank debit) settled or bounced, days after
# checkout.session.completed said "unpaid": Light offers cards only, but a session made before
# that, or a method Stripe adds on its own, must still end up recorded.
WEBHOOK_EVENTS = ("checkout.session.completed", "checkout.session.expired",
                  "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed",
                  "payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded",
                  "charge.dispute.created", "charge.dispute.closed")

# What a restricted key must allow, as Stripe's key editor names it, and how Light asks without
# creating anything in the user's Stripe account: a write to an object that doesn't exist answers
# 404 when the key may write there and 403 when not; a read of one, 404 or 403 alike. A restricted
# key never reads GET /v1/account (always 403 for restricted keys), so none is asked for.
READ_PROBES = (
    ("Balance (Read)", lambda g: g.balance()),
    ("PaymentMethods (Read)", lambda g: g.payment_methods("cus_light_permission_check")),
)
WRITE_PROBES = (
    ("Customers (Write)", "/v1/customers/cus_light_permission_check", "customers"),
    ("Checkout Sessions (Write)", "/v1/checkout/sessions/cs_light_permission_check/expire", "checkout_sessions"),
    ("PaymentIntents (Write)", "/v1/payment_intents/pi_light_permission_check/confirm", "payment_intents"),
)
WEBHOOK_PROBE = ("Webhook Endpoints (Write)", "/v1/webhook_endpoints/we_light_permission_check", "webhook_endpoints")


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
                              secret_key=key, account_id=account.id if account else None,
                              account_name=_name_of(account), livemode=is_live(key), created_by_id=user_id,
                              webhook_mode="manual")
    db.session.add(integration)
    db.session.flush()  # the endpoint's URL and idempotency key need the id
    try:
        _register_webhook(gateway, integration)
    except GatewayError as exc:
        db.session.rollback()
        raise InvalidInput({"secret_key": _webhook_problem(exc)}) from exc
    db.session.commit()
    log.info("organization %s connected Stripe account %s", organization_id,
             integration.account_id or "(restricted key)")
    return integration


def replace_stripe_key(*, organization_id: int, integration_id: int, secret_key: str) -> Integration:
    integration = _active(organization_id, integration_id)
    key, problem = clean_secret_key(secret_key)
    if problem:
        raise InvalidInput({"secret_key": problem})
    gateway, account = _check_key(key)
    moved = is_live(key) != integration.livemode or not _same_account(gateway, account, integration)
    old_key, old_endpoint = integration.secret_key, integration.webhook_endpoint_id
    integration.secret_key = key
    integration.account_name = _name_of(account)
    if account is not None:
        integration.account_id = account.id
    if moved:
        # The old endpoint and its secret belong to the other account or mode.
        integration.account_id, integration.livemode = account.id if account else None, is_live(key)
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


def _name_of(account) -> str:
    return (account.name or account.id) if account else "Stripe account (restricted key)"


def _same_account(gateway: StripeGateway, account, integration: Integration) -> bool:
    """Whether the new key reaches the integration's Stripe account. A secret key says which
    account it is; a restricted key can't, so Light asks whether one of this organization's Stripe
    customers is there. Not knowing counts as another account: the webhook is registered anew."""
    if account is not None and integration.account_id is not None:
        return account.id == integration.account_id
    known = (db.session.query(Customer.stripe_customer_id)
             .filter(Customer.organization_id == integration.organization_id,
                     Customer.stripe_account == integration.stripe_account,
                     Customer.stripe_customer_id.isnot(None)).first())
    return known is not None and customer_exists(gateway, known[0])


def customer_exists(gateway: StripeGateway, customer_id: str) -> bool:
    try:
        return not gateway.customer(customer_id).deleted
    except InvalidRequest:
        return False


def _check_key(key: str):
    """(gateway, account): the account is None for a restricted key, which may not read it."""
    gateway = StripeGateway.from_config(current_app.config, api_key=key)
    try:
        if is_restricted(key):
            _check_restricted(gateway)
            return gateway, None
        account = _require("Account (Read)", gateway.account)
        _require("Balance (Read)", gateway.balance)
    except AuthenticationFailed as exc:
        raise InvalidInput({"secret_key": "Stripe rejected this key: it is wrong or has been revoked. "
                                          "Copy it again from Stripe's Developers > API keys."}) from exc
    except (Unreachable, RateLimited) as exc:
        raise InvalidInput({"secret_key": "Light couldn't reach Stripe to check this key, so nothing was "
                                          "saved. Try again in a minute."}) from exc
    except GatewayError as exc:
        raise InvalidInput({"secret_key": exc.message}) from exc
    return gateway, account


def _check_restricted(gateway: StripeGateway) -> None:
    for label, probe in READ_PROBES:
        _require(label, lambda probe=probe: probe(gateway), missing_is_fine=True)
    writes = WRITE_PROBES + ((WEBHOOK_PROBE,) if current_app.config.get("LIGHT_PUBLIC_URL") else ())
    missing = [label for label, path, resource in writes if not gateway.allows(path, resource)]
    if missing:
        raise _MissingPermission(f"This restricted key lacks {'a permission' if len(missing) == 1 else 'permissions'} "
                                 f"Light needs: {', '.join(missing)}. Edit the key in Stripe to allow "
                                 f"{'it' if len(missing) == 1 else 'them'}, or use the secret key.")


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


def update_webhook_events() -> list[tuple[int, str]]:
    """Subscribe every endpoint Light registered to today's WEBHOOK_EVENTS (an endpoint made
    before an event was added lacks it). Returns (integration id, outcome) for each."""
    events = sorted(WEBHOOK_EVENTS)
    digest = hashlib.sha256(",".join(events).encode()).hexdigest()[:16]
    outcomes = []
    for integration in (db.session.query(Integration)
                        .filter_by(kind="stripe", status="active", webhook_mode="registered")
                        .order_by(Integration.id)):
        if not integration.webhook_endpoint_id:
            continue
        try:
            gateway_for(integration).update_webhook_endpoint_events(
                integration.webhook_endpoint_id, events=events,
                # The same list answers the same: a retry replays, a later list makes a new request.
                idempotency_key=f"light-integration-{integration.id}-webhook-events-{digest}")
            outcomes.append((integration.id, "updated"))
        except GatewayError as exc:
            outcomes.append((integration.id, f"not updated: {exc.message}"))
    return outcomes


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
