"""Connect Bank > Stripe Account with a restricted key: the way that needs no Stripe App and no
Connect platform. The owner makes a key in Stripe (Developers > API keys > Create restricted key)
that may only read what the feed reads, and pastes it. Light checks it with reads alone; the
clock polls it (no Connect events reach such a key).

A restricted key can't read its own account (GET /v1/account answers 403 to every restricted
key), so the connection is named by the key until Light learns more, and a new key of an
account already connected is recognised by reading one of that connection's transactions."""
import hashlib

from flask import current_app

from light.banking.models import BankAccount, BankTransaction, StripeConnection
from light.errors import InvalidInput
from light.extensions import db
from light.integrations.forms import clean_secret_key, is_live, is_restricted
from light.plumbing.crypto import mask_secret
from light.plumbing.stripe_gateway import (
    AuthenticationFailed,
    GatewayError,
    InvalidRequest,
    PermissionDenied,
    RateLimited,
    StripeGateway,
    Unreachable,
)
from light.utc import utcnow

METHOD = "restricted_key"
# What the key must allow, as Stripe's key editor names it, and a read that proves it: listing
# one, or reading an object that doesn't exist (404 when allowed, 403 when not).
NEEDS = (
    ("Balance (Read)", lambda g: g.balance()),
    ("Balance transaction sources (Read)", lambda g: next(iter(g.balance_transaction_pages(page_size=1)), None)),
    ("Payouts (Read)", lambda g: g.payout("po_light_permission_check")),
)


def connect_with_key(organization_id: int, secret_key: str) -> StripeConnection:
    """Check the key and save the connection (or give an earlier one of the same account its new
    key). Raises InvalidInput (nothing saved) with a message for the key field."""
    key, problem = clean_secret_key(secret_key)
    if problem:
        raise InvalidInput({"secret_key": problem})
    gateway = StripeGateway.from_config(current_app.config, api_key=key)
    account_id, name = _check(gateway, key)
    connection = _same_account(organization_id, gateway, account_id, is_live(key))
    if connection is None:
        connection = StripeConnection(organization_id=organization_id, method=METHOD,
                                      stripe_user_id=account_id or _key_id(key))
        db.session.add(connection)
    connection.method, connection.livemode, connection.scope = METHOD, is_live(key), "restricted_key"
    connection.access_token, connection.refresh_token = key, None
    connection.display_name = name or connection.display_name or f"Stripe account ({mask_secret(key)})"
    connection.status, connection.connected_at, connection.ended_at = "active", utcnow(), None
    db.session.commit()
    return connection


def _check(gateway: StripeGateway, key: str) -> tuple[str | None, str | None]:
    """(account id, name) where the key may say (a full secret key), else (None, None)."""
    try:
        for label, read in NEEDS:
            _require(label, lambda read=read: read(gateway))
        if is_restricted(key):
            return None, None
        account = gateway.account()
        return account.id, account.name
    except AuthenticationFailed as exc:
        raise InvalidInput({"secret_key": "Stripe rejected this key: it is wrong or has been revoked. "
                                          "Copy it again from Stripe's Developers > API keys."}) from exc
    except (Unreachable, RateLimited) as exc:
        raise InvalidInput({"secret_key": "Light couldn't reach Stripe to check this key, so nothing was "
                                          "saved. Try again in a minute."}) from exc
    except GatewayError as exc:
        raise InvalidInput({"secret_key": exc.message}) from exc


def _require(label, read) -> None:
    try:
        read()
    except PermissionDenied as exc:
        raise InvalidInput({"secret_key": f"This key lacks a permission the bank feed needs: {label}. Edit "
                                          "the key in Stripe to allow it."}) from exc
    except InvalidRequest:
        return  # the object read doesn't exist, and the key was allowed to look


def _same_account(organization_id: int, gateway: StripeGateway, account_id: str | None,
                  livemode: bool) -> StripeConnection | None:
    """The organization's earlier connection to the account this key reaches, if any: by id
    when the key says it, else by whether the key can read that connection's newest transaction."""
    connections = StripeConnection.query.filter_by(organization_id=organization_id, livemode=livemode).all()
    for connection in connections:
        if account_id and connection.stripe_user_id == account_id:
            return connection
    for connection in connections:
        newest = (db.session.query(BankTransaction.stripe_id)
                  .join(BankAccount, BankTransaction.bank_account_id == BankAccount.id)
                  .filter(BankAccount.connection_id == connection.id)
                  .order_by(BankTransaction.created.desc()).first())
        if newest and _can_read(gateway, newest[0]):
            return connection
    return None


def _can_read(gateway: StripeGateway, transaction_id: str) -> bool:
    try:
        gateway.balance_transaction(transaction_id)
    except InvalidRequest:  # no such transaction in the account this key reaches
        return False
    return True


def _key_id(key: str) -> str:
    return "key_" + hashlib.sha256(key.encode()).hexdigest()[:24]
