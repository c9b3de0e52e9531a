"""Connecting and disconnecting Salesforce: plain values in, commit, domain errors out.

Salesforce is reached only through light.plumbing.salesforce_gateway. Tokens are stored encrypted;
a refreshed (possibly rotated) pair is stored with a conditional UPDATE on `token_version`, so two
workers refreshing at once keep one working pair and neither overwrites the other."""
import logging
from datetime import date, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.exc import IntegrityError

from light.auth.models import User
from light.errors import InvalidInput, Refused
from light.extensions import db
from light.integrations.services import active_stripe_integration
from light.plumbing import mail
from light.plumbing.salesforce_gateway import (
    ConnectFailed,
    OAuthApp,
    SalesforceClient,
    SalesforceError,
    Tokens,
    oauth,
)
from light.salesforce.models import SalesforceConnection, SalesforceDeal
from light.urls import external_url
from light.utc import utcnow

log = logging.getLogger(__name__)
MY_DOMAIN_SUFFIXES = (".my.salesforce.com",)
MAX_BACKFILL_DAYS = 366


# -- what other parts ask ------------------------------------------------------------------------
def current_connection(organization_id: int) -> SalesforceConnection | None:
    """The connection in use (active, or waiting for an owner to reconnect), if any."""
    return (SalesforceConnection.query
            .filter(SalesforceConnection.organization_id == organization_id,
                    SalesforceConnection.status.in_(("active", "reconnect_needed")))
            .order_by(SalesforceConnection.id.desc()).first())


def connections_of(organization_id: int) -> list[SalesforceConnection]:
    return (SalesforceConnection.query.filter_by(organization_id=organization_id)
            .order_by(SalesforceConnection.id.desc()).all())


def deal_for_invoice(invoice) -> SalesforceDeal | None:
    return SalesforceDeal.query.filter_by(organization_id=invoice.organization_id, invoice_id=invoice.id).one_or_none()


def oauth_app(login_url: str) -> OAuthApp:
    config = current_app.config
    if not config.get("SALESFORCE_CLIENT_ID") or not config.get("SALESFORCE_CLIENT_SECRET"):
        raise Refused("Salesforce is not set up on this Light: SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET "
                      "(an External Client App's consumer key and secret) are needed.")
    return OAuthApp(login_url, config["SALESFORCE_CLIENT_ID"], config["SALESFORCE_CLIENT_SECRET"])


class ConnectionTokens:
    """The gateway's TokenStore for one connection row."""

    def __init__(self, connection_id: int):
        self.connection_id = connection_id

    def latest(self) -> Tokens | None:
        row = db.session.get(SalesforceConnection, self.connection_id, populate_existing=True)
        if row is None or not row.access_token:
            return None
        return Tokens(row.access_token, row.refresh_token, row.instance_url, row.sf_org_id, row.sf_user_id)

    def save(self, tokens: Tokens) -> Tokens:
        row = db.session.get(SalesforceConnection, self.connection_id)
        version = row.token_version
        stored = db.session.query(SalesforceConnection).filter(
            SalesforceConnection.id == self.connection_id, SalesforceConnection.token_version == version,
        ).update({"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
                  "token_version": version + 1}, synchronize_session=False)
        db.session.commit()
        return tokens if stored else (self.latest() or tokens)


def client_for(connection: SalesforceConnection) -> SalesforceClient:
    tokens = Tokens(connection.access_token or "", connection.refresh_token, connection.instance_url,
                    connection.sf_org_id, connection.sf_user_id)
    return SalesforceClient(tokens, oauth_app(connection.login_url), ConnectionTokens(connection.id))


# -- connecting ----------------------------------------------------------------------------------
def login_url_for(environment: str, my_domain: str | None) -> str:
    """Where the owner logs in: never a hard-coded login.salesforce.com (sandboxes and My Domains differ)."""
    config = current_app.config
    if environment == "production":
        return config["SALESFORCE_PRODUCTION_LOGIN_URL"]
    if environment == "sandbox":
        return config["SALESFORCE_SANDBOX_LOGIN_URL"]
    if environment != "my_domain":
        raise InvalidInput({"environment": "Choose Production, Sandbox or My Domain."})
    raw = (my_domain or "").strip().lower()
    host = urlsplit(raw if "://" in raw else f"https://{raw}")
    if not raw or host.scheme != "https" or not host.hostname or host.path not in ("", "/") or host.port \
            or not host.hostname.endswith(MY_DOMAIN_SUFFIXES) or len(raw) > 200:
        raise InvalidInput({"my_domain": "Enter your My Domain, like acme.my.salesforce.com or "
                                         "acme--uat.sandbox.my.salesforce.com."})
    return f"https://{host.hostname}"


def start_connect(environment: str, my_domain: str | None, invoice_since: str | None = None) -> dict:
    """What the route keeps in the owner's session, and where to send them."""
    login_url = login_url_for(environment, my_domain)
    since = clean_invoice_since(invoice_since)
    app = oauth_app(login_url)
    url, state, verifier = oauth.authorize_url(login_url, app.client_id, callback_url())
    return {"url": url, "state": state, "verifier": verifier, "login_url": login_url, "environment": environment,
            "invoice_since": since.isoformat() if since else None}


def clean_invoice_since(raw: str | None) -> date | None:
    """"Also invoice deals won since …": at most a year back, never in the future; blank for none."""
    text = (raw or "").strip()
    if not text:
        return None
    today = utcnow().date()
    try:
        since = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput({"invoice_since": "Enter a date like 2026-06-30, or leave it blank."}) from None
    if since > today or since < today - timedelta(days=MAX_BACKFILL_DAYS):
        raise InvalidInput({"invoice_since": f"Choose a day between {today - timedelta(days=MAX_BACKFILL_DAYS)} "
                                             f"and today: Light goes back at most a year."})
    return since


def callback_url() -> str:
    return external_url("salesforce.callback")


def callback_problem(args, pending: dict | None) -> str | None:
    if not pending or not pending.get("state") or args.get("state") != pending["state"]:
        return "This Salesforce sign-in link has expired or was already used: start again from Add New Integration."
    if args.get("error") == "access_denied":
        return "You denied Light access to Salesforce, so nothing was connected."
    if args.get("error"):
        return f"Salesforce did not connect: {(args.get('error_description') or args['error'])[:200]}."
    if not args.get("code"):
        return "Salesforce sent you back without an authorization code: start again."
    return None


def finish_connect(*, organization_id: int, user_id: int, args, pending: dict | None) -> SalesforceConnection:
    problem = callback_problem(args, pending)
    if problem:
        raise ConnectFailed(problem)
    app = oauth_app(pending["login_url"])
    tokens = oauth.exchange_code(pending["login_url"], app.client_id, app.client_secret, redirect_uri=callback_url(),
                                 code=args["code"], verifier=pending["verifier"])
    client = SalesforceClient(tokens, app, _NoRefresh())
    try:
        fields = client.describe_opportunity()
        is_sandbox, currency = client.organization()
        _check_pairing(organization_id, tokens, is_sandbox)
        connection = _save_connection(organization_id, user_id, pending, tokens, fields, is_sandbox, currency)
        if connection.watermark is None and not connection.deals.count():
            since = pending.get("invoice_since")
            _record_existing(connection, client, fields, date.fromisoformat(since) if since else None)
    except (SalesforceError, IntegrityError):
        db.session.rollback()
        oauth.revoke(pending["login_url"], tokens.refresh_token or tokens.access_token)
        raise
    db.session.commit()
    log.info("organization %s connected Salesforce org %s", organization_id, tokens.org_id)
    return connection


class _NoRefresh:
    """Right after the code exchange there is nothing to refresh with yet but the new tokens."""

    def latest(self):
        return None

    def save(self, tokens):
        return tokens


def _check_pairing(organization_id: int, tokens: Tokens, is_sandbox: bool) -> None:
    stripe = active_stripe_integration(organization_id)
    if is_sandbox and stripe is not None and stripe.livemode:
        raise ConnectFailed("A Salesforce sandbox org can only be paired with a Stripe test key: its test deals "
                            "would charge real customers. Use a test key, or connect your production org.")
    current = current_connection(organization_id)
    if current is not None and current.sf_org_id != tokens.org_id:
        raise ConnectFailed("Light is connected to another Salesforce org: disconnect it first.")


def _save_connection(organization_id, user_id, pending, tokens, fields, is_sandbox, currency) -> SalesforceConnection:
    connection = current_connection(organization_id)
    if connection is None:
        connection = SalesforceConnection(organization_id=organization_id, created_by_id=user_id)
        db.session.add(connection)
    connection.status, connection.environment = "active", pending["environment"]
    connection.login_url, connection.instance_url = pending["login_url"], tokens.instance_url
    connection.sf_org_id, connection.sf_user_id, connection.is_sandbox = tokens.org_id, tokens.user_id, is_sandbox
    connection.access_token, connection.refresh_token = tokens.access_token, tokens.refresh_token
    connection.token_version = (connection.token_version or 0) + 1
    connection.field_names, connection.write_back_fields = sorted(fields.names), list(fields.write_back)
    connection.multi_currency, connection.default_currency = fields.multi_currency, currency
    connection.last_poll_error = None
    db.session.flush()
    return connection


def _record_existing(connection: SalesforceConnection, client: SalesforceClient, fields, since: date | None) -> None:
    """Deals won before Light was connected are recorded as existing: never invoiced. With "also
    invoice deals won since", those closed on or after that day are left for the first poll, which
    the watermark is set to reach."""
    newest, oldest_to_invoice = None, None
    for opportunity_id, stamp, close_date in client.won_ids(fields):
        stamp = stamp.replace(tzinfo=None)
        if since is not None and close_date is not None and close_date >= since:
            oldest_to_invoice = min(oldest_to_invoice or stamp, stamp)
            continue
        db.session.add(SalesforceDeal(organization_id=connection.organization_id, connection_id=connection.id,
                                      opportunity_id=opportunity_id, status="existing",
                                      reason="Won before Salesforce was connected to Light."))
        newest = max(newest or stamp, stamp)
    if oldest_to_invoice is not None:
        connection.watermark = oldest_to_invoice - timedelta(seconds=1)
    else:
        connection.watermark = newest or utcnow()


# -- disconnecting and losing access -------------------------------------------------------------
def disconnect(*, organization_id: int, connection_id: int) -> SalesforceConnection:
    """Revoke Light's token (best effort) and forget it; the connection and its deals stay as history."""
    connection = SalesforceConnection.query.filter_by(organization_id=organization_id, id=connection_id).one_or_none()
    if connection is None or not connection.is_current:
        raise Refused("This Salesforce connection is not in use.")
    token, login_url = connection.refresh_token or connection.access_token, connection.login_url
    connection.status, connection.disconnected_at = "disconnected", utcnow()
    connection.access_token = connection.refresh_token = None
    db.session.commit()
    if token and not oauth.revoke(login_url, token):
        log.warning("salesforce connection %s: revoke was not confirmed", connection.id)
    return connection


def mark_reconnect_needed(connection_id: int, reason: str) -> None:
    """Salesforce refused the grant: polling stops until an owner reconnects, and the owners are told once."""
    changed = db.session.query(SalesforceConnection).filter(
        SalesforceConnection.id == connection_id, SalesforceConnection.status == "active",
    ).update({"status": "reconnect_needed", "last_poll_error": reason[:500]}, synchronize_session=False)
    db.session.commit()
    if not changed:
        return
    connection = db.session.get(SalesforceConnection, connection_id)
    link = external_url("salesforce.show", connection_id=connection_id)
    for owner in User.query.filter_by(organization_id=connection.organization_id, role="owner", removed_at=None):
        mail.send(organization_id=connection.organization_id, to=owner.email, kind="salesforce_reconnect",
                  subject="Salesforce needs reconnecting in Light",
                  text=f"{reason}\n\nUntil an owner reconnects, Light can't see deals marked Closed/Won, so it "
                       f"sends no payment links for them. Reconnect here: {link}\n")
