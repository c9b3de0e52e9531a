"""A Stripe App with OAuth ("Log in with Stripe"), as docs.stripe.com/stripe-apps/api-authentication/oauth
describes it:

- the install link (marketplace.stripe.com/oauth/v2/authorize?client_id&redirect_uri&state): the user
  picks an account and accepts the app's permissions; the browser goes to `redirect_uri` with `code`
  and `state`. The code works once, for 5 minutes;
- `POST /v1/oauth/token`, authenticated with the app owner's secret key (`-u sk_…:`), for
  `grant_type=authorization_code` and `grant_type=refresh_token`. The answer has exactly the fields
  of Stripe's example (`scope` "stripe_apps", no `expires_in` unless a test asks for it);
- access tokens are restricted keys (rk_…, as real ones are) holding the app's permissions, and
  expire after an hour: then 401 "Expired API Key provided", code `api_key_expired`;
- refresh tokens ROTATE: each exchange returns a new one and the one used stops working, so using it
  again answers `invalid_grant`. They expire after a year;
- uninstalling revokes every token of the install and sends `account.application.deauthorized` to
  the app owner's Connect endpoints. Events of an installed account reach them too, with `account`.
"""
from flask import Blueprint, current_app, redirect, request
from markupsafe import escape

from .api import PERMISSION_NAMES, _key_from_header, authenticate, permission_error
from .events import emit
from .oauth import _with_query, connect_new_account, oauth_error
from .pages import error_paragraph, hidden, page
from .state import CLIENT_ID_FORM, KEY_FORM, ApiKey, random_token
from .wire import StripeError, json_response

bp = Blueprint("apps", __name__)
CODE_LIFETIME = 300
ACCESS_TOKEN_LIFETIME = 3600  # "Access tokens expire in 1 hour"
REFRESH_TOKEN_LIFETIME = 365 * 86400  # "refresh tokens expire after 1 year", counted from each roll
# What an app asks for when nobody registered it: what Light's bank feed reads.
DEFAULT_PERMISSIONS = ("balance_read", "balance_transaction_source_read", "payout_read", "charge_read",
                       "refund_read", "dispute_read", "event_read")
RESOURCE_OF = {name: resource for resource, name in PERMISSION_NAMES.items()}


def _store():
    return current_app.config["SANDBOX_STORE"]


def register_app(store, client_id, *, owner=None, redirect_uris=None, permissions=None, name="Light"):
    """An app's manifest, as far as the sandbox needs it. `owner` is the account whose secret key
    exchanges its codes; left out, the first key that exchanges a code of the app owns it."""
    app = store.apps.setdefault(client_id, {"owner": None, "redirect_uris": None,
                                            "permissions": list(DEFAULT_PERMISSIONS), "name": name})
    if owner is not None:
        app["owner"] = owner
    if redirect_uris is not None:
        app["redirect_uris"] = list(redirect_uris)
    if permissions is not None:
        app["permissions"] = list(permissions)
    app["name"] = name or app["name"]
    store.dirty = True
    return app


def grants_for(permissions):
    """A restricted key's grants from an app's permissions (`payout_read` -> {"payouts": "read"})."""
    grants = {}
    for permission in permissions:
        name, _, level = permission.rpartition("_")
        resource = RESOURCE_OF.get(name)
        if resource and level in ("read", "write") and grants.get(resource) != "write":
            grants[resource] = level
    return grants


def _install_problem(args, app):
    if not CLIENT_ID_FORM.match(args.get("client_id", "")):
        return "Invalid client_id: it should look like ca_ followed by at least 8 characters."
    redirect_uri = args.get("redirect_uri") or (app["redirect_uris"] or [None])[0]
    if not redirect_uri or not redirect_uri.startswith(("http://", "https://")):
        return "redirect_uri must be an absolute http(s) URL."
    if app["redirect_uris"] is not None and redirect_uri not in app["redirect_uris"]:
        return "redirect_uri is not one of the app's allowed_redirect_uris."
    return None


@bp.get("/oauth/v2/authorize")
def install():
    store, args = _store(), request.args
    app = register_app(store, args.get("client_id", "")) if CLIENT_ID_FORM.match(args.get("client_id", "")) \
        else {"redirect_uris": None, "permissions": [], "name": "?"}
    problem = _install_problem(args, app)
    if problem:
        return page("Install error", error_paragraph(problem), 400)
    redirect_uri = args.get("redirect_uri") or app["redirect_uris"][0]
    existing = [a for a in store.accounts.values() if not a.platform and not a.livemode]
    choices = "".join(
        f'<div><input type="radio" name="account" id="{a.id}" value="{a.id}"{" checked" if not i else ""}>'
        f'<label for="{a.id}" style="display:inline">{escape(a.name or a.id)} ({a.id})</label></div>'
        for i, a in enumerate(existing))
    permissions = "".join(f"<li><code>{escape(p)}</code></li>" for p in app["permissions"])
    body = f"""<p>{escape(app['name'])} asks for these permissions on the account you pick:</p>
<ul>{permissions}</ul>
<form method="post" action="/oauth/v2/authorize">
{hidden("client_id", args["client_id"])}{hidden("state", args.get("state"))}{hidden("redirect_uri", redirect_uri)}
<fieldset><legend>Account to install the app on</legend>{choices}
<div><input type="radio" name="account" id="new" value="new"{"" if existing else " checked"}>
<label for="new" style="display:inline">Create a new sandbox account</label></div>
<label for="business_name">Business name</label>
<input type="text" id="business_name" name="business_name" value="Sandbox Coffee Roasters">
</fieldset>
<button type="submit" name="decision" value="accept">Accept and install</button>
<button type="submit" name="decision" value="decline">Cancel</button>
</form>"""
    return page(f"Install {app['name']}", body)


@bp.post("/oauth/v2/authorize")
def decide():
    store, form = _store(), request.form
    if not CLIENT_ID_FORM.match(form.get("client_id", "")):
        return page("Install error", error_paragraph("Invalid client_id."), 400)
    app = register_app(store, form["client_id"])
    problem = _install_problem(form, app)
    if problem:
        return page("Install error", error_paragraph(problem), 400)
    state = form.get("state") or None
    if form.get("decision") != "accept":
        # The sandbox's choice: Connect OAuth's documented answer to a refusal.
        return redirect(_with_query(form["redirect_uri"], error="access_denied",
                                    error_description="The user denied your request", state=state), 302)
    choice = form.get("account", "new")
    if choice == "new":
        account = connect_new_account(store, (form.get("business_name") or "").strip() or "Sandbox business")
    else:
        account = store.accounts.get(choice)
        if account is None or account.platform:
            return page("Install error", error_paragraph("Unknown account."), 400)
    code = issue_app_code(store, account, form["client_id"])
    return redirect(_with_query(form["redirect_uri"], code=code, state=state), 302)


def issue_app_code(store, account, client_id):
    """Install the app on `account` and return the one-time authorization code."""
    app = register_app(store, client_id)
    account.app_installs[client_id] = app["owner"]
    code = f"ac_{random_token(32)}"
    store.app_codes[code] = {"account": account.id, "client_id": client_id, "created": store.now(),
                             "used": False, "livemode": account.livemode}
    store.dirty = True
    return code


def _owner_key():
    """The app owner's secret key from the Authorization header (Basic `sk_…:` or Bearer), or the
    error Stripe answers: 401 without a valid key, 403 for a restricted key or an access token."""
    secret = _key_from_header()
    key = authenticate(secret)  # raises the API's 401s
    if key.kind != "secret":
        raise permission_error(key, _store().accounts[key.account_id], "rak_oauth_token_write")
    return key


def issue_tokens(store, account, client_id, owner_id):
    """A new access token (an expiring restricted key) and a new refresh token for the install."""
    app = store.apps[client_id]
    mode = "live" if account.livemode else "test"
    access = f"rk_{mode}_{random_token(32)}"
    key = ApiKey(access, account.id, account.livemode, "restricted", platform_id=owner_id)
    key.grants = grants_for(app["permissions"])
    key.app = client_id
    key.expires_at = store.now() + store.app_settings["access_token_lifetime"]
    store.keys[access] = key
    refresh = f"rt_{random_token(32)}"
    store.app_refresh_tokens[refresh] = {"account": account.id, "client_id": client_id, "owner": owner_id,
                                         "livemode": account.livemode, "used": False,
                                         "expires_at": store.now() + REFRESH_TOKEN_LIFETIME}
    store.dirty = True
    answer = {"access_token": access, "livemode": account.livemode, "refresh_token": refresh,
              "scope": "stripe_apps", "stripe_publishable_key": f"pk_{mode}_{account.id[5:]}{store.salt}",
              "stripe_user_id": account.id, "token_type": "bearer"}
    if store.app_settings.get("expires_in"):
        answer["expires_in"] = store.app_settings["access_token_lifetime"]
    return answer


@bp.post("/v1/oauth/token")
def token():
    from .control import next_fault
    store = _store()
    fault = next_fault(store, request.path)
    if fault:
        raise fault
    key = _owner_key()
    grant = request.form.get("grant_type")
    if grant == "authorization_code":
        code = request.form.get("code", "")
        record = store.app_codes.get(code)
        app = store.apps.get(record["client_id"]) if record else None
        if record is None or (app["owner"] is not None and app["owner"] != key.account_id):
            return oauth_error("invalid_grant", f"Authorization code does not exist: {code}")
        if record["used"]:
            return oauth_error("invalid_grant", f"Authorization code has already been used: {code}")
        if store.now() - record["created"] > CODE_LIFETIME:
            return oauth_error("invalid_grant", f"Authorization code expired: {code}")
        if record["livemode"] != key.livemode:
            return oauth_error("invalid_grant", "Authorization code provided does not belong to the same "
                               "mode as the key used.")
        record["used"] = True
        app["owner"] = key.account_id
        account = store.accounts[record["account"]]
        account.app_installs[record["client_id"]] = key.account_id
        return json_response(issue_tokens(store, account, record["client_id"], key.account_id))
    if grant == "refresh_token":
        refresh = request.form.get("refresh_token", "")
        record = store.app_refresh_tokens.get(refresh)
        if record is None or record["owner"] != key.account_id or record["livemode"] != key.livemode:
            return oauth_error("invalid_grant", f"Refresh token does not exist: {refresh}")
        if record["used"]:
            return oauth_error("invalid_grant", "Refresh token has already been used; each refresh "
                               "returns a new one.")
        if store.now() >= record["expires_at"]:
            return oauth_error("invalid_grant", "Refresh token has expired.")
        record["used"] = True  # rolled: the one just used stops working
        account = store.accounts[record["account"]]
        return json_response(issue_tokens(store, account, record["client_id"], key.account_id))
    return oauth_error("unsupported_grant_type", f"Unsupported grant type: {grant}")


def uninstall(store, account, client_id):
    """The user removed the app: every token of the install stops working, and the app owner hears."""
    owner = account.app_installs.pop(client_id, None)
    for key in store.keys.values():
        if key.app == client_id and key.account_id == account.id:
            key.revoked = True
    for token, record in list(store.app_refresh_tokens.items()):
        if record["account"] == account.id and record["client_id"] == client_id:
            del store.app_refresh_tokens[token]
    app = store.apps.get(client_id) or {"name": "Light"}
    application = {"id": client_id, "object": "application", "name": app["name"]}
    emit(store, account, "account.application.deauthorized", application,
         platforms={owner} if owner else None)
    store.dirty = True
    return owner


def _fail(message, status=400):
    raise StripeError(status, message, type="sandbox_error")


@bp.post("/_sandbox/apps")
def register():
    """`{"client_id", "api_key" (the owner's sk_), "redirect_uris": [...], "permissions": [...],
    "access_token_lifetime": seconds, "expires_in": bool}`: the app's manifest, and how its tokens
    behave (`expires_in` adds that field to token answers, which Stripe's documented example lacks)."""
    store, body = _store(), request.get_json(silent=True) or {}
    client_id = body.get("client_id", "")
    if not CLIENT_ID_FORM.match(client_id):
        _fail("Give a `client_id` (ca_…).")
    owner = None
    if body.get("api_key"):
        if not KEY_FORM.match(body["api_key"]):
            _fail("`api_key` is not a Stripe secret key.")
        owner = store.key_for(body["api_key"]).account_id
    app = register_app(store, client_id, owner=owner, redirect_uris=body.get("redirect_uris"),
                       permissions=body.get("permissions"), name=body.get("name") or "Light")
    for setting in ("access_token_lifetime", "expires_in"):
        if setting in body:
            store.app_settings[setting] = int(body[setting]) if setting != "expires_in" else bool(body[setting])
    return json_response({"client_id": client_id, **app, "settings": store.app_settings})


@bp.post("/_sandbox/apps/settings")
def settings():
    """`{"access_token_lifetime": seconds, "expires_in": bool}`; `{}` puts Stripe's back."""
    store, body = _store(), request.get_json(silent=True) or {}
    store.app_settings = {"access_token_lifetime": int(body.get("access_token_lifetime", ACCESS_TOKEN_LIFETIME)),
                          "expires_in": bool(body.get("expires_in", False))}
    return json_response(store.app_settings)


@bp.post("/_sandbox/apps/install")
def install_without_browser():
    """`{"client_id", "account"?, "business_name"?}`: what the install link does, without the
    browser; answers `{"account", "code"}`."""
    store, body = _store(), request.get_json(silent=True) or {}
    if not CLIENT_ID_FORM.match(body.get("client_id", "")):
        _fail("Give a `client_id` (ca_…).")
    account = store.accounts.get(body.get("account") or "") or connect_new_account(
        store, body.get("business_name", "Installed sandbox"), demo=body.get("demo", True))
    return json_response({"account": account.id, "code": issue_app_code(store, account, body["client_id"])})


@bp.post("/_sandbox/apps/uninstall")
def uninstall_route():
    """`{"account", "client_id"}`: the user uninstalls the app from that account."""
    store, body = _store(), request.get_json(silent=True) or {}
    account = store.accounts.get(body.get("account") or "")
    if account is None or body.get("client_id") not in account.app_installs:
        _fail("That app is not installed on that account.", 404)
    return json_response({"uninstalled": body["client_id"], "owner": uninstall(store, account, body["client_id"])})
