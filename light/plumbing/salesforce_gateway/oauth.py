"""Salesforce's OAuth 2.0 web-server flow through Authlib: the authorize URL (state and PKCE S256),
the code exchange and refresh (each answer's `signature` verified), and revoke.

The signature is base64 HMAC-SHA256 of `id + issued_at` keyed with the consumer secret: an answer
that doesn't carry a valid one did not come from the org Light asked, and is refused."""
import base64
import hashlib
import hmac
import logging
import re
from urllib.parse import urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from light.plumbing.salesforce_gateway.types import ConnectFailed, ReconnectNeeded, Tokens, Unreachable

log = logging.getLogger(__name__)
SCOPE = "api refresh_token"
IDENTITY = re.compile(r"/id/(?P<org>00D[A-Za-z0-9]{12,15})/(?P<user>005[A-Za-z0-9]{12,15})/?$")


def _session(client_id: str, client_secret: str, redirect_uri: str | None = None) -> OAuth2Session:
    return OAuth2Session(client_id=client_id, client_secret=client_secret, scope=SCOPE, redirect_uri=redirect_uri,
                         token_endpoint_auth_method="client_secret_post", code_challenge_method="S256",
                         default_timeout=30)


def authorize_url(login_url: str, client_id: str, redirect_uri: str) -> tuple[str, str, str]:
    """(the URL to send the owner to, the state and the PKCE code verifier to keep in their session)."""
    verifier = generate_token(64)
    with _session(client_id, "", redirect_uri) as session:
        url, state = session.create_authorization_url(login_url.rstrip("/") + "/services/oauth2/authorize",
                                                      code_verifier=verifier, prompt="login consent")
    return url, state, verifier


def exchange_code(login_url: str, client_id: str, client_secret: str, *, redirect_uri: str, code: str,
                  verifier: str) -> Tokens:
    try:
        with _session(client_id, client_secret, redirect_uri) as session:
            answer = session.fetch_token(login_url.rstrip("/") + "/services/oauth2/token", code=code,
                                         code_verifier=verifier, grant_type="authorization_code")
    except OAuthError as exc:
        log.info("salesforce code exchange refused: %s", exc.error)
        raise ConnectFailed(f"Salesforce refused the sign-in ({exc.error}): start again from "
                            "Add New Integration.") from None
    except (requests.RequestException, ValueError) as exc:
        log.warning("salesforce code exchange failed: %s", type(exc).__name__)
        raise ConnectFailed("Salesforce could not be reached to finish connecting. Try again in a minute.") from None
    tokens = _verified(answer, client_secret, None)
    if not tokens.refresh_token:
        raise ConnectFailed("Salesforce gave no refresh token: the External Client App needs the "
                            "refresh_token scope.")
    return tokens


def refresh(login_url: str, client_id: str, client_secret: str, refresh_token: str) -> Tokens:
    """A new access token (and, with rotation, a new refresh token). ReconnectNeeded on invalid_grant."""
    try:
        with _session(client_id, client_secret) as session:
            answer = session.refresh_token(login_url.rstrip("/") + "/services/oauth2/token",
                                           refresh_token=refresh_token)
    except OAuthError as exc:
        if exc.error == "invalid_grant":
            raise ReconnectNeeded("Salesforce no longer accepts Light's access (the grant was revoked or "
                                  "expired): an owner must reconnect.") from None
        raise Unreachable(f"Salesforce refused to refresh the session ({exc.error}).") from None
    except (requests.RequestException, ValueError) as exc:
        raise Unreachable(f"Salesforce could not be reached ({type(exc).__name__}).") from None
    tokens = _verified(answer, client_secret, Unreachable)
    # Without rotation the old refresh token stays valid; Salesforce sends none back.
    return tokens if tokens.refresh_token else Tokens(tokens.access_token, refresh_token, tokens.instance_url,
                                                      tokens.org_id, tokens.user_id)


def revoke(login_url: str, token: str) -> bool:
    """Best effort: True when Salesforce confirmed."""
    try:
        response = requests.post(login_url.rstrip("/") + "/services/oauth2/revoke", data={"token": token}, timeout=15)
    except requests.RequestException:
        return False
    return response.status_code == 200


def signature_of(identity: str, issued_at: str, client_secret: str) -> str:
    mac = hmac.new(client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def _verified(answer, client_secret: str, error) -> Tokens:
    error = error or ConnectFailed
    identity, issued_at = str(answer.get("id") or ""), str(answer.get("issued_at") or "")
    given = str(answer.get("signature") or "")
    if not given or not hmac.compare_digest(given, signature_of(identity, issued_at, client_secret)):
        raise error("Salesforce's answer was not signed with Light's consumer secret, so Light did not trust it.")
    match = IDENTITY.search(urlsplit(identity).path)
    instance = str(answer.get("instance_url") or "")
    if not match or not answer.get("access_token") or urlsplit(instance).scheme not in ("https", "http"):
        raise error("Salesforce's answer did not name an org, a user and an instance.")
    return Tokens(access_token=answer["access_token"], refresh_token=answer.get("refresh_token"),
                  instance_url=instance.rstrip("/"), org_id=match.group("org"), user_id=match.group("user"))
