"""The Stripe OAuth client, beside the gateway: Connect OAuth through Authlib.

Stripe grants `read_only` only to Connect extensions, which can no longer be built: a platform
asking for it is refused. So Light asks for `read_write`, the scope Stripe grants a Standard-account
platform, and says so on the Connect Bank page: it grants write access, of which Light uses none.

The token request authenticates with the PLATFORM secret key as `client_secret` in the body
(client_secret_post); Stripe does not accept Authlib's default Basic ca_:sk_.
"""
import logging

import requests
from authlib.integrations.base_client.errors import OAuthError as AuthlibOAuthError
from authlib.integrations.requests_client import OAuth2Session

from light.errors import Refused
from light.plumbing.stripe_gateway.types import ConnectToken

log = logging.getLogger(__name__)
SCOPE = "read_write"


class ConnectError(Refused):
    """Why connecting did not work, in words fit for the page."""


def _session(config, redirect_uri: str | None = None) -> OAuth2Session:
    if not config.get("STRIPE_CLIENT_ID") or not config.get("STRIPE_SECRET_KEY"):
        raise ConnectError("Stripe Connect is not set up on this Light: STRIPE_CLIENT_ID and "
                           "STRIPE_SECRET_KEY are needed.")
    return OAuth2Session(client_id=config["STRIPE_CLIENT_ID"], client_secret=config["STRIPE_SECRET_KEY"],
                         token_endpoint_auth_method="client_secret_post", scope=SCOPE,
                         redirect_uri=redirect_uri, default_timeout=30)


def _base(config) -> str:
    return (config.get("STRIPE_CONNECT_BASE") or "https://connect.stripe.com").rstrip("/")


def authorize_url(config, redirect_uri: str) -> tuple[str, str]:
    """(the URL to send the user to, the state to keep in their session)."""
    with _session(config, redirect_uri) as session:
        url, state = session.create_authorization_url(_base(config) + "/oauth/authorize",
                                                      stripe_landing="login")
    return url, state


DECLINED = "You declined to connect your Stripe Account, so nothing was connected."


def callback_problem(args, expected_state: str | None) -> str | None:
    """The message for a callback that must not be exchanged, or None."""
    if not expected_state or args.get("state") != expected_state:
        return ("This Stripe sign-in link has expired or was already used. Start again from "
                "Connect Bank.")
    if args.get("error") == "access_denied":
        return DECLINED
    if args.get("error"):
        # Whatever the query says is shown, so it is cut short: it is Stripe's words or a visitor's.
        return f"Stripe did not connect the account: {(args.get('error_description') or args['error'])[:200]}."
    if not args.get("code"):
        return "Stripe sent Light back without an authorization code. Start again from Connect Bank."
    return None


def exchange_code(config, code: str, redirect_uri: str) -> ConnectToken:
    try:
        with _session(config, redirect_uri) as session:
            token = session.fetch_token(_base(config) + "/oauth/token", code=code,
                                        grant_type="authorization_code")
    except AuthlibOAuthError as exc:
        log.info("stripe connect token exchange refused: %s", exc.error)
        if exc.error == "invalid_grant":
            raise ConnectError("Stripe refused the sign-in: the authorization code has expired or "
                               "was already used. Start again from Connect Bank.") from None
        raise ConnectError(f"Stripe refused the sign-in ({exc.error}). Check Light's Stripe "
                           "Connect settings and try again.") from None
    except (requests.RequestException, ValueError) as exc:
        log.warning("stripe connect token exchange failed: %s", type(exc).__name__)
        raise ConnectError("Stripe could not be reached to finish connecting. Try again in a "
                           "minute.") from None
    if not token.get("stripe_user_id") or not token.get("access_token"):
        raise ConnectError("Stripe's answer did not name a Stripe Account. Try again.")
    return ConnectToken(stripe_user_id=token["stripe_user_id"], access_token=token["access_token"],
                        refresh_token=token.get("refresh_token"), scope=token.get("scope"),
                        livemode=bool(token.get("livemode")))
