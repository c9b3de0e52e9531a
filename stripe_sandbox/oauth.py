"""Connect OAuth for Standard accounts: the consent page, token exchange, deauthorization."""
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint, current_app, redirect, request
from markupsafe import escape

from . import seed
from .api import _key_from_header
from .events import emit
from .pages import error_paragraph, hidden, page
from .state import CLIENT_ID_FORM, KEY_FORM, random_token
from .wire import json_response

bp = Blueprint("oauth", __name__, url_prefix="/oauth")
CODE_LIFETIME = 300
SCOPES = ("read_only", "read_write")


def _store():
    return current_app.config["SANDBOX_STORE"]


def oauth_error(error, description, status=400):
    return json_response({"error": error, "error_description": description}, status)


def _with_query(url, **params):
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode({k: v for k, v in params.items()
                                                           if v is not None})]))
    return urlunsplit(parts._replace(query=query))


def _consent_problem(args):
    if args.get("response_type") != "code":
        return "response_type must be 'code'."
    if not CLIENT_ID_FORM.match(args.get("client_id", "")):
        return "Invalid client_id: it should look like ca_ followed by at least 8 characters."
    if args.get("scope", "read_only") not in SCOPES:
        return "Invalid scope: use read_only or read_write."
    redirect_uri = args.get("redirect_uri", "")
    if not redirect_uri.startswith(("http://", "https://")):
        return "redirect_uri must be an absolute http(s) URL."
    return None


@bp.get("/authorize")
def authorize():
    args = request.args
    problem = _consent_problem(args)
    if problem:
        return page("Authorization error", error_paragraph(problem), 400)
    store = _store()
    existing = [a for a in store.accounts.values() if not a.platform and not a.livemode]
    choices = "".join(
        f'<div><input type="radio" name="account" id="{a.id}" value="{a.id}"{" checked" if not i else ""}>'
        f'<label for="{a.id}" style="display:inline">{escape(a.name or a.id)} ({a.id})</label></div>'
        for i, a in enumerate(existing))
    suggested = args.get("stripe_user[business_name]") or "Sandbox Coffee Roasters"
    body = f"""<p>Light is asking for {'read-only' if args.get('scope', 'read_only') == 'read_only' else 'read and write'} access to your Stripe account: balance, payouts and their transactions.</p>
<form method="post" action="/oauth/authorize">
{hidden("client_id", args["client_id"])}{hidden("state", args.get("state"))}
{hidden("redirect_uri", args["redirect_uri"])}{hidden("scope", args.get("scope", "read_only"))}
<fieldset><legend>Account to connect</legend>{choices}
<div><input type="radio" name="account" id="new" value="new"{"" if existing else " checked"}>
<label for="new" style="display:inline">Create a new sandbox account</label></div>
<label for="business_name">Business name</label>
<input type="text" id="business_name" name="business_name" value="{escape(suggested)}">
</fieldset>
<button type="submit" name="decision" value="accept">Accept</button>
<button type="submit" name="decision" value="decline">Decline</button>
</form>"""
    return page("Authorize Light to read your Stripe account", body)


def connect_new_account(store, name, *, demo=True):
    account = store.create_account(False, platform=False, name=name,
                                   email=f"{random_token(6).lower()}@example.com")
    if demo:
        seed.demo(store, account)
    return account


def issue_code(store, account, scope="read_only", client_id=None):
    code = f"ac_{random_token(32)}"
    store.codes[code] = {"account": account.id, "scope": scope, "created": store.now(),
                         "used": False, "livemode": account.livemode, "client_id": client_id}
    return code


def client_of(store, platform_id, client_id):
    """A platform has one Connect application: the first client id it uses is its own, and
    another one is "No such application", as Stripe answers a ca_ of someone else's."""
    own = store.client_ids.setdefault(platform_id, client_id)
    return own == client_id


@bp.post("/authorize")
def decide():
    form = request.form
    problem = _consent_problem({**form, "response_type": "code"})
    if problem:
        return page("Authorization error", error_paragraph(problem), 400)
    state = form.get("state") or None
    if form.get("decision") != "accept":
        return redirect(_with_query(form["redirect_uri"], error="access_denied",
                                    error_description="The user denied your request",
                                    state=state), 302)
    store = _store()
    choice = form.get("account", "new")
    if choice == "new":
        account = connect_new_account(store, (form.get("business_name") or "").strip()
                                      or "Sandbox business")
    else:
        account = store.accounts.get(choice)
        if account is None or account.platform:
            return page("Authorization error", error_paragraph("Unknown account."), 400)
    code = issue_code(store, account, form.get("scope", "read_only"), form.get("client_id"))
    return redirect(_with_query(form["redirect_uri"], code=code, state=state), 302)


def _platform_key():
    """The platform's secret key, from `client_secret` or the Authorization header."""
    secret = request.form.get("client_secret") or _key_from_header()
    if not KEY_FORM.match(secret or ""):
        return None
    key = _store().key_for(secret)
    return None if key.revoked or key.kind == "oauth" else key


def token_response(store, account, platform_key, scope, refresh_token=None):
    if refresh_token is None:
        refresh_token = f"rt_{random_token(32)}"
        store.refresh_tokens[refresh_token] = {"account": account.id, "scope": scope,
                                               "platform": platform_key.account_id}
    access = store.issue_token(account, platform_key.account_id, account.livemode)
    mode = "live" if account.livemode else "test"
    return {"access_token": access, "livemode": account.livemode, "refresh_token": refresh_token,
            "scope": scope, "stripe_publishable_key": f"pk_{mode}_{account.id[5:]}{store.salt}",
            "stripe_user_id": account.id, "token_type": "bearer"}


@bp.post("/token")
def token():
    from .control import next_fault
    store = _store()
    fault = next_fault(store, request.path)
    if fault:
        raise fault
    key = _platform_key()
    if key is None:
        return oauth_error("invalid_client", "No valid platform secret key was provided.", 401)
    grant = request.form.get("grant_type")
    if grant == "authorization_code":
        code = request.form.get("code", "")
        record = store.codes.get(code)
        if record is None:
            return oauth_error("invalid_grant", f"Authorization code does not exist: {code}")
        if record["used"]:
            return oauth_error("invalid_grant", f"Authorization code has already been used: {code}")
        if store.now() - record["created"] > CODE_LIFETIME:
            return oauth_error("invalid_grant", f"Authorization code expired: {code}")
        if record["livemode"] != key.livemode:
            return oauth_error("invalid_grant", "Authorization code provided does not belong to "
                               "the same mode as the key used.")
        if record.get("client_id") and not client_of(store, key.account_id, record["client_id"]):
            return oauth_error("invalid_client", f"No such application: '{record['client_id']}'")
        record["used"] = True
        account = store.accounts[record["account"]]
        account.platforms.add(key.account_id)
        store.dirty = True
        return json_response(token_response(store, account, key, record["scope"]))
    if grant == "refresh_token":
        refresh_token = request.form.get("refresh_token", "")
        record = store.refresh_tokens.get(refresh_token)
        if record is None or record["platform"] != key.account_id:
            return oauth_error("invalid_grant", f"Refresh token does not exist: {refresh_token}")
        account = store.accounts[record["account"]]
        return json_response(token_response(store, account, key, record["scope"], refresh_token))
    return oauth_error("unsupported_grant_type", f"Unsupported grant type: {grant}")


def deauthorize_connection(store, platform_id, account, client_id):
    account.platforms.discard(platform_id)
    for key in store.keys.values():
        if key.kind == "oauth" and key.account_id == account.id and key.platform_id == platform_id:
            key.revoked = True
    for token, record in list(store.refresh_tokens.items()):
        if record["account"] == account.id and record["platform"] == platform_id:
            del store.refresh_tokens[token]
    application = {"id": client_id, "object": "application", "name": "Light"}
    emit(store, account, "account.application.deauthorized", application, platforms={platform_id})
    store.dirty = True


@bp.post("/deauthorize")
def deauthorize():
    store = _store()
    key = _platform_key()
    if key is None:
        return oauth_error("invalid_client", "No valid platform secret key was provided.", 401)
    client_id = request.form.get("client_id", "")
    if not CLIENT_ID_FORM.match(client_id) or not client_of(store, key.account_id, client_id):
        return oauth_error("invalid_client", f"No such application: '{client_id}'")
    account_id = request.form.get("stripe_user_id", "")
    account = store.accounts.get(account_id)
    if account is None or key.account_id not in account.platforms:
        return oauth_error("invalid_client", f"This application is not connected to stripe "
                           f"account {account_id}, or that account does not exist.")
    deauthorize_connection(store, key.account_id, account, client_id)
    return json_response({"stripe_user_id": account_id})
