"""Bank feed use cases: connect, sync, disconnect. Plain values in, commit, domain errors out."""
import logging
from datetime import UTC

from flask import current_app

from light.banking import sync
from light.banking.connections import end_connection
from light.banking.models import BankAccount, BankPayout, ConnectWebhookEndpoint, StripeConnection, SyncRun
from light.errors import InvalidInput, Refused
from light.extensions import db
from light.plumbing.jobs.models import Job
from light.plumbing.jobs.queue import active_job, enqueue
from light.plumbing.stripe_gateway import ConnectToken, GatewayError, OAuthError, StripeGateway
from light.utc import from_unix, utcnow

log = logging.getLogger(__name__)
CONNECT_EVENTS = ("balance.available", "payout.created", "payout.updated", "payout.paid", "payout.failed",
                  "payout.canceled", "payout.reconciliation_completed", "charge.succeeded", "charge.refunded",
                  "charge.dispute.created", "account.application.deauthorized")
# An event's change counts as read by a sync that started this long after the event was created.
SYNC_COVERS_AFTER_SECONDS = 30


class DisconnectError(Refused):
    """Stripe could not disconnect the account; the connection stays as it was."""


def store_connection(organization_id: int, token: ConnectToken) -> StripeConnection:
    """Save (or renew, on reconnect) the connection; its history is kept across reconnects."""
    connection = StripeConnection.query.filter_by(organization_id=organization_id,
                                                  stripe_user_id=token.stripe_user_id).one_or_none()
    if connection is None:
        connection = StripeConnection(organization_id=organization_id, stripe_user_id=token.stripe_user_id)
        db.session.add(connection)
    connection.livemode, connection.scope = token.livemode, token.scope
    connection.access_token, connection.refresh_token = token.access_token, token.refresh_token
    connection.status, connection.connected_at, connection.ended_at = "active", utcnow(), None
    db.session.commit()
    try:
        account = StripeGateway.from_config(current_app.config, stripe_account=token.stripe_user_id).account()
        connection.display_name = (account.name or "")[:200] or None
        db.session.commit()
    except GatewayError as exc:  # a name is nice to have; the sync will tell if access is broken
        log.info("could not read the connected account's name: %s", exc.message)
    return connection


NAME_LIMIT = 200


def rename_connection(connection: StripeConnection, raw: str | None) -> None:
    """The name Light shows for a Stripe Account. A Stripe App's or a restricted key's token may not
    read the account's own name (GET /v1/account answers 403 to them), so the owner can give one."""
    name = " ".join((raw or "").split())
    if not name:
        raise InvalidInput({"name": "Enter a name for this Stripe Account."})
    if len(name) > NAME_LIMIT:
        raise InvalidInput({"name": f"Keep the name to {NAME_LIMIT} characters (it has {len(name)})."})
    if not name.isprintable():
        raise InvalidInput({"name": "The name can only hold printable characters."})
    connection.display_name = name
    db.session.commit()


def sync_key(connection_id: int) -> str:
    return f"bank-sync:{connection_id}"


def start_sync(connection: StripeConnection, trigger: str = "manual", *, coalesce: bool = False) -> Job | None:
    """Queue a sync unless one is already queued or running for this connection. With `coalesce`
    (something changed at Stripe), a sync already running is asked to sync once more when done, so
    whatever happened while it ran is read too: however many ask, one follow-up sync."""
    if not connection.is_active:
        return None
    verb = "Importing" if connection.newest_transaction_id is None else "Syncing"
    return enqueue(sync.sync_job, connection.id, trigger, kind="bank_sync",
                   description=f"{verb} {connection.name}", organization_id=connection.organization_id,
                   active_key=sync_key(connection.id), coalesce=coalesce)


def running_sync(connection: StripeConnection) -> Job | None:
    return active_job(sync_key(connection.id))


def disconnect(connection: StripeConnection) -> None:
    """Deauthorize at Stripe, keep the history (read-only), forget the tokens.

    Light's access to a Stripe Account is one grant however many organizations connected it, so
    Stripe is only told once the last of them lets go."""
    # A Stripe App has no call that uninstalls it: the owner removes it in the Stripe Dashboard
    # (the page says so), and Light forgets its tokens here.
    if connection.status == "active" and not connection.uses_own_key and not connection.uses_stripe_app \
            and not _shared_with_another_organization(connection):
        gateway = StripeGateway.from_config(current_app.config)
        try:
            gateway.deauthorize(current_app.config.get("STRIPE_CLIENT_ID"), connection.stripe_user_id)
        except OAuthError as exc:
            # Stripe answers invalid_client both when the account is already disconnected (the
            # outcome the user asked for) and when Light's client id or key is wrong: only the
            # first may end the connection here, or Stripe would keep Light's access unseen.
            if not _already_disconnected(exc):
                raise DisconnectError(f"Stripe could not disconnect the account ({exc.error}: "
                                      f"{exc.description or exc.message}). Check STRIPE_CLIENT_ID and "
                                      "STRIPE_SECRET_KEY; the connection stays active.") from None
            log.info("deauthorize: already disconnected at Stripe")
        except GatewayError as exc:
            raise DisconnectError(f"Stripe could not disconnect the account: {exc.message}") from None
    end_connection(connection, "disconnected")


def _already_disconnected(exc: OAuthError) -> bool:
    return exc.error == "invalid_client" and "not connected" in (exc.description or exc.message or "")


def _shared_with_another_organization(connection: StripeConnection) -> bool:
    return db.session.query(StripeConnection.query.filter(
        StripeConnection.stripe_user_id == connection.stripe_user_id, StripeConnection.id != connection.id,
        StripeConnection.livemode == connection.livemode, StripeConnection.status == "active").exists()).scalar()


def revoked_by_stripe(stripe_user_id: str, event_created: int, livemode: bool) -> list[int]:
    """`account.application.deauthorized`: revoke the connections authorized before the event.

    A stale event (older than the current authorization, e.g. delivered late after a reconnect)
    is ignored."""
    revoked = []
    for connection in StripeConnection.query.filter_by(stripe_user_id=stripe_user_id, status="active",
                                                       livemode=livemode).all():
        authorized = int(connection.connected_at.replace(tzinfo=UTC).timestamp())
        if event_created >= authorized:
            end_connection(connection, "revoked")
            revoked.append(connection.id)
    return revoked


def sync_connections_for(stripe_user_id: str, trigger: str = "webhook", *,
                         changed_at: int | None = None) -> list[Job]:
    """Something changed at Stripe (at unix time `changed_at`, when known): sync each connection
    to that account, unless a sync that started after the change has already completed."""
    return [job for c in StripeConnection.query.filter_by(stripe_user_id=stripe_user_id, status="active")
            if not (changed_at and synced_since(c, changed_at))
            and (job := start_sync(c, trigger, coalesce=True)) is not None]


def synced_since(connection: StripeConnection, changed_at: int) -> bool:
    """A completed sync of the connection started comfortably after `changed_at` (Stripe's clock
    and Light's may differ by a little), so it already read the change."""
    after = from_unix(changed_at + SYNC_COVERS_AFTER_SECONDS)
    return db.session.query(SyncRun.query.filter(
        SyncRun.connection_id == connection.id, SyncRun.started_at >= after, SyncRun.finished_at.isnot(None),
        SyncRun.error.is_(None)).exists()).scalar()


def reopen_payout(stripe_user_id: str, payout_id: str) -> int:
    """Mark a payout of every connection to that Stripe Account as unchecked; the next sync reads its
    status (and, once reconciled, its breakdown) from Stripe again. Returns how many it reopened."""
    connections = [c.id for c in StripeConnection.query.filter_by(stripe_user_id=stripe_user_id, status="active")]
    if not connections:
        return 0
    accounts = [a.id for a in BankAccount.query.filter(BankAccount.connection_id.in_(connections))]
    reopened = BankPayout.query.filter(BankPayout.bank_account_id.in_(accounts or [-1]),
                                       BankPayout.stripe_id == payout_id).update(
        {"breakdown_fetched_at": None}, synchronize_session=False)
    db.session.commit()
    return reopened


def bank_accounts(organization_id: int) -> list[BankAccount]:
    return (BankAccount.query.join(StripeConnection).filter(BankAccount.organization_id == organization_id)
            .order_by(StripeConnection.id, BankAccount.currency).all())


# -- Light's own Connect webhook endpoint --------------------------------------------------------
def connect_webhook_url() -> str | None:
    base = current_app.config.get("LIGHT_PUBLIC_URL")
    return f"{base.rstrip('/')}/webhooks/stripe/connect" if base else None


def ensure_connect_webhook() -> ConnectWebhookEndpoint | None:
    """Register Light's Connect endpoint at Stripe once, when no signing secret is configured and
    Light knows its public URL. Best effort: connecting works without it (the clock still syncs)."""
    url = connect_webhook_url()
    if current_app.config.get("STRIPE_CONNECT_WEBHOOK_SECRET") or not url:
        return None
    existing = ConnectWebhookEndpoint.query.filter_by(url=url).first()
    if existing is not None:
        return existing
    try:
        endpoint = StripeGateway.from_config(current_app.config).create_webhook_endpoint(
            url=url, events=CONNECT_EVENTS, connect=True, idempotency_key=f"light-connect-webhook-{url}")
    except GatewayError as exc:
        log.warning("could not register the Connect webhook endpoint: %s", exc.message)
        return None
    if not endpoint.secret:
        return None
    record = ConnectWebhookEndpoint(stripe_id=endpoint.id, url=url, secret=endpoint.secret,
                                    livemode=str(current_app.config.get("STRIPE_SECRET_KEY", "")).startswith("sk_live"))
    db.session.add(record)
    db.session.commit()
    return record


def registered_connect_secrets() -> list[str]:
    return [e.secret for e in ConnectWebhookEndpoint.query.all()]


