"""OAuth 2.0 web-server flow, as Salesforce serves it under /services/oauth2/: authorize (with a
consent page: Accept or Decline), token (authorization_code with PKCE S256, refresh_token with
optional rotation), revoke, and the identity URL (/id/<org>/<user>)."""
import base64
import hashlib
import hmac
import time
from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, request
from markupsafe import escape

from .pages import error_paragraph, hidden, page
from .state import random_token
from .wire import bearer_org, json_response

bp = Blueprint("sf_oauth", __name__)
CODE_SECONDS = 900


def _store():
    return current_app.config["SANDBOX_STORE"]


def _with_query(url, **params):
    params = {k: v for k, v in params.items() if v is not None}
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _authorize_problem(args):
    if args.get("response_type") != "code":
        return "unsupported_response_type"
    if args.get("client_id") != _store().consumer_key:
        return "invalid_client_id"
    if not args.get("redirect_uri"):
        return "redirect_uri_mismatch"
    if args.get("code_challenge") and args.get("code_challenge_method", "S256") != "S256":
        return "invalid code_challenge_method: only S256"
    return None


@bp.get("/services/oauth2/authorize")
def authorize():
    args = request.args
    problem = _authorize_problem(args)
    if problem:
        return page("Authorization error", error_paragraph(f"error={problem}"), 400)
    orgs = list(_store().orgs.values())
    wanted = args.get("login_hint")
    choices = "".join(
        f'<div><input type="radio" name="org" id="{o.id}" value="{o.id}"'
        f'{" checked" if (o.username == wanted if wanted else i == len(orgs) - 1) else ""}>'
        f'<label for="{o.id}" style="display:inline">{escape(o.username)} '
        f'({"Sandbox" if o.is_sandbox else "Production"} org {o.id})</label></div>'
        for i, o in enumerate(orgs))
    keep = "".join(hidden(name, args.get(name)) for name in
                   ("client_id", "redirect_uri", "state", "scope", "code_challenge", "code_challenge_method"))
    body = f"""<p>Light is asking to access your Salesforce data (scope: {escape(args.get('scope', ''))}).</p>
<form method="post" action="/services/oauth2/authorize">{keep}
<fieldset><legend>Log in as</legend>{choices or '<p>No org yet: one is created when you Accept.</p>'}</fieldset>
<button type="submit" name="decision" value="accept">Allow</button>
<button type="submit" name="decision" value="decline">Deny</button>
</form>"""
    return page("Allow Access?", body)


@bp.post("/services/oauth2/authorize")
def decide():
    form = request.form
    problem = _authorize_problem({**form, "response_type": "code"})
    if problem:
        return page("Authorization error", error_paragraph(f"error={problem}"), 400)
    if form.get("decision") != "accept":
        return redirect(_with_query(form["redirect_uri"], error="access_denied",
                                    error_description="end-user denied authorization",
                                    state=form.get("state") or None), 302)
    store = _store()
    org = store.orgs.get(form.get("org", "")) or store.create_org()
    code = issue_code(store, org, redirect_uri=form["redirect_uri"], challenge=form.get("code_challenge") or None)
    return redirect(_with_query(form["redirect_uri"], code=code, state=form.get("state") or None), 302)


def issue_code(store, org, *, redirect_uri, challenge=None):
    code = "aPrx" + random_token(40)
    store.codes[code] = {"org": org.id, "redirect_uri": redirect_uri, "challenge": challenge,
                         "created": time.time(), "used": False}
    return code


def _client_ok(store):
    client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
    if request.authorization and request.authorization.type == "basic":
        client_id, secret = request.authorization.username, request.authorization.password
    return client_id == store.consumer_key and hmac.compare_digest(secret or "", store.consumer_secret)


def _oauth_error(error, description, status=400):
    return json_response({"error": error, "error_description": description}, status)


@bp.post("/services/oauth2/token")
def token():
    store = _store()
    store.token_requests += 1
    if not _client_ok(store):
        return _oauth_error("invalid_client", "invalid client credentials")
    grant = request.form.get("grant_type")
    if grant == "authorization_code":
        return _code_grant(store)
    if grant == "refresh_token":
        return _refresh_grant(store)
    return _oauth_error("unsupported_grant_type", "grant type not supported")


def _code_grant(store):
    form = request.form
    entry = store.codes.get(form.get("code", ""))
    if entry is None or entry["used"] or time.time() - entry["created"] > CODE_SECONDS:
        return _oauth_error("invalid_grant", "invalid authorization code")
    entry["used"] = True  # one use, whatever happens next
    if form.get("redirect_uri") != entry["redirect_uri"]:
        return _oauth_error("redirect_uri_mismatch", "redirect_uri must match configuration")
    if entry["challenge"]:
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or not hmac.compare_digest(digest, entry["challenge"]):
            return _oauth_error("invalid_grant", "invalid code verifier")
    org = store.orgs[entry["org"]]
    return json_response(token_body(store, org, store.issue_tokens(org)))


def _refresh_grant(store):
    entry = store.refresh_tokens.get(request.form.get("refresh_token", ""))
    if entry is None or entry["revoked"]:
        return _oauth_error("invalid_grant", "expired access/refresh token")
    org = store.orgs[entry["org"]]
    issued = store.issue_tokens(org, refresh=store.rotation)
    if store.rotation:
        entry["revoked"] = True  # a rotated token is used once
    return json_response(token_body(store, org, issued))


def token_body(store, org, issued):
    base = request.host_url.rstrip("/")
    identity = f"{base}/id/{org.id}/{org.user_id}"
    issued_at = str(int(time.time() * 1000))
    key = "not-the-consumer-secret" if store.forge_signatures else store.consumer_secret
    signature = base64.b64encode(hmac.new(key.encode(), (identity + issued_at).encode(),
                                          hashlib.sha256).digest()).decode()
    return {**issued, "instance_url": base, "id": identity, "token_type": "Bearer",
            "issued_at": issued_at, "signature": signature, "scope": "api refresh_token"}


@bp.post("/services/oauth2/revoke")
def revoke():
    store = _store()
    value = request.form.get("token") or request.args.get("token", "")
    if value in store.refresh_tokens:
        # Revoking a refresh token revokes it and the sessions it gave, as Salesforce does.
        org_id = store.refresh_tokens[value]["org"]
        store.refresh_tokens[value]["revoked"] = True
        for entry in store.access_tokens.values():
            if entry["org"] == org_id:
                entry["revoked"] = True
    elif value in store.access_tokens:
        store.access_tokens[value]["revoked"] = True
    else:
        return _oauth_error("unsupported_token_type", "this token type is not supported")
    return json_response({}, 200)


@bp.get("/id/<org_id>/<user_id>")
def identity(org_id, user_id):
    org = bearer_org()
    if org.id != org_id or org.user_id != user_id:
        return _oauth_error("Bad_Id", "Bad_Id", 403)
    return json_response({"id": request.base_url, "organization_id": org.id, "user_id": org.user_id,
                          "username": org.username, "email": org.username, "is_sandbox": org.is_sandbox})
