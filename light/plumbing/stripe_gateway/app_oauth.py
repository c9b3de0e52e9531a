"""The Stripe App OAuth client, beside the gateway: "Log in with Stripe" the way Stripe offers it
since Connect extensions can no longer be built (docs.stripe.com/stripe-apps/api-authentication/oauth).

- The install link is the app's own (STRIPE_APP_INSTALL_URL: marketplace.stripe.com/oauth/v2/…/authorize,
  one for test mode and one for live), with `client_id`, `redirect_uri` and a `state` Light checks.
- Codes and refresh tokens go to `POST https://api.stripe.com/v1/oauth/token` through Authlib,
  authenticated as Stripe's docs show it (`-u sk_…:`): the app owner's secret key as the Basic user
  name, no password, and no client id in the body.
- The answer carries no `expires_in` in Stripe's example; its access tokens last an hour, so that is
  assumed when the field is absent. Each refresh returns a NEW refresh token and the old one stops
  working: the caller must store it before anything else can use the old one (light/banking/stripe_app.py).
"""
import base64
import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError as AuthlibOAuthError
from authlib.integrations.requests_client import OAuth2Session

from light.plumbing.stripe_gateway.types import AppToken, GatewayError, ReconnectNeeded, Unreachable

log = logging.getLogger(__name__)
TOKEN_PATH = "/v1/oauth/token"
AUTH_METHOD = "stripe_secret_key"


class AppOAuthError(GatewayError):
    """Stripe refused a code or a refresh token; `error` is its OAuth error code."""

    def __init__(self, message, error=None):
        super().__init__(message)
        self.error = error


def configured(config) -> bool:
    return bool(config.get("STRIPE_APP_INSTALL_URL"))


def install_url(config, redirect_uri: str) -> tuple[str, str]:
    """(the app's install link for this user, the state to keep in their session)."""
    state = generate_token(32)
    parts = urlsplit(config["STRIPE_APP_INSTALL_URL"])
    query = dict(parse_qsl(parts.query))
    if config.get("STRIPE_APP_CLIENT_ID"):
        query["client_id"] = config["STRIPE_APP_CLIENT_ID"]
    query.update(redirect_uri=redirect_uri, state=state)
    return urlunsplit(parts._replace(query=urlencode(query))), state


def _secret_key_basic(client, method, uri, headers, body):
    # `curl -u sk_live_…:` in Stripe's docs: the key as the user name and an empty password.
    headers["Authorization"] = "Basic " + base64.b64encode(f"{client.client_secret}:".encode()).decode()
    return uri, headers, body


def _session(config) -> OAuth2Session:
    if not config.get("STRIPE_SECRET_KEY"):
        raise AppOAuthError("The Stripe App is not set up on this Light: STRIPE_SECRET_KEY (the app owner's "
                            "secret key) is needed.", error="not_configured")
    session = OAuth2Session(client_id=config.get("STRIPE_APP_CLIENT_ID") or "stripe_app",
                            client_secret=config["STRIPE_SECRET_KEY"], token_endpoint_auth_method=AUTH_METHOD,
                            default_timeout=30)
    session.register_client_auth_method((AUTH_METHOD, _secret_key_basic))
    return session


def _endpoint(config) -> str:
    return (config.get("STRIPE_API_BASE") or "https://api.stripe.com").rstrip("/") + TOKEN_PATH


def _token(answer) -> AppToken:
    if not answer.get("stripe_user_id") or not answer.get("access_token") or not answer.get("refresh_token"):
        raise AppOAuthError("Stripe's answer did not name a Stripe Account and its tokens.", error="invalid_answer")
    expires_in = answer.get("expires_in")
    return AppToken(stripe_user_id=answer["stripe_user_id"], access_token=answer["access_token"],
                    refresh_token=answer["refresh_token"], livemode=bool(answer.get("livemode")),
                    scope=answer.get("scope"), expires_in=int(expires_in) if expires_in is not None else None)


def _ask(config, grant: str, **form) -> AppToken:
    try:
        with _session(config) as session:
            if grant == "refresh_token":
                answer = session.refresh_token(_endpoint(config), refresh_token=form["refresh_token"])
            else:
                answer = session.fetch_token(_endpoint(config), grant_type=grant, **form)
    except AuthlibOAuthError as exc:
        # An OAuth refusal is {"error": "invalid_grant", ...}; a refused key is an API error object.
        error = exc.error if isinstance(exc.error, str) else (exc.error or {}).get("code") or "api_error"
        message = exc.description if isinstance(exc.error, str) else (exc.error or {}).get("message")
        log.info("stripe app token request (%s) refused: %s", grant, error)
        if error == "invalid_grant":
            raise ReconnectNeeded(message or "Stripe no longer accepts Light's sign-in.") from None
        raise AppOAuthError(message or error, error=error) from None
    except (requests.RequestException, ValueError) as exc:
        log.warning("stripe app token request (%s) failed: %s", grant, type(exc).__name__)
        raise Unreachable("Stripe could not be reached; try again in a minute.") from None
    return _token(answer)


def exchange_code(config, code: str) -> AppToken:
    """The install's code (one use, five minutes) for its first tokens."""
    return _ask(config, "authorization_code", code=code)


def refresh(config, refresh_token: str) -> AppToken:
    """A fresh access token and the refresh token that replaces `refresh_token`. Raises
    ReconnectNeeded on `invalid_grant` (used already, uninstalled, or expired)."""
    return _ask(config, "refresh_token", refresh_token=refresh_token)
