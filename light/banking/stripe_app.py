"""Connect Bank > Stripe Account through Light's Stripe App: the connection's tokens.

The access token is the API key for the Stripe Account and lasts an hour; the refresh token that
renews it ROTATES: Stripe answers a new one and the one used stops working. Two workers refreshing
with the same refresh token would therefore lose the connection (the second gets `invalid_grant`).
So a refresh is serialised on the connection's row: it runs in its own short transaction on its
own database connection that first UPDATEs the row (a row lock on PostgreSQL, the write lock on
SQLite), re-reads the tokens, and only refreshes if they are still the ones the caller found
stale; the new pair is committed before the lock is let go. A second worker waiting on the lock
then finds the new access token and uses it.

Crash window: Stripe rotated the token but the commit did not happen (the process died between
the two). The stored refresh token is then spent, the next refresh answers `invalid_grant`, and the
connection shows "Reconnect needed". Stripe offers no grace period to close that window.

On SQLite (development), the lock is the database's one write lock: a refresh asked for while the
caller's own session holds uncommitted writes (a 401 in the middle of a payout's pages, an hour into
a sync) waits for it, times out, and that sync fails; the next one refreshes first. PostgreSQL locks
only the connection's row, which a sync never holds while it calls Stripe.
"""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm.util import identity_key

from light.banking.models import StripeConnection
from light.extensions import db
from light.plumbing.stripe_gateway import AppToken, ReconnectNeeded, app_oauth
from light.utc import utcnow

log = logging.getLogger(__name__)
METHOD = "stripe_app"
ASSUMED_LIFETIME = 3600  # Stripe's token answer has no expires_in; its docs say an hour
RENEW_BEFORE = timedelta(minutes=5)  # refresh this long before expiry, so no call meets an expired token
REASON = ("Stripe no longer accepts Light's sign-in for this account (the app was uninstalled, or its "
          "grant expired). Reconnect to carry on syncing; the history stays.")


def expiry(token: AppToken):
    return utcnow() + timedelta(seconds=token.expires_in if token.expires_in is not None else ASSUMED_LIFETIME)


def connect_with_code(organization_id: int, code: str) -> StripeConnection:
    """The install's code, exchanged for the connection's first tokens. Raises GatewayError
    (nothing saved) when Stripe refuses it or can't be reached."""
    return store_connection(organization_id, app_oauth.exchange_code(current_app.config, code))


def store_connection(organization_id: int, token: AppToken) -> StripeConnection:
    """Save (or renew, on reconnect) the connection; its history is kept across reconnects."""
    connection = StripeConnection.query.filter_by(organization_id=organization_id,
                                                  stripe_user_id=token.stripe_user_id).one_or_none()
    if connection is None:
        connection = StripeConnection(organization_id=organization_id, stripe_user_id=token.stripe_user_id)
        db.session.add(connection)
    connection.method, connection.livemode, connection.scope = METHOD, token.livemode, token.scope
    connection.access_token, connection.refresh_token = token.access_token, token.refresh_token
    connection.access_token_expires_at = expiry(token)
    connection.status, connection.connected_at, connection.ended_at = "active", utcnow(), None
    # The access token is a restricted key, which may not read /v1/account: the account is named
    # by its id until the owner sees it.
    db.session.commit()
    return connection


def access_token(connection: StripeConnection) -> str:
    """An access token good for at least RENEW_BEFORE: the stored one, or a refreshed one."""
    expires = connection.access_token_expires_at
    if connection.access_token and expires is not None and expires - RENEW_BEFORE > utcnow():
        return connection.access_token
    return refresh(connection.id, stale=connection.access_token)


def refresh(connection_id: int, stale: str | None) -> str:
    """Renew the connection's access token, unless another worker already renewed `stale`.

    Raises ReconnectNeeded (having marked the connection) when Stripe refuses the refresh token,
    and GatewayError when Stripe can't be reached (nothing changed)."""
    table = StripeConnection.__table__
    config = current_app.config
    refused = False
    with db.engine.connect() as conn, conn.begin():
        # The lock: whoever UPDATEs the row first refreshes; the others wait here until it commits.
        locked = conn.execute(update(table).where(table.c.id == connection_id, table.c.status == "active")
                              .values(status=table.c.status)).rowcount
        row = conn.execute(select(table.c.access_token, table.c.refresh_token, table.c.access_token_expires_at)
                           .where(table.c.id == connection_id)).one_or_none()
        if not locked or row is None or not row.refresh_token:
            raise ReconnectNeeded(REASON)
        still_good = row.access_token_expires_at is not None and \
            row.access_token_expires_at - RENEW_BEFORE > utcnow()
        if row.access_token != stale and still_good:
            return row.access_token  # renewed by another worker while this one waited
        try:
            token = app_oauth.refresh(config, row.refresh_token)
        except ReconnectNeeded:
            refused = True  # committed below, with the lock, rather than rolled back by the raise
            conn.execute(update(table).where(table.c.id == connection_id).values(
                status="reconnect_needed", access_token=None, refresh_token=None, ended_at=utcnow()))
        else:
            conn.execute(update(table).where(table.c.id == connection_id).values(
                access_token=token.access_token, refresh_token=token.refresh_token,
                access_token_expires_at=expiry(token)))
    _forget_loaded(connection_id)
    if refused:
        log.info("stripe app connection %s: refresh refused, reconnect needed", connection_id)
        raise ReconnectNeeded(REASON)
    return token.access_token


def _forget_loaded(connection_id: int) -> None:
    """The ORM's copy of the row is stale now: read it afresh when next used."""
    loaded = db.session.identity_map.get(identity_key(StripeConnection, connection_id))
    if loaded is not None:
        db.session.expire(loaded, ["access_token", "refresh_token", "access_token_expires_at", "status",
                                   "ended_at"])


def mark_reconnect_needed(connection_id: int) -> None:
    """Stripe refused even a freshly refreshed token: the owner must install the app again."""
    StripeConnection.query.filter_by(id=connection_id, status="active").update(
        {"status": "reconnect_needed", "access_token": None, "refresh_token": None, "ended_at": utcnow()},
        synchronize_session=False)
    db.session.commit()
